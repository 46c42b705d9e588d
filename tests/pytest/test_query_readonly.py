"""`hospital query` and `hospital metrics` read the published copy and nothing else, whatever they are given
(issue 37, finding 12): a statement that is not one query is refused before it runs, the connection cannot
reach any other file (no ATTACH, COPY, EXPORT, read_csv, extension install), arguments are bound as
parameters. Each attempt gets one line and exit 2, and no file changes, byte for byte."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hospital_warehouse import query


@pytest.fixture()
def place(sample_warehouse, tmp_path) -> dict[str, Path]:
    """A published copy (with its semantic manifest beside it) and a build file, copies of the sample's."""
    shutil.copy(sample_warehouse.db_path, tmp_path / "hospital_bi.duckdb")
    shutil.copy(sample_warehouse.db_path.parent / "target" / "semantic_manifest.json", tmp_path)
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(sample_warehouse.db_path, build / "hospital.duckdb")
    return {"bi": tmp_path / "hospital_bi.duckdb", "build": build / "hospital.duckdb", "root": tmp_path}


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def run(args: list[str], place: dict, capsys) -> tuple[int, str, str]:
    before = files(place["root"])
    capsys.readouterr()
    code = query.main([*args, "--db", str(place["bi"])] if args[:1] != ["metrics"] else
                      [*args, "--db", str(place["bi"])])
    out, err = capsys.readouterr()
    assert files(place["root"]) == before, "a file changed"
    return code, out, err


ATTEMPTS = {
    "attach-the-build-and-drop": ("attach '{build}' as b (read_only false); drop table b.marts.fct_stays",
                                  "2 statements"),
    "attach-alone": ("attach '{build}' as b (read_only false)", "a ATTACH statement"),
    "copy-to-a-file": ("copy (select * from marts.dim_patients) to '{root}/patients.csv'", "a COPY statement"),
    "export-database": ("export database '{root}/export'", "a EXPORT statement"),
    "install-an-extension": ("install httpfs", "a LOAD statement"),
    "read-another-file": ("select * from read_csv('{build}')", "file system operations are disabled"),
    "attach-in-a-select": ("select * from duckdb_databases(); attach '{build}' as b", "2 statements"),
    "settings-unlocked": ("set enable_external_access = true", "a SET statement"),
}


@pytest.mark.parametrize("name", ATTEMPTS)
def test_a_statement_that_could_write_or_read_elsewhere_is_refused(name, place, capsys):
    sql, expect = ATTEMPTS[name]
    code, out, err = run([sql.format(**{k: str(v) for k, v in place.items()})], place, capsys)
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hospital query: ") and expect in lines[0], err
    assert not (place["root"] / "patients.csv").exists() and not (place["root"] / "export").exists()


def test_a_query_reads_and_describe_binds_its_argument(place, capsys):
    code, out, _ = run(["--csv", "select count(*) as n from marts.dim_payers"], place, capsys)
    assert code == 0 and out.splitlines() == ["n", "14"], out
    code, out, _ = run(["--describe", "marts.dim_payers"], place, capsys)
    assert code == 0 and "payer_id" in out
    # the argument is a value, never SQL: the injection finds no table and writes nothing
    evil = f"marts.x' union select 1, 2, 3 from (copy (select 1) to '{place['root']}/d.csv') --"
    code, out, err = run(["--describe", evil], place, capsys)
    assert code == 2 and "no table" in err and not (place["root"] / "d.csv").exists(), err


def test_metrics_cannot_reach_another_file_through_where(place, capsys):
    code, out, err = run(["metrics", "--metrics", "visits", "--where",
                          f"department in (select column0 from read_csv('{place['build']}'))"], place, capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    code, out, err = run(["metrics", "--metrics", "visits", "--by", "year", "--csv"], place, capsys)
    assert code == 0 and out.splitlines()[0] == "year,visits", out
