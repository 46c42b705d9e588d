#!/usr/bin/env python3
"""Land raw exports for the engines that do not read the export files from dbt (PostgreSQL, Spark).

    hospital land --synthea seeds/synthea --emr seeds/emr/visits.csv \\
        --host 127.0.0.1 --port 55432 --user hospital --dbname hospital

    hospital land --engine spark --synthea ... --emr ... --out warehouse/spark/landing

    hospital land --fhir /data/fhir_export --emr ... --replace

On DuckDB the staging models read the raw files directly (macro read_raw). On PostgreSQL they read landing
tables `raw.<source>__<file>` (raw.synthea__encounters, ..., raw.emr__visits, raw.fhir__encounters, ...) that
this script fills: every
column of the data contract as text under its raw name (a contract column the file lacks is null), plus
source_file, source_file_stamp (size@modification time) and source_row (1-based data row), exactly what
read_raw gives on DuckDB. Files are found and read by hospital_warehouse/rawfiles.py, as dbt reads them on DuckDB (an EMR
folder or glob of several files, the delimiter from the header, HOSPITAL_RAW_ENCODING; a FHIR export's
NDJSON lines and Bundle entries as text, a row each; the same SELECT, rawfiles.select_sql), and sent with
COPY. A file without a required column stops the load with the file,
the missing columns and the expected header; an optional file that is absent (conditions, observations)
lands as an empty table. Loading a file whose path and stamp are already in the landing table adds
nothing (a delivery is loaded once); --replace empties the landing tables first. For Spark the same rows
are written as Parquet files <out>/<source>__<file>.parquet, read in place (dbt var raw_landing_path).
"""
from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import time
from pathlib import Path

import duckdb

from hospital_warehouse import REPO, quoting, rawfiles
from hospital_warehouse.quality import door

log = logging.getLogger("load_raw")
SCHEMA = "raw"


def raw_files(synthea: Path | None, emr: str | Path | None, fhir: Path | None = None):
    """(source, entity, contract spec, files) for every table of the contract, its files resolved as dbt reads
    them on DuckDB (rawfiles.resolve: an EMR path may name a folder or a glob of several files); what makes a
    table unreadable (a required file or column missing) stops the load with rawfiles' one line, and what
    the door refuses of a FHIR export (no Patient file, a gzip file cut short, a file that is not NDJSON, a
    Synthea export beside it) with the door's lines."""
    if fhir is not None:
        problems = door.fhir_problems(Path(fhir), synthea)
        if problems:
            raise SystemExit("\n".join(problem.message() for problem in problems))
    for source_system, entities in rawfiles.contract().items():
        root = {"synthea": synthea, "emr": emr, "fhir": fhir}[source_system]
        for entity, spec in entities.items():
            try:
                files = rawfiles.resolve(source_system, entity, root) if root is not None else []
            except rawfiles.Unreadable as exc:
                raise SystemExit(f"error: {exc}") from None
            yield source_system, entity, spec, files


def raw_select(spec: dict, files: list[rawfiles.RawFile]) -> str:
    """The rows of a raw table's files as read_raw selects them on DuckDB (none: no rows, the contract's
    columns), unioned."""
    columns = spec["required"] + spec["optional"]
    if not files:
        nulls = ", ".join(f"cast(null as varchar) as {quoting.ident(c)}" for c in columns)
        return f"select {nulls}, cast(null as varchar) as source_file, cast(null as varchar) as source_file_stamp, " \
               "cast(null as bigint) as source_row where 1 = 0"
    return " union all ".join(f"({rawfiles.select_sql(f, columns)})" for f in files)


def load_postgres(settings: dict, synthea: Path | None, emr: Path | None, replace: bool = False,
                  fhir: Path | None = None) -> dict:
    """Fill raw.<source>__<entity> on PostgreSQL; returns rows loaded per table and the seconds taken."""
    import psycopg2  # installed with dbt-postgres (the engines extra)

    con = duckdb.connect()
    out = {}
    pg = psycopg2.connect(**settings)
    try:
        with pg, pg.cursor() as cur:
            cur.execute(f"create schema if not exists {SCHEMA}")
            for source_system, entity, spec, files in raw_files(synthea, emr, fhir):
                t0 = time.perf_counter()
                table = f"{SCHEMA}.{source_system}__{entity}"
                cols_sql = ", ".join(f"{quoting.ident(c)} text" for c in spec["required"] + spec["optional"])
                cur.execute(f"create table if not exists {table} ({cols_sql}, source_file text, "
                            "source_file_stamp text, source_row bigint)")
                if replace:
                    cur.execute(f"truncate {table}")
                new = []
                for f in files:
                    cur.execute(f"select count(*) from {table} where source_file = %s and source_file_stamp = %s",
                                (f.path, f.stamp))
                    if cur.fetchone()[0]:
                        log.info("%s: %s was loaded before; no new rows", table, f.path)
                    else:
                        new.append(f)
                if files and not new:
                    out[table] = {"rows": 0, "seconds": 0.0}
                    continue
                buf = io.StringIO()
                rel = con.sql(raw_select(spec, new))
                rows = 0
                for batch in rel.to_arrow_reader(100_000):
                    frame = batch.to_pandas()
                    rows += len(frame)
                    frame.to_csv(buf, index=False, header=False, na_rep="\\N")
                buf.seek(0)
                cur.copy_expert(f"copy {table} from stdin with (format csv, null '\\N')", buf)
                out[table] = {"rows": rows, "seconds": round(time.perf_counter() - t0, 2)}
                log.info("%s: %s rows from %s in %.1f s", table, f"{rows:,}", ", ".join(f.path for f in new) or "no file",
                         out[table]["seconds"])
    finally:
        pg.close()
    return out


def land_parquet(out: Path, synthea: Path | None, emr: Path | None, fhir: Path | None = None) -> dict:
    """Spark: write <out>/<source>__<entity>.parquet (the same columns as the landing tables), which the
    staging models read in place (var raw_landing_path). Replaces what the folder held."""
    con = duckdb.connect()
    out.mkdir(parents=True, exist_ok=True)
    result = {}
    for source_system, entity, spec, files in raw_files(synthea, emr, fhir):
        t0 = time.perf_counter()
        target = out / f"{source_system}__{entity}.parquet"
        con.execute(f"copy ({raw_select(spec, files)}) to {quoting.string(target)} (format parquet)")
        rows = con.execute(f"select count(*) from read_parquet({quoting.string(target)})").fetchone()[0]
        result[target.name] = {"rows": rows, "seconds": round(time.perf_counter() - t0, 2)}
        log.info("%s: %s rows from %s", target, f"{rows:,}", ", ".join(f.path for f in files) or "no file")
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine", choices=("postgres", "spark"), default="postgres")
    p.add_argument("--out", type=Path, help="spark: folder for the landed Parquet files (dbt var raw_landing_path)")
    p.add_argument("--synthea", type=Path, help="Synthea export folder")
    p.add_argument("--emr", help="EMR extract: a file, a folder of them or a glob")
    p.add_argument("--fhir", type=Path, help="FHIR R4 bulk export folder (NDJSON files, Bundles); the build "
                   "reads it when HOSPITAL_FHIR_RAW_PATH or var fhir_raw_path is set")
    p.add_argument("--host", default=os.environ.get("HOSPITAL_PG_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("HOSPITAL_PG_PORT", "5432")))
    p.add_argument("--user", default=os.environ.get("HOSPITAL_PG_USER", "hospital"))
    p.add_argument("--password", default=os.environ.get("HOSPITAL_PG_PASSWORD", ""))
    p.add_argument("--dbname", default=os.environ.get("HOSPITAL_PG_DATABASE", "hospital"))
    p.add_argument("--replace", action="store_true", help="empty the landing tables before loading")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.synthea is None and args.emr is None and args.fhir is None:
        args.synthea, args.emr = REPO / "seeds" / "synthea", REPO / "seeds" / "emr" / "visits.csv"
    if args.engine == "spark":
        if args.out is None:
            p.error("--engine spark needs --out (the folder dbt reads through var raw_landing_path)")
        land_parquet(args.out, args.synthea, args.emr, args.fhir)
        return 0
    settings = {"host": args.host, "port": args.port, "user": args.user, "dbname": args.dbname}
    if args.password:
        settings["password"] = args.password
    load_postgres(settings, args.synthea, args.emr, args.replace, args.fhir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
