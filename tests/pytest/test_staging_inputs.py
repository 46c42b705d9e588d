"""Loading real-format exports from outside the repository, and what bad input does.

The fixture export is written by hand here, byte for byte in the contract's formats (BOM, CRLF, `Z`
timestamps, a full-export extra column and extra file, an EMR basic extract with DD-MM-YYYY dates), so
the expected values below are checked by hand, not computed by the code under test.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import run_dbt

STAGING = ["build", "--select", "+staging", "--indirect-selection", "cautious"]

PATIENTS = [
    "Id,BIRTHDATE,DEATHDATE,SSN,PREFIX,FIRST,LAST,SUFFIX,MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,BIRTHPLACE,ADDRESS,"
    "CITY,STATE,COUNTY,ZIP,LAT,LON,INCOME",
    "p1,1950-03-04,,999-11-2222,Mr.,John1,Doe1,,,M,white,nonhispanic,M,Boston  Massachusetts  US,1 Main St,Boston,"
    "Massachusetts,Suffolk County,02114,42.36,-71.06,50000",
    "p2,1990-12-31,2020-01-05,999-33-4444,Ms.,Ann2,Roe2,,,S,black,hispanic,female,Cambridge  Massachusetts  US,"
    "2 Elm St,Cambridge,Massachusetts,Middlesex County,2139,42.37,-71.11,40000",
    "p3,2015-07-01,,,,,Kid3,,,,asian,nonhispanic,F,Boston  Massachusetts  US,3 Oak St,Boston,Massachusetts,"
    "Suffolk County,,42.35,-71.05,0",
]
ENCOUNTERS = [
    "Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,BASE_ENCOUNTER_COST,"
    "TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,REASONDESCRIPTION",
    # just after midnight UTC on 2 January: a reader that applies a US time zone would move it to 1 January
    "e1,2011-01-02T01:45:18Z,2011-01-02T02:15:18Z,p1,o1,dr1,pay1,ambulatory,185345009,Encounter for symptom,"
    "129.16,1018.02,800.50,,",
    'e2,2019-12-30T22:00:00Z,2020-01-05T06:00:00Z,p2,o1,dr1,pay2,inpatient,32485007,'
    '"Hospital admission, emergency (procedure)",106.43,25000.00,0,88805009,Chronic congestive heart failure (disorder)',
    "e3,2012-05-05T10:00:00Z,2012-05-05T11:00:00Z,p1,o1,dr1,pay1,emergency,50849002,Emergency room admission (procedure),"
    "146.18,N/A,0,,",
    "e4,2012-13-05T10:00:00Z,2012-05-05T11:00:00Z,p1,o1,dr1,pay1,emergency,50849002,Emergency room admission,146.18,"
    "300.00,0,,",
    "e5,2013-01-01T10:00:00Z,2013-01-01T11:00:00Z,p404,o1,dr1,pay1,wellness,162673000,General examination of patient,"
    "136.80,136.80,0,,",
    "e6,2016-02-01T08:00:00Z,2016-02-01T07:00:00Z,p3,o1,dr1,pay2,wellness,410620009,Well child visit (procedure),"
    "136.80,-50.00,0,,",
]
PAYERS = [
    "Id,NAME,ADDRESS,CITY,STATE_HEADQUARTERED,ZIP,PHONE",
    "pay1,Medicare,7500 Security Blvd,Baltimore,MD,21244,1-800-633-4227",
    "pay2,NO_INSURANCE,,,,,",
]
ORGANIZATIONS = [
    "Id,NAME,ADDRESS,CITY,STATE,ZIP,LAT,LON",
    "o1,Massachusetts General Hospital,55 Fruit Street,Boston,MA,02114,42.362556,-71.069158",
]
PROCEDURES = [
    "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION,BASE_COST,REASONCODE,REASONDESCRIPTION",
    "2011-01-02T01:50:00Z,2011-01-02T02:00:00Z,p1,e1,430193006,Medication Reconciliation (procedure),469.38,,",
    "2011-01-02T01:50:00Z,2011-01-02T02:00:00Z,p1,e1,430193006,Medication Reconciliation (procedure),469.38,,",
    "2019-12-31T09:00:00Z,2019-12-31T10:00:00Z,p2,e2,433236007,Transthoracic echocardiography (procedure),581.75,"
    "88805009,Chronic congestive heart failure (disorder)",
    "2013-01-01T10:10:00Z,2013-01-01T10:20:00Z,p404,e5,430193006,Medication Reconciliation (procedure),469.38,,",
]
EMR_BASIC = [
    "Patient ID,Age,Gender,Race,Primary Diagnosis,Secondary Diagnosis 1,Secondary Diagnosis 2,Medication,"
    "Procedure Code,Visit Date,Discharge Date,Length of Stay,Insurance Type,Physician ID,Hospital Department,"
    "Source System,Blood Pressure,Heart Rate,Temperature,Blood Glucose,Cholesterol",
    "P1,59.0,Femlae,White,I10,E11.9,,Lisinopril,99213,31-12-2023,02-01-2024,2,Medicare,DR1,Cardiology,Epic,"
    "135/77,72,98.6,110,190",
    "P2,,Male,Black,J06.9,,,None,99283,05-01-2024,,0,Self-Pay,DR2,ER,Cerner,n/a,88,100.4,95,180",
    "P2,,Male,Black,J06.9,,,None,99283,05-01-2024,,0,Self-Pay,DR2,ER,Cerner,n/a,88,100.4,95,180",
    "P3,40,Other,Asian,S82.899A,,,Ibuprofen,27447,07-01-2024,03-01-2024,3,private,DR3, orthopedics ,Epic,"
    "150/95,101,99.1,250,240",
]


def write_csv(path: Path, lines: list[str], bom: bool = True, eol: str = "\r\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (eol.join(lines) + eol).encode("utf-8"))
    return path


def write_export(root: Path, **overrides: list[str]) -> Path:
    files = {"patients": PATIENTS, "encounters": ENCOUNTERS, "payers": PAYERS, "organizations": ORGANIZATIONS,
             "procedures": PROCEDURES, **overrides}
    for name, lines in files.items():
        if lines is not None:
            write_csv(root / "synthea" / f"{name}.csv", lines)
    write_csv(root / "synthea" / "allergies.csv", ["START,STOP,PATIENT,ENCOUNTER,CODE", "x,y,z,w,v"])  # extra file
    write_csv(root / "emr" / "extract_basic.csv", EMR_BASIC, bom=False)
    return root


@pytest.fixture(scope="module")
def real_format(tmp_path_factory):
    root = write_export(tmp_path_factory.mktemp("real_format_export"))
    result = run_dbt(STAGING, root / "build",
                     dbt_vars={"synthea_raw_path": str(root / "synthea"),
                               "emr_raw_path": str(root / "emr" / "extract_basic.csv")},
                     env={"TZ": "America/Los_Angeles"})
    return result


def test_timestamps_are_utc_whatever_the_time_zone(real_format):
    got = real_format.query("select start_at, stop_at from staging.stg_synthea__encounters where encounter_id = 'e1'")
    assert got == [(dt.datetime(2011, 1, 2, 1, 45, 18), dt.datetime(2011, 1, 2, 2, 15, 18))]


def test_real_format_values(real_format):
    enc = {r["encounter_id"]: r for r in real_format.records("select * from staging.stg_synthea__encounters")}
    assert set(enc) == {"e1", "e2", "e3", "e6"}
    assert enc["e1"]["total_claim_cost"] == Decimal("1018.02") and enc["e1"]["payer_coverage"] == Decimal("800.50")
    assert enc["e2"]["encounter_description"] == "Hospital admission, emergency (procedure)"
    assert enc["e2"]["encounter_description_clean"] == "Hospital admission, emergency"
    assert enc["e2"]["reason_code"] == "88805009" and enc["e1"]["reason_code"] is None
    assert enc["e3"]["total_claim_cost"] is None and enc["e3"]["data_issues"] == "unparseable_total_claim_cost"
    assert enc["e6"]["stop_at"] is None and enc["e6"]["total_claim_cost"] is None
    assert enc["e6"]["data_issues"] == "stop_before_start,negative_total_claim_cost"
    pat = {r["patient_id"]: r for r in real_format.records("select * from staging.stg_synthea__patients")}
    assert pat["p1"]["zip_code"] == "02114" and pat["p2"]["zip_code"] == "02139" and pat["p3"]["zip_code"] is None
    assert pat["p2"]["data_issues"] == "gender_repaired,zip_zero_padded" and pat["p2"]["gender"] == "Female"
    assert pat["p2"]["death_date"] == dt.date(2020, 1, 5) and pat["p1"]["death_date"] is None
    assert "ssn" not in {c.lower() for c in pat["p1"]}, "extra full-export columns are ignored"


def test_quarantine_and_duplicates(real_format):
    q = real_format.query("select raw_table, source_row, record_key, rejection_reason from staging.stg_synthea__quarantine "
                          "order by raw_table, source_row")
    assert q == [("encounters", 4, "e4", "unparseable_start"), ("encounters", 5, "e5", "orphan_patient"),
                 ("procedures", 4, real_format.query(
                     "select md5('p404|e5|430193006|2013-01-01T10:10:00Z')")[0][0], "orphan_encounter")]
    procs = real_format.query("select row_status, count(*) from staging.base_synthea__procedures group by 1 order by 1")
    assert procs == [("clean", 2), ("duplicate", 1), ("quarantined", 1)]
    conditions = real_format.query("select count(*) from staging.stg_synthea__conditions")
    assert conditions == [(0,)], "an export without the optional conditions.csv gives no rows"


def test_emr_basic_extract_in_day_month_year(real_format):
    visits = {r["patient_id"]: r for r in real_format.records("select * from staging.stg_emr__visits")}
    assert set(visits) == {"P1", "P2", "P3"}
    p1 = visits["P1"]
    assert (p1["visit_date"], p1["discharge_date"], p1["age_at_visit"]) == (dt.date(2023, 12, 31), dt.date(2024, 1, 2), 59)
    assert (p1["gender"], p1["department"], p1["systolic_bp"], p1["diastolic_bp"]) == ("Female", "Cardiology", 77 + 58, 77)
    assert p1["total_cost"] is None and p1["satisfaction_score"] is None, "basic extract: extended columns are null"
    assert p1["data_issues"] == "float_age_repaired,gender_repaired"
    p2 = visits["P2"]
    assert (p2["payer_category"], p2["department"], p2["age_at_visit"]) == ("Uninsured", "Emergency", None)
    assert p2["data_issues"] == "missing_age,insurance_type_repaired,unparseable_blood_pressure"
    p3 = visits["P3"]
    assert (p3["department"], p3["payer_category"], p3["discharge_date"]) == ("Orthopedics", "Private", None)
    assert "discharge_before_visit" in p3["data_issues"]
    dupes = real_format.query("select source_row from staging.base_emr__visits where row_status = 'duplicate'")
    assert dupes == [(3,)]


def test_a_source_not_given_contributes_no_rows(tmp_path):
    root = write_export(tmp_path / "export")
    only_emr = run_dbt(STAGING, tmp_path / "b1", dbt_vars={"emr_raw_path": str(root / "emr" / "extract_basic.csv")})
    assert only_emr.query("select count(*) from staging.stg_synthea__encounters") == [(0,)]
    assert only_emr.query("select count(*) from staging.stg_emr__visits") == [(3,)]


# ---------------------------------------------------------------- bad input: a clear error naming file and column

def compile_error(tmp_path: Path, model: str, **overrides) -> str:
    root = write_export(tmp_path / "export", **overrides)
    result = run_dbt(["compile", "--select", model], tmp_path / "build", check=False,
                     dbt_vars={"synthea_raw_path": str(root / "synthea"),
                               "emr_raw_path": str(root / "emr" / "extract_basic.csv")})
    assert result.returncode != 0, result.output[-2000:]
    return " ".join(result.output.split())


def test_missing_required_column_stops_the_build(tmp_path):
    lines = [",".join(c for c in line.split(",") if c != "PAYER") if i == 0 else line for i, line in enumerate(ENCOUNTERS)]
    msg = compile_error(tmp_path, "base_synthea__encounters", encounters=lines)
    assert "encounters.csv (synthea encounters) is missing required column(s): PAYER" in msg
    assert "Expected header (extra columns are allowed, names are case-sensitive): Id,START,STOP,PATIENT" in msg


def test_empty_file_stops_the_build(tmp_path):
    root = write_export(tmp_path / "export")
    (root / "synthea" / "payers.csv").write_bytes(b"")
    result = run_dbt(["compile", "--select", "base_synthea__payers"], tmp_path / "build", check=False,
                     dbt_vars={"synthea_raw_path": str(root / "synthea")})
    msg = " ".join(result.output.split())
    assert result.returncode != 0 and "payers.csv (synthea payers) is empty: expected a header line Id,NAME," in msg


def test_a_cp1252_file_without_its_utf8_copy_stops_dbt(tmp_path):
    """dbt reads a Windows-1252 file from the UTF-8 copy the door writes; run alone, it says so."""
    root = write_export(tmp_path / "export")
    result = run_dbt(["compile", "--select", "base_synthea__payers"], tmp_path / "build", check=False,
                     dbt_vars={"synthea_raw_path": str(root / "synthea"), "raw_encoding": "cp1252"})
    msg = " ".join(result.output.split())
    assert result.returncode != 0 and "payers.csv is read as cp1252 (Windows-1252)" in msg, msg[-2000:]
    assert "make build ENCODING=cp1252" in msg


def test_a_semicolon_delimited_file_is_read_with_its_delimiter(tmp_path):
    """A header that only makes sense split by `;` is read with `;` (make build's door says the same)."""
    root = write_export(tmp_path / "export", payers=[line.replace(",", ";") for line in PAYERS])
    result = run_dbt(["run", "--select", "base_synthea__payers"], tmp_path / "build",
                     dbt_vars={"synthea_raw_path": str(root / "synthea"),
                               "emr_raw_path": str(root / "emr" / "extract_basic.csv")})
    assert result.query("select count(*) from staging.base_synthea__payers") == [(len(PAYERS) - 1,)]
    assert result.query("select count(*) from staging.base_synthea__payers where payer_name is null") == [(0,)]


def test_missing_required_file_is_named(tmp_path):
    msg = compile_error(tmp_path, "base_synthea__organizations", organizations=None)
    assert "has no organizations.csv (or .csv.gz, .parquet): this file is required" in msg


def test_missing_emr_file_is_named(tmp_path):
    result = run_dbt(["compile", "--select", "base_emr__visits"], tmp_path / "build", check=False,
                     dbt_vars={"emr_raw_path": str(tmp_path / "nowhere.csv")})
    assert result.returncode != 0 and "EMR extract not found: " + str(tmp_path / "nowhere.csv") in result.output


def test_ragged_row_names_file_and_line(tmp_path):
    root = write_export(tmp_path / "export", payers=PAYERS + ["pay3,Aetna,extra,field,too,many,columns,here"])
    result = run_dbt(["build", "--select", "+base_synthea__payers", "--indirect-selection", "cautious"], tmp_path / "build", check=False,
                     dbt_vars={"synthea_raw_path": str(root / "synthea")})
    msg = " ".join(result.output.split())
    assert result.returncode != 0
    assert "CSV Error on Line: 4" in msg and "payers.csv" in msg


def test_header_only_file_loads_as_no_rows(tmp_path):
    root = write_export(tmp_path / "export", procedures=PROCEDURES[:1])
    result = run_dbt(["build", "--select", "+base_synthea__procedures", "--indirect-selection", "cautious"], tmp_path / "build",
                     dbt_vars={"synthea_raw_path": str(root / "synthea")})
    assert result.query("select count(*) from staging.base_synthea__procedures") == [(0,)]


def test_reconciliation_fails_when_a_row_goes_missing(tmp_path):
    """The nothing-lost test is not a tautology: drop one clean row and it fails with the four counts."""
    root = write_export(tmp_path / "export")
    vars_ = {"synthea_raw_path": str(root / "synthea")}
    build = run_dbt(["build", "--select", "+staging", "--exclude", "resource_type:test"], tmp_path / "build",
                    dbt_vars=vars_)
    with duckdb.connect(str(build.db_path)) as con:
        con.execute("delete from staging.base_synthea__procedures where source_row = 1")
    failed = run_dbt(["test", "--select", "stg_synthea__procedures,test_name:raw_rows_reconcile", "--store-failures"],
                     tmp_path / "build", dbt_vars=vars_, check=False)
    assert failed.returncode != 0 and "FAIL 1" in failed.output
    audit = failed.query("select table_schema, table_name from information_schema.tables "
                         "where table_name like 'raw_rows_reconcile%'")
    assert len(audit) == 1
    schema, table = audit[0]
    # 4 raw rows: 1 clean left (of 2), 1 quarantined, 1 duplicate
    assert failed.query(f'select * from "{schema}"."{table}"') == [(4, 1, 1, 1)]


def test_visits_after_the_build_date_are_quarantined_and_never_stretch_the_calendar(tmp_path):
    """build_date 2024-06-30, grace 1 day: a visit on 2024-07-01 is kept, one on 2024-07-02 or in 2099 is
    quarantined as future (with its procedure), and an ambulatory encounter open until 2030 (real in Synthea)
    is kept without stretching dim_date, which ends at the last start or admission discharge."""
    encounters = ENCOUNTERS + [
        "e7,2099-03-01T10:00:00Z,2099-03-05T10:00:00Z,p1,o1,dr1,pay1,inpatient,32485007,Hospital admission,"
        "100.00,1000.00,0,,",
        "e8,2015-06-01T10:00:00Z,2030-05-23T10:00:00Z,p1,o1,dr1,pay1,ambulatory,185345009,Encounter for symptom,"
        "50.00,50.00,0,,",
    ]
    procedures = PROCEDURES + ["2099-03-02T10:00:00Z,2099-03-02T11:00:00Z,p1,e7,430193006,Medication Reconciliation,"
                               "469.38,,"]
    root = write_export(tmp_path / "export", encounters=encounters, procedures=procedures)
    emr = EMR_BASIC + [
        f"P{n},40,Male,White,I10,,,None,99213,{day},{day},0,Medicare,DR1,Cardiology,Epic,120/80,70,98.6,100,180"
        for n, day in ((4, "01-07-2024"), (5, "02-07-2024"), (6, "01-01-2099"))
    ]
    write_csv(root / "emr" / "extract_basic.csv", emr, bom=False)
    result = run_dbt(["build", "--select", "+dim_date", "+stg_synthea__quarantine", "+stg_emr__quarantine",
                      "--indirect-selection", "cautious"], tmp_path / "build",
                     dbt_vars={"synthea_raw_path": str(root / "synthea"),
                               "emr_raw_path": str(root / "emr" / "extract_basic.csv"),
                               "build_date": "2024-06-30"})
    synthea = result.query("select raw_table, source_row, rejection_reason from staging.stg_synthea__quarantine "
                           "where rejection_reason <> 'orphan_patient' and source_row > 4 order by 1, 2")
    assert synthea == [("encounters", 7, "future_start"), ("procedures", 5, "orphan_encounter")]  # data rows
    emr_rejected = result.query("select source_row, rejection_reason from staging.stg_emr__quarantine order by 1")
    assert emr_rejected == [(6, "future_visit_date"), (7, "future_visit_date")]
    kept = result.query("select encounter_id from staging.stg_synthea__encounters where is_long_running")
    assert kept == [("e8",)]
    assert result.query("select min(date_day), max(date_day) from marts.dim_date") == [
        (dt.date(2011, 1, 2), dt.date(2024, 7, 1))]


def test_repeated_measurements_and_patient_level_observations_are_kept(tmp_path):
    """Synthea repeats a reading within one second with another value (both real), writes QALY-style scores
    without an ENCOUNTER (patient-level), and an exact copy is still a duplicate. The vitals rule takes the
    later row of two readings at the same second."""
    observations = [
        "DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE",
        "2011-01-02T01:50:00Z,p1,e1,vital-signs,8480-6,Systolic Blood Pressure,120.0,mm[Hg],numeric",
        "2011-01-02T01:50:00Z,p1,e1,vital-signs,8480-6,Systolic Blood Pressure,130.0,mm[Hg],numeric",
        "2011-01-02T01:50:00Z,p1,e1,vital-signs,8480-6,Systolic Blood Pressure,130.0,mm[Hg],numeric",
        "2011-01-02T01:50:00Z,p1,e1,vital-signs,8462-4,Diastolic Blood Pressure,80.0,mm[Hg],numeric",
        "2020-01-01T00:00:00Z,p1,,survey,QALY,Quality adjusted life years,8.5,a,numeric",
        "2020-01-01T00:00:00Z,p404,,survey,QALY,Quality adjusted life years,7.0,a,numeric",
        "2020-01-01T00:00:00Z,,,survey,DALY,Disability adjusted life years,0.5,a,numeric",
    ]
    root = write_export(tmp_path / "export", observations=observations)
    result = run_dbt(["build", "--select", "+int_encounter_vitals", "+stg_synthea__quarantine",
                      "--indirect-selection", "cautious"], tmp_path / "build",
                     dbt_vars={"synthea_raw_path": str(root / "synthea")})
    status = result.query("select source_row, row_status, rejection_reason, encounter_id, value_numeric "
                          "from staging.base_synthea__observations order by source_row")
    assert status == [(1, "clean", None, "e1", 120.0), (2, "clean", None, "e1", 130.0),
                      (3, "duplicate", None, "e1", 130.0), (4, "clean", None, "e1", 80.0),
                      (5, "clean", None, None, 8.5), (6, "quarantined", "orphan_patient", None, 7.0),
                      (7, "quarantined", "missing_patient_id", None, 0.5)]
    vitals = result.query("select encounter_id, systolic_bp, diastolic_bp from intermediate.int_encounter_vitals "
                          "where source_system = 'synthea'")
    assert vitals == [("e1", 130.0, 80.0)]


# ---------------------------------------------------------------- the order of a file's dates

MONTH_FIRST = [EMR_BASIC[0]] + [
    f"{pid},40,Male,White,I10,,,None,99213,{visit},{discharge},1,Medicare,DR1,Cardiology,Epic,120/80,70,98.6,100,180"
    for pid, visit, discharge in (("M1", "04-09-2024", "04-10-2024"), ("M2", "04-25-2024", ""))
]


@pytest.mark.parametrize("forced, visits, quarantined", [
    # 04-25-2024 proves the file month-first: 04-09-2024 is 9 April, never silently 4 September
    (None, [("M1", dt.date(2024, 4, 9), dt.date(2024, 4, 10)), ("M2", dt.date(2024, 4, 25), None)], []),
    # forced day-first: 04-09-2024 is 4 September, and 04-25-2024 no date at all
    ("dmy", [("M1", dt.date(2024, 9, 4), dt.date(2024, 10, 4))], [(2, "unparseable_visit_date")]),
])
def test_a_file_s_date_order_is_decided_from_the_whole_file(tmp_path, forced, visits, quarantined):
    write_csv(tmp_path / "visits.csv", MONTH_FIRST, bom=False)
    result = run_dbt(["build", "--select", "+stg_emr__visits", "+stg_emr__quarantine", "--exclude-resource-type",
                      "test", "--exclude-resource-type", "unit_test"], tmp_path / "build",
                     dbt_vars={"emr_raw_path": str(tmp_path / "visits.csv")},
                     env={"HOSPITAL_DATE_ORDER": forced} if forced else None)
    assert result.query("select patient_id, visit_date, discharge_date from staging.stg_emr__visits order by 1") == visits
    assert result.query("select source_row, rejection_reason from staging.stg_emr__quarantine order by 1") == quarantined
