"""requirements.lock against pyproject.toml: the committed pair agrees, and each kind of
disagreement is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO
from pokrovsk.lockfile import LOCK_FILE, disagreements, pins, stamp


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


LOCKED_PLOTLY = pins(REPO / LOCK_FILE)["plotly"][0]
STALE = "compiled from other dependency lists than {pyproject} (run `make lock`)"


@pytest.mark.parametrize("edited, old, new, restamped, expected", [
    # a changed range stales the lock
    ("pyproject.toml", '"pandas>=2.2"', '"pandas>=2.3"', False, [STALE]),
    # comments and layout do not
    ("pyproject.toml", "[project.scripts]", "# the command line\n[project.scripts]", False, []),
    # a stamp alone does not hide a dependency missing from the lock ...
    ("pyproject.toml", '"pyyaml>=6.0",', '"pyyaml>=6.0",\n    "toolz>=0.12",', True, ["toolz is not locked (run `make lock`)"]),
    # ... or a locked version outside its range
    ("pyproject.toml", '"plotly>=6.0,<8"', '"plotly>=6.0,<7"', True, [f"plotly=={LOCKED_PLOTLY} is outside <7,>=6.0"]),
    # an extra counts like the base dependencies
    (LOCK_FILE, "\njupyterlab==", "\n# jupyterlab==", False, ["[lab] jupyterlab is not locked (run `make lock`)"]),
])
def test_each_disagreement_is_named(pair, edited, old, new, restamped, expected):
    lock, pyproject = pair
    replace(lock.parent / edited, old, new)
    if restamped:
        stamp(lock, pyproject)
    assert disagreements(lock, pyproject) == [f"{lock}: {line.format(pyproject=pyproject)}" for line in expected]
