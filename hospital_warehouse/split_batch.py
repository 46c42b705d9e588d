#!/usr/bin/env python3
"""Split a complete raw export into a history load and a later batch, to try and test incremental builds.

    hospital split --synthea data/x/synthea --emr data/x/emr/visits.parquet \
        --out data/x_split --fraction 0.01

writes
    <out>/base/synthea/*     the export as it stood before the cutoff
    <out>/base/emr/visits.*
    <out>/batch/synthea/*    the batch that arrives after it
    <out>/batch/emr/visits.*

The cutoff is the START time after which `fraction` of the encounters begin (or --cutoff). Encounters (and every
procedure, condition and observation of them) go to the batch when their encounter starts at or after the
cutoff; EMR visits when their visit date is on or after the cutoff's date. Every row sharing a key goes
where the key's first row goes (so a duplicate or conflicting pair is never split), and a row whose date
or encounter cannot be read stays in the history. patients, payers and organizations are snapshots: both
parts get the whole file, as a real export would deliver them again.

Building the history, then the batch incrementally (`dbt build` without --full-refresh), must give the
same published tables as a full build of the complete export: tests/pytest/test_incremental.py checks it.
Parquet and CSV inputs are both read; the output keeps the input's format (CSV written plainly: UTF-8, LF,
no byte-order mark, quoted where needed).
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import duckdb

from hospital_warehouse import quoting, rawfiles

SNAPSHOT_FILES = ("patients", "payers", "organizations")
CHILD_FILES = ("procedures", "conditions", "observations")
TS_FORMATS = "['%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S.%fZ']"


def _writer(path: Path) -> str:
    return "(format parquet)" if rawfiles.kind(path) == "parquet" else "(format csv, header true)"


def split(synthea: Path | None, emr: Path | None, out: Path, fraction: float = 0.01,
          cutoff: str | None = None) -> dict:
    """Write out/base and out/batch; returns the cutoff and row counts per part. `cutoff` (a timestamp)
    overrides `fraction`."""
    if cutoff is None and not 0 < fraction < 1:
        raise ValueError(f"--fraction must be between 0 and 1, got {fraction}")
    con = duckdb.connect()
    summary: dict = {"fraction": fraction, "rows": {}}
    for part in ("base", "batch"):
        (out / part / "synthea").mkdir(parents=True, exist_ok=True)
        (out / part / "emr").mkdir(parents=True, exist_ok=True)

    if synthea is not None:
        enc_path = rawfiles.find(synthea, "encounters")
        if enc_path is None:
            raise FileNotFoundError(f"{synthea}: no encounters.csv or encounters.parquet")
        con.execute(f"""
            create temp table enc as
            select *, row_number() over () as _row,
                   try_strptime(trim("START"), {TS_FORMATS}) as _start
            from {rawfiles.text_reader_sql(enc_path)}""")
        if cutoff is None:
            cutoff = con.execute(f"select quantile_disc(_start, {1 - fraction}) from enc").fetchone()[0]
        # an encounter Id's part is decided by its first row
        con.execute(f"""
            create temp table enc_part as
            select "Id" as id, coalesce(arg_min(_start, _row) >= {quoting.string(cutoff)}::timestamp, false) as in_batch
            from enc where "Id" is not null group by "Id" """)
        _write_split(con, "enc", enc_path, out, "encounters",
                     "coalesce((select in_batch from enc_part where id = t.\"Id\"), false)", summary)
        for entity in CHILD_FILES:
            path = rawfiles.find(synthea, entity)
            if path is None:
                continue
            con.execute(f"create or replace temp table child as select * from {rawfiles.text_reader_sql(path)}")
            _write_split(con, "child", path, out, entity,
                         "coalesce((select in_batch from enc_part where id = t.\"ENCOUNTER\"), false)", summary)
        for entity in SNAPSHOT_FILES:
            path = rawfiles.find(synthea, entity)
            if path is not None:
                for part in ("base", "batch"):
                    shutil.copyfile(path, out / part / "synthea" / path.name)
                summary["rows"][entity] = "snapshot in both parts"

    if emr is not None:
        con.execute(f"""
            create temp table visits as
            select *, row_number() over () as _row,
                   coalesce(try_strptime(trim("Visit Date"), '%Y-%m-%d'), try_strptime(trim("Visit Date"), '%d-%m-%Y'))
                       as _visit
            from {rawfiles.text_reader_sql(emr)}""")
        emr_cutoff = cutoff if cutoff is not None else con.execute(
            f"select quantile_disc(_visit, {1 - fraction}) from visits").fetchone()[0]
        con.execute(f"""
            create temp table visit_part as
            select "Patient ID" as pid, "Visit Date" as vdate,
                   coalesce(arg_min(_visit, _row) >= {quoting.string(emr_cutoff)}::timestamp::date, false) as in_batch
            from visits group by all""")
        _write_split(con, "visits", emr, out, "visits",
                     "coalesce((select in_batch from visit_part where pid is not distinct from t.\"Patient ID\" "
                     "and vdate is not distinct from t.\"Visit Date\"), false)", summary, folder="emr")
    summary["cutoff"] = str(cutoff)
    return summary


def _write_split(con, table: str, path: Path, out: Path, entity: str, in_batch_sql: str, summary: dict,
                 folder: str = "synthea") -> None:
    name = path.name
    all_columns = [r[0] for r in con.execute(f"describe {table}").fetchall()]
    columns = [c for c in all_columns if not c.startswith("_")]
    select = ", ".join(quoting.ident(c) for c in columns)
    order = "order by _row" if "_row" in all_columns else ""  # keep the raw file's row order
    con.execute(f"create or replace temp table tagged as select t.*, {in_batch_sql} as _in_batch from {table} t")
    counts = {}
    for part, flag in (("base", "false"), ("batch", "true")):
        target = out / part / folder / name
        con.execute(f"copy (select {select} from tagged where _in_batch = {flag} {order}) to {quoting.string(target)} "
                    f"{_writer(path)}")
        counts[part] = con.execute(f"select count(*) from tagged where _in_batch = {flag}").fetchone()[0]
    summary["rows"][entity] = counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--synthea", type=Path, help="folder of the complete Synthea export")
    p.add_argument("--emr", type=Path, help="the complete EMR extract (one file)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--fraction", type=float, default=0.01, help="share of encounters in the batch (default 0.01)")
    p.add_argument("--cutoff", help="cut at this START timestamp instead (YYYY-MM-DD HH:MM:SS, UTC)")
    args = p.parse_args(argv)
    if args.synthea is None and args.emr is None:
        p.error("give --synthea and/or --emr")
    summary = split(args.synthea, args.emr, args.out, args.fraction, args.cutoff)
    print(f"cutoff {summary['cutoff']}")
    for entity, counts in summary["rows"].items():
        print(f"  {entity}: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
