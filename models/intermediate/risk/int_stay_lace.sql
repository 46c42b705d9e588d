{#- The LACE readmission-risk index of every stay (van Walraven et al., CMAJ 2010;182:551-7):
    - L, length of stay in whole days (floor of los_days): less than 1 day 0, 1 1, 2 2, 3 3, 4-6 4, 7-13 5,
      14 or more 7;
    - A, acute (emergent) admission, 3 points. Synthea: the patient has an emergency encounter that starts
      before the admission's START and ends no more than var emergency_admission_hours (6) hours before it
      (or later). EMR: the admitting visit's department is Emergency (the extract links no visits);
    - C, the Charlson index of the admitting encounter (int_encounter_comorbidities): 0-3 as is, 4 or more 5;
    - E, emergency visits of the patient starting in the six months before the admission (on or after the
      admission date minus six months, before its START), not counting the one that led to it: 0-3 as is,
      4 or more 4. The EMR extract has no visit history: E is unknown, and so is the EMR score.
    lace_score = L + A + C + E (0-19); lace_band low (0-4), moderate (5-9), high (10 or more). -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'patient_id'], on_schema_change='fail') }}

with stays as (
    select * from {{ ref('int_admissions_collapsed_to_stays') }}
    {{ in_batch_scope('patient') }}
),

encounters as (
    select * from {{ ref('int_encounters_unioned') }}
    {{ in_batch_scope('patient') }}
),

charlson as (
    select * from {{ ref('int_encounter_comorbidities') }}
),

emergency_visits as (
    select
        source_system,
        patient_id,
        encounter_id,
        start_at,
        coalesce(stop_at, start_at) as end_at
    from encounters
    where encounter_class = 'emergency'
        and {{ has_visit_history('source_system') }}
),

-- each emergency visit of the patient before an admission that led to it (A) or falls in the six months (E)
stay_emergencies as (
    select
        stays.stay_id,
        emergency_visits.end_at >= {{ dbt.dateadd('hour', -var('emergency_admission_hours'), 'stays.admit_at') }}
            as led_to_admission,
        {{ dbt.cast('emergency_visits.start_at', 'date') }} >= {{ dbt.dateadd('month', -6, 'stays.admit_date') }}
            as in_six_months
    from stays
    inner join emergency_visits
        on stays.source_system = emergency_visits.source_system
            and stays.patient_id = emergency_visits.patient_id
            and stays.admit_at > emergency_visits.start_at
),

emergencies as (
    select
        stay_id,
        {{ dbt.bool_or('led_to_admission') }} as via_emergency,
        {{ count_if('in_six_months and not led_to_admission') }} as emergency_visits_6m
    from stay_emergencies
    group by stay_id
),

components as (
    select
        stays.source_system,
        stays.stay_id,
        stays.patient_id,
        charlson.charlson_index,
        case
            when stays.los_days is null then null
            when stays.los_days < 1 then 0
            when stays.los_days < 4 then cast(floor(stays.los_days) as integer)
            when stays.los_days < 7 then 4
            when stays.los_days < 14 then 5
            else 7
        end as lace_l,
        case
            when stays.source_system = 'emr' then case when stays.department = 'Emergency' then 3 else 0 end
            when coalesce(emergencies.via_emergency, false) then 3
            else 0
        end as lace_a,
        case when charlson.charlson_index >= 4 then 5 else charlson.charlson_index end as lace_c,
        case
            when {{ has_visit_history('stays.source_system') }} then least(coalesce(emergencies.emergency_visits_6m, 0), 4)
        end as lace_e
    from stays
    left join charlson
        on stays.source_system = charlson.source_system
            and stays.admitting_encounter_id = charlson.encounter_id
    left join emergencies
        on stays.stay_id = emergencies.stay_id
),

scored as (
    select
        *,
        lace_l + lace_a + lace_c + lace_e as lace_score
    from components
),

final as (
    select
        *,
        case
            when lace_score >= 10 then 'high'
            when lace_score >= 5 then 'moderate'
            when lace_score >= 0 then 'low'
        end as lace_band
    from scored
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
