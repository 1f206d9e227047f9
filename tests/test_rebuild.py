"""A rebuild re-executes exactly the notebooks that used what changed: the package modules their
kernel imported, the word catalogs they looked up and the data files they read (pokrovsk.cache_keys.InputFiles)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import append_text, copy_repo, edit_cell, pokrovsk

pytestmark = pytest.mark.slow


def environment(root: Path) -> dict[str, str]:
    """The build and its kernels import this copy's own src/pokrovsk, so a test can edit it."""
    env = {name: value for name, value in os.environ.items()
           if name not in ("POKROVSK_CACHE_DIR", "POKROVSK_VALIDATED_DATA")}
    env["PYTHONPATH"] = str(root / "src")
    return env


def build(root: Path) -> set[str]:
    """Build the copy; return the notebooks the build's report says it executed (in any edition:
    each is reported as ``<language>/<notebook>``)."""
    result = pokrovsk("build", "--jobs", "2", cwd=root, env=environment(root))
    assert result.returncode == 0, result.stdout + result.stderr
    return set(re.findall(r"^\[\d+/\d+\] \w+/(\w+): executed", result.stdout, flags=re.M))


@pytest.fixture(scope="module")
def built_copy(tmp_path_factory) -> Path:
    root = copy_repo(tmp_path_factory.mktemp("rebuild") / "repo")
    assert len(build(root)) == 6, "the first build of a copy runs every notebook"
    return root


@pytest.fixture()
def project(built_copy, tmp_path) -> Path:
    """A private copy of the built project, at another path (records hold no absolute paths)."""
    target = tmp_path / "repo"
    shutil.copytree(built_copy, target, symlinks=True)
    return target


def test_editing_a_chapter_module_reexecutes_exactly_its_notebooks(project):
    append_text(project / "src" / "pokrovsk" / "chapters" / "why" / "facts.py", "\n# edited\n")
    assert build(project) == {"02_why", "06_teachers"}


def test_editing_a_shared_module_reexecutes_the_notebooks_that_import_it(project):
    append_text(project / "src" / "pokrovsk" / "boundaries.py", "\n# edited\n")
    assert build(project) == {"01_where", "04_what_next", "06_teachers"}


def test_editing_a_word_catalog_reexecutes_the_notebooks_that_say_its_words(project):
    append_text(project / "src" / "pokrovsk" / "words" / "en" / "why.yml", "\n# edited\n")
    assert build(project) == {"02_why", "06_teachers"}


def test_editing_a_data_table_reexecutes_exactly_the_notebooks_that_read_it(project):
    edit_cell(project / "data" / "battles.csv", {"battle_id": "mariupol", "variant": "main"},
              "verification_note", "Edited for a test.")
    assert build(project) == {"03_how_long", "06_teachers"}


def test_an_unrelated_edit_reexecutes_nothing(project):
    append_text(project / "benchmarks" / "build_times.py", "\n# edited\n")
    append_text(project / "src" / "pokrovsk" / "pdf.py", "\n# edited\n")  # no notebook imports it
    assert build(project) == set()
