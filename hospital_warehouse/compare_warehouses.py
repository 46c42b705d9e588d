#!/usr/bin/env python3
"""Compare the tables of two DuckDB warehouses row for row.

    hospital compare warehouse/a.duckdb warehouse/b.duckdb [--schema marts]

Every table of the schema must exist in both with the same columns and the same multiset of rows.
Floating-point values are equal within a relative tolerance (default 1e-9: sums taken in a different
order differ in the last digits); everything else must be identical. Columns named in --ignore are left
out (bookkeeping that differs by design, such as when a row was loaded).
Exit status 0 when every table matches; otherwise each difference is printed with example rows.
compare_with_full_build() is the same for a warehouse loaded in batches, where mart_data_quality is
compared by its totals over files: used by tests/pytest/test_incremental.py and the benchmark.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from hospital_warehouse import quoting

DEFAULT_IGNORE = ("refreshed_at", "loaded_at", "source_file", "source_file_stamp", "row_fingerprint", "raw_record",
                  "source_row", "data_end_date", "was_known")


@dataclass
class Comparison:
    tables: int = 0
    rows: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.differences


def _frame(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str, columns: list[str]) -> pd.DataFrame:
    select = ", ".join(quoting.ident(c) for c in columns)
    return con.execute(f"select {select} from {quoting.ident(db)}.{quoting.ident(schema)}.{quoting.ident(table)}").df()


def _sorted(frame: pd.DataFrame, float_cols: list[str]) -> pd.DataFrame:
    keys = frame.copy()
    for col in float_cols:  # sort on floats rounded to 9 significant digits, compare them unrounded
        keys[col] = keys[col].map(lambda v: float(f"{v:.9g}") if pd.notna(v) else v)
    keys = keys.astype(object).where(keys.notna(), None).map(lambda v: (0, "") if v is None else (1, v))
    order = sorted(range(len(keys)), key=lambda i: tuple(keys.iloc[i]))
    return frame.iloc[order].reset_index(drop=True)


def compare_tables(left: str, right: str, schema: str = "marts", rel_tol: float = 1e-9,
                   ignore: tuple[str, ...] = DEFAULT_IGNORE, max_tolerant_rows: int = 500_000) -> Comparison:
    out = Comparison()
    con = duckdb.connect()
    con.execute(f"attach {quoting.string(str(left))} as l (read_only)")
    con.execute(f"attach {quoting.string(str(right))} as r (read_only)")

    def tables(db: str) -> set[str]:
        return {r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = ? and schema_name = ?", [db, schema]).fetchall()}

    def columns(db: str, table: str) -> list[tuple[str, str]]:
        return con.execute(
            "select column_name, data_type from duckdb_columns() where database_name = ? and schema_name = ? "
            "and table_name = ? order by column_index", [db, schema, table]).fetchall()

    lt, rt = tables("l"), tables("r")
    for missing in sorted(lt ^ rt):
        out.differences.append(f"{schema}.{missing}: only in {'left' if missing in lt else 'right'}")
    for table in sorted(lt & rt):
        out.tables += 1
        lc, rc = columns("l", table), columns("r", table)
        if [c for c, _ in lc if c not in ignore] != [c for c, _ in rc if c not in ignore]:
            out.differences.append(f"{schema}.{table}: columns differ: {[c for c, _ in lc]} vs {[c for c, _ in rc]}")
            continue
        cols = [c for c, _ in lc if c not in ignore]
        float_cols = [c for c, t in lc if c in cols and t in ("DOUBLE", "FLOAT", "REAL")]
        select = ", ".join(quoting.ident(c) for c in cols)
        name = f"{quoting.ident(schema)}.{quoting.ident(table)}"
        n_left, n_right = (con.execute(f"select count(*) from {db}.{name}").fetchone()[0] for db in ("l", "r"))
        out.rows += n_left
        if n_left != n_right:
            out.differences.append(f"{schema}.{table}: {n_left} rows vs {n_right} rows")
            continue
        # exact multiset equality first, in the database (fast at millions of rows) ...
        unmatched = con.execute(
            f"select count(*) from (select {select} from l.{name} except all select {select} from r.{name})").fetchone()[0]
        if unmatched == 0:
            continue
        if not float_cols:
            out.differences.append(f"{schema}.{table}: {unmatched} of {n_left} rows have no equal row on the right")
            continue
        # ... then, where floating values may differ in the last digits, row by row within the tolerance
        if n_left > max_tolerant_rows:
            out.differences.append(f"{schema}.{table}: {unmatched} of {n_left} rows differ exactly; too many rows "
                                   f"to compare within a tolerance (> {max_tolerant_rows})")
            continue
        a, b = _frame(con, "l", schema, table, cols), _frame(con, "r", schema, table, cols)
        a, b = _sorted(a, float_cols), _sorted(b, float_cols)
        bad = np.zeros(len(a), dtype=bool)
        for col in cols:
            x, y = a[col], b[col]
            both_null = x.isna() & y.isna()
            if col in float_cols:
                xv, yv = x.astype(float).to_numpy(), y.astype(float).to_numpy()
                close = np.isclose(xv, yv, rtol=rel_tol, atol=0.0, equal_nan=True)
                bad |= ~(close | both_null.to_numpy())
            else:
                same = (x.astype(object) == y.astype(object)).fillna(False).to_numpy(dtype=bool)
                bad |= ~(same | both_null.to_numpy())
        if bad.any():
            i = int(np.argmax(bad))
            out.differences.append(
                f"{schema}.{table}: {int(bad.sum())} of {len(a)} rows differ; first: {a.iloc[i].to_dict()} vs "
                f"{b.iloc[i].to_dict()}")
    return out


def compare_with_full_build(full: str, other: str, schema: str = "marts") -> Comparison:
    """compare_tables for a warehouse built from several raw-file deliveries (history and batches) against
    a full build of the complete export. mart_data_quality counts rows per delivery, so it has more rows
    there by design: it is compared by its totals over files instead."""
    result = compare_tables(full, other, schema)
    result.differences = [d for d in result.differences if not d.startswith(f"{schema}.mart_data_quality:")]
    totals = ("select source_system, raw_table, reason, sum(raw_rows), sum(clean_rows), sum(quarantined_rows), "
              f"sum(duplicate_rows), sum(repaired_rows) from {schema}.mart_data_quality group by all order by all")
    with duckdb.connect(full, read_only=True) as a, duckdb.connect(other, read_only=True) as b:
        if a.sql(totals).fetchall() != b.sql(totals).fetchall():
            result.differences.append(f"{schema}.mart_data_quality: totals over files differ")
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("left")
    p.add_argument("right")
    p.add_argument("--schema", action="append", help="schema(s) to compare (default marts)")
    p.add_argument("--rel-tol", type=float, default=1e-9)
    args = p.parse_args(argv)
    for path in (args.left, args.right):
        if not Path(path).is_file():
            print(f"error: {path}: no warehouse file there", file=sys.stderr)
            return 2
    failed = False
    for schema in args.schema or ["marts"]:
        result = compare_tables(args.left, args.right, schema, args.rel_tol)
        print(f"{schema}: {result.tables} tables, {result.rows} rows compared, {len(result.differences)} differ")
        for line in result.differences:
            print("  " + line)
        failed |= not result.equal
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
