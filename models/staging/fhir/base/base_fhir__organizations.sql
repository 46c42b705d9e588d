{#- Every raw Organization row of the FHIR export (a line of its files, a Bundle entry), typed as the Synthea
    CSV's organizations are, with its row status. Elements read: id, name, address[0] (line, city, state,
    postalCode) with its geolocation extension; identifier_keys lists its identifiers (`<system>|<value>`), by
    which a conditional reference (`Organization?identifier=<system>|<value>`) finds it. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['fhir']['organizations']['required'] -%}

with raw as (
    {{ read_raw('fhir', 'organizations', loaded_into=this if is_incremental() else none) }}
),

resources as {{ cte_not_materialized() }} (
    {{ fhir_resources('raw', {
        'name': '$.name',
        'address_line': '$.address[0].line[0]',
        'address_city': '$.address[0].city',
        'address_state': '$.address[0].state',
        'address_postal_code': '$.address[0].postalCode',
    }) }}
),

typed as (
    select
        {{ raw_row_address() }},
        {{ fhir_resource_columns() }},
        resource_id as organization_id,
        {{ fhir_string('name') }} as organization_name,
        {{ fhir_string('address_line') }} as address,
        {{ fhir_string('address_city') }} as city,
        {{ fhir_string('address_state') }} as state,
        {{ fhir_string('address_postal_code') }} as zip_code,
        {{ fhir_address_point('resource_json') }},
        {{ fhir_identifier_keys('resource_json') }} as identifier_keys,
        cast(null as {{ dbt.type_string() }}) as data_issues,
        {{ raw_row_kept(raw_columns) }}
    from resources
),

classified as (
    {{ row_status('typed', 'organization_id', across_files=true, rejections=fhir_resource_rejections()) }}
),

final as (
    select
        'fhir' as source_system,
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
        identifier_keys,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
