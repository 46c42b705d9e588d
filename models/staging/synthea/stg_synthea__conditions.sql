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
        data_issues
    from base
    where row_status = 'clean'
)

select * from final
