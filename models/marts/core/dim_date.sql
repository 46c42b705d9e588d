{#- One row per calendar day from the first visit of either source to its last: the last start of a
    visit, or the last discharge of an admission when later. A conformed dimension shared by both sources
    (source_system = 'all'). The end of a non-admission visit does not count: Synthea writes ambulatory
    encounters that stay open for years (STOP in 2030 on an export ending in 2025), and they would stretch
    the calendar, and every monthly mart built on it, by empty months. Visits starting after the build date
    never reach here (quarantined in staging as future_start / future_visit_date). -#}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
),

bounds as (
    select
        min(start_date) as first_date,
        max(case when is_admission then coalesce(stop_date, start_date) else start_date end) as last_date
    from encounters
),

{{ date_spine_cte('bounds', 'first_date', 'last_date') }},

final as (
    select
        'all' as source_system,
        date_day,
        {{ month_of('date_day') }} as month_start,
        cast(extract(year from date_day) as bigint) as year_number,
        cast(extract(quarter from date_day) as bigint) as quarter_number,
        cast(extract(month from date_day) as bigint) as month_number,
        cast(extract(day from date_day) as bigint) as day_of_month,
        cast({{ iso_day_of_week('date_day') }} as bigint) as iso_day_of_week,
        {{ iso_day_of_week('date_day') }} in (6, 7) as is_weekend
    from spine
)

select * from final
