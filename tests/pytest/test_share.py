"""The de-identified share (make share, hospital_warehouse/share.py) of a full Synthea export (SSN, driver's licence and
passport columns, names, addresses) and an EMR extract: no source identifier appears anywhere in it; every
interval survives the per-patient date shift; the same key gives the same share and two keys share no
pseudonym; the shared aggregates hold no small count; without a key nothing is written."""
from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from conftest import publish, run_dbt
from hospital_warehouse import share
from hospital_warehouse.check_mart_yml import warehouse_columns as tables
from hospital_warehouse.generator import GeneratorConfig, generate
from test_small_cells import THRESHOLD, count_columns

KEY_A = "a-secret-for-the-tests-0001"
KEY_B = "another-secret-for-the-tests-0002"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
KEPT_IDS = {"organization_id", "payer_id"}  # organizations and payers are not individuals: kept as they are


def run_share(workdir: Path, bi: Path, build: Path, key: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != share.KEY_VARIABLE}
    if key is not None:
        env[share.KEY_VARIABLE] = key
    return subprocess.run([sys.executable, "-m", "hospital_warehouse.share", "--bi-db", str(bi), "--build-db", str(build),
                           "--out", str(workdir / "hospital_share.duckdb"), "--exports", str(workdir / "exports")],
                          capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def identified(tmp_path_factory):
    """A full export built and published: (export folder, build file, published copy)."""
    export = tmp_path_factory.mktemp("full_export")
    generate(GeneratorConfig(seed=23, patients=180, emr_rows=400), export, full_export=True, progress=False)
    work = tmp_path_factory.mktemp("full_build")
    build = run_dbt(["build"], work, dbt_vars={"synthea_raw_path": str(export / "synthea"),
                                               "emr_raw_path": str(export / "emr" / "visits.csv")}, data_tests=False,
                    artifacts=True)
    publish(build.db_path, work / "hospital_bi.duckdb", work / "exports", capture_output=True)
    return export, build.db_path, work / "hospital_bi.duckdb"


@pytest.fixture(scope="module")
def shares(identified, tmp_path_factory) -> dict[str, Path]:
    """Three shares of the same build: key A twice, key B once."""
    _, build, bi = identified
    out = {}
    for name, key in [("a1", KEY_A), ("a2", KEY_A), ("b", KEY_B)]:
        folder = tmp_path_factory.mktemp(f"share_{name}")
        proc = run_share(folder, bi, build, key)
        assert proc.returncode == 0, proc.stderr
        out[name] = folder / "hospital_share.duckdb"
    return out


def raw_values(path: Path, columns: list[str]) -> set[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {row[c] for row in csv.DictReader(fh) for c in columns if row.get(c)}


def test_the_share_has_every_published_table_and_no_source_identifier(identified, shares):
    export, _, bi = identified
    synthea = export / "synthea"
    identifiers = {
        "patient ids": raw_values(synthea / "patients.csv", ["Id"]) | raw_values(export / "emr" / "visits.csv", ["Patient ID"]),
        "encounter ids": raw_values(synthea / "encounters.csv", ["Id"]),
        "names": raw_values(synthea / "patients.csv", ["FIRST", "MIDDLE", "LAST", "MAIDEN"]),
        "SSN, driver's licences, passports": raw_values(synthea / "patients.csv", ["SSN", "DRIVERS", "PASSPORT"]),
        "addresses": raw_values(synthea / "patients.csv", ["ADDRESS"]) | raw_values(synthea / "organizations.csv", ["ADDRESS"]),
        "phone numbers": raw_values(synthea / "organizations.csv", ["PHONE"]),
    }
    assert all(len(v) > 20 for k, v in identifiers.items() if k != "phone numbers"), {k: len(v) for k, v in identifiers.items()}
    assert identifiers["phone numbers"]  # the full export's organizations carry them
    with duckdb.connect(str(bi), read_only=True) as con:  # ids the warehouse derives: stays, procedures, keys
        for what, sql in [("stay ids", "select stay_id from marts.fct_stays"), ("procedure ids", "select procedure_id from marts.fct_procedures"),
                          ("patient keys", "select patient_key from marts.dim_patients"),
                          ("EMR visit ids", "select encounter_id from marts.fct_encounters where source_system = 'emr'")]:
            identifiers[what] = {r[0] for r in con.sql(sql).fetchall() if r[0]}
    published, shared = tables(bi), tables(shares["a1"])
    assert sorted(shared) == sorted(published) and len(shared) == 35
    with duckdb.connect(str(shares["a1"]), read_only=True) as con:
        con.execute("create temp table source_ids(v varchar)")
        con.executemany("insert into source_ids values (?)", [(v,) for vs in identifiers.values() for v in vs])
        for table, columns in shared.items():
            for column, dtype in columns:
                if dtype != "VARCHAR":
                    continue
                hits = con.sql(f'select count(*) from marts."{table}" where "{column}" in (select v from source_ids)').fetchone()[0]
                assert hits == 0, f"{table}.{column} holds {hits} source identifiers"
                if column not in KEPT_IDS:
                    values = [r[0] for r in con.sql(f'select distinct "{column}" from marts."{table}" where "{column}" is not null').fetchall()]
                    assert not [v for v in values if UUID.search(v) or re.search(r"\b\d{3}-\d{2}-\d{4}\b", v)], f"{table}.{column}"
        for table in shared:  # the Parquet files hold the same rows
            assert con.sql(f"select count(*) from read_parquet('{shares['a1'].parent / 'exports' / (table + '.parquet')}')").fetchone()[0] == \
                con.sql(f'select count(*) from marts."{table}"').fetchone()[0]
    assert ("birth_date", "DATE") not in shared["dim_patients"] and ("birth_year", "BIGINT") in shared["dim_patients"]
    assert not [c for c, _ in shared["fct_encounters"] if c.endswith("_description")]
    # neither the key nor its padded halves are stored anywhere in the file
    blob = shares["a1"].read_bytes()
    ipad, opad = share.key_pads(KEY_A)
    assert KEY_A.encode() not in blob and ipad.encode() not in blob and opad.encode() not in blob


def test_dates_move_by_one_offset_per_patient_and_every_interval_survives(identified, shares):
    _, _, bi = identified
    with duckdb.connect(str(bi), read_only=True) as con:
        stays = con.sql("select source_system, stay_id, patient_id, next_stay_id, admit_at, discharge_at, discharge_date, los_days, "
                        "days_to_next_stay, age_at_admission from marts.fct_stays").fetchall()
        patients = con.sql("select source_system, patient_id, birth_date, age_at_reference, death_date from marts.dim_patients").fetchall()
    with duckdb.connect(str(shares["a1"]), read_only=True) as con:
        shared = {r[0]: r for r in con.sql("select stay_id, patient_id, next_stay_id, admit_at, discharge_at, discharge_month, los_days, "
                                           "days_to_next_stay, age_at_admission from marts.fct_stays").fetchall()}
        shared_patients = {r[0]: r for r in con.sql("select patient_id, birth_year, age_at_reference, death_date from marts.dim_patients").fetchall()}
    assert len(shared) == len(stays) > 100
    offsets = set()
    for source, stay, patient, nxt, admit, discharge, discharge_date, los, gap, age in stays:
        s = shared[share.pseudonym(KEY_A, "stay", source, stay)]
        offset = share.offset_days(KEY_A, source, patient)
        offsets.add(offset)
        assert offset % 7 == 0 and 7 <= abs(offset) <= 364
        assert s[1] == share.pseudonym(KEY_A, "patient", source, patient)
        assert s[2] == (share.pseudonym(KEY_A, "stay", source, nxt) if nxt else None)  # the chain of stays survives
        assert (s[3] - admit).days == offset
        if discharge:
            assert (s[4] - discharge).days == offset and s[4] - s[3] == discharge - admit  # the stay's length, to the second
            moved = date.fromordinal(discharge_date.toordinal() + offset)
            assert s[5] == date(moved.year, moved.month, 1)  # the month is taken again from the moved date
        assert (s[6], s[7]) == (los, gap)  # length of stay and days to the next stay
        assert s[8] == (min(age, 90) if age is not None else None)
    assert len(offsets) > 20  # one offset per patient, not one for everyone
    over_89 = 0
    for source, patient, birth, age, death in patients:
        p = shared_patients[share.pseudonym(KEY_A, "patient", source, patient)]
        offset = share.offset_days(KEY_A, source, patient)
        assert p[3] == (death + timedelta(days=offset) if death else None)
        if age is not None and age > 89:
            over_89 += 1
            assert p[1] is None and p[2] == 90
        else:
            assert p[1] == (birth.year if birth else None) and p[2] == age
    assert over_89 > 0  # the export has patients over 89: their birth year is withheld


def test_the_same_key_gives_the_same_share_and_two_keys_share_no_pseudonym(shares):
    def content(db: Path) -> dict[str, list]:
        with duckdb.connect(str(db), read_only=True) as con:
            return {t: con.sql(f'select * from marts."{t}" order by all').fetchall() for t in tables(db)}
    a1, a2 = content(shares["a1"]), content(shares["a2"])
    assert a1 == a2
    pseudonyms = {}
    for name in ("a1", "b"):
        with duckdb.connect(str(shares[name]), read_only=True) as con:
            pseudonyms[name] = {r[0] for r in con.sql(
                "select patient_id from marts.dim_patients union all select patient_key from marts.dim_patients "
                "union all select encounter_id from marts.fct_encounters union all select stay_id from marts.fct_stays "
                "union all select procedure_id from marts.fct_procedures").fetchall()}
    assert len(pseudonyms["a1"]) > 1000 and not pseudonyms["a1"] & pseudonyms["b"]


def test_no_shared_aggregate_holds_a_small_count(shares):
    with duckdb.connect(str(shares["b"]), read_only=True) as con:
        columns = count_columns(lambda sql: con.sql(sql).fetchall())
        assert len(columns) >= 40 and ("mart_executive_summary", "patients") in columns
        small = {f"{t}.{c}": n for t, c in columns
                 if (n := con.sql(f'select count(*) from marts."{t}" where "{c}" between 1 and {THRESHOLD}').fetchone()[0])}
        assert small == {}
        assert con.sql("select count(*) from marts.mart_executive_summary where suppressed").fetchone()[0] > 0


@pytest.mark.parametrize("key,message", [(None, "HOSPITAL_SHARE_KEY is not set"), ("short", "shorter than 16 characters")])
def test_without_a_key_nothing_is_shared(identified, tmp_path, key, message):
    _, build, bi = identified
    proc = run_share(tmp_path, bi, build, key)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not list(tmp_path.iterdir())


def test_a_text_column_without_a_rule_stops_the_share(identified, tmp_path):
    _, build, bi = identified
    copy = tmp_path / "bi.duckdb"
    copy.write_bytes(bi.read_bytes())
    with duckdb.connect(str(copy)) as con:
        con.execute("alter table marts.fct_encounters add column clinician_note varchar default 'seen by Dr Smith'")
    out = tmp_path / "out"
    out.mkdir()
    proc = run_share(out, copy, build, KEY_A)
    assert proc.returncode == 2 and "marts.fct_encounters.clinician_note is text the share has no rule for" in proc.stderr
    assert not (out / "hospital_share.duckdb").exists() and not (out / "exports").exists()
