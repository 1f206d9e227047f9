"""What makes a notebook run again, and what does not."""

import os
import shutil

import pytest

from conftest import copy_repo
from pokrovsk.build import Project, package_fingerprint, plan_jobs
from pokrovsk.data import content_hash
from pokrovsk.params import BookParams


@pytest.fixture()
def project(tmp_path):
    return Project(copy_repo(tmp_path / "repo"))


def keys(project, **params):
    return {job.stem: job.key for job in plan_jobs(project, BookParams.from_mapping(params))}


def test_the_same_inputs_give_the_same_key(project):
    assert keys(project) == keys(project)


def test_editing_a_notebook_changes_only_its_key(project):
    before = keys(project)
    notebook = project.notebooks_dir / "01_where.ipynb"
    notebook.write_text(notebook.read_text().replace("Where is Pokrovsk?", "Where is Pokrovsk, exactly?"))
    after = keys(project)
    assert after["01_where"] != before["01_where"]
    assert {k: v for k, v in after.items() if k != "01_where"} == {k: v for k, v in before.items() if k != "01_where"}


def test_a_parameter_changes_the_key(project):
    assert keys(project, as_of="2025-06-01") != keys(project, as_of="2025-07-01")
    assert keys(project, radius_km=35) != keys(project)


def test_editing_a_data_file_changes_the_key(project):
    before = keys(project)
    places = project.root / "data" / "places.csv"
    places.write_text(places.read_text() + "\n")
    assert keys(project) != before


def test_touching_a_data_file_without_changing_it_keeps_the_key(project):
    before = keys(project)
    places = project.root / "data" / "places.csv"
    os.utime(places, (1, 1))
    assert keys(project) == before


def test_files_outside_the_inputs_do_not_matter(project):
    before = keys(project)
    (project.root / "README.md").write_text("changed\n")
    (project.root / "tests" / "test_new.py").write_text("# new\n")
    assert keys(project) == before


def test_another_data_dir_with_the_same_contents_gives_the_same_data_hash(project, tmp_path):
    copy = tmp_path / "mydata"
    shutil.copytree(project.root / "data", copy)
    assert content_hash(copy) == content_hash(project.root / "data")
    (copy / "events.csv").write_bytes((copy / "events.csv").read_bytes() + b"\n")
    assert content_hash(copy) != content_hash(project.root / "data")


def test_editing_package_code_changes_the_fingerprint(tmp_path):
    import pokrovsk

    package = tmp_path / "pokrovsk"
    shutil.copytree(os.path.dirname(pokrovsk.__file__), package, ignore=shutil.ignore_patterns("__pycache__"))
    before = package_fingerprint(package)
    (package / "charts.py").write_text((package / "charts.py").read_text() + "\n# changed\n")
    assert package_fingerprint(package) != before


def test_a_stylesheet_in_the_package_counts_too(tmp_path):
    import pokrovsk

    package = tmp_path / "pokrovsk"
    shutil.copytree(os.path.dirname(pokrovsk.__file__), package, ignore=shutil.ignore_patterns("__pycache__"))
    before = package_fingerprint(package)
    css = package / "static" / "pokrovsk-book.css"
    css.write_text(css.read_text() + "\n/* changed */\n")
    assert package_fingerprint(package) != before
