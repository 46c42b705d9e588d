"""The project on Spark: dbt-spark's session method (pyspark in local mode, in the dbt process), the raw export
landed as Parquet files (hospital_warehouse/engines/load_raw.py --engine spark; the Synthea CSV export, then the same
population as a FHIR bulk export, each with the EMR extract), `dbt build --target spark` (every model,
data test and unit test), and every published table (schema marts) equal to the DuckDB build of the same
export, row for row, floating values within 1e-9 relative."""
from __future__ import annotations

import decimal
import os

import pandas as pd
import pytest

from conftest import EXPORTS, build_args, copy_schema_to_duckdb, export_paths, export_vars, run_dbt
from hospital_warehouse import compare_warehouses  # noqa: E402
from hospital_warehouse.engines import load_raw  # noqa: E402

pyspark = pytest.importorskip("pyspark", reason="the engines extra is not installed (make test-engines)")


@pytest.fixture(scope="module", params=EXPORTS)
def spark_build(request, engine_export, tmp_path_factory):
    export = request.param
    root = tmp_path_factory.mktemp(f"spark_{export}")
    landing = root / "landing"
    load_raw.land_parquet(landing, **export_paths(engine_export, export))
    env = {**os.environ, "HOSPITAL_SPARK_DIR": str(root / "spark")}
    workdir = tmp_path_factory.mktemp(f"spark_build_{export}")
    dbt_vars = {"raw_landing_path": str(landing), **(export_vars(engine_export, export) if export == "fhir" else {})}
    result = run_dbt(build_args(export) + ["--target", "spark"], workdir, dbt_vars, env=env, check=False)
    return {"export": export, "result": result, "workdir": workdir, "spark_dir": root / "spark"}


def _fetch_schema(spark_dir, schema: str) -> dict[str, pd.DataFrame]:
    """The tables of a schema of the build's metastore, read back through a new local Spark session."""
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]")
             .config("spark.sql.warehouse.dir", f"{spark_dir}/warehouse")
             .config("spark.hadoop.javax.jdo.option.ConnectionURL",
                     f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true")
             .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir}")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.ui.enabled", "false")
             .enableHiveSupport().getOrCreate())
    try:
        frames = {}
        for row in spark.sql(f"show tables in {schema}").collect():
            if row.isTemporary:
                continue
            table = spark.table(f"{schema}.{row.tableName}")
            frames[row.tableName] = pd.DataFrame(
                [[float(v) if isinstance(v, decimal.Decimal) else v for v in r] for r in table.collect()],
                columns=table.columns)
        return frames
    finally:
        spark.stop()


def test_every_model_and_test_passes_on_spark(spark_build):
    result = spark_build["result"]
    assert result.returncode == 0, result.output[-8000:]
    assert "ERROR=0" in result.output and "SKIP=0" in result.output


def test_published_tables_equal_the_duckdb_build(spark_build, duckdb_builds, tmp_path):
    assert spark_build["result"].returncode == 0
    duckdb_build = duckdb_builds(spark_build["export"])
    copied = copy_schema_to_duckdb(_fetch_schema(spark_build["spark_dir"], "marts"), duckdb_build.db_path, "marts",
                                   tmp_path / "spark_marts.duckdb")
    result = compare_warehouses.compare_tables(str(duckdb_build.db_path), str(copied), "marts")
    assert result.tables == 35 and result.rows > 1_000
    assert result.equal, "\n".join(result.differences)
