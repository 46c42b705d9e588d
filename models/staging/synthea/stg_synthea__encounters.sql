{#- The clean rows of base_synthea__encounters (see its description in the yml): every column but the row-status bookkeeping
    (row_fingerprint, row_status, rejection_reason, raw_record). -#}
with base as (
    select * from {{ ref('base_synthea__encounters') }}
),

final as (
    select
        source_system,
        source_file,
        source_row,
        encounter_id,
        patient_id,
        organization_id,
        payer_id,
        encounter_class,
        encounter_code,
        encounter_description,
        encounter_description_clean,
        reason_code,
        reason_description,
        start_at,
        stop_at,
        base_encounter_cost,
        total_claim_cost,
        payer_coverage,
        is_long_running,
        data_issues,
        source_file_stamp,
        loaded_at
    from base
    where row_status = 'clean'
)

select * from final
