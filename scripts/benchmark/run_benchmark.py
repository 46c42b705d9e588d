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

    python scripts/benchmark/run_benchmark.py --sizes 100000 1000000 10000000     # make bench
    python scripts/benchmark/run_benchmark.py --sizes 100000 --skip-pandas
    .venv-engines/bin/python scripts/benchmark/run_benchmark.py --sizes 1000000 --postgres    # make bench-postgres
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb

import compare_warehouses
import dbtrun
import rawfiles
import split_batch
from hospgen import GeneratorConfig, generate
from hospgen.params import ENCOUNTERS_PER_PATIENT

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

log = logging.getLogger("benchmark")

MART_QUERIES = {
    "visits": "select sum(visits) from marts.mart_visit_costs where source_system = 'synthea'",
    "avg_cost_per_visit": "select sum(total_cost) / sum(visits_with_cost) from marts.mart_visit_costs "
                          "where source_system = 'synthea'",
    "gender_counts": "select gender, sum(patients) from marts.mart_patient_demographics "
                     "where source_system = 'synthea' group by gender",
    "covered_procedure_share": "select sum(covered_procedures) / sum(procedures) from marts.mart_procedure_coverage "
                               "where source_system = 'synthea'",
    "alos_days": "select sum(total_los_days) / sum(stays_with_los) from marts.mart_length_of_stay "
                 "where source_system = 'synthea'",
    "readmissions": "select sum(index_stays_30d), sum(readmissions_30d), sum(index_stays_60d), sum(readmissions_60d) "
                    "from marts.mart_admissions_monthly where source_system = 'synthea'",
    "readmissions_by_diagnosis": "select dimension_value, window_days, index_stays, readmissions "
                                 "from marts.mart_readmission_rates where source_system = 'synthea' "
                                 "and method = 'derived' and dimension = 'diagnosis'",
}


# ---------------------------------------------------------------- memory of a process tree
def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants (the process first), from /proc."""
    out, stack, seen = [], [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return out


def tree_rss_kb(pid: int) -> int:
    """Resident memory (kB) of a process and all its descendants, from /proc."""
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run_measured(cmd: list[str], env: dict, log_file: Path, interval: float = 0.25,
                 on_sample=None) -> tuple[float, float, int]:
    """Run a command, returning (wall seconds, peak tree RSS in GB, exit code). on_sample(pid, seconds,
    rss_kb), when given, is called at every sample (make_build.py names the running step with it)."""
    peak = [0]
    with open(log_file, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample():
            while not done.is_set():
                rss = tree_rss_kb(proc.pid)
                peak[0] = max(peak[0], rss)
                if on_sample is not None:
                    on_sample(proc.pid, time.perf_counter() - t0, rss)
                time.sleep(interval)
        t = threading.Thread(target=sample, daemon=True)
        t.start()
        code = proc.wait()
        wall = time.perf_counter() - t0
        done.set()
        t.join()
    return wall, peak[0] / 1024**2, code


# ---------------------------------------------------------------- the three ways to the figures
def figures_from_sql(folder: Path) -> dict:
    def reader(table: str) -> str:
        return rawfiles.text_reader_sql(rawfiles.find(folder, table))
    sql = (HERE / "kpis_from_raw.sql").read_text().format(
        patients=reader("patients"), encounters=reader("encounters"), procedures=reader("procedures"),
        payers=reader("payers"), seeds=REPO / "seeds" / "reference", repairs=REPO / "seeds" / "repairs")
    con = duckdb.connect()
    con.execute("set threads = 2")
    con.execute(sql)
    rows = dict(con.sql("select name, value from figures").fetchall())
    con.close()
    out = {k: json.loads(v) for k, v in rows.items()}
    out["readmissions_by_diagnosis"] = {k: tuple(v) for k, v in out["readmissions_by_diagnosis"].items()}
    return out


def figures_from_marts(db: Path) -> tuple[dict, dict]:
    timings, out = {}, {}
    with duckdb.connect(str(db), read_only=True) as con:
        for name, sql in MART_QUERIES.items():
            t0 = time.perf_counter()
            rows = con.sql(sql).fetchall()
            timings[name] = (time.perf_counter() - t0) * 1000
            if name == "gender_counts":
                out[name] = {g: int(n) for g, n in rows}
            elif name == "readmissions":
                (out["index_stays_30d"], out["readmissions_30d"], out["index_stays_60d"],
                 out["readmissions_60d"]) = (int(x) for x in rows[0])
            elif name == "readmissions_by_diagnosis":
                by = {}
                for dx, window, index, readmitted in rows:
                    by.setdefault(dx, [0, 0, 0, 0])
                    by[dx][0 if window == 30 else 2] = int(index)
                    by[dx][1 if window == 30 else 3] = int(readmitted)
                out[name] = {k: tuple(v) for k, v in by.items()}
            else:
                out[name] = float(rows[0][0]) if name != "visits" else int(rows[0][0])
    return out, timings


def compare(a: dict, b: dict) -> list[str]:
    problems = []
    for k in a:
        x, y = a[k], b.get(k)
        if isinstance(x, float):
            if y is None or not math.isclose(x, y, rel_tol=1e-9):
                problems.append(f"{k}: {x} != {y}")
        elif k == "readmissions_by_diagnosis":
            if {d: tuple(v) for d, v in x.items()} != {d: tuple(v) for d, v in (y or {}).items()}:
                problems.append(f"{k} differs")
        elif x != y:
            problems.append(f"{k}: {x} != {y}")
    return problems


PANDAS_MEMORY_GB = 16


def _limit_memory() -> None:
    import resource
    limit = PANDAS_MEMORY_GB * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def figures_from_pandas(folder: Path) -> tuple[dict | None, float]:
    """The pandas figures, computed in a child process whose address space is capped at PANDAS_MEMORY_GB
    (a notebook on this machine): (None, seconds) when it runs out of memory, instead of the kernel killing
    the whole benchmark (10M encounters as data frames need more than the machine's 24 GB)."""
    code = ("import json, sys; from benchmark import pandas_kpis; "
            "out = pandas_kpis.headline(__import__('pathlib').Path(sys.argv[1])); "
            "out['readmissions_by_diagnosis'] = {k: list(v) for k, v in out['readmissions_by_diagnosis'].items()}; "
            "print(json.dumps(out))")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True,
                          text=True, preexec_fn=_limit_memory)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        # under the cap, running out of memory shows as MemoryError, numpy's "Unable to allocate" or an
        # Arrow allocation failure ("Wrapping ... failed"); any failure is reported, not fatal
        last = (proc.stderr.strip().splitlines() or ["killed"])[-1]
        log.warning("pandas failed after %.0f s under the %s GB cap: %s", seconds, PANDAS_MEMORY_GB, last)
        return None, seconds
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["readmissions_by_diagnosis"] = {k: tuple(v) for k, v in out["readmissions_by_diagnosis"].items()}
    return out, seconds


# ---------------------------------------------------------------- one size
def ensure_data(size: int, root: Path) -> Path:
    folder = root / f"enc_{size}"
    manifest = folder / "manifest.json"
    patients = max(1, math.ceil(size / ENCOUNTERS_PER_PATIENT))
    if manifest.exists() and json.loads(manifest.read_text())["parameters"]["patients"] == patients:
        return folder
    log.info("generating %s encounters as Parquet under %s", f"{size:,}", folder)
    generate(GeneratorConfig(seed=7, patients=patients, emr_rows=max(1000, size // 20), file_format="parquet"),
             folder, progress=True)
    return folder


def busy_seconds(run_results: Path) -> float:
    """Seconds during which at least one node was executing SQL (union of the nodes' execute intervals).
    wall time - busy seconds is dbt's own overhead (start-up, parsing, compiling, scheduling), a measure
    that stays meaningful with several threads, where the plain sum of node times exceeds the wall time."""
    from datetime import datetime
    spans = []
    for r in json.loads(run_results.read_text())["results"]:
        for t in r.get("timing", []):
            if t.get("name") == "execute" and t.get("started_at") and t.get("completed_at"):
                spans.append((datetime.fromisoformat(t["started_at"].replace("Z", "+00:00")),
                              datetime.fromisoformat(t["completed_at"].replace("Z", "+00:00"))))
    busy, end = 0.0, None
    for start, stop in sorted(spans):
        if end is None or start > end:
            busy += (stop - start).total_seconds()
            end = stop
        elif stop > end:
            busy += (stop - end).total_seconds()
            end = stop
    return busy


def layer_times(run_results: Path) -> tuple[dict, float]:
    results = json.loads(run_results.read_text())["results"]
    layers: dict[str, float] = {}
    for r in results:
        uid = r["unique_id"]
        kind = uid.split(".")[0]
        if kind == "model":
            name = uid.split(".")[-1]
            layer = "staging" if name.startswith(("stg_", "base_")) else "intermediate" if name.startswith("int_") else "marts"
        else:
            layer = {"test": "tests", "unit_test": "tests", "seed": "seeds"}.get(kind, kind)
        layers[layer] = layers.get(layer, 0.0) + r["execution_time"]
    return layers, sum(layers.values())


def fresh_database(work: Path) -> Path:
    """The work folder's warehouse file, removed (with its WAL) so that the next build starts empty."""
    work.mkdir(exist_ok=True)
    db = work / "hospital.duckdb"
    for old in (db, work / "hospital.duckdb.wal"):
        old.unlink(missing_ok=True)
    return db


def dbt_command(work: Path, synthea: Path, emr: Path, *extra: str, batch: bool = False) -> tuple[list[str], dict]:
    """`dbt build` into work as make runs it (scripts/dbtrun.py): the raw paths as environment variables,
    so that a batch after the history keeps dbt's partial parsing; batch: HOSPITAL_BATCH_SINCE set."""
    return dbtrun.command(["build", *extra], work), dbtrun.environment(work, synthea, emr, batch=batch)


BATCH_THREADS = 2  # as `make batch` (Makefile, BATCH_THREADS)
HISTORY_COPY = "history.duckdb"  # the history warehouse before the batch, beside build_incremental's warehouse


def settle_disk() -> None:
    """Write the page cache out to disk (os.sync) before a timed build: a warehouse file just copied by this
    harness (gigabytes at 10M) is otherwise written back while the batch runs, and the batch's first
    checkpoint, which syncs the file, waits for all of it. A nightly batch finds its warehouse on disk."""
    os.sync()


def restore_history(work: Path) -> None:
    """work's warehouse replaced by the kept history (HISTORY_COPY), written out to disk, ready for a batch."""
    shutil.copyfile(work / HISTORY_COPY, fresh_database(work))
    settle_disk()


def run_batch(work: Path, split_dir: Path, full_db: Path | None, full_wall: float | None) -> dict:
    """The batch of split_dir built into work's warehouse as `make batch` runs it (incremental, without dbt's
    unit tests: they check SQL on fixed inputs, not the data): wall time, peak memory, share of the full
    build's wall time (when given) and time per layer; with full_db, whether the published tables equal
    the full build's. Used by bench_batch and scripts/benchmark/rerun_batch.py."""
    cmd, env = dbt_command(work, split_dir / "batch" / "synthea", split_dir / "batch" / "emr" / "visits.parquet",
                           "--exclude-resource-type", "unit_test",
                           "--exclude", "resource_type:seed", "--threads", str(BATCH_THREADS), batch=True)
    wall, peak_gb, code = run_measured(cmd, env, work / "dbt_batch.log")
    if code != 0:
        raise SystemExit(f"batch build failed: see {work / 'dbt_batch.log'}")
    layers, _ = layer_times(work / "target" / "run_results.json")
    result = {"batch_build_s": round(wall, 1), "batch_peak_rss_gb": round(peak_gb, 2),
              "batch_share_of_full": round(wall / full_wall, 3) if full_wall else None,
              "batch_layers_s": {k: round(v, 1) for k, v in layers.items()}}
    if full_db is not None:
        differences = compare_warehouses.compare_with_full_build(str(full_db), str(work / "hospital.duckdb")).differences
        result.update(batch_identical_to_full=not differences, batch_differences=differences[:10])
    return result


def bench_batch(data: Path, full_db: Path, full_wall: float, fraction: float, runs: int = 3) -> dict:
    """History (all but the last `fraction` of encounters) built in full, then the batch built incrementally,
    `runs` times, each on a fresh copy of the history; the median run's wall time against the full build's
    (a batch is short, and this machine's run-to-run spread is a tenth of it: every run is reported), and
    the last run's published tables against the full build's."""
    split_dir = data / f"split_{fraction}"
    if not (split_dir / "batch" / "synthea" / "encounters.parquet").exists():
        log.info("splitting off the last %s of encounters as a batch", fraction)
        split_batch.split(data / "synthea", data / "emr" / "visits.parquet", split_dir, fraction)
    batch_rows = duckdb.sql(
        f"select count(*) from read_parquet('{split_dir / 'batch' / 'synthea' / 'encounters.parquet'}')").fetchone()[0]
    work = data / "build_incremental"
    fresh_database(work)
    cmd, env = dbt_command(work, split_dir / "base" / "synthea", split_dir / "base" / "emr" / "visits.parquet",
                           "--full-refresh")
    log.info("dbt build of the history ...")
    history_wall, _, code = run_measured(cmd, env, work / "dbt_history.log")
    if code != 0:
        raise SystemExit(f"history build failed: see {work / 'dbt_history.log'}")
    # kept, so that scripts/benchmark/rerun_batch.py can time the batch again without this history build
    shutil.copyfile(work / "hospital.duckdb", work / HISTORY_COPY)
    settle_disk()
    timed = []
    for run in range(1, runs + 1):
        if run > 1:
            restore_history(work)
        log.info("dbt build of the batch (%s encounters), incremental, run %d of %d ...", f"{batch_rows:,}", run, runs)
        timed.append(run_batch(work, split_dir, full_db if run == runs else None, full_wall))
    # the median; of an even number of runs, the slower middle one
    median = sorted(timed, key=lambda r: r["batch_build_s"])[len(timed) // 2]
    return {"batch_encounters": batch_rows, "history_build_s": round(history_wall, 1), **median,
            "batch_runs_s": [r["batch_build_s"] for r in timed],
            "batch_peak_rss_gb": max(r["batch_peak_rss_gb"] for r in timed),
            "batch_identical_to_full": timed[-1]["batch_identical_to_full"],
            "batch_differences": timed[-1]["batch_differences"]}


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


def bench_postgres(data: Path) -> dict:
    """The same export on PostgreSQL (needs requirements-postgres.txt: run under .venv-engines, `make
    bench-postgres`): a throwaway server, the raw files landed with COPY (timed apart), then the full
    `dbt build --target postgres` (models and tests), timed like DuckDB's."""
    from engines import load_raw, postgres_server

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
               batch_runs: int = 3) -> dict:
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
    t0 = time.perf_counter()
    sql = figures_from_sql(data / "synthea")
    result["sql_s"] = round(time.perf_counter() - t0, 2)
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
    return result


def _pandas_against_marts(r: dict) -> str:
    """pandas' time for the headline figures as a multiple of the marts', or why there is none."""
    if "pandas_note" in r or "pandas_s" not in r:
        return f"pandas {r.get('pandas_note', 'skipped')}"
    return f"pandas {1000 * r['pandas_s'] / r['marts_total_ms']:,.0f}x slower"


def _batch_runs(r: dict) -> str:
    """The batch's runs, when it was run more than once (its time is then their median)."""
    runs = r.get("batch_runs_s", [])
    return f" (median of {len(runs)} runs: {', '.join(f'{t} s' for t in runs)})" if len(runs) > 1 else ""


def targets(results: dict) -> list[tuple[str, str, bool | None]]:
    """The scale targets (issue 8) judged on the results at hand: (target, what was measured, met).
    met is None where the size it needs has not been measured."""
    big, small, huge = results.get("10000000"), results.get("1000000"), results.get("30000000")
    growth = {"ratio": big["build_wall_s"] / small["build_wall_s"]} if big and small else None
    batch = big if big and "batch_build_s" in big else None
    rows: list[tuple[str, str, bool | None]] = []

    def add(target: str, result: dict | None, measured, met) -> None:
        rows.append((target, measured(result) if result else "not measured", met(result) if result else None))

    add("10M: full build with tests under 5 minutes", big, lambda r: f"{r['build_wall_s']} s",
        lambda r: r["build_wall_s"] < 300)
    add("10M: peak memory under 8 GB", big, lambda r: f"{r['peak_rss_gb']} GB", lambda r: r["peak_rss_gb"] < 8)
    # a 30M result exists only when its build passed (a failed build stops the benchmark)
    add("30M: completes on this machine", huge, lambda r: f"{r['build_wall_s']} s, {r['peak_rss_gb']} GB peak",
        lambda r: True)
    add("time at 10M under 12x the time at 1M", growth, lambda r: f"{r['ratio']:.1f}x", lambda r: r["ratio"] < 12)
    add("10M: each headline figure from the marts under 100 ms", big,
        lambda r: f"slowest {max(r['marts_query_ms'].values())} ms; the seven: hand SQL "
                  f"{1000 * r['sql_s'] / r['marts_total_ms']:,.0f}x slower, {_pandas_against_marts(r)}",
        lambda r: max(r["marts_query_ms"].values()) < 100)
    add("10M: dbt overhead under 20% of the build", big, lambda r: f"{r['dbt_overhead_pct']}%",
        lambda r: r["dbt_overhead_pct"] < 20)
    # at most a fifth of the full build (issue 22: the batch's machinery simplified within that bound)
    add("10M: a 1% batch at most 20% of a full build, identical to it", batch,
        lambda r: f"{r['batch_build_s']} s = {100 * r['batch_share_of_full']:.1f}%{_batch_runs(r)}, "
                  f"{'identical' if r['batch_identical_to_full'] else 'DIFFERENT'}",
        lambda r: r["batch_share_of_full"] <= 0.20 and r["batch_identical_to_full"])
    return rows


def markdown(results: dict, machine: str) -> str:
    lines = [f"# Benchmark ({machine})", "",
             "| encounters | raw rows | dbt build (s) | peak RSS (GB) | rows/s | staging | intermediate | marts | tests "
             "| dbt overhead (s) | marts queries (ms) | hand SQL (s) | pandas (s) | all agree |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results.values():
        ly = r["layers_s"]
        agree = r["sql_agrees"] is True and r.get("pandas_agrees", True) is True
        lines.append(f"| {r['encounters']:,} | {r['raw_rows']:,} | {r['build_wall_s']} | {r['peak_rss_gb']} | "
                     f"{r['rows_per_s']:,} | {ly.get('staging', 0)} | {ly.get('intermediate', 0)} | {ly.get('marts', 0)} | "
                     f"{ly.get('tests', 0)} | {r['dbt_overhead_s']} | {r['marts_total_ms']} | {r['sql_s']} | "
                     f"{r.get('pandas_note', r.get('pandas_s', 'skipped'))} | {'yes' if agree else 'NO'} |")
    batches = [r for r in results.values() if "batch_build_s" in r]
    if batches:
        lines += ["", "Incremental batch (the last encounters by START, built after the history without --full-refresh):",
                  "", "| encounters | batch encounters | full build (s) | batch build (s) | share of full | batch peak RSS (GB) "
                  "| published tables identical to the full build |", "|---:|---:|---:|---:|---:|---:|---|"]
        for r in batches:
            runs = r.get("batch_runs_s", [])
            batch_time = f"{r['batch_build_s']} (runs: {', '.join(map(str, runs))})" if len(runs) > 1 else r["batch_build_s"]
            lines.append(f"| {r['encounters']:,} | {r['batch_encounters']:,} | {r['build_wall_s']} | {batch_time} | "
                         f"{100 * r['batch_share_of_full']:.1f}% | {r['batch_peak_rss_gb']} | "
                         f"{'yes' if r['batch_identical_to_full'] else 'NO'} |")
    engines = [r for r in results.values() if "postgres_build_s" in r]
    if engines:
        lines += ["", "The same files on PostgreSQL 15 (a local server; raw files landed with COPY first, timed apart):",
                  "", "| encounters | DuckDB build (s) | PostgreSQL COPY load (s) | PostgreSQL build (s) | PostgreSQL / DuckDB |",
                  "|---:|---:|---:|---:|---:|"]
        for r in engines:
            lines.append(f"| {r['encounters']:,} | {r['build_wall_s']} | {r['postgres_load_s']} | {r['postgres_build_s']} | "
                         f"{r['postgres_build_s'] / r['build_wall_s']:.1f}x |")
    lines += ["", "Targets:", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {target} | {measured} | {'-' if met is None else 'yes' if met else 'NO'} |"
              for target, measured, met in targets(results)]
    lines += ["", "Measured: " + "; ".join(f"{r['encounters']:,} at {r.get('measured_at', '?')} (commit {r.get('commit', '?')})"
                                        for r in results.values()) + "."]
    lines += ["", "Layer times are sums of dbt node times (with several dbt threads they can exceed the wall time);",
              "dbt overhead = wall time - the time at least one node was executing SQL (from run_results.json). Marts queries: the seven headline figures read from the",
              "marts, in total; hand SQL and pandas compute the same figures from the raw files."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    p.add_argument("--data", type=Path, default=REPO / "data" / "bench", help="where generated data is kept")
    p.add_argument("--out", type=Path, default=REPO / "reports" / "benchmark")
    p.add_argument("--skip-pandas", action="store_true", help="do not time the pandas implementation")
    p.add_argument("--batch-fraction", type=float, default=0.01,
                   help="also build the last share of encounters as an incremental batch after the rest (0: skip)")
    p.add_argument("--postgres", action="store_true",
                   help="also build the same files on a throwaway PostgreSQL server (run with .venv-engines)")
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
        results[str(size)] = bench_size(size, args.data, args.skip_pandas, fraction, args.postgres, args.batch_runs)
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
