{#
  The comorbidities present at each visit, for the Charlson index and the Elixhauser measures alike: the body
  of the models' `present` CTE,
      present as (
          {{ comorbidities_at_visit('encounters', 'diagnoses', 'code_comorbidities') }}
      ),
  over a CTE of visits (source_system, encounter_id, patient_id, start_date), one of diagnoses
  (int_encounter_diagnoses: source_system, encounter_id, patient_id, icd10_code, onset_date) and the code
  set's map (icd10_code, comorbidity). The look-back rule, once:
    - EMR: the visit's own codes (the extract has no visit history);
    - Synthea: every diagnosis of the patient with onset on or before the visit's date and less than var
      charlson_lookback_days (365) days before it.
  One row per visit and comorbidity.
#}
{% macro comorbidities_at_visit(encounters, diagnoses, code_map) -%}
select
        {{ encounters }}.source_system,
        {{ encounters }}.encounter_id,
        {{ code_map }}.comorbidity
    from {{ encounters }}
    inner join {{ diagnoses }}
        on {{ encounters }}.source_system = {{ diagnoses }}.source_system
            and {{ encounters }}.encounter_id = {{ diagnoses }}.encounter_id
    inner join {{ code_map }}
        on {{ diagnoses }}.icd10_code = {{ code_map }}.icd10_code
    where {{ encounters }}.source_system = 'emr'
    union
    select
        {{ encounters }}.source_system,
        {{ encounters }}.encounter_id,
        {{ code_map }}.comorbidity
    from {{ encounters }}
    inner join {{ diagnoses }}
        on {{ encounters }}.source_system = {{ diagnoses }}.source_system
            and {{ encounters }}.patient_id = {{ diagnoses }}.patient_id
    inner join {{ code_map }}
        on {{ diagnoses }}.icd10_code = {{ code_map }}.icd10_code
    where {{ encounters }}.source_system = 'synthea'
        and {{ diagnoses }}.onset_date <= {{ encounters }}.start_date
        and {{ diagnoses }}.onset_date
            > {{ dbt.dateadd('day', -var('charlson_lookback_days'), encounters ~ '.start_date') }}
{%- endmacro %}
