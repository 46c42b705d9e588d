"""The door: is each raw file of an export usable at all? Runs before anything else of `make build`.

A file is unusable when it is missing, not a file, unreadable, empty, compressed under a CSV name, not in
the encoding the build reads, not delimited as its header says, lacks a column of the data contract, holds
a NUL byte, a byte-order mark or its own header line in the middle (two files pasted together), a quote
that never closes or a line with another number of fields than its header; an export is unusable when most
of a file's rows point at rows another file does not hold (a truncated encounters.csv or patients.csv), or
when a batch's patients snapshot lacks patients the warehouse holds. Each such problem is one `Problem`
(file, line or column, what is wrong, what to do); any problem stops the build before dbt, so nothing is
built or published. Dirt within rows (a bad date, an unknown code) is not the door's business: staging
quarantines or repairs it, and the great-expectations checks report it.

Files are read in chunks (bounded memory at any size); the field counts are DuckDB's CSV parser's, with
the options dbt reads the file with.
"""
from __future__ import annotations

import codecs
import contextlib
import errno
import gzip
import json
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from hospital_warehouse import quoting, rawfiles

CHUNK = 8 << 20
ORPHAN_LIMIT = 0.5  # more than half of a file's rows point nowhere: the file they point into is truncated
CHILDREN = {"procedures": "ENCOUNTER", "conditions": "ENCOUNTER", "observations": "ENCOUNTER"}


@dataclass(frozen=True)
class Problem:
    file: str
    where: str  # "line 12", "column ENCOUNTER", "header", or "" (the whole file)
    what: str

    def message(self) -> str:
        where = f": {self.where}" if self.where else ""
        return f"error: {self.file}{where}: {self.what}"


@dataclass
class Inspected:
    """What the door learnt of a usable file: its columns, delimiter and data rows."""
    path: Path
    names: list[str]
    delimiter: str
    rows: int
    read_path: Path | None = None  # what DuckDB reads: the file, or its UTF-8 copy (rawfiles.utf8_copy)
    texts: dict[str, str] | None = None  # Parquet: each contract column read as text (rawfiles.parquet_texts)

    @property
    def readable(self) -> Path:
        return self.read_path or self.path


def _encoding_hint(codec: str, bad: bytes) -> str:
    if codec in ("utf-8", "latin-1") and bad and 0x80 <= bad[0] <= 0x9F:
        return "the file looks Windows-1252: run `make build ENCODING=cp1252`"
    if codec == "utf-8":
        return "if the export is Latin-1 (ISO-8859-1), run `make build ENCODING=latin-1`"
    return f"the build reads it as {codec} (ENCODING); check the export's encoding"


def _text_chunks(raw, codec: str):
    """Decoded text of a binary stream, chunk by chunk; raises _Undecodable at the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8-sig" if codec == "utf-8" else codec)()
    lines = 1
    while True:
        data = raw.read(CHUNK)
        final = not data
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError as e:
            # positions are in e.object: this chunk less a byte-order mark, plus bytes held from the last
            line = lines + e.object[:e.start].count(b"\n")
            bad = e.object[e.start:e.end]
            raise _Undecodable(line, bad, codec) from None
        lines += data.count(b"\n")
        if text:
            yield text
        if final:
            return


class _Undecodable(Exception):
    def __init__(self, line: int, bad: bytes, codec: str):
        self.line, self.bad, self.codec = line, bad, codec


def _written_to(chunks, out):
    """The chunks, each also written to a text file (the UTF-8 copy of a file DuckDB cannot decode)."""
    for text in chunks:
        out.write(text)
        yield text


def _open_binary(path: Path):
    return gzip.open(path, "rb") if rawfiles.kind(path) == "csv.gz" else open(path, "rb")


def inspect_csv(path: Path, required: list[str], codec: str) -> tuple[Inspected | None, list[Problem]]:
    f = str(path)
    with open(path, "rb") as fh:
        head = fh.read(4)
    if rawfiles.kind(path) == "csv" and head[:2] == b"\x1f\x8b":
        return None, [Problem(f, "", "is gzip-compressed but named .csv: rename it to .csv.gz")]
    if codec != "utf-16" and head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None, [Problem(f, "line 1", "starts with a UTF-16 byte-order mark: run `make build ENCODING=utf-16`")]
    if codec in ("latin-1", "cp1252") and head[:3] == b"\xef\xbb\xbf":
        return None, [Problem(f, "line 1", f"starts with a UTF-8 byte-order mark, so it is UTF-8, not {codec} "
                                           f"(ENCODING): build it without ENCODING, or convert it to {codec}")]
    header: str | None = None
    header_line = ""
    line = 1  # line number of the start of the current chunk
    quotes = 0
    crlf = 0
    header_crlf = False
    data_lines = 0
    last_char = ""
    last_line = ""
    copy = None if codec in rawfiles.DUCKDB_CODECS else rawfiles.utf8_copy(path, rawfiles.file_stamp(path))
    partial = copy.with_name(copy.name + ".partial") if copy else None
    complete = False  # the whole file was read (so its copy, if any, is whole)
    try:
        with _open_binary(path) as raw, _copy_file(partial) as out:
            pending = ""
            chunks = _text_chunks(raw, codec)
            for text in (_written_to(chunks, out) if out else chunks):
                if header is None:
                    pending += text
                    nl = pending.find("\n")
                    if nl < 0 and len(pending) < CHUNK:
                        continue
                    header_line = pending[: nl if nl >= 0 else len(pending)]
                    header_crlf = header_line.endswith("\r")
                    header_line = header_line.rstrip("\r")
                    header = header_line
                    text, line = pending[nl + 1:] if nl >= 0 else "", 2
                    if nl < 0:
                        break
                for bad, what in (("\x00", "holds a NUL (0x00) byte: the file is binary or corrupt"),
                                  ("\ufeff", "holds a byte-order mark in the middle of the file: were two files "
                                             "pasted together? Deliver each file on its own")):
                    at = text.find(bad)
                    if at >= 0:
                        return None, [Problem(f, f"line {line + text.count(chr(10), 0, at)}", what)]
                at = _find_line(text, header_line)
                if at >= 0:
                    return None, [Problem(f, f"line {line + text.count(chr(10), 0, at)}",
                                          "repeats the header line: were two files pasted together? Deliver each "
                                          "file on its own (an EMR folder or glob of monthly files is accepted)")]
                quotes += text.count('"')
                crlf += text.count("\r\n") + (last_char == "\r" and text.startswith("\n"))
                n = text.count("\n")
                data_lines += n
                line += n
                if text:
                    last_char = text[-1]
                    last_line = text[text.rfind("\n") + 1:] if "\n" in text else last_line + text
            else:
                complete = True
    except _Undecodable as e:
        return None, [Problem(f, f"line {e.line}", f"byte {' '.join(f'0x{b:02X}' for b in e.bad)} is not valid "
                                                   f"{e.codec}: {_encoding_hint(e.codec, e.bad)}")]
    except PermissionError:
        return None, [Problem(f, "", "cannot be read (permission denied)")]
    except (OSError, EOFError) as e:  # a truncated or corrupt gzip stream
        return None, [Problem(f, "", f"cannot be read: {e}")]
    finally:
        if partial is not None:
            if complete:
                partial.replace(copy)
            _remove(partial)
    if header is None or not header.strip():
        return None, [Problem(f, "line 1", f"has no header line: expected {','.join(required)}")]
    if last_char and last_char != "\n" and last_line.strip():
        data_lines += 1
    delimiter = rawfiles.header_delimiter(header, required)
    names = rawfiles.header_names(header, delimiter)
    missing = [c for c in required if c not in names]
    if missing:
        hint = ""
        if len(names) == 1:
            hint = " The file does not look comma-separated."
        padded = [n for n in names if n != n.strip() and n.strip() in missing]
        if padded:
            hint = (f" Its names hold spaces around them ({', '.join(repr(n) for n in padded[:3])}): remove the spaces "
                    "beside the delimiters of the header line.")
        found = ",".join(f'"{n}"' if n != n.strip() else n for n in names)
        return None, [Problem(f, "header", f"lacks column(s) {', '.join(missing)} of the data contract "
                                           f"(names are case-sensitive; extra columns are fine). Expected: "
                                           f"{','.join(required)}. Found: {found}.{hint}")]
    twice = sorted({n for n in names if n.strip() and names.count(n) > 1})
    if twice:
        return None, [Problem(f, "header", f"names column(s) {', '.join(twice)} more than once")]
    if quotes % 2:
        return None, [Problem(f, f"line {_unclosed_quote_line(path, codec)}",
                              "opens a quote that never closes: the file is truncated or a value holds a stray \"")]
    line_feeds = data_lines + 1 - (last_char != "\n" and bool(last_line.strip()))
    mixed = (crlf or header_crlf) and crlf + header_crlf < line_feeds and _mixed_ending_line(path, codec)
    if mixed:
        return None, [Problem(f, f"line {mixed}", (
            "ends with LF where the lines before end with CRLF (or the reverse): the file mixes line endings; "
            "convert it to one kind (for example with dos2unix)"))]
    got = Inspected(path, names, delimiter, data_lines, copy)
    return got, _field_counts(got, codec)


@contextlib.contextmanager
def _copy_file(path: Path | None):
    """A UTF-8 text file being written, or None when no copy is needed."""
    if path is None:
        yield None
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as out:
        yield out


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def _find_line(text: str, header_line: str) -> int:
    """Offset of a line equal to the header inside a chunk (after its first line break), or -1."""
    if not header_line:
        return -1
    m = re.search("\n" + re.escape(header_line) + r"\r?(?:\n|$)", text)
    return -1 if m is None else m.start() + 1


def _unclosed_quote_line(path: Path, codec: str) -> int:
    """The line where the quote that never closes opens (the slow path, only for a broken file)."""
    opened_at, inside, line = 0, False, 1
    with _open_binary(path) as raw:
        for text in _text_chunks(raw, codec):
            for part in re.finditer(r'"|\n', text):
                if part.group() == "\n":
                    line += 1
                else:
                    inside = not inside
                    if inside:
                        opened_at = line
    return opened_at


def _mixed_ending_line(path: Path, codec: str) -> int:
    """The first line whose ending differs from the header's, counting only line ends outside quoted values
    (a CRLF inside a quoted value is part of the value, as DuckDB reads it); 0 when there is none. The slow
    path, only for a file holding both kinds."""
    first, line, tail, inside = None, 1, "", False
    with _open_binary(path) as raw:
        for text in _text_chunks(raw, codec):
            text, tail = tail + text, ""
            if text.endswith("\r"):
                text, tail = text[:-1], "\r"
            for m in re.finditer(r'"|\r?\n', text):
                kind = m.group()
                if kind == '"':
                    inside = not inside
                    continue
                if not inside:
                    if first is None:
                        first = kind
                    elif kind != first:
                        return line
                line += 1
    return 0


_DUCKDB_LINE = re.compile(r"CSV Error on Line: (\d+)")
_DUCKDB_LINE_SIZE = re.compile(r"Maximum line size of (\d+) bytes exceeded\. Actual Size:(\d+) bytes")
_DUCKDB_COLUMNS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def _field_counts(got: Inspected, codec: str) -> list[Problem]:
    """Let DuckDB's CSV reader (dbt's options) parse the file: a line it refuses is a problem."""
    path, delimiter = got.path, got.delimiter
    sql = f"select count(*) from {_relation(got, codec)}"
    try:
        with duckdb.connect() as con:
            con.execute("set preserve_insertion_order = false")
            con.sql(sql).fetchall()
    except duckdb.Error as e:
        text = str(e)
        line = _DUCKDB_LINE.search(text)
        cols = _DUCKDB_COLUMNS.search(text)
        size = _DUCKDB_LINE_SIZE.search(text)
        where = f"line {line.group(1)}" if line else ""
        if size:
            limit, actual = int(size.group(1)), int(size.group(2))
            what = (f"is {actual:,} bytes long, over the CSV reader's limit of {limit:,} bytes a line: if the line is "
                    f"meant to be that long, raise the limit (hospital build --max-line-size {actual + 1024}, or "
                    f"{rawfiles.MAX_LINE_ENV}={actual + 1024} for make build); otherwise a quote or line end is "
                    "missing there")
        elif cols:
            what = (f"has {cols.group(2)} fields where the header has {cols.group(1)}: the line is truncated or "
                    f"broken (or holds an unquoted {'comma' if delimiter == ',' else 'delimiter'})")
        else:
            what = "cannot be parsed: " + text.splitlines()[0].removeprefix("Invalid Input Error: ")
        return [Problem(str(path), where, what)]
    return []


def inspect_parquet(path: Path, required: list[str], source: str, entity: str) -> tuple[Inspected | None, list[Problem]]:
    try:
        meta = pq.ParquetFile(path)
    except PermissionError:
        return None, [Problem(str(path), "", "cannot be read (permission denied)")]
    except Exception as e:  # pyarrow raises several kinds for a file that is not Parquet or cut short
        return None, [Problem(str(path), "", f"is not a readable Parquet file ({e})")]
    names = meta.schema_arrow.names
    missing = [c for c in required if c not in names]
    if missing:
        return None, [Problem(str(path), "header", f"lacks column(s) {', '.join(missing)} of the data contract. "
                                                   f"Expected: {','.join(required)}. Found: {','.join(names)}.")]
    try:
        texts = rawfiles.parquet_texts(path, source, entity)
    except rawfiles.Unreadable as e:
        column = str(e).split(": column ", 1)[1].split(" ", 1)[0]
        return None, [Problem(str(path), f"column {column}", str(e).split(": column ", 1)[1].split(" ", 1)[1])]
    return Inspected(path, names, ",", meta.metadata.num_rows, texts=texts), []


def link_problem(path: Path) -> Problem | None:
    """A symbolic link that leads nowhere: broken, or looping back on itself."""
    if not path.is_symlink():
        return None
    try:
        path.stat()
    except OSError as e:
        target = os.readlink(path)
        if e.errno == errno.ELOOP:
            return Problem(str(path), "", f"is a symbolic link that loops back on itself (it points to {target}): "
                                          "point it at the real file or folder")
        return Problem(str(path), "", f"is a symbolic link to {target}, which does not exist (a broken link): point "
                                      "it at the real file or folder, or copy that in")
    return None


def inspect_file(path: Path, required: list[str], codec: str, source: str = "", entity: str = "") -> tuple[Inspected | None, list[Problem]]:
    f = str(path)
    broken = link_problem(path)
    if broken is not None:
        return None, [broken]
    if path.is_dir():
        return None, [Problem(f, "", "is a folder: expected a file")]
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except PermissionError:
        return None, [Problem(f, "", "cannot be read (permission denied): give the build read access")]
    except OSError as e:
        return None, [Problem(f, "", f"cannot be read: {e.strerror}")]
    if size == 0:
        return None, [Problem(f, "", f"is empty (0 bytes): expected a header line {','.join(required)}")]
    if rawfiles.kind(path) == "parquet":
        return inspect_parquet(path, required, source, entity)
    return inspect_csv(path, required, codec)


@dataclass
class DoorResult:
    problems: list[Problem]
    files: dict[tuple[str, str], list[Inspected]]


def check(synthea: Path | None, emr: str | Path | None, codec: str, warehouse: Path | None = None,
          fhir: Path | None = None) -> DoorResult:
    """Every file-level problem of an export. warehouse: a batch's history (its patients must stay)."""
    contract = rawfiles.contract()
    problems: list[Problem] = []
    if fhir is not None:
        problems += fhir_problems(Path(fhir), synthea)
    files: dict[tuple[str, str], list[Inspected]] = {}

    def take(source: str, entity: str, path: Path) -> None:
        got, found = inspect_file(path, contract[source][entity]["required"], codec, source, entity)
        problems.extend(found)
        if got is not None:
            files.setdefault((source, entity), []).append(got)

    if synthea is not None:
        folder = Path(synthea)
        broken = link_problem(folder)
        if broken is not None:
            problems.append(broken)
        elif not folder.exists():
            problems.append(Problem(str(folder), "", "Synthea export folder not found (SYNTHEA)"))
        elif not folder.is_dir():
            problems.append(Problem(str(folder), "", "is a file: SYNTHEA names the export's folder, which holds "
                                                     "encounters.csv, patients.csv, ..."))
        else:
            for entity, spec in contract["synthea"].items():
                p = rawfiles.find(folder, entity)
                if p is None:
                    if spec["file_required"]:
                        problems.append(Problem(str(folder), "", f"has no {entity}.csv (or .csv.gz, .parquet): "
                                                                 f"this file is required"))
                    continue
                take("synthea", entity, p)
    if emr is not None:
        found = rawfiles.emr_files(emr)
        if not found:
            problems.append(Problem(str(emr), "", "no EMR extract here (EMR names a .csv or .parquet file, a "
                                                  "folder of them, or a glob such as /data/emr/*.csv)"))
        for p in found:
            take("emr", "visits", p)
    if not problems and synthea is not None:
        problems += _batch_snapshot(files, codec, warehouse)
    if codec not in rawfiles.DUCKDB_CODECS and rawfiles.UTF8_COPIES.is_dir():
        # the UTF-8 copies of earlier exports are not read again: keep this export's only
        kept = {got.read_path for found in files.values() for got in found}
        for old in rawfiles.UTF8_COPIES.iterdir():
            if old not in kept:
                old.unlink()
    return DoorResult(problems, files)


def _relation(got: Inspected, codec: str) -> str:
    if rawfiles.kind(got.path) == "parquet":
        return f"read_parquet({quoting.string(got.path)})"
    return rawfiles.read_csv_sql(got.readable, rawfiles.safe_names(got.names), got.delimiter,
                                 rawfiles.duckdb_codec(codec))


def _batch_snapshot(files, codec: str, warehouse: Path | None) -> list[Problem]:
    """A batch's patients file is the whole current snapshot: every patient the warehouse holds must still
    be in it (the export's other rows may point at rows loaded before)."""
    pat = files.get(("synthea", "patients"), [None])[0]
    if pat is None or warehouse is None or not warehouse.exists():
        return []
    with duckdb.connect() as con:
        # under its own name: the staging views name their tables with it
        history = quoting.ident(warehouse.stem)
        con.execute(f"attach {quoting.string(warehouse)} as {history} (read_only)")
        missing = con.sql(f"""
            select count(*), list(patient_id order by patient_id)[1:5]
            from (select distinct patient_id from {history}.staging.stg_synthea__patients
                  except select "Id" from {_relation(pat, codec)})""").fetchone()
    if not missing[0]:
        return []
    return [Problem(str(pat.path), "column Id", (
        f"the patients snapshot lacks {missing[0]} patient(s) the warehouse holds, e.g. "
        f"{', '.join(missing[1])}: a batch's patients file must list every patient; nothing was loaded"))]


def _case_only(child: Inspected, key: str, parent: Inspected, codec: str) -> tuple[int, str] | None:
    """(rows, an example) of the child's ids that point at no parent row but at one whose id differs only in
    letter case; None when there are none."""
    sql = (f"with parent as (select \"Id\" as id from {_relation(parent, codec)}), "
           f"orphan as (select {quoting.ident(key)} as k from {_relation(child, codec)} "
           f"where {quoting.ident(key)} not in (select id from parent where id is not null)) "
           "select count(*), min(k) from orphan where lower(k) in (select lower(id) from parent)")
    with duckdb.connect() as con:
        rows, example = con.sql(sql).fetchone()
    return (rows, example) if rows else None


def truncated(files, unknown: dict[str, tuple[int, int]], codec: str = "utf-8") -> list[Problem]:
    """Rows pointing at rows another file does not hold: one file of the export is cut short, or (when the
    ids match but for letter case) the files write their ids differently. unknown: per child table
    (encounters, procedures, conditions, observations), (rows pointing at no row of the parent file, rows),
    which the row checks count (rowchecks.py: patient_known, encounter_known). Not for a batch, whose rows
    may point at rows loaded before."""
    problems: list[Problem] = []
    enc = files.get(("synthea", "encounters"), [None])[0]
    pat = files.get(("synthea", "patients"), [None])[0]
    if enc is None or pat is None:
        return problems
    parents = {"encounters": pat, **{t: enc for t in CHILDREN}}
    keys = {"encounters": "PATIENT", **CHILDREN}
    unknown_by_parent: dict[Path, list[str]] = {}
    for child, (bad, total) in unknown.items():
        if total and bad > ORPHAN_LIMIT * total:
            got = files[("synthea", child)][0]
            cased = _case_only(got, keys[child], parents[child], codec)
            if cased is not None and cased[0] > bad / 2:
                problems.append(Problem(str(got.path), keys[child], (
                    f"{cased[0]} of its {total} rows point at {parents[child].path.name} ids that differ only in "
                    f"letter case (e.g. {cased[1]}): ids are compared exactly; deliver both files with the ids as "
                    "the export wrote them")))
                continue
            unknown_by_parent.setdefault(parents[child].path, []).append(f"{got.path.name} ({bad} of {total} rows)")
    for parent in (enc, pat):
        if parent.path in unknown_by_parent:
            problems.append(Problem(str(parent.path), f"{parent.rows} data rows", (
                f"rows of {', '.join(unknown_by_parent[parent.path])} point at ids it does not hold: the file "
                f"looks truncated or belongs to another export")))
    return problems


_LOCK_HOLDER = re.compile(r"PID (\d+)")


# ---------------------------------------------------------------- FHIR R4 exports

def _decompressed(path: Path):
    """The text of a gzip file in chunks, decompressed with zlib (every member of a multi-member file); raises
    EOFError when the file ends before its last member does, zlib.error when it is damaged."""
    with open(path, "rb") as fh:
        d = zlib.decompressobj(wbits=31)
        while True:
            raw = fh.read(CHUNK)
            if not raw:
                break
            while raw:
                yield d.decompress(raw)
                raw = d.unused_data if d.eof else b""
                if d.eof and raw:
                    d = zlib.decompressobj(wbits=31)
        if not d.eof:
            raise EOFError("the file ends before its compressed stream does")


def _ndjson_problem(path: Path) -> Problem | None:
    """What makes one NDJSON file unreadable: a gzip file cut short or damaged (read to its end), or a first
    line that is not a JSON object with a resourceType (a file of another format under an NDJSON name).
    A later line that is not JSON is per-row dirt: staging quarantines it."""
    gz = rawfiles.fhir_kind(path) == "ndjson.gz"
    text, lines = b"", 0
    try:
        if not gz:  # only a compressed file must be read to its end
            with open(path, "rb") as fh:
                text = fh.read(CHUNK)
        for chunk in _decompressed(path) if gz else ():
            if len(text) < CHUNK:
                text += chunk
            lines += chunk.count(b"\n")
    except (EOFError, zlib.error) as exc:
        return Problem(str(path), f"line {lines + 1}", f"the gzip file is cut short or damaged after {lines:,} "
                                                       f"complete lines ({exc}): deliver the file again")
    head = text.lstrip()
    if not head:
        return None  # an empty file: no rows
    first = head.split(b"\n", 1)[0]
    try:
        resource = json.loads(first)
    except (json.JSONDecodeError, UnicodeDecodeError):
        resource = None
    if not isinstance(resource, dict) or "resourceType" not in resource:
        line = text[: len(text) - len(head)].count(b"\n") + 1
        return Problem(str(path), f"line {line}", "is not NDJSON (one FHIR resource as JSON per line): its first "
                                                  f"line starts {first[:40]!r}")
    return None


def _bundle_problem(path: Path) -> Problem | None:
    """A Bundle file (`*.json`) must be one JSON object of resourceType Bundle."""
    try:
        with open(path, "rb") as fh:
            bundle = json.load(fh)
    except json.JSONDecodeError as exc:
        return Problem(str(path), f"line {exc.lineno}", f"is not JSON ({exc.msg}): a Bundle file must be one FHIR "
                                                        "Bundle as JSON")
    except UnicodeDecodeError:
        return Problem(str(path), "", "is not JSON text (UTF-8): a Bundle file must be one FHIR Bundle as JSON")
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        found = bundle.get("resourceType") if isinstance(bundle, dict) else type(bundle).__name__
        return Problem(str(path), "", f"is not a FHIR Bundle (resourceType {found!r}): put a bulk export's "
                                      "resources in <ResourceType>.ndjson files, Bundles in *.json")
    return None


def fhir_problems(fhir: Path, synthea: Path | None) -> list[Problem]:
    """What stops a FHIR export at the door (check_fhir), and a Synthea CSV export given beside it."""
    problems = check_fhir(fhir)
    if synthea is not None:
        problems.append(Problem(str(fhir), "", "a FHIR export and a Synthea CSV export in one build: both hold "
                                               "whole patient histories and would be counted twice; give one"))
    return problems


def check_fhir(folder: Path) -> list[Problem]:
    """Every file-level problem of a FHIR export folder: missing, no Patient file, a gzip file cut short, a
    file of another format."""
    broken = link_problem(folder)
    if broken is not None:
        return [broken]
    if not folder.is_dir():
        what = "is a file: FHIR names the export's folder" if folder.exists() else "FHIR export folder not found"
        return [Problem(str(folder), "", f"{what} (FHIR: a bulk export's Patient.ndjson, Encounter.ndjson, ..., "
                                         "or Synthea's Bundles *.json)")]
    files = rawfiles.fhir_files(folder)
    problems = []
    if not rawfiles.fhir_has_patients(files):
        problems.append(Problem(str(folder), "", "has no Patient file (Patient*.ndjson or .ndjson.gz, or Bundles "
                                                 "*.json): a FHIR export without its patients cannot be read"))
    for path in files:
        problem = (_bundle_problem if rawfiles.fhir_kind(path) == "bundle" else _ndjson_problem)(path)
        if problem is not None:
            problems.append(problem)
    return problems


def build_file_free(path: Path) -> Problem | None:
    """None when the build can open its warehouse file for writing; else who holds it."""
    if not path.exists():
        return None
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as e:
        if "lock" not in str(e).lower():
            raise
        pid = _LOCK_HOLDER.search(str(e))
        holder = f"process {pid.group(1)}" if pid else "another process"
        return Problem(str(path), "", (
            f"is open in {holder}, so the build cannot write it: close that program (a SQL client or BI tool "
            f"should read the published copy, warehouse/hospital_bi.duckdb), then run the build again"))
    return None
