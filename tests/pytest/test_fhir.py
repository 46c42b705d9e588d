"""FHIR R4 exports (docs/data_contract.md, "FHIR R4"): every line or Bundle entry staged or quarantined with its
reason, references in every form, instants with offsets stored as UTC, the door's stops, and a generated
population read both as its Synthea CSV export and as its FHIR export, KPI by KPI."""
from __future__ import annotations

import datetime as dt
import gzip
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import REPO, run_dbt
from hospital_warehouse.generator import GeneratorConfig, generate
from hospital_warehouse.quality import run as run_quality

RACE = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race"
ORG_SYSTEM = "https://github.com/synthetichealth/synthea"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def patient(pid: str, **extra) -> dict:
    return {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1980-02-03",
            "extension": [{"url": RACE, "extension": [{"url": "ombCategory", "valueCoding": {"code": "2106-3"}}]}],
            "address": [{"city": "Boston", "postalCode": "2114"}], **extra}


def encounter(eid: str, subject: str, klass: str = "IMP", **extra) -> dict:
    return {"resourceType": "Encounter", "id": eid, "class": {"system": ACT, "code": klass},
            "subject": {"reference": subject}, "type": [{"coding": [{"code": "32485007", "display": "Hospital admission"}]}],
            "period": {"start": "2020-03-01T22:00:00-05:00", "end": "2020-03-03T10:00:00-05:00"}, **extra}


def lines(*resources) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in resources)


def write_export(folder: Path) -> Path:
    """A hand-written bulk export with a defect of each kind, and a Bundle."""
    folder.mkdir(parents=True)
    (folder / "Patient.000.ndjson").write_text(lines(
        patient("p1"),
        patient("p2", gender="male", deceasedDateTime="2021-05-06T23:30:00-04:00"),
        "this is not json",
        {"resourceType": "Encounter", "id": "misfiled"},
        patient("p1"),
        {"resourceType": "Patient"},
        "",
        " \t ",
    ))
    with gzip.open(folder / "Patient.001.ndjson.gz", "wt") as fh:
        fh.write(lines(patient("p1"), patient("p3", birthDate="2999-01-01"), patient("p9"), patient("p9", gender="male")))
    (folder / "Organization.ndjson").write_text(lines(
        {"resourceType": "Organization", "id": "o1", "name": "General", "identifier": [{"system": ORG_SYSTEM, "value": "o1"}]}))
    (folder / "Encounter.000.ndjson").write_text(lines(
        encounter("e1", "Patient/p1", serviceProvider={"reference": f"Organization?identifier={ORG_SYSTEM}|o1"}),
        encounter("e2", "urn:uuid:p2", "AMB", serviceProvider={"reference": "Organization/o404"}),
        {**encounter("e3", "Patient/p1"), "period": {"end": "2020-03-03T10:00:00Z"}},
        encounter("e4", "Patient/p404"),
        encounter("e5", "Patient/p1", "XYZ"),
    ))
    (folder / "Condition.ndjson").write_text(lines(
        {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"}, "encounter": {"reference": "Encounter/e1"},
         "onsetDateTime": "2020-03-01", "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I50.9"}]}},
        {"resourceType": "Condition", "id": "c2", "subject": {"reference": "Patient/p1"}, "encounter": {"reference": "urn:uuid:e404"},
         "onsetDateTime": "2020-03-01", "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}},
        {"resourceType": "Condition", "id": "c3", "subject": {"reference": "Patient/p2"}, "encounter": {"reference": "Encounter/e1"},
         "onsetDateTime": "2020-03-01", "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}},
    ))
    (folder / "Claim.ndjson").write_text(lines(
        {"resourceType": "Claim", "id": "k1", "patient": {"reference": "Patient/p1"}, "total": {"value": 1000.5},
         "insurance": [{"coverage": {"reference": "Coverage/v1"}}], "item": [{"encounter": [{"reference": "Encounter/e1"}]}]}))
    (folder / "ExplanationOfBenefit.ndjson").write_text(lines(
        {"resourceType": "ExplanationOfBenefit", "id": "b1", "patient": {"reference": "Patient/p1"},
         "payment": {"amount": {"value": 800.25}}, "insurance": [{"coverage": {"display": "Medicare"}}],
         "item": [{"encounter": [{"reference": "Encounter/e1"}]}]}))
    (folder / "Coverage.ndjson").write_text(lines(
        {"resourceType": "Coverage", "id": "v1", "payor": [{"display": "Medicare"}]}))
    (folder / "MedicationRequest.ndjson").write_text(lines({"resourceType": "MedicationRequest", "id": "m1"}))
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:p5", "resource": patient("p5")},
        {"fullUrl": "urn:uuid:i1", "resource": {"resourceType": "Immunization", "id": "i1"}},
        {"fullUrl": "urn:uuid:e6", "resource": encounter("e6", "urn:uuid:p5", "EMER")}]}
    (folder / "Doe_Jane_p5.json").write_text(json.dumps(bundle, indent=2))
    return folder


def test_every_line_and_entry_is_staged_or_quarantined_with_its_reason(tmp_path):
    export = write_export(tmp_path / "fhir")
    result = run_dbt(["build", "--select", "+path:models/staging/fhir", "assert_fhir_raw_rows_reconcile"],
                     tmp_path / "build", env={"HOSPITAL_FHIR_RAW_PATH": str(export)})
    q = result.query
    # the lines of one file, each in the table of its file's type: the empty line and the line of blanks are
    # no rows; a copy is a duplicate
    assert q("select source_row, patient_id, row_status, rejection_reason from staging.base_fhir__patients "
             "where source_file like '%Patient.000.ndjson' order by 1") == [
        (1, "p1", "clean", None), (2, "p2", "clean", None), (3, None, "quarantined", "not_json"),
        (4, "misfiled", "quarantined", "resource_type_not_file_type"), (5, "p1", "duplicate", None),
        (6, None, "quarantined", "missing_id")]
    # a copy in another file is a duplicate too (p1, the gzip file's first line); two different resources
    # under one id, across the gzip file's lines; the Bundle's Immunization is not read
    assert q("select source_row, row_status, rejection_reason from staging.base_fhir__patients "
             "where source_file like '%.gz' order by 1") == [
        (1, "duplicate", None), (2, "clean", None), (3, "quarantined", "conflicting_duplicate_key"),
        (4, "quarantined", "conflicting_duplicate_key")]
    assert q("select source_row, patient_id from staging.base_fhir__patients where source_file like '%.json'") == [(1, "p5")]
    assert q("select source_row, encounter_id from staging.base_fhir__encounters where source_file like '%.json'") == [
        (3, "e6")]
    # an offset applied (23:30 at -04:00 is the next day in UTC); a birth date in the future is unknown
    assert q("select patient_id, gender, race, zip_code, birth_date, death_date, data_issues from staging.stg_fhir__patients "
             "order by 1") == [
        ("p1", "Female", "white", "02114", dt.date(1980, 2, 3), None, "zip_zero_padded"),
        ("p2", "Male", "white", "02114", dt.date(1980, 2, 3), dt.date(2021, 5, 7), "zip_zero_padded"),
        ("p3", "Female", "white", "02114", None, None, "future_birthdate,zip_zero_padded"),
        ("p5", "Female", "white", "02114", dt.date(1980, 2, 3), None, "zip_zero_padded")]
    # references by type/id, urn:uuid and conditional identifier; costs and payer from the claims
    assert q("select encounter_id, patient_id, organization_id, encounter_class, start_at, stop_at, total_claim_cost, "
             "payer_coverage, payer_id, data_issues from staging.stg_fhir__encounters order by 1") == [
        ("e1", "p1", "o1", "inpatient", dt.datetime(2020, 3, 2, 3), dt.datetime(2020, 3, 3, 15), Decimal("1000.50"),
         Decimal("800.25"), "Medicare", None),
        ("e2", "p2", None, "ambulatory", dt.datetime(2020, 3, 2, 3), dt.datetime(2020, 3, 3, 15), None, None, None,
         "unresolved_organization"),
        ("e5", "p1", None, "xyz", dt.datetime(2020, 3, 2, 3), dt.datetime(2020, 3, 3, 15), None, None, None,
         "unmapped_encounter_class"),
        ("e6", "p5", None, "emergency", dt.datetime(2020, 3, 2, 3), dt.datetime(2020, 3, 3, 15), None, None, None, None)]
    assert q("select condition_id, condition_code, condition_code_system from staging.stg_fhir__conditions") == [
        ("c1", "I50.9", "ICD-10-CM")]
    assert q("select raw_table, record_key, rejection_reason from staging.stg_fhir__quarantine order by 1, 2, 3") == [
        ("conditions", "c2", "orphan_encounter"), ("conditions", "c3", "encounter_patient_mismatch"),
        ("encounters", "e3", "missing_start"), ("encounters", "e4", "orphan_patient"),
        ("patients", "misfiled", "resource_type_not_file_type"), ("patients", "p9", "conflicting_duplicate_key"),
        ("patients", "p9", "conflicting_duplicate_key"), ("patients", None, "missing_id"), ("patients", None, "not_json")]


@pytest.mark.parametrize("damage, where, message", [
    (lambda f: [(f / name).unlink() for name in ("Patient.000.ndjson", "Patient.001.ndjson.gz", "Doe_Jane_p5.json")],
     "", "has no Patient file"),
    (lambda f: (f / "Patient.001.ndjson.gz").write_bytes((f / "Patient.001.ndjson.gz").read_bytes()[:-12]), "line 5",
     "the gzip file is cut short or damaged after 4 complete lines"),
    (lambda f: (f / "Encounter.000.ndjson").write_text("Id,START,STOP\ne1,2020-01-01,2020-01-02\n"), "line 1",
     "is not NDJSON (one FHIR resource as JSON per line): its first line starts b'Id,START,STOP'"),
    (lambda f: (f / "Doe_Jane_p5.json").write_text('{"resourceType": "Bundle", "entry": [\n'), "line 2",
     "is not JSON (Expecting value): a Bundle file must be one FHIR Bundle as JSON"),
])
def test_the_door_stops_a_fhir_export_it_cannot_read(damage, where, message, tmp_path, capsys):
    export = write_export(tmp_path / "fhir")
    damage(export)
    capsys.readouterr()
    code = run_quality.main(["--stage", "raw", "--quiet", "--no-data-docs", "--reports", str(tmp_path / "reports"),
                             "--fhir-path", str(export)])
    err = capsys.readouterr().err
    assert code == 2
    problems = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert len(problems) == 1, err
    assert message in problems[0] and (f": {where}: " in problems[0] if where else True), problems[0]
    assert "Traceback" not in err


def test_the_door_lets_a_readable_export_through_and_stops_fhir_beside_synthea_csv(tmp_path, capsys):
    export = write_export(tmp_path / "fhir")
    reports = ["--stage", "raw", "--quiet", "--no-data-docs", "--reports", str(tmp_path / "reports")]
    assert run_quality.main([*reports, "--fhir-path", str(export)]) == 0
    capsys.readouterr()
    assert run_quality.main([*reports, "--fhir-path", str(export), "--synthea-path", str(REPO / "seeds" / "synthea")]) == 2
    assert "a FHIR export and a Synthea CSV export in one build" in capsys.readouterr().err


def test_hospital_passes_a_fhir_export_to_every_step_and_blanks_the_sources_not_given(monkeypatch):
    from hospital_warehouse import cli

    for name in ("HOSPITAL_SYNTHEA_RAW_PATH", "HOSPITAL_EMR_RAW_PATH", "HOSPITAL_FHIR_RAW_PATH"):
        monkeypatch.setenv(name, "/left/over")
    env = cli.export_environment(None, None, None, batch=False, fhir="/data/bulk")
    assert (env["HOSPITAL_FHIR_RAW_PATH"], env["HOSPITAL_SYNTHEA_RAW_PATH"], env["HOSPITAL_EMR_RAW_PATH"]) == (
        "/data/bulk", "", "")


# ---------------------------------------------------------------- one population, two formats

# the tables both formats fill alike, row for row (ids hashed with the source and the payer's key aside)
ALIKE = ["dim_date", "dim_departments", "dim_diagnoses", "dim_organizations", "dim_patients", "dim_payers", "fct_stays",
         "fct_stay_expected_outcomes", "mart_bed_occupancy", "mart_chronic_conditions_monthly", "mart_executive_scorecard",
         "mart_high_risk_patients", "mart_infections", "mart_insurance_mix", "mart_length_of_stay", "mart_mortality",
         "mart_patient_demographics", "mart_procedure_coverage", "mart_procedure_coverage_by_procedure",
         "mart_readmission_risk", "mart_readmission_risk_performance", "mart_standardized_ratios"]
# FHIR has no payer id (payer_id is the payer's name), no base cost of an encounter or procedure; stays and
# diagnoses are keyed by a hash of their source
ASIDE = {"refreshed_at", "payer_id", "payer_key", "base_encounter_cost", "base_cost", "covered_base_cost", "stay_id",
         "next_stay_id", "diagnosis_id"}


@pytest.fixture(scope="module")
def two_formats(tmp_path_factory) -> tuple[duckdb.DuckDBPyConnection, dict, dict]:
    """One clean population (80 patients) built as its Synthea CSV export and as its FHIR export (tables only):
    both warehouses attached to one connection, the manifest, and the FHIR export and build."""
    root = tmp_path_factory.mktemp("two_formats")
    manifest = generate(GeneratorConfig(seed=11, patients=80, emr_rows=0, dirt_rate=0.0), root / "export",
                        progress=False, sources=("synthea", "fhir"))
    csv = run_dbt(["build"], root / "csv", dbt_vars={"build_date": "2026-12-07"}, data_tests=False,
                  env={"HOSPITAL_SYNTHEA_RAW_PATH": str(root / "export" / "synthea")})
    fhir = run_dbt(["build"], root / "fhir", dbt_vars={"build_date": "2026-12-07"}, data_tests=False,
                   env={"HOSPITAL_FHIR_RAW_PATH": str(root / "export" / "fhir"), "HOSPITAL_SYNTHEA_RAW_PATH": ""})
    con = duckdb.connect()
    con.execute(f"attach '{csv.db_path}' as csv (read_only)")
    con.execute(f"attach '{fhir.db_path}' as fhir (read_only)")
    return con, manifest, {"export": root / "export" / "fhir", "build": fhir.db_path}


def normalized(con, db: str, table: str) -> str:
    cols = con.execute("select column_name, data_type from duckdb_columns() where database_name = ? and "
                       "schema_name = 'marts' and table_name = ? order by column_index", [db, table]).fetchall()
    return "select " + ", ".join(f"replace({c}, '{db.replace('csv', 'synthea')}', 'source') as {c}" if t == "VARCHAR" else c
                                 for c, t in cols if c not in ASIDE) + f" from {db}.marts.{table}"


def test_a_population_as_csv_and_as_fhir_gives_the_same_kpis(two_formats):
    con, manifest, _ = two_formats
    assert manifest["files"]["fhir/Encounter.000.ndjson"]["rows"] == manifest["files"]["synthea/encounters.csv"]["rows"]
    for table in ALIKE:
        a, b = normalized(con, "csv", table), normalized(con, "fhir", table)
        rows = con.execute(f"select count(*) from csv.marts.{table}").fetchone()[0]
        differ = con.execute(f"select count(*) from (({a}) except all ({b})) union all "
                             f"select count(*) from (({b}) except all ({a}))").fetchall()
        assert differ == [(0,), (0,)], f"{table}: {differ} of {rows} rows differ"
    # every visit, with its times, codes and costs; the class and department differ only where FHIR's AMB
    # stands for the CSV's wellness, outpatient and urgent care visits (they read as ambulatory)
    visits = con.execute("""
        select a.encounter_class, b.encounter_class, a.department = b.department, count(*)
        from csv.marts.fct_encounters as a
        join fhir.marts.fct_encounters as b
            on a.encounter_id = b.encounter_id and a.start_at = b.start_at and a.stop_at = b.stop_at
            and a.patient_id = b.patient_id and a.total_claim_cost = b.total_claim_cost
            and a.payer_coverage = b.payer_coverage and a.encounter_code = b.encounter_code
            and a.primary_icd10_code is not distinct from b.primary_icd10_code and a.charlson_index = b.charlson_index
        group by all order by 1, 3""").fetchall()
    assert sum(v[3] for v in visits) == manifest["files"]["synthea/encounters.csv"]["rows"]
    assert {(a, b) for a, b, _, _ in visits} == {
        ("ambulatory", "ambulatory"), ("emergency", "emergency"), ("inpatient", "inpatient"),
        ("outpatient", "ambulatory"), ("urgentcare", "ambulatory"), ("wellness", "ambulatory")}
    assert all(same for a, b, same, _ in visits if a == b)
    # the totals that do not depend on the class are equal
    for sql in ("select sum(visits) from {db}.marts.mart_department_volume",
                "select sum(total_cost) from {db}.marts.mart_visit_costs",
                "select c_statistic from {db}.marts.mart_risk_model_performance where period_grain = 'all' "
                "and risk_decile = 1 order by outcome"):
        assert con.execute(sql.format(db="csv")).fetchall() == con.execute(sql.format(db="fhir")).fetchall(), sql


# ---------------------------------------------------------------- a batch of new NDJSON files

def _patient_of(resource: dict) -> str:
    if resource["resourceType"] == "Patient":
        return resource["id"]
    ref = (resource.get("subject") or resource.get("patient") or {}).get("reference", "")
    return ref.rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def test_a_batch_of_new_ndjson_files_gives_the_full_build(two_formats, tmp_path):
    """The FHIR export's patients cut in two: the history's files, then a batch of new files (`hospital batch
    --fhir`), against the full build of the whole export: every published table is the same."""
    from hospital_warehouse import compare_warehouses, dbtrun

    _, _, fhir = two_formats
    history, batch = tmp_path / "history", tmp_path / "batch"
    history.mkdir()
    batch.mkdir()
    for path in sorted(fhir["export"].iterdir()):
        kept, new = [], []
        for line in path.read_text().splitlines():
            resource = json.loads(line)
            later = resource["resourceType"] != "Organization" and int(_patient_of(resource)[-1], 16) < 5
            (new if later else kept).append(line + "\n")
        (history / path.name).write_text("".join(kept))
        (batch / path.name.replace(".000.", ".001.")).write_text("".join(new))
    new_patients = len((batch / "Patient.001.ndjson").read_text().splitlines())
    assert 10 < new_patients < 40
    day = {"build_date": "2026-12-07"}
    run_dbt(["build"], tmp_path / "inc", day, env={"HOSPITAL_FHIR_RAW_PATH": str(history)}, data_tests=False)
    # as `hospital batch` runs it, its tables only (the batch's data tests: test_incremental.py)
    run_dbt(["build", "--exclude", "resource_type:seed"], tmp_path / "inc", day, data_tests=False,
            env={"HOSPITAL_FHIR_RAW_PATH": str(batch), "HOSPITAL_BATCH_SINCE": dbtrun.batch_since()})
    marts = compare_warehouses.compare_with_full_build(str(fhir["build"]), str(tmp_path / "inc" / "hospital.duckdb"))
    assert marts.tables == 35 and marts.rows > 1000
    assert marts.equal, "\n".join(marts.differences)
