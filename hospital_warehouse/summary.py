#!/usr/bin/env python3
"""Print a short data-quality summary of a built warehouse (the end of `make build`): per source and raw
file, how many rows were read, kept, repaired, quarantined and dropped as duplicates, with the main
quarantine reasons; the visits whose primary diagnosis code is not in the ICD-10-CM 2024 release (kept,
flagged dim_diagnoses.is_valid_icd10cm false); then the great-expectations findings of the last quality
run, if any.

    hospital summary [--db warehouse/hospital.duckdb] [--reports reports]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

from hospital_warehouse import REPO


def summary(db: Path, reports: Path) -> str:
    lines = ["Data quality", "", f"{'source':8} {'raw file':14} {'raw':>8} {'clean':>8} {'repaired':>9} "
             f"{'quarant.':>9} {'dupl.':>7}  main quarantine reasons"]
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql("""
            select source_system, raw_table, sum(raw_rows), sum(clean_rows), sum(repaired_rows),
                   sum(quarantined_rows), sum(duplicate_rows),
                   string_agg(case when quarantined_rows > 0 then reason || ' ' || quarantined_rows end, ', '
                              order by quarantined_rows desc)
            from marts.mart_data_quality
            group by 1, 2
            order by 1 desc, 3 desc
        """).fetchall()
        invalid = con.sql("""
            select encounters.source_system, count(*) as visits,
                   string_agg(distinct encounters.primary_diagnosis_key, ', ' order by encounters.primary_diagnosis_key)
            from marts.fct_encounters as encounters
            inner join marts.dim_diagnoses as diagnoses
                on encounters.primary_diagnosis_key = diagnoses.diagnosis_key
            where not diagnoses.is_valid_icd10cm
            group by 1
            order by 1 desc
        """).fetchall()
    for source, table, raw, clean, repaired, quarantined, duplicates, reasons in rows:
        lines.append(f"{source:8} {table:14} {raw:>8,} {clean:>8,} {repaired:>9,} {quarantined:>9,} {duplicates:>7,}"
                     f"  {reasons or '-'}")
    for source, visits, codes in invalid:
        lines.append(f"{source}: {visits:,} visits with a primary diagnosis code not in ICD-10-CM 2024 ({codes}): "
                     "kept, flagged dim_diagnoses.is_valid_icd10cm false")
    for stage in ("raw", "marts"):
        path = reports / "quality" / f"{stage}.json"
        if path.exists():
            findings = json.loads(path.read_text())
            errors = sum(1 for f in findings if not f["success"] and f["severity"] == "critical")
            noted = sum(1 for f in findings if f["unexpected_count"])
            lines.append(f"great-expectations {stage}: {len(findings)} checks, {errors} errors, {noted} with bad rows "
                         f"(details: {reports / 'data_docs' / 'index.html'})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, default=REPO / "warehouse" / "hospital.duckdb")
    p.add_argument("--reports", type=Path, default=REPO / "reports")
    args = p.parse_args(argv)
    if not args.db.exists():
        print(f"no warehouse at {args.db}: run make build", file=sys.stderr)
        return 2
    print(summary(args.db, args.reports))
    return 0


if __name__ == "__main__":
    sys.exit(main())
