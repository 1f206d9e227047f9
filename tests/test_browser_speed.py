"""Charts on screen at once, interactive when needed (pokrovsk/static/pokrovsk-charts.js): each
chart shows the static image drawn at build time, plotly.js is fetched after the page has loaded
and a chart is drawn when it nears the screen or is touched. Print and readers without
JavaScript keep the static image."""

from __future__ import annotations

import contextlib

import pytest

from browsing import pages_of

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

LONG_PAGE = "book/chapters/03_how_long.html"
"""Five charts, the last one many screens below the first."""
DRAWN = "node => node.dataset.pkState === 'drawn' && !!node.querySelector('svg.main-svg') && !!node._fullLayout"
PLOTLY_REQUESTS = "performance.getEntriesByType('resource').filter(e => e.name.includes('plotly.min.js'))"


def chart_pages(html) -> list[str]:
    pages = [name for name in pages_of(html) if "plotly-graph-div" in (html / name).read_text(encoding="utf-8")]
    assert LONG_PAGE in pages
    return pages


@contextlib.contextmanager
def first_visit(browser, url: str, without_plotly: bool = False, **context_options):
    """A page loaded in a fresh browser context (empty cache), optionally with plotly.js unreachable."""
    context = browser.new_context(**context_options)
    if without_plotly:
        context.route("**/plotly.min.js", lambda route: route.abort())
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        yield page
    finally:
        context.close()


def below_the_screen(page, chart) -> bool:
    return chart.evaluate("node => node.getBoundingClientRect().top > 2 * window.innerHeight")


def test_every_chart_shows_its_static_image_without_plotly(site, browser):
    """With plotly.js unreachable, every chart (once on screen) still shows its picture, filling its box."""
    html, base = site
    for name in chart_pages(html):
        with first_visit(browser, f"{base}/{name}", without_plotly=True,
                         viewport={"width": 1280, "height": 800}) as page:
            page.evaluate("document.querySelectorAll('details:not([open])').forEach(fold => { fold.open = true; })")
            for chart in page.locator(".plotly-graph-div").all():
                chart.scroll_into_view_if_needed()
                preview = chart.locator("img.pk-preview")
                page.wait_for_function("img => img.complete", arg=preview.element_handle(), timeout=15000)
                width, height, shown = preview.evaluate(
                    "img => [img.naturalWidth, img.getBoundingClientRect().height, getComputedStyle(img).display]")
                box = chart.bounding_box()
                assert width > 0 and shown != "none" and height == pytest.approx(box["height"], abs=1), name
                assert chart.locator("svg.main-svg").count() == 0, name


def test_plotly_js_is_fetched_after_the_page_has_loaded(site, browser):
    """A chart already on screen at arrival is drawn, but plotly.js does not compete with the page."""
    _, base = site
    with first_visit(browser, f"{base}/{LONG_PAGE}", viewport={"width": 1280, "height": 2400}) as page:
        first = page.locator(".plotly-graph-div").first
        page.wait_for_function(DRAWN, arg=first.element_handle(), timeout=15000)
        load_start, fetch_start = page.evaluate(
            f"[performance.getEntriesByType('navigation')[0].loadEventStart, {PLOTLY_REQUESTS}[0].startTime]")
        assert fetch_start >= load_start


def test_a_chart_becomes_interactive_when_scrolled_into_view(site, browser):
    _, base = site
    with first_visit(browser, f"{base}/{LONG_PAGE}", viewport={"width": 1280, "height": 800}) as page:
        charts = page.locator(".plotly-graph-div")
        charts.first.scroll_into_view_if_needed()
        page.wait_for_function(DRAWN, arg=charts.first.element_handle(), timeout=15000)
        last = charts.last
        # plotly.js is loaded and working, yet the chart far below is left alone until needed.
        assert below_the_screen(page, last)
        assert last.evaluate("node => [node.dataset.pkState, node.querySelectorAll('svg').length]") == [None, 0]
        last.scroll_into_view_if_needed()
        page.wait_for_function(DRAWN, arg=last.element_handle(), timeout=15000)
        assert last.locator("img.pk-preview").evaluate("img => img.getClientRects().length") == 0  # hidden
        # Interactive: plotly answers the pointer, passing down the plot, with a hover label.
        plot = last.locator(".nsewdrag").first.bounding_box()
        for y in range(0, int(plot["height"]), 10):
            page.mouse.move(plot["x"] + plot["width"] * 0.3, plot["y"] + y)
            if last.locator(".hoverlayer .hovertext").count():
                break
        last.locator(".hoverlayer .hovertext").first.wait_for(timeout=15000)


def test_a_touched_chart_becomes_interactive_before_it_nears_the_screen(site, browser):
    """A touch (here on a chart the reader has not scrolled to) draws it at once."""
    _, base = site
    with first_visit(browser, f"{base}/{LONG_PAGE}", viewport={"width": 390, "height": 740}, has_touch=True,
                     is_mobile=True) as page:
        last = page.locator(".plotly-graph-div").last
        assert below_the_screen(page, last)
        assert page.evaluate(f"{PLOTLY_REQUESTS}.length") == 0
        last.locator("img.pk-preview").dispatch_event("touchstart")
        page.wait_for_function(DRAWN, arg=last.element_handle(), timeout=15000)
        assert below_the_screen(page, last)


def test_phones_get_the_phone_image_and_wide_screens_the_wide_one(site, browser):
    _, base = site
    for width, ending in ((390, "-phone.png"), (1280, ".png")):
        with first_visit(browser, f"{base}/{LONG_PAGE}", without_plotly=True,
                         viewport={"width": width, "height": 800}) as page:
            preview = page.locator("img.pk-preview").first
            preview.scroll_into_view_if_needed()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
            source = preview.evaluate("img => img.currentSrc")
            assert source.endswith(ending) and (ending != ".png" or not source.endswith("-phone.png")), (width, source)


def test_without_javascript_each_chart_is_its_static_image(site, browser):
    html, base = site
    with first_visit(browser, f"{base}/{LONG_PAGE}", java_script_enabled=False) as page:
        charts = page.locator(".plotly-graph-div").count()
        assert charts == (html / LONG_PAGE).read_text(encoding="utf-8").count('class="plotly-graph-div"')
        assert page.locator(".pk-chart").evaluate_all("nodes => nodes.every(n => getComputedStyle(n).display === 'none')")
        images = page.locator("img.pk-static")
        assert images.count() == charts
        assert images.evaluate_all("imgs => imgs.every(img => img.complete && img.naturalWidth > 0 && img.alt)")


def test_printed_charts_are_their_static_images(site, browser):
    """Printing a page whose chart was drawn prints the static image, not a half-sized SVG."""
    _, base = site
    with first_visit(browser, f"{base}/{LONG_PAGE}", viewport={"width": 1280, "height": 800}) as page:
        chart = page.locator(".plotly-graph-div").first
        chart.scroll_into_view_if_needed()
        page.wait_for_function(DRAWN, arg=chart.element_handle(), timeout=15000)
        page.emulate_media(media="print")
        image_height, svg_boxes = chart.evaluate("node => [node.querySelector('img.pk-preview').getBoundingClientRect()"
                                                 ".height, node.querySelector('.svg-container').getClientRects().length]")
        assert image_height > 100 and svg_boxes == 0


def test_only_the_first_chart_image_comes_with_the_page(site):
    """The first chart's image is fetched at once, wherever the chart sits; later ones when the
    reader nears them (loading=lazy), so they weigh nothing at load."""
    import re

    html, _ = site
    for name in chart_pages(html):
        previews = re.findall(r'<img class="pk-preview"[^>]*>', (html / name).read_text(encoding="utf-8"))
        assert previews, name
        assert 'fetchpriority="high"' in previews[0] and "loading=" not in previews[0], name
        assert all('loading="lazy"' in later for later in previews[1:]), name
