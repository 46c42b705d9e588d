#!/usr/bin/env python3
"""Quality checks with great-expectations, at the door and on the marts.

    python scripts/run_quality.py --stage raw            # the raw files dbt is about to read
    python scripts/run_quality.py --stage marts          # the headline marts of a built warehouse
    python scripts/run_quality.py --stage all --fail-on-error

Raw input defaults to what `dbt build` reads: the shipped sample, or --synthea-path / --emr-path (the
same as the dbt vars). Data Docs go to reports/data_docs/index.html (they work offline); findings to
reports/quality/<stage>.json. With --fail-on-error the exit code is 1 when any critical check fails.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quality import checks, frames  # noqa: E402
from quality.offline import make_offline, write_index  # noqa: E402
from quality.runner import Finding, QualityRun  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
log = logging.getLogger("quality")


def project_vars() -> dict:
    return yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]


def raw_inputs(args) -> tuple[Path | None, Path | None]:
    v = project_vars()
    if args.synthea_path is None and args.emr_path is None:
        return REPO / v["sample_synthea_path"], REPO / v["sample_emr_path"]
    return args.synthea_path, args.emr_path


def check_raw(args, run: QualityRun) -> list[Finding]:
    synthea, emr = raw_inputs(args)
    loaded = frames.load_raw(synthea, emr)
    v = project_vars()
    emr_columns = loaded.get(("emr", "visits"), (None, None))[1]
    extended = emr_columns is not None and "Total Cost" in emr_columns.columns
    classes = ["ambulatory", "outpatient", "urgentcare", "emergency", "wellness", "inpatient",
               "hospice", "home", "snf", "virtual"]
    suites = checks.raw_suites(v["raw_contract"], classes, emr_extended=extended)
    data = {table: (str(path), df) for (source, table), (path, df) in loaded.items()}
    return run.run("raw", suites, data)


def check_marts(args, run: QualityRun) -> list[Finding]:
    suites = checks.mart_suites()
    loaded = frames.load_marts(args.db, [s.table for s in suites])
    data = {t: (f"marts.{t}", df) for t, df in loaded.items()}
    return run.run("marts", suites, data)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stage", choices=("raw", "marts", "all"), default="all")
    p.add_argument("--synthea-path", type=Path, help="Synthea export folder (default: the shipped sample)")
    p.add_argument("--emr-path", type=Path, help="EMR extract file (default: the shipped sample)")
    p.add_argument("--db", type=Path, default=REPO / "warehouse" / "hospital.duckdb", help="built warehouse")
    p.add_argument("--reports", type=Path, default=REPO / "reports", help="where Data Docs and findings go")
    p.add_argument("--result-format", choices=("SUMMARY", "COMPLETE"), default="SUMMARY",
                   help="COMPLETE lists every bad row (slower on large files)")
    p.add_argument("--fail-on-error", action="store_true", help="exit 1 when a critical check fails")
    p.add_argument("--append", action="store_true",
                   help="add to the Data Docs of an earlier run (the marts after the door) instead of starting afresh")
    p.add_argument("--quiet", action="store_true", help="print failures only")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("great_expectations", "py.warnings"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    t0 = time.perf_counter()
    findings: list[Finding] = []
    if args.stage in ("marts", "all") and not args.db.exists():
        log.error("no warehouse at %s: run `make build` first (or --stage raw)", args.db)
        return 2
    run = QualityRun(args.reports, args.result_format, append=args.append)
    if args.stage in ("raw", "all"):
        findings += check_raw(args, run)
    if args.stage in ("marts", "all"):
        findings += check_marts(args, run)
    run.finish()
    pages = make_offline(args.reports / "data_docs")
    write_index(args.reports / "data_docs", run.all_findings())
    errors = [f for f in findings if f.is_error]
    for f in findings:
        if not f.success or (f.unexpected_count and not args.quiet):
            (log.error if f.is_error else log.info)(f.message())
    log.info("quality: %d checks, %d failed (%d errors), %d Data Docs pages at %s, %.1f s", len(findings),
             sum(not f.success for f in findings), len(errors), pages, args.reports / "data_docs" / "index.html",
             time.perf_counter() - t0)
    return 1 if errors and args.fail_on_error else 0


if __name__ == "__main__":
    sys.exit(main())
