{#- The months (visit start) whose cells the period marts recompute in a batch, one row each: the months
    holding a fct_encounters row the batch wrote (a new visit, or one whose values were recomputed), with
    their year (visit_year: the marts by year recompute every month of it). The marts replace each of these
    periods whole, so that a distinct count over a period stays exact. Read in a batch only. -#}
{{ config(materialized='view') }}

with written as (
    select distinct
        source_system,
        start_month
    from {{ ref('fct_encounters') }}
    where {{ in_this_run() }}
),

final as (
    select
        source_system,
        start_month as month_start,
        cast(extract(year from start_month) as bigint) as visit_year
    from written
)

select * from final
