"""Inject the defects real exports have, and record each one in the manifest.

A defect is one of the KINDS below, applied to one row of one file. In-place kinds change a value of an
existing row; copy kinds add a row (a duplicate, a near-duplicate, a conflicting or overlapping copy) at a
random position. Each row gets at most one defect. Every defect is recorded with its kind, file, the
1-based data row it ends at in the written file (the header is row 0), the row's key, the column and
the bad value, so tests can check row by row what staging quarantined or repaired.

What staging does with each kind is documented in models/staging/_quarantine.yml and checked by
tests/pytest/test_staging_manifest.py.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa

from .fmt import DAY, HOUR, uuids


@dataclass
class Defect:
    source: str
    file: str
    kind: str
    row: int  # 1-based data row in the written file
    key: str | None
    column: str | None
    value: str | None
    source_row: int | None = None  # for copies: the row they copy

    def to_dict(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------ value mutators
def _parse_ts(text: str) -> int:
    return int(np.datetime64(text.rstrip("Z"), "s").astype(np.int64))


def _fmt_ts(sec: int) -> str:
    return str(np.datetime64(int(sec), "s")) + "Z"


def _bad_month(text: str, rng) -> str:
    """2015-02-03... -> 2015-13-03...: a date that does not exist."""
    if len(text) >= 7 and text[4] == "-":
        return text[:5] + "13" + text[7:]
    if len(text) >= 5 and text[2] == "-":  # DD-MM-YYYY
        return text[:3] + "13" + text[5:]
    return "not a date"


GENDER_TYPOS = {"Female": ["Femlae", "female", " Female", "F", "Fmale"], "Male": ["Mael", "male", "M", "MALE ", "Mlae"],
                "Other": ["other", "Othr"]}
DEPARTMENT_VARIANTS = {"ER": ["er", "Emergency", " ER"], "Cardiology": ["cardiology", " Cardiology", "CARDIOLOGY"],
                       "Orthopedics": ["Orthopaedics", "orthopedics ", "Ortho"], "Pediatrics": ["Paediatrics", "pediatrics"],
                       "Oncology": ["oncology", "ONCOLOGY "]}
INSURANCE_VARIANTS = {"Private": ["private", "PRIVATE"], "Medicare": ["medicare", " Medicare"],
                      "Medicaid": ["medicaid", "MEDICAID"], "Uninsured": ["Self-Pay", "uninsured", "Self Pay"]}
BAD_BP = ["135-77", "135/", "n/a", "1357/7", "high"]


# A mutator looks at a row (a mapping column -> text) and returns the changed values, or None when the
# defect does not apply to that row (another row is drawn).
Mutator = Callable[[Mapping[str, str], np.random.Generator], "dict[str, str] | None"]


def _set(col: str, fn: Callable[[str, np.random.Generator], str | None]) -> Mutator:
    def m(row: Mapping[str, str], rng) -> dict[str, str] | None:
        new = fn(row[col], rng)
        return None if new is None else {col: new}
    return m


def _choice(options):
    return lambda v, rng: options[int(rng.integers(0, len(options)))]


def _shift_stop_before(row, rng) -> dict | None:
    if not row["START"]:
        return None
    return {"STOP": _fmt_ts(_parse_ts(row["START"]) - int(rng.integers(1, 48)) * HOUR)}


def _long_encounter(row, rng) -> dict | None:
    if row["ENCOUNTERCLASS"] != "ambulatory":
        return None
    return {"STOP": _fmt_ts(_parse_ts(row["START"]) + int(rng.integers(3 * 365, 6 * 365)) * DAY)}


def _overlap(row, rng) -> dict | None:
    """A second encounter of the same patient starting inside this one (so the two overlap)."""
    start, stop = _parse_ts(row["START"]), _parse_ts(row["STOP"])
    if stop - start < 120:
        return None
    new_start = start + max(60, int((stop - start) * rng.uniform(0.1, 0.8)))
    return {"Id": str(uuids(rng, 1)[0]), "START": _fmt_ts(new_start), "STOP": _fmt_ts(stop + (new_start - start))}


def _description_variant(row, rng) -> dict | None:
    from .reference import DESCRIPTION_VARIANTS
    v = DESCRIPTION_VARIANTS.get(row["CODE"])
    return None if v is None else {"DESCRIPTION": v}


def _negative(v: str, rng) -> str | None:
    return None if not v or v.startswith("-") or float(v) == 0 else "-" + v


def _orphan(v: str, rng) -> str:
    return str(uuids(rng, 1)[0])


def _variant(table: dict[str, list[str]]):
    def f(v: str, rng) -> str | None:
        opts = table.get(v)
        return None if not opts else opts[int(rng.integers(0, len(opts)))]
    return f


_gender_typo = _variant(GENDER_TYPOS)


def _discharge_before(row, rng) -> dict | None:
    if not row["Discharge Date"]:
        return None
    v = row["Visit Date"]
    iso = v[4] == "-"
    day = str(np.datetime64(v if iso else f"{v[6:10]}-{v[3:5]}-{v[0:2]}", "D") - int(rng.integers(1, 10)))
    return {"Discharge Date": day if iso else f"{day[8:10]}-{day[5:7]}-{day[0:4]}"}


def _conflict(row, rng) -> dict | None:
    if row.get("Total Cost"):
        return {"Total Cost": f"{float(row['Total Cost']) + float(rng.integers(50, 500)):.2f}"}
    return {"Heart Rate": str(int(row["Heart Rate"] or 70) + int(rng.integers(5, 30)))}


def _near_duplicate(row, rng) -> dict | None:
    typo = _gender_typo(row["Gender"], rng)
    if typo is None:
        return {"Hospital Department": " " + row["Hospital Department"] + " "}
    return {"Gender": typo}


def _float_age(v: str, rng) -> str | None:
    return None if not v else f"{v}.0"


# file -> kind -> (mode, column, mutator). mode: 'set' changes the row, 'copy' adds a changed copy.
KINDS: dict[tuple[str, str], dict[str, tuple[str, str | None, Mutator | None]]] = {
    ("synthea", "encounters"): {
        "duplicate_row": ("copy", None, None),
        "overlapping_encounter": ("copy", "START", _overlap),
        "blank_start": ("set", "START", _set("START", lambda v, r: "")),
        "bad_timestamp": ("set", "START", _set("START", _bad_month)),
        "stop_before_start": ("set", "STOP", _shift_stop_before),
        "negative_cost": ("set", "TOTAL_CLAIM_COST", _set("TOTAL_CLAIM_COST", _negative)),
        "missing_cost": ("set", "TOTAL_CLAIM_COST", _set("TOTAL_CLAIM_COST", lambda v, r: "")),
        "non_numeric_cost": ("set", "TOTAL_CLAIM_COST", _set("TOTAL_CLAIM_COST", _choice(["N/A", "$1,200.00", "unknown"]))),
        "orphan_patient": ("set", "PATIENT", _set("PATIENT", _orphan)),
        "long_encounter": ("set", "STOP", _long_encounter),
        "description_variant": ("set", "DESCRIPTION", _description_variant),
    },
    ("synthea", "patients"): {
        "duplicate_row": ("copy", None, None),
        "bad_birthdate": ("set", "BIRTHDATE", _set("BIRTHDATE", _bad_month)),
        "gender_variant": ("set", "GENDER", _set("GENDER", lambda v, r: {"F": "f", "M": "male"}.get(v))),
    },
    ("synthea", "procedures"): {
        "duplicate_row": ("copy", None, None),
        "orphan_encounter": ("set", "ENCOUNTER", _set("ENCOUNTER", _orphan)),
        "negative_cost": ("set", "BASE_COST", _set("BASE_COST", _negative)),
        "bad_timestamp": ("set", "START", _set("START", _bad_month)),
    },
    ("synthea", "conditions"): {
        "duplicate_row": ("copy", None, None),
        "orphan_encounter": ("set", "ENCOUNTER", _set("ENCOUNTER", _orphan)),
        "bad_date": ("set", "START", _set("START", _bad_month)),
    },
    ("synthea", "observations"): {
        "duplicate_row": ("copy", None, None),
        "orphan_encounter": ("set", "ENCOUNTER", _set("ENCOUNTER", _orphan)),
        "non_numeric_value": ("set", "VALUE", _set("VALUE", _choice(["see note", "<5", "pending"]))),
    },
    ("emr", "visits"): {
        "duplicate_after_repair": ("copy", "Gender", _near_duplicate),
        "conflicting_duplicate": ("copy", "Total Cost", _conflict),
        "gender_misspelling": ("set", "Gender", _set("Gender", _gender_typo)),
        "blank_gender": ("set", "Gender", _set("Gender", lambda v, r: "")),
        "float_age": ("set", "Age", _set("Age", _float_age)),
        "blank_age": ("set", "Age", _set("Age", lambda v, r: "")),
        "bad_blood_pressure": ("set", "Blood Pressure", _set("Blood Pressure", _choice(BAD_BP))),
        "discharge_before_visit": ("set", "Discharge Date", _discharge_before),
        "bad_visit_date": ("set", "Visit Date", _set("Visit Date", _bad_month)),
        "blank_visit_date": ("set", "Visit Date", _set("Visit Date", lambda v, r: "")),
        "blank_patient_id": ("set", "Patient ID", _set("Patient ID", lambda v, r: "")),
        "department_variant": ("set", "Hospital Department", _set("Hospital Department", _variant(DEPARTMENT_VARIANTS))),
        "insurance_variant": ("set", "Insurance Type", _set("Insurance Type", _variant(INSURANCE_VARIANTS))),
        "negative_cost": ("set", "Total Cost", _set("Total Cost", _negative)),
        "non_numeric_cost": ("set", "Total Cost", _set("Total Cost", _choice(["N/A", "unknown"]))),
        "satisfaction_out_of_range": ("set", "Patient Satisfaction Score", _set("Patient Satisfaction Score", _choice(["0", "7", "10"]))),
        "coverage_out_of_range": ("set", "Insurance Coverage Percentage", _set("Insurance Coverage Percentage", _choice(["120", "-5"]))),
    },
}
# Exact duplicates of EMR rows are frequent in real extracts (about 2% of rows): their own rate.
EMR_EXACT_DUPLICATE_RATE = 0.02
EXTENDED_ONLY = {"negative_cost", "non_numeric_cost", "satisfaction_out_of_range", "coverage_out_of_range"}


def inject(table: pa.Table, source: str, file: str, rate: float, rng: np.random.Generator,
           row_offset: int = 0, only: tuple[str, ...] | None = None) -> tuple[pa.Table, list[Defect]]:
    """Apply defects to about `rate` of the rows of `table`, returning the dirty table and the defects.

    Row numbers in the defects are counted from row_offset (rows already written to the same file).
    `only` restricts the defects to these kinds, each then given to `rate` of the rows (used to corrupt
    a file one defect kind at a time).
    """
    kinds = dict(KINDS.get((source, file), {}))
    n = table.num_rows
    if not kinds or n == 0 or rate <= 0:
        return table, []
    if source == "emr":
        if "Total Cost" not in table.column_names:
            for k in EXTENDED_ONLY:
                kinds.pop(k, None)
            kinds["conflicting_duplicate"] = ("copy", "Heart Rate", _conflict)
        kinds = {"duplicate_row": ("copy", None, None), **kinds}
    if only is not None:
        unknown = set(only) - set(kinds)
        if unknown:
            raise ValueError(f"{source}/{file} has no defect kind {sorted(unknown)}")
        kinds = {k: v for k, v in kinds.items() if k in only}
    names = list(kinds)
    per_kind = {k: max(1, int(round(rate * n / len(names)))) for k in names}
    if source == "emr" and only is None:
        per_kind["duplicate_row"] = max(1, int(round(EMR_EXACT_DUPLICATE_RATE * n)))
    elif only is not None:
        per_kind = {k: max(1, int(round(rate * n))) for k in names}
    order = rng.permutation(n)  # candidate rows, each used at most once across all kinds
    pos = 0
    cache = _Columns(table)
    defects: list[tuple[str, int, str | None, str | None, int | None]] = []  # kind, tag, column, value, src tag
    copy_src: list[int] = []
    copy_changes: list[dict[str, str]] = []
    for kind in names:
        mode, column, mutator = kinds[kind]
        want, done, tries = per_kind[kind], 0, 0
        while done < want and pos < n and tries < want * 20:
            i = int(order[pos])
            pos += 1
            tries += 1
            changes = {} if mutator is None else mutator(cache.row(i), rng)
            if changes is None:
                continue
            value = None if column is None else changes.get(column, cache.row(i)[column])
            if mode == "set":
                for c, v in changes.items():
                    cache.set(c, i, v)
                defects.append((kind, i, column, value, None))
            else:
                copy_src.append(i)
                copy_changes.append(changes)
                defects.append((kind, n + len(copy_src) - 1, column, value, i))
            done += 1
    base = cache.table()
    if copy_src:
        extra = table.take(pa.array(copy_src, pa.int64()))
        for c in {c for ch in copy_changes for c in ch}:
            values = extra.column(c).to_pylist()
            for j, ch in enumerate(copy_changes):
                if c in ch:
                    values[j] = ch[c]
            extra = extra.set_column(extra.column_names.index(c), c, pa.array(values, pa.string()))
        full = pa.concat_tables([base, extra.cast(base.schema)])
        sort_key = np.concatenate([np.arange(n, dtype=float), rng.uniform(0, n, len(copy_src))])
        perm = np.argsort(sort_key, kind="stable")
        full = full.take(pa.array(perm))
    else:
        full = base
        perm = np.arange(n)
    final_pos = np.empty(len(perm), dtype=np.int64)
    final_pos[perm] = np.arange(len(perm))
    rows = pa.array([int(final_pos[tag]) for _, tag, _, _, _ in defects], pa.int64())
    keys = _keys(full.take(rows), source)
    out: list[Defect] = []
    for (kind, _tag, column, value, src), r, key in zip(defects, rows.to_pylist(), keys):
        out.append(Defect(source=source, file=file, kind=kind, row=row_offset + r + 1, key=key, column=column,
                          value=value, source_row=None if src is None else row_offset + int(final_pos[src]) + 1))
    return full, out


def _keys(rows: pa.Table, source: str) -> list[str | None]:
    """The natural key of each row: Id where the file has one, Patient ID|Visit Date for EMR, else None."""
    if "Id" in rows.column_names:
        return [v or None for v in rows.column("Id").to_pylist()]
    if source == "emr":
        return [f"{p}|{d}" for p, d in zip(rows.column("Patient ID").to_pylist(), rows.column("Visit Date").to_pylist())]
    return [None] * rows.num_rows


class _Columns:
    """Column values of a table, converted to Python objects only for the columns a defect touches."""

    def __init__(self, table: pa.Table):
        self._table = table
        self._cols: dict[str, np.ndarray] = {}

    def _col(self, name: str) -> np.ndarray:
        if name not in self._cols:
            self._cols[name] = self._table.column(name).to_numpy(zero_copy_only=False).astype(object)
        return self._cols[name]

    def row(self, i: int) -> _Row:
        return _Row(self, i)

    def set(self, name: str, i: int, value: str) -> None:
        self._col(name)[i] = value

    def table(self) -> pa.Table:
        return pa.table({c: (pa.array(self._cols[c], pa.string()) if c in self._cols else self._table.column(c))
                         for c in self._table.column_names})


class _Row(Mapping):
    """Read-only view of one row; reads a column only when asked for it."""

    def __init__(self, cols: _Columns, i: int):
        self._cols, self._i = cols, i

    def __getitem__(self, name: str) -> str:
        if name not in self._cols._table.column_names:
            raise KeyError(name)
        return self._cols._col(name)[self._i]

    def __iter__(self):
        return iter(self._cols._table.column_names)

    def __len__(self) -> int:
        return len(self._cols._table.column_names)
