{#- How well the expected values of fct_stay_expected_outcomes tell the stays apart and match what happened,
    per source, outcome and period (all the data, or a discharge year):
    - discrimination, the c-statistic (area under the ROC curve): the chance that a stay with the outcome
      has a higher expected probability than one without, ties counting one half (macro concordance); null
      when the period has no stay with the outcome or none without.
    - calibration, expected against observed by decile of risk: the period's stays ordered by expected
      probability (then stay_id) and cut into ten groups of equal size (ntile(10): stays of one stratum,
      which share one probability, can fall in two neighbouring deciles).
    One row per decile; the period's counts and c-statistic are repeated on each of its ten rows. The
    small-cell rule (var suppress_small_cells) nulls a decile's counts and what is built on them, and the
    c-statistic of a period whose counts are small. -#}

with outcomes as (
    select * from {{ ref('fct_stay_expected_outcomes') }}
),

-- each stay twice: in the whole data ('all') and in its discharge year
in_periods as (
    select
        source_system,
        outcome,
        'all' as period_grain,
        cast(null as date) as period_start,
        stay_id,
        observed,
        expected
    from outcomes
    union all
    select
        source_system,
        outcome,
        'year' as period_grain,
        {{ year_of('discharge_date') }} as period_start,
        stay_id,
        observed,
        expected
    from outcomes
),

-- discrimination: the c-statistic's pairs per period (macro concordance)
pairs as (
    {{ concordance('in_periods', ['source_system', 'outcome', 'period_grain', 'period_start'], 'expected', 'observed = 1') }}
),

periods as (
    select
        source_system,
        outcome,
        period_grain,
        period_start,
        stays as period_stays,
        with_outcome as period_observed,
        {{ ratio('concordant_pairs', 'with_outcome * without_outcome') }} as c_statistic
    from pairs
),

-- calibration: the period's stays in ten groups of equal size by expected probability
ranked as (
    select
        *,
        ntile(10) over (
            partition by source_system, outcome, period_grain, period_start order by expected, stay_id
        ) as risk_decile
    from in_periods
),

deciles as (
    select
        source_system,
        outcome,
        period_grain,
        period_start,
        risk_decile,
        count(*) as stays,
        sum(observed) as observed,
        sum(expected) as expected,
        min(expected) as min_expected,
        max(expected) as max_expected
    from ranked
    group by source_system, outcome, period_grain, period_start, risk_decile
),

final as (
    select
        deciles.source_system,
        deciles.outcome,
        deciles.period_grain,
        deciles.period_start,
        cast(deciles.risk_decile as bigint) as risk_decile,
        {{ small_cell('cast(deciles.stays as bigint)', ['deciles.stays']) }} as stays,
        {{ small_cell('cast(deciles.observed as bigint)', ['deciles.observed']) }} as observed,
        {{ small_cell('deciles.expected', ['deciles.stays', 'deciles.observed']) }} as expected,
        {{ small_cell(rounded(ratio('deciles.expected', 'deciles.stays'), 6), ['deciles.stays', 'deciles.observed']) }}
            as mean_expected_rate,
        {{ small_cell(rounded(ratio('deciles.observed', 'deciles.stays'), 6), ['deciles.stays', 'deciles.observed']) }}
            as observed_rate,
        {{ small_cell(rounded('deciles.min_expected', 6), ['deciles.stays', 'deciles.observed']) }} as min_expected_rate,
        {{ small_cell(rounded('deciles.max_expected', 6), ['deciles.stays', 'deciles.observed']) }} as max_expected_rate,
        {{ small_cell('cast(periods.period_stays as bigint)', ['periods.period_stays']) }} as period_stays,
        {{ small_cell('cast(periods.period_observed as bigint)', ['periods.period_observed']) }}
            as period_observed,
        {{ small_cell(rounded('periods.c_statistic', 6), ['periods.period_stays', 'periods.period_observed']) }}
            as c_statistic,
        {{ small_cell_flag(['deciles.stays', 'deciles.observed', 'periods.period_stays', 'periods.period_observed']) }}
            as suppressed
    from deciles
    inner join periods
        on deciles.source_system = periods.source_system
            and deciles.outcome = periods.outcome
            and deciles.period_grain = periods.period_grain
            and (deciles.period_start = periods.period_start or deciles.period_grain = 'all')
)

select * from final
