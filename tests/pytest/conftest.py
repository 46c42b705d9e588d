"""Shared fixtures: a dbt runner that builds into temporary folders, and generated data sets.

Every warehouse the tests build lives under pytest's tmp_path; nothing touches warehouse/ or target/.
`make test` runs the suite on three processes (pytest-xdist, `--dist loadfile`: a test file runs whole on one
of them, so its module fixtures are built once; the bad-input builds are three files so that they spread). What several files read, the sample's build and the small
generated export, is made once per run: the first process that needs it makes it in a folder both share,
while the other waits for it (built_once).
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from hospital_warehouse import dbtrun
from hospital_warehouse.generator import GeneratorConfig, generate

REPO = dbtrun.REPO


@dataclass
class DbtResult:
    returncode: int
    output: str
    db_path: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.db_path), read_only=True)

    def query(self, sql: str) -> list[tuple]:
        with self.connect() as con:
            return con.sql(sql).fetchall()

    def records(self, sql: str) -> list[dict]:
        """Rows as dicts of plain Python values (null is None)."""
        with self.connect() as con:
            rel = con.sql(sql)
            names = rel.columns
            return [dict(zip(names, row)) for row in rel.fetchall()]

    def df(self, sql: str):
        with self.connect() as con:
            return con.sql(sql).df()


# a `dbt build` of the tables alone: for a test that reads what the models wrote, not what dbt's tests say of it
TABLES_ONLY = ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]


# dbt's JSON artifacts (manifest.json, run_results.json, semantic_manifest.json) and its debug log file, which
# only a test reading them needs: writing them is about a fifth of the CPU of a build of a small export
NO_ARTIFACTS = {"DBT_WRITE_JSON": "false", "DBT_LOG_LEVEL_FILE": "none"}


def run_dbt(args: list[str], workdir: Path, dbt_vars: dict | None = None, env: dict | None = None,
            check: bool = True, data_tests: bool = True, artifacts: bool = False) -> DbtResult:
    """Run dbt from the repository root, writing the warehouse, target/ and logs under workdir (hospital_warehouse/dbtrun.py);
    env: variables added to dbtrun.environment(workdir). data_tests=False: a build without dbt's tests (TABLES_ONLY),
    about half the time, for a test whose assertions are on the tables. artifacts=True: dbt writes its JSON
    artifacts and log file (publish() reads the semantic manifest); otherwise only target/run, target/compiled
    and the partial parse, and what dbt prints."""
    if not data_tests:
        args = [*args, *TABLES_ONLY]
    env = {**({} if artifacts else NO_ARTIFACTS), **(env or {})}
    run = dbtrun.run(args, workdir, dbt_vars, dbtrun.environment(workdir, extra=env, relative=True))
    result = DbtResult(run.returncode, run.output, run.db_path)
    if check and run.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.output[-6000:]}")
    return result


def publish(build_db: Path, bi_db: Path, exports: Path, **run_kwargs) -> subprocess.CompletedProcess:
    """hospital_warehouse/publish.py on a build made by run_dbt: the semantic manifest is that run's (beside the build
    file, in its target/), not the repository's target/, which a clean checkout does not have."""
    return subprocess.run([sys.executable, "-m", "hospital_warehouse.publish", "--build-db", str(build_db),
                           "--bi-db", str(bi_db), "--exports", str(exports),
                           "--semantic-manifest", str(build_db.parent / "target" / "semantic_manifest.json")],
                          check=True, **run_kwargs)


@pytest.fixture(scope="session")
def shared_dir(tmp_path_factory) -> Path:
    """A folder every process of this run shares: the run's temporary folder (each xdist worker has its own
    under it), or this process's own when the suite runs on one process."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


# The files that take longest, first: on several processes (--dist loadfile --no-loadscope-reorder) files are
# handed out in this order, so that no process starts a long file when the others are nearly done. Without
# --no-loadscope-reorder, xdist hands out the files with the most tests first, and these few-test files last.
LONGEST_FIRST = ["test_incremental.py", "test_bad_input_builds.py", "test_benchmark.py", "test_fhir.py",
                 "test_bad_input_encodings.py", "test_share.py", "test_bad_input.py", "test_staging_inputs.py", "test_dashboard.py", "test_publish.py",
                 "test_quality.py"]


def pytest_collection_modifyitems(items) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the other files keep their order


def built_once(shared_dir: Path, name: str, make) -> Path:
    """shared_dir/name, made by make(folder) in whichever process asks first; the others wait for it. A
    failed make leaves no mark, so the next process to ask tries again (and fails with its own message)."""
    folder = shared_dir / name
    with open(shared_dir / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / ".made").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            make(folder)
            (folder / ".made").touch()
    return folder


@pytest.fixture(scope="session", autouse=True)
def parsed_project(shared_dir) -> Path:
    """The project parsed once (`dbt parse`): every dbt run of the tests in a new folder starts from its
    partial_parse.msgpack (dbtrun.PARSED) and parses only what its own vars and environment change."""
    folder = built_once(shared_dir, "parsed", lambda f: run_dbt(["parse"], f, artifacts=True))
    dbtrun.PARSED = folder / "target" / "partial_parse.msgpack"
    return dbtrun.PARSED


@pytest.fixture(scope="session")
def sample_warehouse(shared_dir) -> DbtResult:
    """The full `dbt build` of the shipped sample, as `make build` runs it (read only by the tests)."""
    def make(folder: Path) -> None:
        result = run_dbt(["build"], folder, artifacts=True)
        (folder / "dbt_output.txt").write_text(result.output)

    folder = built_once(shared_dir, "sample_build", make)
    return DbtResult(0, (folder / "dbt_output.txt").read_text(), folder / "hospital.duckdb")


@pytest.fixture(scope="session")
def suppressed_sample(shared_dir) -> DbtResult:
    """The sample built with the small-cell rule on (var suppress_small_cells, threshold 10), every dbt test
    included (read only)."""
    def make(folder: Path) -> None:
        result = run_dbt(["build"], folder, dbt_vars={"suppress_small_cells": True, "small_cell_threshold": 10})
        (folder / "dbt_output.txt").write_text(result.output)

    folder = built_once(shared_dir, "suppressed_build", make)
    return DbtResult(0, (folder / "dbt_output.txt").read_text(), folder / "hospital.duckdb")


@pytest.fixture(scope="session")
def sample_manifest() -> dict:
    return json.loads((REPO / "seeds" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def small_export(shared_dir) -> Path:
    """A small generated data set (200 patients, 600 EMR rows) with defects, CSV with BOM and CRLF (read only:
    a test that damages it works on a copy_export)."""
    return built_once(shared_dir, "small_export",
                      lambda out: generate(GeneratorConfig(seed=7, patients=200, emr_rows=600), out, progress=False))


def copy_export(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.fixture(scope="session")
def chromium():
    """Run headless Chromium on a URL, with no network at all where `unshare --net` is allowed (root, CI).
    Returns run(url, *extra_flags, user_dir) -> CompletedProcess. Skips when chromium is not installed."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("chromium is not installed (make test installs it where it can: scripts/ensure_chromium.sh)")
    offline = ["unshare", "--net"] if shutil.which("unshare") and subprocess.run(
        ["unshare", "--net", "true"], capture_output=True).returncode == 0 else []

    def run(url: str, *extra: str, user_dir: Path) -> subprocess.CompletedProcess:
        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={user_dir}", "--virtual-time-budget=4000", "--enable-logging=stderr", "--v=0"]
        return subprocess.run([*offline, path, *flags, *extra, url], capture_output=True, text=True, timeout=120)
    return run


# the bad-input files (test_bad_input*.py): a copy of the project that `hospital build` runs in, and a clean export
@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project (code and sample, the same virtual environment) that `make build` runs in."""
    root = tmp_path_factory.mktemp("project") / "repo"
    ignore = shutil.ignore_patterns(".venv*", "warehouse", "target", "logs", "reports", "exports", ".git",
                                    "__pycache__", ".pytest_cache", "data")
    shutil.copytree(REPO, root, ignore=ignore)
    (root / ".venv").symlink_to(REPO / ".venv")
    return root


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean_small")
    generate(GeneratorConfig(seed=21, patients=60, emr_rows=120, dirt_rate=0.0), out, progress=False)
    return out


