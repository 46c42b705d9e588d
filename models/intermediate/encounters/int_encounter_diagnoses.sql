{#- Every diagnosis attached to an encounter, one row each: the Synthea encounter's REASONCODE, the rows of
    the optional conditions file (attached to the encounter they name, with their onset date), and the
    EMR visit's primary and two secondary ICD-10-CM codes. SNOMED codes are mapped to ICD-10-CM through
    seed snomed_to_icd10 (unmapped: icd10_code null). Each row carries its chronic condition group and
    infection type, by ICD-10-CM prefix. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'encounter_id'], on_schema_change='fail') }}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
    {{ in_batch_scope('encounter') }}
),

conditions as (
    {{ batch_rows(ref('int_history_conditions')) }}
),

snomed_to_icd10 as (
    select * from {{ ref('snomed_to_icd10') }}
),

emr_visits as (
    {{ batch_rows(ref('stg_emr__visits'), 'visit_id') }}
),

history_reasons as (
    select
        source_system,
        encounter_id,
        patient_id,
        'encounter_reason' as diagnosis_source,
        reason_code as source_code,
        'SNOMED-CT' as code_system,
        start_date as onset_date
    from encounters
    where {{ has_visit_history('source_system') }}
        and reason_code is not null
),

history_conditions as (
    select
        source_system,
        encounter_id,
        patient_id,
        'condition' as diagnosis_source,
        condition_code as source_code,
        condition_code_system as code_system,
        start_date as onset_date
    from conditions
),

emr_diagnoses as (
    {%- for column, label in [('primary_icd10_code', 'emr_primary'),
                              ('secondary_icd10_code_1', 'emr_secondary_1'),
                              ('secondary_icd10_code_2', 'emr_secondary_2')] %}
    select
        source_system,
        visit_id as encounter_id,
        patient_id,
        '{{ label }}' as diagnosis_source,
        {{ column }} as source_code,
        'ICD-10-CM' as code_system,
        visit_date as onset_date
    from emr_visits
    where {{ column }} is not null
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

unioned as (
    select * from history_reasons
    union all
    select * from history_conditions
    union all
    select * from emr_diagnoses
),

-- joined on the code alone (a hash join; with the code system in the join condition it was a nested
-- loop): snomed_code is unique, so no row is repeated, and an ICD-10-CM row keeps its own code
mapped as {{ cte_not_materialized() }} (
    select
        unioned.*,
        case
            when unioned.code_system = 'ICD-10-CM' then unioned.source_code
            when unioned.code_system = 'SNOMED-CT' then snomed_to_icd10.icd10_code
        end as icd10_code  -- a code of another system is kept, unmapped
    from unioned
    left join snomed_to_icd10
        on unioned.source_code = snomed_to_icd10.snomed_code
),

condition_groups as (
    {{ icd10_prefix_lookup('mapped', 'icd10_code', 'chronic_condition_groups', 'condition_group') }}
),

infection_types as (
    {{ icd10_prefix_lookup('mapped', 'icd10_code', 'infection_codes', 'infection_type') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat(['mapped.encounter_id', "'|'", 'mapped.diagnosis_source', "'|'", 'mapped.source_code',
                                "'|'", dbt.cast('mapped.onset_date', dbt.type_string())])) }} as diagnosis_id,
        mapped.source_system,
        mapped.encounter_id,
        mapped.patient_id,
        mapped.diagnosis_source,
        mapped.code_system,
        mapped.source_code,
        mapped.icd10_code,
        condition_groups.condition_group,
        infection_types.infection_type,
        mapped.onset_date,
        mapped.icd10_code is not null as is_mapped
    from mapped
    left join condition_groups
        on mapped.icd10_code = condition_groups.icd10_code
    left join infection_types
        on mapped.icd10_code = infection_types.icd10_code
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
