"""The `hospital` command line (hospital_warehouse/cli.py) and the Makefile in front of it: the jobs it lists,
a build that stops at its first failing step, one build at a time, a batch without a warehouse, and values
that reach the steps literally."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO
from hospital_warehouse import cli

JOBS = ["build", "batch", "check", "publish", "share", "query", "metrics", "dashboard", "report", "generate", "bench"]


def test_help_lists_every_job_with_an_example():
    result = CliRunner().invoke(cli.main, ["--help"])
    assert result.exit_code == 0
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.startswith("  ")]
    assert set(JOBS) <= set(listed), listed
    assert "Example: hospital build --synthea" in result.output


@pytest.mark.parametrize("job", ["build", "batch", "check", "bench"])
def test_each_click_job_shows_an_example(job):
    result = CliRunner().invoke(cli.main, [job, "--help"])
    assert result.exit_code == 0 and "Example: hospital " in result.output, result.output


@pytest.mark.parametrize("job", ["publish", "share", "query", "metrics", "dashboard", "report", "generate", "summary",
                                 "compare", "codesets", "split", "land"])
def test_each_tool_shows_its_own_options_under_its_name(job):
    result = CliRunner().invoke(cli.main, [job, "--help"])
    assert result.exit_code == 0 and f"usage: hospital {job}" in result.output, result.output
    # and ends with the example of `hospital --help`
    assert result.output.rstrip().splitlines()[-1].startswith(f"Example: {'HOSPITAL_SHARE_KEY=$(openssl rand -hex 32) ' if job == 'share' else ''}hospital {job}"), result.output


def test_a_tool_s_usage_error_keeps_its_exit_status_and_shows_no_example():
    proc = subprocess.run([sys.executable, "-m", "hospital_warehouse.cli", "publish", "--no-such-option"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2 and "unrecognized arguments: --no-such-option" in proc.stderr
    assert "Example:" not in proc.stdout + proc.stderr


@pytest.fixture()
def checkout(tmp_path, monkeypatch) -> Path:
    """The build file of a checkout of our own, where no build has run."""
    db = tmp_path / "warehouse" / "hospital.duckdb"
    monkeypatch.setattr(cli, "BUILD_DB", db)
    return db


def test_a_batch_before_any_build_says_so_in_one_line(checkout):
    result = CliRunner().invoke(cli.main, ["batch", "--emr", "/data/visits.csv"])
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: no warehouse at {checkout} yet: a batch adds to a built warehouse; run "
                                     "`hospital build` (make build) first")


def test_a_second_build_stops_at_once_naming_the_running_one(checkout, monkeypatch):
    ran = []
    monkeypatch.setattr(cli, "run_steps", lambda *a: ran.append(a) or 0)
    with cli.build_lock():
        result = CliRunner().invoke(cli.main, ["build"])
    assert result.exit_code == 2 and not ran
    line = result.output.strip()
    assert line.startswith(f"error: another build is running in this checkout (process {os.getpid()}, started ")
    assert line.endswith("UTC): wait for it to finish; this one did nothing"), line
    assert CliRunner().invoke(cli.main, ["build"]).exit_code == 0 and len(ran) == 1  # the lock is free again


def test_a_build_stops_at_its_first_failing_step_and_runs_nothing_after(checkout, monkeypatch, tmp_path):
    after = tmp_path / "published"
    steps = [cli.Step("door", [sys.executable, "-c", "raise SystemExit(3)"]),
             cli.Step("publish", [sys.executable, "-c", f"open({str(after)!r}, 'w')"])]
    monkeypatch.setattr(cli, "build_steps", lambda *a: steps)
    result = CliRunner().invoke(cli.main, ["build"])
    assert result.exit_code == 3 and not after.exists()
    assert "[1/2] door: stopped (exit 3) in " in result.output
    assert "build stopped at 'door': nothing more was built or published" in result.output


def test_paths_and_the_share_key_reach_the_steps_literally(tmp_path):
    """make hands SYNTHEA and a key given on its command line to `hospital` as they were typed: a `$` is not
    expanded (a key whose `$y` vanished would give pseudonyms no stored key reproduces)."""
    show = 'show: ; @printf "%s|%s" "$$HOSPITAL_SYNTHEA_RAW_PATH" "$$HOSPITAL_SHARE_KEY"'
    proc = subprocess.run(["make", "--no-print-directory", "--eval", show, "show", f"SYNTHEA={tmp_path}/a $x 'b'",
                           "HOSPITAL_SHARE_KEY=k$y$(z)0123456789abcdef"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{tmp_path}/a $x 'b'|k$y$(z)0123456789abcdef"


def test_compare_takes_its_paths_and_schema_literally(tmp_path, capsys):
    """`hospital compare`: a path or a schema name holding a quote is data, never SQL (each is a quoted
    literal or identifier); a path with no file is one line."""
    import duckdb

    from hospital_warehouse import compare_warehouses

    folder = tmp_path / "it's here"
    folder.mkdir()
    for name, value in (("a.duckdb", 1), ("b.duckdb", 2)):
        with duckdb.connect(str(folder / name)) as con:
            con.execute('create schema "o\'brien"; create table "o\'brien".t as select ? as x', [value])
    assert compare_warehouses.main([str(folder / "a.duckdb"), str(folder / "a.duckdb"), "--schema", "o'brien"]) == 0
    assert compare_warehouses.main([str(folder / "a.duckdb"), str(folder / "b.duckdb"), "--schema", "o'brien"]) == 1
    assert "o'brien.t: 1 of 1 rows have no equal row on the right" in capsys.readouterr().out
    assert compare_warehouses.main([str(folder / "none.duckdb"), str(folder / "a.duckdb")]) == 2
    assert capsys.readouterr().err == f"error: {folder / 'none.duckdb'}: no warehouse file there\n"
