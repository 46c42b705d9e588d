{#- The procedure coverage marts' one select, at two grains: source x year (procedure start) x payer
    category, and with by_procedure=true x procedure code as well (with its description). A procedure is
    covered when its encounter is a covered visit (fct_procedures.is_covered); base_cost sums BASE_COST,
    covered_base_cost that of the covered procedures. Counts under the small-cell rule, like every mart.
    `procedures` names a CTE over fct_procedures. -#}
{% macro procedure_coverage(procedures, by_procedure=false) -%}
{%- set grain = ['source_system', 'start_year', 'payer_category'] + (['procedure_code'] if by_procedure else []) -%}
select
        {{ grain | join(',\n        ') }},
        {%- if by_procedure %}
        procedure_description,
        {%- endif %}
        {{ small_cell('procedures') }} as procedures,
        {{ small_cell('covered_procedures') }} as covered_procedures,
        {{ small_cell(ratio('covered_procedures', 'procedures'), ['procedures', 'covered_procedures']) }} as covered_share,
        {{ small_cell(money('base_cost'), ['procedures']) }} as base_cost,
        {{ small_cell(money('covered_base_cost'), ['covered_procedures']) }} as covered_base_cost,
        {{ small_cell_flag(['procedures', 'covered_procedures']) }} as suppressed
    from (
        select
            source_system,
            start_year,
            coalesce(payer_category, 'unknown') as payer_category,
            {%- if by_procedure %}
            procedure_code,
            min(procedure_description) as procedure_description,
            {%- endif %}
            count(*) as procedures,
            {{ count_if('is_covered') }} as covered_procedures,
            sum(base_cost) as base_cost,
            sum(case when is_covered then base_cost end) as covered_base_cost
        from {{ procedures }}
        group by {{ range(1, grain | length + 1) | join(', ') }}
    ) as cells
{%- endmacro %}
