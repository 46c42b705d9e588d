{#- Every raw Condition row of the FHIR export (a line of its files, a Bundle entry), typed as the Synthea
    CSV's conditions are, with its row status. Elements read: id; subject; encounter; code.coding[0] (code,
    its system, display); onsetDateTime and abatementDateTime, as the day written (the CSV writes the day of
    the same local time). The code keeps its system (condition_code_system): SNOMED CT is mapped to ICD-10-CM
    downstream as the CSV's codes are, ICD-10-CM is used as it is, another system is kept and counted as
    unmapped. Quarantined as the CSV's conditions are (event_rejections): no encounter, no code, no onset or
    one that is not a date, an encounter that is not a clean encounter of the export or of another patient. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['fhir']['conditions']['required'] -%}

with raw as (
    {{ read_raw('fhir', 'conditions', loaded_into=this if is_incremental() else none) }}
),

resources as {{ cte_not_materialized() }} (
    {{ fhir_resources('raw', {
        'subject_reference': '$.subject.reference',
        'encounter_reference': '$.encounter.reference',
        'code_coding_code': '$.code.coding[0].code',
        'code_coding_system': '$.code.coding[0].system',
        'code_coding_display': '$.code.coding[0].display',
        'code_text': '$.code.text',
        'onset_date_time': '$.onsetDateTime',
        'abatement_date_time': '$.abatementDateTime',
    }) }}
),

typed as (
    select
        {{ raw_row_address() }},
        {{ fhir_resource_columns() }},
        resource_id as condition_id,
        {{ fhir_reference_id('subject_reference') }} as patient_id,
        {{ fhir_reference_id('encounter_reference') }} as encounter_id,
        {{ fhir_string('code_coding_code') }} as condition_code,
        {{ fhir_string('code_coding_system') }} as condition_code_system_uri,
        coalesce({{ fhir_string('code_coding_display') }}, {{ fhir_string('code_text') }})
            as condition_description,
        {{ fhir_string('onset_date_time') }} as start_text,
        {{ try_iso_date('left(' ~ fhir_string('onset_date_time') ~ ', 10)') }} as start_date,
        {{ try_iso_date('left(' ~ fhir_string('abatement_date_time') ~ ', 10)') }} as stop_date_parsed,
        {{ raw_row_kept(raw_columns) }}
    from resources
),

linked as (
    {{ link_to_clean_encounters('typed', 'base_fhir__encounters') }}
),

code_systems as (
    select * from {{ ref('fhir_code_map') }}
    where element = 'code_system'
),

repaired as (
    select
        linked.*,
        coalesce(code_systems.value, linked.condition_code_system_uri) as condition_code_system,
        case when linked.stop_date_parsed >= linked.start_date then linked.stop_date_parsed end as stop_date,
        {{ issue_list([
            ('stop_date_parsed < start_date', 'stop_before_start'),
            ('condition_code_system_uri is not null and code_systems.value is null', 'unknown_code_system'),
        ]) }} as data_issues
    from linked
    left join code_systems
        on linked.condition_code_system_uri = code_systems.code
),

classified as (
    {{ row_status(
        'repaired', 'condition_id', group_from='typed', across_files=true,
        rejections=fhir_resource_rejections() + event_rejections('condition', 'start_date')
    ) }}
),

final as (
    select
        'fhir' as source_system,
        source_file,
        source_row,
        condition_id,
        encounter_id,
        patient_id,
        condition_code,
        condition_code_system,
        condition_description,
        start_date,
        stop_date,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
