"""Readmissions: the planted pattern shows in the sample, and an independent pandas calculation written
from the definitions (docs/definitions.md) gives the same stays and readmissions as the warehouse."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import REPO, run_dbt
from hospgen import GeneratorConfig, generate

RATES = """
    select {key} as k,
           count(*) filter (where w.is_index_eligible_30d) as index_30,
           avg(case when w.is_readmitted_30d then 1.0 else 0.0 end) filter (where w.is_index_eligible_30d) as r30,
           avg(case when w.is_readmitted_60d then 1.0 else 0.0 end) filter (where w.is_index_eligible_60d) as r60
    from intermediate.int_stays_windowed_for_readmission as w
    join intermediate.int_admissions_collapsed_to_stays as s using (stay_id)
    where s.source_system = 'synthea'
    group by 1
"""


def rates(warehouse, key: str) -> dict:
    return {k: (n, r30, r60) for k, n, r30, r60 in warehouse.query(RATES.format(key=key))}


def test_rates_differ_by_diagnosis_as_planted(sample_warehouse):
    planted = GeneratorConfig().readmit_condition_factor  # heart_failure 3.0, copd 2.5, ckd 2.0, diabetes 1.6, hypertension 1.2
    by_code = rates(sample_warehouse, "case when s.is_planned then 'planned' else s.primary_diagnosis_key end")
    icd = {"heart_failure": "I50.9", "copd": "J44.9", "ckd": "N18.30", "diabetes": "E11.9", "hypertension": "I10"}
    other = rates(sample_warehouse, "s.primary_condition_group is null and not s.is_planned")[True]
    assert other[0] > 300
    for condition, factor in planted.items():
        n, r30, r60 = by_code[icd[condition]]
        assert n >= 25, condition
        if factor >= 1.6:
            assert r30 > 1.5 * other[1], (condition, r30, other[1])
        assert r60 >= r30
    strongest = max(planted, key=planted.get)
    weakest = min(planted, key=planted.get)
    assert by_code[icd[strongest]][1] > by_code[icd[weakest]][1] > other[1]


def test_rates_differ_by_age_group_as_planted(sample_warehouse):
    planted = GeneratorConfig().readmit_age_factor  # 0-17 0.5, 18-39 0.7, 40-64 1.0, 65+ 1.6
    assert planted["65+"] > planted["40-64"] > planted["18-39"]
    by_age = rates(sample_warehouse, "s.age_group")
    senior, adult, young = by_age["65+ Senior"], by_age["40-64 Adult"], by_age["18-39 Young adult"]
    assert senior[1] > adult[1] > young[1]
    assert senior[1] > by_age["0-17 Pediatric"][1]
    overall = rates(sample_warehouse, "'all'")["all"]
    assert overall[2] > overall[1] + 0.04, "the 60-day window adds readmissions"


# ---------------------------------------------------------------- independent calculation

def stays_from_spec(export) -> pd.DataFrame:
    """Stays and readmission flags computed with pandas straight from the raw files, per the definitions."""
    read = lambda name: pd.read_csv(export / "synthea" / f"{name}.csv", dtype=str, keep_default_na=False,  # noqa: E731
                                    encoding="utf-8-sig")
    enc, pat, proc = read("encounters"), read("patients"), read("procedures")
    planned_codes = set(pd.read_csv(REPO / "seeds/reference/planned_readmission_codes.csv", dtype=str)["code"])
    enc["start"] = pd.to_datetime(enc["START"], format="%Y-%m-%dT%H:%M:%SZ")
    enc["stop"] = pd.to_datetime(enc["STOP"], format="%Y-%m-%dT%H:%M:%SZ")
    data_end = enc["start"].dt.normalize().max()
    adm = enc[enc["ENCOUNTERCLASS"] == "inpatient"].sort_values(["PATIENT", "start", "Id"]).copy()
    # chain: a new stay unless the admission starts within 6 h of the latest STOP so far
    latest_before = adm.groupby("PATIENT")["stop"].transform(lambda s: s.cummax().shift())
    adm["new_stay"] = latest_before.isna() | (adm["start"] > latest_before + pd.Timedelta(hours=6))
    adm["stay"] = adm["new_stay"].cumsum()
    planned_proc = set(proc.loc[proc["CODE"].isin(planned_codes), "ENCOUNTER"])
    adm["planned_code"] = adm["CODE"].isin(planned_codes) | adm["REASONCODE"].isin(planned_codes)
    adm["planned_proc"] = adm["Id"].isin(planned_proc)
    stays = adm.groupby("stay").agg(
        patient=("PATIENT", "first"), admitting=("Id", "first"), admit=("start", "min"), discharge=("stop", "max"),
        planned_code=("planned_code", "first"), planned_proc=("planned_proc", "any"), encounters=("Id", "count"))
    stays["planned"] = stays["planned_code"] | stays["planned_proc"]
    death = pd.to_datetime(pat.set_index("Id")["DEATHDATE"].replace("", None))
    stays["death"] = stays["patient"].map(death)
    stays = stays.sort_values(["patient", "admit", "admitting"])
    stays["discharge_date"] = stays["discharge"].dt.normalize()
    nxt = stays.groupby("patient")
    stays["next_admit_date"] = nxt["admit"].shift(-1).dt.normalize()
    stays["next_planned"] = nxt["planned"].shift(-1)
    stays["days"] = (stays["next_admit_date"] - stays["discharge_date"]).dt.days
    alive = stays["death"].isna() | (stays["death"] > stays["discharge_date"])
    for n in (30, 60):
        eligible = alive & (stays["discharge_date"] + pd.Timedelta(days=n) <= data_end)
        stays[f"eligible_{n}"] = eligible
        readmitted = stays["days"].between(0, n) & (stays["next_planned"] == False)  # noqa: E712
        stays[f"readmitted_{n}"] = eligible & readmitted
    return stays.set_index("admitting")


@pytest.fixture(scope="module")
def clean_export_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("readmission_fixture")
    generate(GeneratorConfig(seed=314, patients=1500, emr_rows=0, dirt_rate=0.0), root / "export", progress=False)
    build = run_dbt(["build", "--select", "+int_stays_windowed_for_readmission", "--indirect-selection", "cautious"],
                    root / "build", dbt_vars={"synthea_raw_path": str(root / "export" / "synthea")})
    return root / "export", build


def test_warehouse_matches_an_independent_pandas_calculation(clean_export_build):
    export, build = clean_export_build
    expected = stays_from_spec(export)
    got = build.df("""
        select s.admitting_encounter_id, s.encounter_count, s.is_planned, w.is_index_eligible_30d,
               w.is_index_eligible_60d, coalesce(w.is_readmitted_30d, false) as r30,
               coalesce(w.is_readmitted_60d, false) as r60
        from intermediate.int_admissions_collapsed_to_stays as s
        join intermediate.int_stays_windowed_for_readmission as w using (stay_id)
        where s.source_system = 'synthea'
    """).set_index("admitting_encounter_id")
    assert len(expected) > 1500 and set(got.index) == set(expected.index)
    got = got.loc[expected.index]
    assert (got["encounter_count"].values == expected["encounters"].values).all()
    assert (got["is_planned"].values == expected["planned"].values).all()
    for n in (30, 60):
        assert (got[f"is_index_eligible_{n}d"].values == expected[f"eligible_{n}"].values).all(), n
        assert (got[f"r{n}"].values == expected[f"readmitted_{n}"].values).all(), n
    # the headline counts, printed for the record
    counts = {n: (int(expected[f"eligible_{n}"].sum()), int(expected[f"readmitted_{n}"].sum())) for n in (30, 60)}
    assert counts[30][1] > 100 and counts[60][1] > counts[30][1]
