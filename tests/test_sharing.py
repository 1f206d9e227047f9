"""Sharing, search, citing, on a built book: OpenGraph tags and share images on every page, the
edition in the footer; a sitemap, canonical URLs and absolute image URLs only when the book
names its address."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

from conftest import REPO, pokrovsk, processes_naming
from browsing import edition_html, edition_source
from pokrovsk import words

pytestmark = pytest.mark.slow
BASEURL = "https://example.org/pokrovsk/"
REPOSITORY = "https://github.com/example/pokrovsk"
META = re.compile(r'<meta (?:property|name)="([^"]+)" content="([^"]*)" />')


SPHINX_UTILITY_PAGES = {"search.html", "genindex.html"}
"""Made by Sphinx from no page of the book: nothing to share."""


PRINTABLE_SHEETS = "worksheets"
"""The classroom kit's sheets: standalone A4 pages for printing, linked from the lessons' pages."""


def pages(site: Path) -> list[Path]:
    return [p for p in site.rglob("*.html") if not p.relative_to(site).parts[0].startswith("_")
            and p.name not in SPHINX_UTILITY_PAGES and PRINTABLE_SHEETS not in p.relative_to(site).parts and 'http-equiv="Refresh"' not in p.read_text(encoding="utf-8")]


def tags(page: Path) -> dict[str, str]:
    return dict(META.findall(page.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def published_book(built_book, tmp_path_factory) -> Path:
    """The built book again, with the site's address and repository named in _config.yml
    (the executed notebooks come from the first build's cache)."""
    root = tmp_path_factory.mktemp("published") / "repo"
    shutil.copytree(built_book, root, symlinks=True)
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config["html"]["baseurl"] = BASEURL
    config["repository"] = {"url": REPOSITORY}
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    result = pokrovsk("build", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "executed" not in result.stdout
    return edition_html(root)


def test_every_page_carries_a_title_description_and_an_image_in_the_site(built_book):
    site = edition_html(built_book)
    for page in pages(site):
        found = tags(page)
        assert found.get("og:title") and found.get("og:description"), page.name
        assert found.get("twitter:card") == "summary_large_image", page.name
        image = found["og:image"]
        assert not image.startswith(("http:", "https:", "//")), f"{page.name}: {image}"
        assert (page.parent / image).resolve().is_file(), f"{page.name}: {image} is not in the site"


def test_a_chapter_shares_its_first_figure(built_book):
    page = edition_html(built_book) / "book" / "chapters" / "02_why.html"
    text = page.read_text(encoding="utf-8")
    first_figure = text[text.index('<figure class="pk-figure"'):]
    first_image = re.search(r'<img class="pk-(?:static|map)" src="([^"]+)"', first_figure).group(1)
    assert tags(page)["og:image"] == first_image
    assert first_image.endswith(".png")


def test_without_a_base_url_no_sitemap_and_no_canonical_link(built_book):
    site = edition_html(built_book)
    assert not (site / "sitemap.xml").exists()
    for page in pages(site):
        text = page.read_text(encoding="utf-8")
        assert 'rel="canonical"' not in text, page.name
        assert not any(v.startswith("http") for k, v in tags(page).items() if k.startswith("og:")), page.name


def test_the_footer_gives_data_date_build_date_and_edition_linking_what_changed(built_book):
    site = edition_html(built_book)
    edition = (edition_source(built_book) / "book" / "edition" / "edition.json").read_text()
    assert '"id": "' in edition and "-local" in edition  # the test copy is no git checkout
    as_of = re.search(r'"data_date": "([^"]+)"', edition).group(1)
    # The day the session's book was built, which a long test run may have left behind.
    built_on = dt.date.fromtimestamp((site / "index.html").stat().st_mtime)
    for page in pages(site):
        footer = re.search(rf'<p class="pk-edition">Data as of {words.date(as_of)} · Built on {words.date(built_on)} · '
                           r'Edition <a href="([^"]+)">([^<]+)</a>', page.read_text(encoding="utf-8"))
        assert footer, page.name
        linked = page if footer.group(1) == "#" else page.parent / footer.group(1)  # "#": the page itself
        assert linked.resolve() == (site / "book" / "edition" / "changes.html").resolve()
        assert footer.group(2).endswith("-local")
    changes = (site / "book" / "edition" / "changes.html").read_text(encoding="utf-8")
    assert "What changed" in changes and footer.group(2) in changes


def test_about_page_offers_a_citation_with_the_edition(built_book):
    about = (edition_html(built_book) / "book" / "about.html").read_text(encoding="utf-8")
    edition = re.search(r'"id": "([^"]+)"', (edition_source(built_book) / "book" / "edition" / "edition.json").read_text()).group(1)
    cite = about[about.index('id="cite-this-book"'):]
    assert "The Pokrovsk explainer contributors" in cite and "<em>The battle for Pokrovsk</em>" in cite
    assert f"edition {edition}" in cite


def test_with_a_base_url_sitemap_canonical_links_and_absolute_images(published_book):
    sitemap = (published_book / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{BASEURL}en/book/chapters/01_where.html</loc>" in sitemap
    page = published_book / "book" / "chapters" / "01_where.html"
    text = page.read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{BASEURL}en/book/chapters/01_where.html" />' in text
    found = tags(page)
    assert found["og:url"] == f"{BASEURL}en/book/chapters/01_where.html"
    for shared in pages(published_book):
        image = tags(shared)["og:image"]
        assert image.startswith(BASEURL), shared.name
        assert (published_book.parent / image.removeprefix(BASEURL)).is_file(), image
    assert urljoin(found["og:url"], "assets/") in tags(page)["og:image"]


def test_with_a_repository_readers_report_errors_as_issues(published_book):
    about = (published_book / "book" / "about.html").read_text(encoding="utf-8")
    assert f'href="{REPOSITORY}/issues"' in about
    assert f'Report an error</a>' in (published_book / "book" / "glossary.html").read_text(encoding="utf-8")
    assert BASEURL in about[about.index('id="cite-this-book"'):]


def test_citation_cff_is_valid_cff_1_2_0():
    result = subprocess.run([str(Path(sys.executable).parent / "check-jsonschema"), "--builtin-schema",
                             "vendor.citation-file-format", str(REPO / "CITATION.cff")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok" in result.stdout


HEADER_MENU = re.compile(r'<div class="dropdown dropdown-(pk-[a-z-]+)">(.*?)</ul>', re.DOTALL)
MENU_LINK = re.compile(r'<a href="([^"]+)"[^>]*>.*?<span class="btn__text-container">([^<]+)</span>', re.DOTALL)


def header_menus(page: Path) -> dict[str, dict[str, str]]:
    """The page's button menus (pokrovsk.sharing): {menu label: {link text: href}}."""
    return {label: {text: html.unescape(href) for href, text in MENU_LINK.findall(menu)}
            for label, menu in HEADER_MENU.findall(page.read_text(encoding="utf-8"))}


def test_a_chapter_offers_its_notebook_and_without_a_repository_nothing_links_off_the_site(built_book):
    site = edition_html(built_book)
    chapter = site / "book" / "chapters" / "03_how_long.html"
    assert header_menus(chapter) == {"pk-notebook-buttons": {"Download the notebook": "notebooks/03_how_long.ipynb"}}
    download = chapter.parent / "notebooks" / "03_how_long.ipynb"
    assert download.read_bytes() == (REPO / "notebooks" / "03_how_long.ipynb").read_bytes()
    assert header_menus(site / "book" / "about.html") == {}


def test_with_a_repository_chapters_open_their_notebook_online_and_pages_link_to_their_source(published_book):
    chapter = header_menus(published_book / "book" / "chapters" / "03_how_long.html")
    assert chapter["pk-notebook-buttons"] == {
        "Download the notebook": "notebooks/03_how_long.ipynb",
        "Binder": "https://mybinder.org/v2/gh/example/pokrovsk/main?urlpath=lab/tree/notebooks/03_how_long.ipynb",
        "Colab": "https://colab.research.google.com/github/example/pokrovsk/blob/main/notebooks/03_how_long.ipynb"}
    assert chapter["pk-repository-buttons"]["Suggest an edit"] == f"{REPOSITORY}/edit/main/notebooks/03_how_long.ipynb"
    assert chapter["pk-repository-buttons"]["Report an error"].startswith(f"{REPOSITORY}/issues/new?title=")
    about = header_menus(published_book / "book" / "about.html")
    assert about["pk-repository-buttons"]["Suggest an edit"] == f"{REPOSITORY}/edit/main/book/about.md"
    bibliography = header_menus(published_book / "book" / "data" / "bibliography.html")
    assert set(bibliography["pk-repository-buttons"]) == {"Report an error"}  # written by the build
    text = (published_book / "book" / "chapters" / "03_how_long.html").read_text(encoding="utf-8")
    menu = dict(HEADER_MENU.findall(text))["pk-notebook-buttons"]
    logos = re.findall(r'<img alt="[^"]*" src="([^"]+)"', menu)
    assert len(logos) == 2  # Binder's and Colab's, drawn from the site's own copies
    for logo in logos:
        assert (published_book / "book" / "chapters" / logo).resolve().is_file(), logo


def test_a_published_build_leaves_no_process_behind(published_book):
    """sphinx-sitemap, loaded once the site has an address, starts a process of its own; it ends
    with the build's Sphinx process."""
    import time

    root = str(published_book.parents[2])
    deadline = time.monotonic() + 15
    while processes_naming(root) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_naming(root) == []


def test_sphinx_shares_pages_without_importing_matplotlib_for_social_cards_the_book_leaves_off():
    script = ("import sys; from pokrovsk import sharing; sharing.without_social_cards(); import sphinxext.opengraph as og; "
              "print(og.create_social_card is None, og.DEFAULT_SOCIAL_CONFIG, 'matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "True {'enable': False} False"
