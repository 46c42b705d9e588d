"""Write a whole raw data set: the Synthea-layout folder, the EMR extract and the defect manifest.

Layout of OUT:
    OUT/synthea/{patients,encounters,payers,procedures,organizations,conditions,observations}.csv|.parquet
    OUT/emr/visits.csv|.parquet
    OUT/fhir/<ResourceType>.<chunk>.ndjson   (sources with "fhir": the same population as a FHIR R4 bulk export)
    OUT/manifest.json   (parameters, row counts per file, every injected defect)
"""
from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import numpy as np
from tqdm import tqdm

from . import defects as dirt
from .emr import emr_columns, simulate_emr
from .fhir import FhirWriter, plant_defects
from .params import PATIENTS_PER_CHUNK, GeneratorConfig
from .synthea import (
    FULL_EXPORT_COLUMNS,
    SYNTHEA_COLUMNS,
    ChunkSimulator,
    make_reference,
    organizations_table,
    payers_table,
)
from .writers import RawFileWriter

log = logging.getLogger("hospgen")

CHUNKED_FILES = ("patients", "encounters", "procedures", "conditions", "observations")
FILE_INDEX = {name: i for i, name in enumerate(SYNTHEA_COLUMNS)}


def generate(cfg: GeneratorConfig, out_dir: Path, full_export: bool = False, progress: bool = True,
             sources: tuple[str, ...] = ("synthea", "emr")) -> dict:
    """Generate the data set described by cfg into out_dir and return the manifest. sources: "synthea" (the CSV
    export), "emr", and "fhir" (the Synthea population again, as a FHIR R4 bulk export; needs "synthea" too, or
    is written alone from the same population when "synthea" is not asked for)."""
    out_dir = Path(out_dir)
    ext = "parquet" if cfg.file_format == "parquet" else "csv"
    columns = FULL_EXPORT_COLUMNS if full_export else SYNTHEA_COLUMNS
    found: list[dirt.Defect] = []
    files: dict[str, dict] = {}
    csv = "synthea" in sources
    if csv or "fhir" in sources:
        r = make_reference(cfg)
        payers, organizations = payers_table(cfg, r, full_export), organizations_table(cfg, r, full_export)
        fhir = FhirWriter(out_dir / "fhir", payers, organizations) if "fhir" in sources else None
        for name, table in (("payers", payers), ("organizations", organizations)) if csv else ():
            with RawFileWriter(out_dir / "synthea" / f"{name}.{ext}", columns[name], cfg.file_format, cfg.bom,
                               cfg.crlf) as w:
                w.write(table)
            files[f"synthea/{name}.{ext}"] = {"rows": w.rows}
        writers = {name: RawFileWriter(out_dir / "synthea" / f"{name}.{ext}", columns[name], cfg.file_format,
                                       cfg.bom, cfg.crlf) for name in CHUNKED_FILES} if csv else {}
        for w in writers.values():
            w.__enter__()
        try:
            n_chunks = math.ceil(cfg.patients / PATIENTS_PER_CHUNK)
            bar = tqdm(total=cfg.patients, unit="patient", desc="synthea", disable=not progress)
            for ci in range(n_chunks):
                n = min(PATIENTS_PER_CHUNK, cfg.patients - ci * PATIENTS_PER_CHUNK)
                tables = ChunkSimulator(cfg, r, ci, n, full_export).run()
                if fhir is not None:  # the clean rows: FHIR's defects are its own (plant_defects)
                    fhir.write_chunk(ci, tables)
                for name in CHUNKED_FILES if csv else ():
                    rng = np.random.default_rng([cfg.seed, ci, 7, FILE_INDEX[name]])
                    table, defects = dirt.inject(tables[name], "synthea", name, cfg.dirt_rate, rng,
                                                 row_offset=writers[name].rows)
                    for d in defects:
                        d.file = f"{name}.{ext}"
                    found.extend(defects)
                    writers[name].write(table)
                bar.update(n)
            bar.close()
        finally:
            for w in writers.values():
                w.__exit__(None, None, None)
            if fhir is not None:
                fhir.close()
        for name, w in writers.items():
            files[f"synthea/{name}.{ext}"] = {"rows": w.rows}
        if fhir is not None:
            planted = plant_defects(out_dir / "fhir") if cfg.dirt_rate > 0 else []
            for d in planted:
                fhir.rows[d["file"]] += 1
                found.append(dirt.Defect(source="fhir", file=d["file"], kind=d["kind"], row=d["line"], key=None,
                                         column=None, value=None))
            files.update({f"fhir/{name}": {"rows": rows} for name, rows in sorted(fhir.rows.items())})
    if "emr" in sources and cfg.emr_rows > 0:
        table, facts = simulate_emr(cfg)
        rng = np.random.default_rng([cfg.seed, 10**9 + 3])
        table, defects = dirt.inject(table, "emr", "visits", cfg.dirt_rate, rng)
        for d in defects:
            d.file = f"visits.{ext}"
        found.extend(defects)
        with RawFileWriter(out_dir / "emr" / f"visits.{ext}", emr_columns(cfg.emr_variant), cfg.file_format,
                           cfg.bom, cfg.crlf) as w:
            w.write(table)
        files[f"emr/visits.{ext}"] = {"rows": w.rows, **facts}
    manifest = {
        "generator": "hospgen",
        "parameters": cfg.to_dict(),
        "full_export": full_export,
        "files": files,
        "defect_counts": _counts(found),
        "defects": [d.to_dict() for d in found],
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "manifest.json", "w", encoding="utf-8", newline="\n") as fh:
        json.dump(manifest, fh, indent=1, sort_keys=False)
        fh.write("\n")
    log.info("wrote %s", ", ".join(f"{k}: {v['rows']:,} rows" for k, v in files.items()))
    log.info("injected %d defects", len(found))
    return manifest


def _counts(found: list[dirt.Defect]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for d in found:
        out.setdefault(f"{d.source}/{d.file}", {}).setdefault(d.kind, 0)
        out[f"{d.source}/{d.file}"][d.kind] += 1
    return out
