"""The published interface: every table of docs/published_tables.yml exists with its columns, carries
source_system first, uses only BI-friendly types, and no mart column can leak a direct identifier."""
from __future__ import annotations

import re

import pytest
import yaml

from conftest import REPO
from hospital_warehouse import check_mart_yml

PUBLISHED = yaml.safe_load((REPO / "docs" / "published_tables.yml").read_text())
ALLOWED_TYPES = {"DATE", "TIMESTAMP", "BIGINT", "DOUBLE", "DECIMAL(18,2)", "VARCHAR", "BOOLEAN"}
# Direct identifiers: no column of any mart may be named like these (checked on every build).
DENY = re.compile(r"(^|_)(first_name|last_name|maiden|name_prefix|name_suffix|prefix|suffix|address|ssn|drivers|"
                  r"passport|phone|email|birthplace|latitude|longitude|lat|lon|zip|zip_code|street|income)($|_)")


@pytest.fixture(scope="module")
def columns(sample_warehouse) -> dict[str, list[tuple[str, str]]]:
    return check_mart_yml.warehouse_columns(sample_warehouse.db_path)


def test_every_published_table_exists_with_its_columns(columns):
    assert len(PUBLISHED) == 34
    for table, required in PUBLISHED.items():
        assert table in columns, f"published table {table} is not built"
        names = [c for c, _ in columns[table]]
        assert names[0] == "source_system", f"{table}: source_system must be the first column"
        missing = [c for c in required if c not in names]
        assert not missing, f"{table} lacks {missing}"


def test_marts_use_only_bi_friendly_types(columns):
    for table, cols in columns.items():
        for name, dtype in cols:
            assert dtype in ALLOWED_TYPES, f"{table}.{name} is {dtype}"


def test_no_mart_column_is_a_direct_identifier(columns):
    leaks = [f"{t}.{c}" for t, cols in columns.items() for c, _ in cols if DENY.search(c)]
    assert leaks == []
    # the deny-list itself catches what it must
    for bad in ["first_name", "address", "zip_code", "ssn", "patient_phone", "latitude", "passport"]:
        assert DENY.search(bad), bad
    for fine in ["patient_id", "payer_name", "department", "race", "birth_date"]:
        assert not DENY.search(fine), fine


def test_built_tables_are_all_published(columns):
    """A new mart must be added to the published list (and so to the interface docs)."""
    extra = set(columns) - set(PUBLISHED) - {"mart_procedure_coverage_by_procedure"}
    assert extra == set()


def test_column_comments_are_visible_to_sql_clients(sample_warehouse):
    missing = sample_warehouse.query(
        "select table_name, column_name from duckdb_columns() where schema_name = 'marts' and comment is null")
    assert missing == []


def test_small_cell_rule(sample_warehouse, suppressed_sample):
    """With suppress_small_cells, a count between 1 and 10 is null, so is every rate built on it, and the
    row is flagged; counts above 10 and zeros are kept."""
    suppressed = suppressed_sample
    key = "source_system, month_start"
    plain = {r[:2]: r[2:] for r in sample_warehouse.query(
        f"select {key}, admissions, index_stays_30d, readmissions_30d, readmission_rate_30d, suppressed "
        "from marts.mart_admissions_monthly")}
    masked = {r[:2]: r[2:] for r in suppressed.query(
        f"select {key}, admissions, index_stays_30d, readmissions_30d, readmission_rate_30d, suppressed "
        "from marts.mart_admissions_monthly")}
    assert plain.keys() == masked.keys()
    small = lambda n: n is not None and 1 <= n <= 10  # noqa: E731
    seen = {"small": 0, "kept": 0, "zero": 0}
    for k, (adm, idx, readm, rate, flag) in plain.items():
        m_adm, m_idx, m_readm, m_rate, m_flag = masked[k]
        assert flag is False
        assert m_adm == (None if small(adm) else adm)
        assert m_idx == (None if small(idx) else idx)
        assert m_readm == (None if small(readm) else readm)
        assert m_rate == (None if small(idx) or small(readm) else rate)
        if any(small(n) for n in (adm, idx, readm)):
            assert m_flag is True
        seen["small" if small(adm) else ("zero" if adm == 0 else "kept")] += 1
    assert seen["small"] > 10 and seen["kept"] > 10
    # demographics: small cells nulled, shares of the rest kept
    rows = suppressed.query("select patients, patient_share, deceased_patients, suppressed "
                            "from marts.mart_patient_demographics")
    assert any(p is None for p, _, _, _ in rows) and any(p is not None for p, _, _, _ in rows)
    for patients, share, deceased, flag in rows:
        if patients is None:  # a small cell: its share is nulled too and the row is flagged
            assert share is None and flag
        else:
            assert patients > 10 and share is not None
            assert flag == (deceased is None)  # otherwise flagged only for a small deceased count


def test_the_marts_yml_describes_the_built_marts(sample_warehouse):
    """hospital_warehouse/check_mart_yml.py: the yml, the one source of the marts' descriptions, names every built
    mart and column in order with its type and a description, and every published column."""
    found = check_mart_yml.problems(check_mart_yml.yml_models(), check_mart_yml.warehouse_columns(
        sample_warehouse.db_path), PUBLISHED)
    assert found == []


def test_the_marts_yml_check_names_each_kind_of_disagreement():
    models = {"mart_a": {"description": "Grain: source.", "columns": [
        ("source_system", "varchar", "Source."), ("visits", "bigint", ""), ("rate", "double precision", "Rate.")]}}
    built = {"mart_a": [("source_system", "VARCHAR"), ("visits", "BIGINT"), ("rate", "DOUBLE")],
             "mart_b": [("source_system", "VARCHAR")]}
    assert check_mart_yml.problems(models, built, {"mart_a": ["visits", "share"]}) == [
        "marts.mart_b: built, but no model of that name in models/marts/*/_*.yml",
        "mart_a.visits: no description",
        "docs/published_tables.yml: mart_a.share is not a column of its yml",
    ]
    built["mart_a"][2] = ("rate", "DECIMAL(18,2)")
    assert check_mart_yml.problems(models, {"mart_a": built["mart_a"]}, {})[-1] == (
        "mart_a.rate: data_type 'double precision' in the yml, DECIMAL(18,2) in the warehouse")
    built["mart_a"] = built["mart_a"][::-1]
    assert "(names, in order)" in check_mart_yml.problems(models, {"mart_a": built["mart_a"]}, {})[-1]
