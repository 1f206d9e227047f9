"""How long the sweep takes: the slow test that builds the whole book as of a day in every
quarter of its period and checks each edition for later dates (tests/test_sweep.py), run as CI
runs it, with the time of each edition's build and check.

Run with `make bench` (or `.venv/bin/python benchmarks/sweep_time.py`). Writes
benchmarks/results/sweep_time.json and prints a table.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SWEEP_TEST = "tests/test_sweep.py::test_every_edition_builds_and_nothing_later_leaks"


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "sweep.xml"
        started = time.perf_counter()
        completed = subprocess.run([sys.executable, "-m", "pytest", SWEEP_TEST, "-q", "-p", "no:cacheprovider",
                                    f"--junitxml={report}"], cwd=REPO, capture_output=True, text=True,
                                   env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        total = time.perf_counter() - started
        cases = ElementTree.parse(report).getroot().iter("testcase") if report.exists() else []
        editions = {case.get("name").partition("[")[2].rstrip("]"): round(float(case.get("time")), 1) for case in cases}
    if completed.returncode != 0:
        sys.exit(f"the sweep failed, so its time is not a measurement:\n{completed.stdout[-3000:]}{completed.stderr[-2000:]}")
    figures = {
        "machine": f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores",
        "editions": len(editions),
        "sweep_total_s": round(total, 1),
        "slowest_edition_s": max(editions.values()),
        "edition_s": editions,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sweep_time.json").write_text(json.dumps(figures, indent=2) + "\n")
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        if key != "edition_s":
            print(f"{key:<{width}}  {value}")
    for edition, seconds in editions.items():
        print(f"  {edition:<{width - 2}}  {seconds} s")


if __name__ == "__main__":
    main()
