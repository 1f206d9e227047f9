"""The pipeline end to end: a cold build, a no-op rebuild, failures that leave the old book."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import pokrovsk
from browsing import EDITIONS, edition_html, edition_source, site_html, switch_targets

pytestmark = pytest.mark.slow


@pytest.fixture()
def warm_copy(built_book, tmp_path) -> Path:
    """A private copy of the built project (cache and site included) that a test may break."""
    target = tmp_path / "repo"
    shutil.copytree(built_book, target, symlinks=True)
    return target


def site_snapshot(root: Path) -> dict[str, bytes]:
    html = site_html(root)
    return {p.relative_to(html).as_posix(): p.read_bytes() for p in html.rglob("*") if p.is_file()}


def test_cold_build_makes_a_strict_offline_book(built_book):
    html = site_html(built_book)
    assert (html / "index.html").is_file()
    for language in EDITIONS:
        assert (html / language / "book" / "chapters" / "01_where.html").is_file()
        assert (html / language / "_static" / "pokrovsk" / "plotly.min.js").is_file()
    for page in html.rglob("*.html"):
        text = page.read_text()
        for marker in ('src="http', "src='http", 'href="http://cdn', "cdn.plot.ly", "cdn.jsdelivr", "unpkg.com"):
            assert marker not in text, f"{page.name} loads {marker}"


def test_executed_chapters_hide_parameters_and_remove_code(built_book):
    executed = nbformat.read(edition_source(built_book) / "book" / "chapters" / "01_where.ipynb", as_version=4)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    parameter_cells = [c for c in code if {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
    assert len(parameter_cells) == 2
    assert all("remove-cell" in c.metadata["tags"] for c in parameter_cells)
    assert all("remove-input" in c.metadata["tags"] for c in code if c not in parameter_cells)
    page = (edition_html(built_book) / "book" / "chapters" / "01_where.html").read_text()
    assert "tile_timeout_s = " not in page  # neither parameters cell reaches the reader


def test_committed_notebooks_have_no_outputs_and_one_parameters_cell():
    from conftest import REPO

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), path.name
        assert sum("parameters" in c.metadata.get("tags", []) for c in code) == 1, path.name


def test_a_second_build_executes_nothing(warm_copy):
    before = site_snapshot(warm_copy)
    result = pokrovsk("build", cwd=warm_copy)
    assert result.returncode == 0, result.stderr
    assert "executed" not in result.stdout
    assert "cached" in result.stdout and "up to date" in result.stdout
    assert site_snapshot(warm_copy) == before


def test_a_changed_parameter_reexecutes_and_rebuilds(warm_copy):
    result = pokrovsk("build", "--param", "radius_km=25", cwd=warm_copy)
    assert result.returncode == 0, result.stderr
    assert "01_where: executed" in result.stdout
    page = (edition_html(warm_copy) / "book" / "chapters" / "01_where.html").read_text()
    assert "within 25 km" in page


def test_a_failing_cell_names_notebook_and_cell_and_keeps_the_old_book(warm_copy):
    before = site_snapshot(warm_copy)
    link_before = (warm_copy / "_build" / "html").readlink()
    path = warm_copy / "notebooks" / "01_where.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(4, nbformat.v4.new_code_cell("shares = 1 / 0"))
    nbformat.write(notebook, path)

    result = pokrovsk("build", cwd=warm_copy)
    assert result.returncode == 1
    assert "notebooks/01_where.ipynb: cell 5 raised ZeroDivisionError: division by zero" in result.stderr
    assert "Traceback" not in result.stderr
    assert (warm_copy / "_build" / "html").readlink() == link_before
    assert site_snapshot(warm_copy) == before


def test_a_broken_page_fails_the_strict_build_and_keeps_the_old_book(warm_copy):
    before = site_snapshot(warm_copy)
    toc = warm_copy / "_toc.yml"
    toc.write_text(toc.read_text() + "      - file: book/no_such_page\n")
    result = pokrovsk("build", cwd=warm_copy)
    assert result.returncode == 1
    assert "no_such_page" in result.stderr
    assert site_snapshot(warm_copy) == before


def test_run_executes_one_notebook_with_other_parameters(warm_copy, tmp_path):
    output = tmp_path / "where.ipynb"
    result = pokrovsk("run", "notebooks/01_where.ipynb", "--param", "radius_km=25", "--output", str(output),
                      cwd=warm_copy)
    assert result.returncode == 0, result.stderr
    executed = nbformat.read(output, as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert "radius_km = 25" in injected[0].source
    html_outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs
                    if "text/html" in o.get("data", {})]
    assert any("within 25 km" in o["data"]["text/html"] for o in html_outputs)
    assert any(p.suffix == ".png" for p in (tmp_path / "assets").rglob("*"))


def test_clean_makes_the_next_build_cold(warm_copy):
    result = pokrovsk("clean", cwd=warm_copy)
    assert result.returncode == 0
    assert not (warm_copy / "_build").exists() and not (warm_copy / ".cache" / "pokrovsk").exists()
    assert not (warm_copy / "book" / "chapters").exists()


def test_no_number_is_typed_into_a_notebook():
    """Numbers in the book come from data/: prose in notebooks carries none, and code cells pass
    no literal figures except in the parameters cell (which the build overrides) and the
    teachers' exercise values (which students are asked to change)."""
    import re

    from conftest import REPO

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for number, cell in enumerate(notebook.cells, start=1):
            if cell.cell_type == "markdown":
                assert not re.search(r"\d", cell.source), f"{path.name} cell {number}: {cell.source!r}"
            elif not {"parameters", "exercise-values"} & set(cell.metadata.get("tags", [])):
                code = re.sub(r"#.*", "", cell.source)
                assert not re.search(r"(?<![\w.])\d", code), f"{path.name} cell {number}: {cell.source!r}"


def test_an_output_the_book_cannot_show_fails_the_strict_build(warm_copy):
    """Plotly's default mimetype under papermill is silently dropped by Jupyter Book 1; strict
    mode must turn such a vanished figure into a failed build."""
    before = site_snapshot(warm_copy)
    path = warm_copy / "notebooks" / "01_where.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "from IPython.display import display\n"
        "display({'application/vnd.plotly.v1+json': {'data': [], 'layout': {}}}, raw=True)"))
    nbformat.write(notebook, path)
    result = pokrovsk("build", cwd=warm_copy)
    assert result.returncode == 1
    assert "application/vnd.plotly.v1+json" in result.stderr
    assert site_snapshot(warm_copy) == before


def test_every_notebook_declares_every_book_parameter():
    """papermill only warns about a parameter a notebook does not declare; the book treats it as a bug."""
    import ast

    from conftest import REPO
    from pokrovsk.params import BookParams

    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
        declared = {target.id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)
                    for target in node.targets if isinstance(target, ast.Name)}
        assert set(BookParams.names()) <= declared, f"{path.name} lacks {set(BookParams.names()) - declared}"


def switch_languages(root: Path, language: str) -> list[str]:
    return [hreflang for _, hreflang, _, _ in switch_targets(site_html(root), language, "book/intro.html")]


def test_a_page_links_only_to_the_editions_the_site_holds(warm_copy):
    shutil.rmtree(site_html(warm_copy).resolve() / "en")  # a site that never had the English edition
    result = pokrovsk("build", "--language", "uk", cwd=warm_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not edition_html(warm_copy, "en").exists()
    assert switch_languages(warm_copy, "uk") == []
    result = pokrovsk("build", cwd=warm_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert switch_languages(warm_copy, "uk") == ["en"] and switch_languages(warm_copy, "en") == ["uk"]


def test_sphinx_reads_the_other_pages_while_the_last_notebook_runs(warm_copy):
    """With a core free of notebooks, Sphinx starts at once and reads every page but the running
    chapter, which it reads as executed once the notebook is done."""
    shutil.rmtree(warm_copy / "_build" / ".work")  # Sphinx must read every page again
    path = warm_copy / "notebooks" / "03_how_long.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(8)\nprint('SLOW CELL DONE')"))
    nbformat.write(notebook, path)
    result = pokrovsk("build", "--language", "en", "--jobs", "2", cwd=warm_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    executed = max((warm_copy / ".cache" / "pokrovsk" / "executed").glob("03_how_long-*/03_how_long.ipynb"),
                   key=lambda p: p.stat().st_mtime)  # the result this build wrote
    about_read = warm_copy / "_build" / ".work" / "en" / "_build" / ".doctrees" / "book" / "about.doctree"
    assert about_read.stat().st_mtime < executed.stat().st_mtime - 4
    page = (edition_html(warm_copy) / "book" / "chapters" / "03_how_long.html").read_text()
    assert "SLOW CELL DONE" in page
