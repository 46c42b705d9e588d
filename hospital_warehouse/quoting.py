"""SQL text the package writes for DuckDB (and PostgreSQL, Spark SQL): identifiers and string literals,
quoted in one place. Values a user gives are bound as parameters where the statement allows it; these are
for the places it does not (a file path in read_csv, a table or column name)."""
from __future__ import annotations


def ident(name: str) -> str:
    """A quoted identifier: "name", with any " doubled."""
    return '"' + str(name).replace('"', '""') + '"'


def string(value: str) -> str:
    """A string literal: 'value', with any ' doubled."""
    return "'" + str(value).replace("'", "''") + "'"


def literal(value: str | None) -> str:
    """A string literal, or NULL for None."""
    return "NULL" if value is None else string(value)
