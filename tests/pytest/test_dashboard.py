"""The KPI dashboard in headless Chromium, offline: every page renders its Plotly charts without a console
error (a screenshot of each under reports/screenshots/); the executive tiles equal the figures computed here
from the fact tables, and the mart's, for two selections; a partial last month is never the headline; a
rate over a small cell reads "n < 11"; `make report`'s PDF holds every page. Also the analysts' query helper.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from pypdf import PdfReader

from conftest import REPO, publish

THRESHOLD = 10  # dbt_project.yml's small_cell_threshold: rates over 1..10 cases read "n < 11"
# (page, filters): satisfaction exists only in the EMR extract; EMR readmissions are the reported ones
PAGES = [("executive", "source=all"), ("executive", "source=emr"), ("demographics", "source=synthea"),
         ("readmissions", "source=synthea"), ("readmissions", "source=emr"), ("revenue", "source=synthea"),
         ("operations", "source=synthea"), ("feedback", "source=emr"), ("quality", "source=synthea")]
TITLES = ["Executive summary", "Demographics", "Readmissions", "Revenue", "Operations", "Feedback", "Quality"]
SHOTS = REPO / "reports" / "screenshots"
DASHBOARD = REPO / "hospital_warehouse" / "dashboard"


@pytest.fixture(scope="module")
def published(sample_warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("published")
    publish(sample_warehouse.db_path, out / "bi.duckdb", out / "exports")
    return out / "bi.duckdb"


def build(db: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hospital_warehouse.dashboard.build_dashboard", "--db", str(db), "--out", str(out), *extra],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def dashboard(published, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dashboard") / "index.html"
    assert build(published, out).returncode == 0
    return out


def page(chromium, dashboard: Path, query: str, name: str, user_dir: Path) -> str:
    dom = chromium(dashboard.as_uri() + "?" + query + "#" + name, "--dump-dom", user_dir=user_dir)
    assert 'id="errors" data-count="0"' in dom.stdout, dom.stdout[-3000:]
    return dom.stdout


def tiles(dom: str) -> dict[str, tuple[str, str]]:
    """{kpi: (data-value, shown text)} of the tiles on the page."""
    found = re.findall(r'data-kpi="([a-z_0-9]+)" data-value="([^"]*)"><div class="label">[^<]*</div><div class="value">([^<]*)</div>', dom)
    return {k: (v, html.unescape(t)) for k, v, t in found}


def test_the_page_is_one_file_with_plotly_inlined_and_nothing_from_the_network(dashboard):
    text = dashboard.read_text()
    assert not re.search(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=[\"']?https?://", text)
    assert text.count("plotly.js v") >= 1 and text.count("<script>") == 3  # error counter, plotly.js, the page
    # the page's own code loads nothing (plotly.js can fetch map outlines, which no chart here uses; the
    # rendering tests run Chromium without a network) and draws nothing by hand: every chart is Plotly's
    page_js = (DASHBOARD / "dashboard.js").read_text()
    assert "fetch(" not in page_js and "XMLHttpRequest" not in page_js
    assert "<svg" not in page_js and "Plotly.react" in page_js


@pytest.mark.parametrize("name,query", PAGES, ids=[f"{p}-{q.split('=')[1]}" for p, q in PAGES])
def test_every_page_renders_offline_without_console_errors(dashboard, chromium, tmp_path, name, query):
    url = dashboard.as_uri() + "?" + query + "#" + name
    dom = chromium(url, "--dump-dom", user_dir=tmp_path / "u1")
    assert 'id="errors" data-count="0"' in dom.stdout, dom.stdout[-3000:]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert not [c for c in console if "Uncaught" in c or "rror" in c], console
    section = re.search(rf'<section id="page-{name}" class="page active"[^>]*>(.*?)</section>', dom.stdout, re.S)
    assert section and len(section.group(1)) > 2000, f"page {name} is not shown or empty"
    assert section.group(1).count('class="main-svg"') >= 2, "Plotly drew no chart"  # each Plotly figure has two
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"dashboard_{name}_{query.split('=')[1]}.png"
    chromium(url, "--window-size=1400,1500", f"--screenshot={shot}", user_dir=tmp_path / "u2")
    assert shot.exists() and shot.stat().st_size > 30_000


def expected_tiles(con, sources: list[str], year: str | None, department: str | None, age: str | None) -> dict:
    """The executive tiles of a selection, from the fact tables (not from the mart the page reads)."""
    def where(date_column: str, age_column: str = "age_group") -> str:
        cond = [f"source_system in ({', '.join(repr(s) for s in sources)})"]
        if year:
            cond.append(f"year({date_column}) = {int(year)}")
        if department:
            cond.append(f"department = '{department}'")
        if age:
            cond.append(f"coalesce({age_column}, 'unknown') = '{age}'")
        return " and ".join(cond)
    v = con.sql(f"""select sum(patients), sum(visits), sum(cost), sum(with_cost), sum(reported), sum(flagged), sum(responses), sum(score)
        from (select source_system, count(distinct patient_id) as patients, count(*) as visits, sum(total_claim_cost) as cost,
                     count(total_claim_cost) as with_cost, count(is_reported_readmission) as reported,
                     count(*) filter (where is_reported_readmission) as flagged, count(satisfaction_score) as responses,
                     sum(satisfaction_score) as score
              from marts.fct_encounters where {where('start_date')} group by 1)""").fetchone()
    s = con.sql(f"""select count(*) filter (where is_index_eligible_30d and source_system = 'synthea'),
                           count(*) filter (where is_readmitted_30d and source_system = 'synthea'), count(los_days), sum(los_days)
                    from marts.fct_stays where discharge_date is not null and {where('discharge_date')}""").fetchone()
    patients, visits, cost, with_cost, reported, flagged, responses, score = v
    index, readmitted, with_los, los = s

    def rate(n, d):
        return None if not d or d <= THRESHOLD else float(n) / d
    return {"patients": patients, "visits": visits, "revenue_per_patient": rate(cost, patients),
            "avg_cost_per_visit": rate(cost, with_cost), "readmission_rate_30d": rate(readmitted, index),
            "reported_readmission_rate": rate(flagged, reported), "mean_satisfaction": rate(score, responses),
            "alos_days": rate(los, with_los), "_index_stays": index, "_reported": reported, "_responses": responses}


SELECTIONS = [
    # one source, one year, one department (the age group: all)
    ("source=synthea&year=2020&department=Internal+Medicine", ["synthea"], "2020", "Internal Medicine", None),
    # both sources added up, all years, one age group
    ("source=all&age=65%2B+Senior", ["emr", "synthea"], None, None, "65+ Senior"),
]


@pytest.mark.parametrize("query,sources,year,department,age", SELECTIONS, ids=["synthea-2020-internal-medicine", "all-sources-65plus"])
def test_executive_tiles_equal_the_facts_and_the_mart(dashboard, chromium, published, tmp_path, query, sources, year, department, age):
    dom = page(chromium, dashboard, query, "executive", tmp_path / "u")
    shown = tiles(dom)
    with duckdb.connect(str(published), read_only=True) as con:
        expected = expected_tiles(con, sources, year, department, age)
        mart = con.sql("""select sum(patients), sum(visits), sum(total_cost) / sum(patients) from marts.mart_executive_summary
                          where source_system in (select unnest(?)) and period_grain = ? and coalesce(cast(year(period_start) as varchar), '') = ?
                            and department = ? and age_group = ?""",
                       params=[sources, "year" if year else "all", year or "", department or "All", age or "All"]).fetchone()
    assert expected["visits"] > 50 and expected["patients"] > 20  # a real selection, not an empty one
    assert (int(shown["patients"][0]), int(shown["visits"][0])) == (expected["patients"], expected["visits"]) == (mart[0], mart[1])
    assert float(shown["revenue_per_patient"][0]) == pytest.approx(mart[2], rel=1e-12)
    for kpi, value in expected.items():
        if kpi.startswith("_"):
            continue
        if kpi == "readmission_rate_30d" and "synthea" not in sources or kpi == "reported_readmission_rate" and "emr" not in sources \
                or kpi == "mean_satisfaction" and "emr" not in sources:
            assert kpi not in shown, f"{kpi}: no selected source supplies it, so it has no tile"
            continue
        data_value, text = shown[kpi]
        if value is None:
            assert data_value == "" and text in (f"n < {THRESHOLD + 1}", "n/a"), (kpi, text)
        else:
            assert float(data_value) == pytest.approx(float(value), rel=1e-12), kpi
    if "synthea" in sources:  # the derived rate of this selection rests on enough index stays to be shown
        assert expected["_index_stays"] > THRESHOLD and shown["readmission_rate_30d"][1].endswith("%")
    assert shown["visits"][1] == f"{expected['visits']:,}"


def test_a_partial_last_month_is_labelled_and_never_the_headline(dashboard, published, chromium, tmp_path):
    # the sample's EMR stays run into January 2025, after its last visit (31 Dec 2024): January is partial
    dom = page(chromium, dashboard, "source=emr", "executive", tmp_path / "u1")
    assert 'id="compare-month" data-month="2024-12-01"' in dom
    assert 'id="partial-month" data-month="2025-01-01"' in dom and "Jan 2025 is a partial month" in html.unescape(dom)
    # an export whose data stops on 3 December: December is partial, November is the headline
    db = tmp_path / "partial.duckdb"
    shutil.copy(published, db)
    with duckdb.connect(str(db)) as con:
        con.execute("update marts.mart_executive_summary set data_end_date = date '2024-12-03', is_complete_period = "
                    "is_complete_period and not (period_grain = 'month' and period_start = date '2024-12-01' "
                    "or period_grain = 'year' and period_start = date '2024-01-01') where source_system = 'synthea'")
        nov = con.sql("select visits from marts.mart_executive_summary where source_system = 'synthea' and period_grain = 'month' "
                      "and period_start = date '2024-11-01' and department = 'All' and age_group = 'All'").fetchone()[0]
    out = tmp_path / "partial.html"
    assert build(db, out).returncode == 0
    dom = page(chromium, out, "source=synthea&year=2024", "executive", tmp_path / "u2")
    assert 'id="compare-month" data-month="2024-11-01"' in dom
    assert 'id="partial-month" data-month="2024-12-01"' in dom and "the data ends on 2024-12-03" in dom
    assert "(partial year" in dom
    assert re.search(rf'data-kpi-month="visits" data-value="{nov}"', dom)


def test_a_rate_over_a_small_cell_reads_n_below_the_threshold(dashboard, published, chromium, tmp_path):
    with duckdb.connect(str(published), read_only=True) as con:
        year, department, index_stays = con.sql(
            "select year(period_start), department, index_stays_30d from marts.mart_executive_summary "
            f"where source_system = 'synthea' and period_grain = 'year' and age_group = 'All' and department <> 'All' "
            f"and index_stays_30d between 1 and {THRESHOLD} order by 3 desc, 1, 2 limit 1").fetchone()
    dom = page(chromium, dashboard, f"source=synthea&year={year}&department={department}", "executive", tmp_path / "u")
    assert 1 <= index_stays <= THRESHOLD
    assert tiles(dom)["readmission_rate_30d"] == ("", f"n < {THRESHOLD + 1}")
    # the threshold is the build's: with 3, the same cell shows its rate (when it has more than 3 stays)
    out = tmp_path / "three.html"
    assert build(published, out, "--small-cell-threshold", "3").returncode == 0
    dom = page(chromium, out, f"source=synthea&year={year}&department={department}", "executive", tmp_path / "u2")
    value, text = tiles(dom)["readmission_rate_30d"]
    assert (value == "" and text == "n < 4") if index_stays <= 3 else text.endswith("%")


def test_the_quality_page_draws_the_marts_funnels_and_spc_signals(dashboard, chromium, published, tmp_path):
    """The Quality page: a funnel per outcome, the units beyond a limit as mart_standardized_ratios judges them,
    an SPC chart per KPI of mart_spc; the executive page names every KPI whose last complete month signals."""
    with duckdb.connect(str(published), read_only=True) as con:
        outliers = con.sql("select count(*) from marts.mart_standardized_ratios where source_system = 'synthea' "
                           "and period_grain = 'all' and funnel_verdict <> 'within' and oe_ratio is not null").fetchone()[0]
        kpis = con.sql("select count(distinct kpi) from marts.mart_spc where source_system = 'synthea' "
                       "and department = 'All'").fetchone()[0]
        signalled = {r[0] for r in con.sql("select kpi from marts.mart_spc where is_last_point and has_signal "
                                           "and department = 'All'").fetchall()}
        c_statistics = dict(con.sql("select outcome, any_value(c_statistic) from marts.mart_risk_model_performance "
                                    "where source_system = 'synthea' and period_grain = 'all' group by outcome").fetchall())
    dom = page(chromium, dashboard, "source=synthea", "quality", tmp_path / "q")
    section = re.search(r'<section id="page-quality" class="page active"[^>]*>(.*?)</section>', dom, re.S).group(1)
    assert section.count("<h2>Funnel: ") == 2
    table = re.search(r"<h2>Units beyond a funnel limit</h2>(.*?)</table>", section, re.S).group(1)
    assert table.count("<tr>") - 1 == outliers > 0
    spc = [h for h in re.findall(r"<h2>([^<]*)\(synthea\)</h2>", section) if not h.startswith("Calibration: ")]
    assert len(spc) == kpis == 5
    # a calibration chart per outcome, its note naming the c-statistic of mart_risk_model_performance
    for outcome, label in (("readmission_30d", "30-day readmission"), ("in_hospital_death", "Death in the stay")):
        c = c_statistics[outcome]
        note = re.search(rf'<h2>Calibration: {label} \(synthea\)</h2>.*?<p class="note">([^<]*)</p>', section, re.S)
        assert note and f"c-statistic {c:.2f} " in note.group(1), (outcome, c, note and note.group(1))
    executive = page(chromium, dashboard, "source=all", "executive", tmp_path / "e")
    assert set(re.findall(r'data-kpi-signal="([a-z_0-9]+)"', executive)) == signalled and signalled


def test_make_report_prints_every_page_to_pdf(dashboard, tmp_path):
    pdf = tmp_path / "report.pdf"
    proc = subprocess.run([sys.executable, "-m", "hospital_warehouse.dashboard.print_report", "--html", str(dashboard), "--out", str(pdf),
                           "--filter", "source=emr"], capture_output=True, text=True)
    if proc.returncode == 2 and "Chromium" in proc.stderr:
        pytest.skip(proc.stderr.strip())
    assert proc.returncode == 0, proc.stderr
    reader = PdfReader(pdf)
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert len(reader.pages) >= len(TITLES)
    for title in TITLES:
        assert title in text, title
    assert "Source: emr" in text and "the last complete month, Dec 2024" in text and "Jan 2025 is a partial month" in text
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert width > height  # landscape


@pytest.mark.parametrize("args,message", [
    (["--filter", "sorce=emr"], "unknown filter sorce"),
    (["--html", "/no/such/index.html"], "no dashboard at /no/such/index.html"),
])
def test_report_refuses_bad_input_with_one_message(args, message, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hospital_warehouse.dashboard.print_report", "--out", str(tmp_path / "r.pdf"), *args],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_the_dashboard_refuses_a_warehouse_without_the_marts(tmp_path):
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    proc = build(db, tmp_path / "index.html")
    assert proc.returncode == 2 and "cannot read the marts the dashboard needs" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "index.html").exists()


def test_query_helper(published, capsys):
    from hospital_warehouse import query
    assert query.main(["--db", str(published), "--list"]) == 0
    listing = capsys.readouterr().out
    assert "readmissions_by_diagnosis" in listing and "scorecard" in listing
    for name in query.EXAMPLES:
        assert query.main(["--db", str(published), "--example", name, "--max-rows", "2"]) == 0, name
    capsys.readouterr()
    assert query.main(["--db", str(published), "--csv", "select source_system, count(*) as n from marts.fct_stays "
                                                       "group by 1 order by 1"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == "source_system,n" and out[1].startswith("emr,") and out[2].startswith("synthea,")
    assert query.main(["--db", str(published), "select * from no_such_table"]) == 1
