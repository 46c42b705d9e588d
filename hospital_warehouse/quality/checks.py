"""The named checks great-expectations runs: at the door (each raw file, before `dbt build`) and on the
headline marts (after it). At the door, rowchecks.py computes the same expectations over every row in
DuckDB (the findings), and great-expectations validates a bounded part of each file (the Data Docs).

Door policy. Whether a file is usable at all (present, readable, decodable, with its columns) is decided
before these checks, by hospital_warehouse/quality/door.py, which stops the build. A raw export is expected to
carry some dirt: staging quarantines or repairs it, so a per-row check never stops the build. It is a
`warning` past a tolerance (ROW_TOLERANCE: more than 2% of the file's rows bad is worth a look), and
every bad row it finds is reported. Checks on quirks that real exports legitimately have (overlapping
encounters) are `info`. The required-columns check is `critical` (the door guarantees it). Mart checks
are `critical`: a published table that breaks one stops the build before publication.

Each check names the generator defect kinds it catches (`catches`), which the tests hold it to.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ROW_TOLERANCE = 0.98  # a per-row door check warns when fewer than 98% of the rows it considers pass
KEY_TOLERANCE = 0.90  # EMR extracts repeat about 2% of rows verbatim (both copies count as unexpected)

ISO_UTC = r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$"
ISO_DATE = r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$"
EMR_DATE = r"^(?:\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])|(?:0[1-9]|[12]\d|3[01])-(?:0[1-9]|1[0-2])-\d{4})$"
AMOUNT = r"^\d+(?:\.\d+)?$"


class Expectation:
    """A great-expectations expectation, named by its class in `great_expectations.expectations` with its
    arguments, and built as that class only where great-expectations runs (runner.py, for the Data Docs).
    The door's row checks (rowchecks.py) read the arguments: importing great-expectations takes seconds,
    which the door spends reading files meanwhile. The arguments a check leaves out read as
    great-expectations' defaults."""

    DEFAULTS = {"severity": "critical", "mostly": None, "or_equal": None,
                "ignore_row_if": "both_values_are_missing", "min_value": None, "max_value": None}

    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        self.kwargs = kwargs

    def __getattr__(self, name: str):
        if name in ("kind", "kwargs"):  # not set yet (copy, pickle)
            raise AttributeError(name)
        if name in self.kwargs:
            return self.kwargs[name]
        if name in self.DEFAULTS:
            return self.DEFAULTS[name]
        raise AttributeError(f"{self.kind} has no argument {name!r}")

    def to_gx(self):
        """The great-expectations expectation (a new object each time: one suite serves several files)."""
        import great_expectations as gx

        return getattr(gx.expectations, self.kind)(**self.kwargs)

    def __repr__(self) -> str:
        return f"{self.kind}({', '.join(f'{k}={v!r}' for k, v in self.kwargs.items())})"


class _Expectations:
    """E.ExpectColumnValuesToNotBeNull(column="Id") spells an Expectation as great-expectations does."""

    def __getattr__(self, kind: str):
        if not kind.startswith("Expect"):
            raise AttributeError(kind)
        return lambda **kwargs: Expectation(kind, **kwargs)


E = _Expectations()


@dataclass
class Check:
    name: str
    expectation: Expectation
    catches: tuple[str, ...] = ()
    show: tuple[str, ...] = ()  # raw columns to quote as the example bad value (derived checks)
    description: str = ""
    rejects: bool = False  # a row failing it is quarantined by staging (most rows failing: a format problem)

    @property
    def severity(self) -> str:
        return self.expectation.severity

    @property
    def columns(self) -> list[str]:
        """The columns the check reads."""
        e = self.expectation
        cols = [getattr(e, a, None) for a in ("column", "column_A", "column_B")]
        return [c for c in cols if c] + list(getattr(e, "column_list", None) or [])


@dataclass
class Suite:
    name: str
    source: str
    table: str
    checks: list[Check] = field(default_factory=list)


def _row(expectation_cls, tolerance: float = ROW_TOLERANCE, severity: str = "warning", **kwargs):
    return expectation_cls(mostly=tolerance, severity=severity, **kwargs)


def structural(required: list[str]) -> list[Check]:
    return [
        Check("has_required_columns", E.ExpectTableColumnsToMatchSet(column_set=required, exact_match=False,
                                                                      severity="critical"),
              description="Every column of the data contract is present (extra columns are fine)."),
        Check("is_not_empty", E.ExpectTableRowCountToBeBetween(min_value=1, severity="warning"),
              description="The file has at least one data row (a batch may deliver a file of none)."),
    ]


def raw_suites(contract: dict, encounter_classes: list[str]) -> list[Suite]:
    """Door suites for every raw file of the contract (a check of an optional column the file does not
    carry, such as the EMR extended columns, is left out by the runner)."""
    req = {(s, t): spec["required"] for s, tables in contract.items() for t, spec in tables.items()}
    suites = [
        Suite("raw_synthea__encounters", "synthea", "encounters", structural(req[("synthea", "encounters")]) + [
            Check("id_present", _row(E.ExpectColumnValuesToNotBeNull, column="Id"), rejects=True),
            Check("id_unique", _row(E.ExpectColumnValuesToBeUnique, column="Id"), catches=("duplicate_row",)),
            Check("start_present", _row(E.ExpectColumnValuesToNotBeNull, column="START"), catches=("blank_start",),
                  rejects=True),
            Check("start_is_utc_timestamp", _row(E.ExpectColumnValuesToMatchRegex, column="START", regex=ISO_UTC),
                  catches=("bad_timestamp",), rejects=True),
            Check("stop_not_before_start", _row(E.ExpectColumnPairValuesAToBeGreaterThanB, column_A="STOP",
                                                column_B="START", or_equal=True,
                                                ignore_row_if="either_value_is_missing"),
                  catches=("stop_before_start",), show=("START", "STOP")),
            Check("total_cost_present", _row(E.ExpectColumnValuesToNotBeNull, column="TOTAL_CLAIM_COST"),
                  catches=("missing_cost",)),
            Check("total_cost_is_plain_amount", _row(E.ExpectColumnValuesToMatchRegex, column="TOTAL_CLAIM_COST",
                                                     regex=AMOUNT), catches=("negative_cost", "non_numeric_cost")),
            Check("patient_known", _row(E.ExpectColumnValuesToBeInSet, column="_patient_known", value_set=[True]),
                  catches=("orphan_patient",), show=("PATIENT",),
                  description="PATIENT is an Id of patients.csv."),
            Check("encounter_class_known", _row(E.ExpectColumnValuesToBeInSet, column="ENCOUNTERCLASS",
                                                value_set=encounter_classes)),
            Check("lasts_under_a_year", _row(E.ExpectColumnValuesToBeInSet, column="_under_a_year", value_set=[True],
                                             tolerance=0.99, severity="warning"),
                  catches=("long_encounter",), show=("START", "STOP"),
                  description="Encounters open for years are real in Synthea exports: a warning."),
            Check("no_overlap_with_previous", _row(E.ExpectColumnValuesToBeInSet, column="_no_overlap",
                                                   value_set=[True], tolerance=0.5, severity="info"),
                  catches=("overlapping_encounter",), show=("PATIENT", "START"),
                  description="A patient's encounters overlap in real exports: information only."),
            Check("usual_description_for_code", _row(E.ExpectColumnValuesToBeInSet, column="_usual_description",
                                                     value_set=[True], tolerance=0.9, severity="warning"),
                  catches=("description_variant",), show=("CODE", "DESCRIPTION"),
                  description="One CODE, several DESCRIPTION spellings: staging strips the semantic tag."),
        ]),
        Suite("raw_synthea__patients", "synthea", "patients", structural(req[("synthea", "patients")]) + [
            Check("id_present", _row(E.ExpectColumnValuesToNotBeNull, column="Id"), rejects=True),
            Check("id_unique", _row(E.ExpectColumnValuesToBeUnique, column="Id"), catches=("duplicate_row",)),
            Check("birthdate_is_date", _row(E.ExpectColumnValuesToMatchRegex, column="BIRTHDATE", regex=ISO_DATE),
                  catches=("bad_birthdate",)),
            Check("gender_is_m_or_f", _row(E.ExpectColumnValuesToBeInSet, column="GENDER", value_set=["M", "F"]),
                  catches=("gender_variant",)),
            Check("zip_is_five_digits", _row(E.ExpectColumnValuesToMatchRegex, column="ZIP", regex=r"^\d{5}$",
                                             severity="warning")),
        ]),
        Suite("raw_synthea__payers", "synthea", "payers", structural(req[("synthea", "payers")]) + [
            Check("id_unique", _row(E.ExpectColumnValuesToBeUnique, column="Id", tolerance=1.0)),
            Check("name_present", _row(E.ExpectColumnValuesToNotBeNull, column="NAME", tolerance=1.0)),
        ]),
        Suite("raw_synthea__organizations", "synthea", "organizations", structural(req[("synthea", "organizations")]) + [
            Check("id_unique", _row(E.ExpectColumnValuesToBeUnique, column="Id", tolerance=1.0)),
        ]),
    ]
    for table, key, date_col, date_regex, extra in [
        ("procedures", ["PATIENT", "ENCOUNTER", "CODE", "START"], "START", ISO_UTC, [
            Check("base_cost_is_plain_amount", _row(E.ExpectColumnValuesToMatchRegex, column="BASE_COST", regex=AMOUNT),
                  catches=("negative_cost",))]),
        ("conditions", ["PATIENT", "ENCOUNTER", "CODE", "START"], "START", ISO_DATE, []),
        ("observations", ["PATIENT", "ENCOUNTER", "CODE", "DATE"], "DATE", ISO_UTC, [
            Check("numeric_value_is_number", _row(E.ExpectColumnValuesToBeInSet, column="_numeric_value_ok",
                                                  value_set=[True]),
                  catches=("non_numeric_value",), show=("TYPE", "VALUE"),
                  description="A numeric observation's VALUE is a number.")]),
    ]:
        suites.append(Suite(f"raw_synthea__{table}", "synthea", table, structural(req[("synthea", table)]) + [
            Check("key_unique", _row(E.ExpectCompoundColumnsToBeUnique, column_list=key), catches=("duplicate_row",),
                  description=f"({', '.join(key)}) identifies a row."),
            Check(f"{date_col.lower()}_is_valid", _row(E.ExpectColumnValuesToMatchRegex, column=date_col,
                                                       regex=date_regex),
                  catches=("bad_timestamp", "bad_date"), rejects=True),
            Check("encounter_known", _row(E.ExpectColumnValuesToBeInSet, column="_encounter_known", value_set=[True]),
                  catches=("orphan_encounter",), show=("ENCOUNTER",),
                  description="ENCOUNTER is an Id of encounters.csv."),
            *extra,
        ]))
    emr = Suite("raw_emr__visits", "emr", "visits", structural(req[("emr", "visits")]) + [
        Check("patient_id_present", _row(E.ExpectColumnValuesToNotBeNull, column="Patient ID"),
              catches=("blank_patient_id",), rejects=True),
        Check("visit_key_unique", _row(E.ExpectCompoundColumnsToBeUnique, column_list=["Patient ID", "Visit Date"],
                                       tolerance=KEY_TOLERANCE),
              catches=("duplicate_row", "duplicate_after_repair", "conflicting_duplicate"),
              description="(Patient ID, Visit Date) identifies a visit; about 2% repeated rows are normal."),
        Check("visit_date_present", _row(E.ExpectColumnValuesToNotBeNull, column="Visit Date"),
              catches=("blank_visit_date",), rejects=True),
        Check("visit_date_is_date", _row(E.ExpectColumnValuesToMatchRegex, column="Visit Date", regex=EMR_DATE),
              catches=("bad_visit_date",), rejects=True),
        Check("gender_present", _row(E.ExpectColumnValuesToNotBeNull, column="Gender"), catches=("blank_gender",)),
        Check("gender_is_canonical", _row(E.ExpectColumnValuesToBeInSet, column="Gender",
                                          value_set=["Male", "Female", "Other"]),
              catches=("gender_misspelling", "duplicate_after_repair")),
        Check("age_present", _row(E.ExpectColumnValuesToNotBeNull, column="Age"), catches=("blank_age",)),
        Check("age_is_whole_number", _row(E.ExpectColumnValuesToMatchRegex, column="Age", regex=r"^\d{1,3}$"),
              catches=("float_age",)),
        Check("blood_pressure_is_systolic_over_diastolic", _row(E.ExpectColumnValuesToMatchRegex,
                                                                column="Blood Pressure", regex=r"^\d{2,3}/\d{2,3}$"),
              catches=("bad_blood_pressure",)),
        Check("discharge_not_before_visit", _row(E.ExpectColumnValuesToBeInSet, column="_discharge_ok",
                                                 value_set=[True]),
              catches=("discharge_before_visit",), show=("Visit Date", "Discharge Date")),
        Check("department_is_canonical", _row(E.ExpectColumnValuesToBeInSet, column="Hospital Department",
                                              value_set=["ER", "Cardiology", "Orthopedics", "Pediatrics", "Oncology"]),
              catches=("department_variant", "duplicate_after_repair")),
        Check("insurance_type_is_canonical", _row(E.ExpectColumnValuesToBeInSet, column="Insurance Type",
                                                  value_set=["Private", "Medicare", "Medicaid", "Uninsured"]),
              catches=("insurance_variant",)),
    ])
    emr.checks += [
        Check("total_cost_is_plain_amount", _row(E.ExpectColumnValuesToMatchRegex, column="Total Cost", regex=AMOUNT),
              catches=("negative_cost", "non_numeric_cost")),
        Check("satisfaction_is_1_to_5", _row(E.ExpectColumnValuesToBeInSet, column="Patient Satisfaction Score",
                                             value_set=["1", "2", "3", "4", "5"]),
              catches=("satisfaction_out_of_range",)),
        Check("coverage_is_0_to_100", _row(E.ExpectColumnValuesToMatchRegex, column="Insurance Coverage Percentage",
                                           regex=r"^(?:100|\d{1,2})(?:\.\d+)?$"),
              catches=("coverage_out_of_range",)),
        ]
    return suites + [emr]


def mart_suites() -> list[Suite]:
    """Strict suites for the headline marts (after `dbt build`)."""
    strict = dict(severity="critical")
    rate = lambda col: Check(f"{col}_between_0_and_1", E.ExpectColumnValuesToBeBetween(  # noqa: E731
        column=col, min_value=0, max_value=1, **strict))
    return [
        Suite("marts__fct_encounters", "all", "fct_encounters", [
            Check("key_unique", E.ExpectCompoundColumnsToBeUnique(column_list=["source_system", "encounter_id"], **strict)),
            Check("start_date_present", E.ExpectColumnValuesToNotBeNull(column="start_date", **strict)),
            Check("cost_not_negative", E.ExpectColumnValuesToBeBetween(column="total_claim_cost", min_value=0, **strict)),
            Check("source_system_known", E.ExpectColumnValuesToBeInSet(column="source_system",
                                                                        value_set=["synthea", "emr", "fhir"], **strict)),
        ]),
        Suite("marts__fct_stays", "all", "fct_stays", [
            Check("stay_id_unique", E.ExpectColumnValuesToBeUnique(column="stay_id", **strict)),
            Check("los_not_negative", E.ExpectColumnValuesToBeBetween(column="los_days", min_value=0, **strict)),
            Check("discharge_not_before_admission", E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="discharge_at", column_B="admit_at", or_equal=True, **strict)),
        ]),
        Suite("marts__mart_executive_scorecard", "all", "mart_executive_scorecard", [
            Check("grain_unique", E.ExpectCompoundColumnsToBeUnique(column_list=["source_system", "month_start"], **strict)),
            rate("readmission_rate_30d"), rate("in_hospital_mortality_rate"),
            Check("coverage_ratio_between_0_and_1", E.ExpectColumnValuesToBeBetween(
                column="coverage_ratio", min_value=0, max_value=1, severity="warning"),
                description="An export can record payer coverage above the claim cost: a warning."),
            Check("visits_not_negative", E.ExpectColumnValuesToBeBetween(column="visits", min_value=0, **strict)),
        ]),
        Suite("marts__mart_executive_summary", "all", "mart_executive_summary", [
            Check("grain_unique", E.ExpectCompoundColumnsToBeUnique(
                column_list=["source_system", "period_grain", "period_start", "department", "age_group"], **strict)),
            rate("readmission_rate_30d"), rate("reported_readmission_rate"),
            Check("mean_satisfaction_between_1_and_5", E.ExpectColumnValuesToBeBetween(
                column="mean_satisfaction", min_value=1, max_value=5, **strict)),
            Check("visits_not_negative", E.ExpectColumnValuesToBeBetween(column="visits", min_value=0, **strict)),
        ]),
        Suite("marts__mart_readmission_rates", "all", "mart_readmission_rates", [
            rate("readmission_rate"),
            Check("method_known", E.ExpectColumnValuesToBeInSet(
                column="method", value_set=["derived", "reported", "acute_revisit"], **strict)),
            Check("readmissions_within_index_stays", E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="index_stays", column_B="readmissions", or_equal=True, **strict)),
        ]),
        Suite("marts__mart_insurance_mix", "all", "mart_insurance_mix", [
            rate("visit_share"), rate("claim_success_rate"),
            Check("coverage_ratio_between_0_and_1", E.ExpectColumnValuesToBeBetween(
                column="coverage_ratio", min_value=0, max_value=1, severity="warning"),
                description="An export can record payer coverage above the claim cost: a warning."),
            Check("payer_category_known", E.ExpectColumnValuesToBeInSet(
                column="payer_category",
                value_set=["Medicare", "Medicaid", "Dual Eligible", "Private", "Uninsured", "Other", "unknown"], **strict)),
        ]),
        Suite("marts__mart_data_quality", "all", "mart_data_quality", [
            Check("rows_reconcile", E.ExpectColumnValuesToBeInSet(column="_reconciles", value_set=[True], **strict),
                  description="raw_rows = clean_rows + quarantined_rows + duplicate_rows"),
        ]),
    ]
