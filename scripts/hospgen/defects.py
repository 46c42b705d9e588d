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

from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


# Each kind: (column it touches or None, mode, mutator(row dict, rng) -> row dict or None if not applicable)
Mutator = Callable[[dict, np.random.Generator], "dict | None"]


def _set(col: str, fn: Callable[[str, np.random.Generator], "str | None"]) -> Mutator:
    def m(row: dict, rng) -> dict | None:
        new = fn(row[col], rng)
        if new is None:
            return None
        row = dict(row)
        row[col] = new
        return row
    return m


def _choice(options):
    return lambda v, rng: options[int(rng.integers(0, len(options)))]


def _shift_stop_before(row: dict, rng) -> dict | None:
    if not row["START"]:
        return None
    row = dict(row)
    row["STOP"] = _fmt_ts(_parse_ts(row["START"]) - int(rng.integers(1, 48)) * HOUR)
    return row


def _long_encounter(row: dict, rng) -> dict | None:
    if row.get("ENCOUNTERCLASS") != "ambulatory":
        return None
    row = dict(row)
    row["STOP"] = _fmt_ts(_parse_ts(row["START"]) + int(rng.integers(3 * 365, 6 * 365)) * DAY)
    return row


def _overlap(row: dict, rng) -> dict | None:
    row = dict(row)
    row["Id"] = str(uuids(rng, 1)[0])
    shift = int(rng.integers(5, 30)) * 60
    row["START"] = _fmt_ts(_parse_ts(row["START"]) + shift)
    row["STOP"] = _fmt_ts(max(_parse_ts(row["STOP"]), _parse_ts(row["START"])) + shift)
    return row


def _description_variant(row: dict, rng) -> dict | None:
    from .reference import DESCRIPTION_VARIANTS
    v = DESCRIPTION_VARIANTS.get(row["CODE"])
    if v is None:
        return None
    row = dict(row)
    row["DESCRIPTION"] = v
    return row


def _negative(v: str, rng) -> str | None:
    return None if not v or v.startswith("-") or float(v) == 0 else "-" + v


def _orphan(v: str, rng) -> str:
    return str(uuids(rng, 1)[0])


def _gender_typo(v: str, rng) -> str | None:
    opts = GENDER_TYPOS.get(v)
    return None if not opts else opts[int(rng.integers(0, len(opts)))]


def _variant(table: dict[str, list[str]]):
    def f(v: str, rng) -> str | None:
        opts = table.get(v)
        return None if not opts else opts[int(rng.integers(0, len(opts)))]
    return f


def _discharge_before(row: dict, rng) -> dict | None:
    if not row["Discharge Date"]:
        return None
    row = dict(row)
    v = row["Visit Date"]
    iso = v[4] == "-"
    day = np.datetime64(v if iso else f"{v[6:10]}-{v[3:5]}-{v[0:2]}", "D") - int(rng.integers(1, 10))
    s = str(day)
    row["Discharge Date"] = s if iso else f"{s[8:10]}-{s[5:7]}-{s[0:4]}"
    return row


def _conflict(row: dict, rng) -> dict | None:
    row = dict(row)
    if "Total Cost" in row and row["Total Cost"]:
        row["Total Cost"] = f"{float(row['Total Cost']) + float(rng.integers(50, 500)):.2f}"
    else:
        row["Heart Rate"] = str(int(row["Heart Rate"] or 70) + int(rng.integers(5, 30)))
    return row


def _near_duplicate(row: dict, rng) -> dict | None:
    row = dict(row)
    typo = _gender_typo(row["Gender"], rng)
    if typo is None:
        row["Hospital Department"] = " " + row["Hospital Department"] + " "
    else:
        row["Gender"] = typo
    return row


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
           row_offset: int = 0) -> tuple[pa.Table, list[Defect]]:
    """Apply defects to about `rate` of the rows of `table`, returning the dirty table and the defects.

    Row numbers in the defects are counted from row_offset (rows already written to the same file).
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
    names = list(kinds)
    per_kind = {k: max(1, int(round(rate * n / len(names)))) for k in names}
    if source == "emr":
        per_kind["duplicate_row"] = max(1, int(round(EMR_EXACT_DUPLICATE_RATE * n)))
    # candidate rows for each kind, disjoint; a mutator may decline a row (not applicable), so draw spares
    order = rng.permutation(n)
    pos = 0
    columns: dict[str, np.ndarray] = {}

    def col(name: str) -> np.ndarray:
        if name not in columns:
            columns[name] = table.column(name).to_numpy(zero_copy_only=False).astype(object)
        return columns[name]

    def row_at(i: int) -> dict:
        return {c: (columns[c][i] if c in columns else table.column(c)[i].as_py()) for c in table.column_names}

    defects: list[tuple[str, int, str | None, str | None, int | None]] = []  # kind, tag, column, value, src tag
    copies: list[dict] = []
    for kind in names:
        mode, column, mutator = kinds[kind]
        want = per_kind[kind]
        done = 0
        tries = 0
        while done < want and pos < n and tries < want * 20:
            i = int(order[pos])
            pos += 1
            tries += 1
            row = row_at(i)
            new = row if mutator is None else mutator(row, rng)
            if new is None:
                continue
            if mode == "set":
                for c, v in new.items():
                    if v != row[c]:
                        col(c)[i] = v
                defects.append((kind, i, column, None if column is None else new[column], None))
            else:
                copies.append(new)
                defects.append((kind, n + len(copies) - 1, column, None if column is None else new[column], i))
            done += 1
    base = pa.table({c: (pa.array(columns[c], pa.string()) if c in columns else table.column(c))
                     for c in table.column_names})
    if copies:
        extra = pa.table({c: pa.array([r[c] for r in copies], pa.string()) for c in table.column_names})
        full = pa.concat_tables([base, extra])
        sort_key = np.concatenate([np.arange(n, dtype=float), rng.uniform(0, n, len(copies))])
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
    for (kind, tag, column, value, src), r, key in zip(defects, rows.to_pylist(), keys):
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
