{#- The months (visit start) whose cells the period marts recompute in a batch, one row each: the months
    of the visits whose fct_encounters row the batch rewrites (batch_encounter_facts_in_scope: a new visit,
    or one whose values were recomputed), with their year (visit_year: the marts by year recompute every
    month of it). The marts replace each of these periods whole, so that a distinct count over a period
    stays exact. Read in a batch only; it reads the intermediate layer, as the other scopes do, never the
    marts that read it back. -#}
{{ config(materialized='view') }}

with rewritten as (
    select
        source_system,
        encounter_id
    from {{ ref('batch_encounter_facts_in_scope') }}
),

encounters as (
    select
        source_system,
        encounter_id,
        start_date
    from {{ ref('int_encounters_unioned') }}
),

months as (
    select distinct
        encounters.source_system,
        {{ month_of('encounters.start_date') }} as month_start
    from encounters
    inner join rewritten
        on
            encounters.source_system = rewritten.source_system
            and encounters.encounter_id = rewritten.encounter_id
),

final as (
    select
        source_system,
        month_start,
        cast(extract(year from month_start) as bigint) as visit_year
    from months
)

select * from final
