"""Measuring a run: wall time and peak memory of a process tree (sampled from /proc), and the time
dbt spent per layer and in all (from run_results.json)."""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

from hospital_warehouse import REPO

HERE = Path(__file__).resolve().parent


def tree_pids(pid: int) -> list[int]:
    """A process and all its descendants (the process first), from /proc."""
    out, stack, seen = [], [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return out


def tree_rss_kb(pid: int) -> int:
    """Resident memory (kB) of a process and all its descendants, from /proc."""
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run_measured(cmd: list[str], env: dict, log_file: Path, interval: float = 0.25,
                 on_sample=None) -> tuple[float, float, int]:
    """Run a command, returning (wall seconds, peak tree RSS in GB, exit code). on_sample(pid, seconds,
    rss_kb), when given, is called at every sample (make_build.py names the running step with it)."""
    peak = [0]
    with open(log_file, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        done = threading.Event()

        def sample():
            while not done.is_set():
                rss = tree_rss_kb(proc.pid)
                peak[0] = max(peak[0], rss)
                if on_sample is not None:
                    on_sample(proc.pid, time.perf_counter() - t0, rss)
                time.sleep(interval)
        t = threading.Thread(target=sample, daemon=True)
        t.start()
        code = proc.wait()
        wall = time.perf_counter() - t0
        done.set()
        t.join()
    return wall, peak[0] / 1024**2, code


def busy_seconds(run_results: Path) -> float:
    """Seconds during which at least one node was executing SQL (union of the nodes' execute intervals).
    wall time - busy seconds is dbt's own overhead (start-up, parsing, compiling, scheduling), a measure
    that stays meaningful with several threads, where the plain sum of node times exceeds the wall time."""
    from datetime import datetime
    spans = []
    for r in json.loads(run_results.read_text())["results"]:
        for t in r.get("timing", []):
            if t.get("name") == "execute" and t.get("started_at") and t.get("completed_at"):
                spans.append((datetime.fromisoformat(t["started_at"].replace("Z", "+00:00")),
                              datetime.fromisoformat(t["completed_at"].replace("Z", "+00:00"))))
    busy, end = 0.0, None
    for start, stop in sorted(spans):
        if end is None or start > end:
            busy += (stop - start).total_seconds()
            end = stop
        elif stop > end:
            busy += (stop - end).total_seconds()
            end = stop
    return busy


def layer_times(run_results: Path) -> tuple[dict, float]:
    results = json.loads(run_results.read_text())["results"]
    layers: dict[str, float] = {}
    for r in results:
        uid = r["unique_id"]
        kind = uid.split(".")[0]
        if kind == "model":
            name = uid.split(".")[-1]
            layer = "staging" if name.startswith(("stg_", "base_")) else "intermediate" if name.startswith("int_") else "marts"
        else:
            layer = {"test": "tests", "unit_test": "tests", "seed": "seeds"}.get(kind, kind)
        layers[layer] = layers.get(layer, 0.0) + r["execution_time"]
    return layers, sum(layers.values())
