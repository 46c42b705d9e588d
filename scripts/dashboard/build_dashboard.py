#!/usr/bin/env python3
"""Build the KPI dashboard: one static HTML file that anyone can open without Power BI, a server or the
network (every asset inlined). Numbers come from the marts of the published warehouse: this script only
reads rows and embeds them; the page formats them and, for a year or source filter, adds up the
numerators and denominators the marts publish (never averages rates).

    python scripts/dashboard/build_dashboard.py [--db warehouse/hospital_bi.duckdb] [--out reports/dashboard/index.html]

Pages: executive summary, demographics, readmissions, revenue and insurance, operations, feedback.
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

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
log = logging.getLogger("dashboard")

# What the page needs from each mart (all rows; the page filters by source and year).
QUERIES = {
    "scorecard": "select * from marts.mart_executive_scorecard order by source_system, month_start",
    "volume": "select source_system, department, month_start, visits, is_peak_month from marts.mart_department_volume",
    "demographics": "select source_system, gender, age_group, race, patients from marts.mart_patient_demographics",
    "chronic": "select source_system, condition_group, month_start, visits, patients from marts.mart_chronic_conditions_monthly",
    "readmission_rates": "select source_system, dimension, dimension_value, window_days, method, index_stays, readmissions, "
                         "readmission_rate from marts.mart_readmission_rates",
    "admissions": "select source_system, month_start, admissions, index_stays_30d, readmissions_30d, index_stays_60d, "
                  "readmissions_60d from marts.mart_admissions_monthly order by month_start",
    "department_revenue": "select source_system, department, age_group, revenue, patients, revenue_per_patient "
                          "from marts.mart_department_revenue",
    "insurance": "select source_system, visit_year, payer_category, visits, patients, covered_visits, billed_visits, "
                 "total_cost, total_coverage, out_of_pocket from marts.mart_insurance_mix",
    "procedures": "select source_system, start_year, payer_category, procedures, covered_procedures, base_cost "
                  "from marts.mart_procedure_coverage",
    "visit_costs": "select source_system, month_start, encounter_class, visits, visits_with_cost, patients, total_cost "
                   "from marts.mart_visit_costs",
    "los": "select source_system, month_start, department, stays, stays_with_los, total_los_days "
           "from marts.mart_length_of_stay",
    "treatment": "select source_system, encounter_class, visits, mean_hours, median_hours from marts.mart_treatment_times",
    "occupancy": "select source_system, organization_id, month_start, days, bed_days, avg_daily_census, licensed_beds, "
                 "occupancy_rate from marts.mart_bed_occupancy",
    "satisfaction": "select source_system, department, month_start, responses, score_sum, top_box_responses, mean_score "
                    "from marts.mart_patient_satisfaction order by month_start",
}


def _plain(value):
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value


def load(db: Path) -> dict[str, list[dict]]:
    with duckdb.connect(str(db), read_only=True) as con:
        data = {}
        for name, sql in QUERIES.items():
            rel = con.sql(sql)
            cols = rel.columns
            data[name] = [dict(zip(cols, map(_plain, row))) for row in rel.fetchall()]
        built = con.sql("select max(month_start) from marts.mart_executive_scorecard").fetchone()[0]
    data["meta"] = {"generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                    "data_until": _plain(built), "source_db": db.name}
    return data


def render(data: dict) -> str:
    template = (HERE / "template.html").read_text(encoding="utf-8")
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return (template.replace("/*__CSS__*/", (HERE / "dashboard.css").read_text(encoding="utf-8"))
            .replace("/*__JS__*/", (HERE / "dashboard.js").read_text(encoding="utf-8"))
            .replace("/*__DATA__*/", payload))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, default=REPO / "warehouse" / "hospital_bi.duckdb", help="published warehouse")
    p.add_argument("--out", type=Path, default=REPO / "reports" / "dashboard" / "index.html")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if not args.db.exists():
        log.error("no published warehouse at %s: run `make build`", args.db)
        return 2
    html = render(load(args.db))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(args.out)
    log.info("dashboard: %s (%.0f KB, offline, no external assets)", args.out, len(html) / 1024)
    return 0


if __name__ == "__main__":
    sys.exit(main())
