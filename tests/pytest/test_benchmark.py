"""The benchmark's three ways to the headline figures agree (marts, hand-written SQL and pandas on the
raw files), and the benchmark runs end to end at a small size."""
from __future__ import annotations

import json

from benchmark import pandas_kpis
from benchmark.run_benchmark import compare, figures_from_marts, figures_from_sql, main
from conftest import REPO


def test_marts_sql_and_pandas_agree_on_the_sample(sample_warehouse):
    marts, timings = figures_from_marts(sample_warehouse.db_path)
    assert set(timings) == {"visits", "avg_cost_per_visit", "gender_counts", "covered_procedure_share", "alos_days",
                            "readmissions", "readmissions_by_diagnosis"}
    sql = figures_from_sql(REPO / "seeds" / "synthea")
    pandas = pandas_kpis.headline(REPO / "seeds" / "synthea")
    assert compare(marts, sql) == [] and compare(marts, pandas) == []
    assert marts["visits"] == 29964 and marts["readmissions_30d"] > 100
    # a figure off by one is caught
    assert compare(marts, {**sql, "readmissions_30d": sql["readmissions_30d"] + 1}) != []


def test_benchmark_runs_end_to_end(tmp_path):
    assert main(["--sizes", "3000", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "out"),
                 "--batch-fraction", "0.05", "--batch-min-size", "0"]) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())["results"]["3000"]
    assert results["sql_agrees"] is True and results["pandas_agrees"] is True
    assert results["build_wall_s"] > 0 and results["peak_rss_gb"] > 0.05 and results["rows_per_s"] > 0
    assert {"staging", "intermediate", "marts", "tests"} <= set(results["layers_s"])
    assert 0 < results["nodes_busy_s"] <= results["build_wall_s"]
    assert 0 < results["dbt_overhead_pct"] < 100
    # the incremental batch: the last 5% of encounters, built after the rest, equal to the full build
    assert results["batch_identical_to_full"] is True, results["batch_differences"]
    assert 0 < results["batch_encounters"] < 0.1 * results["encounters"]
    assert results["batch_build_s"] > 0
    md = (tmp_path / "out" / "results.md").read_text()
    assert "| 3" in md and "Incremental batch" in md
