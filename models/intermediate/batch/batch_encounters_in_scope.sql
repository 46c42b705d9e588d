{#- The encounters a batch recomputes, one row each, and why (reason): loaded now (`loaded`, both
    sources), with a procedure, condition or observation loaded now (`child_loaded`), or of a patient
    whose birth date, death date or gender changed in patients.csv (`patient_changed`). is_loaded_before:
    the encounter was loaded by an earlier run, so its rows and its children's earlier rows are in the
    history (usually none: a batch brings new encounters with their children). Every encounter-level
    model recomputes exactly these encounters (in_batch_scope('encounter')). Read in a batch only: a full
    build recomputes everything and never reads it. -#}
{{ config(materialized='view') }}

with encounters_loaded as (
    select
        source_system,
        encounter_id
    from {{ ref('int_history_encounters') }}
    where {{ in_this_run('loaded_at') }}
    union all
    select
        source_system,
        visit_id
    from {{ ref('stg_emr__visits') }}
    where {{ in_this_run('loaded_at') }}
),

children_loaded as (
    {%- for child in ['int_history_procedures', 'int_history_conditions', 'int_history_observations'] %}
    select
        source_system,
        encounter_id
    from {{ ref(child) }}
    where {{ in_this_run('loaded_at') }} and encounter_id is not null
    {{- "\n    union" if not loop.last }}
    {%- endfor %}
),

changed_patients as (
    select patient_id from {{ ref('batch_patient_attributes') }}
    where {{ in_this_run() }} and was_known
),

of_changed_patients as (
    select
        source_system,
        encounter_id
    from {{ ref('int_history_encounters') }}
    where patient_id in (select patient_id from changed_patients)  -- noqa: RF02
),

reasons as (
    {{ scope_reasons(['source_system', 'encounter_id'], [('loaded', 'encounters_loaded'),
                                                         ('child_loaded', 'children_loaded'),
                                                         ('patient_changed', 'of_changed_patients')]) }}
),

final as (
    select
        *,
        reason <> 'loaded' as is_loaded_before
    from reasons
)

select * from final
