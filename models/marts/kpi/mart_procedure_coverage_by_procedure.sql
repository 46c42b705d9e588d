{#- The procedure coverage of mart_procedure_coverage broken down by procedure code as well:
    source x year x payer category x procedure. -#}

with procedures as (
    select * from {{ ref('fct_procedures') }}
),

cells as (
    select
        source_system,
        start_year,
        coalesce(payer_category, 'unknown') as payer_category,
        procedure_code,
        min(procedure_description) as procedure_description,
        count(*) as procedures,
        {{ count_if('is_covered') }} as covered_procedures,
        sum(base_cost) as base_cost
    from procedures
    group by 1, 2, 3, 4
),

final as (
    select
        source_system,
        start_year,
        payer_category,
        procedure_code,
        procedure_description,
        {{ small_cell('procedures') }} as procedures,
        {{ small_cell('covered_procedures') }} as covered_procedures,
        {{ small_cell(ratio('covered_procedures', 'procedures'), ['procedures', 'covered_procedures']) }} as covered_share,
        {{ small_cell(money('base_cost'), ['procedures']) }} as base_cost,
        {{ small_cell_flag(['procedures', 'covered_procedures']) }} as suppressed
    from cells
)

select * from final
