{#- AHRQ's Elixhauser comorbidity measures (Elixhauser Comorbidity Software Refined for ICD-10-CM v2026.1) of
    every visit, with AHRQ's readmission and mortality index scores. The diagnoses that count are Charlson's
    (macro comorbidities_at_visit, shared with int_encounter_charlson): EMR, the visit's own primary and two
    secondary codes; Synthea, every diagnosis of the patient with onset on or before the visit's date and no
    more than var charlson_lookback_days before it. A diagnosis recorded by then was present on admission, so
    the measures AHRQ assigns only from diagnoses present on admission count too (there is no POA indicator
    to read). A code matches the seed elixhauser_icd10_codes exactly (AHRQ lists full codes). Each measure
    counts once; under the hierarchy of seed elixhauser_comorbidities a measure does not count when the
    measure overriding it counts (metastatic cancer drops solid tumour, which then no longer drops in situ).
    comorbidities lists those that count. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'encounter_id'], on_schema_change='fail') }}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
    {{ in_batch_scope('encounter') }}
),

diagnoses as (
    select * from {{ ref('int_encounter_diagnoses') }}
),

code_measures as (
    select * from {{ ref('elixhauser_icd10_codes') }}
),

measures as (
    select * from {{ ref('elixhauser_comorbidities') }}
),

present as (
    {{ comorbidities_at_visit('encounters', 'diagnoses', 'code_measures') }}
),

-- a measure that counts: present, and no measure overriding it counts (the overrider is present and not
-- itself overridden by a present measure; the longest chain is metastatic -> solid tumour -> in situ)
present_with_rules as (
    select
        present.source_system,
        present.encounter_id,
        present.comorbidity,
        measures.overridden_by,
        measures.readmission_weight,
        measures.mortality_weight
    from present
    inner join measures
        on present.comorbidity = measures.comorbidity
),

overriders_counting as (
    select
        overrider.source_system,
        overrider.encounter_id,
        overrider.comorbidity
    from present_with_rules as overrider
    left join present as above
        on overrider.source_system = above.source_system
            and overrider.encounter_id = above.encounter_id
            and overrider.overridden_by = above.comorbidity
    where above.comorbidity is null
),

counted as (
    select
        present_with_rules.source_system,
        present_with_rules.encounter_id,
        present_with_rules.comorbidity,
        present_with_rules.readmission_weight,
        present_with_rules.mortality_weight
    from present_with_rules
    left join overriders_counting
        on present_with_rules.source_system = overriders_counting.source_system
            and present_with_rules.encounter_id = overriders_counting.encounter_id
            and present_with_rules.overridden_by = overriders_counting.comorbidity
    where overriders_counting.comorbidity is null
),

scored as (
    select
        source_system,
        encounter_id,
        count(*) as elixhauser_count,
        sum(readmission_weight) as elixhauser_readmission_index,
        sum(mortality_weight) as elixhauser_mortality_index,
        {{ dbt.listagg('comorbidity', "','", 'order by comorbidity') }} as elixhauser_comorbidities
    from counted
    group by source_system, encounter_id
),

final as (
    select
        encounters.source_system,
        encounters.encounter_id,
        encounters.patient_id,
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
