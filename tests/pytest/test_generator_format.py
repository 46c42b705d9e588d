"""The generator writes both raw formats exactly as the data contract describes them."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import REPO
from hospital_warehouse.generator import GeneratorConfig, generate
from hospital_warehouse.generator.cli import main as cli_main

BOM = b"\xef\xbb\xbf"

# The contract's exact headers (docs/data_contract.md), written out here independently of the generator.
CONTRACT_HEADERS = {
    "synthea/encounters.csv": "Id,START,STOP,PATIENT,ORGANIZATION,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,"
                              "BASE_ENCOUNTER_COST,TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,REASONDESCRIPTION",
    "synthea/patients.csv": "Id,BIRTHDATE,DEATHDATE,PREFIX,FIRST,LAST,SUFFIX,MAIDEN,MARITAL,RACE,ETHNICITY,GENDER,"
                            "BIRTHPLACE,ADDRESS,CITY,STATE,COUNTY,ZIP,LAT,LON",
    "synthea/payers.csv": "Id,NAME,ADDRESS,CITY,STATE_HEADQUARTERED,ZIP,PHONE",
    "synthea/procedures.csv": "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION,BASE_COST,REASONCODE,REASONDESCRIPTION",
    "synthea/organizations.csv": "Id,NAME,ADDRESS,CITY,STATE,ZIP,LAT,LON",
    "synthea/conditions.csv": "START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION",
    "synthea/observations.csv": "DATE,PATIENT,ENCOUNTER,CATEGORY,CODE,DESCRIPTION,VALUE,UNITS,TYPE",
}
EMR_BASIC = ("Patient ID,Age,Gender,Race,Primary Diagnosis,Secondary Diagnosis 1,Secondary Diagnosis 2,Medication,"
             "Procedure Code,Visit Date,Discharge Date,Length of Stay,Insurance Type,Physician ID,Hospital Department,"
             "Source System,Blood Pressure,Heart Rate,Temperature,Blood Glucose,Cholesterol")
EMR_EXTENDED = EMR_BASIC.replace("Source System,", "Source System,Readmission,Total Cost,Patient Satisfaction Score,"
                                                   "Surgery Performed,Surgery Level,Insurance Coverage Percentage,")


def read_csv_text(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def first_line(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.readline()


@pytest.fixture(scope="module")
def lf_export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lf")
    generate(GeneratorConfig(seed=3, patients=50, emr_rows=100, bom=False, crlf=False, emr_variant="basic",
                             emr_date_format="dmy"), out, progress=False)
    return out


def test_synthea_headers_are_exact_with_bom_and_crlf(small_export):
    for rel, header in CONTRACT_HEADERS.items():
        assert first_line(small_export / rel) == BOM + header.encode() + b"\r\n", rel
        body = (small_export / rel).read_bytes()
        assert body.count(b"\r\n") == body.count(b"\n"), f"{rel}: a bare LF line ending"


def test_emr_extended_header_is_exact(small_export):
    assert first_line(small_export / "emr/visits.csv") == BOM + EMR_EXTENDED.encode() + b"\r\n"


def test_flags_turn_off_bom_and_crlf_and_select_basic_dmy(lf_export):
    assert first_line(lf_export / "emr/visits.csv") == EMR_BASIC.encode() + b"\n"
    assert first_line(lf_export / "synthea/payers.csv") == CONTRACT_HEADERS["synthea/payers.csv"].encode() + b"\n"
    assert b"\r" not in (lf_export / "synthea/encounters.csv").read_bytes()
    visits = read_csv_text(lf_export / "emr/visits.csv")
    dates = visits["Visit Date"][visits["Visit Date"] != ""]
    assert dates.str.fullmatch(r"\d{2}-\d{2}-\d{4}").mean() > 0.95  # the rest are injected bad dates


def test_full_export_adds_synthea_columns_in_place(tmp_path):
    generate(GeneratorConfig(seed=5, patients=20, emr_rows=0), tmp_path, full_export=True, progress=False)
    header = first_line(tmp_path / "synthea/encounters.csv").decode("utf-8-sig").strip().split(",")
    assert header[4:7] == ["ORGANIZATION", "PROVIDER", "PAYER"]
    patients = first_line(tmp_path / "synthea/patients.csv").decode("utf-8-sig").strip().split(",")
    assert {"SSN", "DRIVERS", "PASSPORT", "MIDDLE", "FIPS", "HEALTHCARE_EXPENSES", "INCOME"} <= set(patients)


def test_value_formats(small_export):
    enc = read_csv_text(small_export / "synthea/encounters.csv")
    stamp = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"
    manifest = json.loads((small_export / "manifest.json").read_text())
    bad_start_rows = {d["row"] for d in manifest["defects"]
                      if d["file"] == "encounters.csv" and d["kind"] in ("blank_start", "bad_timestamp")}
    ok = ~enc.index.isin([r - 1 for r in bad_start_rows])
    assert enc.loc[ok, "START"].str.fullmatch(stamp).all()
    assert enc["Id"].str.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}").all()
    assert set(enc["ENCOUNTERCLASS"]) == {"ambulatory", "outpatient", "urgentcare", "emergency", "wellness", "inpatient"}
    # REASONCODE is blank on most encounters, as in real exports
    assert 0.4 < (enc["REASONCODE"] == "").mean() < 0.9
    patients = read_csv_text(small_export / "synthea/patients.csv")
    zips = patients["ZIP"][patients["ZIP"] != ""]
    assert zips.str.fullmatch(r"\d{5}").all()
    assert zips.str.startswith("0").any(), "Massachusetts ZIPs start with 0 and must stay text"
    assert (patients["ZIP"] == "").any(), "some ZIPs are blank, as in real exports"
    assert set(patients["MARITAL"]) <= {"M", "S", "D", "W", ""}
    payers = read_csv_text(small_export / "synthea/payers.csv")
    no_ins = payers[payers["NAME"] == "NO_INSURANCE"].iloc[0]
    assert (no_ins[["ADDRESS", "CITY", "STATE_HEADQUARTERED", "ZIP", "PHONE"]] == "").all()
    assert len(payers) == 10 and {"Medicare", "Medicaid", "Dual Eligible"} <= set(payers["NAME"])
    # one CODE with several DESCRIPTION spellings
    spellings = enc.groupby("CODE")["DESCRIPTION"].nunique()
    assert (spellings > 1).any()


def test_csv_quotes_only_fields_that_need_it(tmp_path):
    import pyarrow as pa

    from hospital_warehouse.generator.writers import csv_bytes

    t = pa.table({"a": ["x", "y,z", None, 'q"r'], "b": ["1", "2", "", ""]})
    assert csv_bytes(t, "\r\n", header=True) == b'a,b\r\nx,1\r\n"y,z",2\r\n,\r\n"q""r",\r\n'
    parsed = list(csv.reader(io.StringIO(csv_bytes(t, "\n", header=False).decode())))
    assert parsed == [["x", "1"], ["y,z", "2"], ["", ""], ['q"r', ""]]


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files(tmp_path):
    cfg = dict(seed=11, patients=120, emr_rows=300)
    generate(GeneratorConfig(**cfg), tmp_path / "a", progress=False)
    generate(GeneratorConfig(**cfg), tmp_path / "b", progress=False)
    a, b = digest(tmp_path / "a"), digest(tmp_path / "b")
    assert len(a) == 9 and a == b
    generate(GeneratorConfig(**{**cfg, "seed": 12}), tmp_path / "c", progress=False)
    assert digest(tmp_path / "c")["synthea/encounters.csv"] != a["synthea/encounters.csv"]


def test_shipped_sample_is_what_the_generator_makes(tmp_path):
    """seeds/ holds the output of `make generate-sample` (default parameters), byte for byte."""
    generate(GeneratorConfig(), tmp_path, progress=False)
    shipped = digest(REPO / "seeds")
    for rel, h in digest(tmp_path).items():
        assert shipped.get(rel) == h, f"seeds/{rel} differs from the generator's output: run make generate-sample"


def test_parquet_holds_the_same_text_as_csv(tmp_path):
    cfg = dict(seed=9, patients=60, emr_rows=150)
    generate(GeneratorConfig(**cfg), tmp_path / "csv", progress=False)
    generate(GeneratorConfig(**cfg, file_format="parquet"), tmp_path / "pq", progress=False)
    for name in ["synthea/encounters", "synthea/procedures", "synthea/patients", "emr/visits"]:
        from_csv = read_csv_text(tmp_path / "csv" / f"{name}.csv")
        from_pq = pq.read_table(tmp_path / "pq" / f"{name}.parquet").to_pandas().fillna("")
        pd.testing.assert_frame_equal(from_csv, from_pq.astype(str), check_dtype=False)


def test_manifest_matches_the_files(small_export):
    manifest = json.loads((small_export / "manifest.json").read_text())
    frames = {rel: read_csv_text(small_export / rel) for rel in manifest["files"]}
    for rel, info in manifest["files"].items():
        assert len(frames[rel]) == info["rows"], rel
    by_file = {rel.split("/", 1)[1]: df for rel, df in frames.items()}
    assert manifest["defects"], "the default dirt rate injects defects"
    seen = set()
    for d in manifest["defects"]:
        df = by_file[d["file"]]
        row = df.iloc[d["row"] - 1]
        assert (d["file"], d["row"]) not in seen, f"two defects on one row: {d}"
        seen.add((d["file"], d["row"]))
        if d["column"] is not None:
            assert row[d["column"]] == d["value"], d
        if "Id" in df.columns:
            assert d["key"] == (row["Id"] or None), d
        if d["kind"] == "duplicate_row":
            source = df.iloc[d["source_row"] - 1]
            assert d["source_row"] != d["row"] and (row == source).all(), d
        if d["kind"] in ("conflicting_duplicate", "duplicate_after_repair"):
            source = df.iloc[d["source_row"] - 1]
            assert (row["Patient ID"], row["Visit Date"]) == (source["Patient ID"], source["Visit Date"])
            assert not (row == source).all()
    counts = {}
    for d in manifest["defects"]:
        counts.setdefault(f"{d['source']}/{d['file']}", {}).setdefault(d["kind"], 0)
        counts[f"{d['source']}/{d['file']}"][d["kind"]] += 1
    assert counts == manifest["defect_counts"]


def test_every_defect_kind_of_a_file_is_present(small_export):
    from hospital_warehouse.generator.defects import KINDS
    manifest = json.loads((small_export / "manifest.json").read_text())
    for (source, file), kinds in KINDS.items():
        got = set(manifest["defect_counts"][f"{source}/{file}.csv"])
        assert set(kinds) <= got, (file, set(kinds) - got)


def test_cli_help_and_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        cli_main(["--help"])
    assert exc.value.code == 0
    assert "--encounters" in capsys.readouterr().out
    assert cli_main(["--out", str(tmp_path), "--patients", "30", "--emr-rows", "40", "--quiet", "--only", "emr"]) == 0
    assert (tmp_path / "emr/visits.csv").exists() and not (tmp_path / "synthea").exists()
    assert re.search(r'"rows": 4\d', (tmp_path / "manifest.json").read_text())
