{#- The patients whose stays, readmission windows, infections and acute revisits a batch recomputes, whole
    (one row per patient, with the first reason): a new admission can continue a stay loaded long before,
    and a stay's readmission window can close with the batch. reason:
    - `admission_refreshed`: an admission or acute encounter (var acute_revisit_classes) of theirs was
      recomputed now (batch_encounters_in_scope);
    - `infection_loaded`: a condition with an infection type was attached to one of their encounters now;
    - `window_open`: a stay of theirs ended (the latest stop date of its admissions, the start date where
      the stop is unknown) so late that its longest readmission window ran past the end of the data loaded
      before this run (the last START of the source): the window is judged again against the new end.
    Every patient-level model recomputes exactly these patients (in_batch_scope('patient')). Read in a batch
    only. -#}
{{ config(materialized='view') }}

with encounters_refreshed as (
    select
        source_system,
        patient_id
    from {{ ref('int_encounters_unioned') }}
    where {{ in_this_run() }}
        and (is_admission or encounter_class in {{ sql_list(var('acute_revisit_classes')) }})
),

infections_refreshed as (
    select
        source_system,
        patient_id
    from {{ ref('int_encounter_diagnoses') }}
    where {{ in_this_run() }} and diagnosis_source = 'condition' and infection_type is not null
),

-- the end of each source's data as the last run left it: the last START of the visits loaded before
previous_data_ends as (
    select
        source_system,
        max({{ dbt.cast('start_at', 'date') }}) as data_end_date
    from {{ ref('int_history_encounters') }}
    where not ({{ in_this_run('loaded_at') }})
    group by source_system
    union all
    select
        source_system,
        max(visit_date) as data_end_date
    from {{ ref('stg_emr__visits') }}
    where not ({{ in_this_run('loaded_at') }})
    group by source_system
),

windows_open as (
    select
        admissions.source_system,
        admissions.patient_id
    from {{ ref('int_encounters_unioned') }} as admissions
    inner join previous_data_ends
        on admissions.source_system = previous_data_ends.source_system
    where admissions.is_admission
        and not ({{ readmission_window_observed(readmission_window_days() | max,
                    'coalesce(admissions.stop_date, admissions.start_date)',
                    'previous_data_ends.data_end_date') }})
),

final as (
    {{ scope_reasons(['source_system', 'patient_id'], [('admission_refreshed', 'encounters_refreshed'),
                                                       ('infection_loaded', 'infections_refreshed'),
                                                       ('window_open', 'windows_open')]) }}
)

select * from final
