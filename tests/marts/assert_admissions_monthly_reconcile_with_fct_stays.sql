-- Stays, index stays and readmissions in mart_admissions_monthly equal those in fct_stays, per source;
-- admissions equal the admission encounters of fct_encounters.
{{ config(enabled=not var('suppress_small_cells')) }}

with mart as (
    select
        source_system,
        sum(admissions) as admissions,
        sum(stays_discharged) as stays,
        coalesce(sum(index_stays_30d), 0) as index_30,
        coalesce(sum(readmissions_30d), 0) as readmitted_30,
        coalesce(sum(index_stays_60d), 0) as index_60,
        coalesce(sum(readmissions_60d), 0) as readmitted_60
    from {{ ref('mart_admissions_monthly') }}
    group by source_system
),

stays as (
    select
        source_system,
        count(*) as stays,
        {{ count_if('is_index_eligible_30d') }} as index_30,
        {{ count_if('is_readmitted_30d') }} as readmitted_30,
        {{ count_if('is_index_eligible_60d') }} as index_60,
        {{ count_if('is_readmitted_60d') }} as readmitted_60
    from {{ ref('fct_stays') }}
    group by source_system
),

admissions as (
    select
        source_system,
        count(*) as admissions
    from {{ ref('fct_encounters') }}
    where is_admission
    group by source_system
)

select
    mart.*,
    stays.stays as fact_stays,
    stays.readmitted_30 as fact_readmitted_30
from mart
full outer join stays on mart.source_system = stays.source_system
full outer join admissions on mart.source_system = admissions.source_system
where mart.stays is distinct from stays.stays
    or mart.admissions is distinct from admissions.admissions
    or mart.index_30 is distinct from stays.index_30
    or mart.readmitted_30 is distinct from stays.readmitted_30
    or mart.index_60 is distinct from stays.index_60
    or mart.readmitted_60 is distinct from stays.readmitted_60
