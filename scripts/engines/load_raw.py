#!/usr/bin/env python3
"""Land raw exports for the engines that do not read the export files from dbt (PostgreSQL, Spark).

    python scripts/engines/load_raw.py --synthea seeds/synthea --emr seeds/emr/visits.csv \\
        --host 127.0.0.1 --port 55432 --user hospital --dbname hospital

    python scripts/engines/load_raw.py --engine spark --synthea ... --emr ... --out warehouse/spark/landing

On DuckDB the staging models read the raw files directly (macro read_raw). On PostgreSQL they read landing
tables `raw.<source>__<file>` (raw.synthea__encounters, ..., raw.emr__visits) that this script fills: every
column of the data contract as text under its raw name (a contract column the file lacks is null), plus
source_file, source_file_stamp (size@modification time) and source_row (1-based data row), exactly what
read_raw gives on DuckDB. Files are read with DuckDB using read_raw's options (comma, double quote, header,
every column as text) and sent with COPY. A file without a required column stops the load with the file,
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
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parents[2]
log = logging.getLogger("load_raw")
SCHEMA = "raw"


def contract() -> dict:
    return yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]["raw_contract"]


def find_file(source_system: str, entity: str, synthea: Path | None, emr: Path | None) -> Path | None:
    """The raw file for (source, entity), as macro raw_file finds it; None when absent."""
    if source_system == "emr":
        return emr if emr is not None and emr.exists() else None
    if synthea is None:
        return None
    for ext in (".csv", ".csv.gz", ".parquet"):
        path = synthea / f"{entity}{ext}"
        if path.exists():
            return path
    return None


def raw_files(synthea: Path | None, emr: Path | None):
    """(source, entity, contract spec, file or None) for every raw file of the contract; a required file
    missing from a source that was given stops the load, naming the file and the expected header."""
    for source_system, entities in contract().items():
        for entity, spec in entities.items():
            path = find_file(source_system, entity, synthea, emr)
            if path is None and spec["file_required"] and (synthea if source_system == "synthea" else emr):
                raise SystemExit(f"{source_system} export has no {entity} file (.csv, .csv.gz or .parquet): "
                                 f"it is required. Expected header: {','.join(spec['required'])}")
            yield source_system, entity, spec, path


def file_stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}@{datetime.fromtimestamp(int(st.st_mtime), timezone.utc).strftime('%Y-%m-%dT%H:%M:%S')}"


def header_of(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    if path.suffix == ".parquet":
        return [r[0] for r in con.execute(f"describe select * from read_parquet('{path}')").fetchall()]
    first = con.execute(f"""select line from read_csv('{path}', header = false, auto_detect = false, parallel = false,
        delim = chr(1), quote = '', escape = '', columns = {{'line': 'VARCHAR'}}) limit 1""").fetchone()
    if first is None or first[0] is None:
        return []
    names = []
    for name in first[0].replace("\ufeff", "").split(","):
        name = name.strip("\r\n")
        if len(name) > 1 and name.startswith('"') and name.endswith('"'):
            name = name[1:-1].replace('""', '"')
        names.append(name)
    return names


def raw_select(con: duckdb.DuckDBPyConnection, source_system: str, entity: str, path: Path | None,
               spec: dict) -> str:
    """The rows of one raw file with the contract's columns, as read_raw selects them on DuckDB."""
    columns = spec["required"] + spec["optional"]
    if path is None:
        nulls = ", ".join(f'cast(null as varchar) as "{c}"' for c in columns)
        return f"select {nulls}, cast(null as varchar) as source_file, cast(null as varchar) as source_file_stamp, " \
               "cast(null as bigint) as source_row where 1 = 0"
    header = header_of(con, path)
    missing = [c for c in spec["required"] if c not in header]
    if not header or missing:
        raise SystemExit(f"Raw file {path} ({source_system} {entity}) is missing required column(s): "
                         f"{', '.join(missing or spec['required'])}. Expected header: {','.join(spec['required'])}. "
                         f"Found: {','.join(header)}.")
    select = ", ".join(f'cast("{c}" as varchar) as "{c}"' if c in header else f'cast(null as varchar) as "{c}"'
                       for c in columns)
    if path.suffix == ".parquet":
        # the row's position in the file, as read_raw numbers it (file_row_number is 0-based)
        row, reader = "file_row_number + 1", f"read_parquet('{path}', file_row_number = true)"
    else:
        types = ", ".join(f"'{c}': 'VARCHAR'" for c in header)
        row, reader = "ordinality", (
            f"read_csv('{path}', header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
            f"columns = {{{types}}}) with ordinality")
    return (f"select {select}, '{path}' as source_file, '{file_stamp(path)}' as source_file_stamp, "
            f"cast({row} as bigint) as source_row from {reader}")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_postgres(settings: dict, synthea: Path | None, emr: Path | None, replace: bool = False) -> dict:
    """Fill raw.<source>__<entity> on PostgreSQL; returns rows loaded per table and the seconds taken."""
    import psycopg2  # installed with dbt-postgres (requirements-postgres.txt)

    con = duckdb.connect()
    out = {}
    pg = psycopg2.connect(**settings)
    try:
        with pg, pg.cursor() as cur:
            cur.execute(f"create schema if not exists {SCHEMA}")
            for source_system, entity, spec, path in raw_files(synthea, emr):
                t0 = time.perf_counter()
                table = f"{SCHEMA}.{source_system}__{entity}"
                cols_sql = ", ".join(f"{_quote(c)} text" for c in spec["required"] + spec["optional"])
                cur.execute(f"create table if not exists {table} ({cols_sql}, source_file text, "
                            "source_file_stamp text, source_row bigint)")
                if replace:
                    cur.execute(f"truncate {table}")
                if path is not None:
                    cur.execute(f"select count(*) from {table} where source_file = %s and source_file_stamp = %s",
                                (str(path), file_stamp(path)))
                    if cur.fetchone()[0]:
                        log.info("%s: %s was loaded before; no new rows", table, path)
                        out[table] = {"rows": 0, "seconds": 0.0}
                        continue
                buf = io.StringIO()
                rel = con.sql(raw_select(con, source_system, entity, path, spec))
                rows = 0
                for batch in rel.to_arrow_reader(100_000):
                    frame = batch.to_pandas()
                    rows += len(frame)
                    frame.to_csv(buf, index=False, header=False, na_rep="\\N")
                buf.seek(0)
                cur.copy_expert(f"copy {table} from stdin with (format csv, null '\\N')", buf)
                out[table] = {"rows": rows, "seconds": round(time.perf_counter() - t0, 2)}
                log.info("%s: %s rows from %s in %.1f s", table, f"{rows:,}", path, out[table]["seconds"])
    finally:
        pg.close()
    return out


def land_parquet(out: Path, synthea: Path | None, emr: Path | None) -> dict:
    """Spark: write <out>/<source>__<entity>.parquet (the same columns as the landing tables), which the
    staging models read in place (var raw_landing_path). Replaces what the folder held."""
    con = duckdb.connect()
    out.mkdir(parents=True, exist_ok=True)
    result = {}
    for source_system, entity, spec, path in raw_files(synthea, emr):
        t0 = time.perf_counter()
        target = out / f"{source_system}__{entity}.parquet"
        con.execute(f"copy ({raw_select(con, source_system, entity, path, spec)}) to '{target}' (format parquet)")
        rows = con.execute(f"select count(*) from read_parquet('{target}')").fetchone()[0]
        result[target.name] = {"rows": rows, "seconds": round(time.perf_counter() - t0, 2)}
        log.info("%s: %s rows from %s", target, f"{rows:,}", path)
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--engine", choices=("postgres", "spark"), default="postgres")
    p.add_argument("--out", type=Path, help="spark: folder for the landed Parquet files (dbt var raw_landing_path)")
    p.add_argument("--synthea", type=Path, help="Synthea export folder")
    p.add_argument("--emr", type=Path, help="EMR extract file")
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
