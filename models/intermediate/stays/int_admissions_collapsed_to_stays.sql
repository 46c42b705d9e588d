{#- One row per hospital stay (stays are formed in int_admissions_chained_into_stays).

    The stay runs from its first START to its latest STOP (EMR: the visit date and the discharge date;
    its LOS is the extract's Length of Stay). It takes its diagnosis, department, payer and patient
    attributes from the admitting (first) encounter and sums the costs of all its encounters. It is
    planned when the admitting encounter's CODE or REASONCODE, or any procedure of any of its
    encounters, is in seed planned_readmission_codes. died_in_stay: the patient's death date falls
    within the stay's admit date..discharge date. data_end_date is the last START date of the source. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'patient_id'], on_schema_change='fail') }}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
    {{ in_batch_scope('patient') }}
),

data_end as (
    select * from {{ ref('int_source_data_ends') }}
),

chained as (
    select * from {{ ref('int_admissions_chained_into_stays') }}
    {{ in_batch_scope('patient') }}
),

admissions as (
    select
        encounters.*,
        chained.stay_id,
        chained.position_in_stay,
        chained.effective_stop_at
    from chained
    inner join encounters
        on chained.source_system = encounters.source_system
            and chained.encounter_id = encounters.encounter_id
),

totals as (
    select
        stay_id,
        min(start_at) as admit_at,
        max(effective_stop_at) as discharge_at,
        count(*) as encounter_count,
        count(distinct organization_id) as organization_count,
        sum(total_claim_cost) as total_claim_cost,
        sum(payer_coverage) as payer_coverage,
        {{ dbt.bool_or('has_planned_procedure') }} as has_planned_procedure,
        {{ dbt.bool_or("stop_at is null and " ~ has_visit_history()) }} as has_unknown_stop
    from admissions
    group by stay_id
),

stays as (
    select
        admitting.stay_id,
        admitting.source_system,
        admitting.patient_id,
        admitting.encounter_id as admitting_encounter_id,
        admitting.organization_id,
        admitting.payer_id,
        admitting.payer_category,
        admitting.department,
        admitting.encounter_code as admitting_encounter_code,
        admitting.reason_code,
        admitting.primary_icd10_code,
        admitting.primary_diagnosis_key,
        admitting.primary_condition_group,
        admitting.gender,
        admitting.age_at_visit as age_at_admission,
        admitting.age_group,
        admitting.patient_death_date,
        totals.admit_at,
        totals.discharge_at,
        case
            when admitting.source_system = 'emr' then cast(admitting.reported_los_days as {{ type_double() }})
            else cast({{ dbt.datediff('totals.admit_at', 'totals.discharge_at', 'second') }} as {{ type_double() }}) / 86400
        end as los_days,
        totals.encounter_count,
        totals.organization_count,
        totals.total_claim_cost,
        totals.payer_coverage,
        admitting.has_planned_code or totals.has_planned_procedure as is_planned,
        totals.has_unknown_stop
    from admissions as admitting
    inner join totals
        on admitting.stay_id = totals.stay_id
    where admitting.position_in_stay = 1
),

final as (
    select
        stays.stay_id,
        stays.source_system,
        stays.patient_id,
        stays.admitting_encounter_id,
        stays.organization_id,
        stays.payer_id,
        stays.payer_category,
        stays.department,
        stays.admitting_encounter_code,
        stays.reason_code,
        stays.primary_icd10_code,
        stays.primary_diagnosis_key,
        stays.primary_condition_group,
        stays.gender,
        stays.age_at_admission,
        stays.age_group,
        stays.admit_at,
        stays.discharge_at,
        {{ dbt.cast('stays.admit_at', 'date') }} as admit_date,
        {{ dbt.cast('stays.discharge_at', 'date') }} as discharge_date,
        stays.patient_death_date,
        data_end.data_end_date,
        stays.los_days,
        stays.encounter_count,
        stays.organization_count,
        stays.total_claim_cost,
        stays.payer_coverage,
        stays.is_planned,
        stays.encounter_count > 1 as has_transfer,
        coalesce(
            stays.patient_death_date between {{ dbt.cast('stays.admit_at', 'date') }}
            and {{ dbt.cast('stays.discharge_at', 'date') }},
            false
        ) as died_in_stay,
        stays.has_unknown_stop
    from stays
    inner join data_end
        on stays.source_system = data_end.source_system
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
