{#- Procedures covered by insurance per source, year (procedure start) and payer category: a procedure
    is covered when its encounter is a covered visit (payer coverage > 0). base_cost is the sum of
    BASE_COST (null for the EMR extract, which has no procedure costs). -#}

with procedures as (
    select * from {{ ref('fct_procedures') }}
),

cells as (
    select
        source_system,
        start_year,
        coalesce(payer_category, 'unknown') as payer_category,
        count(*) as procedures,
        {{ count_if('is_covered') }} as covered_procedures,
        sum(base_cost) as base_cost,
        sum(case when is_covered then base_cost end) as covered_base_cost
    from procedures
    group by 1, 2, 3
),

final as (
    select
        source_system,
        start_year,
        payer_category,
        {{ small_cell('procedures') }} as procedures,
        {{ small_cell('covered_procedures') }} as covered_procedures,
        {{ small_cell(ratio('covered_procedures', 'procedures'), ['procedures', 'covered_procedures']) }} as covered_share,
        {{ small_cell(money('base_cost'), ['procedures']) }} as base_cost,
        {{ small_cell(money('covered_base_cost'), ['covered_procedures']) }} as covered_base_cost,
        {{ small_cell_flag(['procedures', 'covered_procedures']) }} as suppressed
    from cells
)

select * from final
