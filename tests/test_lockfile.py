"""requirements.lock against pyproject.toml: the committed pair agrees, and each kind of
disagreement is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO
from pokrovsk.lockfile import LOCK_FILE, disagreements, stamp


def test_the_committed_lock_was_compiled_from_the_current_pyproject():
    assert disagreements(REPO / LOCK_FILE, REPO / "pyproject.toml") == []


def test_every_target_installs_from_the_lock():
    makefile = (REPO / "Makefile").read_text()
    installs = [line.strip() for line in makefile.splitlines() if "-e ." in line or "-e '." in line]
    assert installs and all(line.startswith("$(INSTALL)") for line in installs if "[lock]" not in line), installs
    assert "--constraint $(LOCK)" in makefile


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    shutil.copy(REPO / LOCK_FILE, tmp_path / LOCK_FILE)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path / LOCK_FILE, tmp_path / "pyproject.toml"


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_a_changed_range_makes_the_lock_stale(pair):
    lock, pyproject = pair
    replace(pyproject, '"pandas>=2.2"', '"pandas>=2.3"')
    assert disagreements(lock, pyproject) == [f"{lock}: compiled from other dependency lists than {pyproject} (run `make lock`)"]


def test_a_new_dependency_missing_from_the_lock_is_named_even_after_a_stamp(pair):
    lock, pyproject = pair
    replace(pyproject, '"pyyaml>=6.0",', '"pyyaml>=6.0",\n    "toolz>=0.12",')
    stamp(lock, pyproject)
    assert disagreements(lock, pyproject) == [f"{lock}: toolz is not locked (run `make lock`)"]


def test_a_locked_version_outside_its_range_is_named(pair):
    lock, pyproject = pair
    replace(pyproject, '"plotly>=6.0,<8"', '"plotly>=6.0,<7"')
    stamp(lock, pyproject)
    problems = disagreements(lock, pyproject)
    assert len(problems) == 1 and "plotly==" in problems[0] and "<7" in problems[0]


def test_an_extra_counts_like_the_base_dependencies(pair):
    lock, pyproject = pair
    replace(lock, "\njupyterlab==", "\n# jupyterlab==")
    assert disagreements(lock, pyproject) == [f"{lock}: [lab] jupyterlab is not locked (run `make lock`)"]


def test_comments_and_layout_of_pyproject_do_not_stale_the_lock(pair):
    lock, pyproject = pair
    replace(pyproject, "[project.scripts]", "# the command line\n[project.scripts]")
    assert disagreements(lock, pyproject) == []
