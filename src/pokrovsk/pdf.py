"""A printable PDF of each edition of the book, made offline from the built site in ``_build/html``.

Debian's chromium (driven by Playwright; a browser is never downloaded) prints every page in
the order of ``_toc.yml`` with JavaScript disabled, so each chart shows the static PNG in its
``<noscript>`` (drawn at build time) and every ``<details>`` fold stays closed. A
print stylesheet hides the site's navigation. pypdf merges the pages into one file with a
bookmark per page (the parts named as the edition's navigation names them), written atomically
to ``_build/pdf/<language>/pokrovsk.pdf``.

The classroom kit's worksheets and answer sheets (HTML pages laid out for A4, which the For
teachers chapter writes into the built site) are printed the same way, one PDF each, into
``_build/pdf/<language>/worksheets/``.

    python -m pokrovsk.pdf                  # every edition, from anywhere inside the repository
    python -m pokrovsk.pdf --language uk    # one edition
"""

from __future__ import annotations

import argparse
import html
import io
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml

from pokrovsk.browser import CHROMIUM, CHROMIUM_ARGS, serve
from pokrovsk.params import LANGUAGES

PDF_NAME = "pokrovsk.pdf"
WORKSHEETS_DIR = "worksheets"
TEACHERS_SHEETS = "book/chapters/assets/06_teachers/worksheets"
"""Where the For teachers chapter writes the sheets in the built site (pokrovsk.chapters.teachers.lessons)."""
PAGE_TIMEOUT_MS = 60_000
EXIT_FAILED = 1
READABLE_BY_ALL = 0o644
# Without JavaScript the interactive chart is an empty box; its <noscript> image follows it.
# A folded code cell would print as a "Show code cell source" label that paper cannot open.
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 18mm 14mm; }
.bd-header, .bd-header-article, .bd-sidebar-primary, .bd-sidebar-secondary, .bd-footer,
.bd-footer-article, .bd-footer-content, .prev-next-area, .search-button, .search-button-field,
.theme-switch-button, .primary-toggle, .secondary-toggle, .article-header-buttons,
.header-article-items, .skip-link, #pst-back-to-top, .headerlink, .pk-chart, .pk-download,
details.hide.above-input, button, form, dialog { display: none !important; }
html, body, .bd-container, .bd-container__inner, .bd-page-width, .bd-main, .bd-content,
.bd-article-container, .bd-article { max-width: none !important; width: auto !important;
  margin: 0 !important; padding: 0 !important; overflow: visible !important; }
.pst-scrollable-table-container, .table-wrapper { overflow: visible !important; }
table { font-size: 0.8em; }
td, th { overflow-wrap: anywhere; }
img { max-width: 100% !important; height: auto !important; }
figure.pk-figure, .pk-figure img, tr { break-inside: avoid; }
h1, h2, h3, h4, dt, .pk-figure-title { break-inside: avoid; break-after: avoid; }
"""
ADD_STYLESHEET = """css => {
  const style = document.createElement('style');
  style.textContent = css;
  document.head.append(style);
}"""


class PdfError(RuntimeError):
    """The PDF cannot be made; the message says why, in one line."""


class ChromiumMissing(PdfError):
    """Debian's chromium is not installed."""


@dataclass(frozen=True)
class TocPage:
    """One page of the book: its HTML path under the site, where it sits, and its title."""

    path: str
    part: str | None
    depth: int
    title: str = ""


@dataclass(frozen=True)
class PdfResult:
    path: Path
    pages: int


# --- page order -----------------------------------------------------------------------------


PART_CAPTION = re.compile(r'<span class="caption-text">(.*?)</span>', re.S)


def _part_captions(toc: dict, html_dir: Path) -> dict[str, str]:
    """``_toc.yml``'s part captions as the built edition's navigation names them (translated in
    an edition of another language); as written when the navigation does not list them all."""
    captions = [part.get("caption") for part in toc.get("parts", []) if part.get("caption")]
    root = html_dir / f"{toc['root']}.html"
    shown = [html.unescape(" ".join(found.split())) for found in PART_CAPTION.findall(root.read_text(encoding="utf-8"))
             ] if root.is_file() else []
    return dict(zip(captions, shown)) if len(shown) == len(captions) else {caption: caption for caption in captions}


def toc_pages(toc_file: Path, html_dir: Path) -> list[TocPage]:
    """Every page of the built site in the book's order, as ``_toc.yml`` lists them."""
    toc = yaml.safe_load(toc_file.read_text(encoding="utf-8"))
    pages = [TocPage(f"{toc['root']}.html", None, 0)]
    captions = _part_captions(toc, html_dir)
    for part in toc.get("parts", [{"chapters": toc.get("chapters", [])}]):
        caption = part.get("caption")
        pages += _entries(part.get("chapters", []), captions.get(caption, caption), 0, html_dir)
    missing = [page.path for page in pages if not (html_dir / page.path).is_file()]
    if missing:
        raise PdfError(f"pages listed in {toc_file.name} are not in {html_dir}: {', '.join(missing)}")
    return [TocPage(page.path, page.part, page.depth, page_title(html_dir / page.path)) for page in pages]


def _entries(entries: list[dict], part: str | None, depth: int, html_dir: Path) -> list[TocPage]:
    pages = []
    for entry in entries:
        if "file" in entry:
            pages.append(TocPage(f"{entry['file']}.html", part, depth))
        elif "glob" in entry:
            # Sphinx orders the documents a glob matches alphabetically, as sorted() does.
            matches = sorted(html_dir.glob(f"{entry['glob']}.html"))
            pages += [TocPage(match.relative_to(html_dir).as_posix(), part, depth) for match in matches]
        pages += _entries(entry.get("sections", []), part, depth + 1, html_dir)
    return pages


class _HeadingParser(HTMLParser):
    """The text of the first <h1>, without its permalink sign, and the <title> as a fallback."""

    def __init__(self) -> None:
        super().__init__()
        self.heading: list[str] = []
        self.title: list[str] = []
        self._in_heading = self._in_title = self._done = False
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "h1" and not self._done:
            self._in_heading = True
        elif tag == "title":
            self._in_title = True
        elif self._in_heading and tag == "a" and "headerlink" in (dict(attrs).get("class") or ""):
            self._skip_depth += 1

    def handle_endtag(self, tag):
        if tag == "h1" and self._in_heading:
            self._in_heading, self._done = False, True
        elif tag == "title":
            self._in_title = False
        elif tag == "a" and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data):
        if self._in_heading and not self._skip_depth:
            self.heading.append(data)
        elif self._in_title:
            self.title.append(data)


def page_title(html_file: Path) -> str:
    parser = _HeadingParser()
    parser.feed(html_file.read_text(encoding="utf-8"))
    heading = " ".join("".join(parser.heading).split())
    return heading or " ".join("".join(parser.title).split()).split(" — ")[0] or html_file.stem


# --- printing -------------------------------------------------------------------------------


def require_chromium() -> None:
    if not CHROMIUM.exists():
        raise ChromiumMissing(f"{CHROMIUM} not found: apt-get install chromium")


def print_pages(pages: list[TocPage], base_url: str) -> list[bytes]:
    """One A4 PDF per page, printed by chromium without JavaScript."""
    from playwright.sync_api import sync_playwright

    printed = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(java_script_enabled=False)
            tab = context.new_page()
            for page in pages:
                response = tab.goto(f"{base_url}/{page.path}", wait_until="load", timeout=PAGE_TIMEOUT_MS)
                if response is None or not response.ok:
                    raise PdfError(f"{page.path}: the local server answered {response and response.status}")
                # add_style_tag() hangs without JavaScript (it waits for the style's load event);
                # evaluate() still works, as the switch only stops the page's own scripts.
                tab.evaluate(ADD_STYLESHEET, PRINT_CSS)
                printed.append(tab.pdf(format="A4", print_background=True, prefer_css_page_size=True))
        finally:
            browser.close()
    return printed


# --- merging --------------------------------------------------------------------------------


def merge(pages: list[TocPage], printed: list[bytes], output: Path) -> int:
    """One PDF with a bookmark per page (under its part), written atomically. Returns its page count."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    parts: dict[str, object] = {}
    parents: list[object] = []  # parents[d] is the latest bookmark at depth d within the part
    for page, pdf in zip(pages, printed, strict=True):
        first = len(writer.pages)
        writer.append(PdfReader(io.BytesIO(pdf)), import_outline=False)
        if page.part is not None and page.part not in parts:
            parts[page.part] = writer.add_outline_item(title=page.part, page_number=first)
        parent = parents[page.depth - 1] if page.depth else parts.get(page.part)
        item = writer.add_outline_item(title=page.title, page_number=first, parent=parent)
        parents[page.depth:] = [item]
    writer.page_mode = "/UseOutlines"
    writer.add_metadata({"/Title": pages[0].title, "/Creator": "pokrovsk.pdf"})
    _write_atomically(output, writer.write)
    return len(writer.pages)


def _write_atomically(output: Path, write) -> None:
    """``write(stream)`` into a temporary file beside ``output``, renamed over it once complete,
    so a failed run leaves the previous file."""
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{output.name}-", suffix=".tmp", dir=output.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, READABLE_BY_ALL)  # mkstemp makes it private to its owner
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def edition_html(root: Path, language: str) -> Path:
    return (root / "_build" / "html" / language).resolve()


def built_editions(root: Path) -> list[str]:
    return [language for language in LANGUAGES if (edition_html(root, language) / "index.html").is_file()]


def make_pdf(root: Path, output: Path | None = None, language: str = "en") -> PdfResult:
    """Print the edition in ``language`` built under ``root/_build/html`` into one PDF (default
    ``_build/pdf/<language>/pokrovsk.pdf``)."""
    require_chromium()
    html_dir = edition_html(root, language)
    if not (html_dir / "index.html").is_file():
        raise PdfError(f"no built {language} edition in {html_dir}: run 'make book' first")
    output = output or root / "_build" / "pdf" / language / PDF_NAME
    pages = toc_pages(root / "_toc.yml", html_dir)
    with serve(html_dir) as base_url:
        printed = print_pages(pages, base_url)
    return PdfResult(output, merge(pages, printed, output))


def make_worksheets(root: Path, output_dir: Path | None = None, language: str = "en") -> list[Path]:
    """Print every lesson's worksheet and answer sheet of the edition in ``language`` built under
    ``root/_build/html`` into one PDF each (default ``_build/pdf/<language>/worksheets/``).
    Returns the files written."""
    from pokrovsk.chapters.teachers.lessons import LESSONS, SHEET_KINDS, sheet_file

    require_chromium()
    html_dir = edition_html(root, language)
    names = [sheet_file(lesson, kind) for lesson in LESSONS for kind in SHEET_KINDS]
    pages = [TocPage(f"{TEACHERS_SHEETS}/{name}.html", None, 0) for name in names]
    missing = [page.path for page in pages if not (html_dir / page.path).is_file()]
    if missing:
        raise PdfError(f"sheets missing from the built book in {html_dir} (run 'make book'): {', '.join(missing)}")
    output_dir = output_dir or root / "_build" / "pdf" / language / WORKSHEETS_DIR
    with serve(html_dir) as base_url:
        printed = print_pages(pages, base_url)
    written = []
    for name, pdf in zip(names, printed, strict=True):
        _write_atomically(output_dir / f"{name}.pdf", lambda stream, pdf=pdf: stream.write(pdf))
        written.append(output_dir / f"{name}.pdf")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pokrovsk.pdf", description=__doc__.splitlines()[0])
    parser.add_argument("--language", choices=LANGUAGES, help="print this edition only (default: every edition built)")
    parser.add_argument("--output", type=Path, metavar="FILE.pdf",
                        help=f"with --language: where the book goes (default: _build/pdf/<language>/{PDF_NAME})")
    args = parser.parse_args(argv)
    if args.output is not None and args.language is None:
        parser.error("--output names one file: choose its edition with --language")
    from pokrovsk.build import BuildError
    from pokrovsk.paths import Project

    try:
        require_chromium()  # before anything else, so that the one line says what to install
        root = Project.find().root
        languages = [args.language] if args.language else built_editions(root)
        if not languages:
            raise PdfError(f"no built book in {root / '_build' / 'html'}: run 'make book' first")
        for language in languages:
            result = make_pdf(root, args.output, language)
            sheets = make_worksheets(root, language=language)
            print(f"{result.path} ({result.pages} pages)")
            print(f"{sheets[0].parent}/ ({len(sheets)} worksheets and answer sheets)")
    except (PdfError, BuildError) as error:
        print(error, file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
