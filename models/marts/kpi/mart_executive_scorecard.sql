{#- The headline KPIs per source and month, each with the previous month's value beside it (prev_*): the
    month rows of mart_executive_summary for every department and age group ('All'), where each figure is
    defined (visits, patients, admissions and costs by visit start month; readmissions, ALOS and mortality
    by discharge month; satisfaction by visit month, EMR). Every rate comes with its numerator and
    denominator; a KPI the source cannot supply is null. is_complete_month: the source's data covers the
    month from its first day to its last (the last month of an export is usually partial: a headline
    shows the last complete one). With the small-cell rule on, suppressed is the summary row's flag. -#}

{%- set kpis = ['visits', 'patients', 'admissions', 'revenue_per_patient', 'readmission_rate_30d', 'alos_days',
                'avg_cost_per_visit', 'coverage_ratio', 'in_hospital_mortality_rate', 'mean_satisfaction'] -%}

with months as (
    select * from {{ ref('mart_executive_summary') }}
    where period_grain = 'month'
        and department = 'All'
        and age_group = 'All'
),

final as (
    -- prev_*: the calendar month before, null when that month has no row
    select
        this_month.source_system,
        this_month.period_start as month_start,
        cast({{ dbt.dateadd('month', -1, 'this_month.period_start') }} as date) as prev_month_start,
        this_month.is_complete_period as is_complete_month,
        {%- for kpi in kpis %}
        this_month.{{ kpi }},
        last_month.{{ kpi }} as prev_{{ kpi }},
        {%- endfor %}
        this_month.visits_with_cost,
        this_month.total_cost,
        this_month.total_coverage,
        this_month.index_stays_30d,
        this_month.readmissions_30d,
        this_month.stays_discharged,
        this_month.stays_with_los,
        this_month.total_los_days,
        this_month.in_hospital_deaths,
        this_month.satisfaction_responses,
        this_month.suppressed
    from months as this_month
    left join months as last_month
        on this_month.source_system = last_month.source_system
            and last_month.period_start = cast({{ dbt.dateadd('month', -1, 'this_month.period_start') }} as date)
)

select * from final
