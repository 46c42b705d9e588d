#!/usr/bin/env python3
"""Land raw exports for the engines that do not read the export files from dbt (PostgreSQL, Spark).

    hospital land --synthea seeds/synthea --emr seeds/emr/visits.csv \\
        --host 127.0.0.1 --port 55432 --user hospital --dbname hospital

    hospital land --engine spark --synthea ... --emr ... --out warehouse/spark/landing

On DuckDB the staging models read the raw files directly (macro read_raw). On PostgreSQL they read landing
tables `raw.<source>__<file>` (raw.synthea__encounters, ..., raw.emr__visits) that this script fills: every
column of the data contract as text under its raw name (a contract column the file lacks is null), plus
source_file, source_file_stamp (size@modification time) and source_row (1-based data row), exactly what
read_raw gives on DuckDB. Files are found and read by the rules of hospital_warehouse/rawfiles.py (an EMR folder or
glob of several files, the delimiter from the header, HOSPITAL_RAW_ENCODING), with DuckDB and read_raw's
options (double quote, header, every column as text), and sent with COPY. A file without a required column stops the load with the file,
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

log = logging.getLogger("load_raw")
SCHEMA = "raw"


def raw_files(synthea: Path | None, emr: str | Path | None):
    """(source, entity, contract spec, files) for every raw file of the contract, found as the door and
    read_raw find them (hospital_warehouse/rawfiles.py: an EMR path may name a folder or a glob of several files); a
    required file missing from a source that was given stops the load, naming the file and the header."""
    for source_system, entities in rawfiles.contract().items():
        for entity, spec in entities.items():
            if source_system == "emr":
                paths = rawfiles.emr_files(emr) if emr is not None else []
            else:
                found = rawfiles.find(Path(synthea), entity) if synthea is not None else None
                paths = [found] if found is not None else []
            if not paths and spec["file_required"] and (synthea if source_system == "synthea" else emr):
                raise SystemExit(f"{source_system} export has no {entity} file (.csv, .csv.gz or .parquet): "
                                 f"it is required. Expected header: {','.join(spec['required'])}")
            yield source_system, entity, spec, paths


def header_of(con: duckdb.DuckDBPyConnection, path: Path, required: list[str], codec: str) -> tuple[list[str], str]:
    """(column names, delimiter) of a raw file, by the rules of rawfiles.header_delimiter."""
    if rawfiles.kind(path) == "parquet":
        names = [r[0] for r in con.execute(f"describe select * from read_parquet({quoting.string(path)})").fetchall()]
        return names, ","
    first = con.execute(f"""select line from read_csv({quoting.string(path)}, header = false, auto_detect = false,
        parallel = false, delim = chr(1), quote = '', escape = '', encoding = {quoting.string(codec)},
        columns = {{'line': 'VARCHAR'}}) limit 1""").fetchone()
    if first is None or first[0] is None:
        return [], ","
    delimiter = rawfiles.header_delimiter(first[0], required)
    return rawfiles.safe_names(rawfiles.header_names(first[0], delimiter)), delimiter


def file_select(con: duckdb.DuckDBPyConnection, source_system: str, entity: str, path: Path, spec: dict,
                codec: str) -> str:
    """The rows of one raw file with the contract's columns, as read_raw selects them on DuckDB."""
    columns = spec["required"] + spec["optional"]
    header, delimiter = header_of(con, path, spec["required"], codec)
    missing = [c for c in spec["required"] if c not in header]
    if not header or missing:
        raise SystemExit(f"Raw file {path} ({source_system} {entity}) is missing required column(s): "
                         f"{', '.join(missing or spec['required'])}. Expected header: {','.join(spec['required'])}. "
                         f"Found: {','.join(header)}.")
    select = ", ".join(f"cast({quoting.ident(c)} as varchar) as {quoting.ident(c)}" if c in header
                       else f"cast(null as varchar) as {quoting.ident(c)}" for c in columns)
    if rawfiles.kind(path) == "parquet":
        # the row's position in the file, as read_raw numbers it (file_row_number is 0-based)
        row, reader = "file_row_number + 1", f"read_parquet({quoting.string(path)}, file_row_number = true)"
    else:
        row = "ordinality"
        reader = rawfiles.read_csv_sql(path, header, delimiter, codec) + " with ordinality"
    return (f"select {select}, {quoting.string(path)} as source_file, "
            f"{quoting.string(rawfiles.file_stamp(path))} as source_file_stamp, "
            f"cast({row} as bigint) as source_row from {reader}")


def raw_select(con: duckdb.DuckDBPyConnection, source_system: str, entity: str, paths: list[Path],
               spec: dict) -> str:
    """The rows of a raw table's files (none: no rows, the contract's columns), unioned."""
    if not paths:
        nulls = ", ".join(f"cast(null as varchar) as {quoting.ident(c)}" for c in spec["required"] + spec["optional"])
        return f"select {nulls}, cast(null as varchar) as source_file, cast(null as varchar) as source_file_stamp, " \
               "cast(null as bigint) as source_row where 1 = 0"
    codec = rawfiles.encoding()
    if codec not in rawfiles.DUCKDB_CODECS:
        raise SystemExit(f"{codec} files are read by `make build` from the UTF-8 copies its door writes; convert "
                         f"the export to UTF-8 before landing it on another engine")
    return " union all ".join(f"({file_select(con, source_system, entity, p, spec, codec)})" for p in paths)


def load_postgres(settings: dict, synthea: Path | None, emr: Path | None, replace: bool = False) -> dict:
    """Fill raw.<source>__<entity> on PostgreSQL; returns rows loaded per table and the seconds taken."""
    import psycopg2  # installed with dbt-postgres (the engines extra)

    con = duckdb.connect()
    out = {}
    pg = psycopg2.connect(**settings)
    try:
        with pg, pg.cursor() as cur:
            cur.execute(f"create schema if not exists {SCHEMA}")
            for source_system, entity, spec, paths in raw_files(synthea, emr):
                t0 = time.perf_counter()
                table = f"{SCHEMA}.{source_system}__{entity}"
                cols_sql = ", ".join(f"{quoting.ident(c)} text" for c in spec["required"] + spec["optional"])
                cur.execute(f"create table if not exists {table} ({cols_sql}, source_file text, "
                            "source_file_stamp text, source_row bigint)")
                if replace:
                    cur.execute(f"truncate {table}")
                new = []
                for path in paths:
                    cur.execute(f"select count(*) from {table} where source_file = %s and source_file_stamp = %s",
                                (str(path), rawfiles.file_stamp(path)))
                    if cur.fetchone()[0]:
                        log.info("%s: %s was loaded before; no new rows", table, path)
                    else:
                        new.append(path)
                if paths and not new:
                    out[table] = {"rows": 0, "seconds": 0.0}
                    continue
                buf = io.StringIO()
                rel = con.sql(raw_select(con, source_system, entity, new, spec))
                rows = 0
                for batch in rel.to_arrow_reader(100_000):
                    frame = batch.to_pandas()
                    rows += len(frame)
                    frame.to_csv(buf, index=False, header=False, na_rep="\\N")
                buf.seek(0)
                cur.copy_expert(f"copy {table} from stdin with (format csv, null '\\N')", buf)
                out[table] = {"rows": rows, "seconds": round(time.perf_counter() - t0, 2)}
                log.info("%s: %s rows from %s in %.1f s", table, f"{rows:,}", ", ".join(map(str, new)) or "no file",
                         out[table]["seconds"])
    finally:
        pg.close()
    return out


def land_parquet(out: Path, synthea: Path | None, emr: Path | None) -> dict:
    """Spark: write <out>/<source>__<entity>.parquet (the same columns as the landing tables), which the
    staging models read in place (var raw_landing_path). Replaces what the folder held."""
    con = duckdb.connect()
    out.mkdir(parents=True, exist_ok=True)
    result = {}
    for source_system, entity, spec, paths in raw_files(synthea, emr):
        t0 = time.perf_counter()
        target = out / f"{source_system}__{entity}.parquet"
        con.execute(f"copy ({raw_select(con, source_system, entity, paths, spec)}) to '{target}' (format parquet)")
        rows = con.execute(f"select count(*) from read_parquet('{target}')").fetchone()[0]
        result[target.name] = {"rows": rows, "seconds": round(time.perf_counter() - t0, 2)}
        log.info("%s: %s rows from %s", target, f"{rows:,}", ", ".join(map(str, paths)) or "no file")
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine", choices=("postgres", "spark"), default="postgres")
    p.add_argument("--out", type=Path, help="spark: folder for the landed Parquet files (dbt var raw_landing_path)")
    p.add_argument("--synthea", type=Path, help="Synthea export folder")
    p.add_argument("--emr", help="EMR extract: a file, a folder of them or a glob")
    p.add_argument("--host", default=os.environ.get("HOSPITAL_PG_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("HOSPITAL_PG_PORT", "5432")))
    p.add_argument("--user", default=os.environ.get("HOSPITAL_PG_USER", "hospital"))
    p.add_argument("--password", default=os.environ.get("HOSPITAL_PG_PASSWORD", ""))
    p.add_argument("--dbname", default=os.environ.get("HOSPITAL_PG_DATABASE", "hospital"))
    p.add_argument("--replace", action="store_true", help="empty the landing tables before loading")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.synthea is None and args.emr is None:
        args.synthea, args.emr = REPO / "seeds" / "synthea", REPO / "seeds" / "emr" / "visits.csv"
    if args.engine == "spark":
        if args.out is None:
            p.error("--engine spark needs --out (the folder dbt reads through var raw_landing_path)")
        land_parquet(args.out, args.synthea, args.emr)
        return 0
    settings = {"host": args.host, "port": args.port, "user": args.user, "dbname": args.dbname}
    if args.password:
        settings["password"] = args.password
    load_postgres(settings, args.synthea, args.emr, args.replace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
