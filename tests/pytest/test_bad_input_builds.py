"""Bad input that loads (test_bad_input.py has the cases): the dirt of several cases in one export built
through `hospital build`, and each other loadable case built by dbt alone; every raw row accounted for."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import run_dbt
from test_bad_input import (
    CASES,
    SHARED_BUILD,
    Case,
    data_lines,
    make_build,
    plant_published,
    published_state,
)

BUILDS_ALONE = [c for c in CASES if c.builds and c.name not in SHARED_BUILD]


def dbt_build(workdir: Path, synthea, emr, encoding: str | None = None, data_tests: bool = True):
    """`dbt build` alone of an export into workdir: for the loadable cases that need no more of `hospital
    build` than the build (each also passes the door in-process: test_loadable_input_passes_the_door)."""
    env = {"HOSPITAL_SYNTHEA_RAW_PATH": str(synthea or ""), "HOSPITAL_EMR_RAW_PATH": str(emr or "")}
    if encoding:
        env["HOSPITAL_RAW_ENCODING"] = encoding
    # dbt's unit tests mock their inputs: the same whatever the export (the sample's build runs them)
    return run_dbt(["build", "--full-refresh", "--exclude-resource-type", "unit_test"], workdir, env=env, check=False,
                   data_tests=data_tests)


def assert_built(case: Case, proc, project: Path, synthea, before) -> None:
    """A build case through `hospital build`: exit 0, published, and every raw row accounted for."""
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    assert published_state(project) != before
    assert_accounted(case, project / "warehouse" / "hospital_bi.duckdb", project / "warehouse" / "hospital.duckdb",
                     synthea)


def assert_accounted(case: Case, marts_db: Path, build_db: Path, synthea) -> None:
    """Every raw row of every file accounted for (raw = clean + quarantined + duplicates, raw = the data lines
    written), and the case's own check on the build file."""
    with duckdb.connect(str(marts_db), read_only=True) as con:
        rows = con.sql("select source_file, raw_rows, clean_rows, quarantined_rows, duplicate_rows "
                       "from marts.mart_data_quality").fetchall()
    assert rows or case.no_rows
    for raw_file, raw, clean_rows, quarantined, duplicates in rows:
        assert raw == clean_rows + quarantined + duplicates, (raw_file, raw, clean_rows, quarantined, duplicates)
    files = {Path(r[0]).name: r[1] for r in rows}
    s_folder = Path(synthea) if synthea else None
    for name in ("encounters", "patients", "procedures"):
        if s_folder is not None:
            assert files[f"{name}.csv"] == data_lines(s_folder / f"{name}.csv", case.encoding or "utf-8")
    for name, n in case.lines.items():
        assert files[name] == n, (name, files)
    if case.check is not None:
        with duckdb.connect(str(build_db), read_only=True) as con:
            case.check(con)



@pytest.mark.parametrize("case", BUILDS_ALONE, ids=[c.name for c in BUILDS_ALONE])
def test_loadable_input_builds(case: Case, clean, tmp_path):
    export = shutil.copytree(clean, tmp_path / "export")
    synthea, emr = case.damage(export)
    build = dbt_build(tmp_path / "build", synthea, emr, case.encoding)
    assert build.returncode == 0, build.output[-4000:]
    assert_accounted(case, build.db_path, build.db_path, synthea)



@pytest.fixture(scope="module")
def shared_build(project, clean, tmp_path_factory):
    """One `make build` of an export with the dirt of every SHARED_BUILD case."""
    export = shutil.copytree(clean, tmp_path_factory.mktemp("shared_build") / "export")
    by_name = {c.name: c for c in CASES}
    for name in SHARED_BUILD:
        synthea, emr = by_name[name].damage(export)
    plant_published(project)
    before = published_state(project)
    return make_build(project, synthea, emr), synthea, before



@pytest.mark.parametrize("name", SHARED_BUILD)
def test_loadable_dirt_builds(name: str, shared_build, project):
    proc, synthea, before = shared_build
    assert "Traceback" not in proc.stdout + proc.stderr
    assert_built(next(c for c in CASES if c.name == name), proc, project, synthea, before)


