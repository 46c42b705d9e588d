{#- Procedures covered by insurance per source, year (procedure start) and payer category: a procedure
    is covered when its encounter is a covered visit (payer coverage > 0). base_cost is the sum of
    BASE_COST (null for the EMR extract, which has no procedure costs). The select is macro
    procedure_coverage, shared with mart_procedure_coverage_by_procedure (one grain finer). -#}

with procedures as (
    select * from {{ ref('fct_procedures') }}
),

final as (
    {{ procedure_coverage('procedures') }}
)

select * from final
