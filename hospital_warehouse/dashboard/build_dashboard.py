#!/usr/bin/env python3
"""Build the KPI dashboard: one static HTML file that opens without Power BI, a server or the network.
The charts are Plotly's: plotly.js, shipped inside the plotly Python package, is inlined once. The numbers
come from the marts of the warehouse given: this script reads their rows and embeds them; the page
filters them (source, year, department, age group) and adds up numerators and denominators, never rates.

    hospital dashboard [--db warehouse/hospital_bi.duckdb]
                                                [--out reports/dashboard/index.html]
                                                [--small-cell-threshold N]

Pages: executive summary, demographics, readmissions, revenue, operations, feedback. A rate or average
over fewer cases than the small-cell threshold shows as "n < threshold+1". Open index.html?print=1 for
every page on one printable sheet (hospital_warehouse/dashboard/print_report.py makes the PDF of it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import decimal
import json
import logging
import sys
from pathlib import Path

import duckdb
import plotly
import plotly.offline
import yaml

from hospital_warehouse import REPO

HERE = Path(__file__).resolve().parent

log = logging.getLogger("dashboard")

# What the page reads from each mart: every row (the page filters); columns by name.
QUERIES = {
    "summary": "select source_system, period_grain, period_start, department, age_group, is_complete_period, "
               "data_end_date, visits, patients, visits_with_cost, total_cost, index_stays_30d, readmissions_30d, "
               "reported_visits, reported_readmissions, satisfaction_responses, mean_satisfaction, stays_with_los, "
               "total_los_days, suppressed from marts.mart_executive_summary",
    "demographics": "select source_system, gender, age_group, race, patients from marts.mart_patient_demographics",
    "chronic": "select source_system, condition_group, month_start, visits, patients "
               "from marts.mart_chronic_conditions_monthly",
    "readmission_rates": "select source_system, dimension, dimension_value, window_days, method, index_stays, "
                         "readmissions from marts.mart_readmission_rates "
                         "where dimension in ('overall', 'diagnosis', 'department', 'age_group')",
    "diagnoses": "select distinct diagnosis_key, diagnosis_description, ccsr_category, ccsr_description "
                 "from marts.dim_diagnoses",
    "admissions": "select source_system, month_start, index_stays_30d, readmissions_30d, index_stays_60d, "
                  "readmissions_60d from marts.mart_admissions_monthly",
    "lace": "select source_system, lace_band, discharge_month, index_stays, readmissions_30d "
            "from marts.mart_readmission_risk",
    "lace_performance": "select source_system, discharge_year, index_stays, readmissions_30d, c_statistic "
                        "from marts.mart_readmission_risk_performance",
    "department_revenue": "select source_system, department, age_group, visits, patients, revenue "
                          "from marts.mart_department_revenue",
    "insurance": "select source_system, visit_year, payer_category, visits, patients, covered_visits, billed_visits, "
                 "total_cost, total_coverage, out_of_pocket from marts.mart_insurance_mix",
    "procedures": "select source_system, start_year, payer_category, procedure_code, procedure_description, "
                  "procedures, covered_procedures, base_cost "
                  "from marts.mart_procedure_coverage_by_procedure",
    "volume": "select source_system, department, month_start, visits, is_peak_month from marts.mart_department_volume",
    "los": "select source_system, month_start, department, stays_with_los, total_los_days "
           "from marts.mart_length_of_stay",
    "treatment": "select source_system, encounter_class, visits, mean_hours, median_hours "
                 "from marts.mart_treatment_times",
    "occupancy": "select source_system, organization_id, organization_name, month_start, days, bed_days, "
                 "licensed_beds from marts.mart_bed_occupancy",
    "satisfaction": "select source_system, department, month_start, responses, score_sum, top_box_responses "
                    "from marts.mart_patient_satisfaction",
    "spc": "select source_system, kpi, chart_type, department, month_start, value, denominator, centre_line, "
           "lower_limit, upper_limit, signal_beyond_limit, signal_shift, signal_trend, signal_two_of_three, has_signal, "
           "is_last_point from marts.mart_spc order by source_system, kpi, department, month_start",
    "ratios": "select source_system, outcome, period_grain, period_start, unit_type, unit, stays, observed, expected, "
              "oe_ratio, oe_lower_95, oe_upper_95, funnel_lower_95, funnel_upper_95, funnel_lower_998, funnel_upper_998, "
              "funnel_verdict from marts.mart_standardized_ratios",
    "calibration": "select source_system, outcome, period_grain, period_start, risk_decile, stays, observed, expected, "
                   "mean_expected_rate, observed_rate, period_stays, period_observed, c_statistic "
                   "from marts.mart_risk_model_performance order by source_system, outcome, period_grain, period_start, risk_decile",
}


def _plain(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value


def load(db: Path) -> dict:
    """Each query's rows as {"columns": [...], "rows": [[...], ...]} (columnar: half the size of records)."""
    tables = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for name, sql in QUERIES.items():
            rel = con.sql(sql)
            tables[name] = {"columns": rel.columns, "rows": [list(map(_plain, row)) for row in rel.fetchall()]}
    return tables


def default_threshold() -> int:
    """The small-cell threshold the project is built with (dbt_project.yml, var small_cell_threshold)."""
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text(encoding="utf-8"))
    return int(project["vars"]["small_cell_threshold"])


def render(tables: dict, meta: dict) -> str:
    template = (HERE / "template.html").read_text(encoding="utf-8")
    payload = json.dumps({"tables": tables, "meta": meta}, separators=(",", ":")).replace("</", "<\\/")
    parts = {"/*__CSS__*/": (HERE / "dashboard.css").read_text(encoding="utf-8"),
             "/*__PLOTLY__*/": plotly.offline.get_plotlyjs().replace("</script", "<\\/script"),
             "/*__JS__*/": (HERE / "dashboard.js").read_text(encoding="utf-8"),
             "/*__DATA__*/": payload}
    for marker, text in parts.items():
        template = template.replace(marker, text, 1)
    return template


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, default=REPO / "warehouse" / "hospital_bi.duckdb", help="published warehouse")
    p.add_argument("--out", type=Path, default=REPO / "reports" / "dashboard" / "index.html")
    p.add_argument("--small-cell-threshold", type=int, default=None,
                   help="rates over at most this many cases show as 'n < N+1' (default: dbt_project.yml's)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.db.exists():
        log.error("no published warehouse at %s: run `make build`", args.db)
        return 2
    try:
        tables = load(args.db)
    except duckdb.Error as exc:
        log.error("%s: cannot read the marts the dashboard needs (%s); rebuild it with `make build`",
                  args.db, str(exc).splitlines()[0])
        return 2
    threshold = args.small_cell_threshold if args.small_cell_threshold is not None else default_threshold()
    meta = {"generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "source_db": args.db.name,
            "small_cell_threshold": threshold, "plotly_version": plotly.__version__}
    html = render(tables, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(args.out)
    log.info("dashboard: %s (%.1f MB, one file, offline; charts: plotly.js %s of plotly %s)", args.out,
             len(html) / 1e6, plotly.offline.get_plotlyjs_version(), plotly.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
