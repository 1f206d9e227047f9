"""From a page to its notebook and its source: the buttons pokrovsk.sharing puts at the top of
each page, as the book's _config.yml asks for them (the built pages are checked in
tests/test_sharing.py)."""

from __future__ import annotations

import copy
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from conftest import REPO
from pokrovsk.sharing import Repository, book_config, committed_source, header_buttons

FORK = "https://github.com/someone/pokrovsk-fork"


def published_config(**changes) -> dict:
    """The committed _config.yml with the repository named, as a fork would publish it."""
    config = copy.deepcopy(book_config(REPO))
    config["repository"] = {**(config.get("repository") or {}), "url": FORK}
    for section, values in changes.items():
        config[section] = {**(config.get(section) or {}), **values}
    return config


def links(buttons: list[dict]) -> dict[str, str]:
    return {link["text"]: link["url"] for group in buttons for link in group["buttons"]}


def toc_pages() -> list[str]:
    """Every file the table of contents names (without suffix), globs left out."""
    def walk(entries):
        for entry in entries:
            if "file" in entry:
                yield entry["file"]
            yield from walk(entry.get("sections", []))
    toc = yaml.safe_load((REPO / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"], *(page for part in toc["parts"] for page in walk(part["chapters"]))]


def test_the_committed_book_names_no_repository_so_only_the_download_is_offered():
    assert Repository.from_book_config(book_config(REPO)) is None
    assert links(header_buttons("book/chapters/02_why", ".ipynb", "Why", None)) == {
        "Download the notebook": "notebooks/02_why.ipynb"}
    assert header_buttons("book/about", ".md", "About this book", None) == []


def test_with_a_repository_a_chapter_runs_its_committed_notebook_on_binder_and_colab():
    repository = Repository.from_book_config(published_config())
    found = links(header_buttons("book/chapters/02_why", ".ipynb", "Why Russia wants Pokrovsk", repository))
    assert found["Binder"] == "https://mybinder.org/v2/gh/someone/pokrovsk-fork/main?urlpath=lab/tree/notebooks/02_why.ipynb"
    assert found["Colab"] == ("https://colab.research.google.com/github/someone/pokrovsk-fork/blob/main/"
                              "notebooks/02_why.ipynb")
    assert found["Suggest an edit"] == f"{FORK}/edit/main/notebooks/02_why.ipynb"
    assert (REPO / "notebooks" / "02_why.ipynb").is_file()
    issue = urlsplit(found["Report an error"])
    assert f"{issue.scheme}://{issue.netloc}{issue.path}" == f"{FORK}/issues/new"
    assert parse_qs(issue.query)["title"] == ["Error on the page “Why Russia wants Pokrovsk”"]


def test_every_edit_link_points_at_a_committed_file_and_generated_pages_have_none():
    repository = Repository.from_book_config(published_config(repository={"branch": "gh-pages-src"}))
    checked = 0
    for page in toc_pages():
        suffix = ".ipynb" if page.startswith("book/chapters/") else ".md"
        source = committed_source(page, suffix)
        edit = links(header_buttons(page, suffix, page, repository)).get("Suggest an edit")
        if page.startswith(("book/data/", "book/edition/")):
            assert source is None and edit is None, page
            continue
        assert (REPO / source).is_file(), f"{page}: {source} is not in the repository"
        assert edit == f"{FORK}/edit/gh-pages-src/{source}"
        checked += 1
    assert checked >= 8


def test_the_config_turns_each_link_off():
    repository = Repository.from_book_config(published_config(
        html={"use_edit_page_button": False}, launch_buttons={"colab_url": ""}))
    found = links(header_buttons("book/chapters/01_where", ".ipynb", "Where", repository))
    assert set(found) == {"Download the notebook", "Binder", "Report an error"}
    repository = Repository.from_book_config(published_config(html={"use_edit_page_button": False,
                                                                     "use_issues_button": False}))
    assert header_buttons("book/about", ".md", "About", repository) == []


def test_outside_github_binder_takes_the_git_url_and_colab_is_left_out():
    repository = Repository.from_book_config({**published_config(), "repository": {"url": "https://gitlab.com/a/b"}})
    found = links(header_buttons("book/chapters/01_where", ".ipynb", "Where", repository))
    assert found["Binder"].startswith("https://mybinder.org/v2/git/https%3A%2F%2Fgitlab.com%2Fa%2Fb/main?")
    assert "Colab" not in found


def test_an_unknown_notebook_interface_is_named():
    with pytest.raises(ValueError, match="launch_buttons.notebook_interface is 'retro'"):
        Repository.from_book_config(published_config(launch_buttons={"notebook_interface": "retro"}))
