{#- Hospital-acquired infections (HAI), one row per stay that has one: a diagnosis of the conditions file
    attached to one of the stay's admissions, whose ICD-10-CM code is in seed infection_codes and whose
    onset (condition START) is on day 3 or later of the stay (day 1 is the admission date, so onset date -
    admission date >= 2) and not after the discharge date. An infection present on admission (day 1 or 2)
    is not an HAI. Synthea only: the EMR extract has no onset dates. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'patient_id'], on_schema_change='fail') }}

with diagnoses as (
    select * from {{ ref('int_encounter_diagnoses') }}
    {{ in_batch_scope('patient') }}
),

chained as (
    select * from {{ ref('int_admissions_chained_into_stays') }}
    {{ in_batch_scope('patient') }}
),

stays as (
    select * from {{ ref('int_admissions_collapsed_to_stays') }}
    {{ in_batch_scope('patient') }}
),

infections as (
    select
        chained.stay_id,
        chained.source_system,
        chained.patient_id,
        diagnoses.infection_type,
        diagnoses.onset_date
    from diagnoses
    inner join chained
        on diagnoses.source_system = chained.source_system
            and diagnoses.encounter_id = chained.encounter_id
    where diagnoses.diagnosis_source = 'condition'
        and diagnoses.infection_type is not null
),

hospital_acquired as (
    select
        infections.stay_id,
        infections.source_system,
        infections.patient_id,
        min(infections.onset_date) as first_onset_date,
        count(*) as infection_count
    from infections
    inner join stays
        on infections.stay_id = stays.stay_id
    where {{ dbt.datediff('stays.admit_date', 'infections.onset_date', 'day') }} >= 2
        and infections.onset_date <= stays.discharge_date
    group by infections.stay_id, infections.source_system, infections.patient_id
),

final as (
    select
        stay_id,
        source_system,
        patient_id,
        first_onset_date,
        infection_count
    from hospital_acquired
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
