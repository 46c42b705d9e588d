{#- The simpler "acute revisit" view many dashboards use, beside the CMS-style readmission rate:
    an encounter of a class in var acute_revisit_classes (inpatient, emergency, urgentcare) that starts
    0..var acute_revisit_days (30) days after the STOP date of the same patient's previous encounter of
    those classes (previous by START; an unknown STOP counts as the START date). Synthea only: the EMR
    extract carries no visit history. One row per acute encounter. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'patient_id'], on_schema_change='fail') }}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
    {{ in_batch_scope('patient') }}
),

acute as (
    select
        source_system,
        encounter_id,
        patient_id,
        encounter_class,
        start_at,
        start_date,
        coalesce(stop_date, start_date) as effective_stop_date
    from encounters
    where {{ has_visit_history('source_system') }}
        and encounter_class in {{ sql_list(var('acute_revisit_classes')) }}
),

windowed as (
    select
        *,
        lag(encounter_id) over (partition by patient_id order by start_at, encounter_id) as previous_acute_encounter_id,
        lag(effective_stop_date) over (partition by patient_id order by start_at, encounter_id)
            as previous_acute_stop_date
    from acute
),

final as (
    select
        source_system,
        encounter_id,
        patient_id,
        encounter_class,
        start_date,
        previous_acute_encounter_id,
        previous_acute_stop_date,
        {{ dbt.datediff('previous_acute_stop_date', 'start_date', 'day') }} as days_since_previous_acute,
        coalesce(
            {{ dbt.datediff('previous_acute_stop_date', 'start_date', 'day') }}
            between 0 and {{ var('acute_revisit_days') }},
            false
        ) as is_acute_revisit
    from windowed
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
