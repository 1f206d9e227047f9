"""What makes a notebook run again, and what does not."""

import hashlib
import json
import os
import shutil

import pytest

from conftest import append_text, copy_repo
from pokrovsk.cache_keys import DEPENDENCIES_FILE, PACKAGE_DIR, InputFiles, package_fingerprint
from pokrovsk.execute import _is_cached, plan_jobs
from pokrovsk.paths import Project
from pokrovsk.data import content_hash
from pokrovsk.params import BookParams


@pytest.fixture()
def project(tmp_path):
    return Project(copy_repo(tmp_path / "repo"))


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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


@pytest.fixture()
def package(tmp_path):
    import pokrovsk

    copy = tmp_path / "src" / "pokrovsk"
    shutil.copytree(os.path.dirname(pokrovsk.__file__), copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_a_record_holds_until_a_file_it_names_changes(project, package):
    data = project.root / "data"
    record = InputFiles.take(data, package).record({"modules": [str(package / "charts.py")],
                                                    "data": [str(data / "places.csv")]})
    assert record == {"modules": {"charts.py": sha256(package / "charts.py")},
                      "data": {"places.csv": sha256(data / "places.csv")}}
    append_text(data / "events.csv", "\n")
    append_text(package / "maps.py", "\n# edited\n")
    assert InputFiles.take(data, package).unchanged(record), "files the notebook did not use do not count"
    append_text(package / "charts.py", "\n# edited\n")
    assert not InputFiles.take(data, package).unchanged(record)


def test_an_edited_data_file_in_the_record_means_run_again(project, package):
    data = project.root / "data"
    record = InputFiles.take(data, package).record({"modules": [], "data": [str(data / "places.csv")]})
    append_text(data / "places.csv", "\n")
    assert not InputFiles.take(data, package).unchanged(record)


def test_a_removed_file_or_one_from_elsewhere_means_run_again(project, package, tmp_path):
    data = project.root / "data"
    elsewhere = tmp_path / "other.py"
    elsewhere.write_text("")
    inputs = InputFiles.take(data, package)
    assert not inputs.unchanged(inputs.record({"modules": [str(elsewhere)], "data": []}))
    record = inputs.record({"modules": [str(package / "markup.py")], "data": []})
    (package / "markup.py").unlink()
    assert not InputFiles.take(data, package).unchanged(record)


def test_a_notebook_without_a_readable_record_runs(project):
    job = next(job for job in plan_jobs(project, BookParams.from_mapping({})) if job.stem == "01_where")
    assert not _is_cached(job), "a notebook never run"
    job.cache_entry.mkdir(parents=True)
    (job.cache_entry / "01_where.ipynb").write_text("{}")
    assert not _is_cached(job), "a result without a record (kept by an older build)"
    record = job.cache_entry / DEPENDENCIES_FILE
    for damaged in ("{not json", "[]", '{"modules": {}}', '{"modules": [], "data": []}'):
        record.write_text(damaged)
        assert not _is_cached(job), damaged
    record.write_text(json.dumps(job.inputs.record({"modules": [str(PACKAGE_DIR / "data.py")], "data": []})))
    assert _is_cached(job)


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
