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


def environment(workdir: Path, synthea: Path | str | None = None, emr: Path | str | None = None,
                batch: bool = False, extra: dict | None = None) -> dict:
    """The environment of a dbt run building into workdir: the export's paths when given (both are set,
    as make does: a source not given is read as absent), HOSPITAL_BATCH_SINCE for a batch."""
    env = {**os.environ, "HOSPITAL_DB_PATH": str(workdir / "hospital.duckdb"),
           "HOSPITAL_DB_TEMP_DIR": str(workdir / "tmp"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.pop("HOSPITAL_BATCH_SINCE", None)
    if synthea is not None or emr is not None:
        env["HOSPITAL_SYNTHEA_RAW_PATH"] = str(synthea or "")
        env["HOSPITAL_EMR_RAW_PATH"] = str(emr or "")
    if batch:
        env["HOSPITAL_BATCH_SINCE"] = batch_since()
    env.update(extra or {})
    return env


def command(args: list[str], workdir: Path, dbt_vars: dict | None = None) -> list[str]:
    """`dbt <args>` with this project's profiles and workdir's target/ and logs/."""
    cmd = [DBT, *args, "--profiles-dir", str(REPO / "profiles"), "--target-path", str(workdir / "target"),
           "--log-path", str(workdir / "logs")]
    if dbt_vars:
        cmd += ["--vars", json.dumps(dbt_vars)]
    return cmd


@dataclass
class Run:
    returncode: int
    output: str
    db_path: Path


def run(args: list[str], workdir: Path, dbt_vars: dict | None = None, env: dict | None = None) -> Run:
    """Run dbt from the repository root into workdir (created); env: the environment (default: environment(workdir))."""
    workdir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(command(args, workdir, dbt_vars), cwd=REPO, env=env or environment(workdir),
                          capture_output=True, text=True)
    return Run(proc.returncode, proc.stdout + proc.stderr, workdir / "hospital.duckdb")
