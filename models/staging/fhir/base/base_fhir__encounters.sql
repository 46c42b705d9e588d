{#- Every raw Encounter row of the FHIR export (a line of its files, a Bundle entry), typed as the Synthea
    CSV's encounters are, with its row status. Elements read (docs/data_contract.md, "FHIR R4"): id; subject
    (the patient); class (HL7 v3 ActCode, seed fhir_code_map: AMB is `ambulatory`); type[0].coding[0] (the
    encounter's code and description); reasonCode[0].coding[0]; period.start and period.end (instants with
    offsets, stored as UTC); hospitalization.dischargeDisposition.coding[0].code where present (kept in
    staging: no KPI reads it, the CSV has none); serviceProvider (the organization: `Organization/<id>`,
    `urn:uuid:<id>` or a conditional reference resolved by the organizations' identifiers). Costs and the
    payer come from the encounter's claims (stg_fhir__encounters). Quarantined: no period start
    (`missing_start`), a start that is not a date, a start in the future, no subject, a subject that is not a
    clean patient of the export (`orphan_patient`), no class. An organization the export does not hold is kept
    as unknown, with the issue `unresolved_organization`. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['fhir']['encounters']['required'] -%}

with raw as (
    {{ read_raw('fhir', 'encounters', loaded_into=this if is_incremental() else none) }}
),

resources as {{ cte_not_materialized() }} (
    {{ fhir_resources('raw', {
        'subject_reference': '$.subject.reference',
        'service_provider_reference': '$.serviceProvider.reference',
        'class_code': '$.class.code',
        'type_coding_code': '$.type[0].coding[0].code',
        'type_coding_display': '$.type[0].coding[0].display',
        'type_text': '$.type[0].text',
        'reason_code_coding_code': '$.reasonCode[0].coding[0].code',
        'reason_code_coding_display': '$.reasonCode[0].coding[0].display',
        'discharge_disposition_code': '$.hospitalization.dischargeDisposition.coding[0].code',
        'period_start': '$.period.start',
        'period_end': '$.period.end',
    }) }}
),

patients as (
    select patient_id from {{ ref('base_fhir__patients') }}
    where row_status = 'clean'
),

organizations as (
    select
        organization_id,
        identifier_keys
    from {{ ref('base_fhir__organizations') }}
    where row_status = 'clean'
),

organization_identifier_rows as (
    select
        organization_id,
        {{ unnest_list('identifier_keys') }} as identifier_key
    from organizations
),

-- an identifier two organizations share names the first
organization_identifiers as (
    select
        identifier_key,
        min(organization_id) as organization_id
    from organization_identifier_rows
    group by identifier_key
),

codes as (
    select * from {{ ref('fhir_code_map') }}
    where element = 'encounter_class'
),

typed as (
    select
        {{ raw_row_address() }},
        {{ fhir_resource_columns() }},
        resource_id as encounter_id,
        {{ fhir_reference_id('subject_reference') }} as patient_id,
        {{ fhir_reference_id('service_provider_reference') }} as organization_reference_id,
        {{ fhir_reference_identifier('service_provider_reference') }} as organization_identifier,
        {{ fhir_string('service_provider_reference') }} as organization_reference,
        {{ fhir_string('class_code') }} as class_code,
        {{ fhir_string('type_coding_code') }} as encounter_code,
        coalesce(
            {{ fhir_string('type_coding_display') }}, {{ fhir_string('type_text') }}
        ) as encounter_description,
        {{ fhir_string('reason_code_coding_code') }} as reason_code,
        {{ fhir_string('reason_code_coding_display') }} as reason_description,
        {{ fhir_string('discharge_disposition_code') }} as discharge_disposition,
        {{ fhir_string('period_start') }} as start_text,
        {{ fhir_instant('period_start') }} as start_at,
        {{ fhir_string('period_end') }} as stop_text,
        {{ fhir_instant('period_end') }} as stop_at_parsed,
        {{ raw_row_kept(raw_columns) }}
    from resources
),

repaired as (
    select
        typed.*,
        {{ found_in(['typed.patient_id'], 'patients', ['patient_id']) }} as has_known_patient,
        coalesce(by_id.organization_id, by_identifier.organization_id) as organization_id,
        coalesce(codes.value, lower(typed.class_code)) as encounter_class,
        {{ snomed_description('typed.encounter_description') }} as encounter_description_clean,
        case when typed.stop_at_parsed >= typed.start_at then typed.stop_at_parsed end as stop_at,
        {{ dbt.datediff('typed.start_at', 'typed.stop_at_parsed', 'day') }} > {{ var('long_encounter_days') }}
            as is_long_running,
        {{ issue_list([
            ('stop_text is null', 'missing_stop'),
            ('stop_text is not null and stop_at_parsed is null', 'unparseable_stop'),
            ('stop_at_parsed < start_at', 'stop_before_start'),
            ('class_code is not null and codes.value is null', 'unmapped_encounter_class'),
            ('organization_reference is not null and by_id.organization_id is null and by_identifier.organization_id is null',
             'unresolved_organization'),
            (dbt.datediff('start_at', 'stop_at_parsed', 'day') ~ ' > ' ~ var('long_encounter_days'), 'long_running'),
        ]) }} as data_issues
    from typed
    left join organizations as by_id
        on typed.organization_reference_id = by_id.organization_id
    left join organization_identifiers as by_identifier
        on typed.organization_identifier = by_identifier.identifier_key
    left join codes
        on typed.class_code = codes.code
    {{ found_in_join(['typed.patient_id'], 'patients', ['patient_id']) }}
),

classified as (
    {{ row_status(
        'repaired', 'encounter_id', group_from='typed', across_files=true,
        rejections=fhir_resource_rejections() + encounter_rejections()
    ) }}
),

final as (
    select
        'fhir' as source_system,
        source_file,
        source_row,
        encounter_id,
        patient_id,
        organization_id,
        encounter_class,
        encounter_code,
        encounter_description,
        encounter_description_clean,
        reason_code,
        reason_description,
        discharge_disposition,
        start_at,
        stop_at,
        coalesce(is_long_running, false) as is_long_running,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
