{#- The clean rows of base_synthea__observations (see its description in the yml): every column but the row-status bookkeeping
    (row_fingerprint, row_status, rejection_reason, raw_record). -#}
with base as (
    select * from {{ ref('base_synthea__observations') }}
),

final as (
    select
        source_system,
        source_file,
        source_row,
        observation_id,
        encounter_id,
        patient_id,
        observation_category,
        observation_code,
        observation_description,
        value_text,
        value_numeric,
        units,
        value_type,
        observed_at,
        data_issues,
        source_file_stamp,
        loaded_at
    from base
    where row_status = 'clean'
)

select * from final
