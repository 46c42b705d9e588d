{#- The executive summary of any selection an executive can make: a period (all the data, one calendar
    year or one month), a department and an age group, each also 'All'. One row per source and selection,
    so that every figure, distinct patients included, is read from one row and never added up from parts.
    Visits, patients, costs, satisfaction and the EMR's reported readmissions by visit START date, the
    visit's department and age group at the visit; derived readmissions and length of stay by discharge
    date, the stay's department and age group at admission (stays without a discharge are left out). A
    dimension value the data lacks is 'unknown'. is_complete_period: the source's data covers the period
    from its first day to its last (a partial month is never a headline).
    Incremental (every row rewritten by each run, hence the unique key source_system): distinct patients
    are the one figure that cannot be summed from parts, and the costly one, so a batch counts them again
    for all the data and for the years holding a fct_encounters row it wrote, and keeps the other years'
    counts from the table; every other figure is computed again. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert',
          unique_key=['source_system'], on_schema_change='fail') }}

{%- set all_label = 'All' -%}
{#- the counts of a selection: added up over its parts below, each nulled by the small-cell rule at the end -#}
{%- set counts = ['visits', 'patients', 'visits_with_cost', 'index_stays_30d', 'readmissions_30d', 'reported_visits',
                  'reported_readmissions', 'satisfaction_responses', 'stays_with_los', 'admissions', 'stays_discharged',
                  'in_hospital_deaths'] -%}
{#- a department and an age group, or 'All' where the row adds up every one (grouping() tells a rolled-up
    'All' from a value) -#}
{%- set department_or_all %}
        case when grouping(department) = 1 then '{{ all_label }}' else department end as department,
        case when grouping(age_group) = 1 then '{{ all_label }}' else age_group end as age_group
{%- endset -%}

with encounters as (
    select * from {{ ref('fct_encounters') }}
),

stays as (
    select * from {{ ref('fct_stays') }}
),

data_ends as (
    select * from {{ ref('int_source_data_ends') }}
),

visits_dated as (
    select
        source_system,
        patient_id,
        {{ year_of('start_date') }} as period_year,
        start_month as period_month,
        coalesce(department, 'unknown') as department,
        coalesce(age_group, 'unknown') as age_group,
        total_claim_cost,
        -- coverage of the visits whose cost is known: the coverage ratio compares like with like
        case when total_claim_cost is not null then payer_coverage end as payer_coverage_of_costed,
        is_admission,
        is_reported_readmission,
        satisfaction_score
    from encounters
),

stays_dated as (
    select
        source_system,
        {{ year_of('discharge_date') }} as period_year,
        discharge_month as period_month,
        coalesce(department, 'unknown') as department,
        coalesce(age_group, 'unknown') as age_group,
        los_days,
        is_index_eligible_30d,
        is_readmitted_30d,
        died_in_stay
    from stays
    where discharge_date is not null
),

{#- every selection at once: rollup gives all / year / month, cube every department and age group with
    and without 'All' -#}
{%- set selection -%}
        case
            when grouping(period_month) = 0 then 'month'
            when grouping(period_year) = 0 then 'year'
            else 'all'
        end as period_grain,
        coalesce(period_month, period_year) as period_start,
        {{ department_or_all }}
{%- endset %}

visit_selections as (
    select
        source_system,
        {{ selection }},
        count(*) as visits,
        cast(null as bigint) as patients,
        count(total_claim_cost) as visits_with_cost,
        sum(total_claim_cost) as total_cost,
        count(is_reported_readmission) as reported_visits,
        {{ count_if('is_reported_readmission') }} as reported_readmissions,
        count(satisfaction_score) as satisfaction_responses,
        sum(satisfaction_score) as satisfaction_sum,
        cast(null as bigint) as stays_with_los,
        cast(null as {{ type_double() }}) as total_los_days,
        cast(null as bigint) as index_stays_30d,
        cast(null as bigint) as readmissions_30d,
        {{ count_if('is_admission') }} as admissions,
        sum(payer_coverage_of_costed) as total_coverage,
        cast(null as bigint) as stays_discharged,
        cast(null as bigint) as in_hospital_deaths
    from visits_dated
    group by source_system, rollup(period_year, period_month), cube(department, age_group)
),

visits_of_years_in_scope as (
    select * from visits_dated
    {{ in_batch_scope('year', key='extract(year from period_year)') }}
),

{#- distinct patients of each selection: one plain group by per grouping set, unioned. DuckDB counts distinct
    values over grouping sets (rollup, cube) a third slower than over the same sets one by one
    (docs/decisions.md) -#}
{%- set patient_sets = [] -%}
{%- for grain, period in [('all', none), ('year', 'period_year'), ('month', 'period_month')] -%}
{%- for by_department in [true, false] -%}
{%- for by_age_group in [true, false] -%}
{%- do patient_sets.append((grain, period, by_department, by_age_group)) -%}
{%- endfor -%}
{%- endfor -%}
{%- endfor %}

patients_of_selections as (
    {%- for grain, period, by_department, by_age_group in patient_sets %}
    select
        source_system,
        '{{ grain }}' as period_grain,
        {{ period or 'cast(null as date)' }} as period_start,
        {{ 'department' if by_department else "'" ~ all_label ~ "'" }} as department,
        {{ 'age_group' if by_age_group else "'" ~ all_label ~ "'" }} as age_group,
        count(distinct patient_id) as patients
    from {{ 'visits_dated' if grain == 'all' else 'visits_of_years_in_scope' }}
    {%- set keys = ['source_system'] + ([period] if period else []) + (['department'] if by_department else [])
                   + (['age_group'] if by_age_group else []) %}
    group by {{ keys | join(', ') }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

patients_counted as (
    select * from patients_of_selections
    {%- if is_incremental() %}
    union all  -- the years the batch did not touch keep their counts
    select source_system, period_grain, period_start, department, age_group, patients from {{ this }}  -- noqa: LT09
    where period_grain <> 'all'
        and (source_system, extract(year from period_start)) not in (  -- noqa: RF02
            select source_system, extract(year from period_start) from patients_of_selections
            where period_grain <> 'all'
        )
    {%- endif %}
),

patient_selections as (
    select
        source_system,
        period_grain,
        period_start,
        department,
        age_group,
        cast(null as bigint) as visits,
        patients,
        cast(null as bigint) as visits_with_cost,
        cast(null as decimal(18, 2)) as total_cost,
        cast(null as bigint) as reported_visits,
        cast(null as bigint) as reported_readmissions,
        cast(null as bigint) as satisfaction_responses,
        cast(null as bigint) as satisfaction_sum,
        cast(null as bigint) as stays_with_los,
        cast(null as {{ type_double() }}) as total_los_days,
        cast(null as bigint) as index_stays_30d,
        cast(null as bigint) as readmissions_30d,
        cast(null as bigint) as admissions,
        cast(null as decimal(18, 2)) as total_coverage,
        cast(null as bigint) as stays_discharged,
        cast(null as bigint) as in_hospital_deaths
    from patients_counted
),

stay_selections as (
    select
        source_system,
        {{ selection }},
        cast(null as bigint) as visits,
        cast(null as bigint) as patients,
        cast(null as bigint) as visits_with_cost,
        cast(null as decimal(18, 2)) as total_cost,
        cast(null as bigint) as reported_visits,
        cast(null as bigint) as reported_readmissions,
        cast(null as bigint) as satisfaction_responses,
        cast(null as bigint) as satisfaction_sum,
        count(los_days) as stays_with_los,
        cast(sum(los_days) as {{ type_double() }}) as total_los_days,
        {{ count_if('is_index_eligible_30d') }} as index_stays_30d,
        {{ count_if('is_readmitted_30d') }} as readmissions_30d,
        cast(null as bigint) as admissions,
        cast(null as decimal(18, 2)) as total_coverage,
        count(*) as stays_discharged,
        {{ count_if('died_in_stay') }} as in_hospital_deaths
    from stays_dated
    group by source_system, rollup(period_year, period_month), cube(department, age_group)
),

selections as (
    select * from visit_selections
    union all
    select * from patient_selections
    union all
    select * from stay_selections
),

-- a selection with visits but no stays (or the reverse) gets 0 for the other side's counts
combined as (
    select
        source_system,
        period_grain,
        period_start,
        department,
        age_group,
        {%- for c in counts %}
        cast(coalesce(sum({{ c }}), 0) as bigint) as {{ c }},
        {%- endfor %}
        sum(total_cost) as total_cost,
        sum(total_coverage) as total_coverage,
        sum(satisfaction_sum) as satisfaction_sum,
        sum(total_los_days) as total_los_days
    from selections
    group by source_system, period_grain, period_start, department, age_group
),

measured as (
    select
        combined.source_system,
        combined.period_grain,
        combined.period_start,
        combined.department,
        combined.age_group,
        case combined.period_grain
            when 'all' then true
            {%- for grain in ['year', 'month'] %}
            when '{{ grain }}' then {{ covers_period(grain, 'combined.period_start',
                                                    'data_ends.data_start_date', 'data_ends.data_end_date') }}
            {%- endfor %}
        end as is_complete_period,
        data_ends.data_end_date,
        combined.visits,
        combined.patients,
        combined.visits_with_cost,
        {{ money('combined.total_cost') }} as total_cost,
        {{ ratio('combined.total_cost', 'combined.patients') }} as revenue_per_patient,
        {{ ratio('combined.total_cost', 'combined.visits_with_cost') }} as avg_cost_per_visit,
        -- derived readmissions need the visit history only the Synthea export carries
        case when {{ has_visit_history('combined.source_system') }} then combined.index_stays_30d end as index_stays_30d,
        case when {{ has_visit_history('combined.source_system') }} then combined.readmissions_30d end as readmissions_30d,
        case
            when {{ has_visit_history('combined.source_system') }}
                then {{ ratio('combined.readmissions_30d', 'combined.index_stays_30d') }}
        end as readmission_rate_30d,
        combined.reported_visits,
        combined.reported_readmissions,
        {{ ratio('combined.reported_readmissions', 'combined.reported_visits') }} as reported_readmission_rate,
        combined.satisfaction_responses,
        {{ ratio('combined.satisfaction_sum', 'combined.satisfaction_responses') }} as mean_satisfaction,
        combined.stays_with_los,
        combined.total_los_days,
        {{ ratio('combined.total_los_days', 'combined.stays_with_los') }} as alos_days,
        combined.admissions,
        {{ money('combined.total_coverage') }} as total_coverage,
        {{ ratio('combined.total_coverage', 'combined.total_cost') }} as coverage_ratio,
        combined.stays_discharged,
        -- deaths are known only where the export has death dates (Synthea)
        case when {{ has_visit_history('combined.source_system') }} then combined.in_hospital_deaths end as in_hospital_deaths,
        case
            when {{ has_visit_history('combined.source_system') }}
                then {{ ratio('combined.in_hospital_deaths', 'combined.stays_discharged') }}
        end as in_hospital_mortality_rate
    from combined
    inner join data_ends
        on combined.source_system = data_ends.source_system
),

{#- the small-cell rule (macros/small_cells.sql): each count, and every figure built on it -#}
{%- set built_on = {
    'total_cost': ['visits_with_cost'], 'revenue_per_patient': ['patients', 'visits_with_cost'],
    'avg_cost_per_visit': ['visits_with_cost'], 'readmission_rate_30d': ['index_stays_30d', 'readmissions_30d'],
    'reported_readmission_rate': ['reported_visits', 'reported_readmissions'],
    'mean_satisfaction': ['satisfaction_responses'], 'total_los_days': ['stays_with_los'],
    'alos_days': ['stays_with_los'], 'total_coverage': ['visits_with_cost'], 'coverage_ratio': ['visits_with_cost'],
    'in_hospital_mortality_rate': ['stays_discharged', 'in_hospital_deaths']} %}

final as (
    select
        source_system,
        period_grain,
        period_start,
        department,
        age_group,
        is_complete_period,
        data_end_date,
        {%- for c in counts %}
        {{ small_cell(c) }} as {{ c }},
        {%- endfor %}
        {%- for measure, its_counts in built_on.items() %}
        {{ small_cell(measure, its_counts) }} as {{ measure }},
        {%- endfor %}
        {{ small_cell_flag(counts) }} as suppressed
    from measured
)

select * from final
