"""What the browser tests share: the built book served on 127.0.0.1, one Chromium, page helpers.

Browser test modules use the `site` and `browser` fixtures (from conftest) and these helpers.
The site holds one edition per language (``_build/html/<language>/``): `site` is one edition,
its tests run for each; `site_root` is the whole site, with the root page that chooses."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import urlparse

from pokrovsk.params import LANGUAGES
from pokrovsk.paths import Project
from pokrovsk.staging import EditionTree

EDITIONS = LANGUAGES


def site_html(root: Path) -> Path:
    """The published site of the project at ``root``: the root page and every edition."""
    return root / "_build" / "html"


def edition_html(root: Path, language: str = "en") -> Path:
    """One edition of the published site of the project at ``root``."""
    return site_html(root) / language


def edition_source(root: Path, language: str = "en") -> Path:
    """The Sphinx source tree the build put one edition together in: its executed notebooks
    (book/chapters), generated pages (book/data, book/front) and edition record (book/edition)."""
    return EditionTree.of(Project(root), language).root


def switch_targets(html: Path, language: str, name: str) -> list[tuple[str, str, str, str]]:
    """(resolved target, hreflang, lang, text) of every language switch on one page of the site
    at ``html``."""
    text = (html / language / name).read_text(encoding="utf-8")
    found = re.findall(r'<a class="btn pk-language" href="([^"]+)" hreflang="([^"]+)" lang="([^"]+)"[^>]*>([^<]+)</a>', text)
    return [(posixpath.normpath(posixpath.join(posixpath.dirname(f"{language}/{name}"), href)), hreflang, lang, label)
            for href, hreflang, lang, label in found]


def pages_of(html: Path) -> list[str]:
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if not p.relative_to(html).parts[0].startswith("_"))


def content_pages(html: Path) -> list[str]:
    """Pages with content of their own: not the redirect stub that index.html is (it navigates
    away at once, so a script run on it would race the navigation)."""
    return [name for name in pages_of(html) if 'http-equiv="refresh"' not in (html / name).read_text().lower()]


def visit(browser, url: str):
    """Load a page; return what it requested off this machine, console errors and the page."""
    page = browser.new_page()
    foreign, errors = [], []
    page.on("request", lambda request: foreign.append(request.url)
            if urlparse(request.url).hostname not in ("127.0.0.1", None) and not request.url.startswith("data:") else None)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(url, wait_until="load")
    return page, response, foreign, errors


DRAWN_CHARTS = "[...document.querySelectorAll('.plotly-graph-div')].filter(d => d.querySelector('svg.main-svg')).length"


def draw_every_chart(page) -> None:
    """Bring every chart outside closed folds to the screen in turn, as a reader scrolling down
    does, and wait until each is drawn: charts are drawn only when they near the screen."""
    for chart in page.locator(".plotly-graph-div").all():
        if chart.evaluate("node => !node.closest('details:not([open])')"):
            chart.scroll_into_view_if_needed()
            page.wait_for_function("node => node.querySelector('svg.main-svg')", arg=chart.element_handle(),
                                   timeout=15000)


def open_laid_out(context, url: str):
    """A page as a reader finally sees it: loaded, fonts in, every chart outside a closed fold
    drawn at its size. Returns the page and how many charts are shown."""
    page = context.new_page()
    page.goto(url, wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    shown = page.locator(".plotly-graph-div").count() - page.locator("details:not([open]) .plotly-graph-div").count()
    draw_every_chart(page)
    page.wait_for_function(f"{DRAWN_CHARTS} >= {shown}", timeout=15000)
    return page, shown
