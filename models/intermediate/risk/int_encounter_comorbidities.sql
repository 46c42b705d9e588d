{#- The comorbidities of every visit under two code sets, and the scores built on them:
    - Charlson: the ICD-10 coding algorithm of Quan et al. 2005 (seed charlson_icd10_codes, code prefixes)
      with Charlson's original weights (seed charlson_comorbidities): charlson_index;
    - Elixhauser: AHRQ's Elixhauser Comorbidity Software Refined for ICD-10-CM v2026.1 (seed
      elixhauser_icd10_codes, full codes; seed elixhauser_comorbidities): elixhauser_count and AHRQ's
      readmission and mortality index scores.
    The diagnoses that count (the look-back, var charlson_lookback_days): EMR, the visit's own primary and
    two secondary codes (the extract has no visit history); Synthea, every diagnosis of the patient
    (encounter reasons and the conditions file) with onset on or before the visit's date and less than 365
    days before it. A diagnosis recorded by then was present on admission, so the Elixhauser measures AHRQ
    assigns only from diagnoses present on admission count too (there is no POA indicator to read).
    The hierarchy, one rule for both sets: a comorbidity does not count when the comorbidity overriding it
    counts, that is, is present and not itself overridden by a present one (Elixhauser's longest chain is
    metastatic cancer -> solid tumour -> in situ; Charlson's chains have one step). Each comorbidity counts
    once. charlson_comorbidities and elixhauser_comorbidities list those that count. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'encounter_id'], on_schema_change='fail') }}

{%- set lookback_days = var('charlson_lookback_days') -%}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
    {{ in_batch_scope('encounter') }}
),

diagnoses as (
    select * from {{ ref('int_encounter_diagnoses') }}
),

charlson_codes as (
    {{ icd10_prefix_lookup('diagnoses', 'icd10_code', 'charlson_icd10_codes', 'comorbidity') }}
),

elixhauser_codes as (
    select * from {{ ref('elixhauser_icd10_codes') }}
),

charlson_rules as (
    select * from {{ ref('charlson_comorbidities') }}
),

elixhauser_rules as (
    select * from {{ ref('elixhauser_comorbidities') }}
),

-- the two code sets in one shape: what a code maps to, and each comorbidity's overrider and weights
code_map as (
    select
        'charlson' as code_set,
        icd10_code,
        comorbidity
    from charlson_codes
    union all
    select
        'elixhauser' as code_set,
        icd10_code,
        comorbidity
    from elixhauser_codes
),

rules as (
    select
        'charlson' as code_set,
        comorbidity,
        overridden_by,
        weight as charlson_weight,
        0 as readmission_weight,
        0 as mortality_weight
    from charlson_rules
    union all
    select
        'elixhauser' as code_set,
        comorbidity,
        overridden_by,
        0 as charlson_weight,
        readmission_weight,
        mortality_weight
    from elixhauser_rules
),

-- the diagnoses that name a comorbidity, one row per lookup key (an EMR visit; a patient of any other
-- source), onset day and comorbidity: a patient's many diagnoses shrink to the few that count before they
-- meet the patient's visits
diagnosed_comorbidities as (
    select distinct
        diagnoses.source_system,
        case when diagnoses.source_system = 'emr' then diagnoses.encounter_id else diagnoses.patient_id end
            as lookup_key,
        diagnoses.onset_date,
        code_map.code_set,
        code_map.comorbidity
    from diagnoses
    inner join code_map
        on diagnoses.icd10_code = code_map.icd10_code
),

-- the look-back: one row per visit, code set and comorbidity present. An EMR visit has its own codes
-- (linked by the visit); a visit of any other source the patient's diagnoses with onset in the window
present as (
    select distinct
        encounters.source_system,
        encounters.encounter_id,
        diagnosed_comorbidities.code_set,
        diagnosed_comorbidities.comorbidity
    from encounters
    inner join diagnosed_comorbidities
        on encounters.source_system = diagnosed_comorbidities.source_system
            and case when encounters.source_system = 'emr' then encounters.encounter_id else encounters.patient_id end
            = diagnosed_comorbidities.lookup_key
    where encounters.source_system = 'emr'
        or (
            diagnosed_comorbidities.onset_date <= encounters.start_date
            and diagnosed_comorbidities.onset_date > {{ dbt.dateadd('day', -lookback_days, 'encounters.start_date') }}
        )
),

present_with_rules as (
    select
        present.source_system,
        present.encounter_id,
        present.code_set,
        present.comorbidity,
        rules.overridden_by,
        rules.charlson_weight,
        rules.readmission_weight,
        rules.mortality_weight
    from present
    inner join rules
        on present.code_set = rules.code_set
            and present.comorbidity = rules.comorbidity
),

-- an overrider that counts: present, and its own overrider absent
overriders_counting as (
    select
        overrider.source_system,
        overrider.encounter_id,
        overrider.code_set,
        overrider.comorbidity
    from present_with_rules as overrider
    left join present as above
        on overrider.source_system = above.source_system
            and overrider.encounter_id = above.encounter_id
            and overrider.code_set = above.code_set
            and overrider.overridden_by = above.comorbidity
    where above.comorbidity is null
),

counted as (
    select present_with_rules.*
    from present_with_rules
    left join overriders_counting
        on present_with_rules.source_system = overriders_counting.source_system
            and present_with_rules.encounter_id = overriders_counting.encounter_id
            and present_with_rules.code_set = overriders_counting.code_set
            and present_with_rules.overridden_by = overriders_counting.comorbidity
    where overriders_counting.comorbidity is null
),

scored as (
    select
        source_system,
        encounter_id,
        sum(charlson_weight) as charlson_index,
        {{ sorted_text_list("case when code_set = 'charlson' then comorbidity end", "','") }}
            as charlson_comorbidities,
        sum(case when code_set = 'elixhauser' then 1 else 0 end) as elixhauser_count,
        sum(readmission_weight) as elixhauser_readmission_index,
        sum(mortality_weight) as elixhauser_mortality_index,
        {{ sorted_text_list("case when code_set = 'elixhauser' then comorbidity end", "','") }}
            as elixhauser_comorbidities
    from counted
    group by source_system, encounter_id
),

final as (
    select
        encounters.source_system,
        encounters.encounter_id,
        encounters.patient_id,
        cast(coalesce(scored.charlson_index, 0) as bigint) as charlson_index,
        scored.charlson_comorbidities,
        cast(coalesce(scored.elixhauser_count, 0) as bigint) as elixhauser_count,
        cast(coalesce(scored.elixhauser_readmission_index, 0) as bigint) as elixhauser_readmission_index,
        cast(coalesce(scored.elixhauser_mortality_index, 0) as bigint) as elixhauser_mortality_index,
        scored.elixhauser_comorbidities
    from encounters
    left join scored
        on encounters.source_system = scored.source_system
            and encounters.encounter_id = scored.encounter_id
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
