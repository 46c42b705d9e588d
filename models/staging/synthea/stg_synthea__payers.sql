with base as (
    select * from {{ ref('base_synthea__payers') }}
),

final as (
    select
        source_system,
        source_file,
        source_row,
        payer_id,
        payer_name,
        address,
        city,
        state_headquartered,
        zip_code,
        phone,
        data_issues
    from base
    where row_status = 'clean'
)

select * from final
