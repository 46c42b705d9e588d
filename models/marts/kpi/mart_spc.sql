{#- Statistical process control of the monthly KPIs a board watches, as NHS England's "Making Data Count"
    draws them: per source, KPI, department ('All' or one) and complete month, the value, the centre line,
    the limits and the signals. A partial month is never a point (mart_executive_summary.is_complete_period).
    - Proportions (30-day readmission rate, the EMR's reported readmission rate, in-hospital mortality, the
      share of stays with a hospital-acquired infection) on a p-chart: centre p-bar, the numerators over the
      denominators of the baseline months pooled; limits p-bar +/- 3 sqrt(p-bar (1 - p-bar) / n) for the
      month's n, clipped to [0, 1].
    - Means and counts (ALOS, mean satisfaction, visits) on an XmR chart: centre the mean of the baseline
      values; limits centre +/- 2.66 times the mean moving range (of consecutive baseline points), so one
      sigma is 2.66 / 3 of it.
    The baseline: the first var spc_baseline_points points of a chart (0: every point).
    Signals, each with its direction: a point beyond a limit; a shift, a run of 7 or more points on one
    side of the centre (a point on it breaks the run); a trend, 7 or more points each higher (or lower)
    than the one before (an equal value breaks it); two of three consecutive points beyond two sigma on
    the same side (the points beyond two sigma are marked). -#}

{%- set baseline_points = var('spc_baseline_points') | int -%}

with summary as (
    select * from {{ ref('mart_executive_summary') }}
    where period_grain = 'month' and age_group = 'All' and is_complete_period
),

infections as (
    select * from {{ ref('mart_infections') }}
),

complete_months as (
    select
        source_system,
        period_start as month_start
    from summary
    where department = 'All'
),

points as (
    select
        source_system,
        'readmission_rate_30d' as kpi,
        'p' as chart_type,
        department,
        period_start as month_start,
        cast(readmissions_30d as {{ type_double() }}) as numerator,
        index_stays_30d as denominator,
        readmission_rate_30d as value
    from summary
    union all
    select
        source_system,
        'reported_readmission_rate' as kpi,
        'p' as chart_type,
        department,
        period_start as month_start,
        cast(reported_readmissions as {{ type_double() }}) as numerator,
        reported_visits as denominator,
        reported_readmission_rate as value
    from summary
    union all
    select
        source_system,
        'in_hospital_mortality_rate' as kpi,
        'p' as chart_type,
        department,
        period_start as month_start,
        cast(in_hospital_deaths as {{ type_double() }}) as numerator,
        stays_discharged as denominator,
        in_hospital_mortality_rate as value
    from summary
    union all
    select
        infections.source_system,
        'hai_stay_rate' as kpi,
        'p' as chart_type,
        'All' as department,
        infections.month_start,
        cast(infections.hai_stays as {{ type_double() }}) as numerator,
        infections.stays as denominator,
        {{ ratio('infections.hai_stays', 'infections.stays') }} as value
    from infections
    inner join complete_months
        on infections.source_system = complete_months.source_system
            and infections.month_start = complete_months.month_start
    union all
    select
        source_system,
        'alos_days' as kpi,
        'xmr' as chart_type,
        department,
        period_start as month_start,
        total_los_days as numerator,
        stays_with_los as denominator,
        alos_days as value
    from summary
    union all
    select
        source_system,
        'mean_satisfaction' as kpi,
        'xmr' as chart_type,
        department,
        period_start as month_start,
        mean_satisfaction * satisfaction_responses as numerator,
        satisfaction_responses as denominator,
        mean_satisfaction as value
    from summary
    union all
    select
        source_system,
        'visits' as kpi,
        'xmr' as chart_type,
        department,
        period_start as month_start,
        cast(visits as {{ type_double() }}) as numerator,
        cast(null as bigint) as denominator,
        cast(visits as {{ type_double() }}) as value
    from summary
    where visits > 0
),

numbered as (
    select
        *,
        row_number() over (partition by source_system, kpi, department order by month_start) as point_number,
        lag(value) over (partition by source_system, kpi, department order by month_start) as previous_value
    from points
    where value is not null
),

in_baseline as (
    select * from numbered
    {%- if baseline_points > 0 %}
    where point_number <= {{ baseline_points }}
    {%- endif %}
),

baselines as (
    select
        source_system,
        kpi,
        department,
        count(*) as baseline_points,
        {{ ratio('sum(numerator)', 'sum(denominator)') }} as pooled_proportion,
        avg(value) as mean_value,
        avg(case when point_number > 1 then abs(value - previous_value) end) as mean_moving_range
    from in_baseline
    group by source_system, kpi, department
),

with_sigma as (
    select
        numbered.*,
        baselines.baseline_points,
        baselines.mean_moving_range,
        case numbered.chart_type
            when 'p' then baselines.pooled_proportion else baselines.mean_value
        end as centre_line,
        case numbered.chart_type
            when 'p' then sqrt(baselines.pooled_proportion * (1 - baselines.pooled_proportion) / numbered.denominator)
            else 2.66 * baselines.mean_moving_range / 3
        end as sigma
    from numbered
    inner join baselines
        on numbered.source_system = baselines.source_system
            and numbered.kpi = baselines.kpi
            and numbered.department = baselines.department
),

limited as (
    select
        *,
        case
            when chart_type = 'p' then least(centre_line + 3 * sigma, 1) else centre_line + 3 * sigma
        end as upper_limit,
        case
            when chart_type = 'p' then greatest(centre_line - 3 * sigma, 0) else centre_line - 3 * sigma
        end as lower_limit,
        case when value > centre_line then 1 when value < centre_line then -1 else 0 end as side,
        case when value > previous_value then 1 when value < previous_value then -1 else 0 end as step,
        case
            when value > centre_line + 2 * sigma then 1 when value < centre_line - 2 * sigma then -1 else 0
        end as beyond_two_sigma
    from with_sigma
),

-- runs (gaps and islands): consecutive points with the same side of the centre, or the same step
runs as (
    select
        *,
        point_number - row_number() over (
            partition by source_system, kpi, department, side order by month_start
        ) as side_run,
        point_number - row_number() over (
            partition by source_system, kpi, department, step order by month_start
        ) as step_run
    from limited
),

run_lengths as (
    select
        *,
        count(*) over (partition by source_system, kpi, department, side, side_run) as side_run_length,
        {%- for name, direction in [('above', 1), ('below', -1)] %}
        sum(case when beyond_two_sigma = {{ direction }} then 1 else 0 end) over (
            partition by source_system, kpi, department order by month_start rows between 2 preceding and current row
        ) as two_sigma_{{ name }}_back,
        sum(case when beyond_two_sigma = {{ direction }} then 1 else 0 end) over (
            partition by source_system, kpi, department order by month_start rows between 1 preceding and 1 following
        ) as two_sigma_{{ name }}_around,
        sum(case when beyond_two_sigma = {{ direction }} then 1 else 0 end) over (
            partition by source_system, kpi, department order by month_start rows between current row and 2 following
        ) as two_sigma_{{ name }}_ahead,
        {%- endfor %}
        -- a step joins two points: a run of 6 steps is 7 points
        count(*) over (partition by source_system, kpi, department, step, step_run) as step_run_length
    from runs
),

-- the point before a trend's first step is in the trend too
trend_ahead as (
    select
        *,
        lead(step) over (partition by source_system, kpi, department order by month_start) as next_step,
        lead(step_run_length) over (
            partition by source_system, kpi, department order by month_start
        ) as next_step_run_length
    from run_lengths
),

signals as (
    select
        *,
        case when value > upper_limit then 'above' when value < lower_limit then 'below' end as signal_beyond_limit,
        case
            when side <> 0 and side_run_length >= 7 then case side when 1 then 'above' else 'below' end
        end as signal_shift,
        case
            when step <> 0 and point_number > 1 and step_run_length >= 6
                then case step when 1 then 'rising' else 'falling' end
            when next_step <> 0 and next_step_run_length >= 6
                then case next_step when 1 then 'rising' else 'falling' end
        end as signal_trend,
        case
            when beyond_two_sigma = 1
                and greatest(two_sigma_above_back, two_sigma_above_around, two_sigma_above_ahead) >= 2 then 'above'
            when beyond_two_sigma = -1
                and greatest(two_sigma_below_back, two_sigma_below_around, two_sigma_below_ahead) >= 2 then 'below'
        end as signal_two_of_three
    from trend_ahead
),

final as (
    select
        source_system,
        kpi,
        chart_type,
        department,
        month_start,
        cast(point_number as bigint) as point_number,
        point_number = max(point_number) over (partition by source_system, kpi, department) as is_last_point,
        point_number <= baseline_points as is_baseline,
        numerator,
        denominator,
        value,
        {{ rounded('centre_line', 6) }} as centre_line,
        {{ rounded('lower_limit', 6) }} as lower_limit,
        {{ rounded('upper_limit', 6) }} as upper_limit,
        {{ rounded('centre_line - 2 * sigma', 6) }} as lower_two_sigma,
        {{ rounded('centre_line + 2 * sigma', 6) }} as upper_two_sigma,
        case when chart_type = 'xmr' then {{ rounded('mean_moving_range', 6) }} end as mean_moving_range,
        signal_beyond_limit,
        signal_shift,
        signal_trend,
        signal_two_of_three,
        coalesce(signal_beyond_limit, signal_shift, signal_trend, signal_two_of_three) is not null as has_signal
    from signals
)

select * from final
