"""Vectorised helpers: UUIDs, UTC time arithmetic and the text forms real exports use.

Times are int64 seconds since 1970-01-01 UTC throughout the generator; they become text only here.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DAY = 86_400
HOUR = 3_600

_HEX = np.frombuffer(b"0123456789abcdef", dtype="S1")


def epoch_seconds(year: int, month: int = 1, day: int = 1) -> int:
    """Seconds since the epoch at 00:00 UTC of the given date."""
    return int(np.datetime64(f"{year:04d}-{month:02d}-{day:02d}", "s").astype(np.int64))


def uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random version-4 UUID strings drawn from rng (deterministic for a given rng state)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    nibbles = np.empty((n, 32), dtype=np.uint8)
    nibbles[:, 0::2] = raw >> 4
    nibbles[:, 1::2] = raw & 0x0F
    hexchars = _HEX[nibbles]
    out = np.full((n, 36), b"-", dtype="S1")
    out[:, 0:8] = hexchars[:, 0:8]
    out[:, 9:13] = hexchars[:, 8:12]
    out[:, 14:18] = hexchars[:, 12:16]
    out[:, 19:23] = hexchars[:, 16:20]
    out[:, 24:36] = hexchars[:, 20:32]
    return out.view("S36").ravel().astype("U36")


def ts_text(seconds: np.ndarray) -> pa.Array:
    """`YYYY-MM-DDTHH:MM:SSZ`, the Synthea timestamp form."""
    text = pa.array(np.asarray(seconds, dtype=np.int64), type=pa.timestamp("s")).cast(pa.string())
    return pc.binary_join_element_wise(pc.utf8_replace_slice(text, 10, 11, "T"), "Z", "")


def date_text(seconds: np.ndarray, fmt: str = "%Y-%m-%d") -> pa.Array:
    """A UTC date as text: `YYYY-MM-DD` (default) or `DD-MM-YYYY` (fmt "%d-%m-%Y")."""
    iso = pa.array(np.asarray(seconds, dtype=np.int64) // DAY, type=pa.int32()).cast(pa.date32()).cast(pa.string())
    if fmt == "%Y-%m-%d":
        return iso
    if fmt == "%d-%m-%Y":
        part = lambda a, b: pc.utf8_slice_codeunits(iso, a, b)  # noqa: E731
        return pc.binary_join_element_wise(part(8, 10), part(5, 7), part(0, 4), "-")
    raise ValueError(f"unsupported date format {fmt!r}")


def decimal_text(values: np.ndarray, places: int = 2) -> pa.Array:
    """A number with a fixed count of decimals (`129.16`, `0.00`, `-12.50`, `98.6`); places >= 1."""
    scale = 10**places
    scaled = np.round(np.asarray(values, dtype=np.float64) * scale).astype(np.int64)
    sign = pa.array(np.where(scaled < 0, "-", ""))
    scaled = np.abs(scaled)
    whole = pc.binary_join_element_wise(sign, pa.array(scaled // scale).cast(pa.string()), "")
    frac = pc.utf8_lpad(pa.array(scaled % scale).cast(pa.string()), width=places, padding="0")
    return pc.binary_join_element_wise(whole, frac, ".")


def money_text(values: np.ndarray) -> pa.Array:
    """Dollars with two decimals."""
    return decimal_text(values, 2)


def int_text(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string())


def blank_where(values, mask: np.ndarray) -> pa.Array:
    """Text column with '' where mask is true."""
    arr = values if isinstance(values, pa.Array) else pa.array(values, type=pa.string())
    return pc.if_else(pa.array(mask), pa.scalar("", pa.string()), arr)


def text_table(cols: dict) -> pa.Table:
    """A table of text columns from arrays of any kind; columns named `_x` keep their own type."""
    out = {}
    for name, values in cols.items():
        if isinstance(values, (pa.Array, pa.ChunkedArray)):
            out[name] = values
        elif name.startswith("_"):
            out[name] = pa.array(values)
        else:
            out[name] = pa.array(values, pa.string()) if isinstance(values, np.ndarray) and values.dtype == object \
                else pa.array(np.asarray(values).astype(str), pa.string())
    return pa.table(out)


def vocab(values, idx: np.ndarray) -> pa.Array:
    """values[idx] as a text column, built in Arrow (fast for a small vocabulary and many rows).
    Negative indices count from the end, as in numpy."""
    idx = np.asarray(idx, dtype=np.int64)
    idx = np.where(idx < 0, idx + len(values), idx)
    return pa.array([str(v) for v in values], pa.string()).take(pa.array(idx))
