#!/usr/bin/env python3
"""Time the benchmark's incremental batch again, without generating data or building anything else.

    hospital bench batch --size 10000000 [--repeat 3] [--compare]

run_benchmark.py keeps the history warehouse it built before its batch
(DATA/enc_<size>/build_incremental/history.duckdb). This script copies it back over the batch's
warehouse, runs the batch as `make batch` does, and prints for each run the wall time, its share of the
full build measured by the last benchmark (OUT/results.json) and the time per layer; with --compare,
also whether the published tables equal the full build's (DATA/enc_<size>/build/hospital.duckdb).

It is the tool for work on the batch's speed: a run at 10M encounters takes about a minute (copying the
6 GB history included) instead of the benchmark's twenty, and the same batch measured several times shows
this machine's run-to-run spread (several seconds at 10M). Run the whole benchmark for published figures.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from hospital_warehouse import REPO
from hospital_warehouse.bench.batch import HISTORY_COPY, restore_history, run_batch

log = logging.getLogger("rerun_batch")


def rerun(data: Path, fraction: float, full_wall: float | None, compare: bool) -> dict:
    """One batch run on a fresh copy of the kept history (run_benchmark.run_batch's result); with compare,
    the published tables against the full build's."""
    work = data / "build_incremental"
    history = work / HISTORY_COPY
    split_dir = data / f"split_{fraction}"
    if not history.exists() or not (split_dir / "batch").exists():
        raise SystemExit(f"no kept history at {history} (or no batch under {split_dir}): run "
                         "hospital_warehouse/bench/run_benchmark.py for this size first")
    restore_history(work)
    return run_batch(work, split_dir, data / "build" / "hospital.duckdb" if compare else None, full_wall)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=10_000_000, help="the benchmark size (encounters)")
    p.add_argument("--data", type=Path, default=REPO / "data" / "bench", help="run_benchmark.py's --data")
    p.add_argument("--out", type=Path, default=REPO / "reports" / "benchmark",
                   help="run_benchmark.py's --out, whose results.json gives the full build's time")
    p.add_argument("--batch-fraction", type=float, default=0.01, help="run_benchmark.py's --batch-fraction")
    p.add_argument("--repeat", type=int, default=1, help="runs of the same batch, one after another")
    p.add_argument("--compare", action="store_true", help="also compare the published tables with the full build")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    results_file = args.out / "results.json"
    full = json.loads(results_file.read_text())["results"].get(str(args.size), {}) if results_file.exists() else {}
    full_wall = full.get("build_wall_s")
    if full_wall is None:
        log.info("no full build of %s encounters in %s: shares of it are not printed", f"{args.size:,}", results_file)
    runs = []
    for i in range(args.repeat):
        result = rerun(args.data / f"enc_{args.size}", args.batch_fraction, full_wall, args.compare)
        runs.append(result)
        share = f" = {100 * result['batch_share_of_full']:.1f}% of the {full_wall} s full build" if full_wall else ""
        same = ""
        if args.compare:
            same = ", identical to the full build" if result["batch_identical_to_full"] else (
                ", DIFFERENT from the full build: " + "; ".join(result["batch_differences"]))
        log.info("run %d: %s s%s, peak %s GB%s; layers %s", i + 1, result["batch_build_s"], share,
                 result["batch_peak_rss_gb"], same, result["batch_layers_s"])
    walls = [r["batch_build_s"] for r in runs]
    if len(walls) > 1:
        log.info("%d runs: %s to %s s", len(walls), min(walls), max(walls))
    return 0 if all(r.get("batch_identical_to_full", True) for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
