"""Fixtures of the engine suite (`make test-engines`): the small generated export every engine builds, and
the DuckDB build of it that every other engine's published tables are compared with."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from hospital_warehouse import REPO
from hospital_warehouse.generator import GeneratorConfig, generate

_spec = importlib.util.spec_from_file_location("main_conftest", REPO / "tests" / "pytest" / "conftest.py")
main_conftest = importlib.util.module_from_spec(_spec)
sys.modules["main_conftest"] = main_conftest
_spec.loader.exec_module(main_conftest)
run_dbt = main_conftest.run_dbt


PATIENTS = 200
# what each engine builds, beside the EMR extract: the Synthea CSV export, and the same population as a FHIR
# R4 bulk export (the two cannot be read in one build: docs/decisions.md)
EXPORTS = ("synthea", "fhir")


@pytest.fixture(scope="session")
def engine_export(tmp_path_factory) -> dict:
    """200 patients with every kind of defect, CSV with BOM and CRLF, and the same population as FHIR NDJSON
    with its own defects: what every engine builds."""
    root = tmp_path_factory.mktemp("engine_export")
    generate(GeneratorConfig(seed=11, patients=PATIENTS, emr_rows=600), root, progress=False,
             sources=("synthea", "emr", "fhir"))
    return {"synthea": root / "synthea", "emr": root / "emr" / "visits.csv", "fhir": root / "fhir"}


def export_paths(engine_export: dict, export: str) -> dict:
    """The export one build reads (synthea or fhir) with the EMR extract: keyword arguments of load_raw's
    functions."""
    return {"synthea": None, "fhir": None, export: engine_export[export], "emr": engine_export["emr"]}


def build_args(export: str) -> list[str]:
    """The dbt build of an export on an engine: every model, data test and unit test for the Synthea CSV
    export; the FHIR export's without the unit tests, which read fixtures, not the export, and ran once."""
    return ["build", "--full-refresh"] + (["--exclude", "resource_type:unit_test"] if export == "fhir" else [])


def export_vars(engine_export: dict, export: str) -> dict:
    """The raw-path vars naming the export one build reads: DuckDB reads the files; on PostgreSQL and Spark the
    FHIR models are enabled by fhir_raw_path and read the landing."""
    return {f"{export}_raw_path": str(engine_export[export]), "emr_raw_path": str(engine_export["emr"])}


@pytest.fixture(scope="session")
def duckdb_builds(engine_export, tmp_path_factory):
    """The DuckDB build of each export, built the first time an engine's test asks for it."""
    builds = {}

    def build(export: str):
        if export not in builds:
            builds[export] = run_dbt(["build", "--full-refresh"], tmp_path_factory.mktemp(f"duckdb_{export}"),
                                     export_vars(engine_export, export))
        return builds[export]
    return build


def copy_schema_to_duckdb(frames: dict[str, pd.DataFrame], reference: Path, schema: str, out: Path) -> Path:
    """Tables fetched from another engine, written to a DuckDB file with the reference's column types (so that
    compare_warehouses compares values, not the engines' type names)."""
    con = duckdb.connect(str(out))
    con.execute(f"attach '{reference}' as ref (read_only)")
    con.execute(f"create schema if not exists {schema}")
    for table, frame in frames.items():
        con.execute(f'create table {schema}."{table}" as select * from ref.{schema}."{table}" limit 0')
        con.register("incoming", frame)
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f'insert into {schema}."{table}" ({cols}) select {cols} from incoming')
        con.unregister("incoming")
    con.close()
    return out
