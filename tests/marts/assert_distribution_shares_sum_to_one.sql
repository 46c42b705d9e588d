-- Shares of each distribution sum to 1: patient_share of mart_patient_demographics per source, and
-- visit_share of mart_insurance_mix per source and year.
{{ config(enabled=not var('suppress_small_cells')) }}

with demographics as (
    select
        'mart_patient_demographics' as mart,
        source_system,
        cast(null as bigint) as visit_year,
        sum(patient_share) as total_share
    from {{ ref('mart_patient_demographics') }}
    group by source_system
),

insurance as (
    select
        'mart_insurance_mix' as mart,
        source_system,
        visit_year,
        sum(visit_share) as total_share
    from {{ ref('mart_insurance_mix') }}
    group by source_system, visit_year
),

shares as (
    select * from demographics
    union all
    select * from insurance
)

select *
from shares
where abs(total_share - 1) > 1e-9
