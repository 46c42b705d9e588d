{#- One row per diagnosis key used by either source: an ICD-10-CM code, `unmapped` (a SNOMED reason with no
    mapping) or `none` (no stated reason). A conformed dimension shared by both sources
    (source_system = 'all'). -#}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
),

diagnoses as (
    select * from {{ ref('int_encounter_diagnoses') }}
),

snomed_to_icd10 as (
    select * from {{ ref('snomed_to_icd10') }}
),

descriptions as (
    select
        icd10_code,
        min(icd10_description) as icd10_description
    from snomed_to_icd10
    group by icd10_code
),

keys as (
    select primary_diagnosis_key as diagnosis_key from encounters
    union
    select icd10_code from diagnoses
    where icd10_code is not null
    union
    select 'unmapped'
    union
    select 'none'
),

condition_groups as (
    {{ icd10_prefix_lookup('keys', 'diagnosis_key', 'chronic_condition_groups', 'condition_group') }}
),

infection_types as (
    {{ icd10_prefix_lookup('keys', 'diagnosis_key', 'infection_codes', 'infection_type') }}
),

final as (
    select
        'all' as source_system,
        keys.diagnosis_key,
        case when keys.diagnosis_key not in ('unmapped', 'none') then keys.diagnosis_key end as icd10_code,
        case keys.diagnosis_key
            when 'unmapped' then 'Reason code with no ICD-10-CM mapping'
            when 'none' then 'No stated reason'
            else descriptions.icd10_description
        end as diagnosis_description,
        case when keys.diagnosis_key not in ('unmapped', 'none') then left(keys.diagnosis_key, 1) end as icd10_chapter_letter,
        condition_groups.condition_group,
        infection_types.infection_type
    from keys
    left join descriptions
        on keys.diagnosis_key = descriptions.icd10_code
    left join condition_groups
        on keys.diagnosis_key = condition_groups.icd10_code
    left join infection_types
        on keys.diagnosis_key = infection_types.icd10_code
)

select * from final
