#!/usr/bin/env python3
"""Publish a successful build for BI tools and analysts.

`dbt build` writes the build file (warehouse/hospital.duckdb). DuckDB allows one writer or many readers,
never both, so clients never open that file. Once the build (models and every test) has passed, this
script publishes:
- warehouse/hospital_bi.duckdb: a read-only copy holding the published tables (schema `marts`) with their
  column comments. Written to a temporary file beside it, then moved over the old copy in one atomic
  rename: a client holding the old file keeps reading it (until it reconnects and sees the new one), a
  build never waits for a client, and nobody ever sees a half-written copy. Staging and intermediate
  tables (which hold names and addresses) are not published.
- exports/<table>.parquet: every published table as Parquet (Power BI's native connector reads the folder
  without any driver), each file also written aside and renamed into place, and exports/manifest.json.
- semantic_manifest.json beside the copy: the semantic layer's metrics of the same build, which
  `hospital metrics` reads (dbt writes it to target/).
A failed build never reaches this script (make stops), so the last good copy stays in place.

    hospital publish [--build-db warehouse/hospital.duckdb] [--bi-db warehouse/hospital_bi.duckdb]
                              [--exports exports] [--semantic-manifest target/semantic_manifest.json]
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

import duckdb

from hospital_warehouse import REPO, quoting

SCHEMA = "marts"
log = logging.getLogger("publish")


def write_bi_copy(build_db: Path, bi_db: Path) -> dict[str, int]:
    """Copy the published tables and their comments into a new file, then move it over bi_db atomically."""
    tmp = bi_db.with_name(f".{bi_db.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    with duckdb.connect(str(tmp)) as bi:
        bi.execute(f"attach {quoting.literal(str(build_db))} as build (read_only)")
        tables = [r[0] for r in bi.sql(
            "select table_name from duckdb_tables() where database_name = 'build' and schema_name = ? "
            "order by table_name", params=[SCHEMA]).fetchall()]
        if not tables:
            raise SystemExit(f"{build_db} has no tables in schema {SCHEMA}: build first")
        table_comments = dict(bi.sql("select table_name, comment from duckdb_tables() "
                                     "where database_name = 'build' and schema_name = ?", params=[SCHEMA]).fetchall())
        column_comments = bi.sql("select table_name, column_name, comment from duckdb_columns() where database_name = "
                                 "'build' and schema_name = ? and comment is not null", params=[SCHEMA]).fetchall()
        bi.execute(f"create schema {SCHEMA}")
        for t in tables:
            bi.execute(f"create table {SCHEMA}.{quoting.ident(t)} as select * from build.{SCHEMA}.{quoting.ident(t)}")
            rows[t] = bi.sql(f"select count(*) from {SCHEMA}.{quoting.ident(t)}").fetchone()[0]
            if table_comments.get(t):
                bi.execute(f"comment on table {SCHEMA}.{quoting.ident(t)} is {quoting.literal(table_comments[t])}")
        for t, c, comment in column_comments:
            bi.execute(f"comment on column {SCHEMA}.{quoting.ident(t)}.{quoting.ident(c)} is {quoting.literal(comment)}")
        bi.execute("detach build")
        bi.execute("checkpoint")
    os.replace(tmp, bi_db)  # atomic on POSIX: readers of the old file keep it until they reconnect
    return rows


def write_aside(path: Path, data: bytes) -> None:
    """Write a small file beside its final name, then move it there in one rename: no reader sees half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_parquet(bi_db: Path, exports: Path, tables: list[str]) -> None:
    exports.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(bi_db), read_only=True) as con:
        for t in tables:
            final = exports / f"{t}.parquet"
            tmp = exports / f".{t}.parquet.{os.getpid()}.tmp"
            con.execute(f"copy {SCHEMA}.{quoting.ident(t)} to {quoting.literal(str(tmp))} (format parquet, compression zstd)")
            os.replace(tmp, final)
    for stale in exports.glob("*.parquet"):
        if stale.stem not in tables:
            stale.unlink()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-db", type=Path, default=Path(os.environ.get("HOSPITAL_DB_PATH", REPO / "warehouse" / "hospital.duckdb")))
    p.add_argument("--bi-db", type=Path, default=REPO / "warehouse" / "hospital_bi.duckdb")
    p.add_argument("--exports", type=Path, default=REPO / "exports")
    p.add_argument("--semantic-manifest", type=Path, default=REPO / "target" / "semantic_manifest.json",
                   help="dbt's semantic manifest of the build (published beside the copy)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.build_db.exists():
        log.error("no build at %s: run `make build`", args.build_db)
        return 2
    if not args.semantic_manifest.exists():
        log.error("no semantic manifest at %s: dbt writes it when it parses the project (run `make build`)",
                  args.semantic_manifest)
        return 2
    t0 = time.perf_counter()
    args.bi_db.parent.mkdir(parents=True, exist_ok=True)
    rows = write_bi_copy(args.build_db, args.bi_db)
    write_aside(args.bi_db.parent / "semantic_manifest.json", args.semantic_manifest.read_bytes())
    write_parquet(args.bi_db, args.exports, list(rows))
    manifest = {"published_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "schema": SCHEMA, "tables": rows}
    write_aside(args.exports / "manifest.json", (json.dumps(manifest, indent=1) + "\n").encode())
    log.info("published %d tables (%s rows) to %s and %s/ in %.1f s", len(rows), f"{sum(rows.values()):,}",
             args.bi_db, args.exports, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
