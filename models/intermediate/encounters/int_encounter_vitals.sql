{#- Vital signs per encounter, one row per encounter that has any: the last value of each (Synthea
    observations of an encounter by LOINC code: 8480-6 systolic, 8462-4 diastolic, 8867-4 heart rate,
    2339-0 glucose; the EMR extract's own columns), with the abnormal flags: systolic >= 140 or diastolic
    >= 90, heart rate > 100, glucose > 200 mg/dL. "Last" is the latest observed_at; of readings taken at
    the same second, the one loaded last, then the later row of its file. Patient-level observations (no
    encounter) are not vitals of a visit. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'encounter_id'], on_schema_change='fail') }}

with observations as (
    {{ batch_rows(ref('int_history_observations')) }}
),

emr_visits as (
    {{ batch_rows(ref('stg_emr__visits'), 'visit_id') }}
),

vital_codes as (
    select
        '8480-6' as code,
        'systolic_bp' as vital
    union all
    select
        '8462-4' as code,
        'diastolic_bp' as vital
    union all
    select
        '8867-4' as code,
        'heart_rate' as vital
    union all
    select
        '2339-0' as code,
        'blood_glucose' as vital
),

ranked as (
    select
        observations.source_system,
        observations.encounter_id,
        observations.patient_id,
        vital_codes.vital,
        observations.value_numeric,
        observations.observed_at,
        row_number() over (
            partition by observations.encounter_id, vital_codes.vital
            order by observations.observed_at desc, observations.loaded_at desc, observations.source_row desc
        ) as recency
    from observations
    inner join vital_codes
        on observations.observation_code = vital_codes.code
    where observations.value_numeric is not null
        and observations.encounter_id is not null
),

history_vitals as (
    select
        source_system,
        encounter_id,
        patient_id,
        max(observed_at) as measured_at,
        max(case when vital = 'systolic_bp' then value_numeric end) as systolic_bp,
        max(case when vital = 'diastolic_bp' then value_numeric end) as diastolic_bp,
        max(case when vital = 'heart_rate' then value_numeric end) as heart_rate,
        max(case when vital = 'blood_glucose' then value_numeric end) as blood_glucose_mg_dl
    from ranked
    where recency = 1
    group by source_system, encounter_id, patient_id
),

emr_vitals as (
    select
        source_system,
        visit_id as encounter_id,
        patient_id,
        {{ dbt.cast('visit_date', dbt.type_timestamp()) }} as measured_at,
        cast(systolic_bp as {{ type_double() }}) as systolic_bp,
        cast(diastolic_bp as {{ type_double() }}) as diastolic_bp,
        cast(heart_rate as {{ type_double() }}) as heart_rate,
        cast(blood_glucose_mg_dl as {{ type_double() }}) as blood_glucose_mg_dl
    from emr_visits
    where coalesce(systolic_bp, diastolic_bp, heart_rate, blood_glucose_mg_dl) is not null
),

unioned as (
    select * from history_vitals
    union all
    select * from emr_vitals
),

final as (
    select
        *,
        coalesce(systolic_bp >= 140 or diastolic_bp >= 90, false) as is_high_blood_pressure,
        coalesce(heart_rate > 100, false) as is_high_heart_rate,
        coalesce(blood_glucose_mg_dl > 200, false) as is_high_blood_glucose,
        coalesce(systolic_bp >= 140 or diastolic_bp >= 90 or heart_rate > 100 or blood_glucose_mg_dl > 200, false)
            as has_abnormal_vital
    from unioned
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
