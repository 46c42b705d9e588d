{#- One row per diagnosis key used by either source: an ICD-10-CM code, `unmapped` (a SNOMED reason with no
    mapping) or `none` (no stated reason). A conformed dimension shared by both sources
    (source_system = 'all'). The official code sets (seed icd10cm_codes) give a code's description (ICD-10-CM
    2024), CCSR category and CCIR chronic indicator; seed ccsr_categories the category's name. A code not in the 2024 release (the EMR extracts' M54.5,
    split into M54.50/51/59 in 2021) keeps its key, is_valid_icd10cm false, and takes the description of its
    nearest parent in the release when there is one (else its text in an earlier release, as CCIR lists it). -#}

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

code_sets as (
    select * from {{ ref('icd10cm_codes') }}
),

ccsr_categories as (
    select * from {{ ref('ccsr_categories') }}
),

-- the nearest code of the 2024 release that a key starts with (its parent: M54.5 -> M54): on the distinct keys
parents as (
    select
        diagnosis_key,
        parent_code
    from (
        select
            keys.diagnosis_key,
            code_sets.icd10_code as parent_code,
            row_number() over (partition by keys.diagnosis_key order by length(code_sets.icd10_code) desc) as nearness
        from keys
        inner join code_sets
            on {{ starts_with('keys.diagnosis_key', 'code_sets.icd10_code') }}
                and length(code_sets.icd10_code) < length(keys.diagnosis_key)
                and code_sets.in_icd10cm_2024
    ) as candidates
    where nearness = 1
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
            else coalesce(
                    case when official.in_icd10cm_2024 then official.description end,
                    parent.description,
                    official.description,
                    descriptions.icd10_description
                )
        end as diagnosis_description,
        case when keys.diagnosis_key not in ('unmapped', 'none') then left(keys.diagnosis_key, 1) end as icd10_chapter_letter,
        condition_groups.condition_group,
        infection_types.infection_type,
        coalesce(official.ccsr_category, parent.ccsr_category) as ccsr_category,
        ccsr_categories.ccsr_category_description as ccsr_description,
        -- the body system: the category's first three letters (CIR circulatory, RSP respiratory, ...)
        substring(coalesce(official.ccsr_category, parent.ccsr_category), 1, 3) as ccsr_body_system,
        case official.ccir_chronic_indicator when 1 then true when 0 then false end as is_chronic,
        case
            when keys.diagnosis_key not in ('unmapped', 'none') then coalesce(official.in_icd10cm_2024, false)
        end as is_valid_icd10cm
    from keys
    left join descriptions
        on keys.diagnosis_key = descriptions.icd10_code
    left join code_sets as official
        on keys.diagnosis_key = official.icd10_code
    left join parents
        on keys.diagnosis_key = parents.diagnosis_key
    left join code_sets as parent
        on parents.parent_code = parent.icd10_code
    left join condition_groups
        on keys.diagnosis_key = condition_groups.icd10_code
    left join infection_types
        on keys.diagnosis_key = infection_types.icd10_code
    left join ccsr_categories
        on coalesce(official.ccsr_category, parent.ccsr_category) = ccsr_categories.ccsr_category
)

select * from final
