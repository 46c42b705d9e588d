{#- One row per calendar day from the first to the last date of either source's visits: a conformed
    dimension shared by both sources (source_system = 'all'). -#}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
),

bounds as (
    select
        min(start_date) as first_date,
        max(coalesce(stop_date, start_date)) as last_date
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
