{#- The headline KPIs per source and month, each with the previous month's value beside it (prev_*).
    Visits, patients (distinct, with a visit that month), admissions and costs by visit start month;
    readmissions, ALOS and mortality by discharge month; satisfaction by visit month (EMR). Every rate
    comes with its numerator and denominator. A KPI the source cannot supply is null. is_complete_month:
    the source's data covers the month from its first day to its last (the last month of an export is
    usually partial: a headline shows the last complete one).
    Incremental (every row rewritten by each run): distinct patients are the one figure that cannot be
    summed from parts, so a batch counts them again only for the months holding a fct_encounters row it
    wrote and keeps the other months' counts from the table; every other figure is computed again. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert',
          unique_key=['source_system', 'month_start'], on_schema_change='fail') }}

{%- set kpis = ['visits', 'patients', 'admissions', 'revenue_per_patient', 'readmission_rate_30d', 'alos_days',
                'avg_cost_per_visit', 'coverage_ratio', 'in_hospital_mortality_rate', 'mean_satisfaction'] -%}

with encounters as (
    select * from {{ ref('fct_encounters') }}
),

stays as (
    select * from {{ ref('fct_stays') }}
),

data_ends as (
    select * from {{ ref('int_source_data_ends') }}
),

visit_months as (
    select
        source_system,
        start_month as month_start,
        count(*) as visits,
        {{ count_if('is_admission') }} as admissions,
        count(total_claim_cost) as visits_with_cost,
        sum(total_claim_cost) as total_cost,
        -- coverage of the visits whose cost is known: the coverage ratio compares like with like
        sum(case when total_claim_cost is not null then payer_coverage end) as total_coverage,
        count(satisfaction_score) as satisfaction_responses,
        sum(satisfaction_score) as satisfaction_sum
    from encounters
    group by 1, 2
),

patients_counted as (
    select
        source_system,
        start_month as month_start,
        count(distinct patient_id) as patients
    from encounters
    {{ in_batch_scope('month', key='start_month') }}
    group by 1, 2
),

month_patients as (
    select * from patients_counted
    {%- if is_incremental() %}
    union all  -- the months the batch did not touch keep their count
    select source_system, month_start, patients from {{ this }}  -- noqa: LT09
    where (source_system, month_start) not in (select source_system, month_start from patients_counted)  -- noqa: LT09, RF02
    {%- endif %}
),

stay_months as (
    select
        source_system,
        discharge_month as month_start,
        count(*) as stays_discharged,
        count(los_days) as stays_with_los,
        sum(los_days) as total_los_days,
        {{ count_if('is_index_eligible_30d') }} as index_stays_30d,
        {{ count_if('is_readmitted_30d') }} as readmissions_30d,
        {{ count_if('died_in_stay') }} as in_hospital_deaths
    from stays
    group by 1, 2
),

months as (
    select
        source_system,
        month_start
    from visit_months
    union
    select
        source_system,
        month_start
    from stay_months
),

joined as (
    select
        months.source_system,
        months.month_start,
        coalesce(visit_months.visits, 0) as visits,
        -- a month counted before keeps its stored count, null when small cells are suppressed
        case when month_patients.month_start is null then 0 else month_patients.patients end as patients,
        coalesce(visit_months.admissions, 0) as admissions,
        coalesce(visit_months.visits_with_cost, 0) as visits_with_cost,
        visit_months.total_cost,
        visit_months.total_coverage,
        case when months.source_system = 'synthea' then coalesce(stay_months.index_stays_30d, 0) end as index_stays_30d,
        case when months.source_system = 'synthea' then coalesce(stay_months.readmissions_30d, 0) end as readmissions_30d,
        coalesce(stay_months.stays_discharged, 0) as stays_discharged,
        coalesce(stay_months.stays_with_los, 0) as stays_with_los,
        stay_months.total_los_days,
        case when months.source_system = 'synthea' then coalesce(stay_months.in_hospital_deaths, 0) end as in_hospital_deaths,
        coalesce(visit_months.satisfaction_responses, 0) as satisfaction_responses,
        visit_months.satisfaction_sum
    from months
    left join visit_months
        on months.source_system = visit_months.source_system and months.month_start = visit_months.month_start
    left join month_patients
        on months.source_system = month_patients.source_system and months.month_start = month_patients.month_start
    left join stay_months
        on months.source_system = stay_months.source_system and months.month_start = stay_months.month_start
),

measured as (
    select
        *,
        {{ ratio('total_cost', 'patients') }} as revenue_per_patient,
        {{ ratio('readmissions_30d', 'index_stays_30d') }} as readmission_rate_30d,
        {{ ratio('total_los_days', 'stays_with_los') }} as alos_days,
        {{ ratio('total_cost', 'visits_with_cost') }} as avg_cost_per_visit,
        {{ ratio('total_coverage', 'total_cost') }} as coverage_ratio,
        {{ ratio('in_hospital_deaths', 'stays_discharged') }} as in_hospital_mortality_rate,
        {{ ratio('satisfaction_sum', 'satisfaction_responses') }} as mean_satisfaction
    from joined
),

{#- the small-cell rule (macros/small_cells.sql): each count, and every figure built on it -#}
{%- set built_on = {
    'visits': ['visits'], 'patients': ['patients'], 'admissions': ['admissions'],
    'revenue_per_patient': ['patients', 'visits_with_cost'],
    'readmission_rate_30d': ['index_stays_30d', 'readmissions_30d'],
    'alos_days': ['stays_with_los'], 'avg_cost_per_visit': ['visits_with_cost'],
    'coverage_ratio': ['visits_with_cost'], 'in_hospital_mortality_rate': ['stays_discharged', 'in_hospital_deaths'],
    'mean_satisfaction': ['satisfaction_responses']} %}
{%- set counts = ['visits_with_cost', 'index_stays_30d', 'readmissions_30d', 'stays_discharged', 'stays_with_los',
                  'in_hospital_deaths', 'satisfaction_responses'] %}

suppressed as (
    select
        source_system,
        month_start,
        {%- for kpi in kpis %}
        {{ small_cell(kpi, built_on[kpi]) }} as {{ kpi }},
        {%- endfor %}
        {%- for c in counts %}
        {{ small_cell(c) }} as {{ c }},
        {%- endfor %}
        {{ small_cell(money('total_cost'), ['visits_with_cost']) }} as total_cost,
        {{ small_cell(money('total_coverage'), ['visits_with_cost']) }} as total_coverage,
        {{ small_cell('cast(total_los_days as ' ~ type_double() ~ ')', ['stays_with_los']) }} as total_los_days,
        {{ small_cell_flag(['visits', 'patients', 'admissions'] + counts) }} as suppressed
    from measured
),

final as (
    -- prev_*: the calendar month before, null when that month has no row
    select
        this_month.source_system,
        this_month.month_start,
        cast({{ dbt.dateadd('month', -1, 'this_month.month_start') }} as date) as prev_month_start,
        {{ covers_period('month', 'this_month.month_start', 'data_ends.data_start_date', 'data_ends.data_end_date') }}
            as is_complete_month,
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
    from suppressed as this_month
    left join suppressed as last_month
        on this_month.source_system = last_month.source_system
            and last_month.month_start = cast({{ dbt.dateadd('month', -1, 'this_month.month_start') }} as date)
    inner join data_ends
        on this_month.source_system = data_ends.source_system
)

select * from final
