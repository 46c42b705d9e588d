"""The small-cell rule (var suppress_small_cells): the sample builds with it on, every dbt test included,
and no published mart holds a count between 1 and the threshold in any count column. The scorecard's
prev_* columns are the calendar month before, null when that month has no row."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow

THRESHOLD = 10
# integer columns of the marts that count no one: years, window lengths, days of a month, licensed beds, a
# patient's LACE score, a point's position on its SPC chart
NOT_COUNTS = {"start_year", "visit_year", "discharge_year", "window_days", "days", "licensed_beds", "last_lace_score",
              "point_number", "risk_decile"}
# mart_data_quality counts rows of raw files, not patients or visits: it is a report for the data team
NOT_PEOPLE = {"mart_data_quality"}


@pytest.fixture(scope="module")
def suppressed(suppressed_sample):
    return suppressed_sample


def count_columns(query) -> list[tuple[str, str]]:
    """The marts' columns that count people or visits; query(sql) returns rows (DbtResult.query, or a
    connection's sql(...).fetchall())."""
    rows = query(
        "select table_name, column_name from duckdb_columns() where schema_name = 'marts' "
        "and table_name like 'mart_%' and data_type in ('BIGINT', 'INTEGER', 'HUGEINT', 'SMALLINT') "
        "order by 1, 2")
    return [(t, c) for t, c in rows if c not in NOT_COUNTS and t not in NOT_PEOPLE]


def test_no_mart_publishes_a_small_count_with_the_rule_on(suppressed):
    columns = count_columns(suppressed.query)
    assert len(columns) >= 40 and ("mart_executive_scorecard", "in_hospital_deaths") in columns
    small = {}
    for table, column in columns:
        n = suppressed.query(f'select count(*) from marts."{table}" where "{column}" between 1 and {THRESHOLD}')[0][0]
        if n:
            small[f"{table}.{column}"] = n
    assert small == {}
    # and the rule did remove cells: the scorecard has months flagged and their deaths null
    flagged = suppressed.query("select count(*) from marts.mart_executive_scorecard where suppressed "
                               "and in_hospital_deaths is null")[0][0]
    assert flagged > 0


def test_the_same_marts_hold_small_counts_with_the_rule_off(sample_warehouse):
    """The other side of the test above: without the rule the same columns do hold counts of 1..10."""
    n = sample_warehouse.query(f"select count(*) from marts.mart_executive_scorecard "
                               f"where in_hospital_deaths between 1 and {THRESHOLD}")[0][0]
    assert n > 0


def test_prev_columns_are_the_calendar_month_before(sample_warehouse):
    rows = sample_warehouse.records("""
        select this.source_system, this.month_start, this.prev_month_start, this.prev_visits,
               last.visits as last_visits, last.month_start is not null as last_exists
        from marts.mart_executive_scorecard as this
        left join marts.mart_executive_scorecard as last
            on last.source_system = this.source_system and last.month_start = this.prev_month_start""")
    assert rows
    for r in rows:
        assert (r["month_start"].year * 12 + r["month_start"].month) - (
            r["prev_month_start"].year * 12 + r["prev_month_start"].month) == 1, r
        assert r["prev_visits"] == (r["last_visits"] if r["last_exists"] else None), r
    gaps = [r for r in rows if not r["last_exists"]]
    assert gaps and all(r["prev_visits"] is None for r in gaps)
