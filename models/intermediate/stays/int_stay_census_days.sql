{#- The days each stay is in house at the census time, 23:59 UTC (bed occupancy), one row per stay in house
    at one census at least: from its admission day (the next day when it was admitted after 23:59) to the
    day before its discharge day (the discharge day itself when it left after 23:59). A stay without a
    discharge time, or one gone before its first 23:59, has no row. -#}
{{ config(materialized='view') }}

{#- the census time of a day: 23:59 UTC, in minutes after midnight -#}
{%- set census_minute = 23 * 60 + 59 -%}

with stays as (
    select * from {{ ref('int_admissions_collapsed_to_stays') }}
    where discharge_at is not null
),

census_days as (
    select
        source_system,
        stay_id,
        patient_id,
        case
            when admit_at <= {{ dbt.dateadd('minute', census_minute, dbt.cast('admit_date', dbt.type_timestamp())) }}
                then admit_date
            else {{ dbt.cast(dbt.dateadd('day', 1, 'admit_date'), 'date') }}
        end as first_census_date,
        case
            when discharge_at > {{ dbt.dateadd('minute', census_minute, dbt.cast('discharge_date', dbt.type_timestamp())) }}
                then discharge_date
            else {{ dbt.cast(dbt.dateadd('day', -1, 'discharge_date'), 'date') }}
        end as last_census_date
    from stays
),

final as (
    select * from census_days
    where last_census_date >= first_census_date
)

select * from final
