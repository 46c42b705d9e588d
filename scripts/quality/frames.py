"""The headline marts as pandas DataFrames for great-expectations (its pandas path: the marts are small).

The raw files are not loaded here: the door's checks run over every row in DuckDB (rowchecks.py), and
great-expectations validates a bounded part of each file, which rowchecks.sample() reads.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def load_marts(db_path: Path, tables: list[str]) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        frames = {t: con.sql(f"select * from marts.{t}").df() for t in tables}
    dq = frames.get("mart_data_quality")
    if dq is not None:
        dq["_reconciles"] = dq["raw_rows"] == dq["clean_rows"] + dq["quarantined_rows"] + dq["duplicate_rows"]
    for df in frames.values():  # great-expectations compares plain Python values
        for c in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[c]):
                df[c] = df[c].astype(object).where(df[c].notna(), None)
    return frames
