{#
  The repairs of a patient row, the same for every source with a patients file (the Synthea CSV's
  patients.csv, a FHIR export's Patient resources), over a typed CTE with birth_date_text, birth_date,
  death_date_text, death_date_parsed, gender_text, marital_text, zip_text, joined to seed gender_map.

  patient_repairs(typed): the repaired columns gender, zip_code, marital_status, birth_date_checked,
    death_date (a ZIP that lost its leading zero gets it back; a marital status outside var
    marital_statuses is unknown; a birth date in the future or further back than var max_age_years is
    unknown; a death date before the birth date or in the future is null);
  patient_issues(gender_checks): the issue codes of those repairs, for issue_list, with the source's own
    checks of gender, race and ethnicity codes (gender_checks) after the generic gender checks.
#}
{% macro patient_repairs(typed='typed') -%}
gender_map.gender,
        case
            when {{ regex_match(typed ~ '.zip_text', '^[0-9]{3,4}$') }} then lpad({{ typed }}.zip_text, 5, '0')
            else {{ typed }}.zip_text
        end as zip_code,
        case when {{ typed }}.marital_text in {{ sql_list(var('marital_statuses')) }} then {{ typed }}.marital_text end
            as marital_status,
        case
            when not {{ is_future_start(typed ~ '.birth_date') }} and not {{ birth_too_long_ago(typed ~ '.birth_date') }}
                then {{ typed }}.birth_date
        end as birth_date_checked,
        case
            when ({{ typed }}.death_date_parsed >= {{ typed }}.birth_date or {{ typed }}.birth_date is null)
                and not {{ is_future_start(typed ~ '.death_date_parsed') }} then {{ typed }}.death_date_parsed
        end as death_date
{%- endmacro %}


{% macro patient_issues(gender_checks=[]) -%}
  {{ return([
      ('birth_date_text is null', 'missing_birthdate'),
      ('birth_date_text is not null and birth_date is null', 'unparseable_birthdate'),
      (is_future_start('birth_date'), 'future_birthdate'),
      (birth_too_long_ago('birth_date'), 'implausible_birthdate'),
      ('death_date_text is not null and death_date_parsed is null', 'unparseable_deathdate'),
      ('death_date_parsed < birth_date', 'death_before_birth'),
      (is_future_start('death_date_parsed'), 'future_deathdate'),
      ('gender_text is null', 'missing_gender'),
      ('gender_text is not null and gender_map.gender is null', 'unrecognised_gender'),
  ] + gender_checks + [
      ('marital_text not in ' ~ sql_list(var('marital_statuses')), 'unrecognised_marital_status'),
      (regex_match('zip_text', '^[0-9]{3,4}$'), 'zip_zero_padded'),
  ]) }}
{%- endmacro %}


{#- The rules that quarantine an encounter row of a source with a visit history (after the source's own
    rules of its key), in their order: a start missing, not a date or in the future, no patient, no class,
    a patient that is not a clean patient of the export. -#}
{% macro encounter_rejections() -%}
  {{ return([
      ('start_text is null', 'missing_start'),
      ('start_at is null', 'unparseable_start'),
      (is_future_start('start_at'), 'future_start'),
      ('patient_id is null', 'missing_patient_id'),
      ('encounter_class is null', 'missing_encounter_class'),
      ('not has_known_patient', 'orphan_patient'),
  ]) }}
{%- endmacro %}


{#- The rules that quarantine an observation row: no patient, no code, no date or one that is not a date,
    a patient-level observation of a patient the export does not hold, then the encounter link's. -#}
{% macro observation_rejections() -%}
  {{ return([
      ('encounter_id is null and patient_id is null', 'missing_patient_id'),
      ('observation_code is null', 'missing_code'),
      ('has_conflicting_key', 'conflicting_duplicate_key'),
      ('date_text is null', 'missing_date'),
      ('observed_at is null', 'unparseable_date'),
      ('encounter_id is null and not has_known_patient', 'orphan_patient'),
  ] + encounter_link_rejections(encounter_optional=true)) }}
{%- endmacro %}
