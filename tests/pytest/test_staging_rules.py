"""Every per-row rule that a dbt test of staging guards is met by staging itself, whatever one raw row says.

A row-level test of a staging model (not_null, accepted_values, value_in_range, not_negative, an expression,
a date not in the future, a relationship) states what staging guarantees. One raw row that breaks the rule
must therefore be quarantined or repaired with an issue code, never reach the test and stop a hospital's
build. RULES plants, for each such test, one raw row that breaks it, in a hand-written export (the rows of
test_staging_inputs plus these), and names what staging does with it. test_every_row_level_test_has_a_planted_row
reads the parsed project: a new row-level test without a planted row here fails it.
"""
from __future__ import annotations

import json

import pytest

from conftest import run_dbt
from test_staging_inputs import (
    ENCOUNTERS,
    ORGANIZATIONS,
    PATIENTS,
    PAYERS,
    PROCEDURES,
    STAGING,
    write_csv,
    write_export,
)

PAT_TAIL = "Boston  Massachusetts  US,1 Main St,Boston,Massachusetts,Suffolk County,02114,42.36,-71.06,50000"
ENC_TAIL = "185345009,Encounter for symptom,129.16,200.00,100.00,,"
EMR_HEADER = ("Patient ID,Age,Gender,Race,Primary Diagnosis,Secondary Diagnosis 1,Secondary Diagnosis 2,Medication,"
              "Procedure Code,Visit Date,Discharge Date,Length of Stay,Insurance Type,Physician ID,Hospital Department,"
              "Source System,Readmission,Total Cost,Patient Satisfaction Score,Surgery Performed,Surgery Level,"
              "Insurance Coverage Percentage,Blood Pressure,Heart Rate,Temperature,Blood Glucose,Cholesterol")


def emr(patient="P9", age="40", gender="Female", visit="2024-01-05", discharge="2024-01-07", stay="2",
        insurance="Private", cost="900.00", satisfaction="4", coverage="80") -> str:
    return (f"{patient},{age},{gender},White,I10,,,None,99213,{visit},{discharge},{stay},{insurance},DR9,Cardiology,"
            f"Epic,0,{cost},{satisfaction},No,None,{coverage},120/80,70,98.6,100,180")


# raw table -> the planted rows, after the rows of test_staging_inputs (a header where that test writes no such file)
PLANTED = {
    "patients": [
        ",1960-01-01,,,,Ann,Lee,,,M,white,nonhispanic,F," + PAT_TAIL,                    # no Id
        "r_gender,1960-01-01,,,,Ann,Lee,,,M,white,nonhispanic,Q," + PAT_TAIL,            # a gender of no meaning
        "r_marital,1960-01-01,,,,Ann,Lee,,,X,white,nonhispanic,F," + PAT_TAIL,          # a marital status of none
        "r_born_later,2090-01-01,,,,Ann,Lee,,,M,white,nonhispanic,F," + PAT_TAIL,       # born in the future
    ],
    "encounters": [
        ",2012-01-01T10:00:00Z,2012-01-01T11:00:00Z,p1,o1,dr1,pay1,ambulatory," + ENC_TAIL,          # no Id
        "r_no_patient,2012-01-01T10:00:00Z,2012-01-01T11:00:00Z,,o1,dr1,pay1,ambulatory," + ENC_TAIL,
        "r_org,2012-01-02T10:00:00Z,2012-01-02T11:00:00Z,p1,o404,dr1,pay1,ambulatory," + ENC_TAIL,
        "r_payer,2012-01-03T10:00:00Z,2012-01-03T11:00:00Z,p1,o1,dr1,pay404,ambulatory," + ENC_TAIL,
        "r_no_class,2012-01-04T10:00:00Z,2012-01-04T11:00:00Z,p1,o1,dr1,pay1,," + ENC_TAIL,
        "r_class,2012-01-05T10:00:00Z,2012-01-05T11:00:00Z,p1,o1,dr1,pay1,telehealth," + ENC_TAIL,
        "r_no_start,,2012-01-06T11:00:00Z,p1,o1,dr1,pay1,ambulatory," + ENC_TAIL,
        "r_future,2090-01-07T10:00:00Z,2090-01-07T11:00:00Z,p1,o1,dr1,pay1,ambulatory," + ENC_TAIL,
        "r_costs,2012-01-08T10:00:00Z,2012-01-08T11:00:00Z,p1,o1,dr1,pay1,ambulatory,"
        "185345009,Encounter for symptom,-129.16,200.00,-1.00,,",
        "r_claim,2012-01-09T10:00:00Z,2012-01-09T11:00:00Z,p1,o1,dr1,pay1,ambulatory,"
        "185345009,Encounter for symptom,129.16,-200.00,0,,",
    ],
    "payers": [",Nobody Pays,,,,,", "pay3,,,,,,"],
    "organizations": [",Somewhere Hospital,1 Road,Boston,MA,02114,42.3,-71.0"],
    "procedures": [
        "2011-01-02T01:50:00Z,2011-01-02T02:00:00Z,p1,,430193006,Medication Reconciliation (procedure),469.38,,",
        ",,p1,e1,173160006,Diagnostic fiberoptic bronchoscopy (procedure),100.00,,",
        "2011-01-02T01:55:00Z,2011-01-02T02:00:00Z,p1,e1,710824005,Assessment of health (procedure),-5.00,,",
    ],
    "conditions": [
        "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION",
        "2011-01-02,,p1,e1,444814009,Viral sinusitis (disorder)",
        ",,p1,e1,195662009,Acute viral pharyngitis (disorder)",
        "2011-01-02,,p1,e404,10509002,Acute bronchitis (disorder)",
    ],
    "observations": [
        "DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE",
        "2011-01-02T01:50:00Z,p1,e1,vital-signs,8480-6,Systolic Blood Pressure,120.0,mm[Hg],numeric",
        "2011-01-02T01:51:00Z,,,vital-signs,8462-4,Diastolic Blood Pressure,80.0,mm[Hg],numeric",
        "2011-01-02T01:52:00Z,p404,,vital-signs,8867-4,Heart rate,70.0,/min,numeric",
        "2011-01-02T01:53:00Z,p1,e404,vital-signs,9279-1,Respiratory rate,14.0,/min,numeric",
        ",p1,e1,vital-signs,8310-5,Body temperature,37.0,Cel,numeric",
    ],
    "visits": [
        EMR_HEADER,
        emr(),
        emr(patient=""),
        emr(patient="P10", age="150"),
        emr(patient="P11", gender="Xy"),
        emr(patient="P12", insurance="Barter"),
        emr(patient="P13", discharge="2024-01-01"),
        emr(patient="P14", stay="-2"),
        emr(patient="P15", cost="-900.00"),
        emr(patient="P16", coverage="180"),
        emr(patient="P17", satisfaction="7"),
        emr(patient="P18", age="-3"),
    ],
}
# each planted row (raw table, data row number: source_row) -> what staging does with it: (row status, rejection reason or issue codes)
OUTCOMES = {
    ("patients", 4): ("quarantined", "missing_patient_id"),
    ("patients", 5): ("clean", "unrecognised_gender"),
    ("patients", 6): ("clean", "unrecognised_marital_status"),
    ("patients", 7): ("clean", "future_birthdate"),  # the patient kept, the birth date unknown
    ("encounters", 7): ("quarantined", "missing_encounter_id"),
    ("encounters", 8): ("quarantined", "missing_patient_id"),
    ("encounters", 9): ("clean", None),  # kept: an organization outside the extract (a warning, documented)
    ("encounters", 10): ("clean", None),  # kept: a payer outside the extract (a warning, documented)
    ("encounters", 11): ("quarantined", "missing_encounter_class"),
    ("encounters", 12): ("clean", None),  # kept: a class of a later Synthea release (a warning, documented)
    ("encounters", 13): ("quarantined", "missing_start"),
    ("encounters", 14): ("quarantined", "future_start"),
    ("encounters", 15): ("clean", "negative_base_encounter_cost,negative_payer_coverage"),
    ("encounters", 16): ("clean", "negative_total_claim_cost"),
    ("payers", 3): ("quarantined", "missing_payer_id"),
    ("payers", 4): ("quarantined", "missing_payer_name"),
    ("organizations", 2): ("quarantined", "missing_organization_id"),
    ("procedures", 5): ("quarantined", "missing_encounter_id"),
    ("procedures", 6): ("quarantined", "missing_start"),
    ("procedures", 7): ("clean", "negative_base_cost"),
    ("conditions", 2): ("quarantined", "missing_start"),
    ("conditions", 3): ("quarantined", "orphan_encounter"),
    ("observations", 2): ("quarantined", "missing_patient_id"),
    ("observations", 3): ("quarantined", "orphan_patient"),
    ("observations", 4): ("quarantined", "orphan_encounter"),
    ("observations", 5): ("quarantined", "missing_date"),
    ("visits", 2): ("quarantined", "missing_patient_id"),
    ("visits", 3): ("clean", "invalid_age"),
    ("visits", 4): ("clean", "unrecognised_gender"),
    ("visits", 5): ("clean", "unrecognised_insurance_type"),
    ("visits", 6): ("clean", "discharge_before_visit"),
    ("visits", 7): ("clean", "invalid_length_of_stay"),
    ("visits", 8): ("clean", "negative_total_cost"),
    ("visits", 9): ("clean", "invalid_coverage_percentage"),
    ("visits", 10): ("clean", "invalid_satisfaction_score"),
    ("visits", 11): ("clean", "invalid_age"),
}
# each row-level test of staging (model, column, test) -> the planted rows that would break it, were staging
# to pass them on; keys by construction (an md5 of the row, a visit id made by staging) need none
GUARDED = {
    ("stg_synthea__patients", "patient_id", "not_null"): [("patients", 4)],
    ("stg_synthea__patients", "gender", "accepted_values"): [("patients", 5)],
    ("stg_synthea__patients", "marital_status", "accepted_values"): [("patients", 6)],
    ("stg_synthea__patients", "birth_date", "date_not_in_future"): [("patients", 7)],
    ("stg_synthea__encounters", "encounter_id", "not_null"): [("encounters", 7)],
    ("stg_synthea__encounters", "patient_id", "not_null"): [("encounters", 8)],
    ("stg_synthea__encounters", "patient_id", "relationships"): [("encounters", 5)],  # e5 of test_staging_inputs
    ("stg_synthea__encounters", "organization_id", "relationships"): [("encounters", 9)],
    ("stg_synthea__encounters", "payer_id", "relationships"): [("encounters", 10)],
    ("stg_synthea__encounters", "encounter_class", "not_null"): [("encounters", 11)],
    ("stg_synthea__encounters", "encounter_class", "accepted_values"): [("encounters", 12)],
    ("stg_synthea__encounters", "start_at", "not_null"): [("encounters", 13)],
    ("stg_synthea__encounters", "start_at", "date_not_in_future"): [("encounters", 14)],
    ("stg_synthea__encounters", "base_encounter_cost", "not_negative"): [("encounters", 15)],
    ("stg_synthea__encounters", "total_claim_cost", "not_negative"): [("encounters", 16)],
    ("stg_synthea__encounters", "payer_coverage", "not_negative"): [("encounters", 15)],
    ("stg_synthea__payers", "payer_id", "not_null"): [("payers", 3)],
    ("stg_synthea__payers", "payer_name", "not_null"): [("payers", 4)],
    ("stg_synthea__organizations", "organization_id", "not_null"): [("organizations", 2)],
    ("stg_synthea__procedures", "procedure_id", "not_null"): [],
    ("stg_synthea__procedures", "encounter_id", "not_null"): [("procedures", 5)],
    ("stg_synthea__procedures", "encounter_id", "relationships"): [("procedures", 4)],  # e5's procedure
    ("stg_synthea__procedures", "start_at", "not_null"): [("procedures", 6)],
    ("stg_synthea__procedures", "base_cost", "not_negative"): [("procedures", 7)],
    ("stg_synthea__conditions", "condition_id", "not_null"): [],
    ("stg_synthea__conditions", "encounter_id", "relationships"): [("conditions", 3)],
    ("stg_synthea__conditions", "start_date", "not_null"): [("conditions", 2)],
    ("stg_synthea__observations", "observation_id", "not_null"): [],
    ("stg_synthea__observations", "encounter_id", "relationships"): [("observations", 4)],
    ("stg_synthea__observations", "patient_id", "not_null"): [("observations", 2)],
    ("stg_synthea__observations", "patient_id", "relationships"): [("observations", 3)],
    ("stg_synthea__observations", "observed_at", "not_null"): [("observations", 5)],
    ("stg_emr__visits", "visit_id", "not_null"): [],
    ("stg_emr__visits", "patient_id", "not_null"): [("visits", 2)],
    ("stg_emr__visits", "age_at_visit", "value_in_range"): [("visits", 3), ("visits", 11)],
    ("stg_emr__visits", "gender", "accepted_values"): [("visits", 4)],
    ("stg_emr__visits", "payer_category", "accepted_values"): [("visits", 5)],
    ("stg_emr__visits", "discharge_date", "expression_is_true"): [("visits", 6)],
    ("stg_emr__visits", "length_of_stay_days", "not_negative"): [("visits", 7)],
    ("stg_emr__visits", "total_cost", "not_negative"): [("visits", 8)],
    ("stg_emr__visits", "insurance_coverage_pct", "value_in_range"): [("visits", 9)],
    ("stg_emr__visits", "satisfaction_score", "value_in_range"): [("visits", 10)],
    # the quarantine's own columns: written by staging for every rejected row, whatever the row held
    ("stg_synthea__quarantine", "raw_table", "not_null"): [],
    ("stg_synthea__quarantine", "source_row", "not_null"): [],
    ("stg_synthea__quarantine", "rejection_reason", "not_null"): [],
    ("stg_synthea__quarantine", "rejection_reason", "accepted_values"): [],
    ("stg_emr__quarantine", "source_row", "not_null"): [],
    ("stg_emr__quarantine", "rejection_reason", "not_null"): [],
    ("stg_emr__quarantine", "rejection_reason", "accepted_values"): [],
}
ROW_LEVEL = {"not_null", "accepted_values", "value_in_range", "not_negative", "expression_is_true",
             "date_not_in_future", "relationships"}
SYNTHEA_EXTRA = {"conditions", "observations"}  # files test_staging_inputs does not write


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted_rows")
    lines = {"patients": PATIENTS, "encounters": ENCOUNTERS, "payers": PAYERS, "organizations": ORGANIZATIONS,
             "procedures": PROCEDURES}
    write_export(root, **{name: lines[name] + PLANTED[name] for name in lines})
    for name in SYNTHEA_EXTRA:
        write_csv(root / "synthea" / f"{name}.csv", PLANTED[name])
    write_csv(root / "emr" / "visits.csv", PLANTED["visits"], bom=False)
    return run_dbt(STAGING, root / "build", check=False,
                   env={"HOSPITAL_SYNTHEA_RAW_PATH": str(root / "synthea"),
                        "HOSPITAL_EMR_RAW_PATH": str(root / "emr" / "visits.csv")})


def outcome(build, table: str, line: int) -> tuple[str, str]:
    """(row status, rejection reason or issue codes) of the raw row at line of table."""
    source, model = ("emr", "visits") if table == "visits" else ("synthea", table)
    rows = build.query(f"""
        select b.row_status, coalesce(q.rejection_reason, b.rejection_reason, b.data_issues)
        from staging.base_{source}__{model} as b
        left join staging.stg_{source}__quarantine as q
            on q.source_file = b.source_file and q.source_row = b.source_row and q.raw_table = '{table}'
        where b.source_row = {line}""")
    assert len(rows) == 1, (table, line, rows)
    status, reason = rows[0]
    return ("quarantined" if status == "clean" and reason and "orphan" in reason else status), reason


def test_staging_with_a_row_breaking_each_rule_builds_and_passes_every_test(planted):
    assert planted.returncode == 0, planted.output[-5000:]


@pytest.mark.parametrize(("table", "line"), sorted(OUTCOMES))
def test_a_row_breaking_a_rule_is_quarantined_or_repaired_with_its_reason(planted, table, line):
    assert outcome(planted, table, line) == OUTCOMES[(table, line)]


def test_every_row_level_test_has_a_planted_row(parsed_project):
    manifest = json.loads((parsed_project.parent / "manifest.json").read_text())
    found = set()
    for node in manifest["nodes"].values():
        meta = node.get("test_metadata") or {}
        model = (node.get("attached_node") or "").split(".")[-1]
        if node["resource_type"] == "test" and meta.get("name") in ROW_LEVEL and model.startswith("stg_") \
                and node.get("column_name") and node["config"].get("enabled", True):  # FHIR's: test_fhir.py
            found.add((model, node["column_name"], meta["name"]))
    assert found == set(GUARDED)
    planted_rows = {row for rows in GUARDED.values() for row in rows}
    assert planted_rows <= set(OUTCOMES) | {("encounters", 5), ("procedures", 4)}
