{#- Every clean Coverage resource of the FHIR export: the payer of a patient's insurance, which claims name
    (base_fhir__claims). Elements read: id, payor[0].display (the payer's name; the Synthea CSV's payers.csv
    NAME), beneficiary. A coverage without a payer's name is kept, with the issue `missing_payer_name`. -#}
{%- set raw_columns = raw_contract()['fhir']['resources']['required'] -%}

with resources as (
    {{ fhir_resources('Coverage', {
        'beneficiary_reference': '$.beneficiary.reference',
        'payor_display': '$.payor[0].display',
    }) }}
),

typed as (
    select
        {{ raw_row_address() }},
        resource_id as coverage_id,
        {{ fhir_reference_id('beneficiary_reference') }} as patient_id,
        {{ fhir_string('payor_display') }} as payer_name,
        row_fingerprint,
        {{ raw_columns_kept(raw_columns) }}
    from resources
),

checked as (
    select
        *,
        {{ issue_list([('payer_name is null', 'missing_payer_name')]) }} as data_issues
    from typed
),

classified as (
    {{ row_status('checked', 'coverage_id', group_from='typed', rejections=[]) }}
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
