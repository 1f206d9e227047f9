"""The guide "Re-run it with your own data" (book/rerun.md), followed step by step.

The commands and rows are read from the page itself (its named code blocks), so the page and
this test cannot drift apart: a changed command on the page is the command tested.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_repo, project_env, read_csv
from browsing import edition_html, edition_source
from pokrovsk import cli, data, words
from pokrovsk.params import BookParams
from pokrovsk.paths import Project

GUIDE = REPO / "book" / "rerun.md"
NAMED_BLOCK = re.compile(r"```\{code-block\} (\w+)\n:name: ([\w-]+)\n(.*?)\n```", re.DOTALL)
COPY_DIR = "my-data"


def guide_blocks() -> dict[str, str]:
    return {name: text for _, name, text in NAMED_BLOCK.findall(GUIDE.read_text(encoding="utf-8"))}


def block(name: str) -> str:
    blocks = guide_blocks()
    assert name in blocks, f"{GUIDE.name} has no code block named {name!r} (it has {sorted(blocks)})"
    return blocks[name]


def example_row(table: str, name: str) -> dict[str, str]:
    """The guide's row ``name`` read with the columns of ``data/<table>``."""
    header, _ = read_csv(REPO / "data" / table)
    row = next(csv.reader([block(name)]))
    assert len(row) == len(header), f"{name}: {len(row)} values for the {len(header)} columns of {table}"
    return dict(zip(header, row))


def example_event() -> dict[str, str]:
    return example_row("events.csv", "rerun-event-row")


def example_source() -> dict[str, str]:
    return example_row("sources.csv", "rerun-source-row")


def run_step(name: str, root: Path) -> subprocess.CompletedProcess:
    """One console block of the guide, run by bash in the project at ``root`` as a reader would."""
    return subprocess.run(["bash", "-ec", block(name)], cwd=root, capture_output=True, text=True,
                          env=project_env(root), timeout=900)


def add_example_rows(copy: Path) -> None:
    """Step 2: the guide's rows appended to the copied tables, as an editor would."""
    for table, name in (("sources.csv", "rerun-source-row"), ("events.csv", "rerun-event-row")):
        path = copy / table
        text = path.read_text(encoding="utf-8")
        path.write_text(text + ("" if text.endswith("\n") else "\n") + block(name) + "\n", encoding="utf-8")


def project_copy(target: Path) -> Path:
    """A copy of the repository whose ``.venv`` is this test run's environment, so the guide's
    ``.venv/bin/pokrovsk`` is the command under test."""
    root = copy_repo(target)
    (root / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    assert (root / ".venv" / "bin" / "pokrovsk").is_file(), f"no pokrovsk command in {sys.prefix}/bin"
    return root


def test_the_example_rows_fit_the_tables_and_the_event_is_later_than_every_row():
    event, source = example_event(), example_source()
    assert event["source_ids"] == source["source_id"]
    assert (event["claimant"], event["verification"], source["kind"]) == ("ukraine", "claimed", "ukrainian_official")
    day = dt.date.fromisoformat(event["date"])
    assert data.latest_date(REPO / "data") < day <= dt.date.today(), \
        "the guide's example event must be later than the data's latest row and not in the future"
    assert f"moves the whole book to {words.date(day)}" in GUIDE.read_text(encoding="utf-8")


def test_the_guide_explains_each_value_of_the_example_event():
    page = GUIDE.read_text(encoding="utf-8")
    for column, value in example_event().items():
        explained = f"`{column}`" if column == "description" else f"`{column}`: `{value}`"
        assert explained in page, f"the guide does not explain {explained}"


def test_validation_refuses_the_example_rated_corroborated_by_its_own_side(tmp_path):
    root = project_copy(tmp_path / "repo")
    assert run_step("rerun-copy", root).returncode == 0
    add_example_rows(root / COPY_DIR)
    events = root / COPY_DIR / "events.csv"
    events.write_text(events.read_text(encoding="utf-8").replace(
        ",ukraine,claimed,One official statement", ",ukraine,corroborated,One official statement"), encoding="utf-8")
    result = run_step("rerun-validate", root)
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"events\.csv row \d+, column verification: 'corroborated'.*speaks for ukraine", result.stderr)


def test_the_parameter_command_passes_the_checks(tmp_path, monkeypatch):
    root = project_copy(tmp_path / "repo")
    assert run_step("rerun-copy", root).returncode == 0
    monkeypatch.chdir(root)  # --data-dir is a shell path, taken from the working directory
    command = shlex.split(block("rerun-parameters").replace("\\\n", " "))  # one command over two lines
    assert command[0] == ".venv/bin/pokrovsk"
    params = cli._book_params(Project(root), cli._parser().parse_args(command[1:]))
    assert params.as_of == dt.date(2025, 11, 1) and params.radius_km == 25
    assert Path(params.data_dir) == root / COPY_DIR


def test_the_notebook_parameters_are_the_books_and_pass_the_checks(tmp_path):
    assignments: dict = {}
    exec(block("rerun-notebook-parameters"), {}, assignments)
    assert set(assignments) <= set(BookParams.names())
    root = project_copy(tmp_path / "repo")
    assert run_step("rerun-copy", root).returncode == 0
    params = BookParams.from_mapping(assignments, root=root)  # data_dir, as in Jupyter, from the project root
    assert params.as_of == dt.date(2025, 11, 1) and params.radius_km == 25


def test_make_knows_the_guides_targets():
    for name in ("rerun-serve", "rerun-lab"):
        target = shlex.split(block(name))
        assert target[0] == "make"
        result = subprocess.run(["make", "-n", *target[1:]], cwd=REPO, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_following_the_guide_puts_the_new_event_in_the_book(tmp_path):
    root = project_copy(tmp_path / "repo")
    assert run_step("rerun-copy", root).returncode == 0
    add_example_rows(root / COPY_DIR)
    validated = run_step("rerun-validate", root)
    assert validated.returncode == 0 and validated.stdout.strip() == f"{root / COPY_DIR}: valid", \
        validated.stdout + validated.stderr
    built = run_step("rerun-build", root)
    assert built.returncode == 0, built.stdout + built.stderr

    event, source = example_event(), example_source()
    day = dt.date.fromisoformat(event["date"])
    assert json.loads((edition_source(root) / "book" / "edition" / "edition.json").read_text())["data_date"] == event["date"]
    site = edition_html(root)
    timeline = (site / "book" / "chapters" / "03_how_long.html").read_text(encoding="utf-8")
    assert f"Data as of {words.date(day)} · " in timeline
    assert event["title"] in timeline
    bibliography = (site / "book" / "data" / "bibliography.html").read_text(encoding="utf-8")
    assert f'id="source-{source["source_id"]}"' in bibliography and source["title"] in bibliography
    # The invented example lives in the guide and the reader's copy, never in the book's data.
    assert event["event_id"] not in (REPO / "data" / "events.csv").read_text(encoding="utf-8")
