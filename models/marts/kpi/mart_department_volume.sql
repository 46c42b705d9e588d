{#- Visits per source, department and month (visit start). is_peak_month: the month with the most
    visits of that department in its calendar year (ties: every tied month). -#}

{{ config(materialized=history_materialization(), incremental_strategy='delete+insert',
          unique_key=['source_system', 'month_start'], on_schema_change='fail') }}

with encounters as (
    select * from {{ ref('fct_encounters') }}
    {{ in_batch_scope('year', key='extract(year from start_month)') }}
),

cells as (
    select
        source_system,
        coalesce(department, 'unknown') as department,
        start_month as month_start,
        count(*) as visits,
        count(distinct patient_id) as patients
    from encounters
    group by 1, 2, 3
),

ranked as (
    select
        *,
        max(visits) over (
            partition by source_system, department, extract(year from month_start)
        ) as year_max_visits
    from cells
),

final as (
    select
        source_system,
        department,
        month_start,
        {{ small_cell('visits') }} as visits,
        {{ small_cell('patients') }} as patients,
        visits = year_max_visits as is_peak_month,
        {{ small_cell_flag(['visits', 'patients']) }} as suppressed
    from ranked
)

select * from final
