{#- Every raw Procedure row of the FHIR export (a line of its files, a Bundle entry), typed as the Synthea
    CSV's procedures are, with its row status. Elements read: id; subject; encounter; code.coding[0];
    reasonCode[0].coding[0]; performedPeriod.start and .end, or performedDateTime (instants, stored as UTC).
    FHIR carries no procedure cost (the CSV's BASE_COST): base_cost is null. Quarantined as the CSV's
    procedures are (event_rejections). -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['fhir']['procedures']['required'] -%}

with raw as (
    {{ read_raw('fhir', 'procedures', loaded_into=this if is_incremental() else none) }}
),

resources as {{ cte_not_materialized() }} (
    {{ fhir_resources('raw', {
        'subject_reference': '$.subject.reference',
        'encounter_reference': '$.encounter.reference',
        'code_coding_code': '$.code.coding[0].code',
        'code_coding_display': '$.code.coding[0].display',
        'code_text': '$.code.text',
        'reason_code_coding_code': '$.reasonCode[0].coding[0].code',
        'reason_code_coding_display': '$.reasonCode[0].coding[0].display',
        'performed_period_start': '$.performedPeriod.start',
        'performed_date_time': '$.performedDateTime',
        'performed_period_end': '$.performedPeriod.end',
    }) }}
),

typed as (
    select
        {{ raw_row_address() }},
        {{ fhir_resource_columns() }},
        resource_id as procedure_id,
        {{ fhir_reference_id('subject_reference') }} as patient_id,
        {{ fhir_reference_id('encounter_reference') }} as encounter_id,
        {{ fhir_string('code_coding_code') }} as procedure_code,
        coalesce({{ fhir_string('code_coding_display') }}, {{ fhir_string('code_text') }})
            as procedure_description,
        {{ fhir_string('reason_code_coding_code') }} as reason_code,
        {{ fhir_string('reason_code_coding_display') }} as reason_description,
        coalesce({{ fhir_string('performed_period_start') }}, {{ fhir_string('performed_date_time') }})
            as start_text,
        coalesce({{ fhir_instant('performed_period_start') }}, {{ fhir_instant('performed_date_time') }})
            as start_at,
        {{ fhir_instant('performed_period_end') }} as stop_at_parsed,
        {{ raw_row_kept(raw_columns) }}
    from resources
),

linked as (
    {{ link_to_clean_encounters('typed', 'base_fhir__encounters') }}
),

repaired as (
    select
        *,
        {{ snomed_description('procedure_description') }} as procedure_description_clean,
        case when stop_at_parsed >= start_at then stop_at_parsed end as stop_at,
        {{ issue_list([
            ('stop_at_parsed < start_at', 'stop_before_start'),
        ]) }} as data_issues
    from linked
),

classified as (
    {{ row_status(
        'repaired', 'procedure_id', group_from='typed', across_files=true,
        rejections=fhir_resource_rejections() + event_rejections('procedure', 'start_at')
    ) }}
),

final as (
    select
        'fhir' as source_system,
        source_file,
        source_row,
        procedure_id,
        encounter_id,
        patient_id,
        procedure_code,
        procedure_description,
        procedure_description_clean,
        reason_code,
        reason_description,
        start_at,
        stop_at,
        cast(null as decimal(18, 2)) as base_cost,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
