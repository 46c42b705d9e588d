{#- Every raw row of the optional observations.csv, typed, with its row status. An observation is
    identified by (PATIENT, ENCOUNTER, CODE, DATE, VALUE, UNITS) as written, hashed into observation_id:
    Synthea repeats a measurement within one second (two oxygen-saturation readings of one encounter with
    different values), and both are real. An exact copy of a row is a duplicate. A row with a blank
    ENCOUNTER is a patient-level observation (Synthea writes QALY, DALY and QOLS that way): it is kept when
    its patient is a clean patient. A numeric observation whose VALUE is not a number keeps its text with
    value_numeric null and the issue `unparseable_numeric_value`. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['synthea']['observations']['required'] -%}

with raw as {{ raw_cte_materialization('synthea', 'observations') }} (
    {{ read_raw('synthea', 'observations', loaded_into=this if is_incremental() else none) }}
),

typed as {{ cte_not_materialized() }} (
    select
        {{ raw_row_address() }},
        -- noqa: disable=LT02
        md5(concat_ws('|', {% for column in ['PATIENT', 'ENCOUNTER', 'CODE', 'DATE', 'VALUE', 'UNITS'] -%}
            coalesce({{ adapter.quote(column) }}, ''){{ ', ' if not loop.last }}
        {%- endfor %})) as observation_id,
        -- noqa: enable=LT02
        {{ clean_text(adapter.quote('PATIENT')) }} as patient_id,
        {{ clean_text(adapter.quote('ENCOUNTER')) }} as encounter_id,
        lower({{ clean_text(adapter.quote('CATEGORY')) }}) as observation_category,
        {{ clean_text(adapter.quote('CODE')) }} as observation_code,
        {{ clean_text(adapter.quote('DESCRIPTION')) }} as observation_description,
        {{ clean_text(adapter.quote('VALUE')) }} as value_text,
        {{ clean_text(adapter.quote('UNITS')) }} as units,
        lower({{ clean_text(adapter.quote('TYPE')) }}) as value_type,
        {{ clean_text(adapter.quote('DATE')) }} as date_text,
        {{ parse_utc_timestamp(adapter.quote('DATE')) }} as observed_at,
        {{ raw_row_kept(raw_columns) }}
    from raw
),

linked as {{ cte_not_materialized() }} (
    {{ link_to_clean_encounters('typed') }}
),

patients as (
    select patient_id from {{ ref('base_synthea__patients') }}
    where row_status = 'clean'
),

repaired as {{ cte_not_materialized() }} (
    select
        linked.*,
        {{ found_in(['linked.patient_id'], 'patients', ['patient_id']) }} as has_known_patient,
        case when linked.value_type = 'numeric' then {{ parse_number('value_text', 'double') }} end as value_numeric,
        {{ issue_list([
            ("value_type = 'numeric' and value_text is not null and " ~ parse_number('value_text', 'double') ~ " is null", 'unparseable_numeric_value'),
        ]) }} as data_issues
    from linked
    {{ found_in_join(['linked.patient_id'], 'patients', ['patient_id']) }}
),

classified as (
    {{ row_status('repaired', 'observation_id', group_from='typed', rejections=observation_rejections()) }}
),

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
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
