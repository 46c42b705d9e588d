{#- One row per admission, with the stay it belongs to.

    Synthea: a patient's admissions (encounters whose class is in var admission_classes), in START order,
    are chained into one stay when an admission starts before, or within var stay_merge_gap_hours (6)
    after, the latest STOP of the admissions chained so far: a transfer or continuation. "Latest so far"
    means an admission nested inside a longer one does not end the stay. An admission with an unknown
    STOP counts as ending at its START. Running window aggregates per patient: linear, no self-join.

    EMR: every admission (Length of Stay >= 1) is its own stay: the extract has no times to chain on.

    stay_id is the md5 of source_system|the stay's first encounter_id. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'patient_id'], on_schema_change='fail') }}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
    {{ in_batch_scope('patient') }}
),

history_admissions as (
    select
        *,
        coalesce(stop_at, start_at) as effective_stop_at
    from encounters
    where is_admission
        and {{ has_visit_history('source_system') }}
),

chained as (
    select
        *,
        max(effective_stop_at) over (
            partition by patient_id
            order by start_at, encounter_id
            rows between unbounded preceding and 1 preceding
        ) as prior_latest_stop_at
    from history_admissions
),

marked as (
    select
        *,
        case
            when prior_latest_stop_at is null then 1
            when start_at <= {{ dbt.dateadd('hour', var('stay_merge_gap_hours'), 'prior_latest_stop_at') }} then 0
            else 1
        end as starts_new_stay
    from chained
),

numbered as (
    select
        *,
        sum(starts_new_stay) over (
            partition by patient_id
            order by start_at, encounter_id
            rows between unbounded preceding and current row
        ) as stay_number
    from marked
),

history_positioned as (
    select
        *,
        row_number() over (partition by patient_id, stay_number order by start_at, encounter_id) as position_in_stay,
        first_value(encounter_id) over (
            partition by patient_id, stay_number
            order by start_at, encounter_id
            rows between unbounded preceding and unbounded following
        ) as admitting_encounter_id
    from numbered
),

emr_positioned as (
    select
        *,
        {{ dbt.cast('stop_date', dbt.type_timestamp()) }} as effective_stop_at,
        cast(null as {{ dbt.type_timestamp() }}) as prior_latest_stop_at,
        1 as starts_new_stay,
        row_number() over (partition by patient_id order by start_at, encounter_id) as stay_number,
        1 as position_in_stay,
        encounter_id as admitting_encounter_id
    from encounters
    where is_admission
        and source_system = 'emr'
),

unioned as (
    {%- for cte in ['history_positioned', 'emr_positioned'] %}
    select
        source_system,
        encounter_id,
        patient_id,
        admitting_encounter_id,
        stay_number,
        position_in_stay,
        start_at,
        stop_at,
        effective_stop_at,
        prior_latest_stop_at,
        starts_new_stay = 1 as starts_new_stay
    from {{ cte }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select
        {{ dbt.hash(dbt.concat(['source_system', "'|'", 'admitting_encounter_id'])) }} as stay_id,
        *
    from unioned
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
