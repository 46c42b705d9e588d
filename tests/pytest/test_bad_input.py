"""Bad input, as real deliveries bring it.

Each case damages a copy of a small clean export. A case that stops must stop at the door with one message
naming the file, the line or column and the problem: every stop case runs the door in this process (what
`hospital check` runs), and a few of them run end to end through `hospital build` in a copy of the project
(so nothing touches this checkout's warehouse), which must exit non-zero and publish nothing (the last
published copy and exports stay byte for byte). A case that builds runs `hospital build` in that copy and
must reconcile every raw file: raw rows = clean + quarantined + duplicates, with the raw rows equal to the
data lines the case wrote. Dirt that loads shares builds: one export carries the dirt of several cases.
"""
from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from conftest import REPO
from hospital_warehouse import rawfiles
from hospital_warehouse.generator.emr import emr_columns
from hospital_warehouse.quality import run as run_quality

pytestmark = pytest.mark.slow

PUBLISHED = ("warehouse/hospital_bi.duckdb", "exports/manifest.json")


def hospital(project: Path, command: str, synthea: Path | str | None, emr: Path | str | None,
             encoding: str | None = None, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """`hospital COMMAND --synthea ... --emr ...` in the project copy: `python -m` from the copy imports the
    copy's package, so everything it writes stays in the copy."""
    args = [*prefix, sys.executable, "-m", "hospital_warehouse.cli", command]
    args += ["--synthea", str(synthea or ""), "--emr", str(emr or "")] + (["--encoding", encoding] if encoding else [])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSPITAL_", "MAKE"))}
    env["DBT_LOG_LEVEL_FILE"] = "none"  # dbt's debug log file, which no test reads (what dbt prints is kept)
    return subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=900)


def make_build(project: Path, synthea: Path | str | None, emr: Path | str | None, encoding: str | None = None):
    return hospital(project, "build", synthea, emr, encoding)


def door(synthea: Path | str | None, emr: Path | str | None, encoding: str | None, reports: Path, capsys,
         monkeypatch) -> tuple[int, str]:
    """The door in this process, as `hospital check` runs it: (exit code, what it printed to stderr). What it
    writes beside the checkout's build (UTF-8 copies, spill files) goes under reports' folder instead."""
    monkeypatch.setattr(rawfiles, "UTF8_COPIES", reports.parent / "raw_utf8")
    monkeypatch.setattr(run_quality, "SPILL", reports.parent / "quality_tmp")
    # the verdicts only: great-expectations' Data Docs are test_quality.py's
    args = ["--stage", "raw", "--quiet", "--no-data-docs", "--reports", str(reports)] + (
        ["--encoding", encoding] if encoding else [])
    args += (["--synthea-path", str(synthea)] if synthea else []) + (["--emr-path", str(emr)] if emr else [])
    capsys.readouterr()
    code = run_quality.main(args)
    return code, capsys.readouterr().err


def published_state(project: Path) -> dict[str, bytes | None]:
    return {p: (project / p).read_bytes() if (project / p).exists() else None for p in PUBLISHED}


def plant_published(project: Path) -> None:
    """A stand-in for the last good publication, which a stopped build must leave as it is."""
    for p in PUBLISHED:
        (project / p).parent.mkdir(parents=True, exist_ok=True)
        (project / p).write_bytes(b"last good copy of " + p.encode())


# --- damage helpers: each edits a file of the export copy in place ------------------------------------

def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def edit_line(path: Path, n: int, fn: Callable[[bytes], bytes]) -> None:
    """Apply fn to line n (1 = the header)."""
    lines = lines_of(path)
    lines[n - 1] = fn(lines[n - 1])
    path.write_bytes(b"".join(lines))


def in_field(k: int, text: bytes) -> Callable[[bytes], bytes]:
    """A line edit: text put at the start of field k (1-based) of a comma-separated line."""
    def edit(line: bytes) -> bytes:
        parts = line.split(b",")
        parts[k - 1] = text + parts[k - 1]
        return b",".join(parts)
    return edit


def recode(path: Path, encoding: str) -> None:
    path.write_bytes(path.read_bytes().decode("utf-8-sig").encode(encoding))


@dataclass
class Case:
    name: str
    damage: Callable[[Path, Path], tuple[Path | str | None, Path | str | None]]  # (export) -> (SYNTHEA, EMR)
    expect: list[str] = field(default_factory=list)  # fragments of the one message (stop cases)
    builds: bool = False
    encoding: str | None = None
    lines: dict = field(default_factory=dict)  # raw file name -> data rows expected (build cases)
    check: Callable | None = None  # more assertions on the build file (a read-only connection)
    no_rows: bool = False  # a build case whose files hold no data row


def default(x: Path) -> tuple[Path, Path]:
    return x / "synthea", x / "emr" / "visits.csv"


def _latin1_name(x: Path):
    edit_line(x / "synthea" / "patients.csv", 3, in_field(6, b"Jos\xe9"))  # FIRST
    return default(x)


def _cp1252_dash(x: Path):
    edit_line(x / "synthea" / "encounters.csv", 4, in_field(9, b"a \x96 b "))  # DESCRIPTION
    return default(x)


def _utf16(x: Path):
    recode(x / "synthea" / "patients.csv", "utf-16")
    return default(x)


def _zero_bytes(name: str):
    def damage(x: Path):
        (x / "synthea" / f"{name}.csv").write_bytes(b"")
        return default(x)
    return damage


def _drop_column(x: Path):
    p = x / "synthea" / "procedures.csv"
    import csv
    import io
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig"))))
    i = rows[0].index("ENCOUNTER")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:i] + r[i + 1:] for r in rows])
    p.write_text(out.getvalue(), encoding="utf-8")
    return default(x)


def _header_only_encounters(x: Path):
    p = x / "synthea" / "encounters.csv"
    p.write_bytes(lines_of(p)[0])
    return default(x)


def _both(first, second):
    def damage(x: Path):
        first(x)
        return second(x)
    return damage


def _delimited(name: str, sep: str):
    def damage(x: Path):
        p = x / "synthea" / f"{name}.csv" if name != "visits" else x / "emr" / "visits.csv"
        text = p.read_text(encoding="utf-8-sig")
        assert sep not in text
        import csv
        import io
        rows = list(csv.reader(io.StringIO(text)))
        out = io.StringIO()
        csv.writer(out, delimiter=sep, lineterminator="\n").writerows(rows)
        p.write_text(out.getvalue(), encoding="utf-8")
        return default(x)
    return damage


def _missing_file(x: Path):
    (x / "synthea" / "payers.csv").unlink()
    return default(x)


def _folder_for_file(x: Path):
    p = x / "synthea" / "organizations.csv"
    p.unlink()
    p.mkdir()
    return default(x)


def _gzip_named_csv(x: Path):
    p = x / "synthea" / "conditions.csv"
    p.write_bytes(gzip.compress(p.read_bytes()))
    return default(x)


def _bom_mid_file(x: Path):
    edit_line(x / "synthea" / "observations.csv", 40, lambda b: b"\xef\xbb\xbf" + b)
    return default(x)


def _header_repeated(x: Path):
    p = x / "synthea" / "procedures.csv"
    lines = lines_of(p)
    header = lines[0].removeprefix(b"\xef\xbb\xbf")
    p.write_bytes(b"".join(lines[:30] + [header] + lines[30:]))
    return default(x)


def _unclosed_quote(x: Path):
    edit_line(x / "synthea" / "conditions.csv", 12, lambda b: b.replace(b",", b',"open', 1))
    return default(x)


def _nul_byte(x: Path):
    edit_line(x / "synthea" / "encounters.csv", 7, lambda b: b[:10] + b"\x00" + b[10:])
    return default(x)


def _truncated(x: Path):
    p = x / "synthea" / "procedures.csv"
    data = p.read_bytes().rstrip(b"\r\n")
    cut = data.rfind(b"\n") + 40  # the last line cut after 40 bytes, as an interrupted copy leaves it
    p.write_bytes(data[:cut])
    return default(x)


def _link_loop(x: Path):
    p = x / "synthea" / "patients.csv"
    p.unlink()
    p.symlink_to("patients.csv")
    return default(x)


def _broken_link(x: Path):
    p = x / "synthea" / "patients.csv"
    p.unlink()
    p.symlink_to(x / "moved_away" / "patients.csv")
    return default(x)


def _emr_link_loop(x: Path):
    (x / "emr" / "a.csv").symlink_to(x / "emr" / "b.csv")
    (x / "emr" / "b.csv").symlink_to(x / "emr" / "a.csv")
    return x / "synthea", x / "emr" / "a.csv"


def _header_with_spaces(x: Path):
    p = x / "synthea" / "payers.csv"
    lines = lines_of(p)
    lines[0] = lines[0].replace(b",", b", ")
    p.write_bytes(b"".join(lines))
    return default(x)


def _ids_in_upper_case(x: Path):
    """patients.csv with its ids in upper case, encounters.csv pointing at them in lower case."""
    p = x / "synthea" / "patients.csv"
    lines = lines_of(p)
    p.write_bytes(b"".join(lines[:1] + [ln.split(b",", 1)[0].upper() + b"," + ln.split(b",", 1)[1] for ln in lines[1:]]))
    return default(x)


def _start_in_another_format(x: Path):
    """Every START of encounters.csv written MM/DD/YYYY HH:MM, as a spreadsheet re-saves it."""
    def us(line: bytes) -> bytes:
        parts = line.split(b",")
        d = parts[1].decode()
        parts[1] = f"{d[5:7]}/{d[8:10]}/{d[0:4]} {d[11:16]}".encode()
        return b",".join(parts)
    p = x / "synthea" / "encounters.csv"
    lines = lines_of(p)
    p.write_bytes(b"".join(lines[:1] + [us(ln) for ln in lines[1:]]))
    return default(x)


def _visit_dates(x: Path, dates: dict[int, str]) -> Path:
    """visits.csv with the Visit Date of the given data rows rewritten."""
    import csv
    import io
    p = x / "emr" / "visits.csv"
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig"))))
    i = rows[0].index("Visit Date")
    for row, value in dates.items():
        rows[row][i] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    p.write_text(out.getvalue(), encoding="utf-8")
    return p


def _dates_in_both_orders(x: Path):
    """Data row 1 written day-first (25 can only be a day), data row 2 month-first."""
    _visit_dates(x, {1: "25-03-2024", 2: "03-25-2024"})
    return default(x)


def _emr_missing(x: Path):
    return x / "synthea", x / "emr" / "nowhere.csv"


def _emr_glob_empty(x: Path):
    return x / "synthea", str(x / "emr" / "visits_2031_*.csv")


def _synthea_missing(x: Path):
    return x / "no_such_export", None


def _synthea_is_a_file(x: Path):
    return x / "synthea" / "patients.csv", None


def _shell_text(x: Path):
    return f'{x}/x"; touch {x}/PWNED; echo "', None


def _crlf_mixed(x: Path):
    p = x / "synthea" / "encounters.csv"
    lines = [ln.rstrip(b"\r\n") + (b"\r\n" if i % 2 else b"\n") for i, ln in enumerate(lines_of(p))]
    p.write_bytes(b"".join(lines))
    return default(x)


def _trailing_empty_columns(x: Path):
    p = x / "synthea" / "procedures.csv"
    p.write_bytes(b"".join(ln.rstrip(b"\r\n") + b",,\n" for ln in lines_of(p)))
    return default(x)


def _blank_column(x: Path):
    import csv
    import io
    p = x / "synthea" / "encounters.csv"
    rows = list(csv.reader(io.StringIO(p.read_text(encoding="utf-8-sig"))))
    i = rows[0].index("REASONDESCRIPTION")
    for r in rows[1:]:
        r[i] = ""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    p.write_text(out.getvalue(), encoding="utf-8")
    return default(x)


def _emr_monthly_folder(x: Path):
    """Two monthly files in a folder whose name holds brackets, a space, a quote and a dollar."""
    folder = x / "emr" / "export [2024] $HOME 'q'"
    folder.mkdir()
    lines = lines_of(x / "emr" / "visits.csv")
    (folder / "visits_2024_01.csv").write_bytes(b"".join(lines[:61]))
    (folder / "visits_2024_02.csv").write_bytes(b"".join(lines[:1] + lines[61:]))
    return x / "synthea", folder


def _emr_month_sent_twice(x: Path):
    """The monthly folder holds January twice, the second time under another name."""
    folder = x / "emr" / "export [2024] $HOME 'q'"
    if not folder.exists():
        _emr_monthly_folder(x)
    shutil.copy(folder / "visits_2024_01.csv", folder / "visits_2024_01_copy.csv")
    return x / "synthea", folder


def _month_sent_twice_is_duplicates(con) -> None:
    got = con.sql("select sum(raw_rows), sum(clean_rows), sum(duplicate_rows) from marts.mart_data_quality "
                  "where source_file like '%visits_2024_01%.csv' group by source_file order by source_file").fetchall()
    assert got == [(60, 60, 0), (60, 0, 60)], got


def _emr_glob(x: Path):
    lines = lines_of(x / "emr" / "visits.csv")
    (x / "emr" / "m_01.csv").write_bytes(b"".join(lines[:51]))
    (x / "emr" / "m_02.csv").write_bytes(b"".join(lines[:1] + lines[51:]))
    (x / "emr" / "visits.csv").unlink()
    return x / "synthea", str(x / "emr" / "m_*.csv")


def _synthea_glob_folder(x: Path):
    folder = x / "export[2024]"
    shutil.move(x / "synthea", folder)
    return folder, None


def _synthea_glob_folder_with_emr(x: Path):
    """The Synthea folder with brackets beside whatever EMR extract the export's earlier damage left."""
    folder, _ = _synthea_glob_folder(x)
    months = x / "emr" / "export [2024] $HOME 'q'"
    return folder, months if months.exists() else x / "emr" / "visits.csv"


def _emr_alone(variant: str):
    """The EMR extract alone, in one of its two layouts (the basic one carries no cost, satisfaction or
    readmission flag: every test comparing such a measure must hold with it absent on both sides)."""
    def damage(x: Path):
        import csv
        import io
        p = x / "emr" / "visits.csv"
        rows = list(csv.DictReader(io.StringIO(p.read_text(encoding="utf-8-sig"))))
        out = io.StringIO()
        w = csv.DictWriter(out, fieldnames=emr_columns(variant), extrasaction="ignore", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        p.write_text(out.getvalue(), encoding="utf-8")
        return None, p
    return damage


def _crlf_in_a_quoted_value_of_an_lf_file(x: Path):
    """payers.csv with LF line ends, one name holding a CRLF inside its quotes: valid CSV, read as it is."""
    p = x / "synthea" / "payers.csv"
    lines = [ln.rstrip(b"\r\n") + b"\n" for ln in lines_of(p)]
    parts = lines[2].split(b",")
    parts[1] = b'"' + parts[1].strip(b'"') + b'\r\nMutual"'
    lines[2] = b",".join(parts)
    p.write_bytes(b"".join(lines))
    return default(x)


def _line_over_the_limit(x: Path):
    """Line 5 of encounters.csv 2.1 MB long (a description of 2.1 million characters)."""
    edit_line(x / "synthea" / "encounters.csv", 5, in_field(9, b"x" * 2_100_000))
    return default(x)


def set_field(k: int, value: bytes) -> Callable[[bytes], bytes]:
    """A line edit: field k (1-based) of a comma-separated line set to value."""
    def edit(line: bytes) -> bytes:
        parts = line.split(b",")
        parts[k - 1] = value
        return b",".join(parts)
    return edit


def _impossible_patient_dates(x: Path):
    """patients.csv data rows 2-4: born in 2090; born in 1800; dead in 2090 (BIRTHDATE, DEATHDATE: fields 2, 3)."""
    p = x / "synthea" / "patients.csv"
    edit_line(p, 3, set_field(2, b"2090-05-01"))
    edit_line(p, 4, set_field(2, b"1800-01-01"))
    edit_line(p, 5, set_field(3, b"2090-05-01"))
    return default(x)


def _impossible_dates_kept_unknown(con) -> None:
    got = con.sql("select source_row, birth_date, death_date, data_issues from staging.stg_synthea__patients "
                  "where source_row in (2, 3, 4) order by source_row").fetchall()
    assert [(r[0], r[1], r[2]) for r in got] == [(2, None, None), (3, None, None), (4, got[2][1], None)], got
    assert got[2][1] is not None
    assert "future_birthdate" in got[0][3] and "implausible_birthdate" in got[1][3] and "future_deathdate" in got[2][3]


def _emr_header_only_alone(x: Path):
    """The EMR extract alone with its header and no row: the contract loads it as no rows."""
    p = x / "emr" / "visits.csv"
    p.write_bytes(lines_of(p)[0])
    return None, p


def _exponent_cost(x: Path):
    """Line 5 (data row 4): TOTAL_CLAIM_COST, the 11th field, written 1e3."""
    def edit(line: bytes) -> bytes:
        parts = line.split(b",")
        parts[10] = b"1e3"
        return b",".join(parts)
    edit_line(x / "synthea" / "encounters.csv", 5, edit)
    return default(x)


def _exponent_cost_is_not_an_amount(con) -> None:
    row = con.sql("""select data_issues, rejection_reason from (
            select cast(data_issues as varchar) as data_issues, null as rejection_reason, source_row
            from staging.stg_synthea__encounters
            union all
            select null, rejection_reason, source_row from staging.stg_synthea__quarantine where raw_table = 'encounters')
        where source_row = 4""").fetchall()
    assert len(row) == 1 and "unparseable_total_claim_cost" in str(row[0]), row
    assert con.sql("select count(*) from marts.fct_encounters where total_claim_cost = 1000").fetchone()[0] == 0


def _no_visits(con) -> None:
    assert con.sql("select count(*) from marts.fct_encounters").fetchone()[0] == 0
    assert con.sql("select count(*) from marts.dim_patients").fetchone()[0] == 0


def _cp1252_undefined(x: Path):
    for p in [*(x / "synthea").glob("*.csv"), x / "emr" / "visits.csv"]:
        recode(p, "cp1252")
    edit_line(x / "synthea" / "patients.csv", 3, in_field(6, b"A\x81"))  # 0x81: no character in Windows-1252
    return default(x)


def _utf8_bom_read_as_cp1252(x: Path):
    for p in [*(x / "synthea").glob("*.csv"), x / "emr" / "visits.csv"]:
        if p.name != "payers.csv":
            recode(p, "cp1252")
    return default(x)


CASES = [
    Case("latin1-byte", _latin1_name, ["patients.csv", "line 3", "0xE9", "ENCODING=latin-1"]),
    Case("cp1252-en-dash", _cp1252_dash, ["encounters.csv", "line 4", "0x96", "ENCODING=cp1252"]),
    Case("byte-cp1252-leaves-undefined", _cp1252_undefined, ["patients.csv", "line 3", "0x81", "not valid cp1252"],
         encoding="cp1252"),
    Case("utf8-bom-read-as-cp1252", _utf8_bom_read_as_cp1252, ["payers.csv", "line 1", "UTF-8 byte-order mark"],
         encoding="cp1252"),
    Case("utf16-without-setting", _utf16, ["patients.csv", "line 1", "UTF-16", "ENCODING=utf-16"]),
    Case("zero-byte-procedures", _zero_bytes("procedures"), ["procedures.csv", "empty (0 bytes)"]),
    Case("zero-byte-patients", _zero_bytes("patients"), ["patients.csv", "empty (0 bytes)"]),
    Case("missing-key-column", _drop_column, ["procedures.csv", "header", "lacks column(s) ENCOUNTER"]),
    Case("header-only-encounters", _header_only_encounters,
         ["encounters.csv: 0 data rows", "procedures.csv (1958 of 1958 rows)", "conditions.csv (", "looks truncated"]),
    Case("required-file-missing", _missing_file, ["synthea", "has no payers.csv"]),
    Case("folder-for-a-file", _folder_for_file, ["organizations.csv", "is a folder"]),
    Case("gzip-named-csv", _gzip_named_csv, ["conditions.csv", "gzip-compressed but named .csv"]),
    Case("bom-mid-file", _bom_mid_file, ["observations.csv", "line 40", "byte-order mark in the middle"]),
    Case("header-repeated", _header_repeated, ["procedures.csv", "line 31", "repeats the header"]),
    Case("quote-never-closed", _unclosed_quote, ["conditions.csv", "line 12", "quote that never closes"]),
    Case("nul-byte", _nul_byte, ["encounters.csv", "line 7", "NUL (0x00)"]),
    Case("truncated-last-line", _truncated, ["procedures.csv", "line ", "fields where the header has 9"]),
    Case("emr-file-missing", _emr_missing, ["nowhere.csv", "no EMR extract"]),
    Case("header-with-spaces", _header_with_spaces,
         ["payers.csv", "header", 'Found: Id," NAME"," ADDRESS"', "names hold spaces around them (' NAME'"]),
    Case("ids-in-another-case", _ids_in_upper_case,
         ["encounters.csv: PATIENT:", "rows point at patients.csv ids that differ only in letter case (e.g. "]),
    Case("start-in-another-format", _start_in_another_format,
         ["encounters.csv", "line 2", "rows fail check start_is_utc_timestamp", "format problem, not dirt",
          "var reject_share_limit"]),
    Case("dates-in-both-orders", _dates_in_both_orders,
         ["visits.csv: lines 2 and 3: writes dates day-first (line 2: 25-03-2024) and month-first (line 3: 03-25-2024)",
          "DATE_ORDER=dmy|mdy"]),
    Case("symlink-loop", _link_loop, ["patients.csv", "symbolic link that loops back on itself"]),
    Case("broken-symlink", _broken_link, ["patients.csv", "symbolic link to", "moved_away", "does not exist"]),
    Case("emr-symlink-loop", _emr_link_loop, ["a.csv", "symbolic link that loops back on itself"]),
    Case("emr-glob-matches-nothing", _emr_glob_empty, ["visits_2031_*.csv", "no EMR extract"]),
    Case("synthea-folder-missing", _synthea_missing, ["no_such_export", "not found"]),
    Case("synthea-is-a-file", _synthea_is_a_file, ["patients.csv", "is a file"]),
    Case("shell-text-in-path", _shell_text, ['x"; touch', "not found"]),
    Case("unknown-encoding", default, ["ENCODING", "unknown encoding 'ebcdic'"], encoding="ebcdic"),
    Case("mixed-crlf-lf", _crlf_mixed, ["encounters.csv", "line 2", "mixes line endings"]),
    Case("line-over-the-reader-s-limit", _line_over_the_limit,
         ["encounters.csv", "line 5", "over the CSV reader's limit of 2,000,000 bytes a line",
          "hospital build --max-line-size 2", "HOSPITAL_RAW_MAX_LINE_SIZE="]),
    Case("crlf-in-a-quoted-value-of-an-lf-file", _crlf_in_a_quoted_value_of_an_lf_file, builds=True),
    Case("impossible-patient-dates", _impossible_patient_dates, builds=True, check=_impossible_dates_kept_unknown),
    Case("trailing-empty-columns", _trailing_empty_columns, builds=True),
    Case("column-of-blanks", _blank_column, builds=True),
    # one build for both delimiters (each case's build costs about 27 s)
    Case("tab-delimited-patients-and-semicolon-emr", _both(_delimited("patients", "\t"), _delimited("visits", ";")),
         builds=True),
    Case("emr-monthly-folder-odd-name", _emr_monthly_folder, builds=True,
         lines={"visits_2024_01.csv": 60, "visits_2024_02.csv": 60}),
    Case("emr-glob", _emr_glob, builds=True, lines={"m_01.csv": 50, "m_02.csv": 70}),
    Case("emr-month-sent-twice", _emr_month_sent_twice, builds=True, lines={"visits_2024_01_copy.csv": 60},
         check=_month_sent_twice_is_duplicates),
    Case("synthea-folder-with-brackets", _synthea_glob_folder_with_emr, builds=True),
    Case("cost-in-exponent-notation", _exponent_cost, builds=True, check=_exponent_cost_is_not_an_amount),
    Case("emr-basic-alone", _emr_alone("basic"), builds=True, lines={"visits.csv": 120}),
    Case("emr-extended-alone", _emr_alone("extended"), builds=True, lines={"visits.csv": 120}),
    Case("emr-header-only-alone", _emr_header_only_alone, builds=True, check=_no_visits, no_rows=True),
]


def data_lines(path: Path, encoding: str = "utf-8") -> int:
    text = path.read_bytes().decode("utf-8-sig" if encoding == "utf-8" else encoding)
    return len([ln for ln in text.splitlines()[1:] if ln.strip()])


# The cases whose dirt loads and that touch different files share one build of an export carrying all of
# them (each build costs about 30 s); the folder with brackets comes last, as it moves the Synthea folder.
SHARED_BUILD = ["impossible-patient-dates", "cost-in-exponent-notation", "column-of-blanks", "trailing-empty-columns",
                "crlf-in-a-quoted-value-of-an-lf-file",
                "tab-delimited-patients-and-semicolon-emr", "emr-monthly-folder-odd-name", "emr-month-sent-twice",
                "synthea-folder-with-brackets"]
STOPS = [c for c in CASES if not c.builds]
# stop cases that also run end to end, through `hospital build`: a path that holds shell text, an empty
# required file, and a setting that is wrong (the door's three ways of stopping: path, file, option)
END_TO_END = ["shell-text-in-path", "zero-byte-patients", "unknown-encoding"]


def assert_one_error(stderr: str, case: Case) -> None:
    errors = [ln for ln in stderr.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1, stderr
    for fragment in case.expect:
        assert fragment in errors[0], (fragment, errors[0])


@pytest.mark.parametrize("case", STOPS, ids=[c.name for c in STOPS])
def test_bad_input_stops_at_the_door(case: Case, clean, tmp_path, capsys, monkeypatch):
    export = shutil.copytree(clean, tmp_path / "export")
    synthea, emr = case.damage(export)
    code, stderr = door(synthea, emr, case.encoding, tmp_path / "reports", capsys, monkeypatch)
    assert code == run_quality.STOP, stderr
    assert "Traceback" not in stderr, stderr
    assert_one_error(stderr, case)


LOADS = [c for c in CASES if c.builds]


@pytest.mark.parametrize("case", LOADS, ids=[c.name for c in LOADS])
def test_loadable_input_passes_the_door(case: Case, clean, tmp_path, capsys, monkeypatch):
    """Every case that builds passes the door alone, in this process (its build below checks the rest)."""
    export = shutil.copytree(clean, tmp_path / "export")
    synthea, emr = case.damage(export)
    code, stderr = door(synthea, emr, case.encoding, tmp_path / "reports", capsys, monkeypatch)
    assert code == 0, stderr


@pytest.mark.parametrize("dates, note", [
    ({1: "04-09-2024", 2: "04-10-2024"}, "2 dates written with the year last could be either order (no day over 12): "
                                         "read day-first, the default; DATE_ORDER=mdy reads them month-first"),
    ({1: "04-09-2024", 2: "04-25-2024"}, "2 dates written with the year last are read month-first (line 3: "
                                         "04-25-2024 proves it)"),
    ({1: "04-09-2024", 2: "25-04-2024"}, None),
])
def test_the_door_reports_how_a_file_s_dates_are_read(dates, note, clean, tmp_path, capsys, monkeypatch):
    export = shutil.copytree(clean, tmp_path / "export")
    visits = _visit_dates(export, dates)
    code, stderr = door(None, visits, None, tmp_path / "reports", capsys, monkeypatch)
    notes = [ln for ln in stderr.splitlines() if ln.startswith("note: ")]
    assert code == 0 and notes == ([f"note: {visits}: {note}"] if note else []), stderr


def test_a_long_line_passes_the_door_with_the_limit_raised(clean, tmp_path, capsys, monkeypatch):
    export = shutil.copytree(clean, tmp_path / "export")
    synthea, emr = _line_over_the_limit(export)
    monkeypatch.setenv(rawfiles.MAX_LINE_ENV, "2200000")
    code, stderr = door(synthea, emr, None, tmp_path / "reports", capsys, monkeypatch)
    assert code == 0, stderr


@pytest.mark.parametrize("name", END_TO_END)
def test_a_stopped_build_publishes_nothing(name: str, project, clean, tmp_path):
    case = next(c for c in CASES if c.name == name)
    export = shutil.copytree(clean, tmp_path / "export")
    synthea, emr = case.damage(export)
    plant_published(project)
    before = published_state(project)
    proc = make_build(project, synthea, emr, case.encoding)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    assert proc.returncode != 0, proc.stderr[-3000:]
    assert_one_error(proc.stderr, case)
    assert published_state(project) == before, "a stopped build published"
    assert "[2/7] dbt build" not in proc.stderr, "dbt ran after the door stopped"
    assert not (export / "PWNED").exists()


def test_a_held_build_file_stops_with_one_sentence(project, clean, tmp_path):
    (project / "warehouse").mkdir(exist_ok=True)
    db = project / "warehouse" / "hospital.duckdb"
    db.unlink(missing_ok=True)
    duckdb.connect(str(db)).close()
    holder = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "python"), "-c",
         f"import duckdb, sys, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        plant_published(project)
        before = published_state(project)
        proc = make_build(project, *default(clean))
        errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error: ")]
        assert proc.returncode != 0 and len(errors) == 1, proc.stderr
        assert f"process {holder.pid}" in errors[0] and "hospital_bi.duckdb" in errors[0], errors[0]
        assert "Traceback" not in proc.stdout + proc.stderr
        assert published_state(project) == before
    finally:
        holder.kill()
        holder.wait()


def test_a_file_without_read_permission_stops(project, clean, tmp_path):
    """patients.csv without read permission. Root reads any file through its capabilities: under root the
    build runs without them (setpriv drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), as a user would."""
    export = shutil.copytree(clean, tmp_path / "export")
    (export / "synthea" / "patients.csv").chmod(0)
    plant_published(project)
    before = published_state(project)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: root reads a file without read permission")
        prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search")
    proc = hospital(project, "build", *default(export), prefix=prefix)
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error: ")]
    assert proc.returncode != 0 and len(errors) == 1, proc.stdout[-2000:] + proc.stderr
    assert "patients.csv" in errors[0] and "permission denied" in errors[0], errors[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert published_state(project) == before, "a stopped build published"


def test_the_package_a_command_runs_is_its_own_checkout_s(project, tmp_path):
    """`python -m hospital_warehouse.cli` in a copy of the project runs the copy's code, whose REPO is the copy
    (so these tests' builds stay in their copies), while the installed `hospital` runs this checkout's."""
    where = [sys.executable, "-c", "import hospital_warehouse; print(hospital_warehouse.REPO)"]
    in_copy = subprocess.run(where, cwd=project, capture_output=True, text=True, check=True).stdout.strip()
    elsewhere = subprocess.run(where, cwd=tmp_path, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(in_copy) == project.resolve() and Path(elsewhere) == REPO.resolve(), (in_copy, elsewhere)
    console = Path(sys.executable).with_name("hospital")
    assert subprocess.run([str(console), "--help"], cwd=project, capture_output=True, text=True,
                          check=True).stdout.count("build") >= 1
