"""The headline KPIs computed with pandas straight from the raw files, as an analyst's notebook would:
an independent implementation of the warehouse's definitions (docs/definitions.md, docs/data_contract.md),
written from the documents, not from the SQL. The tests compare the marts with it; the benchmark times it
against reading the same figures from the marts.

It reads raw export files as they are (CSV with BOM and CRLF, or Parquet; dirt included) and applies the
documented rules: drop exact duplicates, reject rows without a key or a readable START, reject orphans,
null invalid money; then chain stays and compute readmissions.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hospital_warehouse import REPO, rawfiles

SYNTHEA_TABLES = ("patients", "encounters", "procedures", "payers")
TS = "%Y-%m-%dT%H:%M:%SZ"


def read_raw(path: Path) -> pd.DataFrame:
    """A raw file as text, blanks as ''. path may name the file or the entity without a suffix (then the file
    rawfiles.find() picks: .csv, .csv.gz or .parquet)."""
    if path.suffix == "":
        path = rawfiles.find(path.parent, path.name) or path.with_suffix(".csv")
    if rawfiles.kind(path) == "parquet":
        return pd.read_parquet(path).astype(object).fillna("")
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def money(series: pd.Series) -> pd.Series:
    value = pd.to_numeric(series.str.strip().replace("", None), errors="coerce")
    return value.where(value >= 0)


def seed(name: str) -> pd.DataFrame:
    folder = "repairs" if name.endswith("_map") else "reference"
    return pd.read_csv(REPO / "seeds" / folder / f"{name}.csv", dtype=str, keep_default_na=False)


@dataclass
class Synthea:
    patients: pd.DataFrame
    encounters: pd.DataFrame
    procedures: pd.DataFrame
    payers: pd.DataFrame


def load_synthea(folder: Path) -> Synthea:
    """Clean rows of a Synthea export folder, per the data contract."""
    pat = read_raw(folder / "patients").drop_duplicates()
    pat = pat[pat["Id"].str.strip() != ""]
    pat = pat[~pat["Id"].duplicated(keep=False)]  # conflicting duplicate keys are quarantined
    gender_map = dict(zip(seed("gender_map")["source_value"], seed("gender_map")["gender"]))
    pat = pat.assign(gender=pat["GENDER"].str.strip().str.lower().map(gender_map),
                     death=pd.to_datetime(pat["DEATHDATE"], format="%Y-%m-%d", errors="coerce"))
    enc = read_raw(folder / "encounters").drop_duplicates()
    enc = enc[enc["Id"].str.strip() != ""]
    enc = enc[~enc["Id"].duplicated(keep=False)]
    enc = enc.assign(start=pd.to_datetime(enc["START"], format=TS, errors="coerce"),
                     stop=pd.to_datetime(enc["STOP"], format=TS, errors="coerce"))
    enc = enc[enc["start"].notna() & enc["PATIENT"].isin(pat["Id"])]
    enc = enc.assign(stop=enc["stop"].where(enc["stop"] >= enc["start"]),
                     total=money(enc["TOTAL_CLAIM_COST"]), coverage=money(enc["PAYER_COVERAGE"]))
    proc = read_raw(folder / "procedures").drop_duplicates()
    key = proc[["PATIENT", "ENCOUNTER", "CODE", "START"]].agg("|".join, axis=1)
    proc = proc[~key.duplicated(keep=False)]
    proc = proc.assign(start=pd.to_datetime(proc["START"], format=TS, errors="coerce"))
    owner = enc.set_index("Id")["PATIENT"]
    proc = proc[proc["start"].notna() & proc["ENCOUNTER"].isin(enc["Id"])]
    proc = proc[proc["ENCOUNTER"].map(owner) == proc["PATIENT"]]
    payers = read_raw(folder / "payers")
    return Synthea(pat, enc, proc, payers)


def stays(s: Synthea, gap_hours: float = 6) -> pd.DataFrame:
    """Stays and their 30/60-day readmission flags (index: the admitting encounter Id)."""
    planned_codes = set(seed("planned_readmission_codes")["code"])
    enc = s.encounters
    data_end = enc["start"].dt.normalize().max()
    adm = enc[enc["ENCOUNTERCLASS"] == "inpatient"].copy()
    adm["stop_eff"] = adm["stop"].fillna(adm["start"])
    adm = adm.sort_values(["PATIENT", "start", "Id"])
    latest_before = adm.groupby("PATIENT")["stop_eff"].transform(lambda x: x.cummax().shift())
    adm["new_stay"] = latest_before.isna() | (adm["start"] > latest_before + pd.Timedelta(hours=gap_hours))
    adm["stay"] = adm["new_stay"].cumsum()
    planned_proc = set(s.procedures.loc[s.procedures["CODE"].isin(planned_codes), "ENCOUNTER"])
    adm["planned_code"] = adm["CODE"].isin(planned_codes) | adm["REASONCODE"].isin(planned_codes)
    adm["planned_proc"] = adm["Id"].isin(planned_proc)
    st = adm.groupby("stay").agg(patient=("PATIENT", "first"), admitting=("Id", "first"), admit=("start", "min"),
                                 discharge=("stop_eff", "max"), planned_code=("planned_code", "first"),
                                 planned_proc=("planned_proc", "any"))
    st["planned"] = st["planned_code"] | st["planned_proc"]
    st["los_days"] = (st["discharge"] - st["admit"]).dt.total_seconds() / 86400
    st["death"] = st["patient"].map(s.patients.set_index("Id")["death"])
    st = st.sort_values(["patient", "admit", "admitting"])
    st["discharge_date"] = st["discharge"].dt.normalize()
    by_patient = st.groupby("patient")
    st["next_admit_date"] = by_patient["admit"].shift(-1).dt.normalize()
    st["next_planned"] = by_patient["planned"].shift(-1)
    st["days"] = (st["next_admit_date"] - st["discharge_date"]).dt.days
    alive = st["death"].isna() | (st["death"] > st["discharge_date"])
    for n in (30, 60):
        st[f"eligible_{n}"] = alive & (st["discharge_date"] + pd.Timedelta(days=n) <= data_end)
        st[f"readmitted_{n}"] = st[f"eligible_{n}"] & st["days"].between(0, n) & (st["next_planned"] == False)  # noqa: E712
    return st.set_index("admitting")


def load_emr(path: Path) -> pd.DataFrame:
    """Clean visits of an EMR extract: repaired values, duplicates dropped, conflicts quarantined."""
    v = read_raw(path)
    v = v.apply(lambda col: col.str.strip())
    iso = pd.to_datetime(v["Visit Date"], format="%Y-%m-%d", errors="coerce")
    dmy = pd.to_datetime(v["Visit Date"], format="%d-%m-%Y", errors="coerce")
    v["visit_date"] = iso.fillna(dmy)
    v = v[(v["Patient ID"] != "") & v["visit_date"].notna()].copy()
    gender_map = dict(zip(seed("gender_map")["source_value"], seed("gender_map")["gender"]))
    dept_map = dict(zip(seed("emr_department_map")["source_value"], seed("emr_department_map")["department"]))
    ins_map = dict(zip(seed("emr_insurance_map")["source_value"], seed("emr_insurance_map")["payer_category"]))
    v["Gender"] = v["Gender"].str.lower().map(gender_map)
    v["Hospital Department"] = v["Hospital Department"].str.lower().map(dept_map)
    v["Insurance Type"] = v["Insurance Type"].str.lower().map(ins_map)
    v["Age"] = np.floor(pd.to_numeric(v["Age"], errors="coerce"))
    v["Visit Date"] = v["visit_date"].dt.strftime("%Y-%m-%d")
    compare = [c for c in v.columns if c != "visit_date"]
    v = v.drop_duplicates(subset=compare)  # rows that agree once repaired are one visit
    conflict = v.duplicated(["Patient ID", "Visit Date"], keep=False)
    v = v[~conflict]
    score = pd.to_numeric(v.get("Patient Satisfaction Score", pd.Series(dtype=str)), errors="coerce")
    v["satisfaction"] = score.where(score.isin([1, 2, 3, 4, 5]))
    return v


def headline(folder: Path) -> dict:
    """The benchmark's headline figures for a Synthea export folder."""
    s = load_synthea(folder)
    st = stays(s)
    covered = set(s.encounters.loc[s.encounters["coverage"] > 0, "Id"])
    by_dx = {}
    admitting = s.encounters.set_index("Id")
    dx_map = dict(zip(seed("snomed_to_icd10")["snomed_code"], seed("snomed_to_icd10")["icd10_code"]))
    reason = admitting.loc[st.index, "REASONCODE"]
    st = st.assign(dx=[dx_map.get(r) or ("unmapped" if r else "none") for r in reason])
    for dx, g in st.groupby("dx"):
        by_dx[dx] = (int(g["eligible_30"].sum()), int(g["readmitted_30"].sum()), int(g["eligible_60"].sum()),
                     int(g["readmitted_60"].sum()))
    return {
        "visits": int(len(s.encounters)),
        "avg_cost_per_visit": float(s.encounters["total"].mean()),
        "gender_counts": {k: int(v) for k, v in s.patients["gender"].value_counts().items()},
        "covered_procedure_share": float(s.procedures["ENCOUNTER"].isin(covered).mean()),
        "alos_days": float(st["los_days"].mean()),
        "index_stays_30d": int(st["eligible_30"].sum()), "readmissions_30d": int(st["readmitted_30"].sum()),
        "index_stays_60d": int(st["eligible_60"].sum()), "readmissions_60d": int(st["readmitted_60"].sum()),
        "readmissions_by_diagnosis": by_dx,
    }
