{#- Readmission rates in long form: source x dimension x value x window x method.

    method `derived`: the CMS-style rate of fct_stays (eligible index stays, unplanned readmissions within
    the window), one row set per window of readmission_window_days() (30, 60). Synthea only.
    method `reported`: the EMR extract's own Readmission flag (flagged visits / visits with the flag);
    window_days is null because the extract does not say which window its flag uses.
    method `acute_revisit`: acute encounters (inpatient, emergency, urgent care) starting 0..30 days after
    the previous one's STOP date / acute encounters. Synthea only.
    Dimensions: overall (value `all`), diagnosis (the admitting diagnosis key), ccsr_category (its AHRQ CCSR
    category, dim_diagnoses), age_group, department, payer_category, gender; an unknown value is `unknown`. -#}

{%- set dimensions = [
    ('overall', "'all'"),
    ('diagnosis', 'primary_diagnosis_key'),
    ('ccsr_category', 'ccsr_category'),
    ('age_group', 'age_group'),
    ('department', 'department'),
    ('payer_category', 'payer_category'),
    ('gender', 'gender'),
] -%}

with diagnoses as (
    select * from {{ ref('dim_diagnoses') }}
),

stays as (
    select
        fct_stays.*,
        diagnoses.ccsr_category
    from {{ ref('fct_stays') }} as fct_stays
    left join diagnoses
        on fct_stays.primary_diagnosis_key = diagnoses.diagnosis_key
),

windows as (
    select * from {{ ref('int_stays_windowed_for_readmission') }}
),

encounters as (
    select
        fct_encounters.*,
        diagnoses.ccsr_category
    from {{ ref('fct_encounters') }} as fct_encounters
    left join diagnoses
        on fct_encounters.primary_diagnosis_key = diagnoses.diagnosis_key
),

-- one row per stay and window: eligibility and outcome
stay_windows as (
    {%- for n in readmission_window_days() %}
    select
        stays.*,
        {{ n }} as window_days,
        windows.is_index_eligible_{{ n }}d as is_eligible,
        windows.is_readmitted_{{ n }}d as is_readmitted
    from stays
    inner join windows
        on stays.stay_id = windows.stay_id
    where stays.source_system = 'synthea'
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

reported as (
    select * from encounters
    where is_reported_readmission is not null
),

acute as (
    select * from encounters
    where is_acute_revisit is not null
),

rates as (
    {%- for dimension, column in dimensions %}
    select
        source_system,
        '{{ dimension }}' as dimension,
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), 'unknown') as dimension_value,
        cast(window_days as bigint) as window_days,
        'derived' as method,
        {{ count_if('is_eligible') }} as index_stays,
        {{ count_if('is_readmitted') }} as readmissions
    from stay_windows
    group by 1, 2, 3, 4, 5
    union all
    select
        source_system,
        '{{ dimension }}' as dimension,
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), 'unknown') as dimension_value,
        cast(null as bigint) as window_days,
        'reported' as method,
        count(*) as index_stays,
        {{ count_if('is_reported_readmission') }} as readmissions
    from reported
    group by 1, 2, 3, 4, 5
    union all
    select
        source_system,
        '{{ dimension }}' as dimension,
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), 'unknown') as dimension_value,
        cast({{ var('acute_revisit_days') }} as bigint) as window_days,
        'acute_revisit' as method,
        count(*) as index_stays,
        {{ count_if('is_acute_revisit') }} as readmissions
    from acute
    group by 1, 2, 3, 4, 5
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select
        source_system,
        dimension,
        dimension_value,
        window_days,
        method,
        {{ small_cell('index_stays') }} as index_stays,
        {{ small_cell('readmissions') }} as readmissions,
        {{ small_cell(ratio('readmissions', 'index_stays'), ['index_stays', 'readmissions']) }} as readmission_rate,
        {{ small_cell_flag(['index_stays', 'readmissions']) }} as suppressed
    from rates
)

select * from final
