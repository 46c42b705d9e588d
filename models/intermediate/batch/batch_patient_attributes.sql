{#- The birth date, death date and gender of every Synthea patient as the warehouse last computed them.
    A batch writes the patients new in patients.csv and those whose attributes changed, stamped with
    refreshed_at; was_known tells the second kind (their visits are recomputed: batch_encounters_in_scope).
    A full build writes every patient, none of them known. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key='patient_id', on_schema_change='fail') }}

with patients as (
    select
        patient_id,
        birth_date,
        death_date,
        gender
    from {{ ref('int_history_patients') }}
),

{%- if is_incremental() %}

written as (
    select * from patients
    except
    select patient_id, birth_date, death_date, gender from {{ this }}  -- noqa: LT09
),

final as (
    select
        written.*,
        written.patient_id in (select known.patient_id from {{ this }} as known) as was_known
    from written
)
{%- else %}

final as (
    select
        patients.*,
        false as was_known
    from patients
)
{%- endif %}

select
    final.*,
    {{ run_loaded_at() }} as refreshed_at
from final
