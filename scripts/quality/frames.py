"""Load what the checks validate as pandas DataFrames (great-expectations' pandas path: it needs no open
database connection, and the same data frames serve the door and the marts).

Raw files are read as text, exactly as written (a blank is null), plus derived columns (named `_...`)
for the checks that compare rows or files: an orphan key, an encounter's duration, overlaps.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

import rawfiles
from quality.door import Inspected

TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def read_raw(got: Inspected, codec: str) -> pd.DataFrame:
    """A raw file as text, exactly as dbt reads it (DuckDB, the same options), a blank as null."""
    if rawfiles.kind(got.path) == "parquet":
        df = pq.read_table(got.path).to_pandas().astype(object)
    else:
        names = rawfiles.safe_names(got.names)
        cols = ", ".join(rawfiles.ident(n) for n in names)
        relation = rawfiles.read_csv_sql(got.readable, names, got.delimiter, rawfiles.duckdb_codec(codec))
        with duckdb.connect() as con:
            df = con.sql(f"select {cols} from {relation}").df()
        df = df.astype(object)
    return df.where(df.apply(lambda c: c.astype(str).str.strip() != "") & df.notna(), None)


def _ts(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, format=TS_FORMAT, errors="coerce")


def derive_synthea(frames: dict[str, pd.DataFrame]) -> None:
    """Add the derived columns the cross-row and cross-file checks look at."""
    patients = frames.get("patients")
    encounters = frames.get("encounters")
    if encounters is not None:
        enc = encounters
        known = set(patients["Id"].dropna()) if patients is not None else set()
        enc["_patient_known"] = enc["PATIENT"].isin(known)
        start, stop = _ts(enc["START"]), _ts(enc["STOP"])
        enc["_under_a_year"] = ~((stop - start).dt.days > 365)
        order = pd.DataFrame({"p": enc["PATIENT"], "s": start, "e": stop}).sort_values(["p", "s"], kind="stable")
        previous_stop = order.groupby("p")["e"].shift()
        no_overlap = ~(order["s"] < previous_stop)
        enc["_no_overlap"] = no_overlap.reindex(enc.index)
        usual = enc.groupby("CODE")["DESCRIPTION"].agg(lambda d: d.value_counts().index[0] if d.notna().any() else None)
        enc["_usual_description"] = enc["DESCRIPTION"].eq(enc["CODE"].map(usual)) | enc["DESCRIPTION"].isna()
    ids = set(encounters["Id"].dropna()) if encounters is not None else set()
    for table in ("procedures", "conditions", "observations"):
        if frames.get(table) is not None:
            frames[table]["_encounter_known"] = frames[table]["ENCOUNTER"].isin(ids)
    obs = frames.get("observations")
    if obs is not None:
        numeric = pd.to_numeric(obs["VALUE"], errors="coerce")
        obs["_numeric_value_ok"] = ~((obs["TYPE"] == "numeric") & obs["VALUE"].notna() & numeric.isna())


def derive_emr(visits: pd.DataFrame) -> None:
    def parse(col: pd.Series) -> pd.Series:
        iso = pd.to_datetime(col, format="%Y-%m-%d", errors="coerce")
        return iso.fillna(pd.to_datetime(col, format="%d-%m-%Y", errors="coerce"))
    visit, discharge = parse(visits["Visit Date"]), parse(visits["Discharge Date"])
    visits["_discharge_ok"] = ~(discharge < visit)


def load_raw(files: dict[tuple[str, str], list[Inspected]], codec: str) -> list[tuple[str, str, Path, pd.DataFrame]]:
    """(source, table, file, data frame) for every raw file the door let through, EMR files one by one."""
    frames = {t: read_raw(got[0], codec) for (s, t), got in files.items() if s == "synthea"}
    derive_synthea(frames)
    out = [("synthea", t, files[("synthea", t)][0].path, df) for t, df in frames.items()]
    for got in files.get(("emr", "visits"), []):
        visits = read_raw(got, codec)
        derive_emr(visits)
        out.append(("emr", "visits", got.path, visits))
    return out


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
