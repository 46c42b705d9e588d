{#
  The comorbidities present at each visit, for the Charlson index and the Elixhauser measures alike: the body
  of the models' `present` CTE,
      present as (
          {{ comorbidities_at_visit('encounters', 'coded_diagnoses') }}
      ),
  over a CTE of visits (source_system, encounter_id, patient_id, start_date) and one of coded diagnoses
  (source_system, encounter_id, patient_id, onset_date, comorbidity). The look-back rule, once:
    - EMR: the visit's own codes (the extract has no visit history);
    - Synthea: every diagnosis of the patient with onset on or before the visit's date and less than var
      charlson_lookback_days (365) days before it.
  One row per visit and comorbidity.
#}
{% macro comorbidities_at_visit(encounters, coded_diagnoses) -%}
select
        {{ encounters }}.source_system,
        {{ encounters }}.encounter_id,
        {{ coded_diagnoses }}.comorbidity
    from {{ encounters }}
    inner join {{ coded_diagnoses }}
        on {{ encounters }}.source_system = {{ coded_diagnoses }}.source_system
            and {{ encounters }}.encounter_id = {{ coded_diagnoses }}.encounter_id
    where {{ encounters }}.source_system = 'emr'
    union
    select
        {{ encounters }}.source_system,
        {{ encounters }}.encounter_id,
        {{ coded_diagnoses }}.comorbidity
    from {{ encounters }}
    inner join {{ coded_diagnoses }}
        on {{ encounters }}.source_system = {{ coded_diagnoses }}.source_system
            and {{ encounters }}.patient_id = {{ coded_diagnoses }}.patient_id
    where {{ encounters }}.source_system = 'synthea'
        and {{ coded_diagnoses }}.onset_date <= {{ encounters }}.start_date
        and {{ coded_diagnoses }}.onset_date
            > {{ dbt.dateadd('day', -var('charlson_lookback_days'), encounters ~ '.start_date') }}
{%- endmacro %}
