{#- Every raw row of organizations.csv, typed, with its row status (clean, quarantined, duplicate). -#}
{%- set raw_columns = raw_contract()['synthea']['organizations']['required'] -%}

with raw as {{ raw_cte_materialization('synthea', 'organizations') }} (
    {{ read_raw('synthea', 'organizations') }}
),

typed as (
    select
        {{ raw_row_address() }},
        {{ clean_text(adapter.quote('Id')) }} as organization_id,
        {{ clean_text(adapter.quote('NAME')) }} as organization_name,
        {{ clean_text(adapter.quote('ADDRESS')) }} as address,
        {{ clean_text(adapter.quote('CITY')) }} as city,
        {{ clean_text(adapter.quote('STATE')) }} as state,
        {{ clean_text(adapter.quote('ZIP')) }} as zip_code,
        {{ parse_number(adapter.quote('LAT'), 'double') }} as latitude,
        {{ parse_number(adapter.quote('LON'), 'double') }} as longitude,
        cast(null as {{ dbt.type_string() }}) as data_issues,
        {{ raw_row_kept(raw_columns) }}
    from raw
),

classified as (
    {{ row_status('typed', 'organization_id', [
        ('organization_id is null', 'missing_organization_id'),
        ('has_conflicting_key', 'conflicting_duplicate_key'),
    ]) }}
),

final as (
    select
        'synthea' as source_system,
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
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
