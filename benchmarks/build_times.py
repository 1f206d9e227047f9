"""Cold and no-op build times of the book, measured on a fresh copy of the repository.

Run with `make bench` (or `.venv/bin/python benchmarks/build_times.py`). Writes
benchmarks/results/build_times.json and prints a table.
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
IGNORED = shutil.ignore_patterns(".venv", "_build", ".cache", "chapters", "__pycache__", ".git", ".pytest_cache",
                                 "*.egg-info", "results")


def timed_build(root: Path, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "pokrovsk.cli", "build", *args], cwd=root,
                               capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"build failed:\n{completed.stdout}\n{completed.stderr}")
    return elapsed, completed.stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "repo"
        shutil.copytree(REPO, root, ignore=IGNORED)
        cold, cold_log = timed_build(root, "--jobs", "2")
        noop, noop_log = timed_build(root)
        noop_again, _ = timed_build(root)
    figures = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "notebooks": cold_log.count("executed in"),
        "cold_build_s": round(cold, 2),
        "noop_build_s": round(min(noop, noop_again), 2),
        "noop_executed_notebooks": noop_log.count("executed in"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "build_times.json").write_text(json.dumps(figures, indent=2) + "\n")
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
