{#- The Charlson comorbidity index of every visit (Quan et al. 2005 ICD-10 coding algorithm, Charlson's
    original weights). The diagnoses that count: EMR, the visit's own primary and two secondary codes (the
    extract has no visit history); Synthea, every diagnosis of the patient (encounter reasons and the
    conditions file) with onset on or before the visit's date and no more than var charlson_lookback_days
    (365) days before it (macro comorbidities_at_visit, shared with int_encounter_elixhauser). Each
    comorbidity counts once; under the hierarchy rules of seed charlson_comorbidities the milder one does
    not count when the more severe one is present.
    comorbidities lists those that count, by key. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'encounter_id'], on_schema_change='fail') }}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
    {{ in_batch_scope('encounter') }}
),

diagnoses as (
    select * from {{ ref('int_encounter_diagnoses') }}
),

comorbidities as (
    select * from {{ ref('charlson_comorbidities') }}
),

code_comorbidities as (
    {{ icd10_prefix_lookup('diagnoses', 'icd10_code', 'charlson_icd10_codes', 'comorbidity') }}
),

present as (
    {{ comorbidities_at_visit('encounters', 'diagnoses', 'code_comorbidities') }}
),

counted as (
    select
        present.source_system,
        present.encounter_id,
        present.comorbidity,
        comorbidities.weight
    from present
    inner join comorbidities
        on present.comorbidity = comorbidities.comorbidity
    left join present as severe
        on present.source_system = severe.source_system
            and present.encounter_id = severe.encounter_id
            and comorbidities.overridden_by = severe.comorbidity
    where severe.comorbidity is null
),

scored as (
    select
        source_system,
        encounter_id,
        sum(weight) as charlson_index,
        {{ dbt.listagg('comorbidity', "','", 'order by comorbidity') }} as comorbidities
    from counted
    group by source_system, encounter_id
),

final as (
    select
        encounters.source_system,
        encounters.encounter_id,
        encounters.patient_id,
        cast(coalesce(scored.charlson_index, 0) as bigint) as charlson_index,
        scored.comorbidities
    from encounters
    left join scored
        on encounters.source_system = scored.source_system
            and encounters.encounter_id = scored.encounter_id
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
