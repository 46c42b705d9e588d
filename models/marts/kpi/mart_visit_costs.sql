{#- Visit costs per source, month (visit start) and encounter class. avg_cost_per_visit = total_cost /
    visits_with_cost (visits whose cost is known); cost_per_patient = total_cost / distinct patients. -#}

{{ config(materialized=history_materialization(), incremental_strategy='delete+insert',
          unique_key=['source_system', 'month_start'], on_schema_change='fail') }}

with encounters as (
    select * from {{ ref('fct_encounters') }}
    {{ in_batch_scope('month', key='start_month') }}
),

cells as (
    select
        source_system,
        start_month as month_start,
        encounter_class,
        count(*) as visits,
        count(total_claim_cost) as visits_with_cost,
        count(distinct patient_id) as patients,
        sum(total_claim_cost) as total_cost
    from encounters
    group by 1, 2, 3
),

final as (
    select
        source_system,
        month_start,
        encounter_class,
        {{ small_cell('visits') }} as visits,
        {{ small_cell('visits_with_cost') }} as visits_with_cost,
        {{ small_cell('patients') }} as patients,
        {{ small_cell(money('total_cost'), ['visits_with_cost']) }} as total_cost,
        {{ small_cell(ratio('total_cost', 'visits_with_cost'), ['visits_with_cost']) }} as avg_cost_per_visit,
        {{ small_cell(ratio('total_cost', 'patients'), ['patients']) }} as cost_per_patient,
        {{ small_cell_flag(['visits', 'visits_with_cost', 'patients']) }} as suppressed
    from cells
)

select * from final
