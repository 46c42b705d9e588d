{#- EMR visits in the shape of an encounter. The extract has dates but no times, so:
    - a visit with Length of Stay >= 1 is an admission (class inpatient) and later its own stay;
    - otherwise its class is emergency in the Emergency department, else ambulatory;
    - start_at is midnight of the visit date, stop_at is unknown (null); stop_date is the discharge date,
      or the visit date plus the length of stay when the discharge date is missing or untrustworthy.
    Payer coverage is Total Cost x Insurance Coverage Percentage / 100. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key='encounter_id', on_schema_change='fail') }}

with visits as (
    {{ batch_rows(ref('stg_emr__visits'), 'visit_id') }}
),

age_groups as (
    select * from {{ ref('age_groups') }}
),

planned_codes as (
    select code from {{ ref('planned_readmission_codes') }}
    where code_system = 'ICD-10-CM'
),

classified as (
    select
        visits.*,
        case
            when coalesce(visits.length_of_stay_days, 0) >= 1 then 'inpatient'
            when visits.department = 'Emergency' then 'emergency'
            else 'ambulatory'
        end as encounter_class,
        cast(visits.total_cost * visits.insurance_coverage_pct / 100 as decimal(18, 2)) as payer_coverage,
        planned_codes.code is not null as has_planned_code
    from visits
    left join planned_codes
        on visits.primary_icd10_code = planned_codes.code
),

primary_condition_groups as (
    {{ icd10_prefix_lookup('classified', 'primary_icd10_code', 'chronic_condition_groups', 'condition_group') }}
),

final as (
    select
        classified.source_system,
        classified.visit_id as encounter_id,
        classified.patient_id,
        cast(null as {{ dbt.type_string() }}) as organization_id,
        -- the extract names a payer category, not a payer: it is the payer key (dim_payers lists them)
        {{ dbt.concat(["'emr:'", 'classified.payer_category']) }} as payer_id,
        classified.encounter_class,
        classified.procedure_code as encounter_code,
        cast(null as {{ dbt.type_string() }}) as encounter_description,
        cast(null as {{ dbt.type_string() }}) as reason_code,
        cast(null as {{ dbt.type_string() }}) as reason_description,
        classified.primary_icd10_code,
        coalesce(classified.primary_icd10_code, 'none') as primary_diagnosis_key,
        primary_condition_groups.condition_group as primary_condition_group,
        classified.department,
        classified.payer_category as payer_name,
        classified.payer_category,
        classified.gender,
        classified.age_at_visit,
        age_groups.age_group,
        {{ dbt.cast('classified.visit_date', dbt.type_timestamp()) }} as start_at,
        cast(null as {{ dbt.type_timestamp() }}) as stop_at,
        classified.visit_date as start_date,
        coalesce(
            classified.discharge_date,
            {{ dbt.cast(dbt.dateadd('day', 'coalesce(classified.length_of_stay_days, 0)', 'classified.visit_date'), 'date') }}
        ) as stop_date,
        cast(null as date) as patient_birth_date,
        cast(null as date) as patient_death_date,
        classified.length_of_stay_days as reported_los_days,
        classified.total_cost as total_claim_cost,
        classified.payer_coverage,
        classified.satisfaction_score,
        classified.encounter_class in {{ sql_list(var('admission_classes')) }} as is_admission,
        coalesce(classified.payer_coverage, 0) > 0 as is_covered,
        classified.has_planned_code,
        false as has_planned_procedure,
        classified.is_reported_readmission,
        false as is_long_running
    from classified
    left join primary_condition_groups
        on classified.primary_icd10_code = primary_condition_groups.icd10_code
    left join age_groups
        on classified.age_at_visit between age_groups.min_age and age_groups.max_age
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
