#!/usr/bin/env python3
"""Write models/marts/*/_*.yml (descriptions, grains, enforced contracts, tests) from the table below and
the column types of a built warehouse. A maintainer's tool: run it after changing a mart's columns,
then review the diff.

    python scripts/dev/write_mart_yml.py warehouse/hospital.duckdb
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]

COMMON = {
    "source_system": "Which kind of raw export the row comes from: synthea or emr (all: a dimension shared by both).",
    "suppressed": "True when the small-cell rule (var suppress_small_cells) nulled a count of this row and what is built on it.",
    "month_start": "First day of the month (UTC).",
    "patient_id": "Patient identifier as in the export (Synthea UUID or EMR Patient ID).",
    "patient_key": "source_system:patient_id, unique across sources: the key to dim_patients.",
    "encounter_id": "Encounter key (Synthea Id, or the EMR visit_id).",
    "stay_id": "Stay key (md5 of source_system and the stay's first encounter).",
    "department": "Department (Synthea by seed department_rules, EMR as the extract names it; ER is Emergency).",
    "payer_category": "Medicare, Medicaid, Dual Eligible, Private, Uninsured (Other: a payer missing from seed payer_categories).",
    "age_group": "Age group (0-17 Pediatric, 18-39 Young adult, 40-64 Adult, 65+ Senior); unknown when the age is.",
    "gender": "Female, Male or Other (unknown when missing).",
    "encounter_class": "ambulatory, outpatient, urgentcare, emergency, wellness, inpatient (EMR: inpatient, emergency, ambulatory).",
    "visits": "Visits (encounters) in the cell.",
    "patients": "Distinct patients in the cell.",
    "organization_id": "Organization (hospital) id from the Synthea export; null for EMR.",
    "payer_id": "Payer key: the Synthea payer Id, or emr:<category> for the EMR extract.",
    "primary_icd10_code": "ICD-10-CM diagnosis of the visit (mapped from the SNOMED reason code, or the EMR primary diagnosis); null when absent or unmapped.",
    "primary_diagnosis_key": "primary_icd10_code, or unmapped (reason code without mapping), or none (no stated reason): the key to dim_diagnoses.",
    "primary_condition_group": "Chronic condition group of the primary diagnosis, null when none.",
    "total_claim_cost": "TOTAL_CLAIM_COST (EMR: Total Cost) in USD; null when the export's value was invalid.",
    "payer_coverage": "PAYER_COVERAGE (EMR: Total Cost x Coverage % / 100) in USD.",
    "is_covered": "True when payer coverage > 0 (a covered visit).",
    "suppressed_note": "",
    "refreshed_at": '{{ doc("col_refreshed_at") }}',
}

TABLES: dict[str, dict] = {
    # ------------------------------------------------------------------ star schema
    "fct_encounters": {
        "folder": "core", "grain": ["encounter_id"], "unique": ["source_system", "encounter_id"],
        "description": "Grain: one row per visit (encounter) of either source. The fact behind visit counts, costs, coverage, treatment times and department volumes.",
        "columns": {
            "stay_id": "The stay this admission belongs to; null for visits that are not admissions.",
            "encounter_code": "SNOMED CT encounter type (Synthea) or CPT Procedure Code (EMR).",
            "encounter_description": "Encounter type description without its SNOMED semantic tag.",
            "payer_name": "Payer name (Synthea) or repaired Insurance Type (EMR).",
            "reason_code": "SNOMED CT reason code (Synthea); null for EMR and when no reason is stated.",
            "age_at_visit": "Age in whole years at the visit.",
            "start_at": "Start, UTC (EMR: midnight of the visit date).",
            "stop_at": "End, UTC; null when unknown (always for EMR).",
            "start_date": "UTC date of the start.",
            "stop_date": "UTC date of the end (EMR: discharge date, or visit date + Length of Stay).",
            "start_month": "First day of the start's month.",
            "treatment_hours": "(stop_at - start_at) in hours; null when either is unknown.",
            "out_of_pocket": "total_claim_cost - payer_coverage, USD.",
            "satisfaction_score": "Patient Satisfaction Score 1-5 (EMR extended extract); null otherwise.",
            "is_admission": "The visit's class is an admission class (var admission_classes, default inpatient).",
            "is_acute_revisit": "For inpatient, emergency and urgent care visits (Synthea): starts 0..30 days after the STOP date of the patient's previous such visit; null for other visits.",
            "is_reported_readmission": "The EMR extract's own Readmission flag; null for Synthea and basic extracts.",
            "is_long_running": "Encounter open longer than var long_encounter_days (365).",
        },
    },
    "fct_stays": {
        "folder": "core", "grain": ["stay_id"], "unique": ["stay_id"],
        "description": "Grain: one row per hospital stay (admissions chained within 6 hours; EMR: one admission each), with readmission windows and outcomes. The fact behind readmission, LOS, mortality, infection and occupancy KPIs.",
        "columns": {
            "admitting_encounter_id": "The stay's first admission.",
            "next_stay_id": "The patient's next stay (Synthea).",
            "age_at_admission": "Age in whole years at admission.",
            "admit_at": "First START of the stay, UTC.",
            "discharge_at": "Latest STOP of the stay, UTC.",
            "admit_date": "UTC date of admission.",
            "discharge_date": "UTC date of discharge.",
            "discharge_month": "First day of the discharge month.",
            "patient_death_date": "The patient's death date (Synthea); null while alive and for EMR.",
            "los_days": "Length of stay in days: (discharge_at - admit_at) in hours / 24, not rounded (EMR: Length of Stay).",
            "encounter_count": "Admissions chained into the stay.",
            "days_to_next_stay": "Next stay's admission date - this discharge date, in days (Synthea).",
            "total_claim_cost": "Sum of the stay's encounters' TOTAL_CLAIM_COST, USD.",
            "payer_coverage": "Sum of the stay's encounters' PAYER_COVERAGE, USD.",
            "ineligibility_reason": "Why the stay is not a 30-day index stay: died_in_stay, window_not_observed, no_visit_history (EMR); null for index stays.",
            "ineligibility_reason_60d": "Why the stay is not a 60-day index stay.",
            "is_planned": "Planned stay (seed planned_readmission_codes): never a readmission, can be an index stay.",
            "has_transfer": "The stay chains more than one admission (transfer or continuation).",
            "died_in_stay": "The patient's death date falls within admission date..discharge date.",
            "is_discharged_alive": "Synthea stay whose patient was alive at the discharge date.",
            "died_within_30d_of_discharge": "The patient died 1..30 days after the discharge date.",
            "has_hai": "A hospital-acquired infection started on day 3 or later of the stay.",
            "is_index_eligible": "Eligible 30-day index stay: alive at discharge and the 30-day window fully observed.",
            "is_readmitted_30d": "Eligible index stay followed by an unplanned stay 0..30 days after discharge; null when not an index stay.",
            "is_index_eligible_60d": "Eligible 60-day index stay.",
            "is_readmitted_60d": "Eligible index stay followed by an unplanned stay 0..60 days after discharge; null when not an index stay.",
            "is_reported_readmission": "EMR: the extract's own Readmission flag on the admission; null for Synthea.",
        },
    },
    "fct_procedures": {
        "folder": "core", "grain": ["procedure_id"], "unique": ["source_system", "procedure_id"],
        "description": "Grain: one row per procedure (Synthea procedures.csv; EMR: the visit's CPT Procedure Code, one per visit, without cost). Covered when its encounter is a covered visit.",
        "columns": {
            "procedure_id": "Procedure key (md5 of patient, encounter, code, start; EMR: of visit and code).",
            "procedure_code": "SNOMED CT (Synthea) or CPT (EMR) code.",
            "procedure_description": "Description without its semantic tag (Synthea); null for EMR.",
            "code_system": "SNOMED-CT or CPT.",
            "start_at": "Procedure start, UTC.",
            "start_date": "UTC date of the start.",
            "start_year": "Calendar year of the start.",
            "base_cost": "BASE_COST in USD; null for EMR and invalid values.",
            "is_covered": "The procedure's encounter is a covered visit (payer coverage > 0).",
        },
    },
    "dim_patients": {
        "folder": "core", "grain": ["patient_key"], "unique": ["patient_key"],
        "description": "Grain: one row per patient of either source. Demographics only: no names, addresses, SSNs or other direct identifiers beyond the id.",
        "columns": {
            "race": "Race as the export writes it (Synthea lower-case; EMR as written).",
            "ethnicity": "hispanic or nonhispanic (Synthea); null for EMR.",
            "marital_status": "M, S, D, W (Synthea); null for EMR.",
            "age_group": "Patient age group: age on the last START date of the data, or on the death date if earlier (EMR: at the latest visit).",
            "age_at_reference": "The age that age_group uses.",
            "birth_date": "Date of birth (Synthea); null for EMR.",
            "death_date": "Date of death (Synthea); null while alive and for EMR.",
            "first_visit_date": "Date of the patient's first visit.",
            "last_visit_date": "Date of the patient's latest visit.",
            "visits": "The patient's visits.",
            "is_deceased": "A death date is known.",
        },
    },
    "dim_payers": {
        "folder": "core", "grain": ["payer_id"], "unique": ["payer_id"],
        "description": "Grain: one row per payer: the Synthea export's payers, and one per payer category of the EMR extract (key emr:<category>).",
        "columns": {"payer_name": "Payer name (NO_INSURANCE is self-pay).", "payer_category": COMMON["payer_category"]},
    },
    "dim_departments": {
        "folder": "core", "grain": ["department"], "unique": ["department"],
        "description": "Grain: one row per department (seed departments). A conformed dimension shared by both sources: source_system is `all`.",
        "columns": {"department_category": "Acute care, Inpatient medicine, Specialty, Primary care.", "sort_order": "Display order."},
    },
    "dim_diagnoses": {
        "folder": "core", "grain": ["diagnosis_key"], "unique": ["diagnosis_key"],
        "description": "Grain: one row per diagnosis key (ICD-10-CM code, unmapped, none). A conformed dimension shared by both sources: source_system is `all`.",
        "columns": {
            "diagnosis_key": "ICD-10-CM code, or unmapped, or none.",
            "icd10_code": "ICD-10-CM code; null for unmapped and none.",
            "diagnosis_description": "ICD-10-CM description where seed snomed_to_icd10 has it.",
            "icd10_chapter_letter": "First letter of the ICD-10-CM code (its chapter).",
            "condition_group": "Chronic condition group (seed chronic_condition_groups).",
            "infection_type": "Infection type (seed infection_codes).",
        },
    },
    "dim_date": {
        "folder": "core", "grain": ["date_day"], "unique": ["date_day"],
        "description": "Grain: one row per calendar day from the first visit start of either source to the last visit start or admission discharge, whichever is later (an ambulatory encounter open for years does not stretch it). A conformed dimension: source_system is `all`.",
        "columns": {
            "date_day": "The day.", "month_start": "First day of its month.", "year_number": "Calendar year.",
            "quarter_number": "Quarter 1-4.", "month_number": "Month 1-12.", "day_of_month": "Day 1-31.",
            "iso_day_of_week": "ISO day of week (1 Monday .. 7 Sunday).", "is_weekend": "Saturday or Sunday.",
        },
    },
    # ------------------------------------------------------------------ KPI marts
    "mart_admissions_monthly": {
        "folder": "kpi", "unique": ["source_system", "month_start"],
        "description": "Grain: source x month. Admissions by admission month; stays, index stays and readmissions by discharge month; acute revisits by revisit month. Readmission columns are null for the EMR extract (no visit history).",
        "columns": {
            "admissions": "Admission encounters starting in the month.",
            "stays_discharged": "Stays discharged in the month.",
            "index_stays_30d": "Eligible 30-day index stays discharged in the month (denominator).",
            "readmissions_30d": "Of those, readmitted within 30 days (numerator).",
            "readmission_rate_30d": "readmissions_30d / index_stays_30d.",
            "index_stays_60d": "Eligible 60-day index stays discharged in the month.",
            "readmissions_60d": "Of those, readmitted within 60 days.",
            "readmission_rate_60d": "readmissions_60d / index_stays_60d.",
            "acute_encounters": "Inpatient, emergency and urgent care visits starting in the month (denominator of the acute revisit view).",
            "acute_revisits_30d": "Of those, acute revisits (0..30 days after the previous acute visit's STOP date).",
        },
    },
    "mart_readmission_rates": {
        "folder": "kpi", "unique": ["source_system", "dimension", "dimension_value", "window_days", "method"],
        "description": "Grain: source x dimension x value x window x method. method derived: CMS-style rate over eligible index stays (Synthea); reported: the EMR extract's own Readmission flag over visits with the flag (window_days null); acute_revisit: acute visits within 30 days of the previous one. Never add rows of different methods together.",
        "columns": {
            "dimension": "overall, diagnosis, age_group, department, payer_category or gender.",
            "dimension_value": "The value (all for overall; unknown when missing).",
            "window_days": "Window in days (30, 60 for derived; 30 for acute_revisit; null for reported).",
            "method": "derived, reported or acute_revisit.",
            "index_stays": "Denominator: eligible index stays (derived), visits carrying the flag (reported), acute visits (acute_revisit).",
            "readmissions": "Numerator: readmitted index stays, flagged visits, or acute revisits.",
            "readmission_rate": "readmissions / index_stays.",
        },
    },
    "mart_patient_demographics": {
        "folder": "kpi", "unique": ["source_system", "gender", "age_group", "race"],
        "description": "Grain: source x gender x age group x race. Patient-level age group (age on the last START date of the data, or the death date if earlier; EMR: at the latest visit).",
        "columns": {
            "race": "Race (unknown when missing).",
            "patients": "Patients in the cell.",
            "deceased_patients": "Of those, with a known death date.",
            "source_patients": "All patients of the source (the denominator of patient_share).",
            "patient_share": "patients / source_patients (sums to 1 per source).",
        },
    },
    "mart_visit_costs": {
        "folder": "kpi", "unique": ["source_system", "month_start", "encounter_class"],
        "description": "Grain: source x month (visit start) x encounter class. Average cost per visit and per patient.",
        "columns": {
            "visits_with_cost": "Visits whose cost is known (the denominator of avg_cost_per_visit).",
            "total_cost": "Sum of TOTAL_CLAIM_COST, USD.",
            "avg_cost_per_visit": "total_cost / visits_with_cost (unrounded).",
            "cost_per_patient": "total_cost / patients (unrounded).",
        },
    },
    "mart_procedure_coverage": {
        "folder": "kpi", "unique": ["source_system", "start_year", "payer_category"],
        "description": "Grain: source x year x payer category. Procedures covered by insurance (the procedure's encounter is a covered visit).",
        "columns": {
            "start_year": "Calendar year of the procedure.",
            "procedures": "Procedures.", "covered_procedures": "Covered procedures.",
            "covered_share": "covered_procedures / procedures.",
            "base_cost": "Sum of BASE_COST, USD (null for EMR).",
            "covered_base_cost": "Sum of BASE_COST of covered procedures, USD.",
        },
    },
    "mart_procedure_coverage_by_procedure": {
        "folder": "kpi", "unique": ["source_system", "start_year", "payer_category", "procedure_code"],
        "description": "Grain: source x year x payer category x procedure code. mart_procedure_coverage broken down by procedure.",
        "columns": {
            "start_year": "Calendar year of the procedure.", "procedure_code": "SNOMED CT or CPT code.",
            "procedure_description": "Description.", "procedures": "Procedures.", "covered_procedures": "Covered procedures.",
            "covered_share": "covered_procedures / procedures.", "base_cost": "Sum of BASE_COST, USD.",
        },
    },
    "mart_length_of_stay": {
        "folder": "kpi", "unique": ["source_system", "month_start", "department"],
        "description": "Grain: source x discharge month x department. Average length of stay.",
        "columns": {
            "stays": "Stays discharged.", "stays_with_los": "Of those, with a known LOS.",
            "total_los_days": "Sum of LOS in days.", "alos_days": "total_los_days / stays_with_los.",
        },
    },
    "mart_treatment_times": {
        "folder": "kpi", "unique": ["source_system", "encounter_class"],
        "description": "Grain: source x encounter class. Treatment time (STOP - START) in hours over visits with both times (Synthea; the EMR extract has no times).",
        "columns": {
            "visits": "Visits with a known treatment time.", "total_hours": "Sum of treatment hours.",
            "mean_hours": "total_hours / visits.", "median_hours": "Median treatment hours.",
        },
    },
    "mart_mortality": {
        "folder": "kpi", "unique": ["source_system", "month_start"],
        "description": "Grain: source x discharge month (Synthea; the EMR extract has no deaths). In-hospital and 30-day mortality.",
        "columns": {
            "stays": "Stays discharged.", "in_hospital_deaths": "Stays whose patient died within the stay.",
            "in_hospital_mortality_rate": "in_hospital_deaths / stays.",
            "discharged_alive": "Stays discharged alive.",
            "deaths_30d": "Of those, the patient died 1..30 days after discharge.",
            "mortality_rate_30d": "deaths_30d / discharged_alive.",
        },
    },
    "mart_infections": {
        "folder": "kpi", "unique": ["source_system", "month_start"],
        "description": "Grain: source x discharge month. Hospital-acquired infections (onset on day 3 or later of the stay) per 1,000 patient-days; only for sources with a conditions file.",
        "columns": {
            "stays": "Stays discharged.", "patient_days": "Sum of their LOS in days.",
            "hai_stays": "Stays with a hospital-acquired infection.",
            "hai_per_1000_patient_days": "1000 x hai_stays / patient_days.",
        },
    },
    "mart_bed_occupancy": {
        "folder": "kpi", "unique": ["source_system", "organization_id", "month_start"],
        "description": "Grain: source x organization x month (Synthea). Average daily census (stays in house at 23:59 UTC) over licensed beds (var licensed_beds).",
        "columns": {
            "days": "Days of the month within the data's date range.",
            "bed_days": "Sum of the daily census over those days.",
            "avg_daily_census": "bed_days / days.", "licensed_beds": "var licensed_beds (150).",
            "occupancy_rate": "avg_daily_census / licensed_beds.",
        },
    },
    "mart_department_revenue": {
        "folder": "kpi", "unique": ["source_system", "department", "age_group"],
        "description": "Grain: source x department x age group (at the visit). Revenue per patient.",
        "columns": {"revenue": "Sum of TOTAL_CLAIM_COST (EMR: Total Cost), USD.", "revenue_per_patient": "revenue / patients."},
    },
    "mart_department_volume": {
        "folder": "kpi", "unique": ["source_system", "department", "month_start"],
        "description": "Grain: source x department x month. Visits by department and month with each department-year's peak month.",
        "columns": {"is_peak_month": "The month with the most visits of the department in its calendar year."},
    },
    "mart_patient_satisfaction": {
        "folder": "kpi", "unique": ["source_system", "department", "month_start"],
        "description": "Grain: source x department x month (EMR extended extract). Mean score, top-box share and the month-over-month trend.",
        "columns": {
            "responses": "Visits with a 1-5 satisfaction score.", "score_sum": "Sum of the scores (to re-aggregate).",
            "top_box_responses": "Responses scoring 5.", "mean_score": "score_sum / responses.",
            "top_box_share": "top_box_responses / responses.",
            "previous_month_start": "The department's previous month with responses.",
            "previous_mean_score": "Its mean score.", "mean_score_change": "mean_score - previous_mean_score.",
        },
    },
    "mart_insurance_mix": {
        "folder": "kpi", "unique": ["source_system", "visit_year", "payer_category"],
        "description": "Grain: source x year x payer category. Insurance mix, claim success, coverage ratio and out-of-pocket.",
        "columns": {
            "visit_year": "Calendar year of the visits.",
            "year_visits": "All visits of the source-year.", "year_patients": "All distinct patients of the source-year.",
            "visit_share": "visits / year_visits (sums to 1 per source-year).",
            "patient_share": "patients / year_patients (a patient with several payers in a year counts in each).",
            "covered_visits": "Visits with payer coverage > 0.",
            "billed_visits": "Visits billed to a payer other than Uninsured.",
            "claim_success_rate": "covered_visits / billed_visits (null for Uninsured).",
            "total_cost": "Sum of TOTAL_CLAIM_COST, USD.", "total_coverage": "Sum of PAYER_COVERAGE over visits whose cost is known, USD.",
            "coverage_ratio": "total_coverage / total_cost (over visits whose cost is known).", "out_of_pocket": "total_cost - total_coverage, USD.",
        },
    },
    "mart_chronic_conditions_monthly": {
        "folder": "kpi", "unique": ["source_system", "condition_group", "month_start"],
        "description": "Grain: source x chronic condition group x month. Visits with a diagnosis of the group and their patients.",
        "columns": {"condition_group": "diabetes, heart_disease, hypertension, copd, chronic_kidney_disease, asthma."},
    },
    "mart_high_risk_patients": {
        "folder": "kpi", "unique": ["patient_key"],
        "description": "Grain: one row per high-risk patient: a chronic condition group and, in the last 12 months of data, a 30-day readmission or an abnormal vital. Patient id only: no names or addresses.",
        "columns": {
            "condition_groups": "The patient's chronic condition groups, comma-separated.",
            "readmission_method": "derived (Synthea windows) or reported (EMR flag); null without a readmission.",
            "risk_reasons": "Why the patient is listed (chronic groups; readmission_30d; high_blood_pressure; high_heart_rate; high_blood_glucose).",
            "last_readmission_date": "Discharge date of the latest readmitted index stay (EMR: flagged visit date) in the window.",
            "last_abnormal_vital_date": "Date of the latest abnormal vital in the window.",
            "has_readmission_30d": "A 30-day readmission in the window.",
            "has_abnormal_vital": "An abnormal vital in the window (systolic >= 140 or diastolic >= 90, heart rate > 100, glucose > 200).",
        },
    },
    "mart_executive_scorecard": {
        "folder": "kpi", "unique": ["source_system", "month_start"],
        "description": "Grain: source x month. The headline KPIs, each with the previous month's value (prev_*) and the numerators and denominators to re-aggregate.",
        "columns": {
            "prev_month_start": "The previous month with data.",
            "admissions": "Admission encounters starting in the month.",
            "revenue_per_patient": "total_cost / patients.", "readmission_rate_30d": "readmissions_30d / index_stays_30d (discharge month).",
            "alos_days": "total_los_days / stays_with_los (discharge month).",
            "avg_cost_per_visit": "total_cost / visits_with_cost.", "coverage_ratio": "total_coverage / total_cost.",
            "in_hospital_mortality_rate": "in_hospital_deaths / stays_discharged.",
            "mean_satisfaction": "Mean satisfaction score (EMR extended extract); null otherwise.",
            "visits_with_cost": "Visits with a known cost.", "total_cost": "Sum of TOTAL_CLAIM_COST, USD.",
            "total_coverage": "Sum of PAYER_COVERAGE over visits whose cost is known, USD.", "index_stays_30d": "Eligible 30-day index stays discharged.",
            "readmissions_30d": "Of those, readmitted.", "stays_discharged": "Stays discharged.",
            "stays_with_los": "Stays with a known LOS.", "total_los_days": "Sum of LOS days.",
            "in_hospital_deaths": "Stays whose patient died in the stay.", "satisfaction_responses": "Satisfaction responses.",
        },
    },
    "mart_data_quality": {
        "folder": "kpi", "unique": ["source_system", "raw_table", "source_file", "reason"],
        "description": "Grain: source x raw file x reason. How every raw row ended: reason clean, duplicate, or a quarantine reason. Summing a file's rows reconciles raw = clean + quarantined + duplicates.",
        "columns": {
            "raw_table": "The raw table (patients, encounters, ..., visits).", "source_file": "The raw file read.",
            "reason": "clean, duplicate, or the rejection reason.", "raw_rows": "Raw rows in the cell.",
            "clean_rows": "Rows that passed to staging.", "quarantined_rows": "Rows quarantined.",
            "duplicate_rows": "Exact duplicates dropped.", "repaired_rows": "Clean rows with at least one repair.",
        },
    },
}

# Column tests: (table, column) -> list of YAML test lines (relationships of the star schema, keys).
REL = "          - relationships:\n              arguments: {{to: ref('{}'), field: {}}}"
# checked on every row, also in an incremental batch (macros/tests/scope_to_run.sql)
WHOLE_TABLE = "\n              config:\n                meta: {{batch_scope: whole_table}}  # {}"
TESTS = {
    ("fct_encounters", "encounter_id"): ["          - not_null"],
    ("fct_encounters", "patient_key"): ["          - not_null", REL.format("dim_patients", "patient_key") + WHOLE_TABLE.format(
        "patients.csv is a whole snapshot: a batch whose snapshot lacks a patient loaded before fails here")],
    ("fct_encounters", "payer_id"): [REL.format("dim_payers", "payer_id") + WHOLE_TABLE.format(
        "payers.csv is a whole snapshot too")],
    ("fct_encounters", "department"): [REL.format("dim_departments", "department")],
    ("fct_encounters", "primary_diagnosis_key"): ["          - not_null", REL.format("dim_diagnoses", "diagnosis_key")],
    ("fct_encounters", "start_date"): ["          - not_null", REL.format("dim_date", "date_day")],
    ("fct_encounters", "stay_id"): [REL.format("fct_stays", "stay_id")],
    ("fct_stays", "stay_id"): ["          - not_null"],
    ("fct_stays", "patient_key"): ["          - not_null", REL.format("dim_patients", "patient_key")],
    ("fct_stays", "department"): [REL.format("dim_departments", "department")],
    ("fct_stays", "primary_diagnosis_key"): [REL.format("dim_diagnoses", "diagnosis_key")],
    ("fct_stays", "discharge_date"): [REL.format("dim_date", "date_day")],
    ("fct_procedures", "procedure_id"): ["          - not_null"],
    ("fct_procedures", "encounter_id"): ["          - not_null"],  # its encounter: per source, MODEL_TESTS
    ("fct_procedures", "patient_key"): [REL.format("dim_patients", "patient_key")],
    ("dim_patients", "patient_key"): ["          - not_null"],
    ("dim_payers", "payer_id"): ["          - not_null"],
    ("mart_high_risk_patients", "patient_key"): [REL.format("dim_patients", "patient_key")],
}

# Generic tests chosen by column kind (tests/generic): rates and shares lie in [0, 1]; counts, money and
# durations are not negative. Exceptions, each with its reason, are listed here.
RANGE_01 = ("_rate", "_share", "_ratio")
MAY_EXCEED_ONE = {
    "occupancy_rate": "a hospital can run above its licensed beds (var licensed_beds is a setting)",
    "coverage_ratio": "an export can record payer coverage above the claim cost (staging flags coverage_exceeds_cost)",
}
MAY_BE_NEGATIVE = {
    "out_of_pocket": "real exports have payer coverage above the claim cost (flagged coverage_exceeds_cost in staging)",
    "prev_out_of_pocket": "as out_of_pocket",
}
# changes can go either way: no sign test
NOT_NUMERIC_MEASURES = {"mean_score_change", "start_year", "visit_year", "year_number", "quarter_number", "month_number", "day_of_month",
                        "iso_day_of_week", "sort_order", "window_days"}


def kind_tests(table: str, name: str, dtype: str) -> list[str]:
    """Range tests for a column from its name and type."""
    numeric = dtype in ("BIGINT", "DOUBLE", "DECIMAL(18,2)")
    if not numeric or name in NOT_NUMERIC_MEASURES:
        return []
    base = name[5:] if name.startswith("prev_") else name
    if base.endswith(RANGE_01):
        if base in MAY_EXCEED_ONE:
            return ["          - value_in_range:", "              arguments: {min_value: 0, max_value: 1}",
                    f"              config: {{severity: warn}}  # {MAY_EXCEED_ONE[base]}"]
        return ["          - value_in_range:", "              arguments: {min_value: 0, max_value: 1}"]
    if name in MAY_BE_NEGATIVE:
        return ["          - not_negative:", f"              config: {{severity: warn}}  # {MAY_BE_NEGATIVE[name]}"]
    return [NOT_NEGATIVE]


# A column that must not be negative is listed in its model's one not_negative_columns test
# (tests/generic/test_not_negative.sql) rather than given a test of its own: dbt spends a fixed time on
# each test node in every run, whatever its SQL.
NOT_NEGATIVE = "not_negative"


def not_negative_test(columns: list[str]) -> list[str]:
    """The model-level test of the columns kind_tests found must not be negative."""
    if not columns:
        return []
    return ["      # counts, money and durations not negative: one query for the model, not one test per column",
            "      - not_negative_columns:", f"          arguments: {{columns: {columns}}}"]


# Model-level tests beyond the grain's uniqueness.
MODEL_TESTS = {
    "fct_encounters": [
        "      - row_count_between:", "          arguments: {min_rows: 1}",
        "      - column_sum_equal:", "          arguments: {column_name: total_claim_cost, to: ref('mart_visit_costs'), to_column: total_cost, group_by: source_system}",
        "          config: {enabled: \"{{ not var('suppress_small_cells') }}\"}",
    ],
    "fct_stays": [
        "      - expression_is_true:", "          arguments: {expression: 'discharge_at >= admit_at'}",
        "      - column_sum_equal:", "          arguments: {column_name: los_days, to: ref('mart_length_of_stay'), to_column: total_los_days, group_by: source_system, tolerance: 0.000001}",
        "          config: {enabled: \"{{ not var('suppress_small_cells') }}\"}",
    ],
    "fct_procedures": [
        "      # every procedure's encounter, within its own source: one test per source (a plain relationships test",
        "      # on encounter_id as well would read the ten million procedures and encounters a third time)",
        *(line for source in ("synthea", "emr") for line in (
            "      - relationships_where:",
            "          arguments: {column_name: encounter_id, to: ref('fct_encounters'), field: encounter_id, "
            f"from_condition: \"source_system = '{source}'\", to_condition: \"source_system = '{source}'\"}}")),
    ],
    "dim_patients": ["      - row_count_between:", "          arguments: {min_rows: 1}"],
    "dim_date": ["      - row_count_between:", "          arguments: {min_rows: 1}"],
    "mart_readmission_rates": ["      - expression_is_true:", "          arguments: {expression: 'readmissions <= index_stays'}"],
    "mart_insurance_mix": ["      - expression_is_true:", "          arguments: {expression: 'covered_visits <= visits and patients <= year_patients'}"],
    "mart_data_quality": ["      - expression_is_true:", "          arguments: {expression: 'raw_rows = clean_rows + quarantined_rows + duplicate_rows'}"],
    "mart_mortality": ["      - expression_is_true:", "          arguments: {expression: 'in_hospital_deaths <= stays and deaths_30d <= discharged_alive'}"],
}
DATE_NOT_IN_FUTURE = {("fct_encounters", "start_date"), ("fct_stays", "discharge_date"), ("fct_procedures", "start_date")}

PREV = "The previous month's value of {}."
# contract types spelled as DuckDB and PostgreSQL both accept them (`double` is DuckDB-only)
TYPE_NAMES = {"VARCHAR": "varchar", "DATE": "date", "TIMESTAMP": "timestamp", "BIGINT": "bigint", "DOUBLE": "double precision",
              "DECIMAL(18,2)": "decimal(18,2)", "BOOLEAN": "boolean"}


def describe(table: str, column: str) -> str:
    own = TABLES[table]["columns"]
    if column in own:
        return own[column]
    if column.startswith("prev_") and column[5:] in own | COMMON:
        return PREV.format(column[5:])
    if column in COMMON:
        return COMMON[column]
    for other in TABLES.values():
        if column in other["columns"]:
            return other["columns"][column]
    raise SystemExit(f"no description for {table}.{column}")


def main() -> None:
    con = duckdb.connect(sys.argv[1], read_only=True)
    out: dict[str, list[str]] = {"core": [], "kpi": []}
    for table, spec in TABLES.items():
        cols = con.sql(f"select column_name, data_type from information_schema.columns where table_schema = 'marts' "
                       f"and table_name = '{table}' order by ordinal_position").fetchall()
        if not cols:
            raise SystemExit(f"{table} is not built")
        not_negative = [name for name, dtype in cols if NOT_NEGATIVE in kind_tests(table, name, dtype)]
        lines = [f"  - name: {table}", "    description: >", f"      {spec['description']}",
                 "    config:", "      contract: {enforced: true}", "    data_tests:",
                 "      - unique_combination:", f"          arguments: {{columns: {spec['unique']}}}",
                 *MODEL_TESTS.get(table, []), *not_negative_test(not_negative), "    columns:"]
        for name, dtype in cols:
            desc = describe(table, name).replace("'", "''")
            lines.append(f"      - name: {name}")
            lines.append(f"        data_type: {TYPE_NAMES[dtype]}")
            lines.append(f"        description: '{desc}'")
            if name == "source_system":
                lines.append("        constraints: [{type: not_null}]")
            tests = TESTS.get((table, name), []) + [t for t in kind_tests(table, name, dtype) if t != NOT_NEGATIVE]
            if (table, name) == ("fct_encounters", "start_date"):
                tests += ["          - date_not_in_future  # staging quarantines visits starting after the build date"]
            elif (table, name) in DATE_NOT_IN_FUTURE:
                # a procedure or a discharge may lie after a visit that started before the build date
                tests += ["          - date_not_in_future:", "              config: {severity: warn}"]
            if tests:
                lines.append("        data_tests:")
                lines.extend(tests)
        out[spec["folder"]].extend(lines + [""])
    header = "version: 2\n\n# Written by scripts/dev/write_mart_yml.py from the marts' column types; edit the script, not this file.\n\nmodels:\n"
    for folder, lines in out.items():
        (REPO / "models" / "marts" / folder / f"_{folder}__models.yml").write_text(header + "\n".join(lines))


if __name__ == "__main__":
    main()
