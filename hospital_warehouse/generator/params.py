"""Every knob of the generator, with its default and what it plants in the data.

The defaults are calibrated so that the shipped sample looks like a real hospital system export:
the encounter class mix of a general hospital, about a third of visits uninsured, chronic
conditions that drive inpatient stays and readmissions. tests/pytest/test_generator_distributions.py
checks the generated data against these numbers with stated tolerances.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

# Fixed, not a parameter: the data of a chunk depends only on (seed, chunk index), so the output is
# the same on every machine whatever its memory. Changing it changes every generated file.
PATIENTS_PER_CHUNK = 20_000


@dataclass
class GeneratorConfig:
    seed: int = 42
    patients: int = 1_000
    start_year: int = 2011
    end_year: int = 2024  # inclusive: data runs to 31 December of this year

    # --- output shape
    bom: bool = True  # UTF-8 byte-order mark at the start of every CSV, as real extracts have it
    crlf: bool = True  # CRLF line endings
    file_format: str = "csv"  # csv | parquet
    organizations: int = 3  # hospitals in the export (at most len(reference.ORGANIZATIONS))

    # --- demographics (Massachusetts-like)
    # share of patients by age group at the start of the data
    age_mix: dict[str, float] = field(
        default_factory=lambda: {"0-17": 0.20, "18-39": 0.29, "40-64": 0.33, "65-95": 0.18}
    )
    female_share: float = 0.51

    # --- chronic conditions: prevalence among adults 40+, scaled down for younger patients
    chronic_prevalence: dict[str, float] = field(
        default_factory=lambda: {
            "diabetes": 0.14,
            "hypertension": 0.30,
            "heart_failure": 0.06,
            "copd": 0.07,
            "ckd": 0.07,
        }
    )
    cancer_prevalence: float = 0.03  # patients who get a cancer diagnosis and a chemotherapy series

    # --- visits (all classes but inpatient): visits per patient-year, and their class mix
    visits_per_year: float = 2.0
    chronic_visit_factor: float = 0.25  # each chronic condition adds 25% more visits
    class_mix: dict[str, float] = field(
        default_factory=lambda: {
            "ambulatory": 0.45,
            "outpatient": 0.23,
            "urgentcare": 0.13,
            "emergency": 0.08,
            "wellness": 0.07,
        }
    )
    # seasonal peak: visits of these classes are this much more likely in Dec-Feb than in summer
    winter_peak: dict[str, float] = field(
        default_factory=lambda: {"urgentcare": 1.6, "emergency": 1.5, "ambulatory": 1.15}
    )

    # --- admissions: unplanned index admissions per patient-year before risk factors
    admission_rate: float = 0.042
    admission_risk: dict[str, float] = field(
        default_factory=lambda: {
            "diabetes": 1.6,
            "hypertension": 1.2,
            "heart_failure": 3.0,
            "copd": 2.4,
            "ckd": 2.0,
        }
    )
    admission_age_factor: dict[str, float] = field(
        default_factory=lambda: {"0-17": 0.4, "18-39": 0.6, "40-64": 1.0, "65+": 2.2}
    )
    mean_los_days: float = 4.5

    # --- readmissions planted after an unplanned stay:
    # P(readmitted within 0-30 days) = base_30 * condition factor * age factor (capped at 0.9);
    # P(readmitted within 31-60 days | not within 30) = base_31_60 * the same factors.
    readmit_base_30: float = 0.07
    readmit_base_31_60: float = 0.05
    readmit_condition_factor: dict[str, float] = field(
        default_factory=lambda: {
            "heart_failure": 3.0,
            "copd": 2.5,
            "ckd": 2.0,
            "diabetes": 1.6,
            "hypertension": 1.2,
        }
    )
    readmit_age_factor: dict[str, float] = field(
        default_factory=lambda: {"0-17": 0.5, "18-39": 0.7, "40-64": 1.0, "65+": 1.6}
    )
    max_readmission_chain: int = 5

    transfer_share: float = 0.03  # admissions continued by a back-to-back transfer (< 6 h gap)
    rehab_share: float = 0.35  # orthopedic or stroke stays followed by a planned rehabilitation stay
    chemo_cycles: tuple[int, int] = (4, 6)  # planned chemotherapy admissions per cancer patient
    chemo_complication_share: float = 0.12  # chemo stays followed by an unplanned readmission
    deliveries_per_year: float = 0.025  # for women 18-44
    cesarean_share: float = 0.3  # scheduled deliveries (planned)

    # --- deaths over the whole period, by age group at the start
    death_share: dict[str, float] = field(
        default_factory=lambda: {"0-17": 0.005, "18-39": 0.015, "40-64": 0.06, "65+": 0.25}
    )
    death_in_hospital_share: float = 0.35  # of deaths of patients with a stay: during their last stay
    death_after_discharge_share: float = 0.25  # within 1-30 days after their last stay

    # --- hospital-acquired infections: stays of 3+ days with an infection starting day 3 or later
    hai_share: float = 0.06
    infection_on_admission_share: float = 0.03  # present on admission: day 1, not an HAI

    # --- money
    uninsured_share: float = 0.47  # patients under 65 with no insurance
    uninsured_visit_share: float = 0.08  # visits of insured patients billed to NO_INSURANCE anyway
    denied_claim_share: float = 0.15  # insured visits whose claim is not covered (coverage 0)
    procedures_per_visit: dict[str, float] = field(
        default_factory=lambda: {
            "ambulatory": 0.8,
            "outpatient": 1.3,
            "urgentcare": 0.6,
            "emergency": 1.4,
            "wellness": 1.8,
            "inpatient": 2.5,
        }
    )

    # --- observations (vitals)
    vitals_share: float = 0.30  # visits with a set of vitals recorded
    long_encounter_share: float = 0.002  # ambulatory encounters left open for years (real quirk)

    # --- EMR flat extract
    emr_rows: int = 10_000
    emr_variant: str = "extended"  # basic | extended
    emr_date_format: str = "iso"  # iso (YYYY-MM-DD) | dmy (DD-MM-YYYY)
    emr_start: str = "2022-01-01"
    emr_end: str = "2024-12-31"
    emr_repeat_visit_share: float = 0.3  # rows that are a returning patient's visit
    emr_readmission_base: float = 0.10
    emr_readmission_factor: dict[str, float] = field(
        default_factory=lambda: {"Cardiology": 1.8, "Oncology": 1.5, "ER": 1.0, "Orthopedics": 0.7, "Pediatrics": 0.5}
    )
    # seasonal peaks by department (month -> multiplier)
    emr_peak_months: dict[str, list[int]] = field(
        default_factory=lambda: {"ER": [12, 1, 2], "Pediatrics": [1, 2, 10], "Orthopedics": [6, 7, 8]}
    )
    emr_peak_factor: float = 1.6
    # satisfaction falls in one department from a given month on
    satisfaction_drop_department: str = "Cardiology"
    satisfaction_drop_month: str = "2024-03"
    satisfaction_drop: float = 1.0  # mean score falls by this much

    # --- dirt: share of rows that get one defect, split across the kinds of each file
    dirt_rate: float = 0.03

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def years(self) -> float:
        return self.end_year - self.start_year + 1


# Expected encounters per patient at the defaults (measured; used by --encounters to size the run).
ENCOUNTERS_PER_PATIENT = 30.0
