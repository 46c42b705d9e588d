#!/usr/bin/env python3
"""Time `make build` end to end, as a user runs it: each step's wall time, the whole run's peak memory, and
the door's share of the run; by default on the benchmark's export of one size in both formats.

    make bench-build                       # 10M encounters as Parquet, then the same population as CSV
    hospital bench build --size 1000000    # the same at 1M
    hospital bench build --export data/bench/enc_10000000   # one export folder only
    hospital bench build --synthea DIR --emr PATH

Both formats: the exports are the benchmark's (data/bench/enc_<size> and enc_<size>_csv, generated when
missing, seed 7: the same patients and visits). After the two builds it times the hand-written SQL
(kpis_from_raw.sql) on the Parquet files and prints the targets of issue 41: the CSV export's `make build`
at most 1.3x the Parquet export's, and `make build` at most 5x the hand-written SQL.

It runs `hospital build --synthea ... --emr ...` in this checkout (so it replaces the warehouse there) and watches
the process tree every SAMPLE_SECONDS: a step is known by its command line (the door is
`run_quality.py --stage raw`, dbt's build `dbt build`, ...), its time runs from the first to the last
sample that saw it, and memory is the resident memory of the whole tree (make and everything under it),
summed. The figures are printed and written to reports/benchmark/make_build.json. The targets it checks
(issue 21): peak memory under 8 GB, the door at most a tenth of the run.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from hospital_warehouse import REPO
from hospital_warehouse.bench.builds import ensure_data
from hospital_warehouse.bench.figures import figures_from_sql_timed
from hospital_warehouse.bench.measure import run_measured, tree_pids

SAMPLE_SECONDS = 0.1
# (step, fragments its command line holds), in the order make runs them
STEPS = [
    ("door and raw checks", ("hospital_warehouse.quality.run", "--stage raw")),
    ("dbt build", ("dbt", " build")),
    ("mart checks", ("hospital_warehouse.quality.run", "--stage marts")),
    ("publish", ("hospital_warehouse.publish",)),
    ("dashboard", ("hospital_warehouse.dashboard.build_dashboard",)),
    ("dbt docs", ("dbt", "docs generate")),
    ("summary", ("hospital_warehouse.summary",)),
]
PEAK_LIMIT_GB = 8.0
DOOR_SHARE_LIMIT = 0.10
CSV_OVER_PARQUET_LIMIT = 1.3
MAKE_BUILD_OVER_SQL_LIMIT = 5.0


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return ""


def step_of(line: str) -> str | None:
    for name, fragments in STEPS:
        if all(f in line for f in fragments):
            return name
    return None


def measure(synthea: str | None, emr: str | None, encoding: str | None, log_file: Path) -> dict:
    args = [sys.executable, "-m", "hospital_warehouse.cli", "build", "--synthea", synthea or "", "--emr", emr or ""]
    if encoding:
        args += ["--encoding", encoding]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSPITAL_", "MAKE"))}
    seen: dict[str, list[float]] = {}
    step_peak: dict[str, int] = {}

    def note_steps(pid: int, now: float, rss: int) -> None:
        for p in tree_pids(pid)[1:]:
            name = step_of(cmdline(p))
            if name:
                seen.setdefault(name, [now, now])[1] = now
                step_peak[name] = max(step_peak.get(name, 0), rss)

    log_file.parent.mkdir(parents=True, exist_ok=True)
    wall, peak_gb, code = run_measured(args, env, log_file, SAMPLE_SECONDS, note_steps)
    steps = {name: {"seconds": round(seen[name][1] - seen[name][0] + SAMPLE_SECONDS, 1),
                    "peak_gb": round(step_peak[name] / 1024**2, 2)}
             for name, _ in STEPS if name in seen}
    door = steps.get("door and raw checks", {}).get("seconds", 0.0)
    return {"exit_code": code, "wall_seconds": round(wall, 1), "peak_gb": round(peak_gb, 2),
            "door_share": round(door / wall, 3) if wall else None, "steps": steps,
            "synthea": synthea, "emr": emr, "encoding": encoding, "log": str(log_file)}


def report(r: dict) -> str:
    lines = [f"make build: exit {r['exit_code']}, {r['wall_seconds']:.1f} s, peak {r['peak_gb']:.2f} GB "
             f"(whole process tree)"]
    for name, s in r["steps"].items():
        lines.append(f"  {name:<20} {s['seconds']:8.1f} s   peak {s['peak_gb']:.2f} GB")
    other = r["wall_seconds"] - sum(s["seconds"] for s in r["steps"].values())
    lines.append(f"  {'other (make, cp)':<20} {other:8.1f} s")
    ok_peak = r["peak_gb"] < PEAK_LIMIT_GB
    ok_door = r["door_share"] is not None and r["door_share"] <= DOOR_SHARE_LIMIT
    lines.append(f"target: peak memory under {PEAK_LIMIT_GB:g} GB: {r['peak_gb']:.2f} GB "
                 f"{'yes' if ok_peak else 'NO'}")
    lines.append(f"target: the door at most {DOOR_SHARE_LIMIT:.0%} of the run: {r['door_share']:.1%} "
                 f"{'yes' if ok_door else 'NO'}")
    return "\n".join(lines)


def both_formats(size: int, root: Path, out_dir: Path) -> dict:
    """`make build` on the benchmark's export of `size` encounters as Parquet, then as CSV, and the hand-written
    SQL on the Parquet files, one after the other: the figures of the formats target, from one run."""
    runs, exports = {}, {}
    for file_format in ("parquet", "csv"):
        exports[file_format] = data = ensure_data(size, root, file_format)
        runs[file_format] = measure(str(data / "synthea"), str(data / "emr"), None,
                                    out_dir / f"make_build_{file_format}.log")
        if runs[file_format]["exit_code"] != 0:
            raise SystemExit(f"make build of the {file_format} export failed: see {runs[file_format]['log']}")
    _, sql_s = figures_from_sql_timed(exports["parquet"] / "synthea")
    parquet, csv = runs["parquet"]["wall_seconds"], runs["csv"]["wall_seconds"]
    return {"make_build_parquet": runs["parquet"], "make_build_csv": runs["csv"],
            "make_build_sql_s": round(sql_s, 2), "make_build_csv_over_parquet": round(csv / parquet, 2),
            "make_build_over_sql": round(parquet / sql_s, 2)}


def report_formats(r: dict) -> str:
    lines = []
    for file_format in ("parquet", "csv"):
        lines += [f"{file_format}:", report(r[f"make_build_{file_format}"]), ""]
    ok_csv = r["make_build_csv_over_parquet"] <= CSV_OVER_PARQUET_LIMIT
    ok_sql = r["make_build_over_sql"] <= MAKE_BUILD_OVER_SQL_LIMIT
    lines.append(f"target: CSV make build at most {CSV_OVER_PARQUET_LIMIT:g}x the Parquet's: "
                 f"{r['make_build_csv_over_parquet']:.2f}x {'yes' if ok_csv else 'NO'}")
    lines.append(f"target: make build at most {MAKE_BUILD_OVER_SQL_LIMIT:g}x the hand-written SQL "
                 f"({r['make_build_sql_s']:.1f} s): {r['make_build_over_sql']:.2f}x {'yes' if ok_sql else 'NO'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=10_000_000,
                   help="encounters of the benchmark's exports built in both formats (default %(default)s)")
    p.add_argument("--data", type=Path, default=REPO / "data" / "bench", help="where the benchmark's exports are kept")
    p.add_argument("--export", type=Path, help="one generated export folder (holds synthea/ and emr/visits.*)")
    p.add_argument("--synthea", help="the Synthea folder (default: EXPORT/synthea)")
    p.add_argument("--emr", help="the EMR file, folder or glob (default: EXPORT/emr)")
    p.add_argument("--encoding")
    p.add_argument("--out", type=Path, default=REPO / "reports" / "benchmark" / "make_build.json")
    args = p.parse_args(argv)
    synthea = args.synthea or (str(args.export / "synthea") if args.export else None)
    emr = args.emr or (str(args.export / "emr") if args.export else None)
    if synthea is None and emr is None:
        result = both_formats(args.size, args.data, args.out.parent)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(report_formats(result))
        return 0
    if args.export and not args.export.is_dir():
        print(f"error: {args.export}: no export here; generate one, e.g. hospital generate "
              f"--out {args.export} --encounters 10000000 --emr-rows 500000 --seed 7", file=sys.stderr)
        return 2
    result = measure(synthea, emr, args.encoding, args.out.with_suffix(".log"))
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(report(result))
    return result["exit_code"]


if __name__ == "__main__":
    sys.exit(main())
