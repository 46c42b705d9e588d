"""Readmissions: the planted pattern shows in the sample, and an independent pandas calculation written
from the definitions (docs/definitions.md) gives the same stays and readmissions as the warehouse."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import run_dbt
from hospital_warehouse.bench import pandas_kpis as reference_kpis
from hospital_warehouse.generator import GeneratorConfig, generate

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
# pandas_kpis.stays (hospital_warehouse/bench) is the pandas implementation written from docs/definitions.md.

@pytest.fixture(scope="module")
def clean_export_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("readmission_fixture")
    generate(GeneratorConfig(seed=314, patients=1500, emr_rows=0, dirt_rate=0.0), root / "export", progress=False)
    build = run_dbt(["build", "--select", "+int_stays_windowed_for_readmission", "--indirect-selection", "cautious"],
                    root / "build", dbt_vars={"synthea_raw_path": str(root / "export" / "synthea")})
    return root / "export", build


def test_warehouse_matches_an_independent_pandas_calculation(clean_export_build):
    export, build = clean_export_build
    expected = reference_kpis.stays(reference_kpis.load_synthea(export / "synthea"))
    got = build.df("""
        select s.admitting_encounter_id, s.is_planned, s.los_days, w.is_index_eligible_30d,
               w.is_index_eligible_60d, coalesce(w.is_readmitted_30d, false) as r30,
               coalesce(w.is_readmitted_60d, false) as r60
        from intermediate.int_admissions_collapsed_to_stays as s
        join intermediate.int_stays_windowed_for_readmission as w using (stay_id)
        where s.source_system = 'synthea'
    """).set_index("admitting_encounter_id")
    assert len(expected) > 1500 and set(got.index) == set(expected.index)
    got = got.loc[expected.index]
    assert (got["is_planned"].values == expected["planned"].values).all()
    assert np.allclose(got["los_days"].values, expected["los_days"].values, rtol=1e-12)
    for n in (30, 60):
        assert (got[f"is_index_eligible_{n}d"].values == expected[f"eligible_{n}"].values).all(), n
        assert (got[f"r{n}"].values == expected[f"readmitted_{n}"].values).all(), n
    # the headline counts, printed for the record
    counts = {n: (int(expected[f"eligible_{n}"].sum()), int(expected[f"readmitted_{n}"].sum())) for n in (30, 60)}
    assert counts[30][1] > 100 and counts[60][1] > counts[30][1]
