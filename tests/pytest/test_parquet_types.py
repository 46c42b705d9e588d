"""A Parquet export whose columns are typed, as pandas and Spark write them (issue 37, finding 2): instants
as timestamps with a time zone (UTC), days as dates or midnight timestamps, money as doubles. Each is read
as the text the CSV export writes, so staging gives the same rows as from the all-text Parquet of the same
export; a column of a type that cannot mean its field stops the build, naming the file, column and type."""
from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import run_dbt
from hospital_warehouse import rawfiles
from hospital_warehouse.generator import GeneratorConfig, generate
from hospital_warehouse.quality import run as run_quality

STAGED = ["stg_synthea__encounters", "stg_synthea__patients", "stg_synthea__conditions", "stg_emr__visits",
          "stg_synthea__quarantine", "stg_emr__quarantine"]
SELECT = ["build", "--select", *[f"+{m}" for m in STAGED], "--exclude-resource-type", "test",
          "--exclude-resource-type", "unit_test"]


def retype(path: Path, columns: dict[str, pa.DataType]) -> None:
    """Rewrite a text Parquet file with the columns given cast to their types (blank text as null)."""
    table = pq.read_table(path)
    for name, typ in columns.items():
        i = table.schema.get_field_index(name)
        text = pc.if_else(pc.equal(table[name], ""), None, table[name])
        if pa.types.is_timestamp(typ):
            days = pc.all(pc.or_kleene(pc.is_null(text), pc.equal(pc.utf8_length(text), 10))).as_py()
            value = pc.strptime(pc.replace_substring(text, "Z", ""), format="%Y-%m-%d" if days else "%Y-%m-%dT%H:%M:%S",
                                unit="s")
            value = value.cast(pa.timestamp("s", tz="UTC")) if typ.tz else value
            value = value.cast(typ)
        elif pa.types.is_date(typ):
            value = pc.strptime(text, format="%Y-%m-%d", unit="s").cast(pa.date32())
        else:
            value = text.cast(typ)
        table = table.set_column(i, pa.field(name, value.type), value)
    pq.write_table(table, path)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("parquet_types")
    generate(GeneratorConfig(seed=5, patients=40, emr_rows=80, dirt_rate=0.0, file_format="parquet"), root / "text",
             progress=False)
    shutil.copytree(root / "text", root / "typed")
    s, e = root / "typed" / "synthea", root / "typed" / "emr" / "visits.parquet"
    retype(s / "encounters.parquet", {"START": pa.timestamp("us", tz="UTC"), "STOP": pa.timestamp("us", tz="UTC"),
                                       "TOTAL_CLAIM_COST": pa.float64(), "BASE_ENCOUNTER_COST": pa.decimal128(12, 2)})
    retype(s / "patients.parquet", {"BIRTHDATE": pa.date32(), "DEATHDATE": pa.date32(), "LAT": pa.float64()})
    retype(s / "conditions.parquet", {"START": pa.timestamp("ms"), "STOP": pa.timestamp("ms")})
    retype(e, {"Visit Date": pa.timestamp("ns"), "Age": pa.float64()})
    return {"text": root / "text", "typed": root / "typed"}


def staged(export: Path, workdir: Path):
    build = run_dbt(SELECT, workdir, dbt_vars={"synthea_raw_path": str(export / "synthea"),
                                              "emr_raw_path": str(export / "emr" / "visits.parquet")})
    out = {}
    for model in STAGED:  # every column but where the rows came from and when they were loaded
        names = [r[0] for r in build.query(f"describe staging.{model}")]
        kept = ", ".join(f'"{n}"' for n in names if n not in ("source_file", "source_file_stamp", "loaded_at"))
        out[model] = build.query(f"select {kept} from staging.{model} order by all")
    return out


def test_typed_columns_stage_as_their_text_does(exports, tmp_path):
    text, typed = staged(exports["text"], tmp_path / "text"), staged(exports["typed"], tmp_path / "typed")
    for model in STAGED:
        assert typed[model] == text[model], model
    assert len(text["stg_synthea__encounters"]) > 100 and len(text["stg_emr__visits"]) > 50
    assert text["stg_synthea__quarantine"] == [] or all("start" not in str(r) for r in text["stg_synthea__quarantine"])


def test_the_door_passes_typed_columns(exports, tmp_path, capsys):
    t = exports["typed"]
    code = run_quality.main(["--stage", "raw", "--quiet", "--no-data-docs", "--reports", str(tmp_path), "--synthea-path",
                             str(t / "synthea"), "--emr-path", str(t / "emr" / "visits.parquet")])
    assert code == 0, capsys.readouterr().err


def test_a_type_that_cannot_mean_its_column_stops_with_file_column_and_type(exports, tmp_path, capsys):
    bad = shutil.copytree(exports["typed"], tmp_path / "bad")
    path = bad / "synthea" / "encounters.parquet"
    table = pq.read_table(path)
    i = table.schema.get_field_index("TOTAL_CLAIM_COST")
    table = table.set_column(i, "TOTAL_CLAIM_COST", pc.greater(table["TOTAL_CLAIM_COST"], 100.0))
    pq.write_table(table, path)
    code = run_quality.main(["--stage", "raw", "--quiet", "--no-data-docs", "--reports", str(tmp_path / "r"), "--synthea-path",
                             str(bad / "synthea")])
    err = capsys.readouterr().err
    errors = [ln for ln in err.splitlines() if ln.startswith("error: ")]
    assert code == run_quality.STOP and len(errors) == 1, err
    assert errors[0] == (f"error: {path}: column TOTAL_CLAIM_COST: is of Parquet type bool, which cannot mean this "
                         "column: expected text or a number. Write it as text or a number")
    with pytest.raises(rawfiles.Unreadable, match="column TOTAL_CLAIM_COST is of Parquet type bool"):
        rawfiles.resolve("synthea", "encounters", bad / "synthea")
