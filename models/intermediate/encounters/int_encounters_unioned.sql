{#- The two sources meet here, once: every visit of either export in one shape (one row per encounter),
    with source_system telling them apart. Downstream models never read staging again.
    A view over the two enriched tables: another stored copy of every visit is a large share of a full
    build's writing; each row keeps the refreshed_at of the enriched row, so incremental models
    downstream take the visits an incremental run recomputed exactly as before. -#}
{{ config(materialized='view') }}

{#- one list for both arms: the union matches the columns by name, not by their order in each model -#}
{%- set columns = [
    'source_system', 'encounter_id', 'patient_id', 'organization_id', 'payer_id', 'encounter_class',
    'encounter_code', 'encounter_description', 'reason_code', 'reason_description', 'primary_icd10_code',
    'primary_diagnosis_key', 'primary_condition_group', 'department', 'payer_name', 'payer_category',
    'gender', 'age_at_visit', 'age_group', 'start_at', 'stop_at', 'start_date', 'stop_date',
    'patient_birth_date', 'patient_death_date', 'reported_los_days', 'total_claim_cost', 'payer_coverage',
    'satisfaction_score', 'is_admission', 'is_covered', 'has_planned_code', 'has_planned_procedure',
    'is_reported_readmission', 'is_long_running', 'refreshed_at'
] -%}

with unioned as (
    select
        {{ columns | join(',\n        ') }}
    from {{ ref('int_history_encounters_enriched') }}
    union all
    select
        {{ columns | join(',\n        ') }}
    from {{ ref('int_emr_visits_enriched') }}
)

select * from unioned
