"""Editions: the id, and the "What changed" page built from the git history of a data package."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from pokrovsk import editions

AS_OF = dt.date(2025, 12, 1)
DESCRIPTOR = {"name": "test", "resources": [
    {"name": "events", "path": "events.csv", "schema": {"primaryKey": "event_id",
                                                          "fields": [{"name": "event_id"}, {"name": "status"}]}},
    {"name": "places", "path": "places.csv", "schema": {"primaryKey": ["place_id", "lang"]}},
]}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for name, text in files.items():
        (repo / "data" / name).write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=Test", "-c", "user.email=test@example.org", "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "--short=7", "HEAD").strip()


@pytest.fixture()
def repo(tmp_path) -> Path:
    """A test repository whose first commit holds a small data package."""
    (tmp_path / "data").mkdir()
    (tmp_path / ".gitignore").write_text("book/edition/\n")
    git(tmp_path, "init", "-q")
    commit(tmp_path, {"datapackage.json": json.dumps(DESCRIPTOR),
                      "events.csv": "event_id,status\nev-1,claimed\nev-2,claimed\nev-3,confirmed\n",
                      "places.csv": "place_id,lang,name\npokrovsk,uk,Покровськ\npokrovsk,ru,Покровск\n"}, "first data")
    return tmp_path


def build_edition(repo: Path) -> tuple[str, list[str]]:
    said: list[str] = []
    editions.write_pages(repo, repo / "data", AS_OF, said.append)
    return (repo / editions.CHANGES_PAGE).read_text(encoding="utf-8"), said


def test_two_editions_from_two_commits_name_rows_added_changed_and_removed(repo):
    first_page, said = build_edition(repo)
    first = git(repo, "rev-parse", "--short=7", "HEAD").strip()
    assert said == []
    assert f"2025\\-12\\-01\\-{first}" in first_page
    assert "The first edition with data: 5 rows in 2 tables." in first_page

    second = commit(repo, {"events.csv": "event_id,status\nev-1,confirmed\nev-3,confirmed\nev-4,claimed\n",
                           "places.csv": "place_id,lang,name\npokrovsk,uk,Покровськ\npokrovsk,ru,Покровск\n"
                                         "pokrovsk,en,Pokrovsk\n"}, "second data")
    page, _ = build_edition(repo)
    assert json.loads((repo / editions.EDITION_FILE).read_text())["id"] == f"2025-12-01-{second}"
    newest, older = page.split(f"commit `{second}`")[1].split(f"commit `{first}`")
    assert "**events** (rows named by `event_id`): 1 added, 1 changed, 1 removed" in newest
    assert "- Added: `ev-4`" in newest
    assert "- Changed `ev-1`: `status` `claimed` → `confirmed`" in newest
    assert "- Removed: `ev-2`" in newest
    assert "**places** (rows named by `place_id, lang`): 1 added" in newest
    assert "- Added: `pokrovsk, en`" in newest
    assert "The first edition with data" in older


def test_a_new_column_is_reported_once_not_as_a_change_to_every_row(repo):
    commit(repo, {"events.csv": "event_id,status,confidence\nev-1,claimed,low\nev-2,claimed,low\nev-3,confirmed,high\n"},
           "add a column")
    page, _ = build_edition(repo)
    newest = page.split("## ")[1]
    assert "- Columns added: `confidence`" in newest
    assert "Changed" not in newest


def test_uncommitted_data_is_listed_first_and_marks_the_edition(repo):
    (repo / "data" / "events.csv").write_text("event_id,status\nev-1,claimed\nev-2,claimed\n", encoding="utf-8")
    page, _ = build_edition(repo)
    assert page.index("changes not yet committed") < page.index("The first edition")
    assert "- Removed: `ev-3`" in page
    assert json.loads((repo / editions.EDITION_FILE).read_text())["id"].endswith("-uncommitted")


def test_without_git_the_page_shows_this_edition_only_and_the_build_is_told_once(repo, monkeypatch):
    monkeypatch.setenv("PATH", str(repo / "no-git-here"))
    page, said = build_edition(repo)
    assert len(said) == 1 and "history unavailable" in said[0] and "git is not installed" in said[0]
    assert "2025\\-12\\-01\\-local" in page
    assert "## " not in page


def test_outside_a_checkout_the_edition_is_local(tmp_path):
    (tmp_path / "data").mkdir()
    page, said = build_edition(tmp_path)
    assert "not a git checkout" in said[0]
    assert json.loads((tmp_path / editions.EDITION_FILE).read_text())["id"] == "2025-12-01-local"


def test_report_error_goes_to_the_issues_or_else_the_contact_address():
    assert editions.report_error_url("https://github.com/o/pokrovsk/", "a@b.org") == "https://github.com/o/pokrovsk/issues"
    assert editions.report_error_url("", "a@b.org") == "mailto:a@b.org"
    assert editions.report_error_url("", "") is None
