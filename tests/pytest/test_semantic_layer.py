"""The semantic layer (models/marts/semantic, hospital_warehouse/semantic.py, `hospital metrics`): every metric, queried
through MetricFlow overall, by month and by department on the shipped sample, equals the marts' figure (or,
where no mart publishes that grain, the same definition written by hand over the facts): exact for counts and
money, 1e-9 relative for rates. And the command analysts use.
"""
from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import REPO
from hospital_warehouse import semantic

QUERY = [sys.executable, "-m", "hospital_warehouse.query", "metrics"]

# The marts' figures by grain: SQL giving (source_system, key, value). `all` is the key of the overall grain.
V = "marts.mart_visit_costs"
A = "marts.mart_admissions_monthly"
L = "marts.mart_length_of_stay"
S = "marts.mart_patient_satisfaction"
R = "marts.mart_readmission_rates"
MORT = "marts.mart_mortality"
HAI = "marts.mart_infections"
PC = "marts.mart_procedure_coverage"
LS = ("month", "department")  # the grains of mart_length_of_stay and mart_patient_satisfaction


def _by(table: str, value: str, grains: tuple[str, ...] = ("month",)) -> dict[str, str]:
    """A mart summed to the overall grain and to each of its grains (month: month_start; department)."""
    out = {"all": f"select source_system, 'all', {value} from {table} group by 1"}
    for grain in grains:
        col = "month_start" if grain == "month" else grain
        out[grain] = f"select source_system, {col}, {value} from {table} group by 1, 2"
    return out


def _rates(method: str, window: int | None, value: str) -> dict[str, str]:
    """mart_readmission_rates: overall and by department."""
    w = "window_days is null" if window is None else f"window_days = {window}"
    base = f"from {R} where method = '{method}' and {w}"
    return {"all": f"select source_system, 'all', {value} {base} and dimension = 'overall' group by 1",
            "department": f"select source_system, dimension_value, {value} {base} and dimension = 'department' "
                          "group by 1, 2"}


MARTS: dict[str, dict[str, str]] = {
    "visits": {**_by(V, "sum(visits)"),
               "department": _by("marts.mart_department_volume", "sum(visits)", ("department",))["department"]},
    "patients": {"month": "select source_system, month_start, patients from marts.mart_executive_scorecard"},
    "total_cost": {**_by(V, "sum(total_cost)"),
                   "department": "select source_system, department, sum(revenue) from marts.mart_department_revenue "
                                 "group by 1, 2"},
    "visits_with_cost": _by(V, "sum(visits_with_cost)"),
    "avg_cost_per_visit": _by(V, "sum(total_cost) / sum(visits_with_cost)"),
    "cost_per_patient": {"month": "select source_system, month_start, total_cost / patients "
                                  "from marts.mart_executive_scorecard where patients > 0"},
    "covered_visits": {"all": "select source_system, 'all', sum(covered_visits) from marts.mart_insurance_mix group by 1"},
    "billed_visits": {"all": "select source_system, 'all', sum(billed_visits) from marts.mart_insurance_mix group by 1"},
    "claim_success_rate": {"all": "select source_system, 'all', sum(covered_visits) / sum(billed_visits) "
                                  "from marts.mart_insurance_mix group by 1"},
    "covered_cost": {"all": "select source_system, 'all', sum(total_coverage) from marts.mart_insurance_mix group by 1"},
    "coverage_ratio": {"all": "select source_system, 'all', sum(total_coverage) / sum(total_cost) "
                              "from marts.mart_insurance_mix group by 1"},
    "out_of_pocket": {"all": "select source_system, 'all', sum(out_of_pocket) from marts.mart_insurance_mix group by 1"},
    "procedures": {"all": f"select source_system, 'all', sum(procedures) from {PC} group by 1"},
    "covered_procedures": {"all": f"select source_system, 'all', sum(covered_procedures) from {PC} group by 1"},
    "covered_procedure_share": {"all": f"select source_system, 'all', sum(covered_procedures) / sum(procedures) "
                                       f"from {PC} group by 1"},
    "admissions": _by(A, "sum(admissions)"),
    "stays": {**_by(A, "sum(stays_discharged)"), "department": _by(L, "sum(stays)", LS)["department"]},
    "stays_with_los": _by(L, "sum(stays_with_los)", LS),
    "total_los_days": _by(L, "sum(total_los_days)", LS),
    "alos_days": _by(L, "sum(total_los_days) / sum(stays_with_los)", LS),
    "acute_encounters": {**_by(A, "sum(acute_encounters)"), **_rates("acute_revisit", 30, "sum(index_stays)")},
    "acute_revisits_30d": {**_by(A, "sum(acute_revisits_30d)"), **_rates("acute_revisit", 30, "sum(readmissions)")},
    "reported_flag_visits": _rates("reported", None, "sum(index_stays)"),
    "reported_readmissions": _rates("reported", None, "sum(readmissions)"),
    "reported_readmission_rate": _rates("reported", None, "sum(readmissions) / sum(index_stays)"),
    "mortality_stays": _by(MORT, "sum(stays)"),
    "in_hospital_deaths": _by(MORT, "sum(in_hospital_deaths)"),
    "in_hospital_mortality_rate": _by(MORT, "sum(in_hospital_deaths) / sum(stays)"),
    "hai_stays": _by(HAI, "sum(hai_stays)"),
    "patient_days": _by(HAI, "sum(patient_days)"),
    "hai_per_1000_patient_days": _by(HAI, "1000 * sum(hai_stays) / sum(patient_days)"),
    "satisfaction_responses": _by(S, "sum(responses)", LS),
    "satisfaction_score_sum": _by(S, "sum(score_sum)", LS),
    "satisfaction_mean": _by(S, "sum(score_sum) / sum(responses)", LS),
    "top_box_responses": _by(S, "sum(top_box_responses)", LS),
    "top_box_share": _by(S, "sum(top_box_responses) / sum(responses)", LS),
}
for n in (30, 60):
    MARTS[f"index_stays_{n}d"] = {**_by(A, f"sum(index_stays_{n}d)"), **_rates("derived", n, "sum(index_stays)")}
    MARTS[f"readmissions_{n}d"] = {**_by(A, f"sum(readmissions_{n}d)"), **_rates("derived", n, "sum(readmissions)")}
    MARTS[f"readmission_rate_{n}d"] = {**_by(A, f"sum(readmissions_{n}d) / sum(index_stays_{n}d)"),
                                       **_rates("derived", n, "sum(readmissions) / sum(index_stays)")}

# Where no mart publishes a grain: the definition (docs/definitions.md) over the facts. (table, the day that places
# a row in a month, the value); a value that a source cannot supply is null for it.
E, ST, P = "marts.fct_encounters", "marts.fct_stays", "marts.fct_procedures"
SYNTHEA_ONLY = "case when any_value(source_system) = 'synthea' then {} end"
FACTS: dict[str, tuple[str, str, str]] = {
    "visits": (E, "start_date", "count(*)"),
    "patients": (E, "start_date", "count(distinct patient_id)"),
    "total_cost": (E, "start_date", "sum(total_claim_cost)"),
    "visits_with_cost": (E, "start_date", "count(total_claim_cost)"),
    "avg_cost_per_visit": (E, "start_date", "sum(total_claim_cost) / count(total_claim_cost)"),
    "cost_per_patient": (E, "start_date", "sum(total_claim_cost) / count(distinct patient_id)"),
    "covered_visits": (E, "start_date", "count(*) filter (where is_covered)"),
    "billed_visits": (E, "start_date", "count(*) filter (where payer_category is distinct from 'Uninsured')"),
    "claim_success_rate": (E, "start_date", "count(*) filter (where is_covered) / "
                                            "count(*) filter (where payer_category is distinct from 'Uninsured')"),
    "covered_cost": (E, "start_date", "sum(payer_coverage) filter (where total_claim_cost is not null)"),
    "coverage_ratio": (E, "start_date", "sum(payer_coverage) filter (where total_claim_cost is not null) / "
                                        "sum(total_claim_cost)"),
    "out_of_pocket": (E, "start_date", "sum(out_of_pocket)"),
    "procedures": (P, "start_date", "count(*)"),
    "covered_procedures": (P, "start_date", "count(*) filter (where is_covered)"),
    "covered_procedure_share": (P, "start_date", "count(*) filter (where is_covered) / count(*)"),
    "in_hospital_deaths": (ST, "discharge_date", SYNTHEA_ONLY.format("count(*) filter (where died_in_stay)")),
    "mortality_stays": (ST, "discharge_date", SYNTHEA_ONLY.format("count(*)")),
    "in_hospital_mortality_rate": (ST, "discharge_date",
                                   SYNTHEA_ONLY.format("count(*) filter (where died_in_stay) / count(*)")),
    "hai_stays": (ST, "discharge_date", SYNTHEA_ONLY.format("count(*) filter (where has_hai)")),
    "patient_days": (ST, "discharge_date", SYNTHEA_ONLY.format("sum(los_days)")),
    "hai_per_1000_patient_days": (ST, "discharge_date",
                                  SYNTHEA_ONLY.format("1000 * count(*) filter (where has_hai) / sum(los_days)")),
    "admissions": (E, "start_date", "count(*) filter (where is_admission)"),
    "stays": (ST, "discharge_date", "count(*)"),
    "stays_with_los": (ST, "discharge_date", "count(los_days)"),
    "total_los_days": (ST, "discharge_date", "sum(los_days)"),
    "alos_days": (ST, "discharge_date", "sum(los_days) / count(los_days)"),
    "acute_encounters": (E, "start_date", "nullif(count(is_acute_revisit), 0)"),
    "acute_revisits_30d": (E, "start_date", "case when count(is_acute_revisit) > 0 then "
                                            "count(*) filter (where is_acute_revisit) end"),
    "satisfaction_responses": (E, "start_date", "nullif(count(satisfaction_score), 0)"),
    "satisfaction_score_sum": (E, "start_date", "sum(satisfaction_score)"),
    "satisfaction_mean": (E, "start_date", "avg(satisfaction_score)"),
    "top_box_responses": (E, "start_date", "case when count(satisfaction_score) > 0 then "
                                           "count(*) filter (where satisfaction_score = 5) end"),
    "top_box_share": (E, "start_date", "count(*) filter (where satisfaction_score = 5) / "
                                       "nullif(count(satisfaction_score), 0)"),
    "reported_flag_visits": (E, "start_date", "nullif(count(is_reported_readmission), 0)"),
    "reported_readmissions": (E, "start_date", "case when count(is_reported_readmission) > 0 then "
                                               "count(*) filter (where is_reported_readmission) end"),
    "reported_readmission_rate": (E, "start_date", "count(*) filter (where is_reported_readmission) / "
                                                   "nullif(count(is_reported_readmission), 0)"),
}
for n in (30, 60):
    eligible = f"is_index_eligible_{n}d"
    FACTS[f"index_stays_{n}d"] = (ST, "discharge_date", SYNTHEA_ONLY.format(f"count(*) filter (where {eligible})"))
    FACTS[f"readmissions_{n}d"] = (ST, "discharge_date",
                                   SYNTHEA_ONLY.format(f"count(*) filter (where is_readmitted_{n}d)"))
    FACTS[f"readmission_rate_{n}d"] = (ST, "discharge_date", SYNTHEA_ONLY.format(
        f"count(*) filter (where is_readmitted_{n}d) / count(*) filter (where {eligible})"))
# observed and expected (fct_stay_expected_outcomes), with the stay's department (its admitting visit's)
OUT = ("(select o.*, s.department from marts.fct_stay_expected_outcomes as o "
       "join marts.fct_stays as s using (stay_id)) as outcomes")
for key, outcome in (("readmissions_30d", "readmission_30d"), ("in_hospital_deaths", "in_hospital_death")):
    FACTS[f"observed_{key}"] = (OUT, "discharge_date", f"sum(observed) filter (where outcome = '{outcome}')")
    FACTS[f"expected_{key}"] = (OUT, "discharge_date", f"sum(expected) filter (where outcome = '{outcome}')")
    FACTS[f"{key}_oe_ratio"] = (OUT, "discharge_date", f"sum(observed) filter (where outcome = '{outcome}') / "
                                                       f"sum(expected) filter (where outcome = '{outcome}')")
GRAINS = ("all", "month", "department")
BY = {"all": ["source_system"], "month": ["source_system", "month"], "department": ["source_system", "department"]}
COUNTS_AND_MONEY = (int, Decimal)


def _facts_sql(metric: str, grain: str) -> str:
    table, day, value = FACTS[metric]
    key = {"all": "'all'", "month": f"date_trunc('month', {day})::date", "department": "coalesce(department, 'unknown')"}
    return f"select source_system, {key[grain]}, {value} from {table} group by 1, 2"


@pytest.fixture(scope="module")
def manifest(sample_warehouse) -> Path:
    return sample_warehouse.db_path.parent / "target" / "semantic_manifest.json"


def _close(got, want) -> bool:
    got, want = (None if isinstance(v, float) and math.isnan(v) else v for v in (got, want))  # 0 / 0 in a test query
    if got is None or want is None:
        return got is None and want is None
    if isinstance(got, COUNTS_AND_MONEY) and isinstance(want, COUNTS_AND_MONEY):
        return Decimal(got) == Decimal(want)
    return math.isclose(float(got), float(want), rel_tol=1e-9, abs_tol=1e-12)


def test_every_metric_equals_the_marts_overall_by_month_and_by_department(sample_warehouse, manifest):
    names = {name for name, _ in semantic.metric_list(manifest)}
    assert names == set(FACTS) and set(MARTS) <= names, "every metric has an expected figure, and only metrics do"
    compared = {"mart": 0, "facts": 0}
    for metric in sorted(names):
        for grain in GRAINS:
            if grain in MARTS.get(metric, {}):
                sql, kind = MARTS[metric][grain], "mart"
            else:
                sql, kind = _facts_sql(metric, grain), "facts"
            want = {(s, k): v for s, k, v in sample_warehouse.query(sql)}
            answer = semantic.query(sample_warehouse.db_path, [metric], BY[grain], manifest=manifest)
            got = {(r[0], "all" if grain == "all" else ("unknown" if r[1] is None else r[1])): r[-1]
                   for r in answer.rows}
            # a cell a mart does not publish is a cell with no rows to count: zero or absent on the other side
            keys = {k for k, v in want.items() if v not in (None, 0)} | {k for k, v in got.items() if v not in (None, 0)}
            assert keys, (metric, grain, "nothing to compare")
            bad = {k: (got.get(k), want.get(k)) for k in keys if not _close(got.get(k), want.get(k))}
            assert not bad, (metric, grain, kind, dict(list(bad.items())[:5]))
            compared[kind] += 1
    assert compared == {"mart": 92, "facts": 52}, compared


def test_a_metric_a_source_cannot_supply_is_absent_not_zero(sample_warehouse, manifest):
    answer = semantic.query(sample_warehouse.db_path,
                            ["readmission_rate_30d", "index_stays_30d", "acute_revisits_30d", "in_hospital_deaths",
                             "hai_per_1000_patient_days", "satisfaction_mean", "satisfaction_responses",
                             "reported_readmission_rate"], ["source_system"], manifest=manifest)
    rows = {r[0]: r[1:] for r in answer.rows}
    emr, synthea = rows["emr"], rows["synthea"]
    assert emr[:5] == (None, None, None, None, None)
    assert all(v is not None for v in synthea[:5])
    assert synthea[5:] == (None, None, None)
    assert all(v is not None for v in emr[5:])


def test_readmission_rate_and_alos_by_department_and_month_from_the_command(sample_warehouse, manifest):
    proc = subprocess.run([*QUERY, "--metrics", "readmission_rate_30d,alos_days", "--by", "department,month",
                           "--db", str(sample_warehouse.db_path), "--manifest", str(manifest), "--csv"],
                          capture_output=True, text=True, check=True)
    lines = proc.stdout.splitlines()
    assert lines[0] == "department,month,readmission_rate_30d,alos_days"
    rows = {tuple(line.split(",")[:2]): line.split(",")[2:] for line in lines[1:]}
    want = sample_warehouse.query(f"select sum(total_los_days) / sum(stays_with_los) from {L} "
                                  "where department = 'Cardiology' and month_start = '2019-07-01'")[0][0]
    assert math.isclose(float(rows[("Cardiology", "2019-07-01")][1]), want, rel_tol=1e-9)
    assert len(rows) == len(lines) - 1 == sample_warehouse.query(
        "select count(*) from (select distinct coalesce(department, ''), discharge_month from marts.fct_stays)")[0][0]


def test_without_by_one_row_and_the_note_that_both_sources_are_added(sample_warehouse, manifest):
    args = ["--db", str(sample_warehouse.db_path), "--manifest", str(manifest), "--csv"]
    proc = subprocess.run([*QUERY, "--metrics", "visits,stays", *args], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines() == ["visits,stays", "39896,5656"]
    assert "both sources counted together" in proc.stderr
    proc = subprocess.run([*QUERY, "--metrics", "visits", "--source", "emr", *args], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.splitlines() == ["visits", "9932"] and proc.stderr == ""


def test_where_in_dimension_names(sample_warehouse, manifest):
    kw = {"manifest": manifest}
    one = semantic.query(sample_warehouse.db_path, ["visits"], ["year"], where=["department = 'Cardiology'",
                                                                                 "year >= '2020-01-01'"], **kw)
    want = sample_warehouse.query("select date_trunc('year', start_date)::date, count(*) from marts.fct_encounters "
                                  "where department = 'Cardiology' and start_date >= '2020-01-01' group by 1 order by 1")
    assert one.rows == want
    assert semantic._filter("department = 'it''s department' and year > '2020-01-01'") == (
        "{{ Entity('encounter__department') }} = 'it''s department' and "
        "{{ TimeDimension('metric_time', 'year') }} > '2020-01-01'")


def test_list_and_clear_errors(sample_warehouse, manifest):
    args = ["--db", str(sample_warehouse.db_path), "--manifest", str(manifest)]
    proc = subprocess.run([*QUERY, "--list", *args], capture_output=True, text=True, check=True)
    listed = {line.split()[0] for line in proc.stdout.split("\n\n")[0].splitlines()}
    doc = json.loads(manifest.read_text())
    assert listed == {m["name"] for m in doc["metrics"]} and len(listed) == 48
    assert "readmission_rate_30d         readmissions_30d / index_stays_30d." in proc.stdout
    for bad, message in ((["--metrics", "visitz"], "unknown metric visitz (hospital metrics --list shows them)"),
                         (["--metrics", "visits", "--by", "dept"], "unknown dimension dept; known: day, week"),
                         (["--metrics", "visits,procedures", "--by", "diagnosis_description"],
                          "MetricFlow cannot answer visits, procedures by diagnosis_description")):
        proc = subprocess.run([*QUERY, *bad, *args], capture_output=True, text=True)
        assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    proc = subprocess.run([*QUERY, "--metrics", "visits", "--db", str(sample_warehouse.db_path.parent / "none.duckdb")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "no semantic manifest at" in proc.stderr


def test_the_published_copy_answers_read_only_and_stays_as_it_was(sample_warehouse, manifest, tmp_path):
    """publish.py puts the manifest beside the copy; a query reads the copy without changing a byte of it."""
    subprocess.run([sys.executable, "-m", "hospital_warehouse.publish", "--build-db", str(sample_warehouse.db_path),
                    "--bi-db", str(tmp_path / "hospital_bi.duckdb"), "--exports", str(tmp_path / "exports"),
                    "--semantic-manifest", str(manifest)], check=True, capture_output=True)
    bi = tmp_path / "hospital_bi.duckdb"
    assert (tmp_path / "semantic_manifest.json").read_bytes() == manifest.read_bytes()
    before = hashlib.sha256(bi.read_bytes()).hexdigest()
    proc = subprocess.run([*QUERY, "--metrics", "admissions", "--source", "synthea", "--db", str(bi), "--csv"],
                          capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines() == ["admissions", str(sample_warehouse.query(
        "select count(*) from marts.fct_encounters where is_admission and source_system = 'synthea'")[0][0])]
    assert hashlib.sha256(bi.read_bytes()).hexdigest() == before


def test_metricflow_validates_the_semantic_layer(sample_warehouse, manifest, tmp_path):
    """`mf validate-configs`, as a user runs it in the project (it reads target/semantic_manifest.json there):
    the semantic rules and every dimension, entity, measure and metric against the built warehouse."""
    project = tmp_path / "repo"
    shutil.copytree(REPO, project, ignore=shutil.ignore_patterns(
        ".venv*", "warehouse", "target", "logs", "reports", "exports", ".git", "__pycache__", "data", "seeds"))
    (project / "target").mkdir()
    shutil.copy(manifest, project / "target" / "semantic_manifest.json")
    # a copy of the build: mf opens it for writing, and the other test process reads the sample's build
    build = Path(shutil.copy(sample_warehouse.db_path, tmp_path / "hospital.duckdb"))
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "DBT_PROFILES_DIR": str(REPO / "profiles"), "HOSPITAL_DB_PATH": str(build),
           "HOSPITAL_DB_TEMP_DIR": str(tmp_path / "tmp"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run([str(Path(sys.executable).with_name("mf")), "validate-configs"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert out.count("(ERRORS: 0, FUTURE_ERRORS: 0, WARNINGS: 0)") == 6, out[-3000:]


def test_a_dimension_reached_by_a_longer_path_keeps_its_short_name(sample_warehouse, manifest):
    """Procedures reach a diagnosis' description through their visit (MetricFlow's column
    encounter__diagnosis__diagnosis_description): the answer still calls it diagnosis_description."""
    answer = semantic.query(sample_warehouse.db_path, ["procedures"], ["diagnosis_description"], manifest=manifest)
    assert answer.columns == ["diagnosis_description", "procedures"]
    assert sum(r[1] for r in answer.rows) == sample_warehouse.query("select count(*) from marts.fct_procedures")[0][0]
    uti = sample_warehouse.query(
        "select count(*) from marts.fct_procedures as p join marts.fct_encounters as e using (source_system, encounter_id) "
        "join marts.dim_diagnoses as d on e.primary_diagnosis_key = d.diagnosis_key "
        "where d.diagnosis_description = 'Urinary tract infection, site not specified'")[0][0]
    assert ("Urinary tract infection, site not specified", uti) in answer.rows and uti == 831


def test_readmissions_by_lace_band_and_ccsr_category_equal_the_marts(sample_warehouse, manifest):
    by_band = semantic.query(sample_warehouse.db_path, ["index_stays_30d", "readmissions_30d"], ["lace_band"],
                             source="synthea", manifest=manifest)
    want = sample_warehouse.query("select lace_band, sum(index_stays), sum(readmissions_30d) "
                                  "from marts.mart_readmission_risk group by 1 order by 1")
    assert [r for r in by_band.rows if r[0] is not None] == want and len(want) == 3
    by_ccsr = semantic.query(sample_warehouse.db_path, ["index_stays_30d", "readmissions_30d"], ["ccsr_category"],
                             source="synthea", manifest=manifest)
    want = sample_warehouse.query(
        "select nullif(dimension_value, 'unknown'), index_stays, readmissions from marts.mart_readmission_rates "
        "where dimension = 'ccsr_category' and method = 'derived' and window_days = 30 order by 1 nulls last")
    assert by_ccsr.rows == want and len(want) > 5
