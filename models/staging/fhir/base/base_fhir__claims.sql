{#- Every raw Claim and ExplanationOfBenefit row of the FHIR export (a line of its files, a Bundle entry):
    what an encounter cost and what its payer paid, with its row status. Elements read: id;
    item[0].encounter[0] (the encounter); patient; a Claim's total.value (the claim's cost, as the Synthea
    CSV's TOTAL_CLAIM_COST); an ExplanationOfBenefit's payment.amount.value (what the payer paid,
    PAYER_COVERAGE); insurance[0].coverage, whose payer is the referenced Coverage's payor[0].display, else
    the reference's display. Quarantined: no encounter (`missing_encounter_id`), an encounter that is not a
    clean encounter of the export (`orphan_encounter`), an amount that is not a number or is negative. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['fhir']['claims']['required'] -%}
{#- the claim's cost (a Claim) or what the payer paid (an ExplanationOfBenefit) -#}
{%- set claim_amount = "case resource_type when 'Claim' then total_value else payment_amount_value end" -%}

with raw as (
    {{ read_raw('fhir', 'claims', loaded_into=this if is_incremental() else none) }}
),

resources as {{ cte_not_materialized() }} (
    {{ fhir_resources('raw', {
        'total_value': '$.total.value',
        'payment_amount_value': '$.payment.amount.value',
        'encounter_reference': '$.item[0].encounter[0].reference',
        'patient_reference': '$.patient.reference',
        'coverage_reference': '$.insurance[0].coverage.reference',
        'coverage_display': '$.insurance[0].coverage.display',
    }) }}
),

coverages as (
    select
        coverage_id,
        payer_name
    from {{ ref('base_fhir__coverages') }}
    where row_status = 'clean'
),

typed as (
    select
        {{ raw_row_address() }},
        {{ fhir_resource_columns() }},
        {{ dbt.concat(['resource_type', "'/'", 'resource_id']) }} as claim_id,
        resource_type as claim_type,
        {{ fhir_reference_id('encounter_reference') }} as encounter_id,
        {{ fhir_reference_id('patient_reference') }} as patient_id,
        {{ fhir_reference_id('coverage_reference') }} as coverage_id,
        {{ fhir_string('coverage_display') }} as coverage_display,
        {{ fhir_string(claim_amount) }} as amount_text,
        {{ try_number(fhir_string(claim_amount), 'decimal(18, 2)') }} as amount_parsed,
        {{ raw_row_kept(raw_columns) }}
    from resources
),

linked as (
    {{ link_to_clean_encounters('typed', 'base_fhir__encounters') }}
),

repaired as (
    select
        linked.*,
        coalesce(coverages.payer_name, linked.coverage_display) as payer_name,
        case when linked.claim_type = 'Claim' then linked.amount_parsed end as total_claim_cost,
        case when linked.claim_type = 'ExplanationOfBenefit' then linked.amount_parsed end as payer_coverage,
        {{ issue_list([
            ('amount_text is null', 'missing_amount'),
        ]) }} as data_issues
    from linked
    left join coverages
        on linked.coverage_id = coverages.coverage_id
),

classified as (
    {{ row_status('repaired', 'claim_id', group_from='typed', across_files=true,
                  rejections=fhir_resource_rejections() + [
        ('encounter_id is null', 'missing_encounter_id'),
        ('amount_text is not null and amount_parsed is null', 'unparseable_amount'),
        ('amount_parsed < 0', 'negative_amount'),
    ] + encounter_link_rejections()) }}
),

final as (
    select
        'fhir' as source_system,
        source_file,
        source_row,
        claim_id,
        claim_type,
        encounter_id,
        patient_id,
        payer_name,
        total_claim_cost,
        payer_coverage,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
