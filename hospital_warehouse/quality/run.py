#!/usr/bin/env python3
"""Quality checks with great-expectations, at the door and on the marts.

    hospital check            # the raw files dbt is about to read
    python -m hospital_warehouse.quality.run --stage marts          # the headline marts of a built warehouse
    python -m hospital_warehouse.quality.run --stage all --fail-on-error

Raw input defaults to what `dbt build` reads: the shipped sample, or --synthea-path / --emr-path (the
same as the dbt vars). Data Docs go to reports/data_docs/index.html (they work offline); findings to
reports/quality/<stage>.json.

Severities mean what they say:
- ERROR: the export is unusable (the door, hospital_warehouse/quality/door.py: a missing, empty, unreadable or
  undecodable file, a missing column, a truncated file...) or a published mart breaks a rule. Exit code 2:
  `make build` stops there and publishes nothing.
- WARN: more bad rows than the check's tolerance. The build goes on (staging quarantines or repairs those
  rows); with --fail-on-warning (`make quality`) the exit code is 1.
- INFO / NOTE: quirks real exports have, and bad rows within tolerance: reported only.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from hospital_warehouse import REPO, rawfiles
from hospital_warehouse.quality import checks, door, rowchecks
from hospital_warehouse.quality.offline import make_offline, write_index
from hospital_warehouse.quality.runner import Finding, QualityRun

log = logging.getLogger("quality")
STOP = 2  # the exit code that stops `make build`
SPILL = REPO / "target" / "quality_tmp"  # where DuckDB may spill while the checks run


def raw_inputs(args) -> tuple[Path | None, Path | None, Path | None]:
    """The export the build reads (Synthea, EMR, FHIR): the arguments, else the environment make passes to dbt,
    else the sample."""
    synthea, emr, fhir = args.synthea_path, args.emr_path, args.fhir_path
    if synthea is None and emr is None and fhir is None:
        synthea = os.environ.get("HOSPITAL_SYNTHEA_RAW_PATH") or None
        emr = os.environ.get("HOSPITAL_EMR_RAW_PATH") or None
        fhir = os.environ.get("HOSPITAL_FHIR_RAW_PATH") or None
    if synthea is None and emr is None and fhir is None:
        return (*rawfiles.sample_paths(), None)
    return (Path(synthea) if synthea else None), emr, (Path(fhir) if fhir else None)


def stop(problems: list) -> None:
    for p in problems:
        print(p.message(), file=sys.stderr)
    print(f"stopped at the door: {len(problems)} unusable raw file(s); nothing was built or published",
          file=sys.stderr)
    return None


def check_raw(args, run: QualityRun, codec: str) -> list[Finding] | None:
    """The door, then great-expectations on the files it let through; None when the door stops the build."""
    synthea, emr, fhir = raw_inputs(args)
    t0 = time.perf_counter()
    result = door.check(synthea, emr, codec, warehouse=args.batch_of, fhir=fhir)
    t1 = time.perf_counter()
    if result.problems:
        return stop(result.problems)
    suites = {s.table: s for s in checks.raw_suites(rawfiles.contract(), rawfiles.project_vars()["encounter_classes"])}
    keep = 10**9 if args.result_format == "COMPLETE" else 1000
    findings: list[Finding] = []
    notes: dict[str, str] = {}
    unknown: dict[str, tuple[int, int]] = {}
    # great-expectations validates each file's first rows (for its Data Docs) in a thread of its own while
    # the next file's row checks run: DuckDB leaves Python's lock free while it works
    with ThreadPoolExecutor(max_workers=1) as gx_worker, rowchecks.connect(SPILL) as con:
        # the worker imports great-expectations and opens its project while the first files are read
        validations = [gx_worker.submit(lambda: run.ctx)] if run.data_docs else []
        seen: dict[str, int] = {}
        orders: list = []
        for p, part in rowchecks.each_file(con, result.files, codec, suites, args.gx_rows):
            if p.source == "emr":
                orders.append((p.path, rowchecks.year_last_dates(con, p)))
            suite = suites[p.table]
            seen[p.table] = seen.get(p.table, 0) + 1
            if seen[p.table] > 1:  # several EMR files: one suite each
                suite = checks.Suite(f"{suite.name}_{seen[p.table]}", suite.source, suite.table, suite.checks)
            found = rowchecks.run_file(con, p, suite, "raw", str(p.path), keep)
            findings += found
            for f in found:
                if p.source == "synthea" and f.check in ("patient_known", "encounter_known"):
                    unknown[p.table] = (f.unexpected_count, f.element_count)
            if not run.data_docs:
                continue
            total = next((f.element_count for f in found if f.element_count is not None), 0)
            df = rowchecks.sample(con, part)
            if len(df) < total:
                notes[str(p.path)] = f"the first {len(df):,} of {total:,} rows"
                for f in found:
                    f.validated = notes[str(p.path)]
            validations.append(gx_worker.submit(run.run, "raw", [suite], [(p.table, str(p.path), df)],
                                                notes=dict(notes), write=False))
        t2 = time.perf_counter()
        for v in validations:
            v.result()
    wholesale = rejected_wholesale(findings, suites) + date_orders(orders)
    if wholesale:
        return stop(wholesale)
    if args.batch_of is None:  # a batch's rows may point at rows loaded before
        cut_short = door.truncated(result.files, unknown, codec)
        if cut_short:
            return stop(cut_short)
    run.record("raw", findings)
    log.info("door: files %.1f s, row checks over every row %.1f s, great-expectations %.1f s more", t1 - t0,
             t2 - t1, time.perf_counter() - t2)
    return findings


def date_orders(orders: list) -> list[door.Problem]:
    """The order of each EMR file's year-last dates, decided from the whole file (docs/data_contract.md,
    "Dates"): HOSPITAL_DATE_ORDER (--date-order) when set; else what the file proves, reported; a file that
    proves both orders stops the build, naming a line of each."""
    forced = os.environ.get("HOSPITAL_DATE_ORDER", "").strip().lower()
    problems = []
    for path, o in orders:
        if forced or not o["year_last"]:
            continue
        if o["dmy_row"] and o["mdy_row"]:
            problems.append(door.Problem(str(path), f"lines {o['dmy_row'] + 1} and {o['mdy_row'] + 1}", (
                f"writes dates day-first (line {o['dmy_row'] + 1}: {o['dmy_value']}) and month-first (line "
                f"{o['mdy_row'] + 1}: {o['mdy_value']}): a file holds one order. Correct the file, or force one "
                "order with DATE_ORDER=dmy|mdy (hospital build --date-order), and the other dates are quarantined")))
        elif o["mdy_row"]:
            print(f"note: {path}: {o['year_last']} dates written with the year last are read month-first (line "
                  f"{o['mdy_row'] + 1}: {o['mdy_value']} proves it)", file=sys.stderr)
        elif not o["dmy_row"]:
            print(f"note: {path}: {o['year_last']} dates written with the year last could be either order (no "
                  "day over 12): read day-first, the default; DATE_ORDER=mdy reads them month-first", file=sys.stderr)
    return problems


def rejected_wholesale(findings: list[Finding], suites: dict) -> list[door.Problem]:
    """Files most of whose rows fail one check that quarantines a row (more than var reject_share_limit): a
    format problem (another date format, a shifted column), not dirt, so the build stops."""
    limit = float(rawfiles.project_vars()["reject_share_limit"])
    rejecting = {(suite.name, c.name): c for suite in suites.values() for c in suite.checks if c.rejects}
    problems = []
    for f in findings:
        check = next((c for (name, check_name), c in rejecting.items()
                      if check_name == f.check and f.suite.startswith(name)), None)
        if check is None or not f.element_count or (f.unexpected_count or 0) <= limit * f.element_count:
            continue
        line = f"line {f.example_rows[0] + 1}" if f.example_rows else ""
        problems.append(door.Problem(f.file, line, (
            f"{f.unexpected_count} of its {f.element_count} rows fail check {f.check}"
            + (f" (e.g. {f.example})" if f.example else "") + f": so many is a format problem, not dirt (the limit is "
            f"{limit:.0%} of a file's rows, var reject_share_limit); staging would have quarantined them all")))
    return problems


def check_marts(args, run: QualityRun) -> list[Finding]:
    """The mart suites over every row (rowchecks.py, in DuckDB); great-expectations validates the first
    --gx-rows rows of each mart for the Data Docs."""
    suites = checks.mart_suites()
    by_table = {s.table: s for s in suites}
    findings: list[Finding] = []
    data, notes = [], {}
    with rowchecks.connect(SPILL) as con:
        prepared = rowchecks.prepare_marts(con, args.db, list(by_table))
        parts = rowchecks.prepare_marts(con, args.db, list(by_table), rows=args.gx_rows)
        for p, part in zip(prepared, parts):
            label = f"marts.{p.table}"
            found = rowchecks.run_file(con, p, by_table[p.table], "marts", label, 1000)
            findings += found
            if not run.data_docs:
                continue
            df = rowchecks.sample(con, part)
            data.append((p.table, label, df))
            total = next((f.element_count for f in found if f.element_count is not None), 0)
            if len(df) < total:
                notes[label] = f"the first {len(df):,} of {total:,} rows"
                for f in found:
                    f.validated = notes[label]
    run.run("marts", suites, data, notes=notes, write=False)
    run.record("marts", findings)
    return findings


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stage", choices=("raw", "marts", "all"), default="all")
    p.add_argument("--synthea-path", type=Path, help="Synthea export folder (default: the shipped sample)")
    p.add_argument("--emr-path", type=Path, help="EMR extract file (default: the shipped sample)")
    p.add_argument("--fhir-path", type=Path, help="FHIR R4 bulk export folder (default: none)")
    p.add_argument("--db", type=Path, default=REPO / "warehouse" / "hospital.duckdb", help="built warehouse")
    p.add_argument("--reports", type=Path, default=REPO / "reports", help="where Data Docs and findings go")
    p.add_argument("--result-format", choices=("SUMMARY", "COMPLETE"), default="SUMMARY",
                   help="COMPLETE lists every bad row (slower on large files)")
    p.add_argument("--gx-rows", type=int, default=10_000,
                   help="rows of each raw file great-expectations validates for the Data Docs (the door's counts "
                        "and verdicts cover every row)")
    p.add_argument("--fail-on-warning", action="store_true",
                   help="exit 1 when a check finds more bad rows than it tolerates (make quality)")
    p.add_argument("--encoding", help="encoding of the raw CSV files: utf-8 (default), latin-1, utf-16, cp1252 "
                                      "(default: HOSPITAL_RAW_ENCODING)")
    p.add_argument("--build-db", type=Path, help="the warehouse file the build is about to write: stop when "
                                                 "another program holds it")
    p.add_argument("--batch-of", type=Path, metavar="WAREHOUSE",
                   help="the export is a batch for this warehouse: its patients file must hold all of its patients")
    p.add_argument("--append", action="store_true",
                   help="add to the Data Docs of an earlier run (the marts after the door) instead of starting afresh")
    p.add_argument("--quiet", action="store_true", help="print failures only")
    p.add_argument("--no-data-docs", dest="data_docs", action="store_false",
                   help="the verdicts only (every row is still checked): no great-expectations run, no Data Docs")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("great_expectations", "py.warnings"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    t0 = time.perf_counter()
    findings: list[Finding] = []
    if args.stage in ("marts", "all") and not args.db.exists():
        log.error("no warehouse at %s: run `make build` first (or --stage raw)", args.db)
        return 2
    try:
        codec = rawfiles.encoding(args.encoding)
    except ValueError as e:
        print(f"error: ENCODING: {e}", file=sys.stderr)
        return STOP
    try:
        rawfiles.max_line_size()
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return STOP
    if os.environ.get("HOSPITAL_DATE_ORDER", "").strip().lower() not in ("", "dmy", "mdy"):
        print(f"error: DATE_ORDER / HOSPITAL_DATE_ORDER is {os.environ['HOSPITAL_DATE_ORDER']!r}: use dmy (day "
              "first) or mdy (month first)", file=sys.stderr)
        return STOP
    if args.stage == "raw" and args.build_db is not None:
        held = door.build_file_free(args.build_db)
        if held is not None:
            print(held.message(), file=sys.stderr)
            return STOP
    run = QualityRun(args.reports, args.result_format, append=args.append, data_docs=args.data_docs)
    if args.stage in ("raw", "all"):
        raw = check_raw(args, run, codec)
        if raw is None:
            return STOP
        findings += raw
    if args.stage in ("marts", "all"):
        findings += check_marts(args, run)
    run.finish()
    pages = 0
    if args.data_docs:
        pages = make_offline(args.reports / "data_docs")
        write_index(args.reports / "data_docs", run.all_findings())
    errors = [f for f in findings if f.is_error]
    for f in findings:
        if not f.success or (f.unexpected_count and not args.quiet):
            (log.error if f.is_error else log.info)(f.message())
    log.info("quality: %d checks, %d failed (%d errors), %d Data Docs pages at %s, %.1f s", len(findings),
             sum(not f.success for f in findings), len(errors), pages, args.reports / "data_docs" / "index.html",
             time.perf_counter() - t0)
    if errors:
        return STOP
    warnings = [f for f in findings if not f.success and f.severity == "warning"]
    return 1 if warnings and args.fail_on_warning else 0


if __name__ == "__main__":
    sys.exit(main())
