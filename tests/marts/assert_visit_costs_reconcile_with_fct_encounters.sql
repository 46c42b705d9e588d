-- mart_visit_costs adds up to fct_encounters: visits and total cost (to the cent) per source.
-- Skipped (no rows) when the small-cell rule nulls cells.
{{ config(enabled=not var('suppress_small_cells')) }}

with mart as (
    select
        source_system,
        sum(visits) as visits,
        sum(total_cost) as total_cost
    from {{ ref('mart_visit_costs') }}
    group by source_system
),

fact as (
    select
        source_system,
        count(*) as visits,
        sum(total_claim_cost) as total_cost
    from {{ ref('fct_encounters') }}
    group by source_system
)

select
    fact.source_system,
    fact.visits as fact_visits,
    mart.visits as mart_visits,
    fact.total_cost as fact_total_cost,
    mart.total_cost as mart_total_cost
from fact
full outer join mart
    on fact.source_system = mart.source_system
where fact.visits is distinct from mart.visits
    or fact.total_cost is distinct from mart.total_cost
