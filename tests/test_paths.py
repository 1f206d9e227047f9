"""Paths come from the project, never from the working directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, copy_repo
from pokrovsk import paths

SOURCES = REPO / "src" / "pokrovsk"


def without_project_settings() -> dict:
    return {k: v for k, v in os.environ.items() if k not in (paths.PROJECT_ENV, paths.CACHE_ENV)}


def test_a_process_started_in_an_unrelated_folder_finds_this_checkouts_data_and_caches(tmp_path):
    (tmp_path / "data").mkdir()  # a decoy: the working directory's data/ must not be used
    script = "from pokrovsk import paths; print(paths.project_root(), paths.data_dir(), paths.cache_dir('tiles'), sep='\\n')"
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            env=without_project_settings(), check=True)
    assert result.stdout.splitlines() == [str(REPO), str(REPO / "data"), str(REPO / ".cache" / "pokrovsk" / "tiles")]


def test_the_command_validates_this_checkouts_data_from_an_unrelated_folder(tmp_path):
    result = subprocess.run([sys.executable, "-m", "pokrovsk.cli", "data", "validate"], cwd=tmp_path,
                            capture_output=True, text=True, env=without_project_settings(), timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{REPO / 'data'}: valid"


def test_pokrovsk_project_names_another_checkout(tmp_path, monkeypatch):
    copy = copy_repo(tmp_path / "copy")
    monkeypatch.setenv(paths.PROJECT_ENV, str(copy))
    monkeypatch.delenv(paths.CACHE_ENV, raising=False)
    assert paths.project_root() == copy
    assert paths.data_dir() == copy / "data"
    assert paths.params_file() == copy / "book" / "params.yml"
    assert paths.cache_dir("plotlyjs") == copy / ".cache" / "pokrovsk" / "plotlyjs"
    assert paths.frontline_store_dir() == copy / "frontlines"


def test_a_folder_that_is_not_a_checkout_is_refused_by_name(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    monkeypatch.setenv(paths.PROJECT_ENV, str(tmp_path))
    with pytest.raises(paths.ProjectNotFound, match=f"{paths.PROJECT_ENV}={tmp_path} is not a checkout of the book"):
        paths.project_root()


def test_relative_paths_start_at_the_project_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.in_project("data/../data", REPO) == REPO / "data"
    assert paths.in_project(tmp_path / "elsewhere", REPO) == tmp_path / "elsewhere"
    assert paths.in_project("~/mine", REPO) == Path.home() / "mine"


def test_the_cache_folder_can_be_moved_as_a_whole(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.CACHE_ENV, str(tmp_path))
    assert paths.cache_dir() == tmp_path
    assert paths.cache_dir("boundaries") == tmp_path / "boundaries"


@pytest.mark.parametrize("lookup", [r"[\"']\.cache[\"'/]", r"os_cache", r"parents\[\d\]", r"POKROVSK_CACHE_DIR", r"Path\.home\(\)"])
def test_no_module_but_paths_looks_up_project_folders_itself(lookup):
    offenders = [str(path.relative_to(REPO)) for path in sorted(SOURCES.rglob("*.py"))
                 if path.name != "paths.py" and re.search(lookup, path.read_text(encoding="utf-8"))]
    assert offenders == []
