"""Sibling pages share the theme's sidebar navigation (pokrovsk.sidebar_navigation): every page
must still get exactly the sidebar the theme itself would give it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from pokrovsk.sidebar_navigation import CONFIG_VALUE, moved_mark

PAGES = {
    "index": "Home\n====\n\n.. toctree::\n   :caption: Chapters\n\n   chapters/one\n   chapters/two\n"
             "   chapters/three\n   glossary\n\n.. toctree::\n   :caption: Evidence\n\n   limits\n   data/index\n"
             "   data/corrections\n\n.. toctree::\n   :caption: About\n\n   about\n   rerun\n",
    "chapters/one": "One\n===\n\nFirst chapter.\n\nA section\n---------\n\nText.\n",
    "chapters/two": "Two\n===\n\nSecond chapter.\n",
    "chapters/three": "Three\n=====\n\nThird chapter.\n",
    "glossary": "Glossary\n========\n\nWords.\n",
    "limits": "Limits\n======\n\nWhat we cannot know.\n",
    "data/index": "Data\n====\n\n.. toctree::\n   :glob:\n\n   sets/*\n   bibliography\n",
    "data/sets/alpha": "Alpha & co\n==========\n\nA table.\n",
    "data/sets/beta": "Beta\n====\n\nA table.\n",
    "data/sets/gamma": "Gamma\n=====\n\nA table.\n",
    "data/bibliography": "Bibliography\n============\n\nSources.\n",
    "data/corrections": "Corrections\n===========\n\nNone yet.\n",
    "about": "About\n=====\n\nWho we are.\n",
    "rerun": "Re-run\n======\n\nHow to.\n",
    "extras/handout": ":orphan:\n\nHandout\n=======\n\nNot in any table of contents.\n",
    "extras/answers": ":orphan:\n\nAnswers\n=======\n\nNot in any table of contents.\n",
}


def small_book(root: Path) -> Path:
    source = root / "source"
    for name, text in PAGES.items():
        (source / f"{name}.rst").parent.mkdir(parents=True, exist_ok=True)
        (source / f"{name}.rst").write_text(text)
    (source / "conf.py").write_text('html_theme = "sphinx_book_theme"\nextensions = ["pokrovsk.sidebar_navigation"]\n')
    return source


def build(source: Path, output: Path, *options: str) -> str:
    completed = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", *options, str(source), str(output)],
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def html_pages(output: Path) -> dict[str, str]:
    return {page.relative_to(output).as_posix(): page.read_text(encoding="utf-8") for page in output.rglob("*.html")
            if not page.relative_to(output).parts[0].startswith(("_static", ".doctrees"))}


def test_every_page_gets_the_sidebar_the_theme_would_give_it(tmp_path):
    source = small_book(tmp_path)
    log = build(source, tmp_path / "shared")
    build(source, tmp_path / "own", "-D", f"{CONFIG_VALUE}=0")
    shared, own = html_pages(tmp_path / "shared"), html_pages(tmp_path / "own")
    assert shared.keys() == own.keys() and len(shared) >= len(PAGES)
    different = [page for page in shared if shared[page] != own[page]]
    assert not different, different
    # The comparison means something only if the sidebar is there, marking the right page...
    marked = re.findall(r'<li class="toctree-l2 current active"><a class="current reference internal" href="#">'
                        r'([^<]*)</a>', shared["data/sets/beta.html"])
    assert marked == ["Beta"]
    assert '<a class="reference internal" href="alpha.html">Alpha &amp; co</a>' in shared["data/sets/beta.html"]
    # ... and only if the sidebar was indeed shared.
    worked_out, pages = map(int, re.search(r"sidebar navigation: worked out (\d+) times for (\d+) pages", log).groups())
    # Once per group: the root page; chapters/*; glossary; limits; about and rerun; data/index;
    # data/corrections; data/sets/*; data/bibliography; extras/*; genindex and search.
    assert (pages, worked_out) == (len(shared), 11)


NAVIGATION = ('<ul class="nav bd-sidenav">\n'
              '<li class="toctree-l1 current active"><a class="current reference internal" href="#">One</a></li>\n'
              '<li class="toctree-l1"><a class="reference internal" href="two.html">Two</a></li>\n</ul>')


def test_the_mark_moves_to_the_sibling_page():
    moved = moved_mark(NAVIGATION, shown_href="one.html", page_href="two.html", listed=True)
    assert moved == ('<ul class="nav bd-sidenav">\n'
                     '<li class="toctree-l1"><a class="reference internal" href="one.html">One</a></li>\n'
                     '<li class="toctree-l1 current active"><a class="current reference internal" href="#">Two</a></li>'
                     '\n</ul>')


def test_a_sidebar_whose_marks_are_not_where_the_theme_puts_them_is_not_copied():
    assert moved_mark(NAVIGATION, "one.html", "three.html", listed=True) is None  # the page is not listed
    twice = NAVIGATION.replace("</ul>", '<li class="toctree-l1"><a class="reference internal" href="two.html">Two</a>'
                                        '</li>\n</ul>')
    assert moved_mark(twice, "one.html", "two.html", listed=True) is None
    unmarked = NAVIGATION.replace(" current active", "").replace("current reference internal", "reference internal")
    assert moved_mark(unmarked, "one.html", "two.html", listed=True) is None
    assert moved_mark(NAVIGATION, "one.html", "two.html", listed=False) is None  # a page outside marks nothing
    assert moved_mark(NAVIGATION, "one.html", 'a"b.html', listed=True) is None  # an href the markup would escape


def test_every_page_of_the_book_gets_the_sidebar_the_theme_would_give_it(built_book, tmp_path, monkeypatch):
    """The same edition tree built twice, side by side: with the sidebar shared, and with the theme's own."""
    from pokrovsk import data
    from pokrovsk.build import SphinxRun
    from pokrovsk.paths import PROJECT_ENV, Project
    from pokrovsk.staging import EditionTree

    monkeypatch.setenv(PROJECT_ENV, str(built_book))
    edition = EditionTree.of(Project(built_book), "en")
    runs = {}
    for shared in (True, False):
        # The generated pages link to the data by relative paths: the copy sits where the tree sits.
        project = tmp_path / f"shared-{shared}"
        project.mkdir()
        for entry in built_book.iterdir():
            if entry.name not in (".cache", "_build"):
                (project / entry.name).symlink_to(entry)
        root = project / edition.root.relative_to(built_book)
        shutil.copytree(edition.root, root, symlinks=True)
        config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
        config["sphinx"]["config"][CONFIG_VALUE] = shared
        (root / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        runs[shared] = SphinxRun(EditionTree("en", root, project / "work"), data.latest_date(built_book / "data"))
    shared, own = (html_pages(runs[shared].result()) for shared in (True, False))
    assert shared.keys() == own.keys() and len(shared) > 40
    assert [page for page in shared if shared[page] != own[page]] == []
    assert '<a class="current reference internal" href="#">' in shared["book/data/datasets/places.html"]
