"""Publishing for BI: a reader of the published copy never blocks a build nor sees a half-built one; a
killed build publishes nothing; the Parquet exports read back to the same rows and types."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import TABLES_ONLY, publish, run_dbt
from hospital_warehouse import dbtrun
from hospital_warehouse.generator import GeneratorConfig, generate


def build_and_publish(workdir: Path, export: Path) -> None:
    """As `make build` does: a full build (--full-refresh) of the export given, then publishing (the tables
    alone: what is published does not depend on dbt's tests, which make runs before it)."""
    run_dbt(["build", "--full-refresh"], workdir, dbt_vars={"synthea_raw_path": str(export / "synthea"),
                                          "emr_raw_path": str(export / "emr" / "visits.csv")}, data_tests=False,
            artifacts=True)
    publish(workdir / "hospital.duckdb", workdir / "hospital_bi.duckdb", workdir / "exports",
            capture_output=True, text=True)


def encounters(con) -> int:
    return con.sql("select count(*) from marts.fct_encounters").fetchone()[0]


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> list[Path]:
    out = []
    for seed, patients in [(101, 120), (102, 160)]:
        folder = tmp_path_factory.mktemp(f"export_{seed}")
        generate(GeneratorConfig(seed=seed, patients=patients, emr_rows=300), folder, progress=False)
        out.append(folder)
    return out


@pytest.fixture(scope="module")
def first_build(exports, tmp_path_factory) -> Path:
    """The first export built and published, which each test below copies and builds over."""
    work = tmp_path_factory.mktemp("first_build")
    build_and_publish(work, exports[0])
    return work


def built_over(first_build: Path, tmp_path: Path) -> Path:
    for name in ("hospital.duckdb", "hospital_bi.duckdb"):
        shutil.copy(first_build / name, tmp_path / name)
    shutil.copytree(first_build / "target", tmp_path / "target")
    return tmp_path


def test_a_reader_never_blocks_a_build_and_sees_new_data_after_reconnecting(tmp_path, exports, first_build):
    built_over(first_build, tmp_path)
    bi = tmp_path / "hospital_bi.duckdb"
    first_publish = bi.stat().st_ino
    reader = duckdb.connect(str(bi), read_only=True)
    first = encounters(reader)
    seen, problems, stop = [], [], threading.Event()

    def keep_reading():
        while not stop.is_set():
            try:
                seen.append(encounters(reader))
            except Exception as exc:  # noqa: BLE001 - any failure of the reader is the finding
                problems.append(repr(exc))
            time.sleep(0.1)

    thread = threading.Thread(target=keep_reading)
    thread.start()
    try:
        build_and_publish(tmp_path, exports[1])  # a full build while the reader holds the old copy
    finally:
        stop.set()
        thread.join()
    assert problems == [] and len(seen) > 20
    assert set(seen) == {first}, "the reader keeps its consistent (old) copy until it reconnects"
    reader.close()
    with duckdb.connect(str(bi), read_only=True) as fresh:
        latest = encounters(fresh)
    with duckdb.connect(str(tmp_path / "hospital.duckdb"), read_only=True) as build:
        assert latest == encounters(build) != first
    assert bi.stat().st_ino != first_publish, "each publish is a new file renamed into place"
    assert not list(tmp_path.glob(".hospital_bi.duckdb.*.tmp")), "no temporary file left behind"


def test_a_killed_build_leaves_the_last_good_copy_and_the_next_build_succeeds(tmp_path, exports, first_build):
    built_over(first_build, tmp_path)
    bi = tmp_path / "hospital_bi.duckdb"
    before = hashlib.sha256(bi.read_bytes()).hexdigest()
    with duckdb.connect(str(bi), read_only=True) as con:
        published = encounters(con)
    cmd = dbtrun.command(["build", "--full-refresh", *TABLES_ONLY], tmp_path)
    env = dbtrun.environment(tmp_path, exports[1] / "synthea", exports[1] / "emr" / "visits.csv", relative=True)
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    started = []
    for line in proc.stdout:  # kill it once it is rebuilding the models, half way
        started.append(line)
        if "int_encounters_unioned" in line and "START" in line:
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode != 0 and any("base_synthea__encounters" in s for s in started)
    # make stops on a failed build, so publishing never runs: the published copy is untouched
    assert hashlib.sha256(bi.read_bytes()).hexdigest() == before
    with duckdb.connect(str(bi), read_only=True) as con:
        assert encounters(con) == published
    build_and_publish(tmp_path, exports[1])  # the next build recovers the killed one's database and succeeds
    with duckdb.connect(str(bi), read_only=True) as con:
        assert encounters(con) != published


DUCK_TO_ARROW = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_(),
                 "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"), "DECIMAL(18,2)": pa.decimal128(18, 2)}


def test_parquet_exports_read_back_with_the_same_rows_and_types(sample_warehouse, tmp_path):
    publish(sample_warehouse.db_path, tmp_path / "bi.duckdb", tmp_path / "exports")
    with duckdb.connect(str(tmp_path / "bi.duckdb"), read_only=True) as con:
        tables = [r[0] for r in con.sql("select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()]
        assert len(tables) == 35
        assert con.sql("select count(*) from duckdb_tables() where schema_name <> 'marts'").fetchone()[0] == 0, \
            "only the published marts: no staging (names, addresses) in the BI copy"
        for t in tables:
            rows = con.sql(f"select count(*) from marts.{t}").fetchone()[0]
            cols = con.sql(f"select column_name, data_type from duckdb_columns() where schema_name = 'marts' "
                           f"and table_name = '{t}' order by column_index").fetchall()
            table = pq.read_table(tmp_path / "exports" / f"{t}.parquet")
            assert table.num_rows == rows, t
            assert [(f.name, f.type) for f in table.schema] == [(c, DUCK_TO_ARROW[d]) for c, d in cols], t
            frame = table.to_pandas()
            assert len(frame) == rows and list(frame.columns) == [c for c, _ in cols]
    manifest = (tmp_path / "exports" / "manifest.json").read_text()
    assert '"fct_encounters"' in manifest
