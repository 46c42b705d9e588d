{#- Every raw row of patients.csv, typed, with its row status (clean, quarantined, duplicate). -#}
{%- set raw_columns = raw_contract()['synthea']['patients']['required'] -%}

with raw as {{ raw_cte_materialization('synthea', 'patients') }} (
    {{ read_raw('synthea', 'patients') }}
),

gender_map as (
    select * from {{ ref('gender_map') }}
),

typed as (
    select
        {{ raw_row_address() }},
        {{ clean_text(adapter.quote('Id')) }} as patient_id,
        {{ clean_text(adapter.quote('BIRTHDATE')) }} as birth_date_text,
        {{ parse_date(adapter.quote('BIRTHDATE')) }} as birth_date,
        {{ clean_text(adapter.quote('DEATHDATE')) }} as death_date_text,
        {{ parse_date(adapter.quote('DEATHDATE')) }} as death_date_parsed,
        {{ clean_text(adapter.quote('GENDER')) }} as gender_text,
        lower({{ clean_text(adapter.quote('RACE')) }}) as race,
        lower({{ clean_text(adapter.quote('ETHNICITY')) }}) as ethnicity,
        upper({{ clean_text(adapter.quote('MARITAL')) }}) as marital_text,
        {{ clean_text(adapter.quote('PREFIX')) }} as name_prefix,
        {{ clean_text(adapter.quote('FIRST')) }} as first_name,
        {{ clean_text(adapter.quote('LAST')) }} as last_name,
        {{ clean_text(adapter.quote('SUFFIX')) }} as name_suffix,
        {{ clean_text(adapter.quote('MAIDEN')) }} as maiden_name,
        {{ clean_text(adapter.quote('BIRTHPLACE')) }} as birthplace,
        {{ clean_text(adapter.quote('ADDRESS')) }} as address,
        {{ clean_text(adapter.quote('CITY')) }} as city,
        {{ clean_text(adapter.quote('STATE')) }} as state,
        {{ clean_text(adapter.quote('COUNTY')) }} as county,
        {{ clean_text(adapter.quote('ZIP')) }} as zip_text,
        {{ parse_number(adapter.quote('LAT'), 'double') }} as latitude,
        {{ parse_number(adapter.quote('LON'), 'double') }} as longitude,
        {{ raw_row_kept(raw_columns) }}
    from raw
),

repaired as (
    select
        typed.*,
        {{ patient_repairs() }},
        {{ issue_list(patient_issues([
            ("gender_text not in ('F', 'M') and gender_map.gender is not null", 'gender_repaired'),
        ])) }} as data_issues
    from typed
    left join gender_map
        on lower(typed.gender_text) = gender_map.source_value
),

classified as (
    {{ row_status('repaired', 'patient_id', [
        ('patient_id is null', 'missing_patient_id'),
        ('has_conflicting_key', 'conflicting_duplicate_key'),
    ]) }}
),

final as (
    select
        'synthea' as source_system,
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
        maiden_name,
        birthplace,
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
