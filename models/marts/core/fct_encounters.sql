{#- One row per visit (encounter) of either source. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'encounter_id'], on_schema_change='fail') }}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
    {{ in_batch_scope('encounter_fact') }}
),

stays as (
    select * from {{ ref('int_encounter_stays') }}
    {{ in_batch_scope('encounter_fact') }}
),

comorbidities as (
    select * from {{ ref('int_encounter_comorbidities') }}
    {{ in_batch_scope('encounter_fact') }}
),

final as (
    select
        encounters.source_system,
        encounters.encounter_id,
        encounters.patient_id,
        {{ dbt.concat(['encounters.source_system', "':'", 'encounters.patient_id']) }} as patient_key,
        encounters.organization_id,
        encounters.payer_id,
        stays.stay_id,
        encounters.encounter_class,
        encounters.encounter_code,
        encounters.encounter_description,
        encounters.department,
        encounters.payer_name,
        encounters.payer_category,
        encounters.reason_code,
        encounters.primary_icd10_code,
        encounters.primary_diagnosis_key,
        encounters.primary_condition_group,
        encounters.gender,
        cast(encounters.age_at_visit as bigint) as age_at_visit,
        encounters.age_group,
        encounters.start_at,
        encounters.stop_at,
        encounters.start_date,
        encounters.stop_date,
        {{ month_of('encounters.start_date') }} as start_month,
        cast({{ dbt.datediff('encounters.start_at', 'encounters.stop_at', 'second') }} as {{ type_double() }}) / 3600
            as treatment_hours,
        {{ money('encounters.total_claim_cost') }} as total_claim_cost,
        {{ money('encounters.payer_coverage') }} as payer_coverage,
        {{ money('encounters.total_claim_cost - coalesce(encounters.payer_coverage, 0)') }} as out_of_pocket,
        cast(encounters.satisfaction_score as bigint) as satisfaction_score,
        comorbidities.charlson_index,
        comorbidities.elixhauser_count,
        comorbidities.elixhauser_readmission_index,
        comorbidities.elixhauser_mortality_index,
        encounters.is_admission,
        encounters.is_covered,
        stays.is_acute_revisit,
        encounters.is_reported_readmission,
        encounters.is_long_running,
        {{ run_loaded_at() }} as refreshed_at
    from encounters
    left join stays
        on encounters.source_system = stays.source_system
            and encounters.encounter_id = stays.encounter_id
    left join comorbidities
        on encounters.source_system = comorbidities.source_system
            and encounters.encounter_id = comorbidities.encounter_id
)

select * from final
