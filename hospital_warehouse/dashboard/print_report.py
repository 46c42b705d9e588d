#!/usr/bin/env python3
"""Print the KPI dashboard to PDF for readers on paper: every page of the dashboard, one after another on
A4 landscape sheets, as headless Chromium prints index.html?print=1.

    hospital report [--html reports/dashboard/index.html]
                                             [--out reports/dashboard/hospital_kpis.pdf]
                                             [--filter "source=synthea&year=2024"]

--filter takes the dashboard's own filters (source, year, department, age): the PDF shows that selection.
Needs Chromium (Debian's chromium package; `make test` installs it where it can: scripts/ensure_chromium.sh).
"""
from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from hospital_warehouse import REPO

FILTERS = ("source", "year", "department", "age")
log = logging.getLogger("report")


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdf(html: Path, out: Path, selection: dict[str, str], browser: str) -> tuple[bool, str]:
    """Chromium's print to PDF of html?print=1 with the selection, written beside out and renamed onto it.
    Returns (printed, Chromium's last line of output)."""
    url = html.resolve().as_uri() + "?" + urlencode({**selection, "print": "1"})
    tmp = out.with_name(out.name + ".tmp")
    with tempfile.TemporaryDirectory(prefix="report-chromium-") as profile:
        proc = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                               "--disable-background-networking", "--disable-component-update", "--disable-sync",
                               f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--run-all-compositor-stages-before-draw",
                               "--no-pdf-header-footer", f"--print-to-pdf={tmp}", url],
                              capture_output=True, text=True, timeout=300)
    printed = proc.returncode == 0 and tmp.exists() and tmp.read_bytes()[:5] == b"%PDF-"
    if printed:
        tmp.replace(out)
    tmp.unlink(missing_ok=True)
    return printed, ((proc.stderr or "").strip().splitlines() or [f"exit {proc.returncode}"])[-1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--html", type=Path, default=REPO / "reports" / "dashboard" / "index.html", help="the dashboard page")
    p.add_argument("--out", type=Path, default=REPO / "reports" / "dashboard" / "hospital_kpis.pdf")
    p.add_argument("--filter", default="", help='the selection, as in the page\'s address: "source=emr&year=2024"')
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    selection = dict(parse_qsl(args.filter))
    unknown = sorted(set(selection) - set(FILTERS))
    if unknown:
        log.error("--filter %r: unknown filter %s (the filters are %s)", args.filter, ", ".join(unknown), ", ".join(FILTERS))
        return 2
    if not args.html.exists():
        log.error("no dashboard at %s: run `make build`", args.html)
        return 2
    browser = chromium()
    if browser is None:
        log.error("the PDF report needs Chromium, which is not installed: install Debian's chromium package "
                  "(scripts/ensure_chromium.sh does, as root)")
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    printed, last = print_pdf(args.html, args.out, selection, browser)
    if not printed:
        log.error("Chromium could not print %s to PDF: %s", args.html, last)
        return 1
    log.info("report: %s (%.0f KB)", args.out, args.out.stat().st_size / 1024)
    return 0


if __name__ == "__main__":
    sys.exit(main())
