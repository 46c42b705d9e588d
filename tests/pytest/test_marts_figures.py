"""Headline figures computed independently with pandas from the raw sample files (hospital_warehouse/bench/pandas_kpis.py)
equal the figures the marts publish."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import REPO
from hospital_warehouse.bench import pandas_kpis as ref


@pytest.fixture(scope="module")
def synthea():
    return ref.load_synthea(REPO / "seeds" / "synthea")


@pytest.fixture(scope="module")
def stays(synthea):
    return ref.stays(synthea)


@pytest.fixture(scope="module")
def emr():
    return ref.load_emr(REPO / "seeds" / "emr" / "visits.csv")


def one(warehouse, sql: str):
    rows = warehouse.query(sql)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def test_encounters_and_patients(sample_warehouse, synthea, emr):
    assert len(synthea.encounters) == one(sample_warehouse, "select sum(visits) from marts.mart_visit_costs where source_system = 'synthea'") == 29964
    assert len(synthea.patients) == one(sample_warehouse, "select sum(patients) from marts.mart_patient_demographics where source_system = 'synthea'") == 1000
    assert len(emr) == one(sample_warehouse, "select sum(visits) from marts.mart_visit_costs where source_system = 'emr'")
    assert emr["Patient ID"].nunique() == one(sample_warehouse, "select count(*) from marts.dim_patients where source_system = 'emr'")


def test_gender_counts(sample_warehouse, synthea):
    expected = synthea.patients["gender"].value_counts().to_dict()
    got = dict(sample_warehouse.query("select gender, sum(patients) from marts.mart_patient_demographics "
                                      "where source_system = 'synthea' group by gender"))
    assert got == expected and set(got) == {"Female", "Male"}


def test_average_cost_per_visit(sample_warehouse, synthea, emr):
    expected = synthea.encounters["total"].mean()
    got = one(sample_warehouse, "select sum(total_cost) / sum(visits_with_cost) from marts.mart_visit_costs "
                                "where source_system = 'synthea'")
    assert float(got) == pytest.approx(expected, rel=1e-12)
    total = one(sample_warehouse, "select sum(total_cost) from marts.mart_visit_costs where source_system = 'synthea'")
    assert f"{total:.2f}" == f"{synthea.encounters['total'].sum():.2f}", "total cost matches to the cent"
    emr_cost = ref.money(emr["Total Cost"]).mean()
    got_emr = one(sample_warehouse, "select sum(total_cost) / sum(visits_with_cost) from marts.mart_visit_costs "
                                    "where source_system = 'emr'")
    assert float(got_emr) == pytest.approx(emr_cost, rel=1e-12)


def test_covered_visit_share(sample_warehouse, synthea):
    expected = (synthea.encounters["coverage"] > 0).mean()
    got = one(sample_warehouse, "select sum(covered_visits) / sum(visits) from marts.mart_insurance_mix "
                                "where source_system = 'synthea'")
    assert float(got) == pytest.approx(expected, rel=1e-12)


def test_covered_procedures(sample_warehouse, synthea):
    covered = set(synthea.encounters.loc[synthea.encounters["coverage"] > 0, "Id"])
    expected = int(synthea.procedures["ENCOUNTER"].isin(covered).sum())
    got = one(sample_warehouse, "select sum(covered_procedures) from marts.mart_procedure_coverage "
                                "where source_system = 'synthea'")
    assert got == expected
    assert len(synthea.procedures) == one(sample_warehouse, "select sum(procedures) from marts.mart_procedure_coverage "
                                                            "where source_system = 'synthea'")


def test_average_length_of_stay(sample_warehouse, stays):
    got = one(sample_warehouse, "select sum(total_los_days) / sum(stays_with_los) from marts.mart_length_of_stay "
                                "where source_system = 'synthea'")
    assert got == pytest.approx(stays["los_days"].mean(), rel=1e-9)
    assert len(stays) == one(sample_warehouse, "select sum(stays) from marts.mart_length_of_stay where source_system = 'synthea'")


def test_readmissions_30_and_60_days(sample_warehouse, stays):
    got = sample_warehouse.query("select sum(index_stays_30d), sum(readmissions_30d), sum(index_stays_60d), "
                                 "sum(readmissions_60d) from marts.mart_admissions_monthly where source_system = 'synthea'")
    assert got == [(int(stays["eligible_30"].sum()), int(stays["readmitted_30"].sum()),
                    int(stays["eligible_60"].sum()), int(stays["readmitted_60"].sum()))]
    overall = one(sample_warehouse, "select readmission_rate from marts.mart_readmission_rates where source_system = "
                                    "'synthea' and dimension = 'overall' and method = 'derived' and window_days = 30")
    assert overall == pytest.approx(stays["readmitted_30"].sum() / stays["eligible_30"].sum(), rel=1e-12)


def test_insurance_mix(sample_warehouse, synthea):
    categories = dict(zip(ref.seed("payer_categories")["payer_name"], ref.seed("payer_categories")["payer_category"]))
    names = dict(zip(synthea.payers["Id"], synthea.payers["NAME"]))
    enc = synthea.encounters.assign(category=synthea.encounters["PAYER"].map(names).map(categories),
                                    year=synthea.encounters["start"].dt.year)
    expected = enc.groupby(["year", "category"]).size() / enc.groupby("year").size()
    got = pd.DataFrame(sample_warehouse.query("select visit_year, payer_category, visit_share from marts.mart_insurance_mix "
                                              "where source_system = 'synthea'"),
                       columns=["year", "category", "share"]).set_index(["year", "category"])["share"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_index_type=False,
                                   rtol=1e-12)


def test_satisfaction_mean(sample_warehouse, emr):
    got = one(sample_warehouse, "select sum(score_sum) / sum(responses) from marts.mart_patient_satisfaction "
                                "where source_system = 'emr'")
    assert got == pytest.approx(emr["satisfaction"].mean(), rel=1e-12)
    by_dept = emr.groupby("Hospital Department")["satisfaction"].mean().to_dict()
    got_dept = dict(sample_warehouse.query("select department, sum(score_sum) / sum(responses) from "
                                           "marts.mart_patient_satisfaction group by department"))
    assert got_dept == pytest.approx(by_dept, rel=1e-12)


def test_reported_readmission_rate(sample_warehouse, emr):
    flagged = emr["Readmission"].isin(["0", "1"])
    expected = (emr.loc[flagged, "Readmission"] == "1").mean()
    got = one(sample_warehouse, "select readmission_rate from marts.mart_readmission_rates where source_system = 'emr' "
                                "and dimension = 'overall' and method = 'reported'")
    assert got == pytest.approx(expected, rel=1e-12)


def test_in_hospital_mortality(sample_warehouse, stays):
    died = stays["death"].between(stays["admit"].dt.normalize(), stays["discharge_date"])
    got = sample_warehouse.query("select sum(stays), sum(in_hospital_deaths) from marts.mart_mortality")
    assert got == [(len(stays), int(died.sum()))]


def _c_statistic_by_pairs(rows: pd.DataFrame) -> float | None:
    """Every (with the outcome, without) pair, counted: 1 when the first's expected is higher, 1/2 for a tie."""
    with_outcome = rows.loc[rows.observed == 1, "expected"].to_numpy()
    without = rows.loc[rows.observed == 0, "expected"].to_numpy()
    if len(with_outcome) == 0 or len(without) == 0:
        return None
    wins = sum((without < e).sum() + 0.5 * (without == e).sum() for e in with_outcome)
    return round(float(wins) / (len(with_outcome) * len(without)), 6)


def test_risk_model_c_statistic_and_calibration_deciles(sample_warehouse):
    """mart_risk_model_performance against every pair of stays of fct_stay_expected_outcomes, per outcome, for
    all the data and each year; the ten deciles hold every stay, in groups of sizes differing by one at most,
    and their observed and expected add up to the period's."""
    stays = sample_warehouse.df("select outcome, year(discharge_date) as y, observed, expected "
                                "from marts.fct_stay_expected_outcomes")
    mart = sample_warehouse.df("select * from marts.mart_risk_model_performance where source_system = 'synthea'")
    checked = 0
    for outcome, of_outcome in stays.groupby("outcome"):
        periods = [("all", None, of_outcome)] + [("year", y, g) for y, g in of_outcome.groupby("y")]
        for grain, year, rows in periods:
            cells = mart[(mart.outcome == outcome) & (mart.period_grain == grain)
                         & ((mart.period_start.dt.year == year) if year else mart.period_start.isna())]
            assert sorted(cells.risk_decile) == list(range(1, min(10, len(rows)) + 1))
            assert cells.stays.sum() == len(rows) and cells.stays.max() - cells.stays.min() <= 1
            assert cells.observed.sum() == rows.observed.sum()
            assert cells.expected.sum() == pytest.approx(rows.expected.sum(), rel=1e-9)
            c = cells.c_statistic.iloc[0]
            expected_c = _c_statistic_by_pairs(rows)
            assert (pd.isna(c) and expected_c is None) or c == expected_c, (outcome, year, c, expected_c)
            checked += 1
    assert checked == 30  # two outcomes, all the data and 14 years each
    readmission = mart[(mart.outcome == "readmission_30d") & (mart.period_grain == "all")]
    assert readmission.c_statistic.iloc[0] == 0.653981 and readmission.period_observed.iloc[0] == 125
