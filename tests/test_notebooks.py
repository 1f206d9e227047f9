"""The chapter notebooks as people open them: parameters declared once, and each notebook runs
unchanged from notebooks/ (as Jupyter runs it), from the repository root and from anywhere."""

from __future__ import annotations

import ast
import dataclasses
import shutil
from pathlib import Path

import nbformat
import papermill
import pytest
from nbclient import NotebookClient

from conftest import REPO
from pokrovsk import paths
from pokrovsk.chapter import Chapter
from pokrovsk.content import VALIDATED_ENV
from pokrovsk.params import BookParams, ParameterError, read_params_file

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
DEFAULTS = BookParams().for_notebook()


def test_book_params_yml_declares_the_same_names_and_defaults_as_book_params():
    assert read_params_file(REPO / "book" / "params.yml") == DEFAULTS


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_notebooks_parameters_cell_matches_book_params(notebook):
    declared = papermill.inspect_notebook(str(notebook))
    assert list(declared) == BookParams.names()
    assert {name: ast.literal_eval(value["default"]) for name, value in declared.items()} == DEFAULTS


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_notebook_hands_every_parameter_to_its_chapter_in_one_call(notebook):
    code = "\n".join(cell.source for cell in nbformat.read(notebook, as_version=4).cells if cell.cell_type == "code")
    assert "Chapter.open(" not in code
    assert "book = Chapter.from_notebook(globals())" in code


def test_a_notebook_that_forgets_a_parameter_is_told_which():
    namespace = BookParams().for_notebook()
    del namespace["frontlines"]
    with pytest.raises(ParameterError, match="parameters cell does not set frontlines"):
        Chapter.from_notebook(namespace)


def test_a_chapter_speaks_its_editions_language(monkeypatch):
    from pokrovsk import words

    monkeypatch.setattr(words, "_language", words.language())  # restored after the test
    Chapter.from_notebook(DEFAULTS | {"language": "uk"})
    assert words.language() == "uk" and words.say("site.title") == "Битва за Покровськ"
    Chapter.from_notebook(DEFAULTS)
    assert words.language() == "en"


def test_overrides_open_the_same_chapter_at_another_date():
    earlier = Chapter.from_notebook(DEFAULTS, as_of="2024-12-31")
    assert earlier.as_of.isoformat() == "2024-12-31"
    assert dataclasses.replace(earlier.params, as_of=None) == BookParams().resolved()


# --- running them, as Jupyter and papermill do ----------------------------------------------


@pytest.fixture
def outside_the_build(monkeypatch):
    """A kernel as a reader's Jupyter starts it: no build has validated the data or named the
    project or cache folder."""
    for name in (VALIDATED_ENV, paths.CACHE_ENV, paths.PROJECT_ENV):
        monkeypatch.delenv(name, raising=False)


def run_unchanged(notebook: Path, cwd: Path) -> nbformat.NotebookNode:
    executed = nbformat.read(notebook, as_version=4)
    NotebookClient(executed, kernel_name="python3", timeout=600,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return executed


def errors_in(executed: nbformat.NotebookNode) -> list[str]:
    return [f"{output.ename}: {output.evalue}" for cell in executed.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.output_type == "error"]


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_each_notebook_runs_unchanged_from_the_notebooks_folder(notebook, outside_the_build):
    executed = run_unchanged(notebook, REPO / "notebooks")
    assert errors_in(executed) == []
    assert any(output.output_type in ("display_data", "execute_result")
               for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs)


@pytest.mark.slow
def test_a_notebook_runs_unchanged_from_an_unrelated_folder(tmp_path, outside_the_build):
    (tmp_path / "data").mkdir()  # a decoy: data is found from the project, not the working directory
    executed = run_unchanged(REPO / "notebooks" / "01_where.ipynb", tmp_path)
    assert errors_in(executed) == []
    assert any((tmp_path / "assets").glob("*.png")), "the figures' files are written beside the run"


@pytest.mark.slow
def test_a_notebook_run_outside_the_build_still_validates_its_data(tmp_path, outside_the_build):
    broken = tmp_path / "data"
    shutil.copytree(REPO / "data", broken)
    with (broken / "sources.csv").open("a", encoding="utf-8") as sources:
        sources.write((REPO / "data" / "sources.csv").read_text(encoding="utf-8").splitlines()[-1] + "\n")
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        papermill.execute_notebook(str(REPO / "notebooks" / "01_where.ipynb"), str(tmp_path / "out.ipynb"),
                                   parameters={"data_dir": str(broken)}, cwd=str(tmp_path), progress_bar=False)
    assert failed.value.ename == "DataInvalid"
