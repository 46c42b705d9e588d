#!/usr/bin/env python3
"""Check the marts' yml (models/marts/*/_*.yml), the one source of their descriptions, against a built
warehouse and the published interface.

    python -m hospital_warehouse.check_mart_yml                       # warehouse/hospital.duckdb
    python -m hospital_warehouse.check_mart_yml --db /path/to/hospital.duckdb

It fails (exit 1, one line per problem) when:
- a table of schema `marts` has no model in the yml, or a model of the yml no table;
- a model's columns in the yml are not the table's, in the table's order, with the table's types (dbt's
  enforced contract refuses a build whose SQL and yml disagree; this also catches a yml column
  documented on a mart built with the contract off, e.g. on another engine);
- a model or one of its columns has no description;
- a table or column of docs/published_tables.yml (the interface BI reports rely on) is not in the yml.

A new mart column is added by editing the mart's SQL and its yml entry (name, data_type, description);
`make test` runs this check on the sample's build (tests/pytest/test_marts_contract.py).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import duckdb
import yaml

from hospital_warehouse import REPO

MART_YML = sorted((REPO / "models" / "marts").glob("*/_*__models.yml"))
PUBLISHED = REPO / "docs" / "published_tables.yml"


def yml_models(paths: list[Path] = MART_YML) -> dict[str, dict]:
    """{model: {"description": str, "columns": [(name, data_type, description)]}} of the marts' yml."""
    out = {}
    for path in paths:
        for model in yaml.safe_load(path.read_text()).get("models", []):
            out[model["name"]] = {
                "description": (model.get("description") or "").strip(),
                "columns": [(c["name"], c.get("data_type"), (c.get("description") or "").strip())
                            for c in model.get("columns", [])]}
    return out


def warehouse_columns(db: Path) -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, type)]} of schema marts, in column order."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select table_name, column_name, data_type from information_schema.columns "
                           "where table_schema = 'marts' order by table_name, ordinal_position").fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, []).append((column, dtype))
    return out


def same_type(documented: str | None, built: str) -> bool:
    """The yml's data_type names the built type (case and spaces aside; `double precision` is DOUBLE)."""
    if documented is None:
        return False
    norm = re.sub(r"\s+", "", documented.lower()).replace("doubleprecision", "double")
    return norm == re.sub(r"\s+", "", built.lower())


def problems(models: dict[str, dict], built: dict[str, list[tuple[str, str]]], published: dict) -> list[str]:
    found = []
    for table in sorted(set(built) - set(models)):
        found.append(f"marts.{table}: built, but no model of that name in models/marts/*/_*.yml")
    for name in sorted(set(models) - set(built)):
        found.append(f"{name}: in the yml, but the warehouse has no table marts.{name}")
    for name, model in sorted(models.items()):
        if not model["description"]:
            found.append(f"{name}: no description")
        documented = model["columns"]
        for column, _, description in documented:
            if not description:
                found.append(f"{name}.{column}: no description")
        if name not in built:
            continue
        table = built[name]
        if [c for c, _, _ in documented] != [c for c, _ in table]:
            found.append(f"{name}: the yml's columns {[c for c, _, _ in documented]} are not the table's "
                         f"{[c for c, _ in table]} (names, in order)")
            continue
        for (column, dtype, _), (_, built_type) in zip(documented, table):
            if not same_type(dtype, built_type):
                found.append(f"{name}.{column}: data_type {dtype!r} in the yml, {built_type} in the warehouse")
    for table, columns in published.items():
        if table not in models:
            found.append(f"docs/published_tables.yml: {table} is not a model of the yml")
            continue
        names = {c for c, _, _ in models[table]["columns"]}
        for column in columns:
            if column not in names:
                found.append(f"docs/published_tables.yml: {table}.{column} is not a column of its yml")
    return found


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, default=REPO / "warehouse" / "hospital.duckdb", help="a built warehouse")
    args = p.parse_args(argv)
    if not args.db.exists():
        print(f"error: no warehouse at {args.db}: run `make build` first (or give --db)", file=sys.stderr)
        return 2
    models = yml_models()
    found = problems(models, warehouse_columns(args.db), yaml.safe_load(PUBLISHED.read_text()))
    for line in found:
        print(line, file=sys.stderr)
    print(f"{len(models)} marts, {sum(len(m['columns']) for m in models.values())} columns: "
          f"{len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
