"""Incremental builds: a history load followed by a batch equals a full build of the complete export.

A generated export (300 patients, Parquet) is cut by hospital_warehouse/split_batch.py at the admission of a
readmission (found in the full build) near the 85th percentile of encounter START times, so that the
history holds an index stay and the batch its readmission. Warehouse A is a full build of the complete export; warehouse B a full build
of the history, then `dbt build` (incremental) of the batch. Every published table (schema marts) and
every intermediate table must be equal, row for row (floats within 1e-9 relative). The fixture is checked
to contain what makes the comparison meaningful: readmissions whose index stay was loaded with the
history and whose readmission came with the batch, and stays whose readmission window was still open at
the history's end and became observable with the batch.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import uuid
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from conftest import REPO, run_dbt
from hospital_warehouse import compare_warehouses, dbtrun, split_batch
from hospital_warehouse.generator import GeneratorConfig, generate


def _vars(root: Path) -> dict:
    return {"synthea_raw_path": str(root / "synthea"), "emr_raw_path": str(root / "emr" / "visits.parquet")}


def _env(root: Path, batch: bool = False) -> dict:
    """The same paths as environment variables (what `make build SYNTHEA=... EMR=...` and `make batch` pass),
    and for a batch HOSPITAL_BATCH_SINCE, the moment it starts (what `make batch` sets)."""
    env = {"HOSPITAL_SYNTHEA_RAW_PATH": str(root / "synthea"),
           "HOSPITAL_EMR_RAW_PATH": str(root / "emr" / "visits.parquet")}
    return {**env, **_since()} if batch else env


def _since() -> dict:
    """HOSPITAL_BATCH_SINCE as `make batch` sets it: the batch's tests look at the rows it writes."""
    return {"HOSPITAL_BATCH_SINCE": dbtrun.batch_since()}


# `dbt build` as `hospital batch` runs it (cli.py): two dbt threads, without unit tests and without reloading seeds
BATCH_BUILD = ["build", "--threads", "2", "--exclude-resource-type", "unit_test", "--exclude", "resource_type:seed"]


def _empty_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """path replaced by a Parquet file with the same columns and no rows (a delivery without that file's rows)."""
    empty = path.with_name(path.stem + "_none.parquet")
    con.execute(f"copy (select * from read_parquet('{path}') limit 0) to '{empty}' (format parquet)")
    empty.replace(path)


def _batch_on_copy(warehouse: Path, workdir: Path, root: Path) -> Path:
    """The delivery under root built as `make batch` does into a copy of warehouse in workdir; the copy's path."""
    workdir.mkdir()
    shutil.copyfile(warehouse, workdir / "hospital.duckdb")
    run_dbt(BATCH_BUILD, workdir, env=_env(root, batch=True), data_tests=False)
    return workdir / "hospital.duckdb"


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("incremental_export")
    generate(GeneratorConfig(seed=7, patients=300, file_format="parquet"), root / "complete", progress=False)
    return {"root": root, "complete": root / "complete", "base": root / "split" / "base",
            "batch": root / "split" / "batch"}


@pytest.fixture(scope="module")
def builds(export, tmp_path_factory) -> dict:
    full = run_dbt(["build", "--full-refresh"], tmp_path_factory.mktemp("full"), _vars(export["complete"]))
    cutoff = _query(full.db_path, """
        with target as (
            select quantile_disc(start_at, 0.85) as t from marts.fct_encounters where source_system = 'synthea'
        )
        select nxt.admit_at
        from marts.fct_stays as s
        join marts.fct_stays as nxt on s.next_stay_id = nxt.stay_id
        cross join target
        where s.source_system = 'synthea' and s.is_readmitted_30d
        order by abs(epoch(nxt.admit_at) - epoch(target.t))
        limit 1""")[0][0]
    summary = split_batch.split(export["complete"] / "synthea", export["complete"] / "emr" / "visits.parquet",
                                export["root"] / "split", cutoff=str(cutoff))
    export.update(cutoff=summary["cutoff"], rows=summary["rows"])
    inc_dir = tmp_path_factory.mktemp("incremental")
    # history and batch get their paths as environment variables, the full build as vars: both ways read
    history = run_dbt(["build", "--full-refresh"], inc_dir, env=_env(export["base"]), data_tests=False)
    history_copy = inc_dir.parent / (inc_dir.name + "_history.duckdb")
    shutil.copyfile(history.db_path, history_copy)
    batch = run_dbt(BATCH_BUILD, inc_dir, env=_env(export["batch"], batch=True))  # as `make batch` runs it
    batch_tests = inc_dir.parent / (inc_dir.name + "_batch_tests")  # the batch's compiled tests, kept
    shutil.copytree(inc_dir / "target" / "run", batch_tests)
    return {"full": full, "history": history_copy, "batch": batch, "dir": inc_dir, "batch_tests": batch_tests,
            "full_tests": full.db_path.parent / "target" / "run"}


def test_the_batch_parses_only_what_reads_raw_files(builds):
    """New paths in the environment keep dbt's partial parsing: the paths are read only when models run, so
    nothing is parsed again (the batch still reads the new files: the tables below equal the full build's)."""
    assert "Unable to do partial parsing" not in builds["batch"].output


def test_the_batch_is_a_minority_of_the_encounters(builds, export):
    counts = export["rows"]["encounters"]
    share = counts["batch"] / (counts["base"] + counts["batch"])
    assert 0.05 <= share <= 0.30, counts
    assert export["rows"]["procedures"]["batch"] > 0 and export["rows"]["visits"]["batch"] > 0


def test_history_plus_batch_equals_a_full_build(builds):
    full, inc = str(builds["full"].db_path), str(builds["batch"].db_path)
    marts = compare_warehouses.compare_with_full_build(full, inc, "marts")
    assert marts.tables == 35 and marts.rows > 10_000
    assert marts.equal, "\n".join(marts.differences)
    intermediate = compare_warehouses.compare_tables(full, inc, "intermediate")
    # every intermediate table (int_encounters_unioned, int_patients_unioned and the batch's scopes are
    # views; batch_patient_attributes is a table)
    assert intermediate.tables == 14
    assert intermediate.equal, "\n".join(intermediate.differences)


def _compiled_test(run_dir: Path, name: str, containing: str = "") -> str:
    found = [p for p in run_dir.rglob("*.sql") if p.stem.startswith(name) and containing in p.read_text()]
    assert len(found) == 1, (name, found)
    return found[0].read_text()


def test_the_batch_tests_the_rows_it_wrote_and_a_full_build_every_row(builds):
    """dbt's own where config (the models' yml): with HOSPITAL_BATCH_SINCE, row-level tests of history
    models keep the rows the run wrote; uniqueness keeps every row whose key the run wrote; aggregate tests
    and the facts' keys to the snapshots are not filtered. Without it (a full build), nothing is."""
    batch, full = builds["batch_tests"], builds["full_tests"]
    unique = _compiled_test(batch, "unique_stg_synthea__encounters_encounter_id")
    assert "where encounter_id in (select encounter_id from staging.stg_synthea__encounters where loaded_at >= '" in unique
    assert "where refreshed_at >= '" in _compiled_test(batch, "not_null_int_encounter_diagnoses_encounter_id")
    reconciles = list(batch.rglob("raw_rows_reconcile_*.sql"))
    assert reconciles and all("loaded_at >= '" not in p.read_text() for p in reconciles)
    fct_unique = _compiled_test(batch, "unique_combination_fct_encounters_source_system__encounter_id")
    assert ("(source_system, encounter_id) in (select source_system, encounter_id from marts.fct_encounters "
            "where refreshed_at >= '") in fct_unique
    # the facts' keys to the patient and payer snapshots are checked on every row (no where)
    facts_to_dims = {p.name: p.read_text() for p in batch.rglob("relationships_fct_encounters_*.sql")}
    whole = [sql for sql in facts_to_dims.values() if '"dim_patients"' in sql or '"dim_payers"' in sql]
    assert len(whole) == 2 and all("refreshed_at >= '" not in sql for sql in whole)
    # the other relationships tests of the facts are scoped to this run's children (dbt's own test,
    # which reads every parent row)
    scoped = [sql for sql in facts_to_dims.values() if sql not in whole]
    assert scoped and all("refreshed_at >= '" in sql for sql in scoped)
    for name, containing in (("unique_stg_synthea__encounters_encounter_id", ""),
                             ("not_null_int_encounter_diagnoses_encounter_id", ""),
                             ("relationships_stg_synthea__obs", '"stg_synthea__encounters"')):
        sql = _compiled_test(full, name, containing)
        assert "dbt_subquery" not in sql and ">= '" not in sql


# the macros of dbt the project still replaces: dbt-spark's cast and seed loading on the Spark path
# (docs/decisions.md, "Macros of dbt replaced")
OVERRIDES_LEFT = {"spark__cast", "spark__create_csv_table", "spark__load_csv_rows"}


def test_the_project_overrides_no_macro_of_dbt_or_its_adapters():
    """dbt-core's and dbt-duckdb's macros (their incremental strategies, tests, column comments) run as
    shipped: no project macro takes the name of one of theirs, in any adapter's spelling. dbt's documented
    customisation point generate_schema_name is the exception dbt means to be overridden."""
    import dbt.include
    shipped = set()
    for root in dbt.include.__path__:
        for path in Path(root).rglob("*.sql"):
            shipped |= set(re.findall(r"{%-?\s*(?:macro|test|materialization)\s+(\w+)", path.read_text()))
    bare = {re.sub(r"^(default|duckdb|postgres|spark)__", "", name) for name in shipped}
    ours = set()
    for path in (REPO / "macros").rglob("*.sql"):
        ours |= set(re.findall(r"{%-?\s*macro\s+(\w+)", path.read_text()))
    overriding = {name for name in ours
                  if name in shipped or re.sub(r"^(default|duckdb|postgres|spark)__", "", name) in bare}
    assert overriding - {"generate_schema_name"} == OVERRIDES_LEFT, overriding


def test_a_key_of_the_batch_repeated_by_an_old_row_fails_the_scoped_unique_test(builds, tmp_path):
    """A row written long before that repeats a key the batch wrote is still found by the scoped tests, of
    one column (dbt's unique) and of a combination (unique_combination)."""
    db = tmp_path / "hospital.duckdb"
    shutil.copyfile(builds["batch"].db_path, db)
    sql = _compiled_test(builds["batch_tests"], "unique_int_encounter_diagnoses_diagnosis_id")
    with duckdb.connect(str(db)) as con:
        assert con.sql(sql).fetchone()[0] == 0
        con.execute("""
            insert into intermediate.int_encounter_diagnoses
            select * replace (timestamp '2000-01-01' as refreshed_at)
            from intermediate.int_encounter_diagnoses
            where refreshed_at = (select max(refreshed_at) from intermediate.int_encounter_diagnoses)
            limit 1""")
        assert con.sql(sql).fetchone()[0] == 1
        # the composite keys' test (hash first, then the values: tests/generic/test_unique_combination.sql and macros/unique_combination.sql)
        combination = _compiled_test(builds["batch_tests"], "unique_combination_fct_encounters_source_system__encounter_id")
        assert con.sql(combination).fetchone()[0] == 0
        con.execute("""
            insert into marts.fct_encounters
            select * replace (timestamp '2000-01-01' as refreshed_at) from marts.fct_encounters
            where refreshed_at = (select max(refreshed_at) from marts.fct_encounters) and source_system = 'emr'
            limit 1""")
        assert con.sql(combination).fetchone()[0] == 1


def test_a_negative_measure_fails_its_models_not_negative_test(builds, tmp_path):
    """not_negative_columns (tests/generic/test_not_negative.sql) checks all of a model's listed columns in one
    query: each row with a negative value in any of them fails, in a full build every row, in a batch the
    rows it wrote (its where in the model's yml)."""
    db = tmp_path / "hospital.duckdb"
    shutil.copyfile(builds["batch"].db_path, db)
    full = _compiled_test(builds["full_tests"], "not_negative_columns_fct_stays_")
    batch = _compiled_test(builds["batch_tests"], "not_negative_columns_fct_stays_")
    assert "refreshed_at" in batch and "refreshed_at" not in full
    with duckdb.connect(str(db)) as con:
        assert con.sql(full).fetchone()[0] == 0 and con.sql(batch).fetchone()[0] == 0
        newest = "(select max(refreshed_at) from marts.fct_stays)"
        # the first listed column in a row the batch wrote, the last in an older row
        con.execute(f"""update marts.fct_stays set age_at_admission = -1
                        where stay_id = (select min(stay_id) from marts.fct_stays where refreshed_at = {newest})""")
        con.execute(f"""update marts.fct_stays set payer_coverage = -0.01
                        where stay_id = (select min(stay_id) from marts.fct_stays where refreshed_at < {newest})""")
        assert con.sql(full).fetchone()[0] == 2
        assert con.sql(batch).fetchone()[0] == 1


def test_data_quality_totals_are_the_same_over_deliveries(builds):
    sql = ("select source_system, raw_table, reason, sum(raw_rows), sum(clean_rows), sum(quarantined_rows), "
           "sum(duplicate_rows), sum(repaired_rows) from marts.mart_data_quality group by all order by all")
    assert _query(builds["full"].db_path, sql) == _query(builds["batch"].db_path, sql)


_BASE_TABLES = ("encounters", "procedures", "conditions", "observations", "patients", "payers", "organizations")


def test_data_quality_cells_equal_a_count_of_the_base_tables(builds, export):
    """mart_data_quality is incremental: a batch adds the counts of the rows it loaded to the cells of the
    append-only tables and counts the snapshot tables again. Every cell must equal a count of the base
    tables from scratch; the history's patients file, replaced by the batch's snapshot, keeps no cell."""
    union = " union all ".join(
        f"select source_system, '{t}' as raw_table, source_file, row_status, rejection_reason, data_issues "
        f"from staging.base_synthea__{t}" for t in _BASE_TABLES)
    union += (" union all select source_system, 'visits', source_file, row_status, rejection_reason, data_issues"
              " from staging.base_emr__visits")
    recount = f"""
        select source_system, raw_table, source_file, coalesce(rejection_reason, row_status) as reason,
            count(*), count(*) filter (where row_status = 'clean'), count(*) filter (where row_status = 'quarantined'),
            count(*) filter (where row_status = 'duplicate'),
            count(*) filter (where row_status = 'clean' and data_issues is not null)
        from ({union}) group by all order by all"""
    mart = """
        select source_system, raw_table, source_file, reason, raw_rows, clean_rows, quarantined_rows, duplicate_rows,
            repaired_rows
        from marts.mart_data_quality order by all"""
    db = builds["batch"].db_path
    assert _query(db, mart) == _query(db, recount)
    files = dict(_query(db, "select raw_table, count(distinct source_file) from marts.mart_data_quality group by 1"))
    assert files["encounters"] == 2 and files["procedures"] == 2 and files["visits"] == 2
    assert files["patients"] == 1
    assert _query(db, "select distinct source_file from marts.mart_data_quality where raw_table = 'patients'") == [
        (str(export["batch"] / "synthea" / "patients.parquet"),)]


def test_a_parquet_row_is_numbered_by_its_position_in_the_file(builds, export):
    """read_raw numbers a Parquet file's rows file_row_number + 1, the row's position in the file (1-based, as a
    CSV's data rows), not in the order threads happen to read them: each procedures row of the full build
    carries the procedure_id (md5 of PATIENT|ENCOUNTER|CODE|START; concat_ws skips nulls) of the file's row
    at its source_row. The file is read here by pyarrow, in file order."""
    path = export["complete"] / "synthea" / "procedures.parquet"
    table = pq.read_table(path, columns=["PATIENT", "ENCOUNTER", "CODE", "START"]).to_pylist()
    expected = {position: hashlib.md5("|".join(v for v in row.values() if v is not None).encode()).hexdigest()
                for position, row in enumerate(table, start=1)}
    got = dict(_query(builds["full"].db_path, "select source_row, procedure_id from staging.base_synthea__procedures"))
    assert len(got) == len(expected) > 1000
    assert got == expected


def _query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_readmissions_cross_the_batch_boundary(builds, export):
    """Index stays loaded with the history, readmitted by a stay that came with the batch."""
    crossing = _query(builds["batch"].db_path, f"""
        select count(*) from marts.fct_stays as s
        join marts.fct_stays as nxt on s.next_stay_id = nxt.stay_id
        where s.source_system = 'synthea' and s.is_readmitted_30d
          and s.admit_at < timestamp '{export['cutoff']}' and nxt.admit_at >= timestamp '{export['cutoff']}'""")[0][0]
    assert crossing > 0


def test_windows_open_at_the_history_end_are_judged_with_the_batch(builds):
    """Stays that were `window_not_observed` after the history load and are index stays after the batch."""
    con = duckdb.connect()
    con.execute(f"attach '{builds['history']}' as h (read_only)")
    con.execute(f"attach '{builds['batch'].db_path}' as b (read_only)")
    reopened = con.sql("""
        select count(*) from h.marts.fct_stays as h_s
        join b.marts.fct_stays as b_s on h_s.stay_id = b_s.stay_id
        where h_s.ineligibility_reason_30d = 'window_not_observed' and b_s.is_index_eligible_30d""").fetchone()[0]
    assert reopened > 0


def test_running_the_batch_again_loads_nothing(builds, export, tmp_path):
    before = _query(builds["batch"].db_path, "select count(*), max(loaded_at) from staging.base_synthea__encounters")
    workdir = tmp_path / "again"
    workdir.mkdir()
    shutil.copyfile(builds["batch"].db_path, workdir / "hospital.duckdb")
    again = run_dbt(["build"], workdir, _vars(export["batch"]), env=_since(), data_tests=False)
    assert "was loaded before; no new rows" in again.output
    after = _query(again.db_path, "select count(*), max(loaded_at) from staging.base_synthea__encounters")
    assert after == before
    result = compare_warehouses.compare_with_full_build(str(builds["full"].db_path), str(again.db_path))
    assert result.equal, "\n".join(result.differences)


def test_a_batch_delivered_again_under_another_path_is_all_duplicates(builds, export, tmp_path):
    """The same rows in a new file: every one is a duplicate of a row loaded before; no figure changes."""
    workdir = tmp_path / "redelivered"
    workdir.mkdir()
    shutil.copyfile(builds["batch"].db_path, workdir / "hospital.duckdb")
    again = tmp_path / "again"
    shutil.copytree(export["batch"], again)
    run_dbt(["build"], workdir, _vars(again), env=_since(), data_tests=False)
    statuses = _query(workdir / "hospital.duckdb", f"""
        select row_status, count(*) from staging.base_synthea__encounters
        where source_file like '{again}%' group by all""")
    assert statuses == [("duplicate", export["rows"]["encounters"]["batch"])]
    # every figure equals the full build's, but mart_data_quality, which rightly counts the re-delivered rows
    result = compare_warehouses.compare_tables(str(builds["full"].db_path), str(workdir / "hospital.duckdb"), "marts")
    assert [d for d in result.differences if "mart_data_quality" not in d] == []


def test_a_patients_snapshot_missing_a_patient_loaded_before_fails_the_batch(builds, export, tmp_path):
    """patients.csv is a whole snapshot: a batch whose snapshot lacks a patient of the history (one with no
    encounter in the batch, so no test scoped to the batch's rows sees it) fails on the whole-table
    relationships test of fct_encounters.patient_key (no where: every row)."""
    batch = tmp_path / "partial_snapshot"
    shutil.copytree(export["batch"], batch)
    patients = batch / "synthea" / "patients.parquet"
    with duckdb.connect() as con:
        con.execute(f"attach '{builds['history']}' as history (read_only)")
        dropped, encounters = con.sql(f"""
            select patient_id, count(*) from history.marts.fct_encounters
            where source_system = 'synthea' and patient_id not in
                (select PATIENT from read_parquet('{export['batch'] / 'synthea' / 'encounters.parquet'}'))
            group by all order by 2, 1 limit 1""").fetchone()
        con.execute(f"""copy (select * from read_parquet('{export['batch'] / 'synthea' / 'patients.parquet'}')
                         where Id <> '{dropped}') to '{patients}' (format parquet)""")
    workdir = tmp_path / "build"
    workdir.mkdir()
    shutil.copyfile(builds["history"], workdir / "hospital.duckdb")
    # the facts, the dimensions and what they read (the KPI marts downstream would only be skipped)
    result = run_dbt(["build", "--select", "+fct_encounters", "+dim_patients"], workdir, _vars(batch), env=_since(),
                     check=False)
    assert result.returncode != 0
    failed = re.findall(r"FAIL (\d+) (relationships_fct_encounters_patient_key__patient_key__ref_dim_patients_)",
                        result.output)
    assert failed and int(failed[0][0]) == encounters, result.output[-4000:]


def test_late_children_of_history_encounters_are_read_with_their_earlier_rows(builds, export, tmp_path):
    """A delivery of only a procedure, an observation and a condition for encounters loaded in earlier runs,
    and one of those encounters' rows again (rows_in_scope, macros/incremental.sql; link_to_clean_encounters):
    the children link to the history's encounters, which are recomputed from their history rows plus the
    new ones. The new systolic pressure of 185 is the encounter's latest, while its diastolic value still
    comes from the observations loaded before; the planned procedure (chemotherapy, 367336001) makes its
    encounter planned; the new condition joins the encounter's reason and earlier conditions."""
    late = tmp_path / "late"
    shutil.copytree(export["batch"], late)
    synthea = late / "synthea"
    with duckdb.connect() as con:
        con.execute(f"attach '{builds['batch'].db_path}' as hospital (read_only)")
        vitals_encounter, patient, diastolic, last_observed = con.sql("""
            select v.encounter_id, e.patient_id, v.diastolic_bp, max(o.observed_at)
            from hospital.intermediate.int_encounter_vitals as v
            join hospital.staging.stg_synthea__encounters as e on v.encounter_id = e.encounter_id
            join hospital.staging.stg_synthea__observations as o on o.encounter_id = v.encounter_id
            where v.source_system = 'synthea' and v.diastolic_bp < 90 and v.systolic_bp < 140
            group by all order by 1 limit 1""").fetchone()
        planned_encounter, planned_patient, planned_start = con.sql("""
            select encounter_id, patient_id, start_at from hospital.intermediate.int_history_encounters_enriched
            where not has_planned_procedure and not has_planned_code order by encounter_id limit 1""").fetchone()
        diagnosed_encounter, diagnosed_patient, diagnosed_start = con.sql("""
            select d.encounter_id, e.patient_id, e.start_date
            from hospital.intermediate.int_encounter_diagnoses as d
            join hospital.intermediate.int_history_encounters_enriched as e on d.encounter_id = e.encounter_id
            where d.source_system = 'synthea' and e.encounter_id not in (?, ?)
            group by all
            having count(*) filter (where d.diagnosis_source = 'encounter_reason') = 1
                and count(*) filter (where d.diagnosis_source = 'condition') >= 1
            order by 1 limit 1""", params=[vitals_encounter, planned_encounter]).fetchone()
        diagnoses_before = con.sql(f"""select diagnosis_source, source_code from hospital.intermediate.int_encounter_diagnoses
                                       where encounter_id = '{diagnosed_encounter}'""").fetchall()
        conditions = synthea / "conditions.parquet"
        new_code = con.sql(f"""select CODE from read_parquet('{conditions}')
                               where CODE not in (select source_code from hospital.intermediate.int_encounter_diagnoses
                                                  where encounter_id = '{diagnosed_encounter}')
                               order by CODE limit 1""").fetchone()[0]
        con.execute(f"""copy (
            select * replace ('{diagnosed_patient}' as PATIENT, '{diagnosed_encounter}' as ENCOUNTER,
                              '{diagnosed_start}' as START, null as STOP)
            from read_parquet('{conditions}') where CODE = '{new_code}' limit 1
        ) to '{synthea / 'late_cond.parquet'}' (format parquet)""")
        (synthea / "late_cond.parquet").replace(conditions)
        observations, procedures = synthea / "observations.parquet", synthea / "procedures.parquet"
        # the encounters file repeats the diagnosed encounter's row as delivered before (a duplicate): its id
        # is in this run's rows, yet its new condition must still find it among the clean encounters of the
        # history (link_to_clean_encounters, macros/encounter_children.sql)
        con.execute(f"""copy (
            select * from read_parquet('{export['complete'] / 'synthea' / 'encounters.parquet'}')
            where "Id" = '{diagnosed_encounter}' limit 1
        ) to '{synthea / 'late_enc.parquet'}' (format parquet)""")
        (synthea / "late_enc.parquet").replace(synthea / "encounters.parquet")
        con.execute(f"""copy (
            select * replace ('{patient}' as PATIENT, '{vitals_encounter}' as ENCOUNTER, '185' as VALUE,
                              strftime(timestamp '{last_observed}' + interval 1 minute, '%Y-%m-%dT%H:%M:%SZ') as DATE)
            from read_parquet('{observations}') where CODE = '8480-6' limit 1
        ) to '{synthea / 'late_obs.parquet'}' (format parquet)""")
        con.execute(f"""copy (
            select * replace ('{planned_patient}' as PATIENT, '{planned_encounter}' as ENCOUNTER, '367336001' as CODE,
                              strftime(timestamp '{planned_start}', '%Y-%m-%dT%H:%M:%SZ') as START)
            from read_parquet('{procedures}') limit 1
        ) to '{synthea / 'late_proc.parquet'}' (format parquet)""")
        (synthea / "late_obs.parquet").replace(observations)
        (synthea / "late_proc.parquet").replace(procedures)
        _empty_parquet(con, late / "emr" / "visits.parquet")
    db = _batch_on_copy(builds["batch"].db_path, tmp_path / "build", late)
    assert _query(db, f"""select row_status, count(*) from staging.base_synthea__encounters
                         where source_file like '{late}%' group by all""") == [("duplicate", 1)]
    for children in ("observations", "procedures", "conditions"):
        assert _query(db, f"""select row_status, count(*) from staging.base_synthea__{children}
                             where source_file like '{late}%' group by all""") == [("clean", 1)], children
    assert _query(db, f"""select systolic_bp, diastolic_bp, has_abnormal_vital from intermediate.int_encounter_vitals
                         where encounter_id = '{vitals_encounter}'""") == [(185.0, diastolic, True)]
    assert _query(db, f"""select has_planned_procedure, has_planned_code from intermediate.int_history_encounters_enriched
                         where encounter_id = '{planned_encounter}'""") == [(True, False)]
    # the encounter's reason and earlier conditions (read from the history), plus the new condition
    diagnoses_after = _query(db, f"""select diagnosis_source, source_code from intermediate.int_encounter_diagnoses
                                    where encounter_id = '{diagnosed_encounter}'""")
    assert sorted(diagnoses_after) == sorted(diagnoses_before + [("condition", new_code)])


def test_a_late_visit_before_an_old_one_rewrites_the_old_fact_row_from_the_history(builds, export, tmp_path):
    """A delivery of one emergency visit (START = STOP) dated 10 days before an emergency visit of the history
    that was not an acute revisit: the old visit becomes one, 10 days after the new visit's STOP. fct_encounters
    rewrites the old visit although upstream did not refresh it, reading its row from the history
    (encounters_before in fct_encounters.sql): one row, the flag changed, every other value as before."""
    late = tmp_path / "late"
    shutil.copytree(export["batch"], late)
    synthea = late / "synthea"
    columns = "* exclude (is_acute_revisit, refreshed_at)"
    with duckdb.connect() as con:
        con.execute(f"attach '{builds['batch'].db_path}' as hospital (read_only)")
        old_visit, patient, old_start = con.sql("""
            select f.encounter_id, f.patient_id, f.start_at
            from hospital.marts.fct_encounters as f
            join hospital.intermediate.int_acute_encounters_windowed_for_revisit as a using (source_system, encounter_id)
            where f.source_system = 'synthea' and f.encounter_class = 'emergency' and not f.is_acute_revisit
                and a.previous_acute_stop_date is null
            order by f.encounter_id limit 1""").fetchone()
        before = con.sql(f"select {columns} from hospital.marts.fct_encounters where encounter_id = '{old_visit}'").fetchall()
        con.execute(f"""copy (
            select * replace ('{uuid.uuid4()}' as "Id",
                              strftime(timestamp '{old_start}' - interval 10 day, '%Y-%m-%dT%H:%M:%SZ') as "START",
                              strftime(timestamp '{old_start}' - interval 10 day, '%Y-%m-%dT%H:%M:%SZ') as "STOP")
            from read_parquet('{export['complete'] / 'synthea' / 'encounters.parquet'}')
            where "Id" = '{old_visit}' limit 1
        ) to '{synthea / 'late_enc.parquet'}' (format parquet)""")
        (synthea / "late_enc.parquet").replace(synthea / "encounters.parquet")
        for name in ("conditions", "observations", "procedures"):
            _empty_parquet(con, synthea / f"{name}.parquet")
        _empty_parquet(con, late / "emr" / "visits.parquet")
    db = _batch_on_copy(builds["batch"].db_path, tmp_path / "build", late)
    assert _query(db, f"""select is_acute_revisit, days_since_previous_acute
                         from intermediate.int_acute_encounters_windowed_for_revisit
                         where encounter_id = '{old_visit}'""") == [(True, 10)]
    assert _query(db, f"""select is_acute_revisit, count(*) over () from marts.fct_encounters
                         where encounter_id = '{old_visit}'""") == [(True, 1)]
    assert _query(db, f"select {columns} from marts.fct_encounters where encounter_id = '{old_visit}'") == before
    assert _query(db, f"""select count(*) from marts.fct_encounters where patient_id = '{patient}'
                         and start_at = timestamp '{old_start}' - interval 10 day""") == [(1,)]


def test_a_death_recorded_in_a_later_snapshot_reaches_the_patients_history(builds, export, tmp_path):
    """A delivery of no new rows whose patients file records the death of a patient, alive before, on the
    discharge date of their last stay (loaded with the history). The batch's scope takes every encounter of
    that patient, and no other, for the reason `patient_changed` (batch_encounters_in_scope), and the patient
    for the reason `admission_refreshed` (batch_patients_in_scope, which also holds the patients whose
    windows were open at the history's end); the stay becomes a death in hospital and
    every visit of the patient carries the death date."""
    late = tmp_path / "late"
    shutil.copytree(export["batch"], late)
    synthea = late / "synthea"
    with duckdb.connect() as con:
        con.execute(f"attach '{builds['batch'].db_path}' as hospital (read_only)")
        patient, stay, discharge, visits = con.sql("""
            with last_stays as (
                select patient_id, stay_id, discharge_date,
                    row_number() over (partition by patient_id order by admit_at desc) as latest
                from hospital.marts.fct_stays
                where source_system = 'synthea' and patient_death_date is null
            )
            select s.patient_id, s.stay_id, s.discharge_date, count(*)
            from last_stays as s
            join hospital.marts.fct_encounters as f on f.source_system = 'synthea' and f.patient_id = s.patient_id
            where s.latest = 1
            group by all
            having max(f.start_date) <= s.discharge_date
            order by s.patient_id limit 1""").fetchone()
        patients = synthea / "patients.parquet"
        con.execute(f"""copy (
            select * replace (case when "Id" = '{patient}' then '{discharge}' else "DEATHDATE" end as "DEATHDATE")
            from read_parquet('{patients}')
        ) to '{synthea / 'late_patients.parquet'}' (format parquet)""")
        (synthea / "late_patients.parquet").replace(patients)
        for name in ("encounters", "conditions", "observations", "procedures"):
            _empty_parquet(con, synthea / f"{name}.parquet")
        _empty_parquet(con, late / "emr" / "visits.parquet")
    db = _batch_on_copy(builds["batch"].db_path, tmp_path / "build", late)
    assert _query(db, """select reason, count(distinct patient_id), count(*)
                         from intermediate.batch_encounters_in_scope
                         join staging.stg_synthea__encounters using (source_system, encounter_id)
                         group by all""") == [("patient_changed", 1, visits)]
    assert _query(db, f"""select reason from intermediate.batch_patients_in_scope
                         where patient_id = '{patient}'""") == [("admission_refreshed",)]
    assert _query(db, f"""select died_in_stay, patient_death_date from marts.fct_stays
                         where stay_id = '{stay}'""") == [(True, discharge)]
    assert _query(db, f"""select count(*) from intermediate.int_history_encounters_enriched
                         where patient_id = '{patient}' and patient_death_date = '{discharge}'""") == [(visits,)]
