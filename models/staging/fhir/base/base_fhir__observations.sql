{#- Every raw Observation row of the FHIR export (a line of its files, a Bundle entry), typed as the Synthea
    CSV's observations are, with its row status. Elements read: id; subject; encounter (none: a patient-level
    observation, kept when its patient is a clean patient); category[0].coding[0].code; code.coding[0];
    effectiveDateTime (stored as UTC); the value: valueQuantity (value and unit: numeric), else
    valueCodeableConcept's display or valueString (text). Quarantined: no patient, no code, no date or one
    that is not a date, a patient-level observation of a patient the export does not hold, an encounter that
    is not a clean encounter of the same patient. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['fhir']['observations']['required'] -%}

with raw as (
    {{ read_raw('fhir', 'observations', loaded_into=this if is_incremental() else none) }}
),

resources as {{ cte_not_materialized() }} (
    {{ fhir_resources('raw', {
        'subject_reference': '$.subject.reference',
        'encounter_reference': '$.encounter.reference',
        'category_coding_code': '$.category[0].coding[0].code',
        'code_coding_code': '$.code.coding[0].code',
        'code_coding_display': '$.code.coding[0].display',
        'code_text': '$.code.text',
        'value_quantity_value': '$.valueQuantity.value',
        'value_codeable_concept_coding_display': '$.valueCodeableConcept.coding[0].display',
        'value_string': '$.valueString',
        'value_quantity_unit': '$.valueQuantity.unit',
        'effective_date_time': '$.effectiveDateTime',
    }) }}
),

patients as (
    select patient_id from {{ ref('base_fhir__patients') }}
    where row_status = 'clean'
),

typed as (
    select
        {{ raw_row_address() }},
        {{ fhir_resource_columns() }},
        resource_id as observation_id,
        {{ fhir_reference_id('subject_reference') }} as patient_id,
        {{ fhir_reference_id('encounter_reference') }} as encounter_id,
        lower({{ fhir_string('category_coding_code') }}) as observation_category,
        {{ fhir_string('code_coding_code') }} as observation_code,
        coalesce({{ fhir_string('code_coding_display') }}, {{ fhir_string('code_text') }})
            as observation_description,
        {{ fhir_string('value_quantity_value') }} as quantity_text,
        coalesce(
            {{ fhir_string('value_quantity_value') }},
            {{ fhir_string('value_codeable_concept_coding_display') }},
            {{ fhir_string('value_string') }}
        ) as value_text,
        {{ fhir_string('value_quantity_unit') }} as units,
        {{ fhir_string('effective_date_time') }} as date_text,
        {{ fhir_instant('effective_date_time') }} as observed_at,
        {{ raw_row_kept(raw_columns) }}
    from resources
),

linked as (
    {{ link_to_clean_encounters('typed', 'base_fhir__encounters') }}
),

repaired as (
    select
        linked.*,
        {{ found_in(['linked.patient_id'], 'patients', ['patient_id']) }} as has_known_patient,
        case when linked.quantity_text is not null then 'numeric' when linked.value_text is not null then 'text' end
            as value_type,
        {{ try_number('linked.quantity_text', type_double()) }} as value_numeric,
        {{ issue_list([
            ("quantity_text is not null and " ~ try_number('quantity_text', type_double()) ~ " is null",
             'unparseable_numeric_value'),
        ]) }} as data_issues
    from linked
    {{ found_in_join(['linked.patient_id'], 'patients', ['patient_id']) }}
),

classified as (
    {{ row_status(
        'repaired', 'observation_id', group_from='typed', across_files=true,
        rejections=fhir_resource_rejections() + observation_rejections()
    ) }}
),

final as (
    select
        'fhir' as source_system,
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
