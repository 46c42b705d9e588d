{#
  The check every child row of an encounter (procedure, condition, observation) must pass: its
  ENCOUNTER is a clean encounter, of the same patient. Written once here for the three base models.

  link_to_clean_encounters(from_cte) is the body of the model's `linked` CTE: every row of from_cte with
  has_known_encounter (its ENCOUNTER is among the clean encounters, a `with` of its own, of
  base_synthea__encounters, or of the model named by encounters_model: base_fhir__encounters) and
  has_encounter_of_patient (that encounter is of its PATIENT).
  encounter_link_rejections() gives the two quarantine rules for row_status: orphan_encounter,
  encounter_patient_mismatch.

#}
{% macro link_to_clean_encounters(from_cte, encounters_model='base_synthea__encounters') -%}
{%- set encounters = ref(encounters_model) -%}
{%- if is_incremental() %}
with encounters_now as (
    select encounter_id, patient_id, row_status, rejection_reason from {{ encounters }}
    where {{ in_this_run('loaded_at') }}
),

-- the clean encounters of this run, and those of earlier runs that the file's rows name. An encounter
-- row of this run that is neither a copy of a row loaded before ('duplicate') nor a key in conflict
-- carries an id no earlier run loaded (row_status checks every key against the history, and the
-- conflict rule comes right after the missing-id rule in base_synthea__encounters), so only the other
-- ids are looked up in the history: usually none, and DuckDB then skips the history's ten million rows
clean_encounters as (
    select encounter_id, patient_id from encounters_now where row_status = 'clean'
    union all
    select encounter_id, patient_id from {{ encounters }}
    where row_status = 'clean' and not ({{ in_this_run('loaded_at') }})
        and encounter_id in (
            select encounter_id from {{ from_cte }}
            except
            select encounter_id from encounters_now
            where row_status <> 'duplicate' and rejection_reason is distinct from 'conflicting_duplicate_key'
        )
)
{%- else %}
with clean_encounters as (
    select encounter_id, patient_id from {{ encounters }} where row_status = 'clean'
)
{%- endif %}

{%- set encounter = [from_cte ~ '.encounter_id'] -%}
{%- set encounter_of_patient = [from_cte ~ '.encounter_id', from_cte ~ '.patient_id'] %}

select
        {{ from_cte }}.*,
        {{ found_in(encounter, 'clean_encounters', ['encounter_id'], 'known_encounters') }} as has_known_encounter,
        {{ found_in(encounter_of_patient, 'clean_encounters', ['encounter_id', 'patient_id'], 'encounters_of_patient') }}
            as has_encounter_of_patient
    from {{ from_cte }}
    {{ found_in_join(encounter, 'clean_encounters', ['encounter_id'], 'known_encounters') }}
    {{ found_in_join(encounter_of_patient, 'clean_encounters', ['encounter_id', 'patient_id'], 'encounters_of_patient') }}
{%- endmacro %}


{#- encounter_optional: a row without an ENCOUNTER is not an orphan (a patient-level observation); the
    model then checks its patient itself. -#}
{% macro encounter_link_rejections(encounter_optional=false) %}
  {%- set named = 'encounter_id is not null and ' if encounter_optional else '' -%}
  {{ return([
      (named ~ 'not has_known_encounter', 'orphan_encounter'),
      (named ~ 'not has_encounter_of_patient', 'encounter_patient_mismatch'),
  ]) }}
{% endmacro %}


{#- A dated clinical event of one encounter (a condition, a procedure), as conditions.csv and procedures.csv
    write it. Neither file has an Id: the event is identified by (PATIENT, ENCOUNTER, CODE, START), the md5
    of those four raw values as written (`<kind>_id`). event_columns(kind) gives that key and the event's
    patient, encounter, code, description and START as written (start_text); event_rejections(kind, start_column) the quarantine rules of
    a missing encounter, code or start, a conflicting key and a start that is not a date. -#}
{% macro event_columns(kind) -%}
md5(concat_ws('|', {{ adapter.quote('PATIENT') }}, {{ adapter.quote('ENCOUNTER') }}, {{ adapter.quote('CODE') }}, {{ adapter.quote('START') }})) as {{ kind }}_id,
        {{ clean_text(adapter.quote('PATIENT')) }} as patient_id,
        {{ clean_text(adapter.quote('ENCOUNTER')) }} as encounter_id,
        {{ clean_text(adapter.quote('CODE')) }} as {{ kind }}_code,
        {{ clean_text(adapter.quote('DESCRIPTION')) }} as {{ kind }}_description,
        {{ clean_text(adapter.quote('START')) }} as start_text
{%- endmacro %}


{% macro event_rejections(kind, start_column) %}
  {{ return([
      ('encounter_id is null', 'missing_encounter_id'),
      (kind ~ '_code is null', 'missing_code'),
      ('has_conflicting_key', 'conflicting_duplicate_key'),
      ('start_text is null', 'missing_start'),
      (start_column ~ ' is null', 'unparseable_start'),
  ] + encounter_link_rejections()) }}
{% endmacro %}
