"""The generated population as a FHIR R4 bulk export: the same patients, visits, conditions, procedures,
observations, organizations and claims as its Synthea CSV export, one NDJSON file per resource type and
chunk of patients (`Patient.000.ndjson`, `Encounter.000.ndjson`, ...), as the `$export` operation writes.

Each CSV row becomes the resource the warehouse reads back (docs/data_contract.md, "FHIR R4"):
- Patient: gender, birthDate, deceasedDateTime, the US Core race and ethnicity extensions (OMB codes),
  maritalStatus, name, address with its geolocation;
- Encounter: class (HL7 v3 ActCode: wellness, ambulatory, outpatient and urgent care are all AMB), type
  (SNOMED), reasonCode, period written in local time with its offset (-05:00), subject `Patient/<id>` and
  serviceProvider as a conditional reference `Organization?identifier=<system>|<id>`;
- Claim (total = TOTAL_CLAIM_COST) and ExplanationOfBenefit (payment = PAYER_COVERAGE, the payer's name in
  insurance.coverage.display) per encounter;
- Condition, Procedure, Observation, with their encounter as `urn:uuid:<id>` (a Bundle's form);
- Organization, with an identifier.
The CSV's base encounter and procedure costs have no FHIR element and are not written. Files are written by
DuckDB (`COPY ... (FORMAT JSON)`): no Python loop over rows.

Planted defects (plant_defects): a line that is not JSON, a resource in a file of another type, a Condition
whose encounter is not in the export, an Encounter without a period start; each listed in the manifest.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa

SYNTHEA_ORG_SYSTEM = "https://github.com/synthetichealth/synthea"
RACE_CODES = {"white": "2106-3", "black": "2054-5", "asian": "2028-9", "native": "1002-5", "hawaiian": "2076-8",
              "other": "2131-1"}
ETHNICITY_CODES = {"hispanic": "2135-2", "nonhispanic": "2186-5"}
CLASS_CODES = {"wellness": "AMB", "ambulatory": "AMB", "outpatient": "AMB", "urgentcare": "AMB",
               "emergency": "EMER", "inpatient": "IMP", "home": "HH", "hospice": "HH", "snf": "IMP", "virtual": "VR"}
OFFSET = "-05:00"  # the local time the export writes instants in


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"when '{k}' then '{v}'" for k, v in mapping.items())
    return f"case lower({column}) {whens} end"


def _local(column: str) -> str:
    """A CSV instant (UTC, `...Z`) as the local time with its offset."""
    return (f"case when nullif({column}, '') is not null then strftime(cast({column} as timestamp) - interval 5 hours, "
            f"'%Y-%m-%dT%H:%M:%S') || '{OFFSET}' end")


def _coding(system: str, code: str, display: str) -> str:
    return f"{{'system': '{system}', 'code': {code}, 'display': {display}}}"


SELECTS = {
    "Organization": f"""
        select 'Organization' as resourceType, "Id" as id,
            [{{'system': '{SYNTHEA_ORG_SYSTEM}', 'value': "Id"}}] as identifier,
            "NAME" as name,
            [{{'line': ["ADDRESS"], 'city': "CITY", 'state': "STATE", 'postalCode': "ZIP",
               'extension': [{{'url': 'http://hl7.org/fhir/StructureDefinition/geolocation',
                              'extension': [{{'url': 'latitude', 'valueDecimal': cast("LAT" as double)}},
                                            {{'url': 'longitude', 'valueDecimal': cast("LON" as double)}}]}}]}}] as address
        from organizations""",
    "Patient": f"""
        select 'Patient' as resourceType, "Id" as id,
            [{{'url': 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
               'extension': [{{'url': 'ombCategory', 'valueCoding': {_coding('urn:oid:2.16.840.1.113883.6.238', _case('"RACE"', RACE_CODES), '"RACE"')}}}]}},
             {{'url': 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity',
               'extension': [{{'url': 'ombCategory', 'valueCoding': {_coding('urn:oid:2.16.840.1.113883.6.238', _case('"ETHNICITY"', ETHNICITY_CODES), '"ETHNICITY"')}}}]}}]
                as extension,
            [{{'family': "LAST", 'given': ["FIRST"], 'prefix': list_filter(["PREFIX"], x -> x <> ''),
               'suffix': list_filter(["SUFFIX"], x -> x <> '')}}] as name,
            case upper("GENDER") when 'M' then 'male' when 'F' then 'female' else 'unknown' end as gender,
            "BIRTHDATE" as birthDate,
            nullif("DEATHDATE", '') as deceasedDateTime,
            {{'coding': [{{'system': 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', 'code': nullif("MARITAL", '')}}]}}
                as maritalStatus,
            [{{'line': ["ADDRESS"], 'city': "CITY", 'state': "STATE", 'district': "COUNTY", 'postalCode': "ZIP",
               'extension': [{{'url': 'http://hl7.org/fhir/StructureDefinition/geolocation',
                              'extension': [{{'url': 'latitude', 'valueDecimal': try_cast("LAT" as double)}},
                                            {{'url': 'longitude', 'valueDecimal': try_cast("LON" as double)}}]}}]}}] as address
        from patients""",
    "Encounter": f"""
        select 'Encounter' as resourceType, "Id" as id, 'finished' as status,
            {_coding('http://terminology.hl7.org/CodeSystem/v3-ActCode', _case('"ENCOUNTERCLASS"', CLASS_CODES), 'null')} as class,
            [{{'coding': [{_coding('http://snomed.info/sct', '"CODE"', '"DESCRIPTION"')}], 'text': "DESCRIPTION"}}] as type,
            {{'reference': 'Patient/' || "PATIENT"}} as subject,
            {{'start': {_local('"START"')}, 'end': {_local('"STOP"')}}} as period,
            case when nullif("REASONCODE", '') is not null
                then [{{'coding': [{_coding('http://snomed.info/sct', '"REASONCODE"', '"REASONDESCRIPTION"')}]}}] end
                as reasonCode,
            {{'reference': 'Organization?identifier={SYNTHEA_ORG_SYSTEM}|' || "ORGANIZATION"}} as serviceProvider
        from encounters""",
    "Claim": """
        select 'Claim' as resourceType, encounters."Id" || '-claim' as id, 'active' as status,
            {'reference': 'Patient/' || encounters."PATIENT"} as patient,
            [{'sequence': 1, 'focal': true, 'coverage': {'display': payers."NAME"}}] as insurance,
            [{'sequence': 1, 'encounter': [{'reference': 'Encounter/' || encounters."Id"}]}] as item,
            {'value': try_cast(encounters."TOTAL_CLAIM_COST" as decimal(18, 2)), 'currency': 'USD'} as total
        from encounters
        left join payers on encounters."PAYER" = payers."Id"
        where nullif(encounters."TOTAL_CLAIM_COST", '') is not null""",
    "ExplanationOfBenefit": """
        select 'ExplanationOfBenefit' as resourceType, encounters."Id" || '-eob' as id, 'active' as status,
            {'reference': 'Patient/' || encounters."PATIENT"} as patient,
            [{'focal': true, 'coverage': {'display': payers."NAME"}}] as insurance,
            [{'sequence': 1, 'encounter': [{'reference': 'Encounter/' || encounters."Id"}]}] as item,
            {'amount': {'value': try_cast(encounters."PAYER_COVERAGE" as decimal(18, 2)), 'currency': 'USD'}} as payment
        from encounters
        left join payers on encounters."PAYER" = payers."Id"
        where nullif(encounters."PAYER_COVERAGE", '') is not null""",
    "Condition": f"""
        select 'Condition' as resourceType,
            md5(concat_ws('|', "PATIENT", "ENCOUNTER", "CODE", "START")) as id,
            {{'coding': [{_coding('http://snomed.info/sct', '"CODE"', '"DESCRIPTION"')}]}} as code,
            {{'reference': 'Patient/' || "PATIENT"}} as subject,
            {{'reference': 'urn:uuid:' || "ENCOUNTER"}} as encounter,
            "START" as onsetDateTime,
            nullif("STOP", '') as abatementDateTime
        from conditions""",
    "Procedure": f"""
        select 'Procedure' as resourceType,
            md5(concat_ws('|', "PATIENT", "ENCOUNTER", "CODE", "START")) as id, 'completed' as status,
            {{'coding': [{_coding('http://snomed.info/sct', '"CODE"', '"DESCRIPTION"')}]}} as code,
            {{'reference': 'Patient/' || "PATIENT"}} as subject,
            {{'reference': 'urn:uuid:' || "ENCOUNTER"}} as encounter,
            {{'start': {_local('"START"')}, 'end': {_local('"STOP"')}}} as performedPeriod,
            case when nullif("REASONCODE", '') is not null
                then [{{'coding': [{_coding('http://snomed.info/sct', '"REASONCODE"', '"REASONDESCRIPTION"')}]}}] end
                as reasonCode
        from procedures""",
    "Observation": f"""
        select 'Observation' as resourceType,
            md5(concat_ws('|', coalesce("PATIENT", ''), coalesce("ENCOUNTER", ''), coalesce("CODE", ''), coalesce("DATE", ''),
                          coalesce("VALUE", ''), coalesce("UNITS", ''))) as id,
            'final' as status,
            [{{'coding': [{{'system': 'http://terminology.hl7.org/CodeSystem/observation-category', 'code': "CATEGORY"}}]}}]
                as category,
            {{'coding': [{_coding('http://loinc.org', '"CODE"', '"DESCRIPTION"')}]}} as code,
            {{'reference': 'Patient/' || "PATIENT"}} as subject,
            case when nullif("ENCOUNTER", '') is not null then {{'reference': 'urn:uuid:' || "ENCOUNTER"}} end as encounter,
            {_local('"DATE"')} as effectiveDateTime,
            case when "TYPE" = 'numeric' then {{'value': try_cast("VALUE" as double), 'unit': "UNITS"}} end as valueQuantity,
            case when "TYPE" <> 'numeric' then "VALUE" end as valueString
        from observations""",
}
CHUNKED = ("Patient", "Encounter", "Claim", "ExplanationOfBenefit", "Condition", "Procedure", "Observation")


class FhirWriter:
    """Writes the FHIR export of a generated population into `folder`, chunk by chunk."""

    def __init__(self, folder: Path, payers: pa.Table, organizations: pa.Table):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect()
        self.con.execute("set preserve_insertion_order = true")
        self.con.register("payers", payers)
        self.con.register("organizations", organizations)
        self.rows: dict[str, int] = {}
        self._copy("Organization", self.folder / "Organization.000.ndjson")

    def _copy(self, resource_type: str, path: Path) -> None:
        self.con.execute(f"copy ({SELECTS[resource_type]}) to '{path}' (format json)")
        self.rows[path.name] = sum(1 for _ in open(path, "rb"))

    def write_chunk(self, index: int, tables: dict[str, pa.Table]) -> None:
        """One chunk of patients: its clean CSV tables (patients, encounters, conditions, procedures,
        observations), as one file per resource type."""
        for name in ("patients", "encounters", "conditions", "procedures", "observations"):
            self.con.register(name, tables[name])
        for resource_type in CHUNKED:
            self._copy(resource_type, self.folder / f"{resource_type}.{index:03d}.ndjson")

    def close(self) -> None:
        self.con.close()


def plant_defects(folder: Path) -> list[dict]:
    """A few damaged rows staging must quarantine, appended to the first chunk's files; returns them as the
    manifest lists them (file, line, kind)."""
    folder = Path(folder)
    planted = []

    def append(name: str, line: str, kind: str) -> None:
        path = folder / name
        with open(path, "a", encoding="utf-8", newline="\n") as fh:
            fh.write(line + "\n")
        planted.append({"file": name, "line": sum(1 for _ in open(path, "rb")), "kind": kind})

    append("Patient.000.ndjson", '{"resourceType": "Patient", "id": "cut-short", "gender": "fem', "not_json")
    append("Patient.000.ndjson", json.dumps({"resourceType": "Observation", "id": "misfiled", "status": "final"}),
           "resource_type_not_file_type")
    append("Condition.000.ndjson", json.dumps({
        "resourceType": "Condition", "id": "orphan-condition", "subject": {"reference": "Patient/nobody"},
        "encounter": {"reference": "Encounter/nowhere"}, "onsetDateTime": "2020-01-01",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]}}), "orphan_encounter")
    append("Encounter.000.ndjson", json.dumps({
        "resourceType": "Encounter", "id": "no-period", "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "subject": {"reference": "Patient/nobody"}}), "missing_start")
    return planted
