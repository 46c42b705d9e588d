"""One generated population built as its Synthea CSV export and as its FHIR R4 export, side by side: the
FHIR target is a build within 1.5x the CSV's (issue 40). The export (CSV with BOM and CRLF, and NDJSON, the
generator's defects in both, no EMR extract) is kept under data/bench/formats_<size>/ for the next run."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from hospital_warehouse import dbtrun
from hospital_warehouse.bench.builds import fresh_database, kept_export
from hospital_warehouse.bench.measure import run_measured

log = logging.getLogger("benchmark")


def ensure_formats(size: int, root: Path) -> Path:
    return kept_export(root / f"formats_{size}", size, "Synthea CSV and as FHIR", ("synthea", "fhir"), emr_rows=0)


def build(folder: Path, work: Path, fhir: bool) -> float:
    """Seconds of a full `dbt build` (models and tests) of the export's CSV or FHIR files alone."""
    fresh_database(work)
    paths = ({"HOSPITAL_FHIR_RAW_PATH": str(folder / "fhir"), "HOSPITAL_SYNTHEA_RAW_PATH": ""} if fhir else
             {"HOSPITAL_SYNTHEA_RAW_PATH": str(folder / "synthea"), "HOSPITAL_FHIR_RAW_PATH": ""})
    env = dbtrun.environment(work, extra={**paths, "HOSPITAL_EMR_RAW_PATH": ""})
    cmd = dbtrun.command(["build"], work)
    log.info("dbt build of the %s export ...", "FHIR" if fhir else "Synthea CSV")
    wall, _, code = run_measured(cmd, env, work / "dbt_build.log")
    if code != 0:
        raise SystemExit(f"dbt build of the {'FHIR' if fhir else 'CSV'} export failed: see {work / 'dbt_build.log'}")
    return wall


def bench_formats(size: int, root: Path) -> dict:
    folder = ensure_formats(size, root)
    manifest = json.loads((folder / "manifest.json").read_text())
    csv_s = build(folder, folder / "build_csv", fhir=False)
    fhir_s = build(folder, folder / "build_fhir", fhir=True)
    fhir_bytes = sum(p.stat().st_size for p in (folder / "fhir").iterdir())
    csv_bytes = sum(p.stat().st_size for p in (folder / "synthea").iterdir())
    return {"formats_encounters": manifest["files"]["synthea/encounters.csv"]["rows"],
            "formats_csv_gb": round(csv_bytes / 1e9, 2), "formats_fhir_gb": round(fhir_bytes / 1e9, 2),
            "csv_build_s": round(csv_s, 1), "fhir_build_s": round(fhir_s, 1), "fhir_over_csv": round(fhir_s / csv_s, 2)}
