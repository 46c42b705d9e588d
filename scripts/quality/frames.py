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

TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def read_raw(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        df = pq.read_table(path).to_pandas().astype(object)
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return df.where(df.apply(lambda c: c.astype(str).str.strip() != ""), None)


def find(folder: Path, table: str) -> Path | None:
    for ext in (".csv", ".csv.gz", ".parquet"):
        p = folder / f"{table}{ext}"
        if p.exists():
            return p
    return None


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


def load_raw(synthea_path: Path | None, emr_path: Path | None) -> dict[tuple[str, str], tuple[Path, pd.DataFrame]]:
    """(source, table) -> (file, data frame) for every raw file present."""
    out: dict[tuple[str, str], tuple[Path, pd.DataFrame]] = {}
    if synthea_path is not None:
        frames, paths = {}, {}
        for table in ("patients", "encounters", "payers", "organizations", "procedures", "conditions", "observations"):
            p = find(Path(synthea_path), table)
            if p is not None:
                paths[table], frames[table] = p, read_raw(p)
        derive_synthea(frames)
        out.update({("synthea", t): (paths[t], frames[t]) for t in frames})
    if emr_path is not None and Path(emr_path).exists():
        visits = read_raw(Path(emr_path))
        derive_emr(visits)
        out[("emr", "visits")] = (Path(emr_path), visits)
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
