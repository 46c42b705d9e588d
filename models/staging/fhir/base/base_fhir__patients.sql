{#- Every raw Patient row of the FHIR export (a line of its files, a Bundle entry), typed as the Synthea CSV's
    patients are (stg_synthea__patients' columns), with its row status. Elements read (docs/data_contract.md,
    "FHIR R4"): id, birthDate, deceasedDateTime, gender, the US Core race and ethnicity extensions
    (ombCategory codes, seed fhir_code_map), maritalStatus, name[0], address[0] with its geolocation
    extension. The same repairs as the CSV's: a birth date in the future or too long ago is unknown, a death
    date before birth or in the future is null, each with its issue (macros/patients.sql). -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['fhir']['patients']['required'] -%}
{%- set race_url = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race' -%}
{%- set ethnicity_url = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity' -%}

with raw as (
    {{ read_raw('fhir', 'patients', loaded_into=this if is_incremental() else none) }}
),

resources as {{ cte_not_materialized() }} (
    {{ fhir_resources('raw', {
        'birth_date': '$.birthDate',
        'deceased_date_time': '$.deceasedDateTime',
        'gender': '$.gender',
        'marital_status_coding_code': '$.maritalStatus.coding[0].code',
        'name_prefix': '$.name[0].prefix[0]',
        'name_given': '$.name[0].given[0]',
        'name_family': '$.name[0].family',
        'name_suffix': '$.name[0].suffix[0]',
        'address_line': '$.address[0].line[0]',
        'address_city': '$.address[0].city',
        'address_state': '$.address[0].state',
        'address_district': '$.address[0].district',
        'address_postal_code': '$.address[0].postalCode',
    }) }}
),

codes as (
    select * from {{ ref('fhir_code_map') }}
),

gender_map as (
    select * from {{ ref('gender_map') }}
),

typed as (
    select
        {{ raw_row_address() }},
        {{ fhir_resource_columns() }},
        resource_id as patient_id,
        {{ fhir_string('birth_date') }} as birth_date_text,
        {{ try_iso_date(fhir_string('birth_date')) }} as birth_date,
        {{ fhir_string('deceased_date_time') }} as death_date_text,
        cast({{ fhir_instant('deceased_date_time') }} as date) as death_date_parsed,
        {{ fhir_string('gender') }} as gender_text,
        {{ fhir_json_string(fhir_extension('resource_json', race_url), '$.extension[0].valueCoding.code') }} as race_code,
        {{ fhir_json_string(fhir_extension('resource_json', ethnicity_url), '$.extension[0].valueCoding.code') }}
            as ethnicity_code,
        upper({{ fhir_string('marital_status_coding_code') }}) as marital_text,
        {{ fhir_string('name_prefix') }} as name_prefix,
        {{ fhir_string('name_given') }} as first_name,
        {{ fhir_string('name_family') }} as last_name,
        {{ fhir_string('name_suffix') }} as name_suffix,
        {{ fhir_string('address_line') }} as address,
        {{ fhir_string('address_city') }} as city,
        {{ fhir_string('address_state') }} as state,
        {{ fhir_string('address_district') }} as county,
        {{ fhir_string('address_postal_code') }} as zip_text,
        {{ fhir_address_point('resource_json') }},
        {{ raw_row_kept(raw_columns) }}
    from resources
),

repaired as (
    select
        typed.*,
        races.value as race,
        ethnicities.value as ethnicity,
        {{ patient_repairs() }},
        {{ issue_list(patient_issues([
            ('race_code is not null and races.value is null', 'unmapped_race'),
            ('ethnicity_code is not null and ethnicities.value is null', 'unmapped_ethnicity'),
        ])) }} as data_issues
    from typed
    left join gender_map
        on lower(typed.gender_text) = gender_map.source_value
    left join codes as races
        on races.element = 'race' and typed.race_code = races.code
    left join codes as ethnicities
        on ethnicities.element = 'ethnicity' and typed.ethnicity_code = ethnicities.code
),

classified as (
    {{ row_status(
        'repaired', 'patient_id', group_from='typed', across_files=true,
        rejections=fhir_resource_rejections()
    ) }}
),

final as (
    select
        'fhir' as source_system,
        source_file,
        source_row,
        patient_id,
        gender,
        race,
        ethnicity,
        marital_status,
        name_prefix,
        first_name,
        last_name,
        name_suffix,
        cast(null as {{ dbt.type_string() }}) as maiden_name,
        cast(null as {{ dbt.type_string() }}) as birthplace,
        address,
        city,
        state,
        county,
        zip_code,
        latitude,
        longitude,
        birth_date_checked as birth_date,
        death_date,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
