{#
  The check every child row of an encounter (procedure, condition, observation) must pass: its
  ENCOUNTER is a clean encounter, of the same patient. Written once here for the three base models.

  link_to_clean_encounters(from_cte) emits two CTEs: `clean_encounters`, and `linked` (from_cte plus
  has_known_encounter and encounter_patient_id). encounter_link_rejections() gives the two quarantine
  rules for row_status_ctes: orphan_encounter, encounter_patient_mismatch.

  The clean encounters sit on the left of a right join: in an incremental run DuckDB's
  build_side_probe_side optimizer is off (batch_join_sides, macros/incremental.sql) and the right side,
  the file's rows, is the one hashed, while the ten million clean encounters probe it (procedures of a 1%
  batch at 10M: a 1.9 s join hashing the encounters became 0.2 s). A full build lets the optimizer choose.
#}
{% macro link_to_clean_encounters(from_cte) -%}
clean_encounters as (
    select encounter_id, patient_id from {{ ref('base_synthea__encounters') }} where row_status = 'clean'
),

linked as {{ cte_not_materialized() }} (
    select
        {{ from_cte }}.*,
        clean_encounters.encounter_id is not null as has_known_encounter,
        clean_encounters.patient_id as encounter_patient_id
    from clean_encounters
    right join {{ from_cte }}
        on {{ from_cte }}.encounter_id = clean_encounters.encounter_id
)
{%- endmacro %}


{% macro encounter_link_rejections() %}
  {{ return([
      ('not has_known_encounter', 'orphan_encounter'),
      ('patient_id is distinct from encounter_patient_id', 'encounter_patient_mismatch'),
  ]) }}
{% endmacro %}
