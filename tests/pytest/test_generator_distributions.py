"""The generated data has the shape the KPIs depend on, within stated tolerances (3,000 patients)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hospital_warehouse.generator import GeneratorConfig, generate
from hospital_warehouse.generator.reference import HAI


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    cfg = GeneratorConfig(seed=2024, patients=3000, emr_rows=8000, dirt_rate=0.0)
    generate(cfg, out, progress=False)
    read = lambda rel: pd.read_csv(out / rel, dtype=str, keep_default_na=False, encoding="utf-8-sig")  # noqa: E731
    d = {name: read(f"synthea/{name}.csv") for name in
         ("encounters", "patients", "payers", "procedures", "conditions", "observations")}
    d["emr"] = read("emr/visits.csv")
    enc = d["encounters"]
    enc["start"] = pd.to_datetime(enc["START"].str.rstrip("Z"))
    enc["stop"] = pd.to_datetime(enc["STOP"].str.rstrip("Z"))
    d["cfg"] = cfg
    return d


def test_encounter_class_mix_is_a_general_hospitals(data):
    mix = data["encounters"]["ENCOUNTERCLASS"].value_counts(normalize=True)
    expected = {"ambulatory": 0.45, "outpatient": 0.23, "urgentcare": 0.13, "emergency": 0.08, "wellness": 0.07,
                "inpatient": 0.04}
    for cls, share in expected.items():
        assert abs(mix[cls] - share) < 0.02, (cls, mix[cls])
    per_patient = len(data["encounters"]) / len(data["patients"])
    assert 25 < per_patient < 35


def test_about_a_third_of_visits_are_uninsured_and_every_payer_is_used(data):
    enc, payers = data["encounters"], data["payers"]
    name = enc["PAYER"].map(dict(zip(payers["Id"], payers["NAME"])))
    assert 0.28 < (name == "NO_INSURANCE").mean() < 0.38
    assert set(name) == set(payers["NAME"]) and len(payers) == 10
    insured = name != "NO_INSURANCE"
    uncovered = enc["PAYER_COVERAGE"].astype(float) == 0
    assert 0.10 < uncovered[insured].mean() < 0.25, "some insured claims are not covered"
    assert uncovered[~insured].all()
    senior_payer = name[name.isin(["Medicare", "Dual Eligible"])]
    assert len(senior_payer) > 0.1 * len(name)


def test_demographics_are_massachusetts_like(data):
    p = data["patients"]
    assert 0.48 < (p["GENDER"] == "F").mean() < 0.54
    assert (p["STATE"] == "Massachusetts").all()
    assert 0.6 < (p["RACE"] == "white").mean() < 0.85
    age = (pd.Timestamp("2011-01-01") - pd.to_datetime(p["BIRTHDATE"])).dt.days / 365.25
    assert 0.12 < (age >= 65).mean() < 0.24


def test_costs_and_procedures(data):
    enc = data["encounters"]
    total = enc["TOTAL_CLAIM_COST"].astype(float)
    assert (total > 0).all()
    by_class = total.groupby(enc["ENCOUNTERCLASS"]).mean()
    assert by_class["inpatient"] > 5 * by_class["ambulatory"]
    assert 0.9 < len(data["procedures"]) / len(enc) < 1.4
    assert data["encounters"]["start"].dt.year.between(2011, 2024).all()


def _stays(enc: pd.DataFrame) -> pd.DataFrame:
    inp = enc[enc["ENCOUNTERCLASS"] == "inpatient"].sort_values(["PATIENT", "start"]).copy()
    inp["prev_stop"] = inp.groupby("PATIENT")["stop"].shift()
    inp["gap_h"] = (inp["start"] - inp["prev_stop"]).dt.total_seconds() / 3600
    return inp


def test_transfers_deaths_planned_stays_and_infections_are_planted(data):
    enc, pat = data["encounters"], data["patients"]
    inp = _stays(enc)
    transfers = inp["gap_h"].between(0, 6)
    assert transfers.mean() > 0.01, "back-to-back transfers within the 6-hour merge gap"
    death = pd.to_datetime(pat.set_index("Id")["DEATHDATE"].replace("", None))
    inp["death"] = inp["PATIENT"].map(death)
    in_stay = inp["death"].between(inp["start"].dt.normalize(), inp["stop"].dt.normalize())
    assert in_stay.sum() >= 10, "deaths in hospital"
    after = (inp["death"] - inp["stop"].dt.normalize()).dt.days.between(1, 30)
    assert after.sum() >= 10, "deaths within 30 days of discharge"
    procs = data["procedures"]
    chemo = procs[procs["CODE"] == "367336001"]
    assert chemo["ENCOUNTER"].isin(inp["Id"]).all() and len(chemo) > 50
    assert (procs["CODE"] == "52052004").sum() > 10, "planned rehabilitation stays"
    cond = data["conditions"].merge(inp[["Id", "start", "stop"]], left_on="ENCOUNTER", right_on="Id")
    hai_codes = {c.code for c in HAI}
    day = (pd.to_datetime(cond["START"]) - cond["start"].dt.normalize()).dt.days
    hai = cond["CODE"].isin(hai_codes) & (day >= 2)
    on_admission = cond["CODE"].isin(hai_codes) & (day == 0)
    assert hai.sum() > 20 and on_admission.sum() > 5


def test_chronic_conditions_raise_readmissions(data):
    """A crude 30-day readmission share by the stay's reason: heart failure far above acute reasons."""
    inp = _stays(data["encounters"])
    inp = inp[~(inp["gap_h"] < 6)]  # drop transfers (continuations)
    inp["next_start"] = inp.groupby("PATIENT")["start"].shift(-1)
    days = (inp["next_start"].dt.normalize() - inp["stop"].dt.normalize()).dt.days
    inp["r30"] = days.between(0, 30)
    inp["r60"] = days.between(0, 60)
    by_reason = inp.groupby("REASONCODE")[["r30", "r60"]].mean()
    hf, acute = by_reason.loc["88805009"], by_reason.loc["233604007"]  # heart failure vs pneumonia
    assert hf["r30"] > 1.8 * acute["r30"]
    assert (by_reason["r60"] >= by_reason["r30"]).all()
    assert hf["r60"] > hf["r30"] + 0.03, "the 60-day window adds readmissions"


def test_winter_peaks_and_vitals(data):
    enc = data["encounters"]
    er = enc[enc["ENCOUNTERCLASS"].isin(["emergency", "urgentcare"])]
    month = er["start"].dt.month
    winter = month.isin([12, 1, 2]).sum() / 3
    summer = month.isin([6, 7, 8]).sum() / 3
    assert winter > 1.25 * summer
    obs = data["observations"]
    value = obs["VALUE"].astype(float)
    assert (value[obs["CODE"] == "8480-6"] >= 140).mean() > 0.05
    assert (value[obs["CODE"] == "2339-0"] > 200).mean() > 0.01
    assert (value[obs["CODE"] == "8867-4"] > 100).mean() > 0.01


def test_emr_extract_shape(data):
    emr, cfg = data["emr"], data["cfg"]
    assert 0.40 < (emr["Discharge Date"] == "").mean() < 0.60, "about half of visits are same-day"
    assert set(emr["Hospital Department"]) == {"ER", "Cardiology", "Orthopedics", "Pediatrics", "Oncology"}
    assert not emr.duplicated(["Patient ID", "Visit Date"]).any(), "clean data: the visit key is unique"
    rate = emr.groupby("Hospital Department")["Readmission"].apply(lambda s: (s == "1").mean())
    assert rate["Cardiology"] > 2 * rate["Pediatrics"]
    date = pd.to_datetime(emr["Visit Date"])
    score = emr["Patient Satisfaction Score"].astype(int)
    dept = emr["Hospital Department"] == cfg.satisfaction_drop_department
    drop_from = pd.Timestamp(cfg.satisfaction_drop_month + "-01")
    before, after = score[dept & (date < drop_from)].mean(), score[dept & (date >= drop_from)].mean()
    assert before - after > 0.6
    others = score[~dept & (date >= drop_from)].mean()
    assert abs(others - before) < 0.3
    er_month = date[emr["Hospital Department"] == "ER"].dt.month
    assert er_month.isin([12, 1, 2]).sum() > 1.3 * er_month.isin([3, 4, 5]).sum()
    bp = emr["Blood Pressure"].str.split("/", expand=True).astype(int)
    assert ((bp[0] >= 140) | (bp[1] >= 90)).mean() > 0.05
    cov = emr["Insurance Coverage Percentage"].astype(int)
    assert (cov[emr["Insurance Type"] == "Uninsured"] == 0).all() and cov.between(0, 100).all()


def test_dirt_rate_controls_defects(tmp_path):
    clean = generate(GeneratorConfig(seed=1, patients=40, emr_rows=80, dirt_rate=0.0), tmp_path / "a", progress=False)
    assert clean["defects"] == []
    dirty = generate(GeneratorConfig(seed=1, patients=40, emr_rows=80, dirt_rate=0.1), tmp_path / "b", progress=False)
    enc_rows = dirty["files"]["synthea/encounters.csv"]["rows"]
    n_enc = sum(v for k, v in dirty["defect_counts"]["synthea/encounters.csv"].items())
    assert n_enc == pytest.approx(0.1 * enc_rows, rel=0.3)
    assert np.isclose(len(dirty["defects"]), sum(sum(v.values()) for v in dirty["defect_counts"].values()))
