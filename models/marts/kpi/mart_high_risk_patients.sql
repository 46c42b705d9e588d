{#- High-risk patients, one row per patient: at least one chronic condition group (ever diagnosed), and
    a 30-day readmission, an abnormal vital sign, or a LACE score of 10 or more at the patient's last
    discharge, in the last var high_risk_lookback_months (12) months of the source's data (ending on its
    last START date). Synthea readmissions are the derived
    30-day readmissions (index stays discharged in the window); the EMR extract's are its own reported
    Readmission flag (readmission_method says which). Published by patient id only: no names or
    addresses. -#}

with diagnoses as (
    select * from {{ ref('int_encounter_diagnoses') }}
    where condition_group is not null
),

stays as (
    select * from {{ ref('fct_stays') }}
),

encounters as (
    select * from {{ ref('fct_encounters') }}
),

vitals as (
    select * from {{ ref('int_encounter_vitals') }}
),

data_end as (
    select
        source_system,
        data_end_date,
        {{ dbt.dateadd('month', -1 * var('high_risk_lookback_months'), 'data_end_date') }} as lookback_start
    from {{ ref('int_source_data_ends') }}
),

readmitted as (
    select
        stays.source_system,
        stays.patient_id,
        'derived' as readmission_method,
        max(stays.discharge_date) as last_readmission_date
    from stays
    inner join data_end
        on stays.source_system = data_end.source_system
    where stays.is_readmitted_30d
        and stays.discharge_date > data_end.lookback_start
    group by 1, 2, 3
    union all
    select
        encounters.source_system,
        encounters.patient_id,
        'reported' as readmission_method,
        max(encounters.start_date) as last_readmission_date
    from encounters
    inner join data_end
        on encounters.source_system = data_end.source_system
    where encounters.is_reported_readmission
        and encounters.start_date > data_end.lookback_start
    group by 1, 2, 3
),

abnormal as (
    select
        vitals.source_system,
        vitals.patient_id,
        max({{ dbt.cast('vitals.measured_at', 'date') }}) as last_abnormal_vital_date,
        {{ dbt.bool_or('vitals.is_high_blood_pressure') }} as has_high_blood_pressure,
        {{ dbt.bool_or('vitals.is_high_heart_rate') }} as has_high_heart_rate,
        {{ dbt.bool_or('vitals.is_high_blood_glucose') }} as has_high_blood_glucose
    from vitals
    inner join data_end
        on vitals.source_system = data_end.source_system
    where vitals.has_abnormal_vital
        and {{ dbt.cast('vitals.measured_at', 'date') }} > data_end.lookback_start
    group by 1, 2
),

-- the patient's last discharge in the window, when its LACE score is 10 or more (the EMR extract has none)
high_lace as (
    select
        source_system,
        patient_id,
        lace_score as last_lace_score
    from (
        select
            stays.source_system,
            stays.patient_id,
            stays.lace_score,
            row_number() over (
                partition by stays.source_system, stays.patient_id order by stays.discharge_at desc, stays.stay_id desc
            ) as recency
        from stays
        inner join data_end
            on stays.source_system = data_end.source_system
        where stays.discharge_date > data_end.lookback_start
    ) as last_stays
    where recency = 1
        and lace_score >= 10
),

-- only patients with a recent readmission, abnormal vital or high LACE score can be high-risk: their condition groups are
-- the only ones listed (the ordered list per patient is the costly step, about a third of the patients)
at_risk as (
    select
        source_system,
        patient_id
    from readmitted
    union
    select
        source_system,
        patient_id
    from abnormal
    union
    select
        source_system,
        patient_id
    from high_lace
),

patient_groups as (
    select distinct
        diagnoses.source_system,
        diagnoses.patient_id,
        diagnoses.condition_group
    from diagnoses
    inner join at_risk
        on diagnoses.source_system = at_risk.source_system
            and diagnoses.patient_id = at_risk.patient_id
),

chronic as (
    select
        source_system,
        patient_id,
        {{ sorted_text_list('condition_group', "','") }} as condition_groups
    from patient_groups
    group by source_system, patient_id
),

joined as (
    select
        chronic.source_system,
        chronic.patient_id,
        chronic.condition_groups,
        readmitted.readmission_method,
        readmitted.last_readmission_date,
        abnormal.last_abnormal_vital_date,
        high_lace.last_lace_score,
        readmitted.patient_id is not null as has_readmission_30d,
        abnormal.patient_id is not null as has_abnormal_vital,
        high_lace.patient_id is not null as has_high_lace,
        coalesce(abnormal.has_high_blood_pressure, false) as has_high_blood_pressure,
        coalesce(abnormal.has_high_heart_rate, false) as has_high_heart_rate,
        coalesce(abnormal.has_high_blood_glucose, false) as has_high_blood_glucose
    from chronic
    left join readmitted
        on chronic.source_system = readmitted.source_system
            and chronic.patient_id = readmitted.patient_id
    left join abnormal
        on chronic.source_system = abnormal.source_system
            and chronic.patient_id = abnormal.patient_id
    left join high_lace
        on chronic.source_system = high_lace.source_system
            and chronic.patient_id = high_lace.patient_id
),

final as (
    select
        source_system,
        patient_id,
        {{ dbt.concat(['source_system', "':'", 'patient_id']) }} as patient_key,
        condition_groups,
        readmission_method,
        {{ dbt.concat(["'chronic:'", 'condition_groups',
                       "case when has_readmission_30d then '; readmission_30d' else '' end",
                       "case when has_high_blood_pressure then '; high_blood_pressure' else '' end",
                       "case when has_high_heart_rate then '; high_heart_rate' else '' end",
                       "case when has_high_blood_glucose then '; high_blood_glucose' else '' end",
                       "case when has_high_lace then '; lace_10_plus' else '' end"]) }} as risk_reasons,
        last_readmission_date,
        last_abnormal_vital_date,
        cast(last_lace_score as bigint) as last_lace_score,
        has_readmission_30d,
        has_abnormal_vital,
        has_high_lace
    from joined
    where has_readmission_30d or has_abnormal_vital or has_high_lace
)

select * from final
