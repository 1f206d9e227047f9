"""Cold and no-op build times of the book against the baseline of Jupyter Book executing the
same notebooks itself (`execute_notebooks: force`), on fresh copies of the repository, in one run.

The cold build is `pokrovsk build` as a user types it (its default: one notebook per core).
Cold builds and baselines alternate, PAIRS of each, so a busy spell on the shared machine slows
both; the ratio reported is the median of the pairs' ratios. CPU time (user + system, of every
process each command started) is kept beside wall time: it tells parallelism from less work.

Run with `make bench` (or `.venv/bin/python benchmarks/build_times.py [PAIRS]`). Writes
benchmarks/results/build_times.json and prints a table.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import shutil
import statistics
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


PAIRS = 3


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command: list[str], cwd: Path) -> tuple[float, str, float]:
    """Wall seconds, standard output and CPU seconds of one command."""
    cpu_before = children_cpu_s()
    started = time.perf_counter()
    # The copy is built with this checkout's code, so it is named as the project (see pokrovsk.paths).
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False,
                               env={**os.environ, PROJECT_ENV: str(cwd)})
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
    return elapsed, completed.stdout, children_cpu_s() - cpu_before


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
    # The pages made from the data, which `pokrovsk build` writes beside the notebooks' results.
    from pokrovsk import data
    from pokrovsk.build import write_generated_pages
    from pokrovsk.params import load_params

    write_generated_pages(root, root, load_params(root / "book" / "params.yml", root=root), root / "data",
                          data.latest_date(root / "data"), report=lambda line: None)


def main(pairs: int = PAIRS) -> None:
    jupyter_book = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", ".",
                    "--builder", "html"]
    # One edition, as Jupyter Book builds one book (`pokrovsk build` alone builds every edition).
    ours_build = [sys.executable, "-m", "pokrovsk.cli", "build", "--language", "en"]
    cold, cold_cpu, baseline, baseline_cpu = [], [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for pair in range(pairs):
            ours = Path(scratch) / f"ours-{pair}"
            shutil.copytree(REPO, ours, ignore=IGNORED)
            wall, cold_log, cpu = run(ours_build, ours)
            cold.append(wall)
            cold_cpu.append(cpu)
            theirs = Path(scratch) / f"baseline-{pair}"
            shutil.copytree(REPO, theirs, ignore=IGNORED)
            baseline_copy(theirs)
            wall, _, cpu = run(jupyter_book, theirs)
            baseline.append(wall)
            baseline_cpu.append(cpu)
            print(f"pair {pair + 1}/{pairs}: pokrovsk build {cold[-1]:.1f} s, Jupyter Book {baseline[-1]:.1f} s",
                  file=sys.stderr)
        noop, noop_log, _ = run(ours_build, ours)
        noop_again, _, _ = run(ours_build, ours)
    ratios = [ours_s / theirs_s for ours_s, theirs_s in zip(cold, baseline)]
    figures = {
        "machine": f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} cores",
        "notebooks": cold_log.count("executed in"),
        "pairs": pairs,
        "cold_build_s": round(statistics.median(cold), 1),
        "cold_build_s_runs": [round(s, 1) for s in cold],
        "cold_build_cpu_s": round(statistics.median(cold_cpu), 1),
        "baseline_jupyter_book_execute_force_s": round(statistics.median(baseline), 1),
        "baseline_s_runs": [round(s, 1) for s in baseline],
        "baseline_cpu_s": round(statistics.median(baseline_cpu), 1),
        "cold_over_baseline": round(statistics.median(ratios), 2),
        "cold_over_baseline_runs": [round(r, 2) for r in ratios],
        "noop_build_s": round(min(noop, noop_again), 2),
        "noop_executed_notebooks": noop_log.count("executed in"),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "build_times.json").write_text(json.dumps(figures, indent=2) + "\n")
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else PAIRS)
