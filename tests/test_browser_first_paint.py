"""Nothing in <head> holds back the first paint (pokrovsk.sphinx_ext): the theme's scripts wait
until the page is parsed, the search index comes with the search page alone, and the first
chart's image is asked for with the head. The theme keeps working: search (from the Ctrl+K
dialog and on the search page) and the copy buttons."""

from __future__ import annotations

import re

import pytest

from browsing import content_pages, pages_of

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

CHAPTER = "book/chapters/02_why.html"
SEARCH_WORD = "Avdiivka"
CODE_PAGE = "book/rerun.html"
"""Commands to copy."""
HEAD_SCRIPTS = re.compile(r"<script\b([^>]*)\ssrc=\"([^\"]+)\"", re.S)
RESOURCES = "performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)"


def head_of(page_html: str) -> str:
    return page_html[:page_html.index("</head>")]


def test_only_the_tiny_options_script_blocks_the_head_and_no_page_but_search_loads_the_index(site):
    html, _ = site
    for name in content_pages(html):
        head = head_of((html / name).read_text(encoding="utf-8"))
        blocking = [src for attributes, src in HEAD_SCRIPTS.findall(head)
                    if "defer" not in attributes and "async" not in attributes]
        if name == "search.html":
            assert any(src.endswith("searchindex.js") for src in blocking), blocking
        else:
            # The worksheets are pages of their own, without the theme or any script.
            expected = ["documentation_options.js"] if "/worksheets/" not in name else []
            assert [src.split("?")[0].rsplit("/", 1)[-1] for src in blocking] == expected, name
            assert "searchindex.js" not in head, name


def test_the_search_dialog_finds_words_on_the_search_page(english_site, browser):
    _, base = english_site
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{base}/{CHAPTER}", wait_until="load")
        assert not any(path.endswith("searchindex.js") for path in page.evaluate(RESOURCES))
        page.keyboard.press("Control+k")
        dialog_input = page.locator("#pst-search-dialog input[name=q]")
        assert dialog_input.evaluate("input => input === document.activeElement")
        dialog_input.fill(SEARCH_WORD)
        dialog_input.press("Enter")
        page.wait_for_url(f"**/search.html?q={SEARCH_WORD}*")
        results = page.locator("#search-results li a")
        results.first.wait_for(timeout=15000)
        assert results.count() > 1
        assert page.locator("#search-results").inner_text().count(SEARCH_WORD) > 0
    finally:
        context.close()


def test_the_first_chart_image_is_fetched_once_the_one_its_screen_shows(site, browser):
    """The preloaded image is the one the first chart's <picture> chooses, at phone and desktop
    widths: it is fetched once, and the other size not at all."""
    html, base = site
    chart_pages = [name for name in pages_of(html) if 'class="pk-preview"' in (html / name).read_text(encoding="utf-8")]
    assert "book/chapters/03_how_long.html" in chart_pages
    for name in chart_pages:
        for width in (390, 1280):
            context = browser.new_context(viewport={"width": width, "height": 800})
            try:
                page = context.new_page()
                page.goto(f"{base}/{name}", wait_until="load")
                shown = page.locator("img.pk-preview").first.evaluate("img => new URL(img.currentSrc).pathname")
                preloads = page.evaluate("[...document.querySelectorAll('link[rel=preload][as=image]')]"
                                         ".map(link => [new URL(link.href).pathname, matchMedia(link.media).matches])")
                assert [path for path, matches in preloads if matches] == [shown], (name, width)
                fetched = page.evaluate(RESOURCES)
                assert fetched.count(shown) == 1, (name, width)
                assert not any(path in fetched for path, matches in preloads if not matches), (name, width)
            finally:
                context.close()


def test_copy_buttons_still_come_with_the_theme_scripts_deferred(site, browser):
    """copybutton.js runs after clipboard.min.js, both deferred: every code block gets its button."""
    _, base = site
    context = browser.new_context()
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        page.goto(f"{base}/{CODE_PAGE}", wait_until="load")
        blocks = page.locator("div.highlight pre").count()
        assert blocks > 0
        page.wait_for_function(f"document.querySelectorAll('button.copybtn').length === {blocks}", timeout=15000)
        assert errors == []
    finally:
        context.close()
