"""Where an export's raw files are, and how they are read: the one place that decides it, for the door,
for dbt (through the project's dbt-duckdb plugin, hospital_warehouse/dbt_plugin.py, which macro read_raw
asks) and for the landing on PostgreSQL and Spark (engines/load_raw.py).

- Synthea: a folder; each file of the data contract is `<name>.csv`, `<name>.csv.gz` or `<name>.parquet`,
  first match in that order. Other files are ignored.
- EMR: a file, a folder (every .csv, .csv.gz and .parquet file in it, in name order) or a glob pattern
  (`/data/emr/*.csv`); every file found is loaded, each row keeping its own file and row number.
- FHIR R4: a bulk export folder ($export): every `<ResourceType>*.ndjson` or `.ndjson.gz` file of a
  resource type the warehouse reads (fhir_types(); the type is the name's start, as `Patient.000.ndjson`),
  several per type, and Synthea's per-patient transaction Bundles (`*.json`). Each raw row is one line of
  an NDJSON file (its line number; a blank line is no row) or one entry of a Bundle (its position), kept
  as text: staging parses it, so a line that is not JSON is quarantined with its reason, never lost. The
  contract has one raw table per typed model (`patients`, `encounters`, `claims`, ...), each of the files
  of its resource types: a line belongs to the table of its file's type, whatever it holds; a Bundle's
  entry to the table of its resourceType (an entry without one to `patients`: a Bundle is a patient's).
- A path is taken literally first: a folder named `export[2024]` is that folder, not a pattern.
- Encoding (`HOSPITAL_RAW_ENCODING`, `make build ENCODING=...`): utf-8 (default, with or without a
  byte-order mark), latin-1, utf-16, cp1252. DuckDB reads the first three itself. A Windows-1252 CSV file
  is converted at the door into a UTF-8 copy under target/raw_utf8/ (utf8_copy()), which dbt reads in its
  place; every row still names the original file (source_file) and its stamp.
- Delimiter: comma; a header that only makes sense split by `;`, tab or `|` is read with that delimiter.
- Header: the names of the first line (unquoted; a blank name, as a trailing `,,` gives, is column<N>); it
  must hold the contract's required columns. A Parquet file's names are its schema's.
resolve() applies these rules to one table of an export and select_sql() writes DuckDB's reading of a file.
"""
from __future__ import annotations

import codecs
import functools
import glob
import gzip
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from hospital_warehouse import REPO, quoting

EXTENSIONS = (".csv", ".csv.gz", ".parquet")
DELIMITERS = (",", ";", "\t", "|")
# the setting's accepted spellings -> the codec name Python uses: what DuckDB 1.5 reads without its
# encodings extension (which cannot be installed offline)
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "latin-1": "latin-1", "latin1": "latin-1", "iso-8859-1": "latin-1",
             "utf-16": "utf-16", "cp1252": "cp1252", "windows-1252": "cp1252", "win-1252": "cp1252"}
# the codecs DuckDB 1.5 reads without its encodings extension; any other is read from a UTF-8 copy
DUCKDB_CODECS = ("utf-8", "latin-1", "utf-16")
UTF8_COPIES = REPO / "target" / "raw_utf8"
ENCODING_ENV = "HOSPITAL_RAW_ENCODING"
# the longest line DuckDB's CSV reader takes, in bytes (its own default when unset: 2,000,000)
MAX_LINE_ENV = "HOSPITAL_RAW_MAX_LINE_SIZE"


@functools.cache
def project_vars() -> dict:
    """dbt_project.yml's vars, read once per process (the plugin asks for the contract at every model; treat
    the result as read-only)."""
    return yaml.safe_load((REPO / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def contract() -> dict:
    """{source: {entity: {file_required, required, optional}}}: the raw data contract."""
    return project_vars()["raw_contract"]


def sample_paths() -> tuple[Path, Path]:
    v = project_vars()
    return REPO / v["sample_synthea_path"], REPO / v["sample_emr_path"]


def encoding(value: str | None = None) -> str:
    """The codec of the setting (argument, else HOSPITAL_RAW_ENCODING, else utf-8); ValueError if unknown."""
    name = (value if value is not None else os.environ.get(ENCODING_ENV, "")).strip().lower() or "utf-8"
    if name not in ENCODINGS:
        raise ValueError(f"unknown encoding {name!r}: use one of utf-8, latin-1, utf-16, cp1252")
    return ENCODINGS[name]


def kind(path: Path) -> str:
    """'parquet', 'csv.gz' or 'csv' by the file's name."""
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    return "csv.gz" if name.endswith(".csv.gz") else "csv"


def find(folder: Path, entity: str) -> Path | None:
    """The file of one entity in a Synthea folder (first of .csv, .csv.gz, .parquet), or None."""
    for ext in EXTENSIONS:
        p = folder / f"{entity}{ext}"
        if p.exists() or p.is_symlink():  # a broken or looping link is found, and the door says what it is
            return p
    return None


def emr_files(spec: str | Path) -> list[Path]:
    """Every file an EMR path names: the file itself, a folder's raw files, or a glob's matches."""
    path = Path(spec)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.name.lower().endswith(EXTENSIONS) and not p.name.startswith("."))
    if path.exists():
        return [path]
    return [Path(p) for p in sorted(glob.glob(str(spec)))]


def unquote(name: str) -> str:
    name = name.strip("\r\n")
    if len(name) > 1 and name.startswith('"') and name.endswith('"'):
        name = name[1:-1].replace('""', '"')
    return name


def header_delimiter(line: str, required: list[str]) -> str:
    """The delimiter a header line is written with: comma unless only another one yields the required names."""
    line = line.lstrip("\ufeff").rstrip("\r\n")
    for d in DELIMITERS:
        names = {unquote(n) for n in line.split(d)}
        if all(c in names for c in required):
            return d
    return ","


def header_names(line: str, delimiter: str) -> list[str]:
    return [unquote(n) for n in line.lstrip("\ufeff").rstrip("\r\n").split(delimiter)]


def max_line_size() -> int | None:
    """HOSPITAL_RAW_MAX_LINE_SIZE (`hospital build --max-line-size`), or None for DuckDB's default."""
    value = os.environ.get(MAX_LINE_ENV, "").strip().replace("_", "")
    if not value:
        return None
    if not value.isdigit() or int(value) <= 0:
        raise ValueError(f"{MAX_LINE_ENV}={value!r}: give a number of bytes, e.g. 8000000")
    return int(value)


def read_csv_sql(path: Path, names: list[str], delimiter: str, codec: str) -> str:
    """DuckDB's reader of a raw CSV file, every column as text, with the options dbt reads it with."""
    cols = ", ".join(f"{quoting.string(n)}: 'VARCHAR'" for n in names)
    limit = max_line_size()
    return (f"read_csv({quoting.string(path)}, header = true, auto_detect = false, delim = {quoting.string(delimiter)}, "
            f"quote = '\"', escape = '\"', encoding = {quoting.string(codec)}, "
            + (f"max_line_size = {limit}, " if limit else "") + f"columns = {{{cols}}})")


def text_reader_sql(path: Path) -> str:
    """DuckDB's reader of a whole raw file (CSV, gzip CSV or Parquet; comma-delimited UTF-8 for CSV), the
    CSV columns as text: for the scripts that pass over an export (split_batch.py, the benchmark's SQL)."""
    if kind(path) == "parquet":
        return f"read_parquet({quoting.string(path)})"
    return f"read_csv({quoting.string(path)}, header = true, all_varchar = true, delim = ',', quote = '\"', escape = '\"')"


def safe_names(names: list[str]) -> list[str]:
    """Header names as DuckDB can take them: a blank name (a trailing `,,`) becomes column<N>."""
    return [n if n.strip() else f"column{i}" for i, n in enumerate(names, start=1)]


def file_stamp(path: Path) -> str:
    """Size and modification time of a file, as dbt's raw_file_stamp writes them (macros/raw/read_raw.sql)."""
    import duckdb

    with duckdb.connect() as con:
        return con.execute("select cast(size as varchar) || '@' || strftime(last_modified, '%Y-%m-%dT%H:%M:%S') "
                           "from read_blob(?)", [str(path)]).fetchone()[0]


def utf8_copy(path: Path, stamp: str) -> Path:
    """Where the door writes the UTF-8 copy of a CSV file DuckDB cannot read in its encoding. Named by the
    file's name and stamp, which dbt computes the same way from the file itself (a path may be written
    several ways; the file's name, size and time are one)."""
    import hashlib

    name = path.name[:-3] if path.name.lower().endswith(".gz") else path.name
    return UTF8_COPIES / f"{hashlib.md5(f'{path.name}|{stamp}'.encode()).hexdigest()}-{name}"


def duckdb_codec(codec: str) -> str:
    """The encoding DuckDB reads a file of this codec in: its own, or utf-8 (the copy)."""
    return codec if codec in DUCKDB_CODECS else "utf-8"


def reading_path(path: Path, codec: str) -> Path:
    """The file DuckDB reads for a raw file: itself, or its UTF-8 copy."""
    if codec in DUCKDB_CODECS or kind(path) == "parquet":
        return path
    return utf8_copy(path, file_stamp(path))


# ---------------------------------------------------------------- FHIR R4 bulk exports

# the resource types the warehouse reads; a bulk file of another type (MedicationRequest.ndjson, ...) is
# left alone, like a CSV file the Synthea contract does not name
def fhir_types(entity: str | None = None) -> tuple[str, ...]:
    """The resource types of one raw FHIR table of the contract (`claims`: Claim and ExplanationOfBenefit), or
    of them all: what the typed models read."""
    tables = contract()["fhir"]
    return tuple(t for name, spec in tables.items() if entity in (None, name) for t in spec["resource_types"])


FHIR_KINDS = ("ndjson", "ndjson.gz", "bundle")  # fhir_kind()
# the largest Bundle read (a patient with decades of history is tens of megabytes; DuckDB's default is 16 MB)
BUNDLE_MAX_BYTES = 1 << 30


def fhir_file_type(path: Path) -> str | None:
    """The resource type a bulk file's name gives (`Patient.000.ndjson`, `Patient_2.ndjson.gz`), or None."""
    name = path.name
    for t in fhir_types():
        if name.startswith(t) and (len(name) == len(t) or not name[len(t)].isalpha()):
            return t
    return None


def fhir_kind(path: Path) -> str | None:
    """'ndjson', 'ndjson.gz' or 'bundle' (a `.json` file) by the file's name; None for another file."""
    name = path.name.lower()
    if name.endswith(".ndjson.gz"):
        return "ndjson.gz"
    if name.endswith(".ndjson"):
        return "ndjson"
    return "bundle" if name.endswith(".json") else None


def fhir_has_patients(files: list[Path]) -> bool:
    """Whether a FHIR export's files can hold its patients: a Patient NDJSON file, or a Bundle."""
    return any(fhir_file_type(p) == "Patient" or fhir_kind(p) == "bundle" for p in files)


def fhir_files(folder: Path) -> list[Path]:
    """The files of a FHIR export the warehouse reads, in name order: the NDJSON files of fhir_types() and
    every Bundle (`.json`; a folder's `manifest.json` of the $export response is not one)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if not p.name.startswith(".") and p.name.lower() != "manifest.json"
                  and (fhir_kind(p) == "bundle" or (fhir_kind(p) is not None and fhir_file_type(p) is not None)))


# a line that holds more than blanks (spaces, tabs); an empty line reads as null. The first character decides for
# almost every line: trimming every line would copy every resource's text.
NOT_BLANK = r"line is not null and (ascii(line) > 32 or regexp_matches(line, '\S'))"


def fhir_select_sql(path: str, read_path: str, kind: str, stamp: str, types: tuple[str, ...]) -> str:
    """One FHIR file's raw rows of the resource types given (one raw table's): `resource` (the line or the
    Bundle entry's resource, as text), `file_type` (the type the NDJSON file's name gives; null in a Bundle,
    whose entries say their own), its path, stamp and row (the line number; the Bundle entry's position,
    1-based). The lines are read as one text column (a delimiter no JSON line holds unescaped, no quoting),
    so that a line that is not JSON is a row. A Bundle gives its entries of those types, and, to the Patient
    table, its entries without a resourceType."""
    head = f"{quoting.string(path)} as source_file, {quoting.string(stamp)} as source_file_stamp"
    if kind == "bundle":
        listed = ", ".join(quoting.string(t) for t in types)
        entry_type = "json_extract_string(entry.value, '$.resource.resourceType')"
        untyped = f" or {entry_type} is null" if "Patient" in types else ""
        return (f"select cast(json_extract(entry.value, '$.resource') as varchar) as resource, "
                f"cast(null as varchar) as file_type, {head}, cast(entry.key as bigint) + 1 as source_row "
                f"from read_json_objects({quoting.string(read_path)}, format = 'auto', maximum_object_size = {BUNDLE_MAX_BYTES}) "
                "as bundle, "
                "json_each(bundle.json, '$.entry') as entry "
                f"where {entry_type} in ({listed}){untyped}")
    limit = max_line_size()
    file_type = fhir_file_type(Path(path))
    reader = (f"read_csv({quoting.string(read_path)}, header = false, auto_detect = false, delim = '\x1f', "
              "quote = '', escape = '', strict_mode = false, " + (f"max_line_size = {limit}, " if limit else "")
              + "columns = {'line': 'VARCHAR'})")
    return (f"select line as resource, {quoting.string(file_type)} as file_type, {head}, "
            f"cast(ordinality as bigint) as source_row from {reader} with ordinality where {NOT_BLANK}")


# ---------------------------------------------------------------- one table of an export, resolved

class Unreadable(Exception):
    """What stops dbt from reading a raw table, in one line."""


@dataclass
class RawFile:
    path: str  # as found: what every row's source_file says
    read_path: str  # what DuckDB reads: the file, or its UTF-8 copy
    kind: str  # csv, csv.gz or parquet; FHIR: ndjson, ndjson.gz or bundle
    encoding: str  # the encoding DuckDB reads a CSV file in
    delimiter: str
    names: list[str]  # the header's names (safe_names), or the Parquet schema's
    stamp: str
    texts: dict[str, str] | None = None  # Parquet: how each contract column is read as text (parquet_texts)
    resource_types: tuple[str, ...] = ()  # FHIR: the types of the raw table the file is read for

    def as_dict(self) -> dict:
        return asdict(self)


def first_line(path: Path, codec: str) -> str | None:
    """The first line of a CSV file (gzip or not) in codec, without its line end; None for an empty file."""
    with (gzip.open(path, "rb") if kind(path) == "csv.gz" else open(path, "rb")) as raw:
        decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        text = ""
        while "\n" not in text:
            chunk = raw.read(65536)
            text += decoder.decode(chunk, final=not chunk)
            if not chunk:
                break
    line = text.split("\n", 1)[0].replace("\ufeff", "").rstrip("\r")
    return line if text else None


def parquet_names(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).schema_arrow.names


# a typed Parquet value as the text the CSV export writes: an instant as ISO UTC (fractional seconds kept
# when there are some), a day as YYYY-MM-DD
_ISO = ("case when epoch_us({v}) % 1000000 = 0 then strftime({v}, '%Y-%m-%dT%H:%M:%SZ') "
        "else strftime({v}, '%Y-%m-%dT%H:%M:%S.%fZ') end")


def parquet_texts(path: Path, source: str, entity: str) -> dict[str, str]:
    """For each contract column of a Parquet file, the SQL reading it as the contract's text, by its Parquet
    type: text as it is; a number as plain text (not in a column of days or instants); a timestamp (with a
    time zone: converted to UTC) or a date in a column the contract names under `timestamps` or `dates`.
    Unreadable, naming the file, the column and the type, for a type that cannot mean the column."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    spec = contract()[source][entity]
    kinds = {**{c: "timestamp" for c in spec.get("timestamps", [])}, **{c: "date" for c in spec.get("dates", [])}}
    texts: dict[str, str] = {}
    parquet = pq.ParquetFile(path)

    def all_null(name: str) -> bool:
        """A column without a value (writers give an all-null column any type: int32 from DuckDB or pandas)."""
        return pq.read_table(path, columns=[name]).column(name).null_count == parquet.metadata.num_rows

    for field in parquet.schema_arrow:
        name, t, kind = field.name, field.type, kinds.get(field.name, "text")
        if name not in spec["required"] + spec["optional"]:
            continue
        c = quoting.ident(name)
        if pa.types.is_dictionary(t):
            t = t.value_type
        if pa.types.is_null(t):
            texts[name] = "cast(null as varchar)"
        elif pa.types.is_string(t) or pa.types.is_large_string(t):
            texts[name] = f"cast({c} as varchar)"
        elif pa.types.is_floating(t) and kind == "text":  # a whole number as pandas writes it (83.0) reads 83
            texts[name] = (f"case when {c} = trunc({c}) and abs({c}) < 1e15 then cast(cast({c} as bigint) as varchar) "
                           f"else cast({c} as varchar) end")
        elif (pa.types.is_integer(t) or pa.types.is_decimal(t)) and kind == "text":
            texts[name] = f"cast({c} as varchar)"
        elif pa.types.is_timestamp(t) and kind != "text":
            utc = f"timezone('UTC', {c})" if t.tz is not None else c
            texts[name] = _ISO.format(v=utc) if kind == "timestamp" else f"strftime({utc}, '%Y-%m-%d')"
        elif pa.types.is_date(t) and kind != "text":
            texts[name] = f"strftime({c}, '%Y-%m-%d')" + (" || 'T00:00:00Z'" if kind == "timestamp" else "")
        elif all_null(name):
            texts[name] = "cast(null as varchar)"
        else:
            expected = {"timestamp": "an instant (a timestamp, or text)", "date": "a day (a date, a timestamp, or text)",
                        "text": "text or a number"}[kind]
            raise Unreadable(f"Raw file {path} ({source} {entity}): column {name} is of Parquet type {t}, which cannot "
                             f"mean this column: expected {expected}. Write it as {expected.split(' (')[0]}")
    return texts


def table_files(source: str, entity: str, root: str | Path, named: str | Path | None = None) -> list[Path]:
    """The files of one table of the export at root (empty: an optional file absent); Unreadable when the
    root or a required file is missing, naming the root as `named` (default: root)."""
    spec = contract()[source][entity]
    named = named if named is not None else root
    if source == "fhir":
        found = fhir_files(Path(root))
        if not fhir_has_patients(found):
            raise Unreadable(f"FHIR export {named} has no Patient file (Patient*.ndjson, or Bundles *.json) "
                             "(var fhir_raw_path or HOSPITAL_FHIR_RAW_PATH): give the folder of a bulk export.")
        types = fhir_types(entity)
        return [p for p in found if fhir_kind(p) == "bundle" or fhir_file_type(p) in types]
    if source == "emr":
        found = emr_files(root)
        if not found:
            raise Unreadable(f"EMR extract not found: {named} (var emr_raw_path or HOSPITAL_EMR_RAW_PATH). Give a "
                             ".csv or .parquet file, a folder of them or a glob pattern.")
        return found
    folder = Path(root)
    if not folder.is_dir() or not any(folder.iterdir()):
        raise Unreadable(f"Synthea export folder not found or empty: {named} (var synthea_raw_path or "
                         "HOSPITAL_SYNTHEA_RAW_PATH). It must hold encounters.csv, patients.csv, payers.csv, "
                         "procedures.csv and organizations.csv (or .parquet).")
    found = find(folder, entity)
    if found is None and spec["file_required"]:
        raise Unreadable(f"Synthea export {named} has no {entity}.csv (or .csv.gz, .parquet): this file is "
                         f"required. Expected header: {','.join(spec['required'])}")
    return [found] if found is not None else []


def resolve_file(source: str, entity: str, path: Path, codec: str, shown: str | None = None) -> RawFile:
    """How DuckDB reads one raw file; Unreadable when it cannot (no UTF-8 copy yet, empty, a column missing).
    shown: the path as the export was given (what source_file says), when path is that made absolute."""
    spec = contract()[source][entity]
    stamp = file_stamp(path)
    shown = shown or str(path)
    if source == "fhir":
        return RawFile(shown, str(path), fhir_kind(path), "utf-8", "", spec["required"], stamp,
                       resource_types=fhir_types(entity))
    if kind(path) == "parquet":
        return RawFile(shown, str(path), "parquet", "utf-8", ",", parquet_names(path), stamp,
                       parquet_texts(path, source, entity))
    read = path
    if codec not in DUCKDB_CODECS:
        read = utf8_copy(path, stamp)
        if not read.exists():
            raise Unreadable(f"Raw file {path} is read as {codec} (Windows-1252): the door converts it to UTF-8 "
                             f"before dbt runs, and its copy {read.relative_to(REPO)} is missing or older than the "
                             f"file. Run `make build ENCODING={codec}` (or `hospital check --encoding {codec}`) first.")
    line = first_line(read, duckdb_codec(codec))
    if line is None:
        raise Unreadable(f"Raw file {path} ({source} {entity}) is empty: expected a header line "
                         f"{','.join(spec['required'])}")
    delimiter = header_delimiter(line, spec["required"])
    names = safe_names(header_names(line, delimiter))
    missing = [c for c in spec["required"] if c not in names]
    if missing:
        raise Unreadable(f"Raw file {path} ({source} {entity}) is missing required column(s): {', '.join(missing)}. "
                         "Expected header (extra columns are allowed, names are case-sensitive): "
                         f"{','.join(spec['required'])}. Found: {','.join(names)}.")
    return RawFile(shown, str(read), kind(path), duckdb_codec(codec), delimiter, names, stamp)


def resolve(source: str, entity: str, root: str | Path, encoding_setting: str | None = None) -> list[RawFile]:
    """Every file of one table of the export at root, as DuckDB reads it (Unreadable: one line saying why not).
    A relative root is the project's (the shipped sample's `seeds/synthea`), wherever dbt runs from; its
    files keep their relative names in source_file."""
    try:
        codec = encoding(encoding_setting)
    except ValueError as exc:
        raise Unreadable(f"ENCODING / HOSPITAL_RAW_ENCODING: {exc}") from None
    if Path(root).is_absolute():
        return [resolve_file(source, entity, p, codec) for p in table_files(source, entity, root)]
    found = table_files(source, entity, REPO / root, named=root)
    return [resolve_file(source, entity, p, codec, os.path.relpath(p, REPO)) for p in found]


def select_sql(f: RawFile, columns: list[str]) -> str:
    """One raw file's rows: every contract column as text (null where the file lacks it), its path, stamp and
    row number (1-based; a Parquet file's by the reader's file_row_number, which keeps the scan parallel)."""
    if f.kind in FHIR_KINDS:
        return fhir_select_sql(f.path, f.read_path, f.kind, f.stamp, tuple(f.resource_types))
    texts = f.texts or {}
    cols = "".join(f"{texts.get(c) or f'cast({quoting.ident(c)} as varchar)'} as {quoting.ident(c)}, " if c in f.names
                   else f"cast(null as varchar) as {quoting.ident(c)}, " for c in columns)
    head = f"select {cols}{quoting.string(f.path)} as source_file, {quoting.string(f.stamp)} as source_file_stamp, "
    if f.kind == "parquet":
        return f"{head}cast(file_row_number + 1 as bigint) as source_row from read_parquet({quoting.string(f.read_path)}, " \
               "file_row_number = true)"
    reader = read_csv_sql(Path(f.read_path), f.names, f.delimiter, f.encoding)
    return f"{head}cast(ordinality as bigint) as source_row from {reader} with ordinality"
