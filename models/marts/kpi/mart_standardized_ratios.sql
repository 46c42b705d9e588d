{#- Observed against expected (fct_stay_expected_outcomes) per source, outcome, period (all the data, or a
    discharge year) and unit: department, organization, payer category, CCSR body system of the principal
    diagnosis, age group. O/E with its 95% interval by Byar's approximation to the exact Poisson interval,
    and the unit's place on two funnels:
    - the O/E funnel: limits 1 +/- z / sqrt(expected), z = 1.96 (95%) and 3.09 (99.8%), the lower one at least 0;
    - the proportion funnel: limits p0 +/- z sqrt(p0 (1 - p0) / n), p0 the source's reference rate of the
      outcome over all of its stays of the period, n the unit's stays.
    funnel_verdict: above_998 or below_998 beyond the 99.8% limits, above_95 or below_95 beyond the 95%
    ones, within otherwise (null without an expected count). Ratios, intervals and limits to 6 decimals.
    The small-cell rule (var suppress_small_cells) nulls a row's counts and everything built on them. -#}

{%- set units = {'department': 'coalesce(stays.department, \'unknown\')',
                 'organization': 'coalesce(organizations.organization_name, stays.organization_id, \'unknown\')',
                 'payer_category': 'coalesce(stays.payer_category, \'unknown\')',
                 'ccsr_body_system': 'coalesce(diagnoses.ccsr_body_system, \'unknown\')',
                 'age_group': 'coalesce(stays.age_group, \'unknown\')'} -%}

with outcomes as (
    select * from {{ ref('fct_stay_expected_outcomes') }}
),

stays as (
    select * from {{ ref('fct_stays') }}
),

diagnoses as (
    select * from {{ ref('dim_diagnoses') }}
),

organizations as (
    select * from {{ ref('dim_organizations') }}
),

described as (
    select
        outcomes.source_system,
        outcomes.outcome,
        {{ year_of('outcomes.discharge_date') }} as discharge_year,
        {%- for unit, expr in units.items() %}
        {{ expr }} as unit_{{ unit }},
        {%- endfor %}
        outcomes.observed,
        outcomes.expected
    from outcomes
    inner join stays
        on outcomes.stay_id = stays.stay_id
    left join diagnoses  -- conformed across sources (source_system 'all')
        on stays.primary_diagnosis_key = diagnoses.diagnosis_key
    left join organizations
        on stays.source_system = organizations.source_system
            and stays.organization_id = organizations.organization_id
),

units as (
    {%- for unit in units %}
    select
        source_system,
        outcome,
        case when grouping(discharge_year) = 1 then 'all' else 'year' end as period_grain,
        discharge_year as period_start,
        '{{ unit }}' as unit_type,
        unit_{{ unit }} as unit,
        count(*) as stays,
        sum(observed) as observed,
        sum(expected) as expected
    from described
    group by source_system, outcome, unit_{{ unit }}, rollup(discharge_year)
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- p0: the outcome's rate over every stay of the source and period
periods as (
    select
        source_system,
        outcome,
        case when grouping(discharge_year) = 1 then 'all' else 'year' end as period_grain,
        discharge_year as period_start,
        {{ ratio('sum(observed)', 'count(*)') }} as reference_rate
    from described
    group by source_system, outcome, rollup(discharge_year)
),

measured as (
    select
        units.*,
        {{ ratio('units.observed', 'units.stays') }} as observed_rate,
        {{ ratio('units.observed', 'units.expected') }} as oe_ratio,
        -- Byar's approximation to the exact Poisson interval of the observed count, over expected
        case
            when units.observed = 0 then 0
            else units.observed
                * power(1 - 1.0 / (9 * units.observed) - 1.96 / (3 * sqrt(units.observed)), 3)
                / nullif(units.expected, 0)
        end as oe_lower_95,
        (units.observed + 1)
        * power(1 - 1.0 / (9 * (units.observed + 1)) + 1.96 / (3 * sqrt(units.observed + 1)), 3)
        / nullif(units.expected, 0) as oe_upper_95,
        {%- for name, z in [('95', 1.96), ('998', 3.09)] %}
        case when units.expected > 0 then greatest(1 - {{ z }} / sqrt(units.expected), 0) end as funnel_lower_{{ name }},
        case when units.expected > 0 then 1 + {{ z }} / sqrt(units.expected) end as funnel_upper_{{ name }},
        greatest(
            periods.reference_rate - {{ z }} * sqrt(periods.reference_rate * (1 - periods.reference_rate) / units.stays),
            0
        ) as rate_lower_{{ name }},
        least(
            periods.reference_rate + {{ z }} * sqrt(periods.reference_rate * (1 - periods.reference_rate) / units.stays),
            1
        ) as rate_upper_{{ name }},
        {%- endfor %}
        periods.reference_rate
    from units
    inner join periods
        on units.source_system = periods.source_system
            and units.outcome = periods.outcome
            and units.period_grain = periods.period_grain
            and (units.period_start = periods.period_start or units.period_grain = 'all')
),

final as (
    select
        source_system,
        outcome,
        period_grain,
        period_start,
        unit_type,
        unit,
        {{ small_cell('cast(stays as bigint)', ['stays']) }} as stays,
        {{ small_cell('cast(observed as bigint)', ['observed']) }} as observed,
        {{ small_cell('expected', ['stays', 'observed']) }} as expected,
        {{ small_cell(rounded('oe_ratio', 6), ['stays', 'observed']) }} as oe_ratio,
        {{ small_cell(rounded('oe_lower_95', 6), ['stays', 'observed']) }} as oe_lower_95,
        {{ small_cell(rounded('oe_upper_95', 6), ['stays', 'observed']) }} as oe_upper_95,
        {{ small_cell(rounded('funnel_lower_95', 6), ['stays', 'observed']) }} as funnel_lower_95,
        {{ small_cell(rounded('funnel_upper_95', 6), ['stays', 'observed']) }} as funnel_upper_95,
        {{ small_cell(rounded('funnel_lower_998', 6), ['stays', 'observed']) }} as funnel_lower_998,
        {{ small_cell(rounded('funnel_upper_998', 6), ['stays', 'observed']) }} as funnel_upper_998,
        {{ small_cell(rounded('observed_rate', 6), ['stays', 'observed']) }} as observed_rate,
        {{ small_cell(rounded('reference_rate', 6), ['stays', 'observed']) }} as reference_rate,
        {{ small_cell(rounded('rate_lower_95', 6), ['stays', 'observed']) }} as rate_lower_95,
        {{ small_cell(rounded('rate_upper_95', 6), ['stays', 'observed']) }} as rate_upper_95,
        {{ small_cell(rounded('rate_lower_998', 6), ['stays', 'observed']) }} as rate_lower_998,
        {{ small_cell(rounded('rate_upper_998', 6), ['stays', 'observed']) }} as rate_upper_998,
        case
            when expected is null or expected = 0 or {{ small_cell_flag(['stays', 'observed']) }} then null
            when oe_ratio > funnel_upper_998 then 'above_998'
            when oe_ratio < funnel_lower_998 then 'below_998'
            when oe_ratio > funnel_upper_95 then 'above_95'
            when oe_ratio < funnel_lower_95 then 'below_95'
            else 'within'
        end as funnel_verdict,
        {{ small_cell_flag(['stays', 'observed']) }} as suppressed
    from measured
)

select * from final
