"""The project's dbt-duckdb plugin (profiles/profiles.yml, `plugins:`): it gives dbt's DuckDB connection the
function hospital_raw_files(source, entity, path, encoding), which macro read_raw calls to learn which raw
files a table has and how to read each, as hospital_warehouse/rawfiles.py decides for the door too. So the
rules for reading a raw file live in Python only, and `dbt build` run alone still reads any export.

It answers JSON: {"files": [{path, stamp, kind, sql}, ...]} or {"error": "<one line>"}, which the macro
raises as dbt's compile error.
"""
from __future__ import annotations

import json

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection
from duckdb.sqltypes import VARCHAR

from hospital_warehouse import rawfiles


def raw_files(source: str, entity: str, path: str, encoding: str | None) -> str:
    try:
        spec = rawfiles.contract()[source][entity]
        columns = spec["required"] + spec["optional"]
        files = rawfiles.resolve(source, entity, path, encoding or None)
    except rawfiles.Unreadable as exc:
        return json.dumps({"error": str(exc)})
    except (OSError, duckdb.Error) as exc:  # a file that vanished, a loop of links, permission: the door names
        return json.dumps({"error": f"{source} {entity}: {path}: {str(exc).splitlines()[0]}"})  # these first
    return json.dumps({"files": [{"path": f.path, "stamp": f.stamp, "kind": f.kind, "sql": rawfiles.select_sql(f, columns)}
                                 for f in files]})


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        conn.create_function("hospital_raw_files", raw_files, [VARCHAR, VARCHAR, VARCHAR, VARCHAR], VARCHAR,
                             null_handling="special", side_effects=True)
