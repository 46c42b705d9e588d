{#- The clean rows of base_synthea__conditions (see its description in the yml): every column but the row-status bookkeeping
    (row_fingerprint, row_status, rejection_reason, raw_record). -#}
with base as (
    select * from {{ ref('base_synthea__conditions') }}
),

final as (
    select
        source_system,
        source_file,
        source_row,
        condition_id,
        encounter_id,
        patient_id,
        condition_code,
        condition_description,
        start_date,
        stop_date,
        data_issues,
        source_file_stamp,
        loaded_at
    from base
    where row_status = 'clean'
)

select * from final
