{#- Every raw Coverage row of the FHIR export (a line of its files, a Bundle entry): the payer of a patient's
    insurance, which claims name (base_fhir__claims). Elements read: id, payor[0].display (the payer's name;
    the Synthea CSV's payers.csv NAME), beneficiary. A coverage without a payer's name is kept, with the issue
    `missing_payer_name`. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['fhir']['coverages']['required'] -%}

with raw as (
    {{ read_raw('fhir', 'coverages', loaded_into=this if is_incremental() else none) }}
),

resources as {{ cte_not_materialized() }} (
    {{ fhir_resources('raw', {
        'beneficiary_reference': '$.beneficiary.reference',
        'payor_display': '$.payor[0].display',
    }) }}
),

typed as (
    select
        {{ raw_row_address() }},
        {{ fhir_resource_columns() }},
        resource_id as coverage_id,
        {{ fhir_reference_id('beneficiary_reference') }} as patient_id,
        {{ fhir_string('payor_display') }} as payer_name,
        {{ raw_row_kept(raw_columns) }}
    from resources
),

checked as (
    select
        *,
        {{ issue_list([('payer_name is null', 'missing_payer_name')]) }} as data_issues
    from typed
),

classified as (
    {{ row_status(
        'checked', 'coverage_id', group_from='typed', across_files=true,
        rejections=fhir_resource_rejections()
    ) }}
),

final as (
    select
        'fhir' as source_system,
        source_file,
        source_row,
        coverage_id,
        patient_id,
        payer_name,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
