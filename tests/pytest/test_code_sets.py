"""The official code sets and the Charlson lists: the seeds are what the pinned packages hold, and
dim_diagnoses describes, groups and flags the codes the sample uses by them."""
from __future__ import annotations

import csv
import json

import pytest

from conftest import REPO
from hospital_warehouse import codesets as build_code_sets


def test_the_code_set_seeds_are_what_the_packages_hold():
    """icd10cm_codes and charlson_icd10_codes are generated; regenerating them from the installed packages
    changes nothing (hospital_warehouse/codesets.py --check)."""
    assert build_code_sets.main(["--check"]) == 0


def test_the_charlson_seeds_copy_quan_2005_and_charlsons_weights():
    rows = list(csv.DictReader((REPO / "seeds" / "reference" / "charlson_icd10_codes.csv").open()))
    quan = build_code_sets.comorbidipy_module("mapping").mapping["charlson_icd10_quan"]
    assert {(r["comorbidity"], r["quan_code"]) for r in rows} == {(c, code) for c, codes in quan.items() for code in codes}
    assert len(rows) == 289 and {"icd10_prefix": "I25.2", "quan_code": "I252", "comorbidity": "ami"} in rows
    comorbidities = {r["comorbidity"]: r for r in csv.DictReader(
        (REPO / "seeds" / "reference" / "charlson_comorbidities.csv").open())}
    assert {c: int(r["weight"]) for c, r in comorbidities.items()} == build_code_sets.charlson_weights()
    assert {c: r["overridden_by"] for c, r in comorbidities.items() if r["overridden_by"]} == {
        "mld": "msld", "diab": "diabwc", "canc": "metacanc"}


def test_dim_diagnoses_takes_descriptions_categories_and_flags_from_the_code_sets(sample_warehouse):
    rows = {r["diagnosis_key"]: r for r in sample_warehouse.records(
        "select diagnosis_key, diagnosis_description, ccsr_category, ccsr_description, is_chronic, is_valid_icd10cm "
        "from marts.dim_diagnoses where diagnosis_key in ('I10', 'M54.5', 'J06.9', 'unmapped')")}
    assert rows["I10"] == {"diagnosis_key": "I10", "diagnosis_description": "Essential (primary) hypertension",
                           "ccsr_category": "CIR007", "ccsr_description": "Essential hypertension",
                           "is_chronic": True, "is_valid_icd10cm": True}
    # retired in 2021 (split into M54.50/51/59): kept, flagged, described as CCIR v2023.1 lists it (its
    # parent M54 is a category heading, not a code of the release)
    assert rows["M54.5"] == {"diagnosis_key": "M54.5", "diagnosis_description": "Low back pain",
                             "ccsr_category": "MUS038", "ccsr_description": "Low back pain", "is_chronic": False,
                             "is_valid_icd10cm": False}
    assert rows["unmapped"]["is_valid_icd10cm"] is None and rows["unmapped"]["ccsr_category"] is None
    assert rows["unmapped"]["ccsr_description"] is None
    # every category a diagnosis of the sample falls in has its name
    assert sample_warehouse.query("select count(*) from marts.dim_diagnoses "
                                  "where ccsr_category is not null and ccsr_description is null") == [(0,)]
    invalid = sample_warehouse.query("select count(*) from marts.dim_diagnoses where not is_valid_icd10cm")[0][0]
    assert invalid == 1


def test_the_ccsr_names_are_ahrqs_reference_file_v2023_1():
    """The seed as `hospital codesets --ccsr-workbook` wrote it from AHRQ's workbook (its sha256 recorded);
    every category the package's mapping uses has a name."""
    rows = list(csv.DictReader((REPO / "seeds" / "reference" / "ccsr_categories.csv").open(encoding="utf-8")))
    assert len(rows) == 547 and len({r["ccsr_category"] for r in rows}) == 547
    names = {r["ccsr_category"]: r["ccsr_category_description"] for r in rows}
    assert names["BLD001"] == "Nutritional anemia" and names["CIR019"] == "Heart failure"
    assert names["InvlDX"].startswith("Used to indicate the diagnosis was invalid")
    record = json.loads((REPO / "seeds" / "reference" / "code_sets.json").read_text())["sources"]["ccsr_categories"]
    assert record["sha256"] == "85c5eeb6d8680562039745a4a7a36e3600ced8711777be0eab84622c08c1db5e"
    assert "v2023.1" in record["source"]
    mapped = {r["ccsr_category"] for r in csv.DictReader(
        (REPO / "seeds" / "reference" / "icd10cm_codes.csv").open(encoding="utf-8")) if r["ccsr_category"]}
    assert mapped and mapped <= set(names)


def test_the_ccsr_names_are_read_from_the_workbook_below_its_header(tmp_path):
    """A workbook laid out as AHRQ's (a title row, then the header): the rows below the header, trimmed; a
    workbook without the sheet is named in one line."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "CCSR_Categories"
    for row in [("Searchable list of CCSR categories, v2023.1", None), ("CCSR Category", "CCSR Category Description"),
                ("BLD001", "Nutritional anemia "), ("CIR007", "Essential hypertension"), (None, None)]:
        sheet.append(row)
    book.save(tmp_path / "ccsr.xlsx")
    assert build_code_sets.ccsr_rows(tmp_path / "ccsr.xlsx") == [["BLD001", "Nutritional anemia"],
                                                                 ["CIR007", "Essential hypertension"]]
    sheet.title = "Other"
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(ValueError, match="no sheet CCSR_Categories"):
        build_code_sets.ccsr_rows(tmp_path / "other.xlsx")


def test_the_elixhauser_seeds_copy_ahrqs_v2026_1_workbook_and_weights():
    from elixhauser_ahrq import ElixhauserScorer
    codes = list(csv.DictReader((REPO / "seeds" / "reference" / "elixhauser_icd10_codes.csv").open()))
    measures = {r["comorbidity"]: r for r in csv.DictReader(
        (REPO / "seeds" / "reference" / "elixhauser_comorbidities.csv").open())}
    assert len(measures) == 38 and len({r["icd10_code"] for r in codes}) == 4567
    assert {"icd10_code": "I13.0", "comorbidity": "HTN_CX", "ahrq_column": "HTN_CX"} in codes
    assert {"icd10_code": "I63.9", "comorbidity": "CBVD", "ahrq_column": "CBVD_POA"} in codes
    assert {m: int(r["readmission_weight"]) for m, r in measures.items()} == ElixhauserScorer.READMISSION_WEIGHTS
    assert {m: int(r["mortality_weight"]) for m, r in measures.items()} == ElixhauserScorer.MORTALITY_WEIGHTS
    assert {m: r["overridden_by"] for m, r in measures.items() if r["overridden_by"]} == {
        "DIAB_UNCX": "DIAB_CX", "HTN_UNCX": "HTN_CX", "RENLFL_MOD": "RENLFL_SEV", "LIVER_MLD": "LIVER_SEV",
        "CANCER_SOLID": "CANCER_METS", "CANCER_LEUK": "CANCER_METS", "CANCER_LYMPH": "CANCER_METS",
        "CANCER_NSITU": "CANCER_SOLID"}


def test_every_visit_s_elixhauser_measures_and_indexes_are_the_packages(sample_warehouse):
    """Every visit of the sample's build against elixhauser-ahrq's mapper and scorer, given the visit's
    diagnoses (EMR: its own codes; Synthea: the patient's, onset within var charlson_lookback_days up to the
    visit), each present on admission (POA Y), behind an empty principal diagnosis, which the package skips."""
    from elixhauser_ahrq import ElixhauserMapper, ElixhauserScorer
    visits = sample_warehouse.records("""
        select e.source_system, e.encounter_id, x.elixhauser_comorbidities, x.elixhauser_count,
            x.elixhauser_readmission_index, x.elixhauser_mortality_index,
            list(distinct d.icd10_code) filter (where d.icd10_code is not null) as codes
        from intermediate.int_encounters_unioned as e
        join intermediate.int_encounter_comorbidities as x using (source_system, encounter_id)
        left join intermediate.int_encounter_diagnoses as d
            on d.source_system = e.source_system
            and (d.encounter_id = e.encounter_id and e.source_system = 'emr'
                 or d.patient_id = e.patient_id and e.source_system = 'synthea'
                    and d.onset_date <= e.start_date and d.onset_date > e.start_date - interval 365 day)
        group by all""")
    mapper, readmission, mortality = ElixhauserMapper(), ElixhauserScorer("readmission"), ElixhauserScorer("mortality")
    cache: dict[tuple, tuple] = {}
    for v in visits:
        key = tuple(sorted(v["codes"] or []))
        if key not in cache:
            flags = mapper.map_patient_diagnoses(["", *key], [None] + ["Y"] * len(key))
            cache[key] = (",".join(sorted(m for m, on in flags.items() if on)) or None, sum(flags.values()),
                          readmission.calculate_score(flags), mortality.calculate_score(flags))
        got = (v["elixhauser_comorbidities"], v["elixhauser_count"], v["elixhauser_readmission_index"],
               v["elixhauser_mortality_index"])
        assert got == cache[key], (v["source_system"], v["encounter_id"], key)
    assert len(visits) == 39896 and sum(v["elixhauser_count"] > 0 for v in visits) > 10000
    assert len(cache) > 100
