{#- One row per hospital stay of either source, with its readmission windows and outcomes. An outcome a source
    cannot supply is null for its stays, not false: died_in_stay for the EMR extract (no death dates), has_hai
    for a source without a conditions file (no onset dates). -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'patient_id'], on_schema_change='fail') }}

with stays as (
    select * from {{ ref('int_admissions_collapsed_to_stays') }}
    {{ in_batch_scope('patient') }}
),

windowed as (
    select * from {{ ref('int_stays_windowed_for_readmission') }}
    {{ in_batch_scope('patient') }}
),

infections as (
    select * from {{ ref('int_stays_with_infections') }}
    {{ in_batch_scope('patient') }}
),

lace as (
    select * from {{ ref('int_stay_lace') }}
    {{ in_batch_scope('patient') }}
),

sources_with_conditions as (
    select distinct source_system from {{ ref('int_encounter_diagnoses') }}
    where diagnosis_source = 'condition'
),

-- the admitting visit's reported readmission flag, the one column read from the visits: only visits that
-- carry one (EMR's; Synthea has no such field, so DuckDB drops the ten million Synthea visits of the union
-- unread); the rows left out would join with a null flag all the same
flagged_visits as (
    select * from {{ ref('int_encounters_unioned') }}
    where is_reported_readmission is not null
),

encounters as (
    select * from flagged_visits
    {{ in_batch_scope('patient') }}
),

census_days as (
    select * from {{ ref('int_stay_census_days') }}
    {{ in_batch_scope('patient') }}
),

comorbidities as (
    select * from {{ ref('int_encounter_comorbidities') }}
    {{ in_batch_scope('patient') }}
),

final as (
    select
        stays.source_system,
        stays.stay_id,
        stays.patient_id,
        {{ dbt.concat(['stays.source_system', "':'", 'stays.patient_id']) }} as patient_key,
        stays.admitting_encounter_id,
        stays.organization_id,
        stays.payer_id,
        windowed.next_stay_id,
        stays.department,
        stays.payer_category,
        stays.primary_icd10_code,
        stays.primary_diagnosis_key,
        stays.primary_condition_group,
        stays.gender,
        cast(stays.age_at_admission as bigint) as age_at_admission,
        stays.age_group,
        lace.lace_band,
        stays.admit_at,
        stays.discharge_at,
        stays.admit_date,
        stays.discharge_date,
        {{ month_of('stays.discharge_date') }} as discharge_month,
        stays.patient_death_date,
        cast(stays.los_days as {{ type_double() }}) as los_days,
        cast(stays.encounter_count as bigint) as encounter_count,
        cast(windowed.days_to_next_stay as bigint) as days_to_next_stay,
        {{ money('stays.total_claim_cost') }} as total_claim_cost,
        {{ money('stays.payer_coverage') }} as payer_coverage,
        cast(lace.charlson_index as bigint) as charlson_index,
        cast(lace.lace_score as bigint) as lace_score,
        comorbidities.elixhauser_count,
        comorbidities.elixhauser_readmission_index,
        comorbidities.elixhauser_mortality_index,
        windowed.ineligibility_reason_30d,
        windowed.ineligibility_reason_60d,
        stays.is_planned,
        stays.has_transfer,
        case when {{ has_visit_history('stays.source_system') }} then stays.died_in_stay end as died_in_stay,
        {{ has_visit_history('stays.source_system') }}
        and not coalesce(stays.patient_death_date <= stays.discharge_date, false) as is_discharged_alive,
        coalesce(
            stays.patient_death_date > stays.discharge_date
            and stays.patient_death_date <= {{ dbt.dateadd('day', 30, 'stays.discharge_date') }},
            false
        ) as died_within_30d_of_discharge,
        case when sources_with_conditions.source_system is not null then infections.stay_id is not null end as has_hai,
        windowed.is_index_eligible_30d,
        windowed.is_readmitted_30d,
        windowed.is_index_eligible_60d,
        windowed.is_readmitted_60d,
        encounters.is_reported_readmission,
        census_days.first_census_date,
        census_days.last_census_date,
        {{ run_loaded_at() }} as refreshed_at
    from stays
    inner join windowed
        on stays.stay_id = windowed.stay_id
    left join infections
        on stays.stay_id = infections.stay_id
    left join lace
        on stays.stay_id = lace.stay_id
    left join sources_with_conditions
        on stays.source_system = sources_with_conditions.source_system
    left join census_days
        on stays.stay_id = census_days.stay_id
    left join encounters
        on stays.source_system = encounters.source_system
            and stays.admitting_encounter_id = encounters.encounter_id
    left join comorbidities
        on stays.source_system = comorbidities.source_system
            and stays.admitting_encounter_id = comorbidities.encounter_id
)

select * from final
