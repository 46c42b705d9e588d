{#- The clean rows of base_synthea__procedures (see its description in the yml): every column but the row-status bookkeeping
    (row_fingerprint, row_status, rejection_reason, raw_record). -#}
with base as (
    select * from {{ ref('base_synthea__procedures') }}
),

final as (
    select
        source_system,
        source_file,
        source_row,
        procedure_id,
        encounter_id,
        patient_id,
        procedure_code,
        procedure_description,
        procedure_description_clean,
        reason_code,
        reason_description,
        start_at,
        stop_at,
        base_cost,
        data_issues,
        source_file_stamp,
        loaded_at
    from base
    where row_status = 'clean'
)

select * from final
