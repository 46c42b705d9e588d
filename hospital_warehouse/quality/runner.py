"""Run the quality suites with great-expectations and report.

Results go to:
- reports/data_docs/index.html: great-expectations' Data Docs, rewritten to work offline (see offline.py);
- reports/quality/<stage>.json: one finding per check, for scripts and tests;
- the log: one line per failed check, naming the file, the check and an example bad value.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from .checks import Suite

log = logging.getLogger("quality")


@dataclass
class Finding:
    stage: str
    suite: str
    check: str
    file: str
    severity: str
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    example: str | None
    example_rows: list[int]
    unexpected_rows: list[int]
    catches: list[str]
    validated: str | None = None  # what great-expectations' page of the file covers, when not every row

    @property
    def is_error(self) -> bool:
        return not self.success and self.severity == "critical"

    def share(self) -> str:
        """The bad rows as a share of every row of the file (great-expectations' own percentage counts the
        non-blank values only)."""
        return f"{100 * self.unexpected_count / self.element_count:.2f}%"

    def message(self) -> str:
        where = f"{self.file}: check {self.suite}.{self.check}"
        rows = f" (row {', '.join(map(str, self.example_rows[:3]))})" if self.example_rows else ""
        if self.success and self.unexpected_count:
            return (f"NOTE {where}: {self.unexpected_count} of {self.element_count} rows "
                    f"({self.share()}) within tolerance, e.g. {self.example}{rows}")
        if self.success:
            return f"ok   {where}"
        level = {"critical": "ERROR", "warning": "WARN", "info": "INFO"}[self.severity]
        if self.unexpected_count is not None and self.element_count:
            amount = f"{self.unexpected_count} of {self.element_count} rows ({self.share()}) fail"
        else:
            amount = "failed"
        return f"{level} {where}: {amount}, e.g. {self.example}{rows}"


def _context(project_dir: Path, docs_dir: Path):
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    project_dir.mkdir(parents=True, exist_ok=True)
    ctx = gx.get_context(mode="file", project_root_dir=str(project_dir))
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    site = {"class_name": "SiteBuilder", "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir.resolve())}}
    if "quality" not in (ctx.get_config().data_docs_sites or {}):
        ctx.add_data_docs_site(site_name="quality", site_config=site)
    return ctx


def _example(df: pd.DataFrame, check, result: dict, index: list) -> str | None:
    if check.show and index:
        row = df.loc[index[0], list(check.show)]
        return ", ".join(f"{c}={row[c]!r}" for c in check.show)
    values = result.get("partial_unexpected_list")
    if values:
        value = values[0]
        if isinstance(value, dict):
            return json.dumps(value)
        return "blank" if value is None or (isinstance(value, float) and value != value) else repr(value)
    observed = result.get("observed_value")
    details = result.get("details") or {}
    missing = (details.get("mismatched") or {}).get("missing") if isinstance(details, dict) else None
    if missing:
        return f"missing columns {missing}"
    return None if observed is None else f"observed {observed!r}"


class QualityRun:
    """One great-expectations project and one Data Docs site for a run of any number of stages."""

    def __init__(self, reports: Path, result_format: str = "SUMMARY", append: bool = False, data_docs: bool = True):
        """append: keep the earlier stages' results (the door before `dbt build`, the marts after). data_docs
        False: findings only (the verdicts, over every row), without great-expectations or its Data Docs."""
        self.reports = reports
        self.data_docs = data_docs
        self.result_format = result_format
        self.docs = reports / "data_docs"
        if not append:
            for old in (self.docs, reports / "gx", reports / "quality"):
                if old.exists():
                    shutil.rmtree(old)
        self._ctx = None

    @property
    def ctx(self):
        """The great-expectations project, made on first use: importing great-expectations takes seconds,
        which the door spends on its row checks (run_quality.py warms it up in its worker thread)."""
        if self._ctx is None:
            self._ctx = _context(self.reports / "gx", self.docs)
        return self._ctx

    def run(self, stage: str, suites: list[Suite], data: list[tuple[str, str, pd.DataFrame]],
            notes: dict[str, str] | None = None, write: bool = True) -> list[Finding]:
        """Validate each (suite table, file label, data frame) of data with its table's suite (a table of
        several files, as monthly EMR extracts, once per file). notes: per file label, what the data frame
        holds (shown with each expectation in the Data Docs). write: record the findings as the stage's
        (the door records those of rowchecks.py instead, computed over every row)."""
        findings: list[Finding] = []
        if not self.data_docs:
            if write:
                self.record(stage, findings)
            return findings
        import great_expectations as gx

        by_table = {s.table: s for s in suites}
        seen: dict[str, int] = {}
        for table, label, df in data:
            if table not in by_table:
                continue
            suite = by_table[table]
            seen[table] = seen.get(table, 0) + 1
            if seen[table] > 1:
                suite = Suite(f"{suite.name}_{seen[table]}", suite.source, suite.table, suite.checks)
            df = df.reset_index(drop=True)
            gx_suite = self.ctx.suites.add_or_update(gx.ExpectationSuite(name=suite.name))
            for check in suite.checks:
                if not set(check.columns) <= set(df.columns):
                    continue  # an optional column this file does not carry
                expectation = check.expectation.to_gx()
                expectation.meta = {"check": check.name, "catches": list(check.catches), "file": label}
                if notes and label in notes:
                    expectation.meta["validated_rows"] = notes[label]
                expectation.description = check.description or None
                gx_suite.add_expectation(expectation)
            asset = self.ctx.data_sources.add_or_update_pandas(suite.name).add_dataframe_asset(suite.table)
            batch = asset.add_batch_definition_whole_dataframe("whole_file")
            vd = self.ctx.validation_definitions.add_or_update(gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite))
            checkpoint = self.ctx.checkpoints.add_or_update(gx.Checkpoint(
                name=f"{stage}__{suite.name}", validation_definitions=[vd],
                result_format={"result_format": self.result_format}))
            result = checkpoint.run(batch_parameters={"dataframe": df})
            for validation in result.run_results.values():
                for r in validation.results:
                    findings.append(self._finding(stage, suite, label, df, r))
        if write:
            self.record(stage, findings)
        return findings

    def record(self, stage: str, findings: list[Finding]) -> None:
        """The stage's findings, for scripts, tests and the Data Docs index."""
        out = self.reports / "quality"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{stage}.json").write_text(json.dumps([{**asdict(f), "unexpected_rows": f.unexpected_rows[:1000]}
                                                       for f in findings], indent=1, default=str) + "\n")

    @staticmethod
    def _finding(stage: str, suite: Suite, label: str, df: pd.DataFrame, r) -> Finding:
        cfg = r.expectation_config
        check = next(c for c in suite.checks if c.name == cfg.meta["check"])
        res = r.result or {}
        index = res.get("unexpected_index_list") or res.get("partial_unexpected_index_list") or []
        index = [int(i) if not isinstance(i, dict) else int(next(iter(i.values()))) for i in index]
        return Finding(
            stage=stage, suite=suite.name, check=check.name, file=label, severity=cfg.severity.value,
            success=bool(r.success), element_count=res.get("element_count"),
            unexpected_count=res.get("unexpected_count"), unexpected_percent=res.get("unexpected_percent"),
            example=_example(df, check, res, index) if (not r.success or index) else None,
            example_rows=[i + 1 for i in index[:20]], unexpected_rows=[i + 1 for i in index],
            catches=list(check.catches))

    def finish(self) -> None:
        if self.data_docs:
            self.ctx.build_data_docs(site_names=["quality"])

    def all_findings(self) -> list[Finding]:
        """The findings of every stage recorded under reports/quality (this run and, with append, earlier)."""
        out = []
        for path in sorted((self.reports / "quality").glob("*.json")):
            out += [Finding(**d) for d in json.loads(path.read_text())]
        return out
