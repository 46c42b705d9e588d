"""The headline figures three ways, for the benchmark to compare: a hand-written DuckDB SQL script over the
raw files (kpis_from_raw.sql), pandas as a notebook would (pandas_kpis.py, in a memory-capped child
process), and the marts of a built warehouse."""
from __future__ import annotations

import json
import logging
import math
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from hospital_warehouse import REPO, rawfiles

HERE = Path(__file__).resolve().parent

log = logging.getLogger("benchmark")

MART_QUERIES = {
    "visits": "select sum(visits) from marts.mart_visit_costs where source_system = 'synthea'",
    "avg_cost_per_visit": "select sum(total_cost) / sum(visits_with_cost) from marts.mart_visit_costs "
                          "where source_system = 'synthea'",
    "gender_counts": "select gender, sum(patients) from marts.mart_patient_demographics "
                     "where source_system = 'synthea' group by gender",
    "covered_procedure_share": "select sum(covered_procedures) / sum(procedures) from marts.mart_procedure_coverage "
                               "where source_system = 'synthea'",
    "alos_days": "select sum(total_los_days) / sum(stays_with_los) from marts.mart_length_of_stay "
                 "where source_system = 'synthea'",
    "readmissions": "select sum(index_stays_30d), sum(readmissions_30d), sum(index_stays_60d), sum(readmissions_60d) "
                    "from marts.mart_admissions_monthly where source_system = 'synthea'",
    "readmissions_by_diagnosis": "select dimension_value, window_days, index_stays, readmissions "
                                 "from marts.mart_readmission_rates where source_system = 'synthea' "
                                 "and method = 'derived' and dimension = 'diagnosis'",
}


def figures_from_sql(folder: Path) -> dict:
    def reader(table: str) -> str:
        return rawfiles.text_reader_sql(rawfiles.find(folder, table))
    sql = (HERE / "kpis_from_raw.sql").read_text().format(
        patients=reader("patients"), encounters=reader("encounters"), procedures=reader("procedures"),
        payers=reader("payers"), seeds=REPO / "seeds" / "reference", repairs=REPO / "seeds" / "repairs")
    con = duckdb.connect()
    con.execute("set threads = 2")
    con.execute(sql)
    rows = dict(con.sql("select name, value from figures").fetchall())
    con.close()
    out = {k: json.loads(v) for k, v in rows.items()}
    out["readmissions_by_diagnosis"] = {k: tuple(v) for k, v in out["readmissions_by_diagnosis"].items()}
    return out


def figures_from_sql_timed(folder: Path) -> tuple[dict, float]:
    """figures_from_sql and its wall time in seconds: the hand-written SQL the targets compare builds with."""
    t0 = time.perf_counter()
    figures = figures_from_sql(folder)
    return figures, time.perf_counter() - t0


def figures_from_marts(db: Path) -> tuple[dict, dict]:
    timings, out = {}, {}
    with duckdb.connect(str(db), read_only=True) as con:
        for name, sql in MART_QUERIES.items():
            t0 = time.perf_counter()
            rows = con.sql(sql).fetchall()
            timings[name] = (time.perf_counter() - t0) * 1000
            if name == "gender_counts":
                out[name] = {g: int(n) for g, n in rows}
            elif name == "readmissions":
                (out["index_stays_30d"], out["readmissions_30d"], out["index_stays_60d"],
                 out["readmissions_60d"]) = (int(x) for x in rows[0])
            elif name == "readmissions_by_diagnosis":
                by = {}
                for dx, window, index, readmitted in rows:
                    by.setdefault(dx, [0, 0, 0, 0])
                    by[dx][0 if window == 30 else 2] = int(index)
                    by[dx][1 if window == 30 else 3] = int(readmitted)
                out[name] = {k: tuple(v) for k, v in by.items()}
            else:
                out[name] = float(rows[0][0]) if name != "visits" else int(rows[0][0])
    return out, timings


def compare(a: dict, b: dict) -> list[str]:
    problems = []
    for k in a:
        x, y = a[k], b.get(k)
        if isinstance(x, float):
            if y is None or not math.isclose(x, y, rel_tol=1e-9):
                problems.append(f"{k}: {x} != {y}")
        elif k == "readmissions_by_diagnosis":
            if {d: tuple(v) for d, v in x.items()} != {d: tuple(v) for d, v in (y or {}).items()}:
                problems.append(f"{k} differs")
        elif x != y:
            problems.append(f"{k}: {x} != {y}")
    return problems


PANDAS_MEMORY_GB = 16


def _limit_memory() -> None:
    import resource
    limit = PANDAS_MEMORY_GB * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def figures_from_pandas(folder: Path) -> tuple[dict | None, float]:
    """The pandas figures, computed in a child process whose address space is capped at PANDAS_MEMORY_GB
    (a notebook on this machine): (None, seconds) when it runs out of memory, instead of the kernel killing
    the whole benchmark (10M encounters as data frames need more than the machine's 24 GB)."""
    code = ("import json, sys; from benchmark import pandas_kpis; "
            "out = pandas_kpis.headline(__import__('pathlib').Path(sys.argv[1])); "
            "out['readmissions_by_diagnosis'] = {k: list(v) for k, v in out['readmissions_by_diagnosis'].items()}; "
            "print(json.dumps(out))")
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True,
                          text=True, preexec_fn=_limit_memory)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        # under the cap, running out of memory shows as MemoryError, numpy's "Unable to allocate" or an
        # Arrow allocation failure ("Wrapping ... failed"); any failure is reported, not fatal
        last = (proc.stderr.strip().splitlines() or ["killed"])[-1]
        log.warning("pandas failed after %.0f s under the %s GB cap: %s", seconds, PANDAS_MEMORY_GB, last)
        return None, seconds
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["readmissions_by_diagnosis"] = {k: tuple(v) for k, v in out["readmissions_by_diagnosis"].items()}
    return out, seconds
