{#- The clean rows of base_synthea__organizations (see its description in the yml): every column but the row-status bookkeeping
    (row_fingerprint, row_status, rejection_reason, raw_record). -#}
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
        data_issues,
        source_file_stamp,
        loaded_at
    from base
    where row_status = 'clean'
)

select * from final
