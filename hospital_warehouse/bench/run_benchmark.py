#!/usr/bin/env python3
"""Benchmark the warehouse against what users would do instead, on the same files, in one run.

For each size (encounters), it generates a Parquet export with the generator (kept under data/bench/ for
the next run), builds the warehouse from it through the raw-path vars, and prints:
- wall time of the full `dbt build` (models and tests), time per layer, dbt's own overhead (wall time
  minus the sum of node times, from run_results.json), peak memory of the whole process tree, rows/s;
- the same headline figures computed (a) with pandas from the raw files as a notebook would
  (pandas_kpis.py), (b) with one hand-written DuckDB SQL script from the raw files (kpis_from_raw.sql),
  and (c) read from the marts; it checks that all three agree on every figure and prints their times.
Results also go to reports/benchmark/results.json and results.md.

    hospital bench run --sizes 100000 1000000 10000000     # make bench
    hospital bench run --sizes 100000 --skip-pandas
    hospital bench run --sizes 1000000 --postgres    # make bench-postgres (the engines extra)
    hospital bench run --sizes 1000000 --fhir        # the same population as Synthea CSV and as FHIR
    hospital bench run --sizes 10000000 --skip-pandas --make-build   # every target of issue 41 in one run

--make-build also runs `make build` end to end on the size's export as Parquet and as CSV (make_build.py),
so that one run prints every ratio the targets compare: dbt build and make build against the hand-written
SQL, CSV against Parquet, the batch against the full build.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from hospital_warehouse import REPO
from hospital_warehouse.bench.batch import bench_batch
from hospital_warehouse.bench.builds import dbt_command, ensure_data, fresh_database, git_commit
from hospital_warehouse.bench.figures import (
    PANDAS_MEMORY_GB,
    compare,
    figures_from_marts,
    figures_from_pandas,
    figures_from_sql_timed,
)
from hospital_warehouse.bench.formats import bench_formats
from hospital_warehouse.bench.make_build import both_formats
from hospital_warehouse.bench.measure import busy_seconds, layer_times, run_measured
from hospital_warehouse.bench.report import markdown

HERE = Path(__file__).resolve().parent


log = logging.getLogger("benchmark")


# ---------------------------------------------------------------- one size


def bench_postgres(data: Path) -> dict:
    """The same export on PostgreSQL (needs the engines extra, `make
    bench-postgres`): a throwaway server, the raw files landed with COPY (timed apart), then the full
    `dbt build --target postgres` (models and tests), timed like DuckDB's."""
    from hospital_warehouse.engines import load_raw, postgres_server

    with postgres_server.throwaway_server() as settings:
        log.info("PostgreSQL: landing the raw files with COPY ...")
        t0 = time.perf_counter()
        loaded = load_raw.load_postgres(settings, data / "synthea", data / "emr" / "visits.parquet", replace=True)
        load_s = time.perf_counter() - t0
        work = data / "build_postgres"
        work.mkdir(exist_ok=True)
        cmd, env = dbt_command(work, data / "synthea", data / "emr" / "visits.parquet", "--full-refresh",
                               "--target", "postgres")
        env.update(postgres_server.dbt_env(settings))
        log.info("dbt build --target postgres ...")
        wall, _, code = run_measured(cmd, env, work / "dbt_build.log")
    if code != 0:
        raise SystemExit(f"PostgreSQL build failed: see {work / 'dbt_build.log'}")
    layers, _ = layer_times(work / "target" / "run_results.json")
    return {"postgres_load_s": round(load_s, 1), "postgres_rows_loaded": sum(v["rows"] for v in loaded.values()),
            "postgres_build_s": round(wall, 1), "postgres_layers_s": {k: round(v, 1) for k, v in layers.items()}}


def bench_size(size: int, root: Path, skip_pandas: bool, batch_fraction: float = 0.0, postgres: bool = False,
               batch_runs: int = 3, fhir: bool = False, make_build: bool = False) -> dict:
    data = ensure_data(size, root)
    manifest = json.loads((data / "manifest.json").read_text())
    raw_rows = sum(f["rows"] for f in manifest["files"].values())
    work = data / "build"
    db = fresh_database(work)
    cmd, env = dbt_command(work, data / "synthea", data / "emr" / "visits.parquet")
    log.info("dbt build at %s encounters ...", f"{size:,}")
    wall, peak_gb, code = run_measured(cmd, env, work / "dbt_build.log")
    if code != 0:
        raise SystemExit(f"dbt build failed at {size}: see {work / 'dbt_build.log'}")
    layers, node_sum = layer_times(work / "target" / "run_results.json")
    busy = busy_seconds(work / "target" / "run_results.json")
    result = {"measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": git_commit(),
              "encounters": manifest["files"]["synthea/encounters.parquet"]["rows"], "raw_rows": raw_rows,
              "build_wall_s": round(wall, 1), "peak_rss_gb": round(peak_gb, 2),
              "rows_per_s": round(raw_rows / wall), "layers_s": {k: round(v, 1) for k, v in layers.items()},
              "node_time_sum_s": round(node_sum, 1), "nodes_busy_s": round(busy, 1),
              "dbt_overhead_s": round(wall - busy, 1), "dbt_overhead_pct": round(100 * (wall - busy) / wall, 1)}
    marts, mart_ms = figures_from_marts(db)
    result["marts_query_ms"] = {k: round(v, 2) for k, v in mart_ms.items()}
    result["marts_total_ms"] = round(sum(mart_ms.values()), 1)
    sql, sql_s = figures_from_sql_timed(data / "synthea")
    result["sql_s"] = round(sql_s, 2)
    result["sql_agrees"] = compare(marts, sql) or True
    if not skip_pandas:
        pandas, seconds = figures_from_pandas(data / "synthea")
        result["pandas_s"] = round(seconds, 2)
        if pandas is None:
            result["pandas_agrees"] = True  # nothing to compare: it did not finish
            result["pandas_note"] = f"failed (memory capped at {PANDAS_MEMORY_GB} GB)"
        else:
            result["pandas_agrees"] = compare(marts, pandas) or True
    if batch_fraction:
        result.update(bench_batch(data, db, wall, batch_fraction, batch_runs))
    if postgres:
        result.update(bench_postgres(data))
    if fhir:
        result.update(bench_formats(size, root))
    if make_build:
        result.update(both_formats(size, root, data))
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    p.add_argument("--data", type=Path, default=REPO / "data" / "bench", help="where generated data is kept")
    p.add_argument("--out", type=Path, default=REPO / "reports" / "benchmark")
    p.add_argument("--skip-pandas", action="store_true", help="do not time the pandas implementation")
    p.add_argument("--batch-fraction", type=float, default=0.01,
                   help="also build the last share of encounters as an incremental batch after the rest (0: skip)")
    p.add_argument("--postgres", action="store_true",
                   help="also build the same files on a throwaway PostgreSQL server (needs the engines extra: make bench-postgres)")
    p.add_argument("--fhir", action="store_true",
                   help="also build the same population as Synthea CSV and as FHIR NDJSON, side by side (bench/formats.py)")
    p.add_argument("--make-build", action="store_true",
                   help="also time `make build` end to end on the export as Parquet and as CSV (bench/make_build.py)")
    p.add_argument("--batch-runs", type=int, default=3,
                   help="times the batch is built, each on a fresh copy of the history; its time is the median "
                        "(default %(default)s)")
    p.add_argument("--batch-min-size", type=int, default=1_000_000,
                   help="sizes below this skip the batch measurement (default %(default)s)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    machine = f"{os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1024**3:.0f} GB"
    results = {}
    for size in args.sizes:
        fraction = args.batch_fraction if size >= args.batch_min_size else 0.0
        results[str(size)] = bench_size(size, args.data, args.skip_pandas, fraction, args.postgres, args.batch_runs,
                                        args.fhir, args.make_build)
        log.info("%s: %s", f"{size:,}", json.dumps(results[str(size)]))
    args.out.mkdir(parents=True, exist_ok=True)
    # sizes not run now keep their last results (a 30M run does not erase the 1M and 10M figures); read
    # when writing, so that a run of other sizes that finished meanwhile is kept too
    previous = args.out / "results.json"
    earlier = json.loads(previous.read_text())["results"] if previous.exists() else {}
    results = dict(sorted({**earlier, **results}.items(), key=lambda item: int(item[0])))
    (args.out / "results.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1) + "\n")
    md = markdown(results, machine)
    (args.out / "results.md").write_text(md)
    print(md)
    disagree = [s for s in map(str, args.sizes) if (r := results[s])["sql_agrees"] is not True
                or r.get("pandas_agrees", True) is not True or r.get("batch_identical_to_full", True) is not True]
    if disagree:
        log.error("figures disagree at %s: %s", disagree, {s: (results[s]["sql_agrees"], results[s].get("pandas_agrees"),
                                                                results[s].get("batch_differences")) for s in disagree})
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
