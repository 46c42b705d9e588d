"""The reference seeds cover every code the generator plants (and agree with its planted groups)."""
from __future__ import annotations

import pandas as pd

from conftest import REPO
from hospital_warehouse.generator import reference as ref

SEEDS = REPO / "seeds" / "reference"


def seed(name: str) -> pd.DataFrame:
    return pd.read_csv(SEEDS / f"{name}.csv", dtype=str, keep_default_na=False)


def test_every_generated_reason_and_condition_code_is_mapped_except_social_findings():
    mapped = dict(zip(seed("snomed_to_icd10")["snomed_code"], seed("snomed_to_icd10")["icd10_code"]))
    conditions = list(ref.CHRONIC.values()) + [c for conds in ref.ACUTE.values() for c in conds] + ref.HAI
    for c in conditions:
        if c.icd10 is None:
            assert c.code not in mapped, f"{c.code} {c.description} is meant to stay unmapped"
        else:
            assert mapped.get(c.code) == c.icd10, (c.code, c.description)


def test_chronic_groups_cover_the_planted_chronic_conditions():
    prefixes = seed("chronic_condition_groups")
    group_of = lambda code: next((g for g, p in zip(prefixes["condition_group"], prefixes["icd10_prefix"])  # noqa: E731
                                  if code.startswith(p)), None)
    expected = {"diabetes": "diabetes", "hypertension": "hypertension", "heart_failure": "heart_disease",
                "copd": "copd", "ckd": "chronic_kidney_disease"}
    for key, condition in ref.CHRONIC.items():
        assert group_of(condition.icd10) == expected[key]
    assert group_of("I25.10") == "heart_disease" and group_of("J45.909") == "asthma" and group_of("I48.91") is None


def test_planted_infections_and_planned_procedures_are_in_their_seeds():
    infections = seed("infection_codes")["icd10_prefix"]
    for c in ref.HAI:
        assert any(c.icd10.startswith(p) for p in infections), c
    planned = set(seed("planned_readmission_codes")["code"])
    for category in ("chemotherapy", "radiotherapy", "rehabilitation", "cesarean"):
        for proc in ref.PROCEDURES[category]:
            assert proc.code in planned, proc
    assert "177184002" not in planned, "a normal delivery is not scheduled care"


def test_every_payer_has_a_category():
    categories = dict(zip(seed("payer_categories")["payer_name"], seed("payer_categories")["payer_category"]))
    for name, *_ in ref.PAYERS:
        assert name in categories
    assert categories["NO_INSURANCE"] == "Uninsured"
