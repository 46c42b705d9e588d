"""How this project runs dbt outside make: the command line and the environment, in one place.

The tests (tests/pytest/conftest.py), the benchmark (hospital_warehouse/bench/) and the publication tests build
into folders of their own: the warehouse file, dbt's target/ and logs/ and DuckDB's spill folder all go
under `workdir`. The raw export reaches dbt as `make build` passes it, through environment variables
(HOSPITAL_SYNTHEA_RAW_PATH, HOSPITAL_EMR_RAW_PATH): changing them keeps dbt's partial parsing, which new
--vars would not. A batch also gets HOSPITAL_BATCH_SINCE, as `make batch` sets it: the moment it starts,
from which its tests look at the rows it wrote (docs/incremental.md).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hospital_warehouse import REPO

DBT = str(Path(sys.executable).with_name("dbt"))


def batch_since() -> str:
    """Now in UTC, as `make batch` writes HOSPITAL_BATCH_SINCE (date -u '+%Y-%m-%d %H:%M:%S.%6N')."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# dbt vars of the raw export that the environment variables of the same meaning carry instead: vars change
# dbt's parse, environment variables read only when models run do not (macros/raw/read_raw.sql)
RAW_PATH_VARS = {"synthea_raw_path": "HOSPITAL_SYNTHEA_RAW_PATH", "emr_raw_path": "HOSPITAL_EMR_RAW_PATH"}
# a partial_parse.msgpack a run in a new folder starts from (the tests set it: conftest.py), so that dbt
# parses again only what changed; dbt checks that it fits and parses everything when it does not
PARSED: Path | None = None


def environment(workdir: Path, synthea: Path | str | None = None, emr: Path | str | None = None,
                batch: bool = False, extra: dict | None = None, relative: bool = False) -> dict:
    """The environment of a dbt run building into workdir: the export's paths when given (both are set,
    as make does: a source not given is read as absent), HOSPITAL_BATCH_SINCE for a batch. relative: the
    warehouse file and spill folder named relative to workdir, for a run from workdir (run()): the profile
    then reads the same in every folder, which keeps dbt's partial parsing from one folder to the next."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           "HOSPITAL_DB_PATH": "hospital.duckdb" if relative else str(workdir / "hospital.duckdb"),
           "HOSPITAL_DB_TEMP_DIR": "tmp" if relative else str(workdir / "tmp")}
    env.pop("HOSPITAL_BATCH_SINCE", None)
    if synthea is not None or emr is not None:
        env["HOSPITAL_SYNTHEA_RAW_PATH"] = str(synthea or "")
        env["HOSPITAL_EMR_RAW_PATH"] = str(emr or "")
    if batch:
        env["HOSPITAL_BATCH_SINCE"] = batch_since()
    env.update(extra or {})
    return env


def command(args: list[str], workdir: Path, dbt_vars: dict | None = None) -> list[str]:
    """`dbt <args>` of this project, with its profiles and workdir's target/ and logs/."""
    cmd = [DBT, *args, "--project-dir", str(REPO), "--profiles-dir", str(REPO / "profiles"),
           "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")]
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars)]
    return cmd


@dataclass
class Run:
    returncode: int
    output: str
    db_path: Path


def run(args: list[str], workdir: Path, dbt_vars: dict | None = None, env: dict | None = None) -> Run:
    """Run dbt from workdir (created) into it; env: the environment (default: environment(workdir, relative=True)).
    The raw-path vars are passed as their environment variables, and a new folder starts from PARSED."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = dict(env or environment(workdir, relative=True))
    dbt_vars = dict(dbt_vars or {})
    if any(v in dbt_vars for v in RAW_PATH_VARS):
        for var, name in RAW_PATH_VARS.items():
            env[name] = str(dbt_vars.pop(var, None) or "")
    if "raw_encoding" in dbt_vars:
        env["HOSPITAL_RAW_ENCODING"] = str(dbt_vars.pop("raw_encoding"))
    parsed = workdir / "target" / "partial_parse.msgpack"
    if PARSED is not None and PARSED.exists() and not parsed.exists():
        parsed.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PARSED, parsed)
    proc = subprocess.run(command(args, workdir, dbt_vars), cwd=workdir, env=env, capture_output=True, text=True)
    return Run(proc.returncode, proc.stdout + proc.stderr, workdir / "hospital.duckdb")
