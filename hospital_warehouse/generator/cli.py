"""Command line for the generator: `hospital generate --help`."""
from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path

from .generate import generate
from .params import ENCOUNTERS_PER_PATIENT, GeneratorConfig


def build_parser() -> argparse.ArgumentParser:
    d = GeneratorConfig()
    p = argparse.ArgumentParser(
        prog="hospital generate",
        description="Generate synthetic hospital raw exports (Synthea CSV layout and a flat EMR visit extract) "
                    "with realistic defects and a manifest of every defect.",
    )
    p.add_argument("--out", type=Path, required=True, help="output folder (gets synthea/, emr/, fhir/, manifest.json)")
    p.add_argument("--seed", type=int, default=d.seed, help="random seed (default %(default)s)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--patients", type=int, help=f"Synthea patients (default {d.patients})")
    size.add_argument("--encounters", type=int,
                      help=f"approximate Synthea encounters; sets patients = encounters / {ENCOUNTERS_PER_PATIENT:g}")
    p.add_argument("--emr-rows", type=int, default=d.emr_rows, help="rows of the EMR extract, 0 for none (default %(default)s)")
    p.add_argument("--emr-variant", choices=("basic", "extended"), default=d.emr_variant,
                   help="EMR column set (default %(default)s)")
    p.add_argument("--emr-date-format", choices=("iso", "dmy"), default=d.emr_date_format,
                   help="EMR dates as YYYY-MM-DD (iso) or DD-MM-YYYY (dmy) (default %(default)s)")
    p.add_argument("--format", dest="file_format", choices=("csv", "parquet"), default=d.file_format,
                   help="file format; parquet for large runs (default %(default)s)")
    p.add_argument("--no-bom", dest="bom", action="store_false", help="no UTF-8 byte-order mark in CSV files")
    p.add_argument("--lf", dest="crlf", action="store_false", help="LF line endings instead of CRLF")
    p.add_argument("--full-export", action="store_true",
                   help="write the extra columns of a full Synthea export (PROVIDER, SSN, ...), which the warehouse ignores")
    p.add_argument("--dirt-rate", type=float, default=d.dirt_rate,
                   help="share of rows given one defect (default %(default)s); 0 for clean data")
    p.add_argument("--start-year", type=int, default=d.start_year)
    p.add_argument("--end-year", type=int, default=d.end_year)
    p.add_argument("--organizations", type=int, default=d.organizations, help="hospitals (default %(default)s)")
    p.add_argument("--only", choices=("synthea", "emr", "fhir"), help="write one source only")
    p.add_argument("--fhir", action="store_true",
                   help="also write the Synthea population as a FHIR R4 bulk export (OUT/fhir/*.ndjson)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def config_from_args(args: argparse.Namespace) -> GeneratorConfig:
    cfg = GeneratorConfig(seed=args.seed, emr_rows=args.emr_rows, emr_variant=args.emr_variant,
                          emr_date_format=args.emr_date_format, file_format=args.file_format, bom=args.bom,
                          crlf=args.crlf, dirt_rate=args.dirt_rate, start_year=args.start_year,
                          end_year=args.end_year, organizations=args.organizations)
    if args.patients is not None:
        cfg.patients = args.patients
    elif args.encounters is not None:
        cfg.patients = max(1, math.ceil(args.encounters / ENCOUNTERS_PER_PATIENT))
    return cfg


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO, format="%(levelname)s %(message)s")
    cfg = config_from_args(args)
    if cfg.patients <= 0 and args.only != "emr":
        print("hospital generate: --patients/--encounters must be positive", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    sources = (args.only,) if args.only else ("synthea", "emr") + (("fhir",) if args.fhir else ())
    manifest = generate(cfg, args.out, full_export=args.full_export, progress=not args.quiet, sources=sources)
    logging.getLogger("hospgen").info("done in %.1f s: %s", time.perf_counter() - t0,
                                      ", ".join(f"{k} {v['rows']:,}" for k, v in manifest["files"].items()))
    return 0
