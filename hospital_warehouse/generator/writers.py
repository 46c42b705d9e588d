"""Write raw files in the shape real exports have: CSV with minimal quoting (only fields that hold a
comma, quote or line break are quoted), an optional UTF-8 byte-order mark and CRLF line endings; or
Parquet with every column as text, so that both formats go through the same typing in staging.

Writers are streaming: a file is opened once and chunks are appended, so memory stays flat.
"""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

BOM = b"\xef\xbb\xbf"


def _quoted(col: pa.Array) -> pa.Array:
    col = pc.fill_null(col.cast(pa.string()), "")
    needs = pc.match_substring_regex(col, r'[,"\r\n]')
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
    return pc.if_else(needs, escaped, col)


def csv_bytes(table: pa.Table, eol: str, header: bool) -> bytes:
    """Render a table of text columns as CSV bytes (no BOM)."""
    cols = [_quoted(table.column(i).combine_chunks()) for i in range(table.num_columns)]
    lines = pc.binary_join_element_wise(*cols, ",") if cols else pa.array([], pa.string())
    body = eol.join(lines.to_pylist())
    parts = []
    if header:
        parts.append(",".join(table.column_names))
    if table.num_rows:
        parts.append(body)
    text = eol.join(parts)
    return (text + eol).encode("utf-8") if parts else b""


class RawFileWriter:
    """Appends chunks of one raw file. Use as a context manager."""

    def __init__(self, path: Path, columns: list[str], file_format: str, bom: bool, crlf: bool):
        self.path = Path(path)
        self.columns = columns
        self.file_format = file_format
        self.bom = bom
        self.eol = "\r\n" if crlf else "\n"
        self.rows = 0
        self._fh = None
        self._pq: pq.ParquetWriter | None = None
        self._schema = pa.schema([(c, pa.string()) for c in columns])

    def __enter__(self) -> RawFileWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.file_format == "csv":
            self._fh = open(self.path, "wb")
            if self.bom:
                self._fh.write(BOM)
            self._fh.write(csv_bytes(pa.table({c: pa.array([], pa.string()) for c in self.columns}), self.eol, True))
        elif self.file_format == "parquet":
            self._pq = pq.ParquetWriter(self.path, self._schema, compression="zstd")
        else:
            raise ValueError(f"unknown file format {self.file_format!r} (csv or parquet)")
        return self

    def write(self, table: pa.Table) -> None:
        missing = [c for c in self.columns if c not in table.column_names]
        if missing:
            raise ValueError(f"{self.path.name}: chunk lacks columns {missing}")
        table = table.select(self.columns).cast(self._schema)
        if self._fh is not None:
            self._fh.write(csv_bytes(table, self.eol, header=False))
        else:
            assert self._pq is not None
            self._pq.write_table(table)
        self.rows += table.num_rows

    def __exit__(self, *exc) -> None:
        if self._fh is not None:
            self._fh.close()
        if self._pq is not None:
            self._pq.close()
