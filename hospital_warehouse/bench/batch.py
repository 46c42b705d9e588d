"""The incremental batch of the benchmark: the last share of encounters split off (split_batch.py), the
history built in full and kept, and the batch built as `make batch` runs it on fresh copies of it."""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import duckdb

from hospital_warehouse import compare_warehouses, split_batch
from hospital_warehouse.bench.builds import dbt_command, fresh_database
from hospital_warehouse.bench.measure import layer_times, run_measured

log = logging.getLogger("benchmark")

BATCH_THREADS = 2  # as `hospital batch` (its --threads)
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
    the full build's. Used by bench_batch and hospital_warehouse/bench/rerun_batch.py."""
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


def median_run(timed: list[dict]) -> dict:
    """The run of median batch_build_s; of an even number of runs, the slower middle one."""
    return sorted(timed, key=lambda r: r["batch_build_s"])[len(timed) // 2]


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
    # the history's tables only: its tests are the full build's (timed above), and the batch runs its own
    cmd, env = dbt_command(work, split_dir / "base" / "synthea", split_dir / "base" / "emr" / "visits.parquet",
                           "--full-refresh", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    log.info("dbt build of the history (tables only) ...")
    history_wall, _, code = run_measured(cmd, env, work / "dbt_history.log")
    if code != 0:
        raise SystemExit(f"history build failed: see {work / 'dbt_history.log'}")
    # kept, so that hospital_warehouse/bench/rerun_batch.py can time the batch again without this history build
    shutil.copyfile(work / "hospital.duckdb", work / HISTORY_COPY)
    settle_disk()
    timed = []
    for run in range(1, runs + 1):
        if run > 1:
            restore_history(work)
        log.info("dbt build of the batch (%s encounters), incremental, run %d of %d ...", f"{batch_rows:,}", run, runs)
        timed.append(run_batch(work, split_dir, full_db if run == runs else None, full_wall))
    median = median_run(timed)
    return {"batch_encounters": batch_rows, "history_build_s": round(history_wall, 1), **median,
            "batch_runs_s": [r["batch_build_s"] for r in timed],
            "batch_peak_rss_gb": max(r["batch_peak_rss_gb"] for r in timed),
            "batch_identical_to_full": timed[-1]["batch_identical_to_full"],
            "batch_differences": timed[-1]["batch_differences"]}
