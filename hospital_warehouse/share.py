#!/usr/bin/env python3
"""Write the de-identified share of a published build: a copy a hospital may hand to a researcher, a health
board or a vendor (docs/privacy.md says what it removes and what risk remains).

    HOSPITAL_SHARE_KEY=<secret> hospital share [--bi-db warehouse/hospital_bi.duckdb]
        [--build-db warehouse/hospital.duckdb] [--out warehouse/hospital_share.duckdb]
        [--exports exports/share] [--vars '{licensed_beds: 300}']

Writes warehouse/hospital_share.duckdb (schema `marts`, the published tables' names) and
exports/share/<table>.parquet with exports/share/manifest.json. From the published copy:
- patient, encounter, stay and procedure ids become keyed pseudonyms: the first 32 hex digits of
  HMAC-SHA-256(key, "<kind>:<source>:<id>"). The same key gives the same pseudonyms, so only the key holder
  can link two shares; without HOSPITAL_SHARE_KEY (16 characters or more) nothing is written;
- every date and timestamp of a patient's record moves by one offset per patient, derived from the key:
  a whole number of weeks, 1 to 52 either way (never 0), so intervals and days of the week survive;
  months and years are taken again from the moved dates;
- the birth date becomes a birth year (none for a patient over 89); ages over 89 read 90;
- text the source wrote itself (encounter and procedure descriptions) is left out; text from code lists,
  categories and rules stays;
- the KPI marts (mart_*) are built again from the build file with the small-cell rule on, whatever the
  build's setting (dbt, into a temporary copy: the marts' own SQL, not a second implementation);
- organizations and payers stay as they are: they are not individuals.
A patient-level table with a text column this script has no rule for stops the share, naming the column: a
new column is shared only once someone has decided how (the rules below, docs/privacy.md).
"""
from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import yaml

from hospital_warehouse import REPO, dbtrun, quoting
from hospital_warehouse.publish import SCHEMA, write_aside, write_parquet

KEY_VARIABLE = "HOSPITAL_SHARE_KEY"
MIN_KEY_LENGTH = 16
AGE_CAP = 90  # Safe Harbor: ages over 89 are aggregated into one category, 90 or older
PSEUDONYM_DIGITS = 32
log = logging.getLogger("share")

# How each column of a patient-level table (one with patient_id) reaches the share. Dates and timestamps
# are moved by the patient's offset, except those listed in KEPT; numbers and booleans stay; text must be
# named here, as an id to replace, text to leave out, or text from a code list or rule to keep.
PSEUDONYMS = {"patient_id": "patient", "patient_key": "patient_key", "encounter_id": "encounter",
              "admitting_encounter_id": "encounter", "stay_id": "stay", "next_stay_id": "stay",
              "procedure_id": "procedure"}
LEFT_OUT = {"encounter_description": "the source's own text (encounter_code, SNOMED CT, stays)",
            "procedure_description": "the source's own text (procedure_code, SNOMED CT, stays)",
            "birth_date": "replaced by birth_year"}
AGES = {"age_at_visit", "age_at_admission", "age_at_reference"}
MONTH_OF = {"start_month": "start_date", "discharge_month": "discharge_date"}  # taken again from the moved date
YEAR_OF = {"start_year": "start_date"}
KEPT = {  # text from code lists, categories and rules; the build's own time
    "source_system", "organization_id", "payer_id", "encounter_class", "encounter_code", "department",
    "payer_name", "payer_category", "reason_code", "primary_icd10_code", "primary_diagnosis_key",
    "primary_condition_group", "gender", "age_group", "lace_band", "ineligibility_reason_30d",
    "ineligibility_reason_60d", "procedure_code", "code_system", "race", "ethnicity", "marital_status",
    "condition_groups", "readmission_method", "risk_reasons", "refreshed_at", "kpi", "chart_type",
    "signal_beyond_limit", "signal_shift", "signal_trend", "signal_two_of_three", "outcome", "period_grain",
    "unit_type", "unit", "funnel_verdict", "stratum"}
# Aggregates copied from the published copy, not rebuilt: row counts of raw files, not of patients
NOT_REBUILT = {"mart_data_quality"}


class ShareError(Exception):
    """A problem the user can fix: one message, no traceback, nothing written."""


def key_pads(key: str) -> tuple[str, str]:
    """HMAC-SHA-256's inner and outer padded keys (RFC 2104) as hex, for DuckDB's sha256."""
    raw = key.encode("utf-8")
    raw = hashlib.sha256(raw).digest() if len(raw) > 64 else raw
    raw = raw.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in raw).hex(), bytes(b ^ 0x5C for b in raw).hex()


def _hmac_hex(key: str, message: str) -> str:
    return hmac.new(key.encode("utf-8"), message.encode(), hashlib.sha256).hexdigest()


def pseudonym(key: str, kind: str, source: str, value: str) -> str:
    """The pseudonym of one id, as the share computes it in SQL (for tests and for the key holder)."""
    return _hmac_hex(key, f"{kind}:{source}:{value}")[:PSEUDONYM_DIGITS]


def offset_days(key: str, source: str, patient_id: str) -> int:
    """The patient's date offset in days, as the share computes it: weeks -52..-1 or 1..52."""
    n = int(_hmac_hex(key, f"shift:{source}:{patient_id}")[:8], 16) % 104
    return 7 * (n - 52 if n < 52 else n - 51)


def define_macros(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Temporary macros, never stored in the share file: share_hmac(message) and share_pseudonym(kind,
    source, id), HMAC-SHA-256 from the key's padded halves (RFC 2104) with DuckDB's sha256."""
    ipad, opad = key_pads(key)
    con.execute(f"""create temp macro share_hmac(msg) as
        sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode(msg))))""")
    con.execute(f"""create temp macro share_pseudonym(kind, src, value) as
        case when value is null then null else left(share_hmac(kind || ':' || src || ':' || value), {PSEUDONYM_DIGITS}) end""")


def patient_offsets(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Temporary table share_offsets: one offset in days per patient of every patient-level table, weeks
    -52..-1 or 1..52 from the first 8 hex digits of HMAC(key, "shift:<source>:<patient id>") modulo 104."""
    patients = " union ".join(f"select source_system, patient_id from bi.{SCHEMA}.{quoting.ident(t)}" for t in tables)
    con.execute(f"""create temp table share_offsets as
        select source_system, patient_id, cast(7 * (n - 52 + cast(n >= 52 as integer)) as integer) as offset_days
        from (select source_system, patient_id,
                     ('0x' || left(share_hmac('shift:' || source_system || ':' || patient_id), 8))::bigint % 104 as n
              from ({patients}) where patient_id is not null)""")


def rebuild_aggregates(build_db: Path, workdir: Path, dbt_vars: dict) -> Path:
    """The KPI marts built again with the small-cell rule on, by dbt, in a copy of the build file."""
    copy = workdir / "hospital.duckdb"
    shutil.copyfile(build_db, copy)
    run = dbtrun.run(["run", "--select", "path:models/marts/kpi", "--exclude", *sorted(NOT_REBUILT), "--full-refresh"],
                     workdir, {**dbt_vars, "suppress_small_cells": True})
    if run.returncode != 0:
        errors = [line for line in run.output.splitlines() if "Error" in line or "error" in line]
        raise ShareError("rebuilding the KPI marts with the small-cell rule failed: "
                         + (errors[-1].strip() if errors else run.output.strip().splitlines()[-1])
                         + f" (is {build_db} older than the project's models? then run `make build` first)")
    return copy


def shared_column(table: str, column: str, dtype: str) -> str | None:
    """The SQL of one column of a patient-level table in the share, or None to leave it out."""
    q = quoting.ident(column)
    if column in LEFT_OUT:
        return None
    if column in PSEUDONYMS:
        return f"share_pseudonym('{PSEUDONYMS[column]}', source_system, {q}) as {q}"
    if column in AGES:
        return f"case when {q} > {AGE_CAP} then {AGE_CAP} else {q} end as {q}"  # least() would make null 90
    if column in MONTH_OF:
        return f"cast(date_trunc('month', {quoting.ident(MONTH_OF[column])} + offset_days) as date) as {q}"
    if column in YEAR_OF:
        return f"year({quoting.ident(YEAR_OF[column])} + offset_days) as {q}"
    if dtype == "DATE" and column not in KEPT:
        return f"{q} + offset_days as {q}"
    if dtype.startswith("TIMESTAMP") and column not in KEPT:
        return f"{q} + to_days(offset_days) as {q}"
    if dtype == "VARCHAR" and column not in KEPT:
        raise ShareError(f"{SCHEMA}.{table}.{column} is text the share has no rule for: decide whether it is an id, "
                         "the source's own text or a code (hospital_warehouse/share.py: PSEUDONYMS, LEFT_OUT or KEPT; docs/privacy.md)")
    return q


def patient_table_sql(table: str, columns: list[tuple[str, str]]) -> str:
    """select ... from the published table, with the patient's offset beside each row."""
    out = []
    for name, dtype in columns:
        sql = shared_column(table, name, dtype)
        if sql is not None:
            out.append(sql)
        if name == "birth_date":  # birth year, none for a patient whose age is over 89
            out.append(f"case when age_at_reference > {AGE_CAP - 1} then null else year(birth_date) end as birth_year")
    return (f"select {', '.join(out)} from bi.{SCHEMA}.{quoting.ident(table)} "
            "left join share_offsets using (source_system, patient_id)")


def write_share(bi_db: Path, aggregates_db: Path, out: Path, key: str) -> dict[str, int]:
    """The share file, written beside out and renamed onto it."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    try:
        with duckdb.connect(str(tmp)) as con:
            define_macros(con, key)
            con.execute(f"attach {quoting.literal(str(bi_db))} as bi (read_only)")
            con.execute(f"attach {quoting.literal(str(aggregates_db))} as agg (read_only)")
            con.execute(f"create schema {SCHEMA}")
            tables = [r[0] for r in con.sql("select table_name from duckdb_tables() where database_name = 'bi' "
                                            "and schema_name = ? order by table_name", params=[SCHEMA]).fetchall()]
            if not tables:
                raise ShareError(f"{bi_db} has no published tables: run `make build`")
            rebuilt = {r[0] for r in con.sql("select table_name from duckdb_tables() where database_name = 'agg' "
                                             "and schema_name = ?", params=[SCHEMA]).fetchall()}
            columns: dict[str, list[tuple[str, str]]] = {t: [] for t in tables}
            for t, c, dtype in con.sql("select table_name, column_name, data_type from duckdb_columns() where "
                                       "database_name = 'bi' and schema_name = ? order by table_name, column_index",
                                       params=[SCHEMA]).fetchall():
                columns[t].append((c, dtype))
            patient_tables = [t for t in tables if any(c == "patient_id" for c, _ in columns[t])]
            patient_offsets(con, patient_tables)
            for t in tables:
                if t in patient_tables:
                    sql = patient_table_sql(t, columns[t])
                elif t == "dim_date":
                    continue  # after the facts: the calendar of the moved dates
                elif t.startswith("mart_") and t not in NOT_REBUILT:
                    if t not in rebuilt:
                        raise ShareError(f"{SCHEMA}.{t} was not rebuilt with the small-cell rule")
                    sql = f"select * from agg.{SCHEMA}.{quoting.ident(t)}"
                elif t == "mart_data_quality":
                    sql = (f"select * replace (regexp_extract(source_file, '[^/\\\\]*$') as source_file) "
                           f"from bi.{SCHEMA}.{quoting.ident(t)}")
                else:
                    sql = f"select * from bi.{SCHEMA}.{quoting.ident(t)}"
                con.execute(f"create table {SCHEMA}.{quoting.ident(t)} as {sql}")
            if "dim_date" in tables:
                con.execute(f"""create table {SCHEMA}.dim_date as
                    select 'all' as source_system, cast(d as date) as date_day, cast(date_trunc('month', d) as date) as month_start,
                           year(d) as year_number, quarter(d) as quarter_number, month(d) as month_number,
                           day(d) as day_of_month, isodow(d) as iso_day_of_week, isodow(d) >= 6 as is_weekend
                    from (select min(lo) as lo, max(hi) as hi
                          from (select min(start_date) as lo, max(start_date) as hi from {SCHEMA}.fct_encounters
                                union all
                                select min(admit_date), max(discharge_date) from {SCHEMA}.fct_stays)) as bounds,
                         generate_series(cast(lo as timestamp), cast(hi as timestamp), interval 1 day) as days(d)""")
            for t in tables:
                rows[t] = con.sql(f"select count(*) from {SCHEMA}.{quoting.ident(t)}").fetchone()[0]
            con.execute("detach bi")
            con.execute("detach agg")
            con.execute("checkpoint")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bi-db", type=Path, default=REPO / "warehouse" / "hospital_bi.duckdb", help="the published copy")
    p.add_argument("--build-db", type=Path, default=Path(os.environ.get("HOSPITAL_DB_PATH", REPO / "warehouse" / "hospital.duckdb")),
                   help="the build file (the KPI marts are rebuilt from a copy of it)")
    p.add_argument("--out", type=Path, default=REPO / "warehouse" / "hospital_share.duckdb")
    p.add_argument("--exports", type=Path, default=REPO / "exports" / "share")
    p.add_argument("--vars", default="{}", help="the dbt vars the build used (YAML or JSON), e.g. '{licensed_beds: 300}'")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    key = os.environ.get(KEY_VARIABLE, "")
    try:
        if len(key) < MIN_KEY_LENGTH:
            raise ShareError(f"{KEY_VARIABLE} is {'not set' if not key else 'shorter than ' + str(MIN_KEY_LENGTH) + ' characters'}: "
                             "the share's pseudonyms and date offsets are derived from this secret, and nothing is shared "
                             f"without it. Set it (e.g. {KEY_VARIABLE}=$(openssl rand -hex 32)), keep it, and use the same "
                             "key again to link a later share to this one")
        for path, what in ((args.bi_db, "published copy"), (args.build_db, "build file")):
            if not path.exists():
                raise ShareError(f"no {what} at {path}: run `make build` first")
        try:
            dbt_vars = yaml.safe_load(args.vars) or {}
        except yaml.YAMLError as exc:
            raise ShareError(f"--vars {args.vars!r} is not YAML or JSON: {str(exc).splitlines()[0]}") from None
        t0 = time.perf_counter()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".share-", dir=args.out.parent) as work:
            aggregates = rebuild_aggregates(args.build_db, Path(work), dbt_vars)
            rows = write_share(args.bi_db, aggregates, args.out, key)
        write_parquet(args.out, args.exports, list(rows))
        write_aside(args.exports / "manifest.json", json.dumps(
            {"tables": {t: {"file": f"{t}.parquet", "rows": n} for t, n in rows.items()},
             "de_identified": "docs/privacy.md"}, indent=2).encode())
    except ShareError as exc:
        log.error("share: %s", exc)
        return 2
    except duckdb.Error as exc:  # a damaged or locked file: one line, nothing written (the share is renamed last)
        log.error("share: DuckDB could not write the share from %s: %s", args.bi_db, str(exc).splitlines()[0])
        return 1
    log.info("shared %d tables (%s rows) to %s and %s/ in %.1f s", len(rows), f"{sum(rows.values()):,}", args.out,
             args.exports, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
