"""Front-line import and metrics speed on the real daily DeepState files in ../shared/realdata.

Run with `.venv/bin/python benchmarks/frontlines_bench.py`. Measures, on a store in a temporary
folder: a cold import (empty store: parse + clip + de-duplicate + write), an incremental
re-import of the same files, peak memory and the metrics. Writes
benchmarks/results/frontlines.json and prints a table. Floors: 100 files/s cold, incremental
at least 10 times faster than cold.
"""

from __future__ import annotations

import json
import platform
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from pokrovsk.frontlines.control import settlement_control
from pokrovsk.frontlines.metrics import frontline_metrics
from pokrovsk.frontlines.store import FrontlineStore, import_files

REPO = Path(__file__).resolve().parents[1]
DAILY = REPO.parent / "shared" / "realdata" / "deepstate" / "cyterat"
RESULTS = REPO / "benchmarks" / "results"
REPEATS = 5
COLD_FLOOR_FILES_PER_S = 100.0
INCREMENTAL_FLOOR_SPEEDUP = 10.0


def median_seconds(action: Callable[[], object], prepare: Callable[[], object] = lambda: None) -> float:
    timings = []
    for _ in range(REPEATS):
        prepare()
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure(files: list[Path], scratch: Path) -> dict:
    stores = iter(scratch / f"cold-{n}" for n in range(REPEATS + 1))
    import_files(files[:1], scratch / "warm-up")  # first-call costs: imports, PROJ set-up
    cold_s = median_seconds(lambda: import_files(files, next(stores)))
    incremental_store = scratch / "incremental"
    import_files(files, incremental_store)
    incremental_s = median_seconds(lambda: import_files(files, incremental_store))

    tracemalloc.start()
    import_files(files, scratch / "traced")
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    store = FrontlineStore.open(incremental_store)
    metrics_s = median_seconds(lambda: frontline_metrics(store))
    control_s = median_seconds(lambda: settlement_control(store))
    megabytes = sum(path.stat().st_size for path in files) / 1e6
    return {
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "files": len(files),
        "megabytes": round(megabytes, 2),
        "stored_dates": len(store.dates()),
        "stored_rows": len(store.runs()),
        "cold_import_s": round(cold_s, 3),
        "cold_files_per_s": round(len(files) / cold_s, 1),
        "cold_mb_per_s": round(megabytes / cold_s, 1),
        "incremental_import_s": round(incremental_s, 4),
        "incremental_files_per_s": round(len(files) / incremental_s, 1),
        "incremental_mb_per_s": round(megabytes / incremental_s, 1),
        "incremental_speedup": round(cold_s / incremental_s, 1),
        "peak_python_heap_mb": round(traced_peak / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "metrics_s": round(metrics_s, 3),
        "settlement_control_s": round(control_s, 3),
    }


def main() -> int:
    files = sorted(DAILY.glob("deepstatemap_data_*.geojson"))
    if not files:
        print(f"skipped: no daily DeepState files in {DAILY} (the shared real-data folder is absent)")
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        figures = measure(files, Path(scratch))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "frontlines.json").write_text(json.dumps(figures, indent=2) + "\n")
    width = max(map(len, figures))
    for key, value in figures.items():
        print(f"{key:<{width}}  {value}")
    floors_hold = (figures["cold_files_per_s"] >= COLD_FLOOR_FILES_PER_S
                   and figures["incremental_speedup"] >= INCREMENTAL_FLOOR_SPEEDUP)
    print(f"floors ({COLD_FLOOR_FILES_PER_S:g} files/s cold, {INCREMENTAL_FLOOR_SPEEDUP:g}x incremental): "
          f"{'met' if floors_hold else 'NOT met'}")
    return 0 if floors_hold else 1


if __name__ == "__main__":
    sys.exit(main())
