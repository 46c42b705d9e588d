{#- Every raw row of the optional observations.csv, typed, with its row status. An observation is
    identified by (PATIENT, ENCOUNTER, CODE, DATE), hashed into observation_id. A numeric observation
    whose VALUE is not a number keeps its text with value_numeric null and the issue
    `unparseable_numeric_value`. -#}
{%- set raw_columns = raw_contract()['synthea']['observations']['required'] -%}

with raw as (
    {{ read_raw('synthea', 'observations') }}
),

encounters as (
    select encounter_id, patient_id from {{ ref('base_synthea__encounters') }} where row_status = 'clean'
),

typed as (
    select
        source_file,
        source_row,
        md5(concat_ws('|', "PATIENT", "ENCOUNTER", "CODE", "DATE")) as observation_id,
        {{ clean_text('"PATIENT"') }} as patient_id,
        {{ clean_text('"ENCOUNTER"') }} as encounter_id,
        lower({{ clean_text('"CATEGORY"') }}) as observation_category,
        {{ clean_text('"CODE"') }} as observation_code,
        {{ clean_text('"DESCRIPTION"') }} as observation_description,
        {{ clean_text('"VALUE"') }} as value_text,
        {{ clean_text('"UNITS"') }} as units,
        lower({{ clean_text('"TYPE"') }}) as value_type,
        {{ clean_text('"DATE"') }} as date_text,
        {{ parse_utc_timestamp('"DATE"') }} as observed_at,
        {{ row_fingerprint(raw_columns, quote_names=true) }} as row_fingerprint,
        {{ raw_record_json(raw_columns) }} as raw_record
    from raw
),

repaired as (
    select
        typed.*,
        encounters.encounter_id is not null as has_known_encounter,
        encounters.patient_id as encounter_patient_id,
        case when value_type = 'numeric' then {{ parse_number('value_text', 'double') }} end as value_numeric,
        {{ issue_list([
            ("value_type = 'numeric' and value_text is not null and " ~ parse_number('value_text', 'double') ~ " is null", 'unparseable_numeric_value'),
        ]) }} as data_issues
    from typed
    left join encounters
        on typed.encounter_id = encounters.encounter_id
),

{{ row_status_ctes('repaired', 'observation_id', [
    ('encounter_id is null', 'missing_encounter_id'),
    ('observation_code is null', 'missing_code'),
    ('has_conflicting_key', 'conflicting_duplicate_key'),
    ('date_text is null', 'missing_date'),
    ('observed_at is null', 'unparseable_date'),
    ('not has_known_encounter', 'orphan_encounter'),
    ('patient_id is distinct from encounter_patient_id', 'encounter_patient_mismatch'),
]) }},

final as (
    select
        'synthea' as source_system,
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
        row_status,
        rejection_reason,
        raw_record
    from classified
)

select * from final
