{#- The clean rows of base_fhir__encounters with what their claims say, in the columns of
    stg_synthea__encounters: total_claim_cost is the sum of the encounter's Claim totals, payer_coverage the
    sum of its ExplanationOfBenefit payments, the payer the one its claims name (payer_id is the payer's
    name: stg_fhir__payers). An encounter without a claim has no cost and no payer (null, not zero: an
    export without claims cannot give costs). FHIR has no base encounter cost (null). A table: the claims are
    added up once, not again by each model and test that reads the encounters. -#}
{{ config(materialized='table') }}
with encounters as (
    select * from {{ ref('base_fhir__encounters') }}
    where row_status = 'clean'
),

claims as (
    select * from {{ ref('stg_fhir__claims') }}
),

encounter_claims as (
    select
        encounter_id,
        sum(total_claim_cost) as total_claim_cost,
        sum(payer_coverage) as payer_coverage,
        min(payer_name) as payer_name
    from claims
    group by encounter_id
),

final as (
    select
        encounters.source_system,
        encounters.source_file,
        encounters.source_row,
        encounters.encounter_id,
        encounters.patient_id,
        encounters.organization_id,
        encounter_claims.payer_name as payer_id,
        encounters.encounter_class,
        encounters.encounter_code,
        encounters.encounter_description,
        encounters.encounter_description_clean,
        encounters.reason_code,
        encounters.reason_description,
        encounters.start_at,
        encounters.stop_at,
        cast(null as decimal(18, 2)) as base_encounter_cost,
        encounter_claims.total_claim_cost,
        encounter_claims.payer_coverage,
        encounters.is_long_running,
        encounters.data_issues,
        encounters.source_file_stamp,
        encounters.loaded_at
    from encounters
    left join encounter_claims
        on encounters.encounter_id = encounter_claims.encounter_id
)

select * from final
