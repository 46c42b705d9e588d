"""The semantic layer's metrics, queried from a published warehouse (hospital metrics).

The metrics are defined once, in models/marts/semantic/ (MetricFlow's semantic models and metrics); dbt writes
them to target/semantic_manifest.json and hospital_warehouse/publish.py publishes that file beside the read-only copy
(warehouse/semantic_manifest.json). MetricFlow turns a request into SQL; DuckDB runs it on the published copy,
attached read-only, so a query never waits for or blocks a build.

Dimensions go by short names (`department`, `month`, ...), the same for every metric: DIMENSIONS maps each to
MetricFlow's name, reached through the visit (a stay's dimensions are its admitting visit's).
"""
from __future__ import annotations

import json
import numbers
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hospital_warehouse import readonly

# short name -> (MetricFlow group-by name, kind, description); kind says how a --where filter names it
DIMENSIONS: dict[str, tuple[str, str, str]] = {
    "day": ("metric_time__day", "time", "the day (a visit's start, a stay's discharge, a procedure's start)"),
    "week": ("metric_time__week", "time", "the week (Monday)"),
    "month": ("metric_time__month", "time", "the month"),
    "quarter": ("metric_time__quarter", "time", "the quarter"),
    "year": ("metric_time__year", "time", "the year"),
    "source_system": ("encounter__source_system", "dimension", "synthea, emr or fhir"),
    "department": ("encounter__department", "entity", "the visit's department (a stay's admitting visit's)"),
    "department_category": ("department__department_category", "dimension", "the department's category"),
    "encounter_class": ("encounter__encounter_class", "dimension", "the visit's class (a stay's: inpatient)"),
    "payer_category": ("encounter__payer_category", "dimension", "Medicare, Medicaid, Dual Eligible, Private, "
                                                                  "Uninsured, Other or unknown"),
    "payer_name": ("payer__payer_name", "dimension", "the payer"),
    "age_group": ("encounter__age_group", "dimension", "age group at the visit (a stay's: at admission)"),
    "gender": ("encounter__gender", "dimension", "the patient's gender as on the visit"),
    "race": ("patient__race", "dimension", "the patient's race"),
    "diagnosis": ("encounter__diagnosis_code", "dimension", "the visit's primary ICD-10-CM code (unmapped, none)"),
    "diagnosis_description": ("diagnosis__diagnosis_description", "dimension", "the diagnosis' description"),
    "condition_group": ("encounter__condition_group", "dimension", "the chronic condition group of the diagnosis"),
    "ccsr_category": ("diagnosis__ccsr_category", "dimension", "the diagnosis' AHRQ CCSR category (e.g. CIR007)"),
    "lace_band": ("stay__lace_band", "dimension", "a stay's LACE readmission-risk band (stays' metrics only)"),
}
SOURCES = ("synthea", "emr", "fhir")


class MetricsError(Exception):
    """A request the semantic layer cannot answer, with the one sentence a user sees."""


@dataclass
class Answer:
    columns: list[str]
    rows: list[tuple]
    sql: str
    note: str | None = None


def default_manifest(db: Path) -> Path:
    return db.parent / "semantic_manifest.json"


def _engine(manifest_text: str):
    # MetricFlow is imported here, not at the top: `query.py` without `metrics` starts without it
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow.protocols.sql_client import SqlEngine
    from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
    from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    class RenderOnly:
        """MetricFlow's SQL client, for rendering DuckDB SQL only: DuckDB runs the SQL here, read-only."""
        sql_engine_type = SqlEngine.DUCKDB
        sql_plan_renderer = DuckDbSqlPlanRenderer()

        def render_bind_parameter_key(self, key: str) -> str:
            return f"${key}"

        def close(self) -> None:
            pass

    parsed = parse_manifest_from_dbt_generated_manifest(manifest_text)
    return MetricFlowEngine(SemanticManifestLookup(parsed), RenderOnly())


def read_manifest(manifest: Path) -> str:
    if not manifest.exists():
        raise MetricsError(f"no semantic manifest at {manifest}: `make build` publishes it beside the warehouse "
                           "(or give --manifest target/semantic_manifest.json)")
    return manifest.read_text(encoding="utf-8")


def metric_list(manifest: Path) -> list[tuple[str, str]]:
    return sorted((m["name"], m.get("description") or "") for m in json.loads(read_manifest(manifest))["metrics"])


def _database(doc: dict) -> str:
    """The catalog name the manifest's tables are written under (the build file's name, e.g. `hospital`)."""
    names = {m["node_relation"]["database"] for m in doc["semantic_models"]}
    if len(names) != 1:
        raise MetricsError(f"the semantic manifest names {len(names)} databases ({', '.join(sorted(names))}), not one")
    return names.pop()


def _filter(text: str) -> str:
    """A --where condition in short dimension names, as MetricFlow's filter template: `department = 'ER'`
    -> `{{ Entity('encounter__department') }} = 'ER'`. Quoted text is left alone; a condition already
    written in MetricFlow's template syntax is passed on as it is."""
    if "{{" in text:
        return text
    parts = re.split(r"('(?:[^']|'')*')", text)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"\b[a-z_]+\b", _template, parts[i])
    return "".join(parts)


def _template(match: re.Match) -> str:
    word = match.group(0)
    if word not in DIMENSIONS:
        return word
    name, kind, _ = DIMENSIONS[word]
    if kind == "time":
        return f"{{{{ TimeDimension('metric_time', '{name.rsplit('__', 1)[1]}') }}}}"
    return f"{{{{ {'Entity' if kind == 'entity' else 'Dimension'}('{name}') }}}}"


def query(db: Path, metrics: list[str], by: list[str] | None = None, where: list[str] | None = None,
          source: str | None = None, manifest: Path | None = None) -> Answer:
    """The metrics, by the dimensions, from the warehouse file db (opened read-only)."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    text = read_manifest(manifest or default_manifest(db))
    doc = json.loads(text)
    known = {m["name"] for m in doc["metrics"]}
    unknown = [m for m in metrics if m not in known]
    if unknown:
        raise MetricsError(f"unknown metric {', '.join(unknown)} (hospital metrics --list shows them)")
    by = by or []
    bad = [d for d in by if d not in DIMENSIONS]
    if bad:
        raise MetricsError(f"unknown dimension {', '.join(bad)}; known: {', '.join(DIMENSIONS)}")
    if source is not None and source not in SOURCES:
        raise MetricsError(f"unknown source {source}: synthea, emr or fhir")
    filters = [_filter(w) for w in where or []]
    if source:
        filters.append(f"{{{{ Dimension('encounter__source_system') }}}} = '{source}'")
    request = MetricFlowQueryRequest.create(metric_names=metrics, group_by_names=[DIMENSIONS[d][0] for d in by],
                                            where_constraints=filters or None)
    try:
        sql = _engine(text).explain(request).sql_statement.sql
    except Exception as exc:  # MetricFlow's resolution errors: its own words, not a traceback
        raise MetricsError(f"MetricFlow cannot answer {', '.join(metrics)} by {', '.join(by) or 'nothing'}: "
                           + _first_lines(str(exc), 12)) from None
    if not db.exists():
        raise MetricsError(f"no warehouse at {db}: run `make build`")
    try:
        con = readonly.attach(db, _database(doc))
    except duckdb.Error as exc:
        raise MetricsError(f"{db}: {_first_lines(str(exc))}") from None
    try:
        catalog = _database(doc)
        readonly.one_query(sql)
        # MetricFlow names its columns by the join paths it took and the metrics; the answer has the short
        # names, dimensions first, and the time buckets as dates (DuckDB's date_trunc of a date is a timestamp)
        out = con.sql(f"select * from ({sql}) limit 0").columns
        cols = [(f'cast("{_column(out, d)}" as date)' if DIMENSIONS[d][1] == "time" else f'"{_column(out, d)}"', d)
                for d in by] + [(f'"{m}"', m) for m in metrics]
        select = ", ".join(f'{expr} as "{name}"' for expr, name in cols)
        order = f" order by {', '.join(str(i + 1) for i in range(len(by)))}" if by else ""
        rows = con.sql(f"select {select} from ({sql}){order}").fetchall()
        sources = con.sql(f'select count(distinct source_system) from "{catalog}".marts.fct_encounters').fetchone()[0]
    except readonly.Refused as exc:
        raise MetricsError(f"refused: {exc}") from None
    except duckdb.Error as exc:
        raise MetricsError(f"{db}: {_first_lines(str(exc))}") from None
    finally:
        con.close()
    note = None
    if not source and "source_system" not in by and sources > 1:
        note = ("both sources counted together (the EMR extract cannot supply every metric: docs/definitions.md); "
                "--source or --by source_system keeps them apart")
    return Answer([*by, *metrics], rows, sql, note)


def _column(columns: list[str], short: str) -> str:
    """MetricFlow's output column of a dimension: its name, or its name behind a longer join path
    (`diagnosis__diagnosis_description` reached from a procedure is `encounter__diagnosis__diagnosis_description`)."""
    name = DIMENSIONS[short][0]
    found = [c for c in columns if c == name] or [c for c in columns if c.endswith(f"__{name}")]
    if len(found) != 1:
        raise MetricsError(f"MetricFlow's answer has {len(found)} columns for {short} ({', '.join(columns)})")
    return found[0]


def _first_lines(text: str, n: int = 6) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " ".join(lines[:n])


def print_answer(answer: Answer, csv: bool, out=None) -> None:
    out = out or sys.stdout  # the stream of the moment, not the one of import time
    if answer.note:
        print(f"note: {answer.note}", file=sys.stderr)
    if csv:
        import csv as csvmod
        writer = csvmod.writer(out, lineterminator="\n")
        writer.writerow(answer.columns)
        writer.writerows(answer.rows)
        return
    widths = [max([len(c), *(len(_cell(r[i])) for r in answer.rows)]) for i, c in enumerate(answer.columns)]
    print("  ".join(c.ljust(w) for c, w in zip(answer.columns, widths)), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for r in answer.rows:
        print("  ".join(_cell(v).rjust(w) if isinstance(v, numbers.Number) else _cell(v).ljust(w)
                        for v, w in zip(r, widths)), file=out)
    print(f"({len(answer.rows)} row{'s' if len(answer.rows) != 1 else ''})", file=out)


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:,.2f}"
    return str(v)
