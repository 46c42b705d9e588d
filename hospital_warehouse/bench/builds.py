"""The data and the builds the benchmark times: the generated export of a size (kept under data/bench/),
a fresh warehouse file, `dbt build` as make runs it (hospital_warehouse/dbtrun.py), the commit measured."""
from __future__ import annotations

import json
import logging
import math
import subprocess
from pathlib import Path

from hospital_warehouse import REPO, dbtrun
from hospital_warehouse.generator import GeneratorConfig, generate
from hospital_warehouse.generator.params import ENCOUNTERS_PER_PATIENT

HERE = Path(__file__).resolve().parent

log = logging.getLogger("benchmark")

def kept_export(folder: Path, size: int, what: str, sources: tuple[str, ...] = ("synthea", "emr"),
                **config) -> Path:
    """The generated export of `size` encounters kept in folder (seed 7), made when it is missing or was made
    for another size; config: the generator's other settings."""
    manifest = folder / "manifest.json"
    patients = max(1, math.ceil(size / ENCOUNTERS_PER_PATIENT))
    if manifest.exists() and json.loads(manifest.read_text())["parameters"]["patients"] == patients:
        return folder
    log.info("generating %s encounters as %s under %s", f"{size:,}", what, folder)
    generate(GeneratorConfig(seed=7, patients=patients, **config), folder, progress=True, sources=sources)
    return folder


def ensure_data(size: int, root: Path, file_format: str = "parquet") -> Path:
    """The benchmark's export of `size` encounters: Parquet under enc_<size>, the same population as CSV
    (the generator's default: BOM, CRLF, text as hospitals deliver it) under enc_<size>_csv."""
    folder = root / (f"enc_{size}" if file_format == "parquet" else f"enc_{size}_{file_format}")
    return kept_export(folder, size, file_format.upper() if file_format == "csv" else "Parquet",
                       emr_rows=max(1000, size // 20), file_format=file_format)


def fresh_database(work: Path) -> Path:
    """The work folder's warehouse file, removed (with its WAL) so that the next build starts empty."""
    work.mkdir(exist_ok=True)
    db = work / "hospital.duckdb"
    for old in (db, work / "hospital.duckdb.wal"):
        old.unlink(missing_ok=True)
    return db


def dbt_command(work: Path, synthea: Path, emr: Path, *extra: str, batch: bool = False) -> tuple[list[str], dict]:
    """`dbt build` into work as make runs it (hospital_warehouse/dbtrun.py): the raw paths as environment variables,
    so that a batch after the history keeps dbt's partial parsing; batch: HOSPITAL_BATCH_SINCE set."""
    return dbtrun.command(["build", *extra], work), dbtrun.environment(work, synthea, emr, batch=batch)


def git_commit() -> str:
    """The commit measured (with `+` when the working tree has changes), for results kept across runs."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True).stdout.strip()
        return head + ("+" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
