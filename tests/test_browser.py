"""The built book in real Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import QuietServer

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (apt-get install chromium)"),
]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Console messages we cannot remove at the source. Keep this short, and say why for each.
CONSOLE_ALLOWLIST: tuple[str, ...] = ()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built_book):
    html = (built_book / "_build" / "html").resolve()
    server = QuietServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def pages_of(html: Path) -> list[str]:
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if not p.relative_to(html).parts[0].startswith("_"))


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


def test_every_page_loads_offline_without_console_errors(site, browser):
    html, base = site
    pages = pages_of(html)
    assert "book/intro.html" in pages and "book/chapters/01_where.html" in pages
    for name in pages:
        page, response, foreign, errors = visit(browser, f"{base}/{name}")
        try:
            assert response.status == 200, name
            assert foreign == [], f"{name} requested {foreign}"
            unexpected = [e for e in errors if not any(allowed in e for allowed in CONSOLE_ALLOWLIST)]
            assert unexpected == [], f"{name}: {unexpected}"
        finally:
            page.close()


def test_every_chart_draws(site, browser):
    html, base = site
    chart_pages = [name for name in pages_of(html) if "plotly-graph-div" in (html / name).read_text()]
    assert chart_pages, "the book has no chart at all"
    for name in chart_pages:
        page, _, _, _ = visit(browser, f"{base}/{name}")
        try:
            expected = page.locator(".plotly-graph-div").count()
            page.wait_for_function(
                "n => document.querySelectorAll('.plotly-graph-div .main-svg').length >= n && "
                "[...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('svg.main-svg'))",
                arg=expected, timeout=15000)
            drawn = page.locator(".plotly-graph-div svg.main-svg").count()
            assert drawn >= expected > 0, name
        finally:
            page.close()


def test_plotly_js_is_loaded_only_on_chart_pages(site):
    html, _ = site
    for name in pages_of(html):
        text = (html / name).read_text()
        has_chart = "plotly-graph-div" in text
        assert ("plotly.min.js" in text) == has_chart, name
    assert len(list(html.rglob("plotly*.js"))) == 1
