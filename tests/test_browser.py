"""The built book in real Chromium (Debian's /usr/bin/chromium driven by Playwright)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from browsing import DRAWN_CHARTS, content_pages, draw_every_chart, edition_html, open_laid_out, pages_of, visit
from pokrovsk.browser import serve

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]
# Console messages we cannot remove at the source. Keep this short, and say why for each.
CONSOLE_ALLOWLIST: tuple[str, ...] = ()


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
    folded_in_book = 0
    for name in chart_pages:
        page, _, _, _ = visit(browser, f"{base}/{name}")
        try:
            expected = page.locator(".plotly-graph-div").count()
            folded = page.locator("details:not([open]) .plotly-graph-div").count()
            folded_in_book += folded
            draw_every_chart(page)
            page.wait_for_function(f"{DRAWN_CHARTS} >= {expected - folded}", timeout=15000)
            # A chart in a closed fold waits for the reader to open it, then draws.
            assert page.locator("details:not([open]) .plotly-graph-div svg.main-svg").count() == 0, name
            open_every_fold(page)
            draw_every_chart(page)
            page.wait_for_function(f"{DRAWN_CHARTS} >= {expected}", timeout=15000)
            assert expected > 0, name
        finally:
            page.close()
    assert folded_in_book > 0, "no chart sits in a fold (the exercise solutions did), so folding went untested"


def open_every_fold(page) -> None:
    """Open every fold as a reader would, and let the opening fade-in finish (mid-fade text is
    pale, which a contrast check would rightly flag)."""
    page.evaluate("document.querySelectorAll('details:not([open])').forEach(fold => { fold.open = true; })")
    page.wait_for_function("document.getAnimations().every(a => a.playState === 'finished')", timeout=15000)


def test_plotly_js_is_loaded_only_on_chart_pages(site):
    html, _ = site
    for name in pages_of(html):
        text = (html / name).read_text()
        has_chart = "plotly-graph-div" in text
        assert ("plotly.min.js" in text) == has_chart, name
    assert len(list(html.rglob("plotly*.js"))) == 1


SCRIPT_PAYLOAD = "<script>window.__injected = 1</script>"
IMAGE_PAYLOAD = '<img src=x onerror="window.__injected = 2">'
BOLD_PAYLOAD = "<b>bold</b>"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The book built from data whose text fields hold HTML and script."""
    from conftest import copy_repo, edit_cell, pokrovsk

    root = copy_repo(tmp_path_factory.mktemp("hostile") / "repo")
    data = root / "data"
    edit_cell(data / "sources.csv", {"source_id": "wikipedia-en-pokrovsk"}, "title",
              f"Pokrovsk {SCRIPT_PAYLOAD} {IMAGE_PAYLOAD}")
    edit_cell(data / "place_names.csv", {"place_id": "pokrovsk", "language": "en"}, "name",
              f"Pokrovsk {BOLD_PAYLOAD} {IMAGE_PAYLOAD}")
    edit_cell(data / "places.csv", {"place_id": "myrnohrad"}, "name_en", f"Myrnohrad {SCRIPT_PAYLOAD}")
    result = pokrovsk("build", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    with serve(edition_html(root).resolve()) as base:
        yield base


@pytest.mark.parametrize("page_name, payloads", [
    ("book/data/bibliography.html", [SCRIPT_PAYLOAD, IMAGE_PAYLOAD]),
    ("book/chapters/01_where.html", [BOLD_PAYLOAD, IMAGE_PAYLOAD]),
])
def test_html_in_data_reaches_the_page_as_text(hostile_site, browser, page_name, payloads):
    page, response, _, _ = visit(browser, f"{hostile_site}/{page_name}")
    try:
        assert response.status == 200
        # After the load event every parsed script has run and every eager image has loaded or
        # failed (so an onerror would have fired); and the payloads made no element that could
        # still run something later.
        assert page.evaluate("document.readyState") == "complete"
        assert page.evaluate("window.__injected") is None, "a script from the data ran"
        assert page.evaluate("[...document.querySelectorAll('main img[src=\"x\"], main script')]"
                             ".filter(e => e.tagName === 'IMG' || e.textContent.includes('__injected')).length") == 0
        text = page.inner_text("main")
        for payload in payloads:
            assert payload in text, f"{payload!r} is not shown as text on {page_name}"
        assert page.locator("main b:text-is('bold')").count() == 0
    finally:
        page.close()


def test_html_in_data_stays_text_in_figure_alt_and_descriptions(hostile_site, browser):
    page, _, _, _ = visit(browser, f"{hostile_site}/book/chapters/01_where.html")
    try:
        region = page.locator("figure[id^='fig-region-']")
        alt = region.locator("img.pk-map").get_attribute("alt")
        assert SCRIPT_PAYLOAD in alt
        region.locator("details.pk-long-description summary").click()
        assert SCRIPT_PAYLOAD in region.locator("details.pk-long-description").inner_text()
        assert page.evaluate("window.__injected") is None
    finally:
        page.close()


AXE_PACKAGE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core"


def axe_source() -> str:
    """axe-core at the version pinned in package-lock.json (its current release; `make test` runs
    `npm ci`): an older copy misses rules such as label-content-name-mismatch."""
    lock = json.loads((AXE_PACKAGE.parents[1] / "package-lock.json").read_text(encoding="utf-8"))
    pinned = lock["packages"]["node_modules/axe-core"]["version"]
    if not (AXE_PACKAGE / "axe.min.js").is_file():
        pytest.fail(f"axe-core {pinned} is not installed: run `npm ci` (make test does)", pytrace=False)
    installed = json.loads((AXE_PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    assert installed == pinned, f"node_modules holds axe-core {installed}, the lock pins {pinned}: run `npm ci`"
    return (AXE_PACKAGE / "axe.min.js").read_text(encoding="utf-8")


def test_no_page_has_serious_or_critical_accessibility_violations(site, browser):
    html, base = site
    axe = axe_source()
    problems = []
    for name in content_pages(html):
        page, _, _, _ = visit(browser, f"{base}/{name}")
        try:
            charts = page.locator(".plotly-graph-div").count()
            if charts:
                open_every_fold(page)  # audit folded charts too
                draw_every_chart(page)
                page.wait_for_function(f"{DRAWN_CHARTS} >= {charts}", timeout=15000)
            page.evaluate(axe)
            result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
            for violation in result["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"][:3]]
                    problems.append(f"{name}: {violation['id']} ({violation['impact']}) at {targets}")
        finally:
            page.close()
    assert problems == [], "\n".join(problems)


REDRAWN_FOR_MARGINS = ("() => [...document.querySelectorAll('.js-plotly-plot')]"
                       ".filter(d => d._fullLayout && '_redrawFromAutoMarginCount' in d._fullLayout).map(d => d.id)")


@pytest.mark.parametrize("width", [1280, 375])
def test_every_chart_is_drawn_in_one_pass(site, browser, width):
    """No chart draws, finds its y labels too wide for the margin, and draws again: the build
    reserves the margin (pokrovsk.charts.reserve_label_margins). Folds are opened so their charts
    count too."""
    html, base = site
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{base}/book/chapters/03_how_long.html", wait_until="load")
        draw_every_chart(page)  # plotly.js is fetched for the first chart that nears the screen
        # The check itself: plotly marks a chart it had to draw again for its margins.
        page.evaluate("() => Plotly.newPlot(Object.assign(document.body.appendChild(document.createElement('div')),"
                      " {id: 'control'}), [{type: 'bar', orientation: 'h', x: [1], y: ['a label far too wide "
                      "for the margin']}], {margin: {l: 10}, yaxis: {automargin: true}})")
        assert page.evaluate(REDRAWN_FOR_MARGINS) == ["control"]
        for name in [n for n in pages_of(html) if "plotly-graph-div" in (html / n).read_text()]:
            page.goto(f"{base}/{name}", wait_until="load")
            open_every_fold(page)
            draw_every_chart(page)
            page.wait_for_function(f"{DRAWN_CHARTS} === document.querySelectorAll('.plotly-graph-div').length")
            assert page.evaluate(REDRAWN_FOR_MARGINS) == [], f"{name} at {width} px"
    finally:
        context.close()


def test_every_chart_has_an_accessible_name(site, browser):
    html, base = site
    for name in [n for n in pages_of(html) if "pk-chart" in (html / n).read_text()]:
        page, _, _, _ = visit(browser, f"{base}/{name}")
        try:
            labels = page.locator(".pk-chart").evaluate_all("nodes => nodes.map(n => n.getAttribute('aria-label'))")
            assert labels and all(label and label.strip() for label in labels), name
        finally:
            page.close()


def test_pages_fit_a_phone_screen(site, browser):
    """At 375 px nothing makes the page scroll sideways (charts resize, tables and code scroll inside)."""
    html, base = site
    context = browser.new_context(viewport={"width": 375, "height": 740})
    try:
        for name in content_pages(html):
            # Measured once the page is laid out for good: fonts in, open charts drawn at their size.
            page, _ = open_laid_out(context, f"{base}/{name}")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} is {overflow}px wider than a 375px screen"
            page.close()
    finally:
        context.close()


IMAGE_BOXES = """() => [...document.querySelectorAll('main img')].map(img => {
  const box = img.getBoundingClientRect();
  return [img.getAttribute('src'), Math.round(box.width), Math.round(box.height)];
})"""
LOAD_EVERY_IMAGE = """() => Promise.all([...document.querySelectorAll('main img')].map(img => {
  img.loading = 'eager';  // the late ones too
  return img.decode();
}))"""


def images_in_main(page_html: str) -> bool:
    main = page_html.find("<main")
    return main >= 0 and "<img " in page_html[main:]


@pytest.mark.parametrize("width", [1280, 375])
def test_every_image_keeps_its_room_while_it_loads(site, browser, width):
    """An image holds the room it will fill before it arrives (each chart and map but the first
    loads late, as the reader nears it): the text below it does not jump as the reader scrolls or
    follows a link past it, and a tap meant for a fold below a map does not land on the map."""
    html, base = site
    names = [name for name in content_pages(html) if images_in_main((html / name).read_text(encoding="utf-8"))]
    assert "book/intro.html" in names and len(names) >= 5, names  # the front page and the chapters with figures
    for name in names:
        waiting = browser.new_page(viewport={"width": width, "height": 800})
        held = []
        waiting.route("**/*.png", lambda request: held.append(request))  # not answered: every image stays on its way
        try:
            # Stylesheets are in by DOMContentLoaded (the deferred scripts wait for them), and
            # the fonts do not size an image.
            waiting.goto(f"{base}/{name}", wait_until="domcontentloaded")
            before = waiting.evaluate(IMAGE_BOXES)
        finally:
            for request in held:  # answered at last, so that no handler is left waiting
                request.abort()
            waiting.close()
        loaded = browser.new_page(viewport={"width": width, "height": 800})
        try:
            loaded.goto(f"{base}/{name}", wait_until="load")
            loaded.evaluate(LOAD_EVERY_IMAGE)
            after = loaded.evaluate(IMAGE_BOXES)
        finally:
            loaded.close()
        assert before and len(before) == len(after), name
        moved = [(src, (w0, h0), (w1, h1)) for (src, w0, h0), (_, w1, h1) in zip(before, after)
                 if abs(w0 - w1) > 1 or abs(h0 - h1) > 1]
        assert moved == [], f"{name} at {width} px: images whose room changed once loaded (before, after): {moved}"


CODE_WORDS_BROKEN_INSIDE = """() => [...document.querySelectorAll('table code.literal')].flatMap(code => {
  const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT), range = document.createRange(), broken = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let lineTop = null;
    for (let i = 0; i < node.data.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      const top = Math.round(rect.top);
      if (lineTop !== null && top > lineTop && /\\w/.test(node.data[i - 1]) && /\\w/.test(node.data[i])) broken.push(node.data);
      lineTop = top;
    }
  }
  return broken;
})"""
TABLES_WIDER_THAN_THEIR_BOX = """() => [...document.querySelectorAll('table')].filter(
  table => table.parentElement.scrollWidth > table.parentElement.clientWidth + 1).length"""


def pages_with_field_tables(html: Path) -> list[str]:
    """The data pages with a table of fields (not the one for the map's country outlines)."""
    return [name for name in content_pages(html)
            if name.startswith("book/data/datasets/") and "pk-fields" in (html / name).read_text(encoding="utf-8")]


PHONE_LAYOUT_BELOW = 576  # px: the breakpoint of the cards in static/pokrovsk-book.css
FIELDS_SIDE_BY_SIDE = """() => [...document.querySelectorAll('table.pk-fields > tbody > tr')].filter(row => {
  const [name, , meaning] = [...row.children].map(cell => cell.getBoundingClientRect());
  return meaning.top < name.bottom;
}).length"""


@pytest.mark.parametrize("width", [1280, 375])
def test_data_tables_fit_their_column_and_break_code_words_only_between_pieces(site, browser, width):
    """No table of fields scrolls sideways, and no code word (a column name, a pattern) wraps
    between two letters or digits: code wraps where the book put a <wbr> (after "_", "/" and
    "-") or between punctuation. Breaking code anywhere squeezed "place_id" into "place_i" and
    "d" on a wide screen. On a phone each field is a card: its meaning below its name."""
    html, base = site
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        pages = pages_with_field_tables(html)
        assert len(pages) >= 10
        all_fields = break_points = 0
        for name in pages:
            page, _ = open_laid_out(context, f"{base}/{name}")
            break_points += page.locator("table code.literal wbr").count()
            assert page.evaluate(CODE_WORDS_BROKEN_INSIDE) == [], f"{name} at {width} px"
            assert page.evaluate(TABLES_WIDER_THAN_THEIR_BOX) == 0, f"{name} at {width} px"
            fields = page.locator("table.pk-fields > tbody > tr").count()
            side_by_side = page.evaluate(FIELDS_SIDE_BY_SIDE)
            assert side_by_side == (0 if width < PHONE_LAYOUT_BELOW else fields), f"{name} at {width} px"
            all_fields += fields
            page.close()
        assert all_fields > 100 and break_points > 100
    finally:
        context.close()


TABLE_PARTS_IN_THE_PAGE = """() => ({
  table: document.querySelectorAll('main table').length,
  row: document.querySelectorAll('main table tr').length,
  columnheader: document.querySelectorAll('main table > thead th').length,
  cell: [...document.querySelectorAll('main table td')].filter(cell => cell.childNodes.length).length,
})"""


def table_parts_for_assistive_tech(page) -> dict[str, int]:
    """How many tables, rows, column heads and cells Chromium's own accessibility tree holds:
    what a screen reader is given, which CSS that shows a table as blocks may take away."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    roles = [node.get("role", {}).get("value") for node in nodes if not node.get("ignored")]
    return {role: roles.count(role) for role in ("table", "row", "columnheader", "cell")}


def test_data_tables_shown_as_cards_on_a_phone_are_still_tables_to_a_screen_reader(site, browser):
    """The phone cards hide the column heads from sight only: a screen reader still reads each
    field as a row of cells under the heads Field, Type, Meaning and Constraints (an empty
    cell, hidden on the card, has nothing to read)."""
    html, base = site
    context = browser.new_context(viewport={"width": 375, "height": 900})
    try:
        pages = pages_with_field_tables(html)
        assert len(pages) >= 10
        for name in pages:
            page, _ = open_laid_out(context, f"{base}/{name}")
            heads = page.evaluate("[...document.querySelectorAll('table.pk-fields > thead')]"
                                  ".map(head => head.getBoundingClientRect().height)")
            assert heads and max(heads) <= 1, f"{name}: the column heads are in sight on a phone"
            in_the_page = page.evaluate(TABLE_PARTS_IN_THE_PAGE)
            assert in_the_page["columnheader"] >= 4, name
            assert table_parts_for_assistive_tech(page) == in_the_page, name
            page.close()
    finally:
        context.close()


def test_icons_are_drawn_without_the_icon_font(site, browser):
    """The theme's icons are CSS masks; no page downloads the 156 KB Font Awesome web font."""
    html, base = site
    page = browser.new_page()
    fonts: list[str] = []
    page.on("request", lambda request: fonts.append(request.url) if "/webfonts/" in request.url else None)
    try:
        for name in content_pages(html):
            page.goto(f"{base}/{name}", wait_until="load")
            assert fonts == [], f"{name} downloaded {fonts}"
        page.goto(f"{base}/book/data/datasets/battles.html", wait_until="load")
        solid = page.evaluate(
            "() => [...document.querySelectorAll('.fa-solid')].filter(n => n.offsetParent).map(n => {"
            " const r = n.getBoundingClientRect(), s = getComputedStyle(n); return [r.width, r.height, s.maskImage]; })")
        download = page.evaluate(
            "() => [...document.querySelectorAll('a.reference.download')].map(n => {"
            " const s = getComputedStyle(n, '::before'); return [parseFloat(s.width), parseFloat(s.height), s.maskImage]; })")
        assert len(solid) >= 3 and len(download) >= 1
        assert all(width > 0 and height > 0 and mask.startswith("url(") for width, height, mask in solid + download)
    finally:
        page.close()


def test_keyboard_focus_is_visible(site, browser):
    """Tabbing through the first controls of a chapter, each focused element shows an outline."""
    _, base = site
    page, _, _, _ = visit(browser, f"{base}/book/chapters/01_where.html")
    try:
        for press in range(1, 9):
            page.keyboard.press("Tab")
            tag, style, width = page.evaluate("(() => { const e = document.activeElement, s = getComputedStyle(e);"
                                              " return [e.tagName, s.outlineStyle, s.outlineWidth]; })()")
            assert tag != "BODY", f"Tab press {press} focused nothing: the page has too few controls to test"
            assert style != "none" and width != "0px", (press, tag, style, width)
    finally:
        page.close()
