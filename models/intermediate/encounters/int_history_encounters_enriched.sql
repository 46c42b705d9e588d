{#- The encounters of the sources with a visit history (Synthea CSV, FHIR: int_history_encounters) with
    everything the KPIs need about a visit, resolved once: the patient's birth, death and gender, age at the visit and its group, the payer's category, the reason code mapped to
    ICD-10-CM, the department (first matching rule of seed department_rules) and the planned-care
    flags.

    The department rules are read from the seed when the model compiles and become one CASE expression
    (first matching rule wins): a single pass over the encounters, where joining every encounter to every
    rule and ranking the matches ran out of memory at 10 million encounters. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'encounter_id'], on_schema_change='fail') }}
{%- set rules_relation = ref('department_rules') -%}
{%- set rules = run_query("select department, encounter_class, icd10_prefix, encounter_code, min_age, max_age from "
                          ~ rules_relation ~ " order by priority").rows if execute else [] -%}

with encounters as (
    {{ batch_rows(ref('int_history_encounters')) }}
),

patients as (
    select * from {{ ref('int_history_patients') }}
),

payers as (
    select * from {{ ref('int_history_payers') }}
),

procedures as (
    {{ batch_rows(ref('int_history_procedures')) }}
),

snomed_to_icd10 as (
    select * from {{ ref('snomed_to_icd10') }}
),

payer_categories as (
    select * from {{ ref('payer_categories') }}
),

age_groups as (
    select * from {{ ref('age_groups') }}
),

-- the chronic group of every ICD-10-CM code a reason can map to
primary_condition_groups as (
    {{ icd10_prefix_lookup('snomed_to_icd10', 'icd10_code', 'chronic_condition_groups', 'condition_group') }}
),

planned_codes as (
    select code from {{ ref('planned_readmission_codes') }}
    where code_system = 'SNOMED-CT'
),

planned_procedures as (
    select
        procedures.source_system,
        procedures.encounter_id,
        count(*) as planned_procedure_count
    from procedures
    inner join planned_codes
        on procedures.procedure_code = planned_codes.code
    group by procedures.source_system, procedures.encounter_id
),

joined as (
    select
        encounters.*,
        patients.birth_date as patient_birth_date,
        patients.death_date as patient_death_date,
        patients.gender as patient_gender,
        payers.payer_name,
        coalesce(payer_categories.payer_category, case when encounters.payer_id is not null then 'Other' end)
            as payer_category,
        snomed_to_icd10.icd10_code as primary_icd10_code,
        {{ age_in_years('patients.birth_date', dbt.cast('encounters.start_at', 'date')) }} as age_at_visit,
        planned_encounter_codes.code is not null or planned_reason_codes.code is not null as has_planned_code,
        coalesce(planned_procedures.planned_procedure_count, 0) > 0 as has_planned_procedure
    from encounters
    left join patients
        on encounters.source_system = patients.source_system
            and encounters.patient_id = patients.patient_id
    left join payers
        on encounters.source_system = payers.source_system
            and encounters.payer_id = payers.payer_id
    left join payer_categories
        on payers.payer_name = payer_categories.payer_name
    left join snomed_to_icd10
        on encounters.reason_code = snomed_to_icd10.snomed_code
    left join planned_procedures
        on encounters.source_system = planned_procedures.source_system
            and encounters.encounter_id = planned_procedures.encounter_id
    left join planned_codes as planned_encounter_codes
        on encounters.encounter_code = planned_encounter_codes.code
    left join planned_codes as planned_reason_codes
        on encounters.reason_code = planned_reason_codes.code
),

final as (
    select
        joined.source_system,
        joined.encounter_id,
        joined.patient_id,
        joined.organization_id,
        joined.payer_id,
        joined.encounter_class,
        joined.encounter_code,
        joined.encounter_description_clean as encounter_description,
        joined.reason_code,
        joined.reason_description,
        joined.primary_icd10_code,
        case
            when joined.primary_icd10_code is not null then joined.primary_icd10_code
            when joined.reason_code is not null then 'unmapped'
            else 'none'
        end as primary_diagnosis_key,
        primary_condition_groups.condition_group as primary_condition_group,
        -- noqa: disable=LT02
        case
            {%- for department, encounter_class, icd10_prefix, encounter_code, min_age, max_age in rules %}
            {%- set conditions = [] %}
            {%- if encounter_class is not none %}{% do conditions.append("joined.encounter_class = " ~ sql_string(encounter_class)) %}{% endif %}
            {%- if icd10_prefix is not none %}{% do conditions.append(starts_with('joined.primary_icd10_code', sql_string(icd10_prefix))) %}{% endif %}
            {%- if encounter_code is not none %}{% do conditions.append("joined.encounter_code = " ~ sql_string(encounter_code)) %}{% endif %}
            {%- if min_age is not none %}{% do conditions.append("joined.age_at_visit >= " ~ min_age) %}{% endif %}
            {%- if max_age is not none %}{% do conditions.append("joined.age_at_visit <= " ~ max_age) %}{% endif %}
            when {{ conditions | join(' and ') if conditions else 'true' }} then {{ sql_string(department) }}
            {%- endfor %}
        end as department,
        -- noqa: enable=LT02
        joined.payer_name,
        joined.payer_category,
        joined.patient_gender as gender,
        joined.age_at_visit,
        age_groups.age_group,
        joined.start_at,
        joined.stop_at,
        {{ dbt.cast('joined.start_at', 'date') }} as start_date,
        {{ dbt.cast('joined.stop_at', 'date') }} as stop_date,
        joined.patient_birth_date,
        joined.patient_death_date,
        cast(null as integer) as reported_los_days,
        joined.total_claim_cost,
        joined.payer_coverage,
        cast(null as integer) as satisfaction_score,
        joined.encounter_class in {{ sql_list(var('admission_classes')) }} as is_admission,
        coalesce(joined.payer_coverage, 0) > 0 as is_covered,
        joined.has_planned_code,
        joined.has_planned_procedure,
        cast(null as boolean) as is_reported_readmission,
        joined.is_long_running
    from joined
    left join primary_condition_groups
        on joined.primary_icd10_code = primary_condition_groups.icd10_code
    left join age_groups
        on joined.age_at_visit between age_groups.min_age and age_groups.max_age
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
