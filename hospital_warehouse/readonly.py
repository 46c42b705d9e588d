"""Connections that read the published copy and can do nothing else: what `hospital query` and
`hospital metrics` run SQL on, whatever SQL they are given.

- The file is opened read-only, then DuckDB's external access is switched off (no other file read or
  written, no ATTACH, COPY, EXPORT, no extension installed or loaded) and the configuration locked, so no
  statement can switch it back on.
- A query is accepted only as one statement of a read-only kind (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE,
  SHOW, PRAGMA that reads): anything else is refused before it runs.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from hospital_warehouse import quoting

NO_EXTENSIONS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


class Refused(Exception):
    """A statement the read-only tools do not run, in one line."""


def lock(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse file db, read-only and locked."""
    return lock(duckdb.connect(str(db), read_only=True, config=NO_EXTENSIONS))


def attach(db: Path, catalog: str) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with db attached read-only as catalog (the name a generated query uses), locked."""
    con = duckdb.connect(config=NO_EXTENSIONS)
    con.execute(f"attach {quoting.string(db)} as {quoting.ident(catalog)} (read_only)")
    return lock(con)


def one_query(sql: str) -> str:
    """sql, when it is one read-only statement; Refused otherwise."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise Refused(f"not a statement DuckDB can read: {str(exc).splitlines()[0]}") from None
    if len(statements) != 1:
        raise Refused(f"{len(statements)} statements: give one query (the published copy is read-only)")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise Refused(f"a {kind.name} statement: only a query (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE) is run on "
                      "the published copy, which is read-only")
    return sql
