"""The printable PDF (`make pdf`): every page of the built book, in order, with its images."""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import project_env
from browsing import EDITIONS, edition_html, edition_source
from pokrovsk import pdf

SITE_ONLY_PAGES = {"index.html", "genindex.html", "search.html"}  # a redirect and Sphinx's own pages


@pytest.fixture(scope="module")
def book_pdf(built_book):
    """The PDF printed from the session's built book by the real command."""
    result = subprocess.run([sys.executable, "-m", "pokrovsk.pdf"], cwd=built_book, env=project_env(built_book),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for language in EDITIONS:
        assert str(built_book / "_build" / "pdf" / language / "pokrovsk.pdf") in result.stdout
        assert str(built_book / "_build" / "pdf" / language / "worksheets") in result.stdout
    return built_book, PdfReader(built_book / "_build" / "pdf" / "en" / "pokrovsk.pdf")


def plain(text: str) -> str:
    """Text as a reader sees it: ligatures split (NFKC) and any run of whitespace one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def heading(lines: list[str]) -> str:
    return next(line[2:].strip() for line in lines if line.startswith("# "))


def notebook_title(path: Path) -> str:
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    source = first["source"] if isinstance(first["source"], str) else "".join(first["source"])
    return heading(source.splitlines())


class _Pictures(HTMLParser):
    """Maps and static charts outside <details>: a fold stays closed on paper, hiding its figures."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: set[str] = set()
        self._folds = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "details":
            self._folds += 1
        elif tag == "img" and not self._folds and attributes.get("class") in ("pk-map", "pk-static"):
            self.sources.add(attributes["src"])

    def handle_endtag(self, tag):
        if tag == "details":
            self._folds -= 1


def printed_pictures(html_file: Path) -> set[str]:
    parser = _Pictures()
    parser.feed(html_file.read_text(encoding="utf-8"))
    return parser.sources


def bookmarks(reader, outline=None) -> list[tuple[str, int]]:
    """Every bookmark, depth first, with its page number."""
    found = []
    for item in reader.outline if outline is None else outline:
        if isinstance(item, list):
            found += bookmarks(reader, item)
        else:
            found.append((item.title, reader.get_destination_page_number(item)))
    return found


def images_on(page) -> int:
    return _images(page.get("/Resources"))


def _images(resources) -> int:
    """Image XObjects drawn from these resources, including those inside form XObjects."""
    if resources is None:
        return 0
    objects = resources.get_object().get("/XObject")
    count = 0
    for xobject in (objects.get_object().values() if objects else []):
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Image":
            count += 1
        elif xobject.get("/Subtype") == "/Form":
            count += _images(xobject.get("/Resources"))
    return count


@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_pdf_holds_every_page_of_the_book_in_order(book_pdf):
    root, reader = book_pdf
    html = edition_html(root).resolve()
    site_pages = [p for p in html.rglob("*.html") if not p.relative_to(html).parts[0].startswith("_")
                  and p.relative_to(html).as_posix() not in SITE_ONLY_PAGES]
    assert len(reader.pages) >= len(site_pages)

    chapters = [notebook_title(path) for path in sorted((root / "notebooks").glob("*.ipynb"))]
    others = [heading((edition_source(root) / "book" / name).read_text(encoding="utf-8").splitlines())
              for name in ("glossary.md", "limitations.md", "data/index.md", "data/bibliography.md")]
    text = plain(" ".join(page.extract_text() for page in reader.pages))
    for title in chapters + others:
        assert plain(title) in text, f"{title!r} is not in the PDF"

    titles = [plain(title) for title, _ in bookmarks(reader)]
    assert all(plain(title) in titles for title in chapters + others), titles
    chapter_order = [titles.index(plain(title)) for title in chapters]
    assert chapter_order == sorted(chapter_order), "chapters are bookmarked out of order"


@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_chapter_pages_print_their_maps_and_static_charts(book_pdf):
    root, reader = book_pdf
    html = edition_html(root).resolve()
    starts = sorted({page for _, page in bookmarks(reader)} | {len(reader.pages)})
    marks: dict[str, int] = {}
    for title, page in bookmarks(reader):
        marks.setdefault(plain(title), page)
    pictured = 0
    for notebook in sorted((root / "notebooks").glob("*.ipynb")):
        pictures = printed_pictures(html / "book" / "chapters" / f"{notebook.stem}.html")
        first = marks[plain(notebook_title(notebook))]
        last = next(start for start in starts if start > first)
        drawn = sum(images_on(reader.pages[number]) for number in range(first, last))
        assert drawn >= len(pictures), f"{notebook.stem}: {drawn} images printed for {len(pictures)} figures"
        pictured += len(pictures)
    assert pictured > 0, "no chapter has a map or a static chart"


@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_each_edition_prints_its_own_book_and_sheets(book_pdf):
    root, english = book_pdf
    ukrainian = PdfReader(root / "_build" / "pdf" / "uk" / "pokrovsk.pdf")
    assert len(bookmarks(ukrainian)) == len(bookmarks(english))
    assert "Українська" not in " ".join(page.extract_text() for page in english.pages[:3])  # no language switch on paper
    for language in EDITIONS:
        sheets = sorted((root / "_build" / "pdf" / language / "worksheets").glob("*.pdf"))
        assert sheets and [sheet.name for sheet in sheets] == sorted(
            sheet.name for sheet in (root / "_build" / "pdf" / "en" / "worksheets").glob("*.pdf"))


def test_pages_follow_the_table_of_contents(tmp_path):
    html = tmp_path / "html"
    for name in ("intro", "a", "data/index", "data/sets/b", "data/sets/a", "data/bib", "z"):
        (html / f"{name}.html").parent.mkdir(parents=True, exist_ok=True)
        (html / f"{name}.html").write_text(f'<title>x</title><h1>Page {name}<a class="headerlink">#</a></h1>')
    toc = tmp_path / "_toc.yml"
    toc.write_text("root: intro\nparts:\n"
                   "  - caption: One\n    chapters:\n      - file: z\n      - file: a\n"
                   "  - caption: Two\n    chapters:\n      - file: data/index\n        sections:\n"
                   "          - glob: data/sets/*\n          - file: data/bib\n")
    pages = pdf.toc_pages(toc, html)
    assert [(p.path, p.part, p.depth) for p in pages] == [
        ("intro.html", None, 0), ("z.html", "One", 0), ("a.html", "One", 0), ("data/index.html", "Two", 0),
        ("data/sets/a.html", "Two", 1), ("data/sets/b.html", "Two", 1), ("data/bib.html", "Two", 1)]
    assert pages[-1].title == "Page data/bib"


def test_without_chromium_the_command_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(pdf, "CHROMIUM", tmp_path / "no-chromium")
    assert pdf.main([]) == pdf.EXIT_FAILED
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "apt-get install chromium" in error
