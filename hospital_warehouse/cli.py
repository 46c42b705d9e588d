"""`hospital`: the project's jobs, one command line.

    hospital build                                   # the shipped sample -> warehouse/hospital.duckdb
    hospital build --synthea /data/mgh_export --emr '/data/emr/*.csv' --encoding cp1252
    hospital batch --emr /data/emr/visits_2025_01.csv  # new rows into the existing warehouse
    hospital check --synthea /data/mgh_export          # the door alone: is this export usable?
    hospital build --fhir /data/ehr_bulk_export --emr /data/emr/visits.csv   # a FHIR R4 bulk export
    hospital query --example readmissions_by_diagnosis
    hospital metrics --metrics readmission_rate_30d --by department,month

`build` and `batch` run their steps one after another, each as its own process, and stop at the first
that fails: a stopped build publishes nothing. Each step prints its time. The other commands are the
project's tools; `hospital COMMAND --help` shows each one's options and examples.

Raw paths, the encoding and dbt vars are options (or the environment variables named in `--help`, which
`make build SYNTHEA=... EMR=...` sets): they reach every step as arguments and environment variables,
never as shell text, so a path may hold spaces, quotes, brackets, `$` or `*`.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

import click

from hospital_warehouse import REPO, dbtrun

BUILD_DB = REPO / "warehouse" / "hospital.duckdb"
DBT = dbtrun.DBT
PY = [sys.executable, "-m"]


class Step:
    """One step of a build: a child process, timed."""

    def __init__(self, name: str, args: list[str], quiet_stdout: bool = False):
        self.name, self.args, self.quiet_stdout = name, args, quiet_stdout

    def run(self, env: dict, number: int, total: int) -> int:
        click.echo(click.style(f"[{number}/{total}] {self.name}", bold=True), err=True)
        t0 = time.perf_counter()
        out = subprocess.DEVNULL if self.quiet_stdout else None
        code = subprocess.run(self.args, cwd=REPO, env=env, stdout=out).returncode
        verdict = "done" if code == 0 else f"stopped (exit {code})"
        click.echo(f"[{number}/{total}] {self.name}: {verdict} in {time.perf_counter() - t0:.1f} s", err=True)
        return code


def export_environment(synthea: str | None, emr: str | None, encoding: str | None, batch: bool,
                       max_line_size: int | None = None, date_order: str | None = None, fhir: str | None = None) -> dict:
    """The environment of every step: the export's paths (all set when any is given, a source not given read as
    absent; none: the shipped sample), the encoding, and for a batch the moment it starts. Every
    step, dbt and its plugin included, imports this project's package (PYTHONPATH), the one the build runs."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": os.environ.get("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])])
    if synthea or emr or fhir:
        env["HOSPITAL_SYNTHEA_RAW_PATH"] = synthea or ""
        env["HOSPITAL_EMR_RAW_PATH"] = emr or ""
        env["HOSPITAL_FHIR_RAW_PATH"] = fhir or ""
    if encoding:
        env["HOSPITAL_RAW_ENCODING"] = encoding
    if max_line_size:
        env["HOSPITAL_RAW_MAX_LINE_SIZE"] = str(max_line_size)
    if date_order:
        env["HOSPITAL_DATE_ORDER"] = date_order
    env.pop("HOSPITAL_BATCH_SINCE", None)
    if batch:
        env["HOSPITAL_BATCH_SINCE"] = dbtrun.batch_since()
    return env


def build_steps(dbt_vars: str | None, fail_on_warning: bool, batch: bool, threads: int) -> list[Step]:
    quality = [*PY, "hospital_warehouse.quality.run", "--quiet"] + (["--fail-on-warning"] if fail_on_warning else [])
    door = [*quality, "--stage", "raw", "--build-db", str(BUILD_DB)] + (["--batch-of", str(BUILD_DB)] if batch else [])
    vars_args = ["--vars", dbt_vars] if dbt_vars else []
    dbt_mode = (["--exclude-resource-type", "unit_test", "--exclude", "resource_type:seed", "--threads", str(threads)]
                if batch else ["--full-refresh"])
    return [
        Step("door: the raw files", door),
        Step("dbt build", [DBT, "build", "--profiles-dir", "profiles", *dbt_mode, *vars_args]),
        Step("mart checks", [*quality, "--stage", "marts", "--append"]),
        Step("publish", [*PY, "hospital_warehouse.publish"]),
        Step("dashboard", [*PY, "hospital_warehouse.dashboard.build_dashboard"]),
        Step("dbt docs", [DBT, "docs", "generate", "--profiles-dir", "profiles", "--static", "--no-compile", *vars_args],
             quiet_stdout=True),
        Step("summary", [*PY, "hospital_warehouse.summary"]),
    ]


class BuildRunning(Exception):
    """Another build holds this checkout's build lock."""


@contextlib.contextmanager
def build_lock():
    """One build or batch at a time in a checkout: an exclusive lock on warehouse/.build.lock, which names the
    process holding it and when it started. The system drops the lock when that process ends, however it ends."""
    BUILD_DB.parent.mkdir(parents=True, exist_ok=True)
    with open(BUILD_DB.parent / ".build.lock", "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise BuildRunning(fh.read().strip() or "another process") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"process {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n")
        fh.flush()
        yield


def run_build(synthea, emr, encoding, dbt_vars, fail_on_warning, batch=False, threads=1, max_line_size=None,
              date_order=None, fhir=None) -> int:
    try:
        with build_lock():
            return run_steps(synthea, emr, encoding, dbt_vars, fail_on_warning, batch, threads, max_line_size,
                             date_order, fhir)
    except BuildRunning as holder:
        click.echo(f"error: another build is running in this checkout ({holder}): wait for it to finish; this "
                   "one did nothing", err=True)
        return 2


def run_steps(synthea, emr, encoding, dbt_vars, fail_on_warning, batch, threads, max_line_size=None,
              date_order=None, fhir=None) -> int:
    env = export_environment(synthea, emr, encoding, batch, max_line_size, date_order, fhir)
    steps = build_steps(dbt_vars, fail_on_warning, batch, threads)
    t0 = time.perf_counter()
    for number, step in enumerate(steps, start=1):
        code = step.run(env, number, len(steps))
        if code != 0:
            click.echo(f"{'batch' if batch else 'build'} stopped at '{step.name}': nothing more was built or published",
                       err=True)
            return code
        if step.name == "dbt docs":
            (REPO / "reports" / "dbt_docs").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REPO / "target" / "static_index.html", REPO / "reports" / "dbt_docs" / "index.html")
    click.echo(f"published in {time.perf_counter() - t0:.1f} s: warehouse/hospital_bi.duckdb, exports/*.parquet, "
               "reports/dashboard/index.html, reports/dbt_docs/index.html", err=True)
    return 0


# options shared by build, batch and check
def export_options(fn: Callable) -> Callable:
    fn = click.option("--date-order", envvar="HOSPITAL_DATE_ORDER", type=click.Choice(["dmy", "mdy"]),
                      help="how the EMR's dates written with the year last are read (default: decided from each "
                           "file, day-first when nothing proves it) [env HOSPITAL_DATE_ORDER]")(fn)
    fn = click.option("--max-line-size", envvar="HOSPITAL_RAW_MAX_LINE_SIZE", type=click.IntRange(min=1),
                      metavar="BYTES", help="the longest line the CSV reader takes (default 2,000,000) "
                                            "[env HOSPITAL_RAW_MAX_LINE_SIZE]")(fn)
    fn = click.option("--encoding", envvar="HOSPITAL_RAW_ENCODING", metavar="NAME",
                      help="encoding of the raw CSV files: utf-8 (default), latin-1, cp1252 or utf-16 "
                           "[env HOSPITAL_RAW_ENCODING]")(fn)
    fn = click.option("--emr", envvar="HOSPITAL_EMR_RAW_PATH", metavar="PATH",
                      help="EMR extract: a file, a folder of files or a glob [env HOSPITAL_EMR_RAW_PATH]")(fn)
    fn = click.option("--fhir", envvar="HOSPITAL_FHIR_RAW_PATH", metavar="DIR",
                      help="FHIR R4 bulk export folder (<ResourceType>*.ndjson[.gz]) or Synthea's FHIR Bundles "
                           "(*.json) [env HOSPITAL_FHIR_RAW_PATH]")(fn)
    fn = click.option("--synthea", envvar="HOSPITAL_SYNTHEA_RAW_PATH", metavar="DIR",
                      help="Synthea export folder [env HOSPITAL_SYNTHEA_RAW_PATH]")(fn)
    return fn


def vars_option(fn: Callable) -> Callable:
    return click.option("--vars", "dbt_vars", envvar="HOSPITAL_BUILD_VARS", metavar="YAML",
                        help="dbt vars, e.g. '{suppress_small_cells: true}' (docs/definitions.md) "
                             "[env HOSPITAL_BUILD_VARS]")(fn)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
             epilog="Example: hospital build --synthea /data/mgh_export --emr /data/emr/visits.csv")
def main() -> None:
    """The hospital analytics warehouse: build it from raw exports, check, publish, query and share it.

    With no paths, build and check read the shipped sample (seeds/). Every command's --help shows an example.
    """


@main.command(epilog="Example: hospital build --synthea /data/mgh_export --emr '/data/emr/*.csv' --encoding latin-1")
@export_options
@vars_option
@click.option("--fail-on-warning", is_flag=True, help="stop when a data-quality check finds more bad rows than it "
                                                      "tolerates (make quality)")
def build(synthea, fhir, emr, encoding, max_line_size, date_order, dbt_vars, fail_on_warning) -> None:
    """Check the raw files, build the warehouse with dbt, check the marts, publish.

    Steps: the door (an unusable file stops here, nothing built), dbt build (every model and test), the mart
    checks, then the read-only copy for BI clients (warehouse/hospital_bi.duckdb) with Parquet exports, the
    dashboard, the dbt docs and a data-quality summary.
    """
    sys.exit(run_build(synthea, emr, encoding, dbt_vars, fail_on_warning, max_line_size=max_line_size,
                       date_order=date_order, fhir=fhir))


@main.command(epilog="Example: hospital batch --synthea /data/batch_0107/synthea --emr /data/batch_0107/visits.csv")
@export_options
@vars_option
@click.option("--threads", default=2, show_default=True, help="models and tests dbt runs at once")
def batch(synthea, fhir, emr, encoding, max_line_size, date_order, dbt_vars, threads) -> None:
    """Load a delivery of new rows into the existing warehouse (docs/incremental.md).

    The Synthea folder holds the new rows plus the current patients, payers and organizations; the EMR file
    the new visits. dbt runs without --full-refresh, unit tests and seeds; the rest is as in build.
    """
    if not (synthea or emr or fhir):
        raise click.UsageError("give the batch: --synthea DIR, --fhir DIR and/or --emr PATH")
    if not BUILD_DB.exists():
        click.echo(f"error: no warehouse at {BUILD_DB} yet: a batch adds to a built warehouse; run `hospital "
                   "build` (make build) first", err=True)
        sys.exit(2)
    sys.exit(run_build(synthea, emr, encoding, dbt_vars, False, batch=True, threads=threads,
                       max_line_size=max_line_size, date_order=date_order, fhir=fhir))


@main.command(epilog="Example: hospital check --synthea /data/mgh_export --emr /data/emr/visits.csv")
@export_options
@click.option("--data-docs/--no-data-docs", default=True, show_default=True,
              help="also validate each file's first rows with great-expectations and write its Data Docs "
                   "(the verdicts cover every row either way)")
def check(synthea, fhir, emr, encoding, max_line_size, date_order, data_docs) -> None:
    """The door alone: check every raw file of an export, build nothing.

    Exit 2 with one line per unusable file (naming the file, the line or column and the problem); per-row
    dirt is reported, and staging would quarantine or repair it.
    """
    env = export_environment(synthea, emr, encoding, batch=False, max_line_size=max_line_size, date_order=date_order,
                             fhir=fhir)
    args = [] if data_docs else ["--no-data-docs"]
    sys.exit(subprocess.run([*PY, "hospital_warehouse.quality.run", "--stage", "raw", *args], cwd=REPO,
                            env=env).returncode)


def tool(name: str, module: str, summary: str, example: str, prefix: tuple[str, ...] = (),
         group: click.Group | None = None) -> None:
    """A subcommand of group (default: hospital) that hands its arguments, as they are, to a tool's own parser
    (`hospital NAME --help` prints that parser's options)."""
    group = group or main
    prog = f"hospital {group.name} {name}" if group is not main else f"hospital {name}"

    @group.command(name, help=f"{summary}\n\nExample: {example}   (--help: every option)", add_help_option=False,
                   context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def command(args: tuple[str, ...]) -> None:
        import importlib

        sys.argv[0] = prog
        try:
            code = importlib.import_module(module).main([*prefix, *args])
        except SystemExit as stop:  # argparse ends --help (and a usage error) this way
            code = stop.code
        if "--help" in args or "-h" in args:
            click.echo(f"\nExample: {example}")
        sys.exit(code)


tool("publish", "hospital_warehouse.publish", "Publish the last build: the read-only copy for BI clients and "
     "Parquet exports.", "hospital publish --bi-db /srv/bi/hospital_bi.duckdb")
tool("dashboard", "hospital_warehouse.dashboard.build_dashboard", "Write the KPI dashboard (one HTML file, "
     "offline) from the published copy.", "hospital dashboard --out /srv/www/kpis.html")
tool("report", "hospital_warehouse.dashboard.print_report", "Print the dashboard's pages to a PDF (A4 landscape; "
     "needs Chromium).", "hospital report --filter 'source=emr&year=2024'")
tool("share", "hospital_warehouse.share", "Write the de-identified share of the last build "
     "(HOSPITAL_SHARE_KEY; docs/privacy.md).", "HOSPITAL_SHARE_KEY=$(openssl rand -hex 32) hospital share")
tool("query", "hospital_warehouse.query", "Query the published copy read-only: SQL, named examples, a table's "
     "columns.", "hospital query --example readmissions_by_diagnosis")
tool("metrics", "hospital_warehouse.query", "Query the semantic layer's metrics (MetricFlow) from the published "
     "copy.", "hospital metrics --metrics readmission_rate_30d,alos_days --by department,month", prefix=("metrics",))
tool("summary", "hospital_warehouse.summary", "Print the data-quality summary of the last build.",
     "hospital summary --db warehouse/hospital.duckdb")
tool("generate", "hospital_warehouse.generator.cli", "Generate a synthetic export (Synthea CSV layout and an EMR "
     "extract) with planted defects.", "hospital generate --out data/demo --patients 500 --seed 7")
tool("compare", "hospital_warehouse.compare_warehouses", "Compare every table of two warehouse files, row for row.",
     "hospital compare warehouse/a.duckdb warehouse/b.duckdb --schema marts")
tool("codesets", "hospital_warehouse.codesets", "Write (or --check) the code-set seeds from the pinned packages.",
     "hospital codesets --check")
tool("split", "hospital_warehouse.split_batch", "Cut an export at a moment into a base and a batch (for testing "
     "batches).", "hospital split --synthea data/x/synthea --emr data/x/emr/visits.parquet --at 2024-06-01 --out data/cut")
tool("land", "hospital_warehouse.engines.load_raw", "Land an export for PostgreSQL (COPY) or Spark (Parquet) "
     "through the same reader.", "hospital land --engine spark --synthea seeds/synthea --out warehouse/spark/landing")


@main.group()
def bench() -> None:
    """Benchmarks: builds at given sizes against pandas and hand-written SQL, and `build` end to end.

    Example: hospital bench run --sizes 100000 1000000
    """


tool("run", "hospital_warehouse.bench.run_benchmark", "dbt builds at given sizes against pandas and hand-written "
     "SQL; the 1% batch.", "hospital bench run --sizes 100000 1000000 10000000", group=bench)
tool("build", "hospital_warehouse.bench.make_build", "`hospital build` end to end on the 10M export as Parquet and as "
     "CSV (or one export): step times, peak memory.", "hospital bench build --size 10000000", group=bench)
tool("batch", "hospital_warehouse.bench.rerun_batch", "The 1% batch again on an existing benchmark build.",
     "hospital bench batch --size 10000000 --repeat 3 --compare", group=bench)
tool("generator", "hospital_warehouse.bench.big_export", "Time the generator at a size: wall time, peak memory.",
     "hospital bench generator --encounters 10000000", group=bench)


if __name__ == "__main__":
    main()
