"""Simulate a flat EMR visit extract (one row per visit), basic or extended column set.

Clean data only; defects are added by `defects.py`. What it plants (params.py):
- departments ER, Cardiology, Orthopedics, Pediatrics, Oncology with seasonal peaks;
- about half of visits same-day (Length of Stay 0, Discharge Date blank), the rest admissions;
- a reported Readmission flag whose rate differs by department;
- a satisfaction score that falls in one department from a given month on;
- vitals with abnormal values for patients with the matching chronic diagnoses.
Every (Patient ID, Visit Date) pair is unique in the clean data: that is the visit key.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import reference as ref
from .fmt import DAY, date_text, decimal_text, epoch_seconds, int_text, money_text, text_table

EMR_BASIC = ["Patient ID", "Age", "Gender", "Race", "Primary Diagnosis", "Secondary Diagnosis 1",
             "Secondary Diagnosis 2", "Medication", "Procedure Code", "Visit Date", "Discharge Date",
             "Length of Stay", "Insurance Type", "Physician ID", "Hospital Department", "Source System",
             "Blood Pressure", "Heart Rate", "Temperature", "Blood Glucose", "Cholesterol"]
EMR_EXTENDED_EXTRA = ["Readmission", "Total Cost", "Patient Satisfaction Score", "Surgery Performed",
                      "Surgery Level", "Insurance Coverage Percentage"]
_AFTER = EMR_BASIC.index("Source System") + 1
EMR_EXTENDED = EMR_BASIC[:_AFTER] + EMR_EXTENDED_EXTRA + EMR_BASIC[_AFTER:]

DATE_FORMATS = {"iso": "%Y-%m-%d", "dmy": "%d-%m-%Y"}


def emr_columns(variant: str) -> list[str]:
    if variant not in ("basic", "extended"):
        raise ValueError(f"emr variant must be basic or extended, not {variant!r}")
    return EMR_EXTENDED if variant == "extended" else EMR_BASIC


def _parse_day(text: str) -> int:
    y, m, d = (int(x) for x in text.split("-"))
    return epoch_seconds(y, m, d)


def simulate_emr(cfg, seed_stream: int = 2) -> tuple[pa.Table, dict]:
    """Return the clean extract (visits sorted by date) and facts the tests check against."""
    rng = np.random.default_rng([cfg.seed, 10**9 + seed_stream])
    n = cfg.emr_rows
    n_pat = max(1, int(n * (1 - cfg.emr_repeat_visit_share)))
    # patients
    age0 = _ages(rng, n_pat)
    gender = np.array(["Male", "Female", "Other"], dtype=object)[rng.choice(3, size=n_pat, p=[0.485, 0.495, 0.02])]
    race = np.array(["White", "Black", "Asian", "Hispanic", "Other"], dtype=object)[
        rng.choice(5, size=n_pat, p=[0.66, 0.10, 0.08, 0.12, 0.04])]
    pid = np.array([f"P{100000 + i}" for i in rng.permutation(n_pat)], dtype=object)
    chronic_dx = np.array(ref.EMR_SECONDARY, dtype=object)[rng.integers(0, len(ref.EMR_SECONDARY), n_pat)]
    # visits: every patient once, then repeat visits
    vp = np.concatenate([np.arange(n_pat), rng.integers(0, n_pat, n - n_pat)])
    start, end = _parse_day(cfg.emr_start), _parse_day(cfg.emr_end)
    child = age0[vp] < 18
    dept_names = list(ref.EMR_DEPARTMENTS)
    adult_w = np.array([0.36, 0.22, 0.22, 0.0, 0.20])
    dept = np.where(child, dept_names.index("Pediatrics"),
                    rng.choice(len(dept_names), size=n, p=adult_w / adult_w.sum()))
    # visit dates with seasonal peaks by department (thinning), unique per (patient, date)
    peak = np.ones((len(dept_names), 13))
    for d, months in cfg.emr_peak_months.items():
        peak[dept_names.index(d), months] = cfg.emr_peak_factor
    vdate = np.zeros(n, dtype=np.int64)
    todo = np.arange(n)
    while len(todo):
        cand = start + rng.integers(0, (end - start) // DAY + 1, len(todo)) * DAY
        month = (cand.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12) + 1
        ok = rng.random(len(todo)) < peak[dept[todo], month] / peak[dept[todo]].max()
        vdate[todo[ok]] = cand[ok]
        todo = todo[~ok]
        if not len(todo):
            key = vp * 100_000 + vdate // DAY
            _, first = np.unique(key, return_index=True)
            dup = np.ones(n, dtype=bool)
            dup[first] = False
            todo = np.flatnonzero(dup)
    age = np.floor(age0[vp] + (vdate - start) / (365.25 * DAY)).astype(np.int64)
    # stay
    admit_p = np.array([0.35, 0.55, 0.55, 0.25, 0.6])[dept]
    admitted = rng.random(n) < admit_p
    los = np.where(admitted, rng.geometric(0.3, n), 0)  # days, >= 1 when admitted
    discharge = vdate + los * DAY
    # codes
    primary = np.empty(n, dtype=object)
    cpt = np.empty(n, dtype=object)
    for i, d in enumerate(dept_names):
        sel = dept == i
        primary[sel] = np.array(ref.EMR_DIAGNOSES[d], dtype=object)[rng.integers(0, len(ref.EMR_DIAGNOSES[d]), sel.sum())]
        cpt[sel] = np.array(ref.EMR_CPT[d], dtype=object)[rng.integers(0, len(ref.EMR_CPT[d]), sel.sum())]
    sec1 = chronic_dx[vp]
    sec2 = np.array(ref.EMR_SECONDARY, dtype=object)[rng.integers(0, len(ref.EMR_SECONDARY), n)]
    sec2 = np.where(sec2 == sec1, "", sec2)
    med = np.array(ref.EMR_MEDICATIONS, dtype=object)[rng.integers(0, len(ref.EMR_MEDICATIONS), n)]
    ins = np.where(age >= 65, "Medicare",
                   np.array(["Private", "Medicaid", "Uninsured"], dtype=object)[rng.choice(3, size=n, p=[0.58, 0.24, 0.18])])
    physician = np.array([f"DR{1000 + 50 * d + k}" for d, k in zip(dept, rng.integers(0, 12, n))], dtype=object)
    source = np.array(ref.EMR_SOURCE_SYSTEMS, dtype=object)[rng.choice(3, size=n, p=[0.6, 0.3, 0.1])]
    # vitals: hypertension and diabetes patients run high
    htn = (sec1 == "I10") | (primary == "I10")
    dm = sec1 == "E11.9"
    # clipped to plausible ranges: out-of-range values are defects, injected on purpose only
    sys_ = np.clip(np.round(rng.normal(120 + 22 * htn, 13, n)), 80, 220).astype(np.int64)
    dia = np.clip(np.round(rng.normal(77 + 11 * htn, 8, n)), 45, 130).astype(np.int64)
    hr = np.clip(np.round(rng.normal(76 + 10 * (dept == 0), 12, n)), 40, 180).astype(np.int64)
    temp = np.clip(rng.normal(98.6, 0.7, n) + 1.6 * (rng.random(n) < 0.08), 95.0, 104.5)
    glucose = np.clip(np.round(rng.normal(100 + 95 * dm, 20 + 45 * dm, n)), 50, 600).astype(np.int64)
    chol = np.clip(np.round(rng.normal(195, 35, n)), 100, 400).astype(np.int64)
    cols = {
        "Patient ID": pid[vp],
        "Age": int_text(age),
        "Gender": gender[vp],
        "Race": race[vp],
        "Primary Diagnosis": primary,
        "Secondary Diagnosis 1": sec1,
        "Secondary Diagnosis 2": sec2,
        "Medication": med,
        "Procedure Code": cpt,
        "Visit Date": date_text(vdate, DATE_FORMATS[cfg.emr_date_format]),
        "Discharge Date": pa.array(np.where(admitted, date_text(discharge, DATE_FORMATS[cfg.emr_date_format]).to_numpy(zero_copy_only=False), ""), pa.string()),
        "Length of Stay": int_text(los),
        "Insurance Type": ins,
        "Physician ID": physician,
        "Hospital Department": np.array(dept_names, dtype=object)[dept],
        "Source System": source,
        "Blood Pressure": np.char.add(np.char.add(sys_.astype(str), "/"), dia.astype(str)).astype(object),
        "Heart Rate": int_text(hr),
        "Temperature": decimal_text(temp, 1),
        "Blood Glucose": int_text(glucose),
        "Cholesterol": int_text(chol),
    }
    readmit_p = cfg.emr_readmission_base * np.array([cfg.emr_readmission_factor[d] for d in dept_names])[dept]
    readmitted = rng.random(n) < readmit_p
    cost = rng.lognormal(np.log(np.array([900, 2500, 3500, 600, 5200])[dept]), 0.5, n) * (1 + 0.6 * los)
    drop_from = _parse_day(cfg.satisfaction_drop_month + "-01")
    drop = (np.array(dept_names, dtype=object)[dept] == cfg.satisfaction_drop_department) & (vdate >= drop_from)
    score = np.clip(np.round(rng.normal(4.1 - cfg.satisfaction_drop * drop, 0.9, n)), 1, 5).astype(np.int64)
    surgery = (rng.random(n) < np.array([0.1, 0.15, 0.55, 0.05, 0.2])[dept])
    level = np.where(surgery, np.where(rng.random(n) < 0.4, "Major", "Minor"), "None")
    cover = {"Private": (70, 15), "Medicare": (80, 8), "Medicaid": (90, 5), "Uninsured": (0, 0)}
    mean = np.array([cover[i][0] for i in ins])
    sd = np.array([cover[i][1] for i in ins])
    coverage = np.clip(np.round(rng.normal(mean, sd)), 0, 100).astype(np.int64)
    if cfg.emr_variant == "extended":
        cols.update({
            "Readmission": int_text(readmitted.astype(np.int64)),
            "Total Cost": money_text(cost),
            "Patient Satisfaction Score": int_text(score),
            "Surgery Performed": np.where(surgery, "Yes", "No"),
            "Surgery Level": level,
            "Insurance Coverage Percentage": int_text(coverage),
        })
    table = text_table(cols).select(emr_columns(cfg.emr_variant))
    order = np.lexsort((pid[vp], vdate))
    table = table.take(pa.array(order))
    facts = {"patients": int(n_pat), "visits_before_defects": int(n)}
    return table, facts


def _ages(rng, n):
    groups = rng.choice(4, size=n, p=[0.18, 0.27, 0.33, 0.22])
    lo = np.array([0, 18, 40, 65])[groups]
    hi = np.array([18, 40, 65, 95])[groups]
    return lo + rng.random(n) * (hi - lo)

