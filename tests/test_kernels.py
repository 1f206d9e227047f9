"""A build worker runs several notebooks in one warm kernel: each must still start clean."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from pokrovsk.execute import NotebookJob, NotebookPool

PROBE = """
import json, os, sys
print(json.dumps({"pid": os.getpid(), "cwd": os.getcwd(), "leaked": "leak" in globals(),
                  "prefix": os.environ.get("POKROVSK_ASSET_PREFIX"),
                  "warm": "geopandas" in sys.modules,
                  "own": sorted(n for n in sys.modules if n.split(".")[0] == "pokrovsk")}))
leak = "left behind"
"""


def notebook(folder: Path, name: str, *cells: str) -> Path:
    path = folder / f"{name}.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), path)
    return path


def job(source: Path, cache: Path) -> NotebookJob:
    return NotebookJob(source, "test", {}, cache / f"{source.stem}-test",
                       {"POKROVSK_ASSET_PREFIX": f"assets/{source.stem}"})


def probe_of(job_: NotebookJob) -> tuple[dict, int]:
    executed = nbformat.read(job_.cache_entry / f"{job_.stem}.ipynb", as_version=4)
    cell = next(c for c in executed.cells if c.cell_type == "code" and "leak" in c.source)
    text = "".join(o["text"] for o in cell.outputs if o.get("output_type") == "stream")
    return json.loads(text), cell.execution_count


@pytest.fixture()
def run_in_one_kernel(tmp_path):
    def run(*jobs: NotebookJob):
        with NotebookPool(1) as pool:
            return pool.run(list(jobs), report=lambda line: None, total=len(jobs), done_before=0)
    return run


def test_notebooks_share_a_warm_kernel_but_not_their_namespace(tmp_path, run_in_one_kernel):
    first = job(notebook(tmp_path, "first", PROBE), tmp_path / "cache")
    second = job(notebook(tmp_path, "second", "x = 1", PROBE), tmp_path / "cache")
    outcomes = run_in_one_kernel(first, second)
    assert [o.error for o in outcomes] == [None, None]
    (a, a_count), (b, b_count) = probe_of(first), probe_of(second)
    assert a["pid"] == b["pid"], "the second notebook should reuse the first one's kernel"
    assert a["warm"] and b["warm"], "kernels are warmed with the chapters' imports"
    assert a["own"] == b["own"] == [], "each notebook imports the book's own modules afresh"
    assert not b["leaked"], "a notebook must not see the previous notebook's variables"
    assert (a_count, b_count) == (1, 2), "execution counts restart with every notebook"
    assert Path(a["cwd"]).name.startswith(".first-") and Path(b["cwd"]).name.startswith(".second-")
    assert (a["prefix"], b["prefix"]) == ("assets/first", "assets/second")


def test_a_failed_notebook_gets_its_kernel_replaced(tmp_path, run_in_one_kernel):
    before = job(notebook(tmp_path, "before", PROBE), tmp_path / "cache")
    failing = job(notebook(tmp_path, "failing", "leak = 'poisoned'\nraise ValueError('broken on purpose')"),
                  tmp_path / "cache")
    after = job(notebook(tmp_path, "after", PROBE), tmp_path / "cache")
    outcomes = {o.stem: o for o in run_in_one_kernel(before, failing, after)}
    assert "cell 1 raised ValueError: broken on purpose" in outcomes["failing"].error
    assert outcomes["after"].error is None
    assert not failing.cache_entry.exists(), "a failed notebook leaves nothing in the cache"
    assert probe_of(after)[0]["pid"] != probe_of(before)[0]["pid"]
    assert not probe_of(after)[0]["leaked"]
