{#- One row per patient of either source, with the demographics the marts publish.

    Synthea: the patient file; the patient's age group uses age on the last START date of the source's
    data, or on the death date if earlier. EMR: the extract has no patient file, so a patient is every
    distinct Patient ID of the clean visits, described by their latest visit (gender, race, age at that
    visit, which gives the age group); birth and death dates are unknown.

    A view: its one reader, dim_patients, is the table, and computing the rows there once saves writing
    the same rows twice in every run. -#}

{{ config(materialized='view') }}

with patients as (
    select * from {{ ref('int_history_patients') }}
),

encounters as (
    select * from {{ ref('int_encounters_unioned') }}
),

age_groups as (
    select * from {{ ref('age_groups') }}
),

emr_visits as (
    select * from {{ ref('stg_emr__visits') }}
),

data_end as (
    select * from {{ ref('int_source_data_ends') }}
),

visit_span as (
    select
        source_system,
        patient_id,
        min(start_date) as first_visit_date,
        max(start_date) as last_visit_date,
        count(*) as visits
    from encounters
    group by source_system, patient_id
),

history_patients as (
    select
        patients.source_system,
        patients.patient_id,
        patients.gender,
        patients.race,
        patients.ethnicity,
        patients.marital_status,
        patients.birth_date,
        patients.death_date,
        {{ age_in_years('patients.birth_date', 'least(data_end.data_end_date, coalesce(patients.death_date, data_end.data_end_date))') }}
            as age_at_reference
    from patients
    inner join data_end
        on patients.source_system = data_end.source_system
),

emr_latest as (
    select
        *,
        row_number() over (partition by patient_id order by visit_date desc, source_row desc) as recency
    from emr_visits
),

emr_patients as (
    select
        source_system,
        patient_id,
        gender,
        race,
        cast(null as {{ dbt.type_string() }}) as ethnicity,
        cast(null as {{ dbt.type_string() }}) as marital_status,
        cast(null as date) as birth_date,
        cast(null as date) as death_date,
        age_at_visit as age_at_reference
    from emr_latest
    where recency = 1
),

unioned as (
    select * from history_patients
    union all
    select * from emr_patients
),

final as (
    select
        unioned.source_system,
        unioned.patient_id,
        {{ dbt.concat(['unioned.source_system', "':'", 'unioned.patient_id']) }} as patient_key,
        unioned.gender,
        unioned.race,
        unioned.ethnicity,
        unioned.marital_status,
        unioned.age_at_reference,
        age_groups.age_group,
        unioned.birth_date,
        unioned.death_date,
        visit_span.first_visit_date,
        visit_span.last_visit_date,
        coalesce(visit_span.visits, 0) as visits,
        unioned.death_date is not null as is_deceased
    from unioned
    left join age_groups
        on unioned.age_at_reference between age_groups.min_age and age_groups.max_age
    left join visit_span
        on unioned.source_system = visit_span.source_system
            and unioned.patient_id = visit_span.patient_id
)

select * from final
