{#- Bed occupancy per source, organization and month. The census of a day is the number of stays in
    house at 23:59 UTC that day (fct_stays.first_census_date..last_census_date); the month's average
    daily census is the sum of the daily census over the month's days (within the data's date range)
    divided by those days; occupancy = average daily census / var licensed_beds (150). Stays belong to
    their admitting encounter's organization, named from dim_organizations (its id where the organizations
    file does not name it). The EMR extract has no organization: no rows for it. -#}

with stays as (
    select * from {{ ref('fct_stays') }}
    where {{ has_visit_history('source_system') }}
        and organization_id is not null
),

dates as (
    select * from {{ ref('dim_date') }}
),

organization_names as (
    select * from {{ ref('dim_organizations') }}
),

organizations as (
    select distinct
        source_system,
        organization_id
    from stays
),

org_days as (
    select
        organizations.source_system,
        organizations.organization_id,
        dates.date_day,
        dates.month_start
    from organizations
    cross join dates
),

-- Each day's census is a running sum of +1 on a stay's first census day and -1 on the day after its last
-- (fct_stays), rather than a join of every organization-day to every stay of its organization (on a large
-- export that join compared billions of pairs for a few million matches).
counted_stay_days as (
    select
        source_system,
        organization_id,
        first_census_date,
        last_census_date
    from stays
    where first_census_date is not null
),

-- the spine (dim_date) starts at the first visit of either source, so no stay starts before it
census_changes as (
    select
        source_system,
        organization_id,
        date_day,
        sum(change) as change
    from (
        select
            source_system,
            organization_id,
            first_census_date as date_day,
            1 as change
        from counted_stay_days
        union all
        select
            source_system,
            organization_id,
            {{ dbt.cast(dbt.dateadd('day', 1, 'last_census_date'), 'date') }} as date_day,
            -1 as change
        from counted_stay_days
    ) as changes
    group by 1, 2, 3
),

daily as (
    select
        org_days.source_system,
        org_days.organization_id,
        org_days.month_start,
        sum(coalesce(census_changes.change, 0)) over (
            partition by org_days.source_system, org_days.organization_id
            order by org_days.date_day
            rows between unbounded preceding and current row
        ) as census
    from org_days
    left join census_changes
        on org_days.source_system = census_changes.source_system
            and org_days.organization_id = census_changes.organization_id
            and org_days.date_day = census_changes.date_day
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
        cells.source_system,
        cells.organization_id,
        coalesce(organization_names.organization_name, cells.organization_id) as organization_name,
        cells.month_start,
        cast(cells.days as bigint) as days,
        {{ small_cell('cast(cells.bed_days as bigint)', ['cells.bed_days']) }} as bed_days,
        {{ small_cell(ratio('cells.bed_days', 'cells.days'), ['cells.bed_days']) }} as avg_daily_census,
        cast({{ var('licensed_beds') }} as bigint) as licensed_beds,
        {{ small_cell(ratio('cells.bed_days', 'cells.days') ~ ' / ' ~ var('licensed_beds'), ['cells.bed_days']) }}
            as occupancy_rate,
        {{ small_cell_flag(['cells.bed_days']) }} as suppressed
    from cells
    left join organization_names
        on cells.organization_id = organization_names.organization_id
)

select * from final
