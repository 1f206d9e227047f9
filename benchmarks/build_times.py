"""Cold and no-op build times of the book against the baseline of Jupyter Book executing the
same notebooks itself (`execute_notebooks: force`), on fresh copies of the repository, in one run.

Run with `make bench` (or `.venv/bin/python benchmarks/build_times.py`). Writes
benchmarks/results/build_times.json and prints a table.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

from pokrovsk.paths import PROJECT_ENV

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
IGNORED = shutil.ignore_patterns(".venv", "_build", ".cache", "chapters", "__pycache__", ".git", ".pytest_cache",
                                 "*.egg-info", "results", "frontlines")


def run(command: list[str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    # The copy is built with this checkout's code, so it is named as the project (see pokrovsk.paths).
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False,
                               env={**os.environ, PROJECT_ENV: str(cwd)})
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    return elapsed, completed.stdout


def baseline_copy(root: Path) -> None:
    """The same book, but Jupyter Book executes the notebooks (no cache, one at a time)."""
    chapters = root / "book" / "chapters"
    chapters.mkdir(parents=True, exist_ok=True)
    for source in sorted((root / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(source, as_version=4)
        for cell in notebook.cells:
            if "parameters" in cell.metadata.get("tags", []):
                # Jupyter Book runs a notebook in its own folder, so the data path must be absolute.
                cell.source = re.sub(r'^data_dir = .*$', f'data_dir = "{root / "data"}"', cell.source, flags=re.M)
        nbformat.write(notebook, chapters / source.name)
    config = yaml.safe_load((root / "_config.yml").read_text())
    config["execute"] = {"execute_notebooks": "force", "timeout": 600}
    (root / "_config.yml").write_text(yaml.safe_dump(config))
    from pokrovsk import datapages

    datapages.write_pages(root, root / "data")


def main() -> None:
    jupyter_book = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", ".",
                    "--builder", "html"]
    with tempfile.TemporaryDirectory() as scratch:
        ours = Path(scratch) / "ours"
        shutil.copytree(REPO, ours, ignore=IGNORED)
        cold, cold_log = run([sys.executable, "-m", "pokrovsk.cli", "build", "--jobs", "2"], ours)
        noop, noop_log = run([sys.executable, "-m", "pokrovsk.cli", "build"], ours)
        noop_again, _ = run([sys.executable, "-m", "pokrovsk.cli", "build"], ours)
        baseline = Path(scratch) / "baseline"
        shutil.copytree(REPO, baseline, ignore=IGNORED)
        baseline_copy(baseline)
        baseline_s, _ = run(jupyter_book, baseline)
    figures = {
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "notebooks": cold_log.count("executed in"),
        "cold_build_s": round(cold, 1),
        "noop_build_s": round(min(noop, noop_again), 2),
        "noop_executed_notebooks": noop_log.count("executed in"),
        "baseline_jupyter_book_execute_force_s": round(baseline_s, 1),
        "cold_over_baseline": round(cold / baseline_s, 2),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "build_times.json").write_text(json.dumps(figures, indent=2) + "\n")
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
