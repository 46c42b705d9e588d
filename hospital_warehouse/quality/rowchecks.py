"""The quality checks over every row of every raw file (the door) and headline mart, in DuckDB, in
bounded memory.

Each check of checks.raw_suites is a great-expectations expectation. Over a file of ten million rows,
great-expectations' pandas engine would need the whole file in memory (a 10M-encounter export did not fit
in 24 GB), so the door computes the same expectations here, as SQL, with one aggregate query per file:
DuckDB streams the file and spills to disk past MEMORY_LIMIT. great-expectations then validates a bounded
part of each file (runner.py, for its Data Docs), and the findings (the verdict, the counts, the example
values and rows) are these.

The SQL follows great-expectations' semantics, which tests/pytest/test_quality.py holds it to on the
sample, where great-expectations sees every row:
- a value is missing when it is null or blank (only whitespace); a column map expectation
  leaves missing values out (except ExpectColumnValuesToNotBeNull, which counts them), and succeeds when
  at most (1 - mostly) of the values it considers are unexpected;
- ExpectColumnValuesToBeUnique marks every copy of a repeated value; ExpectCompoundColumnsToBeUnique every
  row of a repeated combination (missing values equal), leaving out rows with every value missing;
- ExpectColumnValuesToMatchRegex searches (regexp_matches); ExpectColumnPairValuesAToBeGreaterThanB
  compares the texts, leaving out rows where either is missing.
The derived columns, computed over the whole file and across files, are what the cross-row and cross-file
checks look at:
- encounters: `_patient_known` (PATIENT is an Id of patients.csv), `_under_a_year` (STOP - START is not
  more than 365 whole days), `_no_overlap` (START is not before the STOP of the patient's previous
  encounter by START), `_usual_description` (DESCRIPTION is its CODE's most frequent one, the first seen
  on a tie, or blank);
- procedures, conditions, observations: `_encounter_known` (ENCOUNTER is an Id of encounters.csv; a blank
  ENCOUNTER of an observation is a patient-level observation and passes);
- observations: `_numeric_value_ok` (a numeric observation's VALUE is a number);
- EMR visits: `_discharge_ok` (Discharge Date, YYYY-MM-DD or DD-MM-YYYY, is not before Visit Date).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from hospital_warehouse import quoting, rawfiles

from .checks import Check, Suite
from .door import Inspected
from .runner import Finding

MEMORY_LIMIT = "4GB"


@dataclass
class Prepared:
    """A raw file as a DuckDB view: its columns as text (blank as null), source_row, derived columns."""
    source: str
    table: str
    path: Path
    view: str
    columns: list[str]  # the file's columns and the derived ones (the checks of absent columns are left out)
    rows_table: str  # the rows read from the file (the columns the checks need), which view derives from


def _raw_sql(got: Inspected, codec: str, keep: set[str]) -> str:
    """The columns of a raw file in `keep` as text with its 1-based data row, a blank value as null."""
    if rawfiles.kind(got.path) == "parquet":
        names = got.names
        reader = f"read_parquet({quoting.string(got.path)}, file_row_number = true)"
        row = "file_row_number + 1"
    else:
        names = rawfiles.safe_names(got.names)
        reader = rawfiles.read_csv_sql(got.readable, names, got.delimiter, rawfiles.duckdb_codec(codec))
        reader += " with ordinality"
        row = "ordinality"
    texts = got.texts or {}
    cols = "".join(f"{_blank_as_null(texts.get(n) or f'cast({quoting.ident(n)} as varchar)')} as {quoting.ident(n)}, "
                   for n in names if n in keep)
    return f"select {cols}cast({row} as bigint) as source_row from {reader}"


def _blank_as_null(v: str) -> str:
    """A value, null when it is empty or only whitespace. trim() runs only on values starting with
    whitespace: trimming every value took three times as long as reading the columns."""
    return (f"case when ascii({v}) in (9, 10, 13, 32) then (case when trim({v}, ' \t\r\n') = '' then null "
            f"else {v} end) when {v} = '' then null else {v} end")


TS = "try_strptime({c}, '%Y-%m-%dT%H:%M:%SZ')"


def _encounters_derived(table: str, patient_ids: str | None) -> str:
    """The encounters' derived columns; `table` holds START and STOP parsed as _start and _stop
    (TIMESTAMPS), so that no column is parsed twice and no part of the file is copied again."""
    known = f'"PATIENT" in {patient_ids}' if patient_ids else "false"
    return f"""
        with
        -- the encounters starting before the STOP of the patient's previous encounter by START: the window
        -- carries four columns, not the row; partitioning by the patient's hash first lets the sort
        -- compare integers (PATIENT, in the key too, keeps patients whose hashes collide apart)
        overlapping as (
            select source_row from (
                select source_row, _start < lag(_stop) over (
                    partition by hash("PATIENT"), "PATIENT" order by _start nulls last, source_row) as is_overlapping
                from {table} where "PATIENT" is not null)
            where is_overlapping
        ),
        usual as (
            select "CODE", arg_min("DESCRIPTION", [-copies, first_row]) as _usual
            from (select "CODE", "DESCRIPTION", count(*) as copies, min(source_row) as first_row
                  from {table} where "CODE" is not null and "DESCRIPTION" is not null group by all)
            group by "CODE"
        )
        select encounters.* exclude (_start, _stop),
            coalesce({known}, false) as _patient_known,
            not coalesce(floor(epoch(_stop - _start) / 86400) > 365, false) as _under_a_year,
            source_row not in (select source_row from overlapping) as _no_overlap,
            "DESCRIPTION" is null or coalesce("DESCRIPTION" = usual._usual, false) as _usual_description
        from {table} as encounters
        left join usual using ("CODE")"""


# the raw columns the derived columns are computed from
DERIVED_FROM = {"patients": {"Id"}, "encounters": {"PATIENT", "START", "STOP", "CODE", "DESCRIPTION"},
                "procedures": {"ENCOUNTER"}, "conditions": {"ENCOUNTER"},
                "observations": {"ENCOUNTER", "TYPE", "VALUE"}, "visits": {"Visit Date", "Discharge Date"}}


def _kept(suite: Suite) -> set[str]:
    """The raw columns a table's checks read or quote, and those its derived columns need."""
    cols = {c for check in suite.checks for c in [*check.columns, *check.show] if not c.startswith("_")}
    return cols | DERIVED_FROM.get(suite.table, set())


def each_file(con: duckdb.DuckDBPyConnection, files: dict[tuple[str, str], list[Inspected]], codec: str,
              suites: dict[str, Suite], rows: int):
    """Each raw file, one at a time: (whole, part), both Prepared. `whole` is the file read once into a
    table (the columns its checks need) and a view adding the derived columns over every row; `part` the
    same over the file's first `rows` rows, the part great-expectations validates (every column, as its
    column checks see the file; row-wise derived columns look at the whole of the other files, cross-row
    ones at that part only). A file's tables are dropped when the caller asks for the next file, so that
    the door holds one file at a time (at 10M encounters, all of them at once spilled to disk). The
    derived columns across files come from the first file of each table: patients and encounters are read
    first, and keep the ids the other files look up; then the other files, largest first (what the caller
    does with the last file's part is then the least work)."""
    lookups = {t: ("synthea", t) in files for t in LOOKED_UP}
    for source, table, label, got in _in_order(files):
        pair = []
        for part in ("", f"_first_{int(rows)}"):
            name, view = f"rows_{label}{part}", f"checked_{label}{part}"
            kept = _kept(suites[table]) if not part else set(rawfiles.safe_names(got.names))
            sql = _raw_sql(got, codec, kept)
            if table == "encounters":
                start, stop = TS.format(c='"START"'), TS.format(c='"STOP"')
                sql = f"select *, {start} as _start, {stop} as _stop from ({sql})"
            _read(con, name, sql, rows if part else None)
            if not part and source == "synthea" and table in lookups:  # the ids the cross-file columns look up
                ids = "patient_ids" if table == "patients" else "encounter_ids"
                # (no distinct: the lookups are semi-joins, which a repeated id leaves unchanged)
                con.execute(f'create temp table {ids} as select "Id" from {name} where "Id" is not null')
            con.execute(f"create temp view {view} as {_derived(table, name, lookups, bool(part))}")
            pair.append(Prepared(source, table, got.path, view, _columns(got, con, view), name))
        yield tuple(pair)
        _drop(con, pair)


LOOKED_UP = ["patients", "encounters"]  # the files whose ids the other files' derived columns look up


def _in_order(files: dict[tuple[str, str], list[Inspected]]) -> list[tuple[str, str, str, Inspected]]:
    """The files as (source, table, label, file): patients and encounters first, then the others
    largest first (several EMR files together, in their order)."""
    synthea = [("synthea", table, table, got[0]) for (source, table), got in files.items() if source == "synthea"]
    emr = [("emr", "visits", f"visits_{i}", got) for i, got in enumerate(files.get(("emr", "visits"), []), start=1)]
    first = [f for table in LOOKED_UP for f in synthea if f[1] == table]
    groups = [[f] for f in synthea if f[1] not in LOOKED_UP] + ([emr] if emr else [])
    groups.sort(key=lambda group: -sum(f[3].path.stat().st_size for f in group))
    return first + [f for group in groups for f in group]


def _read(con, name: str, sql: str, rows: int | None) -> None:
    """A file's rows into a temp table: every row in any order, or its first `rows` rows in file order."""
    con.execute(f"set preserve_insertion_order = {'false' if rows is None else 'true'}")
    try:
        con.execute(f"create temp table {name} as {sql}" + ("" if rows is None else f" limit {int(rows)}"))
    finally:
        con.execute("set preserve_insertion_order = false")


def _drop(con, pair) -> None:
    for p in pair:
        con.execute(f"drop view if exists {p.view}")
        con.execute(f"drop table if exists {p.rows_table}")


def _derived(table: str, name: str, lookups: dict[str, bool], part: bool) -> str:
    """The query adding a raw file's derived columns to its rows (`part`: the rows are the first of the
    file's)."""
    def ids(lookup: str, column: str) -> str:
        # a part's lookups scan the ids for its own few values, rather than hold every id in a hash table
        restricted = f' where "Id" in (select {column} from {name})' if part else ""
        return f'(select "Id" from {lookup}{restricted})'
    if table == "encounters":
        return _encounters_derived(name, ids("patient_ids", '"PATIENT"') if lookups["patients"] else None)
    if table in ("procedures", "conditions", "observations"):
        known = '"ENCOUNTER" in ' + ids("encounter_ids", '"ENCOUNTER"') if lookups["encounters"] else "false"
        extra = ""
        if table == "observations":  # a blank ENCOUNTER is a patient-level observation
            known = f'"ENCOUNTER" is null or {known}'
            extra = """, not ("TYPE" = 'numeric' and "VALUE" is not null
                               and try_cast("VALUE" as double) is null) as _numeric_value_ok"""
        return f"select *, coalesce({known}, false) as _encounter_known{extra} from {name}"
    if table == "visits":
        day = "coalesce(try_strptime({c}, '%Y-%m-%d'), try_strptime({c}, '%d-%m-%Y'))"
        visit, discharge = day.format(c='"Visit Date"'), day.format(c='"Discharge Date"')
        return f"select *, not coalesce({discharge} < {visit}, false) as _discharge_ok from {name}"
    return f"select * from {name}"


def _columns(got: Inspected, con, view: str) -> list[str]:
    """The file's columns, and the derived ones of the view."""
    derived = [r[0] for r in con.execute(f"describe {view}").fetchall() if r[0].startswith("_")]
    return list(got.names) + derived


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return quoting.string(value)


def _predicates(check: Check, table: str) -> tuple[str, str] | None:
    """(unexpected, considered) as SQL conditions over a row; None for a table-level expectation."""
    e = check.expectation
    q = quoting.ident
    if e.kind == "ExpectColumnValuesToNotBeNull":
        return f"{q(e.column)} is null", "true"
    if e.kind == "ExpectColumnValuesToMatchRegex":
        c = q(e.column)
        return f"not regexp_matches({c}, {quoting.string(e.regex)})", f"{c} is not null"
    if e.kind == "ExpectColumnValuesToBeInSet":
        c = q(e.column)
        return f"{c} not in ({', '.join(_literal(v) for v in e.value_set)})", f"{c} is not null"
    if e.kind == "ExpectColumnPairValuesAToBeGreaterThanB":
        a, b = q(e.column_A), q(e.column_B)
        compared = f"coalesce({a} {'>=' if e.or_equal else '>'} {b}, false)"
        if e.ignore_row_if == "either_value_is_missing":
            return f"not {compared}", f"{a} is not null and {b} is not null"
        return f"not {compared}", f"not ({a} is null and {b} is null)"
    if e.kind == "ExpectColumnValuesToBeBetween":
        c = q(e.column)
        bounds = [f"{c} >= {e.min_value!r}" if e.min_value is not None else "",
                  f"{c} <= {e.max_value!r}" if e.max_value is not None else ""]
        return f"not ({' and '.join(b for b in bounds if b) or 'true'})", f"{c} is not null"
    # a repeated value or combination: its copies are found by grouping the file's rows once (a window
    # over the rows would carry every column through a sort); the values are grouped by their hash first,
    # and only the rows whose hash repeats are grouped again by value (exact, and grouping integers is
    # about twice as fast as grouping texts)
    if e.kind == "ExpectColumnValuesToBeUnique":
        c = q(e.column)
        repeated_hash = f"select hash({c}) from {table} where {c} is not null group by 1 having count(*) > 1"
        return (f"{c} in (select {c} from {table} where hash({c}) in ({repeated_hash}) "
                f"group by {c} having count(*) > 1)", f"{c} is not null")
    if e.kind == "ExpectCompoundColumnsToBeUnique":
        # missing values are equal (great-expectations compares the combinations as pandas does; hash() of
        # null is one value); the door refuses a NUL byte, so chr(0) stands for a missing value and chr(1)
        # separates them. The combination is spelt out for the rows whose hash repeats only.
        key = "concat_ws(chr(1), " + ", ".join(f"coalesce(cast({q(c)} as varchar), chr(0))" for c in e.column_list) + ")"
        h = "hash(" + ", ".join(q(c) for c in e.column_list) + ")"
        candidates = (f"(select source_row, {key} as combination from {table} "
                      f"where {h} in (select {h} from {table} group by all having count(*) > 1))")
        return (f"source_row in (select source_row from {candidates} as c where combination in "
                f"(select combination from {candidates} as d group by all having count(*) > 1))",
                "not (" + " and ".join(f"{q(c)} is null" for c in e.column_list) + ")")
    return None


def run_file(con: duckdb.DuckDBPyConnection, prepared: Prepared, suite: Suite, stage: str, label: str,
             keep_rows: int) -> list[Finding]:
    """Every check of the suite over every row of one file: one query."""
    checks = [c for c in suite.checks if set(c.columns) <= set(prepared.columns)]
    row_checks = [(c, _predicates(c, prepared.rows_table)) for c in checks]
    # A raw file's rows keep their numbers: the columns an example quotes are looked up by the first
    # unexpected row's number (the first of the ordered list of unexpected rows) once the counts are known,
    # rather than carried through the aggregate (every shown column is a raw one, which the rows table
    # holds). A mart's rows are numbered as they are read: its examples travel with the aggregate.
    look_up = prepared.source != "all"
    flags, aggregates = [], ["count(*) as n"]
    for i, (check, pred) in enumerate(row_checks):
        if pred is None:
            continue
        unexpected, considered = pred
        flags.append(f"coalesce(({considered}) and ({unexpected}), false) as _bad{i}")
        flags.append(f"coalesce({considered}, false) as _considered{i}")
        aggregates += [
            f"count(*) filter (where _bad{i}) as bad{i}",
            f"count(*) filter (where _considered{i}) as considered{i}",
            f"(list(source_row order by source_row) filter (where _bad{i}))[1:{max(int(keep_rows), 1)}] as rows{i}",
        ]
        if not look_up:
            shown = list(check.show) or check.columns
            example = "{" + ", ".join(f"{quoting.string(c)}: {quoting.ident(c)}" for c in shown) + "}"
            aggregates.append(f"arg_min({example}, source_row) filter (where _bad{i}) as example{i}")
    # only the columns the examples quote travel with the flags: DuckDB then reads no other column
    shown = sorted({c for check, pred in row_checks if pred for c in (list(check.show) or check.columns)})
    carried = "" if look_up else "".join(quoting.ident(c) + ", " for c in shown)
    sql = (f"with flagged as (select source_row, {carried}{', '.join(flags) or 'true'} from {prepared.view}) "
           f"select {', '.join(aggregates)} from flagged")
    row = con.execute(sql).fetchone()
    names = [d[0] for d in con.description]
    got = dict(zip(names, row))
    if look_up:
        for i, (_, pred) in enumerate(row_checks):
            if pred:
                got[f"example{i}"] = (got[f"rows{i}"] or [None])[0]
        _look_up_examples(con, prepared, shown, got, [i for i, (_, pred) in enumerate(row_checks) if pred])
    total = got["n"]
    findings = []
    for i, (check, pred) in enumerate(row_checks):
        e = check.expectation
        base = dict(stage=stage, suite=suite.name, check=check.name, file=label, severity=check.severity,
                    catches=list(check.catches))
        if pred is None:
            if e.kind == "ExpectTableRowCountToBeBetween":
                ok = (e.min_value is None or total >= e.min_value) and (e.max_value is None or total <= e.max_value)
                example = None if ok else f"observed {total!r}"
            else:  # the columns: the door has checked them
                missing = sorted(set(e.column_set) - set(prepared.columns))
                ok, example = not missing, (f"missing columns {missing}" if missing else None)
            findings.append(Finding(**base, success=ok, element_count=None, unexpected_count=None,
                                    unexpected_percent=None, example=example, example_rows=[], unexpected_rows=[]))
            continue
        bad, considered = got[f"bad{i}"], got[f"considered{i}"]
        share = bad / considered if considered else 0.0
        # great-expectations' rule: the share of the considered values that pass is at least `mostly`
        ok = not considered or (considered - bad) / considered >= (e.mostly if e.mostly is not None else 1.0)
        rows = got[f"rows{i}"] or []
        findings.append(Finding(
            **base, success=bool(ok), element_count=total, unexpected_count=bad,
            unexpected_percent=100 * share if considered else None,
            example=_example(check, got[f"example{i}"]) if bad else None,
            example_rows=rows[:20], unexpected_rows=rows))
    return findings


def _look_up_examples(con, prepared: Prepared, shown: list[str], got: dict, indexes: list[int]) -> None:
    """Replace each check's first unexpected row number (got["example<i>"]) by that row's shown values."""
    first = {got[f"example{i}"] for i in indexes if got[f"example{i}"] is not None}
    if not first:
        return
    cols = ", ".join(quoting.ident(c) for c in shown)
    listed = ", ".join(str(int(r)) for r in sorted(first))
    rows = con.execute(f"select source_row, {cols} from {prepared.rows_table} where source_row in ({listed})").fetchall()
    by_row = {r[0]: dict(zip(shown, r[1:])) for r in rows}
    for i in indexes:
        if got[f"example{i}"] is not None:
            got[f"example{i}"] = by_row[got[f"example{i}"]]


def _example(check: Check, value: dict | None) -> str | None:
    """The first unexpected value as runner._example writes great-expectations' (repr, `blank`, JSON)."""
    if value is None:
        return None
    if check.show:
        return ", ".join(f"{c}={value[c]!r}" for c in check.show)
    e = check.expectation
    if e.kind == "ExpectCompoundColumnsToBeUnique":
        return json.dumps({c: value[c] for c in e.column_list})
    v = value[check.columns[0]]
    return "blank" if v is None else repr(v)


DATE_COLUMNS = ("Visit Date", "Discharge Date")  # the EMR's dates, which may be written with the year last


def year_last_dates(con: duckdb.DuckDBPyConnection, prepared: Prepared) -> dict:
    """Of an EMR file's dates written with the year last (DD-MM-YYYY or MM-DD-YYYY): how many there are, and
    the first row and value proving day-first (first number over 12) and month-first (second over 12)."""
    columns = [c for c in DATE_COLUMNS if c in prepared.columns]
    if not columns:
        return {"year_last": 0, "dmy_row": None, "dmy_value": None, "mdy_row": None, "mdy_value": None}
    dates = ", ".join(f"trim({quoting.ident(c)})" for c in columns)
    proves = "try_cast(split_part(d, '-', {part}) as integer) > 12"
    sql = (f"with d as (select source_row, unnest([{dates}]) as d from {prepared.rows_table}), "
           r"y as (select * from d where regexp_matches(d, '^\d{1,2}-\d{1,2}-\d{4}$')) "
           f"select count(*) as year_last, "
           f"min(source_row) filter (where {proves.format(part=1)}) as dmy_row, "
           f"arg_min(d, source_row) filter (where {proves.format(part=1)}) as dmy_value, "
           f"min(source_row) filter (where {proves.format(part=2)}) as mdy_row, "
           f"arg_min(d, source_row) filter (where {proves.format(part=2)}) as mdy_value from y")
    rel = con.sql(sql)
    return dict(zip(rel.columns, rel.fetchone()))


def connect(temp_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    temp_dir.mkdir(parents=True, exist_ok=True)
    con.execute(f"set memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"set temp_directory = {quoting.string(temp_dir)}")
    con.execute("set preserve_insertion_order = false")
    return con


def sample(con: duckdb.DuckDBPyConnection, prepared: Prepared):
    """A prepared part (the second of each_file's pair) as the data frame great-expectations validates (row i of the
    frame is data row i + 1), values as plain Python objects."""
    con.execute("set preserve_insertion_order = true")  # the first rows of the file, read in order
    try:
        df = con.execute(f"select * exclude (source_row) from {prepared.view} order by source_row").df()
    finally:
        con.execute("set preserve_insertion_order = false")
    return df.astype(object).where(df.notna(), None)


def prepare_marts(con: duckdb.DuckDBPyConnection, db: Path, tables: list[str], rows: int | None = None) -> list[Prepared]:
    """The headline marts of a built warehouse as prepared views (read-only): each row numbered as it is
    read, and mart_data_quality with `_reconciles` (raw rows = clean + quarantined + duplicates)."""
    if rows is None:
        con.execute(f"attach {quoting.string(db)} as warehouse (read_only)")
    con.execute(f"set preserve_insertion_order = {'false' if rows is None else 'true'}")
    part = "" if rows is None else f"_first_{int(rows)}"
    limit = "" if rows is None else f" limit {int(rows)}"
    out = []
    for t in tables:
        name, view = f"rows_{t}{part}", f"checked_{t}{part}"
        con.execute(f"create temp view {name} as select *, row_number() over () as source_row "
                    f"from (select * from warehouse.marts.{t}{limit})")
        derived = ""
        if t == "mart_data_quality":
            derived = ", raw_rows = clean_rows + quarantined_rows + duplicate_rows as _reconciles"
        con.execute(f"create temp view {view} as select *{derived} from {name}")
        columns = [r[0] for r in con.execute(f"describe {view}").fetchall() if r[0] != "source_row"]
        out.append(Prepared("all", t, Path(f"marts.{t}"), view, columns, name))
    con.execute("set preserve_insertion_order = false")
    return out
