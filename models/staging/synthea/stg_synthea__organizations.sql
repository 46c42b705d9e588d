with base as (
    select * from {{ ref('base_synthea__organizations') }}
),

final as (
    select
        source_system,
        source_file,
        source_row,
        organization_id,
        organization_name,
        address,
        city,
        state,
        zip_code,
        latitude,
        longitude,
        data_issues
    from base
    where row_status = 'clean'
)

select * from final
