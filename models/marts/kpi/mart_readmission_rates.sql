{#- Readmission rates in long form: source x dimension x value x window x method.

    method `derived`: the CMS-style rate of fct_stays (is_index_eligible_<n>d, is_readmitted_<n>d), one row
    set per window of readmission_window_days() (30, 60). Synthea only.
    method `reported`: the EMR extract's own Readmission flag (flagged visits / visits with the flag);
    window_days is null because the extract does not say which window its flag uses.
    method `acute_revisit`: fct_encounters.is_acute_revisit (an acute encounter starting 0..30 days after
    the previous one's STOP date) / acute encounters. Synthea only.
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

{%- set unit_columns = ['source_system', 'primary_diagnosis_key', 'ccsr_category', 'age_group', 'department',
                        'payer_category', 'gender'] -%}

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
    where {{ has_visit_history('fct_stays.source_system') }}
),

encounters as (
    select
        fct_encounters.*,
        diagnoses.ccsr_category
    from {{ ref('fct_encounters') }} as fct_encounters
    left join diagnoses
        on fct_encounters.primary_diagnosis_key = diagnoses.diagnosis_key
),

-- one shape for the three methods: per counted stay or visit, whether it is in the denominator and whether
-- it is a readmission, both flags as the facts publish them
outcomes as (
    {%- for n in readmission_window_days() %}
    select
        {{ unit_columns | join(', ') }},
        cast({{ n }} as bigint) as window_days,
        'derived' as method,
        is_index_eligible_{{ n }}d as is_counted,
        is_readmitted_{{ n }}d as is_readmission
    from stays
    union all
    {%- endfor %}
    select
        {{ unit_columns | join(', ') }},
        cast(null as bigint) as window_days,
        'reported' as method,
        true as is_counted,
        is_reported_readmission as is_readmission
    from encounters
    where is_reported_readmission is not null
    union all
    select
        {{ unit_columns | join(', ') }},
        cast({{ var('acute_revisit_days') }} as bigint) as window_days,
        'acute_revisit' as method,
        true as is_counted,
        is_acute_revisit as is_readmission
    from encounters
    where is_acute_revisit is not null
),

rates as (
    {%- for dimension, column in dimensions %}
    select
        source_system,
        '{{ dimension }}' as dimension,
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), 'unknown') as dimension_value,
        window_days,
        method,
        {{ count_if('is_counted') }} as index_stays,
        {{ count_if('is_readmission') }} as readmissions
    from outcomes
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
