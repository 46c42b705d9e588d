{#- Each stay with its readmission window(s).

    next stay: the patient's next stay in admit order (same source); days_to_next_stay is its admit date
    minus this stay's discharge date, in calendar days.

    For each window N of readmission_window_days() (30 and 60, macros/readmission.sql):
    - is_index_eligible_<N>d: the stay ends with the patient alive (no death date on or before the
      discharge date) and its window is fully observed (discharge date + N <= the last START date of the
      source). Otherwise false, with ineligibility_reason_<N>d `died_in_stay` or `window_not_observed`.
      EMR stays are never index stays (`no_visit_history`): the extract carries no visit history to
      derive windows from; its own Readmission flag is kept apart as the `reported` method.
    - is_readmitted_<N>d: for an eligible index stay, true when the next stay starts 0..N days after the
      discharge date and is not planned; null for a stay that is not an index stay, so that
      count(true) / count(non-null) is the readmission rate.
    A planned next stay is not a readmission (even if an unplanned one follows it); a planned stay can be
    an index stay itself. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'patient_id'], on_schema_change='fail') }}

with stays as (
    select * from {{ ref('int_admissions_collapsed_to_stays') }}
    {{ in_batch_scope('patient') }}
),

ordered as (
    select
        *,
        lead(stay_id) over (partition by source_system, patient_id order by admit_at, stay_id) as next_stay_id,
        lead(admit_date) over (partition by source_system, patient_id order by admit_at, stay_id) as next_admit_date,
        lead(is_planned) over (partition by source_system, patient_id order by admit_at, stay_id) as next_is_planned,
        lag(stay_id) over (partition by source_system, patient_id order by admit_at, stay_id) as previous_stay_id
    from stays
),

measured as (
    select
        *,
        case
            when {{ has_visit_history() }} then {{ dbt.datediff('discharge_date', 'next_admit_date', 'day') }}
        end as days_to_next_stay,
        coalesce(patient_death_date <= discharge_date, false) as died_before_discharge
    from ordered
),

-- a stay is an index stay of a window when it ends alive and its window is fully observed
-- noqa: disable=LT02
eligible as (
    select
        *
        {%- for n in readmission_window_days() %},
        {{ has_visit_history('source_system') }}
        and not died_before_discharge
        and {{ readmission_window_observed(n) }} as is_index_eligible_{{ n }}d
    {%- endfor %}
    from measured
),

final as (
    select
        stay_id,
        source_system,
        patient_id,
        admit_date,
        discharge_date,
        data_end_date,
        is_planned,
        died_in_stay,
        case when {{ has_visit_history('source_system') }} then next_stay_id end as next_stay_id,
        case when {{ has_visit_history('source_system') }} then next_admit_date end as next_admit_date,
        case when {{ has_visit_history('source_system') }} then next_is_planned end as next_is_planned,
        case when {{ has_visit_history('source_system') }} then previous_stay_id end as previous_stay_id,
        days_to_next_stay
        {%- for n in readmission_window_days() %},
        is_index_eligible_{{ n }}d,
        case
            when not {{ has_visit_history('source_system') }} then 'no_visit_history'
            when died_before_discharge then 'died_in_stay'
            when not ({{ readmission_window_observed(n) }}) then 'window_not_observed'
        end as ineligibility_reason_{{ n }}d,
        case
            when is_index_eligible_{{ n }}d
                then coalesce(days_to_next_stay between 0 and {{ n }} and not next_is_planned, false)
        end as is_readmitted_{{ n }}d
    {%- endfor %}
    from eligible
)
-- noqa: enable=LT02

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
