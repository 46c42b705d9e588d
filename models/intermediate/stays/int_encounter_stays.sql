{#- The stay and the acute-revisit flag of every admission and acute encounter, one row per visit: what
    fct_encounters publishes of int_admissions_chained_into_stays (stay_id) and
    int_acute_encounters_windowed_for_revisit (is_acute_revisit). A batch recomputes both for whole
    patients, years of visits whose values seldom change: it writes here only the visits whose stay or flag
    changed (or that are new), and fct_encounters rewrites those (batch_encounter_facts_in_scope). -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'encounter_id'], on_schema_change='fail') }}

with chained as (
    select * from {{ ref('int_admissions_chained_into_stays') }}
    {{ in_batch_scope('patient') }}
),

acute as (
    select * from {{ ref('int_acute_encounters_windowed_for_revisit') }}
    {{ in_batch_scope('patient') }}
),

joined as (
    select
        coalesce(chained.source_system, acute.source_system) as source_system,
        coalesce(chained.encounter_id, acute.encounter_id) as encounter_id,
        coalesce(chained.patient_id, acute.patient_id) as patient_id,
        chained.stay_id,
        acute.is_acute_revisit
    from chained
    full outer join acute
        on chained.source_system = acute.source_system
            and chained.encounter_id = acute.encounter_id
),

final as (
    select * from joined
    {%- if is_incremental() %}
    except  -- the visits whose values are unchanged are left as they are (EXCEPT compares nulls as equal)
    select source_system, encounter_id, patient_id, stay_id, is_acute_revisit from {{ this }}  -- noqa: LT09
    {%- endif %}
)

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
