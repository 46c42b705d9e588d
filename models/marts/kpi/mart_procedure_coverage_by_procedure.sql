{#- The procedure coverage of mart_procedure_coverage broken down by procedure code as well:
    source x year x payer category x procedure. -#}

with procedures as (
    select * from {{ ref('fct_procedures') }}
),

covered as (
    {{ procedure_coverage('procedures', by_procedure=true) }}
),

final as (
    select
        source_system,
        start_year,
        payer_category,
        procedure_code,
        procedure_description,
        procedures,
        covered_procedures,
        covered_share,
        base_cost,
        suppressed
    from covered
)

select * from final
