{#- Bed occupancy per source, organization and month. The census of a day is the number of stays in
    house at 23:59 UTC that day (admitted at or before 23:59, discharged after it); the month's average
    daily census is the sum of the daily census over the month's days (within the data's date range)
    divided by those days; occupancy = average daily census / var licensed_beds (150). Stays belong to
    their admitting encounter's organization. The EMR extract has no organization: no rows for it. -#}

with stays as (
    select * from {{ ref('fct_stays') }}
    where source_system = 'synthea'
        and organization_id is not null
),

dates as (
    select * from {{ ref('dim_date') }}
),

organizations as (
    select distinct source_system, organization_id from stays
),

org_days as (
    select
        organizations.source_system,
        organizations.organization_id,
        dates.date_day,
        dates.month_start,
        {{ dbt.dateadd('minute', 23 * 60 + 59, dbt.cast('dates.date_day', dbt.type_timestamp())) }} as census_at
    from organizations
    cross join dates
),

in_house as (
    select
        org_days.source_system,
        org_days.organization_id,
        org_days.date_day,
        count(*) as census
    from org_days
    inner join stays
        on org_days.source_system = stays.source_system
        and org_days.organization_id = stays.organization_id
        and org_days.date_day between stays.admit_date and stays.discharge_date
        and stays.admit_at <= org_days.census_at
        and stays.discharge_at > org_days.census_at
    group by 1, 2, 3
),

daily as (
    select
        org_days.source_system,
        org_days.organization_id,
        org_days.month_start,
        coalesce(in_house.census, 0) as census
    from org_days
    left join in_house
        on org_days.source_system = in_house.source_system
        and org_days.organization_id = in_house.organization_id
        and org_days.date_day = in_house.date_day
),

cells as (
    select
        source_system,
        organization_id,
        month_start,
        count(*) as days,
        sum(census) as bed_days
    from daily
    group by 1, 2, 3
),

final as (
    select
        source_system,
        organization_id,
        month_start,
        cast(days as bigint) as days,
        cast(bed_days as bigint) as bed_days,
        {{ ratio('bed_days', 'days') }} as avg_daily_census,
        cast({{ var('licensed_beds') }} as bigint) as licensed_beds,
        {{ ratio('bed_days', 'days') }} / {{ var('licensed_beds') }} as occupancy_rate,
        false as suppressed
    from cells
)

select * from final
