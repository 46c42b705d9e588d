{#- One row per Synthea stay and outcome a quality committee adjusts for its patients: the 30-day readmission
    of an index stay (is_index_eligible_30d) and death in the stay (stays discharged). Each carries what
    happened (observed, 0 or 1) and its expected probability by indirect standardization: the outcome's rate
    among the reference stays of the same stratum. The reference population: the source's stays of that
    outcome discharged between vars risk_baseline_start and risk_baseline_end (null: no bound).
    Strata, finest first; a stay takes the finest whose reference stays number at least var
    risk_min_stratum_stays, counted among the stays not placed at a finer level, so that the strata
    partition the stays and, over the reference population, the expected add up to the observed:
      1. age group, sex, admission through the emergency department (LACE's A), Elixhauser band (0, 1, 2,
         3 or more measures at admission) and, for death, the principal diagnosis's CCSR body system;
      2. age group, sex and Elixhauser band;
      3. age group and sex;
      4. the source's remaining stays.
    The EMR extract has neither derived readmissions nor deaths: it has no rows. Rebuilt whole by every run
    (the reference rates move with every delivery). -#}

{%- set min_stays = var('risk_min_stratum_stays') | int -%}
{%- set baseline_start = var('risk_baseline_start') -%}
{%- set baseline_end = var('risk_baseline_end') -%}

with stays as (
    select * from {{ ref('fct_stays') }}
    where {{ has_visit_history('source_system') }} and discharge_date is not null
),

lace as (
    select * from {{ ref('int_stay_lace') }}
),

diagnoses as (
    select * from {{ ref('dim_diagnoses') }}
),

described as (
    select
        stays.source_system,
        stays.stay_id,
        stays.patient_id,
        stays.admitting_encounter_id,
        stays.discharge_date,
        stays.is_index_eligible_30d,
        stays.is_readmitted_30d,
        stays.died_in_stay,
        coalesce(stays.age_group, 'unknown') as age_group,
        coalesce(stays.gender, 'unknown') as gender,
        case when coalesce(lace.lace_a, 0) > 0 then 'ed' else 'not_ed' end as admission_route,
        case
            when stays.elixhauser_count >= 3 then '3+' else cast(coalesce(stays.elixhauser_count, 0) as {{ dbt.type_string() }})
        end as elixhauser_band,
        coalesce(diagnoses.ccsr_body_system, 'unknown') as ccsr_body_system,
        case
            when 1 = 1
            {%- if baseline_start %} and stays.discharge_date >= {{ dbt.cast("'" ~ baseline_start ~ "'", 'date') }}{% endif %}
            {%- if baseline_end %} and stays.discharge_date <= {{ dbt.cast("'" ~ baseline_end ~ "'", 'date') }}{% endif %}
                then 1
            else 0
        end as is_reference
    from stays
    left join lace
        on stays.stay_id = lace.stay_id
    left join diagnoses  -- conformed across sources (source_system 'all')
        on stays.primary_diagnosis_key = diagnoses.diagnosis_key
),

outcomes as (
    select 'readmission_30d' as outcome
    union all
    select 'in_hospital_death' as outcome
),

-- a stay is a case of readmission when it is an index stay, of death when it was discharged (every stay
-- here); only death is stratified by the principal diagnosis
cases as (
    select
        described.source_system,
        described.stay_id,
        described.patient_id,
        described.admitting_encounter_id,
        described.discharge_date,
        described.is_reference,
        described.age_group,
        described.gender,
        described.admission_route,
        described.elixhauser_band,
        outcomes.outcome,
        case
            when outcomes.outcome = 'readmission_30d' and described.is_readmitted_30d then 1
            when outcomes.outcome = 'in_hospital_death' and described.died_in_stay then 1
            else 0
        end as observed,
        case when outcomes.outcome = 'in_hospital_death' then described.ccsr_body_system else '' end as diagnosis_group
    from described
    cross join outcomes
    where outcomes.outcome = 'in_hospital_death' or described.is_index_eligible_30d
),

keyed as (
    select
        cases.*,
        {{ dbt.concat(["age_group", "'|'", "gender", "'|'", "admission_route", "'|'", "elixhauser_band", "'|'",
                       "diagnosis_group"]) }} as stratum_1,
        {{ dbt.concat(["age_group", "'|'", "gender", "'|'", "elixhauser_band"]) }} as stratum_2,
        {{ dbt.concat(["age_group", "'|'", "gender"]) }} as stratum_3
    from cases
),

level_1_sizes as (
    select
        source_system,
        outcome,
        stratum_1,
        sum(is_reference) as reference_stays
    from keyed
    group by source_system, outcome, stratum_1
),

placed_1 as (
    select
        keyed.*,
        case when level_1_sizes.reference_stays >= {{ min_stays }} then 1 end as level_1
    from keyed
    inner join level_1_sizes
        on keyed.source_system = level_1_sizes.source_system
            and keyed.outcome = level_1_sizes.outcome
            and keyed.stratum_1 = level_1_sizes.stratum_1
),

level_2_sizes as (
    select
        source_system,
        outcome,
        stratum_2,
        sum(is_reference) as reference_stays
    from placed_1
    where level_1 is null
    group by source_system, outcome, stratum_2
),

placed_2 as (
    select
        placed_1.*,
        case when placed_1.level_1 is null and level_2_sizes.reference_stays >= {{ min_stays }} then 2 end as level_2
    from placed_1
    left join level_2_sizes
        on placed_1.source_system = level_2_sizes.source_system
            and placed_1.outcome = level_2_sizes.outcome
            and placed_1.stratum_2 = level_2_sizes.stratum_2
),

level_3_sizes as (
    select
        source_system,
        outcome,
        stratum_3,
        sum(is_reference) as reference_stays
    from placed_2
    where level_1 is null and level_2 is null
    group by source_system, outcome, stratum_3
),

placed as (
    select
        placed_2.*,
        coalesce(
            placed_2.level_1,
            placed_2.level_2,
            case when level_3_sizes.reference_stays >= {{ min_stays }} then 3 end,
            4
        ) as stratum_level
    from placed_2
    left join level_3_sizes
        on placed_2.source_system = level_3_sizes.source_system
            and placed_2.outcome = level_3_sizes.outcome
            and placed_2.stratum_3 = level_3_sizes.stratum_3
),

stratified as (
    select
        *,
        case stratum_level
            when 1 then stratum_1
            when 2 then stratum_2
            when 3 then stratum_3
            else 'all'
        end as stratum
    from placed
),

rates as (
    select
        source_system,
        outcome,
        stratum_level,
        stratum,
        sum(is_reference) as reference_stays,
        {{ ratio('sum(observed * is_reference)', 'sum(is_reference)') }} as reference_rate
    from stratified
    group by source_system, outcome, stratum_level, stratum
),

final as (
    select
        stratified.source_system,
        stratified.stay_id,
        stratified.patient_id,
        stratified.admitting_encounter_id,
        stratified.outcome,
        stratified.discharge_date,
        stratified.is_reference = 1 as is_reference,
        cast(stratified.observed as bigint) as observed,
        rates.reference_rate as expected,
        cast(stratified.stratum_level as bigint) as stratum_level,
        stratified.stratum,
        cast(rates.reference_stays as bigint) as stratum_reference_stays
    from stratified
    inner join rates
        on stratified.source_system = rates.source_system
            and stratified.outcome = rates.outcome
            and stratified.stratum_level = rates.stratum_level
            and stratified.stratum = rates.stratum
)

select * from final
