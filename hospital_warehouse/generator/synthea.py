"""Simulate one chunk of patients and their clinical history in the Synthea CSV layout.

Everything is vectorised with numpy over the chunk; the chunk's random stream depends only on
(seed, chunk index). The result is clean data: defects are added afterwards by `defects.py`.

The story the data tells (each step a parameter in params.py):
1. patients with Massachusetts-like demographics and chronic conditions that rise with age;
2. inpatient stays: unplanned admissions whose rate rises with chronic conditions and age, each
   possibly continued by a transfer (< 6 h later) and followed by readmissions within 0-30 or 31-60
   days at a rate set by the stay's diagnosis and the patient's age group; planned stays (chemotherapy
   series, rehabilitation after fractures and strokes, scheduled deliveries);
3. deaths: some during the patient's last stay, some within 30 days of discharge, some later;
4. the other visits (ambulatory, outpatient, urgent care, emergency, wellness) with winter peaks;
5. payers by age and income, costs, coverage with denied claims, procedures, conditions (chronic,
   acute, hospital-acquired infections starting on day 3 or later of a stay) and vitals.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import reference as ref
from .fmt import (
    DAY,
    HOUR,
    blank_where,
    date_text,
    decimal_text,
    epoch_seconds,
    int_text,
    money_text,
    text_table,
    ts_text,
    uuids,
    vocab,
)
from .params import GeneratorConfig

SYNTHEA_COLUMNS = {
    "encounters": ["Id", "START", "STOP", "PATIENT", "ORGANIZATION", "PAYER", "ENCOUNTERCLASS", "CODE",
                   "DESCRIPTION", "BASE_ENCOUNTER_COST", "TOTAL_CLAIM_COST", "PAYER_COVERAGE", "REASONCODE",
                   "REASONDESCRIPTION"],
    "patients": ["Id", "BIRTHDATE", "DEATHDATE", "PREFIX", "FIRST", "LAST", "SUFFIX", "MAIDEN", "MARITAL", "RACE",
                 "ETHNICITY", "GENDER", "BIRTHPLACE", "ADDRESS", "CITY", "STATE", "COUNTY", "ZIP", "LAT", "LON"],
    "payers": ["Id", "NAME", "ADDRESS", "CITY", "STATE_HEADQUARTERED", "ZIP", "PHONE"],
    "procedures": ["START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION", "BASE_COST", "REASONCODE",
                   "REASONDESCRIPTION"],
    "organizations": ["Id", "NAME", "ADDRESS", "CITY", "STATE", "ZIP", "LAT", "LON"],
    "conditions": ["START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION"],
    "observations": ["DATE", "PATIENT", "ENCOUNTER", "CATEGORY", "CODE", "DESCRIPTION", "VALUE", "UNITS", "TYPE"],
}

# Columns a full Synthea export has beyond the minimum, in the positions Synthea writes them.
FULL_EXPORT_COLUMNS = {
    "encounters": ["Id", "START", "STOP", "PATIENT", "ORGANIZATION", "PROVIDER", "PAYER", "ENCOUNTERCLASS", "CODE",
                   "DESCRIPTION", "BASE_ENCOUNTER_COST", "TOTAL_CLAIM_COST", "PAYER_COVERAGE", "REASONCODE",
                   "REASONDESCRIPTION"],
    "patients": ["Id", "BIRTHDATE", "DEATHDATE", "SSN", "DRIVERS", "PASSPORT", "PREFIX", "FIRST", "MIDDLE", "LAST",
                 "SUFFIX", "MAIDEN", "MARITAL", "RACE", "ETHNICITY", "GENDER", "BIRTHPLACE", "ADDRESS", "CITY",
                 "STATE", "COUNTY", "FIPS", "ZIP", "LAT", "LON", "HEALTHCARE_EXPENSES", "HEALTHCARE_COVERAGE",
                 "INCOME"],
    "payers": ["Id", "NAME", "OWNERSHIP", "ADDRESS", "CITY", "STATE_HEADQUARTERED", "ZIP", "PHONE",
               "AMOUNT_COVERED", "AMOUNT_UNCOVERED", "REVENUE"],
    "procedures": ["START", "STOP", "PATIENT", "ENCOUNTER", "SYSTEM", "CODE", "DESCRIPTION", "BASE_COST",
                   "REASONCODE", "REASONDESCRIPTION"],
    "organizations": ["Id", "NAME", "ADDRESS", "CITY", "STATE", "ZIP", "LAT", "LON", "PHONE", "REVENUE",
                      "UTILIZATION"],
    "conditions": ["START", "STOP", "PATIENT", "ENCOUNTER", "SYSTEM", "CODE", "DESCRIPTION"],
    "observations": ["DATE", "PATIENT", "ENCOUNTER", "CATEGORY", "CODE", "DESCRIPTION", "VALUE", "UNITS", "TYPE"],
}

AGE_GROUPS = ("0-17", "18-39", "40-64", "65+")
CHRONIC_KEYS = tuple(ref.CHRONIC)

# Flattened catalogue of reasons: index -> Condition; family -> indices.
_REASONS: list[ref.Condition] = [ref.CHRONIC[k] for k in CHRONIC_KEYS]
_FAMILY: dict[str, np.ndarray] = {}
for _fam, _conds in ref.ACUTE.items():
    _FAMILY[_fam] = np.arange(len(_REASONS), len(_REASONS) + len(_conds))
    _REASONS.extend(_conds)
_HAI_START = len(_REASONS)
_REASONS.extend(ref.HAI)
NO_REASON = -1
REASON_CODE = np.array([c.code for c in _REASONS] + [""], dtype=object)
REASON_DESC = np.array([c.description for c in _REASONS] + [""], dtype=object)
REASON_FAMILY = np.array([c.group for c in _REASONS] + [""], dtype=object)
# readmission factor key of a reason: its chronic key, or '' for acute reasons
REASON_CHRONIC_KEY = np.array(list(CHRONIC_KEYS) + [""] * (len(_REASONS) - len(CHRONIC_KEYS)) + [""], dtype=object)

_PROCS: list[ref.Procedure] = []
_PROC_CAT: dict[str, np.ndarray] = {}
for _cat, _plist in ref.PROCEDURES.items():
    _PROC_CAT[_cat] = np.arange(len(_PROCS), len(_PROCS) + len(_plist))
    _PROCS.extend(_plist)
PROC_CODE = np.array([p.code for p in _PROCS], dtype=object)
PROC_DESC = np.array([p.description for p in _PROCS], dtype=object)
PROC_COST = np.array([p.base_cost for p in _PROCS])

# Stay kinds
UNPLANNED, TRANSFER, CHEMO, REHAB, DELIVERY, CESAREAN = range(6)
_PLANNED_PROC = {CHEMO: "chemotherapy", REHAB: "rehabilitation", CESAREAN: "cesarean", DELIVERY: "obstetric"}

CLASS_INDEX = {c: i for i, c in enumerate(ref.ENCOUNTER_CLASSES)}
# Flattened catalogue of encounter types: class -> first index into ENC_CODE / ENC_DESC.
ENC_CODE = [code for c in ref.ENCOUNTER_CLASSES for code, _ in ref.ENCOUNTER_CODES[c]]
ENC_DESC = [desc for c in ref.ENCOUNTER_CLASSES for _, desc in ref.ENCOUNTER_CODES[c]]
ENC_OFFSET = dict(zip(ref.ENCOUNTER_CLASSES, np.cumsum([0] + [len(ref.ENCOUNTER_CODES[c]) for c in ref.ENCOUNTER_CLASSES])))
INPATIENT = CLASS_INDEX["inpatient"]


@dataclass
class Reference:
    """Payers and organizations shared by every chunk."""
    payer_ids: np.ndarray  # aligned with ref.PAYERS
    org_ids: np.ndarray  # aligned with ref.ORGANIZATIONS[:n]


def make_reference(cfg: GeneratorConfig) -> Reference:
    rng = np.random.default_rng([cfg.seed, 10**9])
    n_orgs = max(1, min(cfg.organizations, len(ref.ORGANIZATIONS)))
    return Reference(payer_ids=uuids(rng, len(ref.PAYERS)), org_ids=uuids(rng, n_orgs))


def payers_table(cfg: GeneratorConfig, r: Reference, full: bool) -> pa.Table:
    cols = {
        "Id": r.payer_ids,
        "NAME": [p[0] for p in ref.PAYERS],
        "ADDRESS": [p[1] for p in ref.PAYERS],
        "CITY": [p[2] for p in ref.PAYERS],
        "STATE_HEADQUARTERED": [p[3] for p in ref.PAYERS],
        "ZIP": [p[4] for p in ref.PAYERS],
        "PHONE": [p[5] for p in ref.PAYERS],
    }
    if full:
        cols["OWNERSHIP"] = ["GOVERNMENT" if p[6] in ("medicare", "medicaid", "dual") else
                             ("NO_INSURANCE" if p[6] == "none" else "PRIVATE") for p in ref.PAYERS]
        cols["AMOUNT_COVERED"] = ["0.0"] * len(ref.PAYERS)
        cols["AMOUNT_UNCOVERED"] = ["0.0"] * len(ref.PAYERS)
        cols["REVENUE"] = ["0.0"] * len(ref.PAYERS)
    return pa.table({k: pa.array(list(v), pa.string()) for k, v in cols.items()})


def organizations_table(cfg: GeneratorConfig, r: Reference, full: bool) -> pa.Table:
    orgs = ref.ORGANIZATIONS[: len(r.org_ids)]
    cols = {
        "Id": list(r.org_ids),
        "NAME": [o[0] for o in orgs],
        "ADDRESS": [o[1] for o in orgs],
        "CITY": [o[2] for o in orgs],
        "STATE": ["MA"] * len(orgs),
        "ZIP": [o[3] for o in orgs],
        "LAT": [f"{o[4]:.6f}" for o in orgs],
        "LON": [f"{o[5]:.6f}" for o in orgs],
    }
    if full:
        cols["PHONE"] = ["617-726-2000"] * len(orgs)
        cols["REVENUE"] = ["0.0"] * len(orgs)
        cols["UTILIZATION"] = ["0"] * len(orgs)
    return pa.table({k: pa.array(v, pa.string()) for k, v in cols.items()})


def _first_of_each(*keys: np.ndarray) -> np.ndarray:
    """Mask keeping the first row of each distinct combination of keys (rows in their given order)."""
    if len(keys[0]) == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort(keys[::-1])
    sorted_keys = [k[order] for k in keys]
    new = np.ones(len(order), dtype=bool)
    new[1:] = np.any([k[1:] != k[:-1] for k in sorted_keys], axis=0)
    keep = np.zeros(len(order), dtype=bool)
    keep[order[new]] = True  # lexsort is stable, so the first in the given order wins
    return keep


# Reason codes as small integers (one code may appear under two families, e.g. UTI as acute and as HAI).
_, REASON_CODE_ID = np.unique(REASON_CODE, return_inverse=True)


def _age_group_index(age_years: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.array([18, 40, 65]), age_years, side="right")


def _uniform_between(rng, lo, hi):
    return lo + (rng.random(len(lo)) * np.maximum(hi - lo, 0)).astype(np.int64)


class ChunkSimulator:
    """Builds the tables of one chunk. Call `run()`; results are pyarrow tables keyed by file name."""

    def __init__(self, cfg: GeneratorConfig, r: Reference, chunk_index: int, n_patients: int, full: bool):
        self.cfg = cfg
        self.r = r
        self.full = full
        self.n = n_patients
        self.rng = np.random.default_rng([cfg.seed, chunk_index])
        self.win_start = epoch_seconds(cfg.start_year)
        self.win_end = epoch_seconds(cfg.end_year + 1) - 1

    # ------------------------------------------------------------------ patients
    def patients(self) -> None:
        cfg, rng, n = self.cfg, self.rng, self.n
        groups = list(cfg.age_mix)
        g = rng.choice(len(groups), size=n, p=np.array(list(cfg.age_mix.values())) / sum(cfg.age_mix.values()))
        lo = np.array([int(x.split("-")[0]) for x in groups], dtype=float)[g]
        hi = np.array([int(x.split("-")[1]) + 1 for x in groups], dtype=float)[g]
        lo = np.where(lo == 0, -6.0, lo)  # some children are born during the period
        age_at_start = lo + rng.random(n) * (hi - lo)
        birth = (self.win_start - age_at_start * 365.25 * DAY).astype(np.int64)
        self.birth = birth - birth % DAY  # dates only
        self.age_group = _age_group_index(np.maximum(age_at_start, 0))  # risk group at start
        self.female = rng.random(n) < cfg.female_share
        self.low_income = rng.random(n) < 0.22
        age_scale = np.array([0.03, 0.3, 1.0, 1.6])[self.age_group]
        self.has = np.zeros((n, len(CHRONIC_KEYS)), dtype=bool)
        for j, k in enumerate(CHRONIC_KEYS):
            self.has[:, j] = rng.random(n) < np.minimum(cfg.chronic_prevalence[k] * age_scale, 0.9)
        self.n_chronic = self.has.sum(axis=1)
        self.cancer = rng.random(n) < cfg.cancer_prevalence * age_scale
        # tentative death (moved into or after a stay later)
        p_die = np.array([cfg.death_share[k] for k in AGE_GROUPS])[self.age_group] * (1 + 0.4 * self.n_chronic)
        self.dies = rng.random(n) < np.minimum(p_die, 0.95)
        self.obs_start = np.maximum(self.win_start, self.birth)
        self.death = np.where(self.dies, _uniform_between(rng, self.obs_start, np.full(n, self.win_end)), -1)
        self.obs_end = np.where(self.dies, self.death, self.win_end)
        # payer: patients under 65 keep one payer; 65+ are on Medicare (Dual Eligible if low income)
        private = np.array([i for i, p in enumerate(ref.PAYERS) if p[6] == "private"])
        uninsured = rng.random(n) < cfg.uninsured_share
        base = np.where(self.low_income, 1, rng.choice(private, size=n))
        self.base_payer = np.where(uninsured & ~self.low_income, len(ref.PAYERS) - 1, base)
        n_orgs = len(self.r.org_ids)
        w = np.array([0.7] + [0.3 / max(n_orgs - 1, 1)] * (n_orgs - 1))[:n_orgs]
        self.home_org = rng.choice(n_orgs, size=n, p=w / w.sum())
        self.ids = uuids(rng, n)

    # ------------------------------------------------------------------ stays
    def _reason_for(self, pi: np.ndarray, chronic_p: float, families: list[str], fam_p: list[float]) -> np.ndarray:
        """A reason index per row: one of the patient's chronic conditions with chronic_p, else acute."""
        rng = self.rng
        m = len(pi)
        has = self.has[pi]
        pick_chronic = (rng.random(m) < chronic_p) & has.any(axis=1)
        chronic_idx = np.argmax(has * rng.random((m, has.shape[1])), axis=1)
        fam = rng.choice(len(families), size=m, p=np.array(fam_p) / sum(fam_p))
        acute = np.empty(m, dtype=np.int64)
        for fi, f in enumerate(families):
            sel = fam == fi
            acute[sel] = rng.choice(_FAMILY[f], size=int(sel.sum()))
        return np.where(pick_chronic, chronic_idx, acute)

    def _los(self, m: int, mean_days: float, min_hours: float = 6) -> np.ndarray:
        days = self.rng.gamma(1.6, mean_days / 1.6, size=m)
        return np.maximum(days * DAY, min_hours * HOUR).astype(np.int64)

    def stays(self) -> None:
        cfg, rng = self.cfg, self.rng
        years = (self.obs_end - self.obs_start) / (365.25 * DAY)
        risk = np.ones(self.n)
        for j, k in enumerate(CHRONIC_KEYS):
            risk *= np.where(self.has[:, j], cfg.admission_risk[k], 1.0)
        risk *= np.array([cfg.admission_age_factor[k] for k in AGE_GROUPS])[self.age_group]
        n_idx = rng.poisson(cfg.admission_rate * risk * np.maximum(years, 0))
        pi = np.repeat(np.arange(self.n), n_idx)
        start = _uniform_between(rng, self.obs_start[pi], self.obs_end[pi])
        adult = self.age_group[pi] > 0
        reason = np.where(
            adult,
            self._reason_for(pi, 0.6, ["infection", "cardiac", "orthopedic", "stroke", "respiratory"],
                             [0.3, 0.25, 0.2, 0.1, 0.15]),
            self._reason_for(pi, 0.3, ["respiratory", "pediatric", "infection", "orthopedic"], [0.35, 0.3, 0.2, 0.15]),
        )
        enc = {"pi": [], "start": [], "stop": [], "reason": [], "kind": [], "stay": [], "org_shift": []}
        self._stay_counter = 0

        def add(pi_, start_, stop_, reason_, kind_, stay_, org_shift_=None):
            enc["pi"].append(pi_)
            enc["start"].append(start_)
            enc["stop"].append(stop_)
            enc["reason"].append(reason_)
            enc["kind"].append(np.full(len(pi_), kind_))
            enc["stay"].append(stay_)
            enc["org_shift"].append(np.zeros(len(pi_), dtype=bool) if org_shift_ is None else org_shift_)

        def new_stays(m):
            s = np.arange(self._stay_counter, self._stay_counter + m)
            self._stay_counter += m
            return s

        # planned: chemotherapy series for cancer patients
        cp = np.flatnonzero(self.cancer)
        t0 = _uniform_between(rng, self.obs_start[cp], self.obs_end[cp])
        cycles = rng.integers(cfg.chemo_cycles[0], cfg.chemo_cycles[1] + 1, size=len(cp))
        cpi = np.repeat(cp, cycles)
        cyc = np.concatenate([np.arange(c) for c in cycles]) if len(cp) else np.zeros(0, dtype=np.int64)
        cstart = np.repeat(t0, cycles) + cyc * 21 * DAY + rng.integers(8, 14, len(cpi)) * HOUR
        cancer_reason = rng.choice(_FAMILY["oncology"], size=len(cp))
        creason = np.repeat(cancer_reason, cycles)
        keep = cstart < self.obs_end[cpi]
        cpi, cstart, creason = cpi[keep], cstart[keep], creason[keep]
        cstop = cstart + rng.integers(6, 30, len(cpi)) * HOUR
        add(cpi, cstart, cstop, creason, CHEMO, new_stays(len(cpi)))
        self.cancer_reason = dict(zip(cp.tolist(), cancer_reason.tolist()))
        # complications after chemotherapy: unplanned admissions (index stays in their own right)
        comp = rng.random(len(cpi)) < cfg.chemo_complication_share
        comp_start = cstop[comp] + rng.integers(3, 21, int(comp.sum())) * DAY + rng.integers(0, 24, int(comp.sum())) * HOUR
        pi = np.concatenate([pi, cpi[comp]])
        start = np.concatenate([start, comp_start])
        reason = np.concatenate([reason, np.full(int(comp.sum()), _FAMILY["infection"][1])])  # sepsis

        # planned: deliveries for women of child-bearing age
        age_start = (self.win_start - self.birth) / (365.25 * DAY)
        fertile = np.flatnonzero(self.female & (age_start > 10) & (age_start < 40))
        n_del = rng.poisson(cfg.deliveries_per_year * np.maximum(years[fertile], 0))
        dpi = np.repeat(fertile, n_del)
        dstart = _uniform_between(rng, self.obs_start[dpi], self.obs_end[dpi])
        dstop = dstart + self._los(len(dpi), 2.0, min_hours=12)
        ces = rng.random(len(dpi)) < cfg.cesarean_share
        preg = np.full(len(dpi), _FAMILY["obstetric"][0])
        add(dpi[ces], dstart[ces], dstop[ces], preg[ces], CESAREAN, new_stays(int(ces.sum())))
        add(dpi[~ces], dstart[~ces], dstop[~ces], preg[~ces], DELIVERY, new_stays(int((~ces).sum())))

        # unplanned admissions and their readmission chains
        age_f = np.array([cfg.readmit_age_factor[k] for k in AGE_GROUPS])
        rehab_fams = {"orthopedic", "stroke"}
        for _gen in range(cfg.max_readmission_chain + 1):
            m = len(pi)
            if m == 0:
                break
            keep = start < self.obs_end[pi]
            pi, start, reason = pi[keep], start[keep], reason[keep]
            m = len(pi)
            stop = start + self._los(m, cfg.mean_los_days)
            stay_ids = new_stays(m)
            add(pi, start, stop, reason, UNPLANNED, stay_ids)
            # transfers: a second inpatient encounter < 6 h after the first ends, usually elsewhere
            tr = rng.random(m) < cfg.transfer_share
            t_start = stop[tr] + rng.integers(0, 5 * 60, int(tr.sum())) * 60
            t_stop = t_start + self._los(int(tr.sum()), 2.0)
            add(pi[tr], t_start, t_stop, reason[tr], TRANSFER, stay_ids[tr], np.ones(int(tr.sum()), dtype=bool))
            stay_end = stop.copy()
            stay_end[tr] = t_stop
            # planned rehabilitation after orthopedic and stroke stays
            fam = REASON_FAMILY[reason]
            rh = np.isin(fam, list(rehab_fams)) & (rng.random(m) < cfg.rehab_share)
            r_start = stay_end[rh] + rng.integers(2, 15, int(rh.sum())) * DAY
            r_stop = r_start + self._los(int(rh.sum()), 6.0, min_hours=48)
            rk = r_start < self.obs_end[pi[rh]]
            add(pi[rh][rk], r_start[rk], r_stop[rk], reason[rh][rk], REHAB, new_stays(int(rk.sum())))
            # readmission within 0-30 or 31-60 days of the discharge date
            ck = REASON_CHRONIC_KEY[reason]
            cond_f = np.array([cfg.readmit_condition_factor.get(k, 1.0) for k in ck]) if m else np.ones(0)
            f = cond_f * age_f[self.age_group[pi]]
            p30 = np.minimum(cfg.readmit_base_30 * f, 0.9)
            p60 = np.minimum(cfg.readmit_base_31_60 * f, 0.9)
            u = rng.random(m)
            in30 = u < p30
            in60 = ~in30 & (rng.random(m) < p60)
            gap = np.where(in30, rng.integers(0, 31, m), rng.integers(31, 61, m))
            nxt = stay_end - stay_end % DAY + gap * DAY + rng.integers(0, 24 * 60, m) * 60
            nxt = np.maximum(nxt, stay_end + 7 * HOUR)  # never a continuation of the same stay
            go = in30 | in60
            # the readmission's diagnosis: the same chronic condition for most, else acute
            same = (ck != "") & (rng.random(m) < 0.7)
            new_reason = self._reason_for(pi, 0.3, ["infection", "cardiac", "respiratory"], [0.5, 0.3, 0.2])
            reason = np.where(same, reason, new_reason)[go]
            pi, start = pi[go], nxt[go]

        self.inp = {k: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for k, v in enc.items()}

    # ------------------------------------------------------------------ deaths
    def deaths(self) -> None:
        cfg, rng, inp = self.cfg, self.rng, self.inp
        n = self.n
        last_start = np.full(n, -1, dtype=np.int64)
        last_end = np.full(n, -1, dtype=np.int64)
        if len(inp["pi"]):
            order = np.lexsort((inp["start"], inp["pi"]))
            pis = inp["pi"][order]
            last = np.r_[pis[1:] != pis[:-1], True]
            # stay bounds: take the last stay's first encounter start and the max stop of that stay
            stay_of_last = inp["stay"][order][last]
            last_pi = pis[last]
            in_last = np.isin(inp["stay"], stay_of_last)
            stay_stop = np.zeros(self._stay_counter, dtype=np.int64)
            np.maximum.at(stay_stop, inp["stay"][in_last], inp["stop"][in_last])
            stay_start = np.full(self._stay_counter, np.iinfo(np.int64).max)
            np.minimum.at(stay_start, inp["stay"][in_last], inp["start"][in_last])
            last_start[last_pi] = stay_start[stay_of_last]
            last_end[last_pi] = stay_stop[stay_of_last]
        has_stay = last_start >= 0
        u = rng.random(n)
        in_h = self.dies & has_stay & (u < cfg.death_in_hospital_share)
        after = self.dies & has_stay & ~in_h & (u < cfg.death_in_hospital_share + cfg.death_after_discharge_share)
        later = self.dies & has_stay & ~in_h & ~after
        death = self.death.copy()
        death[in_h] = _uniform_between(rng, last_start[in_h], last_end[in_h])
        death[after] = last_end[after] + rng.integers(1, 31, int(after.sum())) * DAY
        death[later] = np.maximum(death[later], last_end[later] + 31 * DAY)
        death = np.where(death > self.win_end, -1, death)
        self.death = death
        self.obs_end = np.where(death >= 0, death, self.win_end)
        # stays of in-hospital deaths end at death
        if len(inp["pi"]):
            d = self.death[inp["pi"]]
            inp["stop"] = np.where((d >= 0) & (inp["stop"] > d) & (inp["start"] <= d), d, inp["stop"])
            alive = (d < 0) | (inp["start"] <= d)
            for k in inp:
                inp[k] = inp[k][alive]

    # ------------------------------------------------------------------ visits
    def visits(self) -> None:
        cfg, rng = self.cfg, self.rng
        years = np.maximum(self.obs_end - self.obs_start, 0) / (365.25 * DAY)
        rate = cfg.visits_per_year * (1 + cfg.chronic_visit_factor * self.n_chronic)
        nv = rng.poisson(rate * years)
        pi = np.repeat(np.arange(self.n), nv)
        m = len(pi)
        classes = list(cfg.class_mix)
        cls_local = rng.choice(len(classes), size=m, p=np.array(list(cfg.class_mix.values())) / sum(cfg.class_mix.values()))
        cls = np.array([CLASS_INDEX[c] for c in classes])[cls_local]
        # winter peaks by thinning: redraw a start until accepted
        peak = np.ones(len(ref.ENCOUNTER_CLASSES))
        for c, f in cfg.winter_peak.items():
            peak[CLASS_INDEX[c]] = f
        start = np.zeros(m, dtype=np.int64)
        todo = np.arange(m)
        while len(todo):
            s = _uniform_between(rng, self.obs_start[pi[todo]], self.obs_end[pi[todo]])
            month = (s.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12) + 1
            w = np.where(np.isin(month, [12, 1, 2]), peak[cls[todo]], 1.0)
            ok = rng.random(len(todo)) < w / peak[cls[todo]]
            start[todo[ok]] = s[ok]
            todo = todo[~ok]
        minutes = {"ambulatory": (15, 60), "outpatient": (15, 90), "urgentcare": (30, 150),
                   "emergency": (60, 480), "wellness": (15, 40)}
        lo = np.array([minutes.get(c, (15, 60))[0] for c in ref.ENCOUNTER_CLASSES])[cls]
        hi = np.array([minutes.get(c, (15, 60))[1] for c in ref.ENCOUNTER_CLASSES])[cls]
        stop = start + (lo + rng.random(m) * (hi - lo)).astype(np.int64) * 60
        stop = np.where(self.death[pi] >= 0, np.minimum(stop, np.maximum(self.death[pi], start)), stop)
        # reasons: chronic follow-ups, acute problems in urgent care and the emergency room
        reason = np.full(m, NO_REASON)
        amb = np.isin(cls, [CLASS_INDEX["ambulatory"], CLASS_INDEX["outpatient"]])
        acute = np.isin(cls, [CLASS_INDEX["urgentcare"], CLASS_INDEX["emergency"]])
        child = self.age_group[pi] == 0
        r_amb = self._reason_for(pi, 0.45, ["respiratory", "orthopedic", "social"], [0.6, 0.3, 0.1])
        r_acute = self._reason_for(pi, 0.15, ["respiratory", "infection", "orthopedic", "cardiac"], [0.4, 0.25, 0.25, 0.1])
        r_child = self._reason_for(pi, 0.1, ["respiratory", "pediatric"], [0.6, 0.4])
        u = rng.random(m)
        reason = np.where(amb & (u < 0.45), np.where(child, r_child, r_amb), reason)
        reason = np.where(acute & (u < 0.7), np.where(child, r_child, r_acute), reason)
        self.vis = {"pi": pi, "start": start, "stop": stop, "cls": cls, "reason": reason}

    # ------------------------------------------------------------------ assemble
    def encounters(self) -> None:
        cfg, rng, inp, vis = self.cfg, self.rng, self.inp, self.vis
        n_in, n_vis = len(inp["pi"]), len(vis["pi"])
        pi = np.concatenate([inp["pi"], vis["pi"]])
        start = np.concatenate([inp["start"], vis["start"]])
        stop = np.concatenate([inp["stop"], vis["stop"]])
        cls = np.concatenate([np.full(n_in, INPATIENT), vis["cls"]])
        reason = np.concatenate([inp["reason"], vis["reason"]])
        kind = np.concatenate([inp["kind"], np.full(n_vis, -1)])
        org_shift = np.concatenate([inp["org_shift"], np.zeros(n_vis, dtype=bool)])
        # Synthea writes a patient's encounters together, in time order
        order = np.lexsort((start, pi))
        pi, start, stop, cls, reason, kind, org_shift = (a[order] for a in (pi, start, stop, cls, reason, kind, org_shift))
        m = len(pi)
        self.m = m
        ids = uuids(rng, m)
        age = (start - self.birth[pi]) / (365.25 * DAY)
        # encounter type: index into ENC_CODE / ENC_DESC
        enc_type = np.empty(m, dtype=np.int64)
        for c, ci in CLASS_INDEX.items():
            sel = np.flatnonzero(cls == ci)
            options = ref.ENCOUNTER_CODES[c]
            if c == "wellness":
                choice = np.where(age[sel] < 18, 1, 0)
            elif c == "inpatient":
                surgical = np.isin(kind[sel], [CESAREAN]) | (REASON_FAMILY[reason[sel]] == "orthopedic")
                choice = np.where(surgical, 1, 0)
            else:
                choice = rng.choice(len(options), size=len(sel), p=[0.6] + [0.4 / (len(options) - 1)] * (len(options) - 1))
            enc_type[sel] = ENC_OFFSET[c] + choice
        # payer
        payer = self.base_payer[pi].copy()
        senior = age >= 65
        payer[senior] = np.where(self.low_income[pi][senior], 2, 0)
        none_idx = len(ref.PAYERS) - 1
        flip = (payer != none_idx) & (rng.random(m) < cfg.uninsured_visit_share)
        payer[flip] = none_idx
        payer_kind = np.array([p[6] for p in ref.PAYERS], dtype=object)[payer]
        # organization
        n_orgs = len(self.r.org_ids)
        org = (self.home_org[pi] + org_shift.astype(np.int64)) % n_orgs
        # procedures per encounter
        lam = np.array([cfg.procedures_per_visit[c] for c in ref.ENCOUNTER_CLASSES])[cls]
        n_proc = rng.poisson(lam)
        planned_proc = np.isin(kind, list(_PLANNED_PROC))
        proc_enc = np.concatenate([np.repeat(np.arange(m), n_proc), np.flatnonzero(planned_proc)])
        k = len(proc_enc)
        fam = REASON_FAMILY[reason[proc_enc]]
        ck = REASON_CHRONIC_KEY[reason[proc_enc]]
        specific = np.full(k, "", dtype=object)
        specific[ck == "diabetes"] = "diabetes"
        specific[ck == "ckd"] = "ckd"
        specific[(ck == "heart_failure") | (fam == "cardiac")] = "cardiac"
        specific[fam == "orthopedic"] = "orthopedic"
        specific[fam == "infection"] = "infection"
        specific[fam == "obstetric"] = "obstetric"
        use_specific = (specific != "") & (rng.random(k) < 0.5)
        general = np.where(rng.random(k) < 0.7, "general", "diagnostic").astype(object)
        cat = np.where(use_specific, specific, general)
        is_planned_row = np.zeros(k, dtype=bool)
        is_planned_row[len(proc_enc) - int(planned_proc.sum()):] = True
        cat[is_planned_row] = [_PLANNED_PROC[x] for x in kind[proc_enc[is_planned_row]]]
        proc_idx = np.empty(k, dtype=np.int64)
        for c in np.unique(cat):
            sel = cat == c
            proc_idx[sel] = rng.choice(_PROC_CAT[c], size=int(sel.sum()))
        proc_cost = PROC_COST[proc_idx] * rng.lognormal(0, 0.15, k)
        proc_sum = np.bincount(proc_enc, weights=proc_cost, minlength=m)
        # costs: base + procedures + medications and room (inpatient: per day)
        base = np.array([ref.BASE_ENCOUNTER_COST[c] for c in ref.ENCOUNTER_CLASSES])[cls]
        los_days = np.maximum(stop - start, 0) / DAY
        extra = np.where(cls == INPATIENT, 1_400 * np.maximum(los_days, 0.5), rng.lognormal(4.5, 1.2, m))
        total = np.round(base + proc_sum + extra, 2)
        share = np.array([ref.PAYER_COVERAGE_SHARE[p] for p in payer_kind])
        denied = rng.random(m) < cfg.denied_claim_share
        coverage = np.where(denied, 0.0, np.round(total * share * rng.uniform(0.9, 1.0, m), 2))
        self.enc = dict(pi=pi, start=start, stop=stop, cls=cls, reason=reason, kind=kind, ids=ids,
                        enc_type=enc_type, payer=payer, org=org, base=base, total=total, coverage=coverage, age=age)
        self.proc = dict(enc=proc_enc, idx=proc_idx, cost=proc_cost)

    def encounter_table(self) -> pa.Table:
        e = self.enc
        cols = {
            "Id": e["ids"],
            "START": ts_text(e["start"]),
            "STOP": ts_text(e["stop"]),
            "PATIENT": self.ids[e["pi"]],
            "ORGANIZATION": vocab(self.r.org_ids, e["org"]),
            "PAYER": vocab(self.r.payer_ids, e["payer"]),
            "ENCOUNTERCLASS": vocab(ref.ENCOUNTER_CLASSES, e["cls"]),
            "CODE": vocab(ENC_CODE, e["enc_type"]),
            "DESCRIPTION": vocab(ENC_DESC, e["enc_type"]),
            "BASE_ENCOUNTER_COST": money_text(e["base"]),
            "TOTAL_CLAIM_COST": money_text(e["total"]),
            "PAYER_COVERAGE": money_text(e["coverage"]),
            "REASONCODE": vocab(REASON_CODE, e["reason"]),
            "REASONDESCRIPTION": vocab(REASON_DESC, e["reason"]),
        }
        if self.full:
            cols["PROVIDER"] = uuids(self.rng, self.m)
        return text_table(cols)

    def patient_table(self) -> pa.Table:
        rng, n = self.rng, self.n
        age_end = (np.where(self.death >= 0, self.death, self.win_end) - self.birth) / (365.25 * DAY)
        adult = age_end >= 18
        first = np.where(self.female, np.array(ref.FIRST_NAMES_F, dtype=object)[rng.integers(0, 20, n)],
                         np.array(ref.FIRST_NAMES_M, dtype=object)[rng.integers(0, 20, n)])
        suffix_num = rng.integers(1, 999, size=(n, 2)).astype(str).astype(object)
        last = np.array(ref.LAST_NAMES, dtype=object)[rng.integers(0, len(ref.LAST_NAMES), n)]
        marital = np.where(adult, np.array(["M", "S", "D", "W", ""], dtype=object)[
            rng.choice(5, size=n, p=[0.5, 0.3, 0.1, 0.07, 0.03])], "")
        prefix = np.where(adult, np.where(self.female, np.where(marital == "M", "Mrs.", "Ms."), "Mr."), "")
        maiden = np.where(self.female & (marital == "M"),
                          np.array(ref.LAST_NAMES, dtype=object)[rng.integers(0, len(ref.LAST_NAMES), n)] + suffix_num[:, 1],
                          "")
        races = [r[0] for r in ref.RACES]
        race = np.array(races, dtype=object)[rng.choice(len(races), size=n, p=[r[1] for r in ref.RACES])]
        hisp = (race == "hispanic") | (rng.random(n) < 0.03)
        race = np.where(race == "hispanic", "white", race)
        city_w = np.array([c[5] for c in ref.CITIES])
        ci = rng.choice(len(ref.CITIES), size=n, p=city_w / city_w.sum())
        birth_ci = rng.choice(len(ref.CITIES), size=n, p=city_w / city_w.sum())
        street = np.array(ref.STREETS, dtype=object)[rng.integers(0, len(ref.STREETS), n)]
        address = rng.integers(1, 999, n).astype(str).astype(object) + " " + street
        unit = rng.random(n) < 0.3
        address = np.where(unit, address + " Unit " + rng.integers(1, 99, n).astype(str).astype(object), address)
        zip_ = np.array([c[2] for c in ref.CITIES], dtype=object)[ci]
        zip_ = np.where(rng.random(n) < 0.05, "", zip_)  # real exports leave some ZIPs blank
        lat = np.array([c[3] for c in ref.CITIES])[ci] + rng.normal(0, 0.02, n)
        lon = np.array([c[4] for c in ref.CITIES])[ci] + rng.normal(0, 0.02, n)
        cols = {
            "Id": self.ids,
            "BIRTHDATE": date_text(self.birth),
            "DEATHDATE": blank_where(date_text(np.maximum(self.death, 0)), self.death < 0),
            "PREFIX": prefix,
            "FIRST": first + suffix_num[:, 0],
            "LAST": last + suffix_num[:, 1],
            "SUFFIX": np.where(rng.random(n) < 0.01, "Jr.", ""),
            "MAIDEN": maiden,
            "MARITAL": marital,
            "RACE": race,
            "ETHNICITY": np.where(hisp, "hispanic", "nonhispanic"),
            "GENDER": np.where(self.female, "F", "M"),
            "BIRTHPLACE": np.array([c[0] for c in ref.CITIES], dtype=object)[birth_ci] + "  Massachusetts  US",
            "ADDRESS": address,
            "CITY": np.array([c[0] for c in ref.CITIES], dtype=object)[ci],
            "STATE": np.full(n, "Massachusetts", dtype=object),
            "COUNTY": np.array([c[1] for c in ref.CITIES], dtype=object)[ci],
            "ZIP": zip_,
            "LAT": decimal_text(lat, 6),
            "LON": decimal_text(lon, 6),
        }
        if self.full:
            cols["SSN"] = np.char.add("999-", rng.integers(10, 99, n).astype(str)).astype(object) + "-" + \
                rng.integers(1000, 9999, n).astype(str).astype(object)
            cols["DRIVERS"] = np.where(adult, "S99" + rng.integers(100000, 999999, n).astype(str).astype(object), "")
            cols["PASSPORT"] = np.where(adult & (rng.random(n) < 0.6),
                                        "X" + rng.integers(10000000, 99999999, n).astype(str).astype(object) + "X", "")
            cols["MIDDLE"] = np.full(n, "", dtype=object)
            cols["FIPS"] = np.full(n, "", dtype=object)
            cols["HEALTHCARE_EXPENSES"] = money_text(rng.lognormal(11, 1, n))
            cols["HEALTHCARE_COVERAGE"] = money_text(rng.lognormal(9, 1, n))
            cols["INCOME"] = int_text(np.where(self.low_income, rng.integers(10000, 30000, n), rng.integers(30000, 250000, n)))
        return text_table(cols)

    def procedure_table(self) -> pa.Table:
        e, p, rng = self.enc, self.proc, self.rng
        ei = p["enc"]
        k = len(ei)
        dur = np.maximum(e["stop"][ei] - e["start"][ei], 0)
        pstart = e["start"][ei] + (rng.random(k) * np.minimum(dur, 2 * HOUR)).astype(np.int64)
        pstop = pstart + rng.integers(10, 60, k) * 60
        with_reason = (e["reason"][ei] != NO_REASON) & (rng.random(k) < 0.5)
        r = np.where(with_reason, e["reason"][ei], NO_REASON)
        # a procedure is identified by (encounter, code, start): keep the key unique in clean data
        unique = _first_of_each(ei, p["idx"], pstart)
        ei, pstart, pstop, r = ei[unique], pstart[unique], pstop[unique], r[unique]
        p = {"idx": p["idx"][unique], "cost": p["cost"][unique]}
        order = np.lexsort((pstart, ei))
        cols = {
            "START": ts_text(pstart[order]),
            "STOP": ts_text(pstop[order]),
            "PATIENT": self.ids[e["pi"][ei]][order],
            "ENCOUNTER": e["ids"][ei][order],
            "CODE": vocab(PROC_CODE, p["idx"][order]),
            "DESCRIPTION": vocab(PROC_DESC, p["idx"][order]),
            "BASE_COST": money_text(p["cost"][order]),
            "REASONCODE": vocab(REASON_CODE, r[order]),
            "REASONDESCRIPTION": vocab(REASON_DESC, r[order]),
        }
        if self.full:
            cols["SYSTEM"] = np.full(k, "SNOMED-CT", dtype=object)
        return text_table(cols)

    def condition_table(self) -> pa.Table:
        e, rng = self.enc, self.rng
        pi = e["pi"]
        rows_enc, rows_start, rows_stop, rows_reason = [], [], [], []
        # chronic: onset at one of the patient's encounters
        counts = np.bincount(pi, minlength=self.n)
        offsets = np.r_[0, np.cumsum(counts)[:-1]]
        for j in range(len(CHRONIC_KEYS)):
            pts = np.flatnonzero(self.has[:, j] & (counts > 0))
            ei = offsets[pts] + (rng.random(len(pts)) * counts[pts] * 0.5).astype(np.int64)
            rows_enc.append(ei)
            rows_start.append(e["start"][ei])
            rows_stop.append(np.full(len(ei), -1))
            rows_reason.append(np.full(len(ei), j))
        # cancer: diagnosed at the first chemotherapy stay
        chemo = np.flatnonzero(e["kind"] == CHEMO)
        first_chemo = chemo[np.r_[True, pi[chemo][1:] != pi[chemo][:-1]]] if len(chemo) else chemo
        rows_enc.append(first_chemo)
        rows_start.append(e["start"][first_chemo])
        rows_stop.append(np.full(len(first_chemo), -1))
        rows_reason.append(np.array([self.cancer_reason[p] for p in pi[first_chemo]], dtype=np.int64))
        # acute reasons: a condition that resolves after 1-4 weeks
        acute = np.flatnonzero((e["reason"] >= len(CHRONIC_KEYS)) & (REASON_FAMILY[e["reason"]] != "oncology")
                               & (e["kind"] != CHEMO))
        rows_enc.append(acute)
        rows_start.append(e["start"][acute])
        rows_stop.append(e["start"][acute] + rng.integers(7, 29, len(acute)) * DAY)
        rows_reason.append(e["reason"][acute])
        # infections during unplanned stays of 3+ days: day 3 or later (HAI), or day 1 (on admission)
        stays = np.flatnonzero(e["kind"] == UNPLANNED)
        start_day = e["start"][stays] - e["start"][stays] % DAY
        los_days = (e["stop"][stays] - start_day) // DAY  # whole days after the admission date
        hai = stays[(los_days >= 2) & (rng.random(len(stays)) < self.cfg.hai_share)]
        hai_day = (e["start"][hai] - e["start"][hai] % DAY) + \
            (2 + (rng.random(len(hai)) * np.maximum((e["stop"][hai] - e["start"][hai]) // DAY - 1, 1))).astype(np.int64) * DAY
        hai_day = np.minimum(hai_day, e["stop"][hai])
        rows_enc.append(hai)
        rows_start.append(hai_day)
        rows_stop.append(hai_day + rng.integers(5, 20, len(hai)) * DAY)
        rows_reason.append(_HAI_START + rng.integers(0, len(ref.HAI), len(hai)))
        poa = stays[rng.random(len(stays)) < self.cfg.infection_on_admission_share]
        rows_enc.append(poa)
        rows_start.append(e["start"][poa])
        rows_stop.append(e["start"][poa] + rng.integers(5, 20, len(poa)) * DAY)
        rows_reason.append(_HAI_START + rng.integers(0, len(ref.HAI), len(poa)))
        ei = np.concatenate(rows_enc).astype(np.int64)
        start = np.concatenate(rows_start)
        stop = np.concatenate(rows_stop)
        reason = np.concatenate(rows_reason).astype(np.int64)
        # a condition is identified by (encounter, code, start date): keep the key unique in clean data
        unique = _first_of_each(ei, REASON_CODE_ID[reason], start // DAY)
        ei, start, stop, reason = ei[unique], start[unique], stop[unique], reason[unique]
        order = np.lexsort((start, pi[ei]))
        ei, start, stop, reason = ei[order], start[order], stop[order], reason[order]
        cols = {
            "START": date_text(start),
            "STOP": blank_where(date_text(np.maximum(stop, 0)), stop < 0),
            "PATIENT": self.ids[pi[ei]],
            "ENCOUNTER": e["ids"][ei],
            "CODE": vocab(REASON_CODE, reason),
            "DESCRIPTION": vocab(REASON_DESC, reason),
        }
        if self.full:
            cols["SYSTEM"] = np.full(len(ei), "SNOMED-CT", dtype=object)
        return text_table(cols)

    def observation_table(self) -> pa.Table:
        e, rng, cfg = self.enc, self.rng, self.cfg
        sel = np.flatnonzero(rng.random(self.m) < cfg.vitals_share)
        pi = e["pi"][sel]
        has = self.has[pi]
        htn, hf, copd, dm = (has[:, CHRONIC_KEYS.index(k)] for k in ("hypertension", "heart_failure", "copd", "diabetes"))
        senior = e["age"][sel] >= 65
        k = len(sel)
        values = {
            "systolic": rng.normal(117 + 20 * htn + 6 * senior, 12, k),
            "diastolic": rng.normal(75 + 10 * htn, 8, k),
            "heart_rate": rng.normal(74 + 14 * hf + 8 * copd, 11, k),
            "glucose": np.maximum(rng.normal(97 + 95 * dm, 22 + 45 * dm, k), 45),
        }
        parts = []
        date = ts_text(e["start"][sel])
        for key, (code, desc, units, category) in ref.OBSERVATIONS.items():
            parts.append(text_table({
                "DATE": date,
                "PATIENT": self.ids[pi],
                "ENCOUNTER": e["ids"][sel],
                "CATEGORY": np.full(k, category, dtype=object),
                "CODE": np.full(k, code, dtype=object),
                "DESCRIPTION": np.full(k, desc, dtype=object),
                "VALUE": decimal_text(values[key], 1),
                "UNITS": np.full(k, units, dtype=object),
                "TYPE": np.full(k, "numeric", dtype=object),
                "_order": np.arange(k) * 4 + len(parts),
            }))
        t = pa.concat_tables(parts)
        return t.sort_by("_order").drop(["_order"])

    def run(self) -> dict[str, pa.Table]:
        self.patients()
        self.stays()
        self.deaths()
        self.visits()
        self.encounters()
        return {
            "patients": self.patient_table(),
            "encounters": self.encounter_table(),
            "procedures": self.procedure_table(),
            "conditions": self.condition_table(),
            "observations": self.observation_table(),
        }

