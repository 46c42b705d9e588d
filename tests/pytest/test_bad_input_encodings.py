"""Exports in another encoding (latin-1, cp1252, utf-16) build what their UTF-8 copy builds, and a batch
whose patients snapshot lacks patients stops: both against one build of the clean export."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import publish, run_dbt
from hospital_warehouse import compare_warehouses
from test_bad_input import (
    default,
    hospital,
    lines_of,
    make_build,
    plant_published,
    published_state,
    recode,
)
from test_bad_input_builds import dbt_build  # noqa: E402


@pytest.fixture(scope="module")
def clean_build(project, clean, tmp_path_factory) -> Path:
    """The clean export's tables built by dbt (what the encoded copies are compared with) and published; the
    build file is also the project's warehouse, which a batch adds to. Returns the published file. (The
    whole `hospital build` runs on the cp1252 copy below and on the dirt of test_bad_input_builds.py.)"""
    work = tmp_path_factory.mktemp("clean_build")
    synthea, emr = default(clean)
    build = run_dbt(["build", "--full-refresh"], work, env={"HOSPITAL_SYNTHEA_RAW_PATH": str(synthea),
                                                              "HOSPITAL_EMR_RAW_PATH": str(emr)},
                    data_tests=False, artifacts=True)
    publish(build.db_path, work / "hospital_bi.duckdb", work / "exports", capture_output=True)
    (project / "warehouse").mkdir(exist_ok=True)
    shutil.copy(build.db_path, project / "warehouse" / "hospital.duckdb")
    return work / "hospital_bi.duckdb"



def test_a_batch_with_a_partial_patients_snapshot_stops_before_writing(project, clean, clean_build, tmp_path):
    batch = shutil.copytree(clean, tmp_path / "batch")
    patients = batch / "synthea" / "patients.csv"
    lines = lines_of(patients)
    dropped = sorted(ln.split(b",")[0].decode() for ln in lines[1:4])
    patients.write_bytes(b"".join(lines[:1] + lines[4:]))  # the snapshot lacks three patients
    db = project / "warehouse" / "hospital.duckdb"
    before = (db.stat().st_mtime_ns, db.read_bytes())
    plant_published(project)
    published = published_state(project)
    proc = hospital(project, "batch", batch / "synthea", None)
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error: ")]
    assert proc.returncode != 0 and len(errors) == 1, proc.stdout[-2000:] + proc.stderr
    assert "patients.csv" in errors[0] and "lacks 3 patient(s)" in errors[0], errors[0]
    assert dropped[0] in errors[0] and all(d in errors[0] for d in dropped), (dropped, errors[0])
    assert (db.stat().st_mtime_ns, db.read_bytes()) == before, "the warehouse was written"
    assert published_state(project) == published


# A name in each encoding's own characters: Latin-1 has é and ü, Windows-1252 adds the en dash and the
# curly apostrophe (0x96, 0x92), UTF-16 holds any character.
ENCODED_NAMES = {"latin-1": "José Müller", "cp1252": "O’Brien–José", "utf-16": "José 李"}


@pytest.fixture(scope="module")
def utf8_published(clean_build) -> Path:
    """The published copy the clean export gives in UTF-8."""
    return clean_build



@pytest.mark.parametrize("encoding", sorted(ENCODED_NAMES))
def test_an_export_in_another_encoding_builds_what_its_utf8_copy_builds(encoding, utf8_published, project, clean,
                                                                       tmp_path):
    """ENCODING=latin-1, cp1252 or utf-16: every published table equals the UTF-8 build's (names are not
    published), every raw row is accounted for, and a name in the encoding's own characters reads back."""
    export = shutil.copytree(clean, tmp_path / "export")
    patients = export / "synthea" / "patients.csv"
    name = ENCODED_NAMES[encoding]
    for p in [*(export / "synthea").glob("*.csv"), export / "emr" / "visits.csv"]:
        recode(p, encoding)
    text = patients.read_bytes().decode(encoding)
    lines = text.split("\n")
    fields = lines[2].split(",")
    first = lines[0].strip("\ufeff\r").split(",").index("FIRST")
    first_id, fields[first] = fields[0], name + fields[first]
    lines[2] = ",".join(fields)
    patients.write_bytes("\n".join(lines).encode(encoding))
    if encoding == "cp1252":  # read from the UTF-8 copies the door writes: the whole `hospital build`
        proc = make_build(project, *default(export), encoding)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
        published, build_db = project / "warehouse" / "hospital_bi.duckdb", project / "warehouse" / "hospital.duckdb"
    else:  # DuckDB reads these itself: dbt alone
        build = dbt_build(tmp_path / "build", *default(export), encoding, data_tests=False)  # tables compared below
        assert build.returncode == 0, build.output[-3000:]
        published = build_db = build.db_path
    marts = compare_warehouses.compare_tables(str(utf8_published), str(published), "marts")
    assert marts.tables == 35 and marts.rows > 1000
    assert marts.equal, "\n".join(marts.differences)
    with duckdb.connect(str(build_db), read_only=True) as con:
        got = con.execute("select first_name, source_file from staging.stg_synthea__patients where patient_id = ?",
                          [first_id]).fetchall()
        reconcile = con.sql("select source_file, raw_rows, clean_rows + quarantined_rows + duplicate_rows "
                            "from marts.mart_data_quality").fetchall()
    assert len(got) == 1 and got[0][0].startswith(name) and got[0][1] == str(patients), got
    assert reconcile and all(raw == accounted for _, raw, accounted in reconcile), reconcile


