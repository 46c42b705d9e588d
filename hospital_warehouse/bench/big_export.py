#!/usr/bin/env python3
"""Time the generator at a given size and print wall time, peak memory and throughput.

    hospital bench generator --encounters 10000000          # Parquet, the large-run format
    hospital bench generator --encounters 100000 --format csv

The generator runs in a child process so that its peak resident memory is measured on its own.
Targets (issue 2): 10 million encounters as Parquet in under 5 minutes and under 4 GB of memory.
"""
from __future__ import annotations

import argparse
import json
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

log = logging.getLogger("benchmark_generator")


def run(encounters: int, file_format: str, out: Path, emr_rows: int) -> dict:
    cmd = [sys.executable, "-m", "hospital_warehouse.cli", "generate", "--out", str(out), "--encounters", str(encounters),
           "--format", file_format, "--emr-rows", str(emr_rows)]
    log.info("running %s", " ".join(cmd))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)  # the generator's own progress bar shows progress
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    manifest = json.loads((out / "manifest.json").read_text())
    rows = {k: v["rows"] for k, v in manifest["files"].items()}
    enc_rows = next(v for k, v in rows.items() if k.startswith("synthea/encounters"))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "encounters_requested": encounters,
        "format": file_format,
        "encounters_written": enc_rows,
        "rows_written": sum(rows.values()),
        "wall_seconds": round(wall, 1),
        "peak_rss_gb": round(max(peak_kb, before) / 1024**2, 2),
        "encounters_per_second": round(enc_rows / wall),
        "bytes_written": size,
        "defects": len(manifest["defects"]),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--encounters", type=int, default=10_000_000)
    p.add_argument("--format", choices=("csv", "parquet"), default="parquet")
    p.add_argument("--emr-rows", type=int, default=1_000_000)
    p.add_argument("--out", type=Path, help="keep the data here (default: a temporary folder, removed after)")
    p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    out = args.out or Path(tempfile.mkdtemp(prefix="hospgen_bench_"))
    try:
        figures = run(args.encounters, args.format, out, args.emr_rows)
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    width = max(len(k) for k in figures)
    for k, v in figures.items():
        print(f"{k:<{width}}  {v:,}" if isinstance(v, int) else f"{k:<{width}}  {v}")
    verdict = figures["wall_seconds"] < 300 and figures["peak_rss_gb"] < 4
    print(f"{'target (<300 s, <4 GB)':<{width}}  {'met' if verdict else 'NOT met'}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
