#!/usr/bin/env python3
"""Query the published warehouse (read-only: a query never blocks a build).

    hospital query --list                                   # named example queries
    hospital query --example readmissions_by_diagnosis
    hospital query "select * from marts.mart_insurance_mix where visit_year = 2024"
    hospital query --csv --example high_risk_patients > high_risk.csv
    hospital query --describe marts.fct_stays               # columns, types and descriptions

    hospital metrics --list                           # the semantic layer's metrics
    hospital metrics --metrics readmission_rate_30d,alos_days --by department,month
    hospital metrics --metrics visits,total_cost --by year --source synthea --csv
    hospital metrics --metrics visits --by payer_category --where "department = 'Cardiology'"

Opens warehouse/hospital_bi.duckdb (written by `make build`, replaced atomically after each successful
build); --db points elsewhere. `metrics` answers from the semantic layer (hospital_warehouse/semantic.py,
docs/semantic_layer.md): every rate from its numerator and denominator at the grain asked for.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from hospital_warehouse import REPO, readonly

EXAMPLES = {
    "scorecard": ("The executive scorecard: the last 12 complete months of each source, the previous month beside.",
                  "select source_system, month_start, visits, prev_visits, patients, admissions, "
                  "round(readmission_rate_30d, 3) as readmission_rate_30d, round(alos_days, 2) as alos_days, "
                  "round(avg_cost_per_visit, 2) as avg_cost_per_visit, round(mean_satisfaction, 2) as mean_satisfaction "
                  "from marts.mart_executive_scorecard where is_complete_month "
                  "qualify row_number() over (partition by source_system "
                  "order by month_start desc) <= 12 order by source_system, month_start"),
    "readmissions_by_diagnosis": ("30- and 60-day readmission rates by admitting diagnosis (30+ index stays).",
                                  "select r.dimension_value as icd10_code, d.diagnosis_description, r.window_days, "
                                  "r.index_stays, r.readmissions, round(r.readmission_rate, 3) as readmission_rate "
                                  "from marts.mart_readmission_rates as r left join marts.dim_diagnoses as d "
                                  "on r.dimension_value = d.diagnosis_key where r.method = 'derived' "
                                  "and r.dimension = 'diagnosis' and r.index_stays >= 30 "
                                  "order by r.window_days, readmission_rate desc"),
    "readmissions_by_age_group": ("Readmission rates by age group, every method side by side.",
                                  "select source_system, method, window_days, dimension_value as age_group, index_stays, "
                                  "readmissions, round(readmission_rate, 3) as readmission_rate "
                                  "from marts.mart_readmission_rates where dimension = 'age_group' "
                                  "order by source_system, method, window_days, age_group"),
    "insurance_mix": ("Insurance mix of the last year of each source.",
                      "select source_system, visit_year, payer_category, visits, round(visit_share, 3) as visit_share, "
                      "round(claim_success_rate, 3) as claim_success_rate, round(coverage_ratio, 3) as coverage_ratio, "
                      "out_of_pocket from marts.mart_insurance_mix qualify visit_year = max(visit_year) over "
                      "(partition by source_system) order by source_system, visits desc"),
    "alos_by_department": ("Average length of stay by department, all months (sum of days / stays).",
                           "select source_system, department, sum(stays) as stays, "
                           "round(sum(total_los_days) / sum(stays_with_los), 2) as alos_days "
                           "from marts.mart_length_of_stay group by all order by source_system, alos_days desc"),
    "department_peaks": ("Each department's peak month per year.",
                         "select source_system, department, year(month_start) as year, month_start as peak_month, visits "
                         "from marts.mart_department_volume where is_peak_month order by 1, 2, 3"),
    "high_risk_patients": ("High-risk patients (chronic condition and a recent readmission or abnormal vital).",
                           "select source_system, patient_id, condition_groups, risk_reasons, last_readmission_date, "
                           "last_abnormal_vital_date from marts.mart_high_risk_patients order by source_system, patient_id"),
    "satisfaction_trend": ("Mean satisfaction by department and month with the change from the month before (EMR).",
                           "select department, month_start, responses, round(mean_score, 2) as mean_score, "
                           "round(mean_score_change, 2) as change from marts.mart_patient_satisfaction "
                           "order by department, month_start"),
    "data_quality": ("Where every raw row went, by file and reason.",
                     "select source_system, raw_table, reason, sum(raw_rows) as rows from marts.mart_data_quality "
                     "group by all order by source_system, raw_table, rows desc"),
}


def metrics_main(argv: list[str]) -> int:
    from hospital_warehouse import semantic

    p = argparse.ArgumentParser(prog="hospital metrics", description="The semantic layer's metrics, by any "
                                "dimension and grain, from the published warehouse (read-only).")
    p.add_argument("--metrics", help="comma-separated metric names (--list shows them)")
    p.add_argument("--by", default="", help=f"comma-separated dimensions: {', '.join(semantic.DIMENSIONS)}")
    p.add_argument("--where", action="append", default=[],
                   help="a condition in dimension names, e.g. \"department = 'Cardiology'\" or "
                        "\"month >= '2024-01-01'\" (repeatable: all must hold)")
    p.add_argument("--source", choices=semantic.SOURCES, help="one source only (by default both, added up)")
    p.add_argument("--db", type=Path, default=REPO / "warehouse" / "hospital_bi.duckdb")
    p.add_argument("--manifest", type=Path, help="the semantic manifest (default: semantic_manifest.json beside --db)")
    p.add_argument("--csv", action="store_true", help="CSV on standard output, the column names first")
    p.add_argument("--list", action="store_true", help="every metric with its description, and the dimensions")
    p.add_argument("--sql", action="store_true", help="print the SQL MetricFlow generates instead of running it")
    args = p.parse_args(argv)
    manifest = args.manifest or semantic.default_manifest(args.db)
    try:
        if args.list:
            for name, doc in semantic.metric_list(manifest):
                print(f"{name:28} {doc}")
            print("\ndimensions (--by, --where):")
            for name, (_, _, doc) in semantic.DIMENSIONS.items():
                print(f"{name:28} {doc}")
            return 0
        if not args.metrics:
            p.error("give --metrics M1,M2 (or --list)")
        answer = semantic.query(args.db, [m.strip() for m in args.metrics.split(",") if m.strip()],
                                [d.strip() for d in args.by.split(",") if d.strip()], args.where, args.source, manifest)
    except semantic.MetricsError as exc:
        print(f"hospital metrics: {exc}", file=sys.stderr)
        return 2
    if args.sql:
        print(answer.sql)
        return 0
    semantic.print_answer(answer, args.csv)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["metrics"]:
        return metrics_main(argv[1:])
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("sql", nargs="?", help="a SQL query")
    p.add_argument("--example", choices=sorted(EXAMPLES), help="run a named example query")
    p.add_argument("--list", action="store_true", help="list the example queries")
    p.add_argument("--describe", metavar="TABLE", help="columns, types and descriptions of a table (e.g. marts.fct_stays)")
    p.add_argument("--csv", action="store_true", help="write CSV to standard output")
    p.add_argument("--db", type=Path, default=REPO / "warehouse" / "hospital_bi.duckdb")
    p.add_argument("--max-rows", type=int, default=40, help="rows shown in the table view (default 40)")
    args = p.parse_args(argv)
    if args.list:
        for name, (doc, _) in sorted(EXAMPLES.items()):
            print(f"{name:28} {doc}")
        return 0
    if not args.db.exists():
        print(f"hospital query: no published warehouse at {args.db}: run `make build`", file=sys.stderr)
        return 2
    params: list[str] = []
    if args.describe:
        schema, _, table = args.describe.rpartition(".")
        sql = ("select column_name, data_type, comment as description from duckdb_columns() "
               "where schema_name = ? and table_name = ? order by column_index")
        params = [schema or "marts", table]
    elif args.example:
        sql = EXAMPLES[args.example][1]
    elif args.sql:
        sql = args.sql
    else:
        p.error("give a SQL query, --example NAME, --describe TABLE or --list")
    try:
        readonly.one_query(sql)
        with readonly.connect(args.db) as con:
            rel = con.execute(sql, params) if params else con.sql(sql)
            if args.csv:
                rel.df().to_csv(sys.stdout, index=False)
            elif params:
                frame = rel.df()
                if frame.empty:
                    print(f"hospital query: no table {args.describe} in {args.db} (`hospital query --list` shows "
                          "example queries; `show all tables` lists the tables)", file=sys.stderr)
                    return 2
                print(frame.to_string(index=False, max_rows=args.max_rows))
            else:
                rel.show(max_rows=args.max_rows, max_width=220)
    except readonly.Refused as exc:
        print(f"hospital query: refused: {exc}", file=sys.stderr)
        return 2
    except duckdb.PermissionException as exc:  # a file outside the published copy
        print(f"hospital query: refused: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    except duckdb.Error as exc:  # a query that does not run (a typo, a missing table)
        print(f"hospital query: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # `| head`: the reader has all it wanted
        sys.stderr.close()
        sys.exit(0)
