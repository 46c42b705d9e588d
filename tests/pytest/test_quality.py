"""great-expectations checks: every planted defect kind is caught by a named check, a clean export has
no error, a file corrupted with one defect kind fails naming the file, the check and a bad value, and
the Data Docs open offline in headless Chromium showing the suites."""
from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import numpy as np
import pyarrow.csv as pacsv
import pytest

from conftest import REPO
from hospital_warehouse.generator import GeneratorConfig, generate
from hospital_warehouse.generator.defects import inject
from hospital_warehouse.generator.emr import emr_columns
from hospital_warehouse.generator.synthea import SYNTHEA_COLUMNS
from hospital_warehouse.generator.writers import RawFileWriter
from hospital_warehouse.quality import run as run_quality
from hospital_warehouse.quality.offline import remote_references


def run(args: list[str], caplog) -> tuple[int, str]:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="quality"):
        code = run_quality.main(args)
    return code, "\n".join(r.getMessage() for r in caplog.records)


@pytest.fixture(scope="module")
def sample_findings(tmp_path_factory) -> list[dict]:
    reports = tmp_path_factory.mktemp("quality_sample")
    assert run_quality.main(["--stage", "raw", "--reports", str(reports), "--result-format", "COMPLETE",
                             "--quiet", "--no-data-docs"]) == 0, "the shipped sample's dirt stays within the door's tolerance"
    return json.loads((reports / "quality" / "raw.json").read_text())


def test_every_planted_defect_is_caught_by_a_named_check(sample_findings, sample_manifest):
    kinds_caught = {}
    for d in sample_manifest["defects"]:
        checks = [f for f in sample_findings if Path(f["file"]).name == d["file"] and d["kind"] in f["catches"]]
        assert checks, f"no check catches {d['kind']} in {d['file']}"
        rows = {d["row"], d.get("source_row")} - {None}
        assert any(rows & set(f["unexpected_rows"]) for f in checks), (d, [f["check"] for f in checks])
        kinds_caught.setdefault((d["file"], d["kind"]), {f["check"] for f in checks})
    assert len(kinds_caught) == 42  # every (file, kind) the generator plants
    assert kinds_caught[("encounters.csv", "orphan_patient")] == {"patient_known"}
    assert kinds_caught[("visits.csv", "conflicting_duplicate")] == {"visit_key_unique"}


EVERY_ROW = "100000"  # more than any file of the sample holds: great-expectations sees every row


@pytest.fixture
def gx_findings(monkeypatch) -> list:
    """What great-expectations itself finds in a run (the findings the run records are the SQL's)."""
    seen = []
    real_run = run_quality.QualityRun.run

    def spy(self, *args, **kwargs):
        out = real_run(self, *args, **kwargs)
        seen.extend(out)
        return out

    monkeypatch.setattr(run_quality.QualityRun, "run", spy)
    return seen


def test_the_door_counts_what_great_expectations_counts(tmp_path, gx_findings):
    """The door's SQL (rowchecks.py) and great-expectations, both over every row of the sample, agree on
    every check: verdict, counts, example value and rows."""
    assert run_quality.main(["--stage", "raw", "--reports", str(tmp_path), "--quiet", "--gx-rows", EVERY_ROW]) == 0
    door = json.loads((tmp_path / "quality" / "raw.json").read_text())
    gx = {(f.suite, f.check): f for f in gx_findings}
    assert len(door) == len(gx) == 62
    assert sum(bool(f["unexpected_count"]) for f in door) >= 35, "the sample's dirt is found"
    for f in door:
        g = gx[(f["suite"], f["check"])]
        assert (f["success"], f["element_count"], f["unexpected_count"], f["example"], f["example_rows"]) == (
            g.success, g.element_count, g.unexpected_count, g.example, g.example_rows), f


def test_the_mart_checks_count_what_great_expectations_counts(sample_warehouse, tmp_path, gx_findings):
    assert run_quality.main(["--stage", "marts", "--db", str(sample_warehouse.db_path), "--reports", str(tmp_path),
                             "--quiet", "--gx-rows", EVERY_ROW]) == 0
    marts = json.loads((tmp_path / "quality" / "marts.json").read_text())
    gx = {(f.suite, f.check): f for f in gx_findings}
    assert len(marts) == len(gx) == 25
    for f in marts:
        g = gx[(f["suite"], f["check"])]
        assert (f["success"], f["element_count"], f["unexpected_count"]) == (
            g.success, g.element_count, g.unexpected_count), f


def test_great_expectations_sees_a_bounded_part_and_the_door_every_row(tmp_path):
    """--gx-rows bounds what great-expectations loads; the door's findings still cover every row."""
    assert run_quality.main(["--stage", "raw", "--reports", str(tmp_path), "--quiet", "--gx-rows", "100"]) == 0
    door = {(f["suite"], f["check"]): f for f in json.loads((tmp_path / "quality" / "raw.json").read_text())}
    ids = door[("raw_synthea__encounters", "id_unique")]
    assert (ids["element_count"], ids["unexpected_count"]) == (30292, 164)
    assert ids["validated"] == "the first 100 of 30,292 rows"
    assert "the first 100 of 30,292 rows" in (tmp_path / "data_docs" / "index.html").read_text()


@pytest.fixture(scope="module")
def clean_export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean_export")
    generate(GeneratorConfig(seed=21, patients=150, emr_rows=400, dirt_rate=0.0), out, progress=False)
    return out


def test_a_clean_export_has_no_error(clean_export, tmp_path, caplog):
    code, log = run(["--stage", "raw", "--synthea-path", str(clean_export / "synthea"), "--emr-path",
                     str(clean_export / "emr" / "visits.csv"), "--reports", str(tmp_path), "--fail-on-warning",
                     "--no-data-docs"], caplog)
    assert code == 0, log
    findings = json.loads((tmp_path / "quality" / "raw.json").read_text())
    assert len(findings) == 62 and all(f["success"] for f in findings)
    bad = {f["check"] for f in findings if f["unexpected_count"]}
    assert bad <= {"no_overlap_with_previous"}, bad  # overlapping encounters are real: information only


def test_the_shipped_sample_passes_the_door_without_a_warning(tmp_path, caplog, monkeypatch):
    """The quality gate of `make quality` on the shipped sample's raw files: its dirt stays within every
    check's tolerance (the marts: the next test)."""
    for name in ("HOSPITAL_SYNTHEA_RAW_PATH", "HOSPITAL_EMR_RAW_PATH", "HOSPITAL_RAW_ENCODING"):
        monkeypatch.delenv(name, raising=False)
    code, log = run(["--stage", "raw", "--reports", str(tmp_path), "--fail-on-warning"], caplog)
    assert code == 0, log
    assert "62 checks, 0 failed (0 errors)" in log
    # the same verdicts without great-expectations: the Data Docs are an addition, never the judge
    code, lean = run(["--stage", "raw", "--reports", str(tmp_path / "lean"), "--fail-on-warning", "--no-data-docs"],
                     caplog)
    assert code == 0 and "62 checks, 0 failed (0 errors), 0 Data Docs pages" in lean, lean
    assert not (tmp_path / "lean" / "gx").exists() and not (tmp_path / "lean" / "data_docs").exists()


def test_the_marts_of_the_sample_have_no_error(sample_warehouse, tmp_path, caplog):
    code, log = run(["--stage", "marts", "--db", str(sample_warehouse.db_path), "--reports", str(tmp_path),
                     "--fail-on-warning"], caplog)
    assert code == 0, log
    assert "25 checks, 0 failed (0 errors)" in log


CORRUPTIONS = [  # (source, file, kind): one defect kind at a time, at 10% of the rows
    ("synthea", "encounters", "blank_start"), ("synthea", "encounters", "bad_timestamp"),
    ("synthea", "encounters", "stop_before_start"), ("synthea", "encounters", "negative_cost"),
    ("synthea", "encounters", "missing_cost"), ("synthea", "encounters", "non_numeric_cost"),
    ("synthea", "encounters", "orphan_patient"), ("synthea", "encounters", "duplicate_row"),
    ("synthea", "patients", "bad_birthdate"), ("synthea", "patients", "gender_variant"),
    ("synthea", "procedures", "orphan_encounter"), ("synthea", "procedures", "negative_cost"),
    ("synthea", "conditions", "bad_date"), ("synthea", "observations", "non_numeric_value"),
    ("emr", "visits", "blank_patient_id"), ("emr", "visits", "bad_visit_date"),
    ("emr", "visits", "gender_misspelling"), ("emr", "visits", "float_age"),
    ("emr", "visits", "bad_blood_pressure"), ("emr", "visits", "satisfaction_out_of_range"),
]


@pytest.mark.parametrize("source,table,kind", CORRUPTIONS, ids=[f"{t}-{k}" for _, t, k in CORRUPTIONS])
def test_a_corrupted_file_fails_naming_file_check_and_value(clean_export, tmp_path, caplog, source, table, kind):
    export = shutil.copytree(clean_export, tmp_path / "export")
    path = export / source / f"{table}.csv"
    original = pacsv.read_csv(path, read_options=pacsv.ReadOptions(encoding="utf-8-sig"),
                              convert_options=pacsv.ConvertOptions(column_types={c: "string" for c in (
                                  SYNTHEA_COLUMNS.get(table) or emr_columns("extended"))}, strings_can_be_null=False))
    dirty, defects = inject(original, source, table, 0.10, np.random.default_rng(5), only=(kind,))
    assert len(defects) >= 0.09 * original.num_rows
    with RawFileWriter(path, original.column_names, "csv", bom=True, crlf=True) as w:
        w.write(dirty)
    code, log = run(["--stage", "raw", "--synthea-path", str(export / "synthea"), "--emr-path",
                     str(export / "emr" / "visits.csv"), "--reports", str(tmp_path / "reports"), "--fail-on-warning",
                     "--quiet", "--no-data-docs"], caplog)  # the verdicts: every row, without the Data Docs
    assert code == 1, log
    errors = [line for line in log.splitlines() if line.startswith("WARN ")]
    assert errors, log
    line = next((e for e in errors if f"{table}.csv: check raw_" in e), None)
    assert line is not None, errors
    # the example is one of the injected values (or `blank`), and the row quoted is a corrupted row
    tokens = {d.value for d in defects if d.value} | {(d.key or "").split("|")[0] for d in defects if d.key}
    if any(d.value == "" for d in defects):
        tokens.add("e.g. blank")
    assert "e.g. " in line and any(t and t in line for t in tokens), (line, list(tokens)[:5])
    first_row = int(re.search(r"\(row (\d+)", line).group(1))
    assert first_row in {d.row for d in defects} | {d.source_row for d in defects}, (line, first_row)


def test_data_docs_open_offline_in_headless_chromium(sample_warehouse, tmp_path, caplog, chromium):
    reports = tmp_path / "reports"
    assert run(["--stage", "raw", "--reports", str(reports), "--quiet"], caplog)[0] == 0
    assert run(["--stage", "marts", "--append", "--db", str(sample_warehouse.db_path), "--reports", str(reports),
                "--quiet"], caplog)[0] == 0
    docs = reports / "data_docs"
    assert remote_references(docs) == [], "every page must load without the network"
    assert [p.name for p in docs.rglob("*.html") if "newsletter" in p.read_text().lower()] == []
    index = docs / "index.html"
    shot = REPO / "reports" / "screenshots" / "data_docs_index.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    dom = chromium(index.as_uri(), "--dump-dom", user_dir=tmp_path / "chromium")
    for suite in ["raw_synthea__encounters", "raw_emr__visits", "marts__fct_encounters", "marts__mart_data_quality"]:
        assert suite in dom.stdout, suite
    chromium(index.as_uri(), "--window-size=1400,900", f"--screenshot={shot}", user_dir=tmp_path / "chromium")
    assert shot.exists() and shot.stat().st_size > 10_000
    page = next((docs / "validations" / "raw_synthea__encounters").rglob("*.html"))
    dom = chromium(page.as_uri(), "--dump-dom", user_dir=tmp_path / "chromium")
    assert "Expectation Validation Result" in dom.stdout and "TOTAL_CLAIM_COST" in dom.stdout
