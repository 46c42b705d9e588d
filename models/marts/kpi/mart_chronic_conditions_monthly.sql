{#- Chronic-condition trends per source, condition group and month (visit start): visits with a diagnosis
    of the group (the encounter's reason, a condition of the conditions file attached to it, or an EMR
    primary or secondary diagnosis) and the distinct patients of those visits. Beside the groups of seed
    chronic_condition_groups, the group `any_chronic_ccir`: visits with any diagnosis AHRQ's Chronic
    Condition Indicator Refined calls chronic (seed icd10cm_codes). -#}

{{ config(materialized=history_materialization(), incremental_strategy='delete+insert',
          unique_key=['source_system', 'month_start'], on_schema_change='fail') }}

with diagnoses as (
    select * from {{ ref('int_encounter_diagnoses') }}
),

chronic_codes as (
    select icd10_code from {{ ref('icd10cm_codes') }}
    where ccir_chronic_indicator = 1
),

grouped_diagnoses as (
    select
        source_system,
        encounter_id,
        condition_group
    from diagnoses
    where condition_group is not null
    union all
    select
        diagnoses.source_system,
        diagnoses.encounter_id,
        'any_chronic_ccir' as condition_group
    from diagnoses
    inner join chronic_codes
        on diagnoses.icd10_code = chronic_codes.icd10_code
),

encounters as (
    select * from {{ ref('fct_encounters') }}
    {{ in_batch_scope('month', key='start_month') }}
),

visit_groups as (
    select distinct
        grouped_diagnoses.source_system,
        grouped_diagnoses.condition_group,
        encounters.encounter_id,
        encounters.patient_id,
        encounters.start_month
    from grouped_diagnoses
    inner join encounters
        on grouped_diagnoses.source_system = encounters.source_system
            and grouped_diagnoses.encounter_id = encounters.encounter_id
),

cells as (
    select
        source_system,
        condition_group,
        start_month as month_start,
        count(*) as visits,
        count(distinct patient_id) as patients
    from visit_groups
    group by 1, 2, 3
),

final as (
    select
        source_system,
        condition_group,
        month_start,
        {{ small_cell('visits') }} as visits,
        {{ small_cell('patients') }} as patients,
        {{ small_cell_flag(['visits', 'patients']) }} as suppressed
    from cells
)

select * from final
