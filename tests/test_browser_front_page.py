"""The front page in Chromium at a desktop and a phone width: it shows the edition's as-of date in
its bottom line, the key-facts box and the hero map; the bottom line quotes no headline and the
map's caption names a few sources with the rest in a fold; and every map in the book opens at
full size from a click on it."""

from __future__ import annotations

import pytest

from browsing import content_pages
from conftest import REPO
from pokrovsk import data, render, words

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

WIDTHS = (1280, 390)
FRONT = "book/intro.html"


def open_page(browser, url: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url, wait_until="load")
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_front_page_opens_with_the_bottom_line_key_facts_and_a_map(english_site, browser, width):
    html, base = english_site
    page = open_page(browser, f"{base}/{FRONT}", width)
    as_of = words.date(data.latest_date(REPO / "data"))
    bottom = page.get_by_text(f"The bottom line, as of {as_of}")
    assert bottom.is_visible()
    box = page.locator(".pk-key-facts")
    assert box.is_visible()
    assert as_of in box.inner_text() and "Days of battle" in box.inner_text()
    image = page.locator("#front-page-map img")
    image.scroll_into_view_if_needed()
    assert full_size(image.evaluate("img => img.complete && img.naturalWidth"))
    shown = image.bounding_box()
    assert 0 < shown["width"] <= width
    # The box comes before the map, the bottom line before both: what a reader sees first.
    assert bottom.bounding_box()["y"] < box.bounding_box()["y"] < shown["y"]
    page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_bottom_line_is_plain_sentences_and_the_map_credits_fold_their_long_list(english_site, browser, width):
    html, base = english_site
    page = open_page(browser, f"{base}/{FRONT}", width)
    as_of = words.date(data.latest_date(REPO / "data"))
    bottom = page.locator("p", has_text=f"The bottom line, as of {as_of}")
    text = bottom.inner_text()
    assert '"' not in text and "\u201c" not in text
    assert 1 <= bottom.locator("a").count() <= 6  # one or two links a sentence
    assert bottom.bounding_box()["width"] <= width
    caption = page.locator("#front-page-map figcaption")
    fold = caption.locator("details.pk-more-sources")
    shown = caption.locator("a[href*='bibliography']").count() - fold.locator("a").count()
    assert 2 <= shown <= 3
    assert not fold.locator("a").first.is_visible()
    fold.locator("summary").click()
    every = fold.locator("a")
    assert every.first.is_visible() and every.count() > shown
    assert f"All {every.count()} sources" in fold.locator("summary").inner_text()
    page.close()


def full_size(width: int) -> bool:
    """A map saved about MAP_WIDTH_PX wide (the saved width follows the map's tight box, within a few %)."""
    return abs(width - render.MAP_WIDTH_PX) <= 0.05 * render.MAP_WIDTH_PX


def map_links(page) -> list[tuple[str, str, int]]:
    """Each map image on the page: the link around it, its own address and the width it is shown at."""
    return page.evaluate("""() => [...document.querySelectorAll('img.pk-map')].map(img => {
        const link = img.closest('a');
        return [link ? link.href : null, img.src, img.getBoundingClientRect().width]; })""")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_map_opens_at_full_size(site, browser, width):
    html, base = site
    seen = 0
    for name in content_pages(html):
        if "pk-map" not in (html / name).read_text(encoding="utf-8"):
            continue
        page = open_page(browser, f"{base}/{name}", width)
        for href, src, shown_width in map_links(page):
            assert href == src, f"{name}: a map image without a link to its own full-size file"
            full = browser.new_page(viewport={"width": width, "height": 900})
            response = full.goto(href)
            assert response.ok, href
            natural = full.evaluate("() => document.querySelector('img').naturalWidth")
            assert full_size(natural) and natural >= shown_width, (href, natural, shown_width)
            full.close()
            seen += 1
        page.close()
    assert seen >= 6  # the front page's map and the chapters' maps
