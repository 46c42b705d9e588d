{#- One row per visit (encounter) of either source. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'encounter_id'], on_schema_change='fail') }}

with
{%- if is_incremental() %}
-- The encounters this run rewrites: those refreshed upstream (new, or their own values recomputed), and
-- those whose stay or acute-revisit flag changed. A new admission recomputes every stay and revisit of
-- its patient, years of them; only the few whose stay_id or is_acute_revisit differs from the row
-- already here are rewritten, so that the rows this run writes (refreshed_at) are the rows that changed
-- and the period marts recompute only the months (years) those fall in (where_periods_touched()).
recomputed as (
    select source_system, encounter_id from {{ ref('int_admissions_chained_into_stays') }} where {{ in_this_run() }}
    union
    select source_system, encounter_id from {{ ref('int_acute_encounters_windowed_for_revisit') }} where {{ in_this_run() }}
),

recomputed_values as (
    select
        recomputed.source_system,
        recomputed.encounter_id,
        chained.stay_id,
        acute.is_acute_revisit
    from recomputed
    left join (
        select source_system, encounter_id, stay_id from {{ ref('int_admissions_chained_into_stays') }}
        {{ where_in_scope(['source_system', 'encounter_id'], scope='recomputed') }}
    ) as chained
        on recomputed.source_system = chained.source_system
        and recomputed.encounter_id = chained.encounter_id
    left join (
        select source_system, encounter_id, is_acute_revisit from {{ ref('int_acute_encounters_windowed_for_revisit') }}
        {{ where_in_scope(['source_system', 'encounter_id'], scope='recomputed') }}
    ) as acute
        on recomputed.source_system = acute.source_system
        and recomputed.encounter_id = acute.encounter_id
),

-- new encounters, and those whose values differ from the row already here (EXCEPT compares nulls as equal)
changed as (
    select source_system, encounter_id, stay_id, is_acute_revisit from recomputed_values
    except
    select source_system, encounter_id, stay_id, is_acute_revisit from {{ this }}
    {{ where_in_scope(['source_system', 'encounter_id'], scope='recomputed') }}
),

scope as (
    select source_system, encounter_id from {{ ref('int_encounters_unioned') }} where {{ in_this_run() }}
    union
    select source_system, encounter_id from changed
),

-- the encounters in scope not refreshed upstream by this run (changed only here): their rows are looked up
-- in the history; usually none, a new admission seldom changes an older visit's stay or revisit flag
-- (rows_in_scope)
encounters_before as (
    {{ keys_not_written_now(['source_system', 'encounter_id'], ref('int_encounters_unioned'), of='changed') }}
),
{%- endif %}

encounters as (
    {{ rows_in_scope(ref('int_encounters_unioned'), ['source_system', 'encounter_id'], 'refreshed_at', 'encounters_before') }}
),

chained as (
    select * from {{ ref('int_admissions_chained_into_stays') }}
    {{ where_in_scope(['source_system', 'encounter_id']) }}
),

acute as (
    select * from {{ ref('int_acute_encounters_windowed_for_revisit') }}
    {{ where_in_scope(['source_system', 'encounter_id']) }}
),

final as (
    select
        encounters.source_system,
        encounters.encounter_id,
        encounters.patient_id,
        {{ dbt.concat(['encounters.source_system', "':'", 'encounters.patient_id']) }} as patient_key,
        encounters.organization_id,
        encounters.payer_id,
        chained.stay_id,
        encounters.encounter_class,
        encounters.encounter_code,
        encounters.encounter_description,
        encounters.department,
        encounters.payer_name,
        encounters.payer_category,
        encounters.reason_code,
        encounters.primary_icd10_code,
        encounters.primary_diagnosis_key,
        encounters.primary_condition_group,
        encounters.gender,
        cast(encounters.age_at_visit as bigint) as age_at_visit,
        encounters.age_group,
        encounters.start_at,
        encounters.stop_at,
        encounters.start_date,
        encounters.stop_date,
        {{ month_of('encounters.start_date') }} as start_month,
        cast({{ dbt.datediff('encounters.start_at', 'encounters.stop_at', 'second') }} as {{ type_double() }}) / 3600
            as treatment_hours,
        {{ money('encounters.total_claim_cost') }} as total_claim_cost,
        {{ money('encounters.payer_coverage') }} as payer_coverage,
        {{ money('encounters.total_claim_cost - coalesce(encounters.payer_coverage, 0)') }} as out_of_pocket,
        cast(encounters.satisfaction_score as bigint) as satisfaction_score,
        encounters.is_admission,
        encounters.is_covered,
        acute.is_acute_revisit,
        encounters.is_reported_readmission,
        encounters.is_long_running,
        {{ run_loaded_at() }} as refreshed_at
    from encounters
    left join chained
        on encounters.source_system = chained.source_system
        and encounters.encounter_id = chained.encounter_id
    left join acute
        on encounters.source_system = acute.source_system
        and encounters.encounter_id = acute.encounter_id
)

select * from final
