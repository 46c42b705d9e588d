"""The project on PostgreSQL: a throwaway server on 127.0.0.1 (hospital_warehouse/engines/postgres_server.py), the raw
export landed with COPY (hospital_warehouse/engines/load_raw.py; the Synthea CSV export, then the same population
as a FHIR bulk export, each with the EMR extract), `dbt build --target postgres` (every model, data test
and unit test), and every published table (schema marts) equal to the DuckDB build of the same export, row
for row, floating values within 1e-9 relative."""
from __future__ import annotations

import decimal

import pandas as pd
import pytest

from conftest import EXPORTS, build_args, copy_schema_to_duckdb, export_paths, export_vars, run_dbt
from hospital_warehouse import compare_warehouses  # noqa: E402
from hospital_warehouse.engines import load_raw, postgres_server  # noqa: E402

psycopg2 = pytest.importorskip("psycopg2", reason="the engines extra is not installed (make test-engines)")


@pytest.fixture(scope="module")
def postgres():
    with postgres_server.throwaway_server() as settings:
        yield settings


@pytest.fixture(scope="module", params=EXPORTS)
def postgres_build(request, postgres, engine_export, tmp_path_factory):
    """Each export landed in a database of its own and built there."""
    export = request.param
    settings = {**postgres, "dbname": f"hospital_{export}"}
    admin = psycopg2.connect(**postgres)
    admin.autocommit = True  # create database runs outside a transaction
    admin.cursor().execute(f"create database {settings['dbname']}")
    admin.close()
    load_raw.load_postgres(settings, replace=True, **export_paths(engine_export, export))
    env = postgres_server.dbt_env(settings)
    workdir = tmp_path_factory.mktemp(f"postgres_{export}")
    dbt_vars = export_vars(engine_export, export) if export == "fhir" else None
    result = run_dbt(build_args(export) + ["--target", "postgres"], workdir, dbt_vars, env=env, check=False)
    return {"export": export, "settings": settings, "result": result, "workdir": workdir}


def _fetch_schema(settings: dict, schema: str) -> dict[str, pd.DataFrame]:
    frames = {}
    with psycopg2.connect(**settings) as con, con.cursor() as cur:
        cur.execute("select table_name from information_schema.tables where table_schema = %s "
                    "and table_type = 'BASE TABLE'", (schema,))
        for (table,) in cur.fetchall():
            cur.execute(f'select * from {schema}."{table}"')
            names = [d[0] for d in cur.description]
            rows = [[float(v) if isinstance(v, decimal.Decimal) else v for v in row] for row in cur.fetchall()]
            frames[table] = pd.DataFrame(rows, columns=names)
    return frames


def test_every_model_and_test_passes_on_postgres(postgres_build):
    result = postgres_build["result"]
    assert result.returncode == 0, result.output[-8000:]
    assert "ERROR=0" in result.output and "SKIP=0" in result.output


def test_published_tables_equal_the_duckdb_build(postgres_build, duckdb_builds, tmp_path):
    assert postgres_build["result"].returncode == 0
    duckdb_build = duckdb_builds(postgres_build["export"])
    copied = copy_schema_to_duckdb(_fetch_schema(postgres_build["settings"], "marts"), duckdb_build.db_path, "marts",
                                   tmp_path / "postgres_marts.duckdb")
    result = compare_warehouses.compare_tables(str(duckdb_build.db_path), str(copied), "marts")
    assert result.tables == 35 and result.rows > 1_000
    assert result.equal, "\n".join(result.differences)
