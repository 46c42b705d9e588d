"""Every defect the generator planted in the shipped sample is quarantined or repaired as documented,
checked row by row through (file, source_row)."""
from __future__ import annotations

import pytest

# (file, kind) -> (row_status, rejection_reason, data issue code the row must carry)
# Documented in docs/data_contract.md ("What staging does with each defect").
EXPECTED = {
    ("encounters.csv", "duplicate_row"): ("duplicate", None, None),
    ("encounters.csv", "overlapping_encounter"): ("clean", None, None),
    ("encounters.csv", "blank_start"): ("quarantined", "missing_start", None),
    ("encounters.csv", "bad_timestamp"): ("quarantined", "unparseable_start", None),
    ("encounters.csv", "stop_before_start"): ("clean", None, "stop_before_start"),
    ("encounters.csv", "negative_cost"): ("clean", None, "negative_total_claim_cost"),
    ("encounters.csv", "missing_cost"): ("clean", None, "missing_total_claim_cost"),
    ("encounters.csv", "non_numeric_cost"): ("clean", None, "unparseable_total_claim_cost"),
    ("encounters.csv", "orphan_patient"): ("quarantined", "orphan_patient", None),
    ("encounters.csv", "long_encounter"): ("clean", None, "long_running"),
    ("encounters.csv", "description_variant"): ("clean", None, None),
    ("patients.csv", "duplicate_row"): ("duplicate", None, None),
    ("patients.csv", "bad_birthdate"): ("clean", None, "unparseable_birthdate"),
    ("patients.csv", "gender_variant"): ("clean", None, "gender_repaired"),
    ("procedures.csv", "duplicate_row"): ("duplicate", None, None),
    ("procedures.csv", "orphan_encounter"): ("quarantined", "orphan_encounter", None),
    ("procedures.csv", "negative_cost"): ("clean", None, "negative_base_cost"),
    ("procedures.csv", "bad_timestamp"): ("quarantined", "unparseable_start", None),
    ("conditions.csv", "duplicate_row"): ("duplicate", None, None),
    ("conditions.csv", "orphan_encounter"): ("quarantined", "orphan_encounter", None),
    ("conditions.csv", "bad_date"): ("quarantined", "unparseable_start", None),
    ("observations.csv", "duplicate_row"): ("duplicate", None, None),
    ("observations.csv", "orphan_encounter"): ("quarantined", "orphan_encounter", None),
    ("observations.csv", "non_numeric_value"): ("clean", None, "unparseable_numeric_value"),
    ("visits.csv", "duplicate_row"): ("duplicate", None, None),
    ("visits.csv", "duplicate_after_repair"): ("duplicate", None, None),
    ("visits.csv", "conflicting_duplicate"): ("quarantined", "conflicting_duplicate", None),
    ("visits.csv", "gender_misspelling"): ("clean", None, None),
    ("visits.csv", "blank_gender"): ("clean", None, "missing_gender"),
    ("visits.csv", "float_age"): ("clean", None, "float_age_repaired"),
    ("visits.csv", "blank_age"): ("clean", None, "missing_age"),
    ("visits.csv", "bad_blood_pressure"): ("clean", None, "unparseable_blood_pressure"),
    ("visits.csv", "discharge_before_visit"): ("clean", None, "discharge_before_visit"),
    ("visits.csv", "bad_visit_date"): ("quarantined", "unparseable_visit_date", None),
    ("visits.csv", "blank_visit_date"): ("quarantined", "missing_visit_date", None),
    ("visits.csv", "blank_patient_id"): ("quarantined", "missing_patient_id", None),
    ("visits.csv", "department_variant"): ("clean", None, None),
    ("visits.csv", "insurance_variant"): ("clean", None, None),
    ("visits.csv", "negative_cost"): ("clean", None, "negative_total_cost"),
    ("visits.csv", "non_numeric_cost"): ("clean", None, "unparseable_total_cost"),
    ("visits.csv", "satisfaction_out_of_range"): ("clean", None, "invalid_satisfaction_score"),
    ("visits.csv", "coverage_out_of_range"): ("clean", None, "invalid_coverage_percentage"),
}
BASE = {"encounters.csv": "base_synthea__encounters", "patients.csv": "base_synthea__patients",
        "procedures.csv": "base_synthea__procedures", "conditions.csv": "base_synthea__conditions",
        "observations.csv": "base_synthea__observations", "visits.csv": "base_emr__visits",
        "payers.csv": "base_synthea__payers", "organizations.csv": "base_synthea__organizations"}
CHILD_FILES = {"procedures.csv", "conditions.csv", "observations.csv"}
COPY_KINDS = {"duplicate_row", "duplicate_after_repair"}


@pytest.fixture(scope="module")
def rows(sample_warehouse):
    """(file, source_row) -> dict of the base model's row."""
    out = {}
    for file, model in BASE.items():
        for rec in sample_warehouse.records(f"select * from staging.{model}"):
            out[(file, rec["source_row"])] = rec
    return out


@pytest.fixture(scope="module")
def quarantined_encounters(sample_warehouse):
    got = sample_warehouse.query(
        "select json_extract_string(raw_record, '$.Id') from staging.base_synthea__encounters "
        "where row_status = 'quarantined'")
    return {r[0] for r in got}


def test_every_manifest_kind_has_a_documented_outcome(sample_manifest):
    kinds = {(d["file"], d["kind"]) for d in sample_manifest["defects"]}
    assert kinds == set(EXPECTED), "a defect kind without an expected outcome, or an expected kind not planted"


def _orphaned(file: str, row: dict, quarantined_encounters: set) -> bool:
    """A child row (procedure, condition, observation) whose encounter staging rejected."""
    if file not in CHILD_FILES or row["raw_record"] is None:  # raw_record is kept for rows not clean only
        return False
    return row["raw_record"].split('"ENCOUNTER":"')[1].split('"')[0] in quarantined_encounters


def test_each_defect_row_is_quarantined_or_repaired_as_documented(sample_manifest, rows, quarantined_encounters):
    def outcome(file: str, source_row: int, status: str, reason: str | None):
        row = rows[(file, source_row)]
        if status == "clean" and _orphaned(file, row, quarantined_encounters):
            status, reason = "quarantined", "orphan_encounter"  # the child follows its rejected encounter
        assert (row["row_status"], row["rejection_reason"]) == (status, reason), (file, source_row, row["raw_record"])
        return row

    checked = 0
    for d in sample_manifest["defects"]:
        status, reason, issue = EXPECTED[(d["file"], d["kind"])]
        if d["kind"] in COPY_KINDS:
            # the later of the two copies in file order is the duplicate, the earlier one is kept
            outcome(d["file"], max(d["row"], d["source_row"]), "duplicate", None)
            outcome(d["file"], min(d["row"], d["source_row"]), "clean", None)
        elif d["kind"] == "conflicting_duplicate":
            for r in (d["row"], d["source_row"]):
                outcome(d["file"], r, status, reason)
        else:
            row = outcome(d["file"], d["row"], status, reason)
            if issue is not None and row["row_status"] == "clean":
                assert issue in (row["data_issues"] or "").split(","), (d, row["data_issues"])
        checked += 1
    assert checked == len(sample_manifest["defects"]) > 1000


def test_repairs_give_the_documented_values(sample_manifest, rows):
    for d in sample_manifest["defects"]:
        row = rows[(d["file"], d["row"])]
        if d["kind"] == "float_age":
            assert row["age_at_visit"] == int(float(d["value"]))
        elif d["kind"] in ("gender_misspelling", "gender_variant"):
            assert row["gender"] in ("Female", "Male", "Other"), d
        elif d["kind"] == "department_variant":
            assert row["department"] in ("Emergency", "Cardiology", "Orthopedics", "Pediatrics", "Oncology"), d
        elif d["kind"] == "insurance_variant":
            assert row["payer_category"] in ("Private", "Medicare", "Medicaid", "Uninsured"), d
        elif d["kind"] in ("negative_cost", "missing_cost", "non_numeric_cost"):
            cost = row.get("total_claim_cost", row.get("base_cost", row.get("total_cost")))
            assert cost is None, d  # null, never imputed
        elif d["kind"] in ("stop_before_start",):
            assert row["stop_at"] is None, d
        elif d["kind"] == "discharge_before_visit":
            assert row["discharge_date"] is None, d
        elif d["kind"] == "bad_blood_pressure":
            assert row["systolic_bp"] is None and row["diastolic_bp"] is None, d


def test_nothing_else_is_rejected(sample_manifest, rows, quarantined_encounters):
    """Every quarantined or duplicate row is a planted defect (or the child of a rejected encounter)."""
    planted = set()
    for d in sample_manifest["defects"]:
        planted.add((d["file"], d["row"]))
        if d.get("source_row"):
            planted.add((d["file"], d["source_row"]))
    for (file, source_row), row in rows.items():
        if row["row_status"] == "clean" or (file, source_row) in planted:
            continue
        assert row["rejection_reason"] == "orphan_encounter", (file, source_row, row)
        assert _orphaned(file, row, quarantined_encounters), (file, source_row)


def test_counts_reconcile_with_the_files(sample_manifest, sample_warehouse):
    for rel, info in sample_manifest["files"].items():
        file = rel.split("/")[1]
        got = sample_warehouse.query(
            f"select count(*), count(*) filter (where row_status = 'duplicate') from staging.{BASE[file]}")
        planted_duplicates = sum(1 for d in sample_manifest["defects"]
                                 if d["file"] == file and d["kind"] in COPY_KINDS)
        assert got[0] == (info["rows"], planted_duplicates), rel
