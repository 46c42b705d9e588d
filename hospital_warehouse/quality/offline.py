"""Make great-expectations' Data Docs work offline, with an index page that needs no script.

Its pages load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from five CDNs. A hospital's
build server, and the laptop an auditor opens the report on, often have no internet access: the page
then waits on blocked requests, renders unstyled, and its scripts fail. The content itself (suites,
expectations, results) is rendered into the HTML by great-expectations, so the pages need none of it.
We therefore rewrite every page: remote stylesheets, scripts and images are removed, inline scripts
(which only drive the remote widgets) are removed, and a small stylesheet shipped with the repository
(hospital_warehouse/quality/offline.css) is linked instead, and the newsletter footer is dropped. Nothing is fetched from anywhere. great-expectations'
own index page fills its tables with those scripts, so we write the index ourselves (write_index): every
suite, its file, its checks and failures, linked to the validation and suite pages.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

STYLESHEET = Path(__file__).with_name("offline.css")

_REMOTE_IMG = re.compile(r"<img[^>]+src=\"https?://[^\"]*\"[^>]*>", re.I)
_REMOTE_LINK = re.compile(r"<link[^>]+href=\"https?://[^\"]*\"[^>]*>", re.I)
_REMOTE_SCRIPT = re.compile(r"<script[^>]+src=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)
# great-expectations' footer asks the reader to subscribe to its newsletter (a link out of an offline report)
_NEWSLETTER = re.compile(r"<footer>(?:(?!</footer>).)*newsletter.*?</footer>", re.I | re.S)
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*type=\"application/json\")[^>]*>.*?</script>", re.I | re.S)


def make_offline(docs_dir: Path) -> int:
    """Rewrite every HTML page under docs_dir; returns the number of pages."""
    shutil.copy(STYLESHEET, docs_dir / "offline.css")
    pages = 0
    for page in docs_dir.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        html = _REMOTE_LINK.sub("", html)
        html = _REMOTE_SCRIPT.sub("", html)
        html = _INLINE_SCRIPT.sub("", html)
        html = _NEWSLETTER.sub("", html)
        html = _REMOTE_IMG.sub("<span class=\"brand\">Hospital analytics data quality</span>", html)
        depth = len(page.relative_to(docs_dir).parts) - 1
        link = f'<link rel="stylesheet" href="{"../" * depth}offline.css">'
        html = html.replace("</head>", f"{link}\n</head>", 1)
        page.write_text(html, encoding="utf-8")
        pages += 1
    return pages


def remote_references(docs_dir: Path) -> list[str]:
    """Every http(s) reference a page would load (links in text are fine, loads are not)."""
    found = []
    for page in docs_dir.rglob("*.html"):
        for m in re.finditer(r"<(?:link|script|img)[^>]+(?:href|src)=\"(https?://[^\"]+)\"", page.read_text()):
            found.append(f"{page.name}: {m.group(1)}")
    return found


def write_index(docs_dir: Path, findings: list) -> None:
    """A static index of every suite validated in this run, linking to great-expectations' pages."""
    import html as h

    by_suite: dict[str, list] = {}
    for f in findings:
        by_suite.setdefault(f.suite, []).append(f)
    rows = []
    for stage in ("raw", "marts"):
        for suite, fs in by_suite.items():
            if fs[0].stage != stage:
                continue
            pages = sorted((docs_dir / "validations" / suite).rglob("*.html"))
            result = pages[-1].relative_to(docs_dir).as_posix() if pages else None
            failed = [f for f in fs if not f.success]
            errors = [f for f in failed if f.severity == "critical"]
            noted = sum(1 for f in fs if f.unexpected_count)
            cls = "failed" if errors else "ok"
            link = f'<a href="{h.escape(result)}">{h.escape(suite)}</a>' if result else h.escape(suite)
            seen = h.escape(fs[0].validated or "every row")
            rows.append(
                f"<tr><td>{stage}</td><td>{link}</td><td>{h.escape(fs[0].file)}</td><td>{seen}</td><td>{len(fs)}</td>"
                f"<td>{noted}</td><td class=\"{cls}\">{len(failed)} failed, {len(errors)} errors</td>"
                f'<td><a href="expectations/{h.escape(suite)}.html">checks</a></td></tr>')
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data quality: great-expectations results</title>
<link rel="stylesheet" href="offline.css"></head>
<body><nav><strong>Hospital analytics data quality</strong></nav>
<div class="container">
<h1>Data quality</h1>
<p>great-expectations checks at the door (each raw file, before <code>dbt build</code>) and on the headline
marts (after it). A door check fails only past its tolerance; the rows it flags are listed either way.
The door counts every row of every file (in DuckDB); the result page of a file larger than the bound
(<code>--gx-rows</code>) shows great-expectations' validation of its first rows.</p>
<table class="quality-index"><caption>Suites</caption>
<tr><th>stage</th><th>suite (latest result)</th><th>file</th><th>result page covers</th><th>checks</th><th>checks with bad rows</th>
<th>outcome</th><th>definition</th></tr>
{chr(10).join(rows)}
</table></div></body></html>
"""
    (docs_dir / "index.html").write_text(page, encoding="utf-8")
