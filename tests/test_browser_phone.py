"""Chapters 1–4 as a reader sees them on a desktop (1280 px) and a phone (390 px): chart text stays
inside its chart and apart, legends stay short, no code toggles, pages stay readable in length."""

from __future__ import annotations

import re

import pytest

from browsing import open_laid_out

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

CHAPTERS = ["book/chapters/01_where.html", "book/chapters/02_why.html", "book/chapters/03_how_long.html",
            "book/chapters/04_what_next.html"]
WIDTHS = [1280, 390]
MOST_LEGEND_ENTRIES = 5
MOST_VISIBLE_WORDS = 2500
TOLERANCE_PX = 1.5
"""Rounding between an SVG text's box and its chart's: less than this is not a spill or an overlap."""

CHART_TEXTS = """() => [...document.querySelectorAll('.plotly-graph-div')]
  .filter(div => div.querySelector('svg.main-svg') && !div.closest('details:not([open])'))
  .map(div => {
    const box = div.getBoundingClientRect();
    const texts = [...div.querySelectorAll('svg text')].filter(text => {
      const style = getComputedStyle(text);
      const shown = text.textContent.trim() && style.display !== 'none' && style.visibility !== 'hidden'
        && Number(style.opacity) > 0 && Number(style.fillOpacity) > 0;
      return shown && !text.closest('.hoverlayer');
    }).map(text => {
      const r = text.getBoundingClientRect();
      return {text: text.textContent.trim(), left: r.left, right: r.right, top: r.top, bottom: r.bottom};
    }).filter(r => r.right > r.left && r.bottom > r.top);
    const legend = [...div.querySelectorAll('g.legend g.traces')].filter(t => t.getBoundingClientRect().width > 0);
    const modebar = div.querySelector('.modebar-container .modebar');
    const legendBox = div.querySelector('g.legend');
    const rect = el => { const r = el.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    return {id: div.id, box: rect(div), texts, legend: legend.map(t => t.textContent.trim()),
            modebar: modebar && getComputedStyle(modebar).display !== 'none' ? rect(modebar) : null,
            legendBox: legendBox ? rect(legendBox) : null};
  })"""


def open_chapter(context, base: str, name: str):
    """A chapter page with every chart outside a closed fold drawn."""
    return open_laid_out(context, f"{base}/{name}")


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda width: f"{width}px")
def screen(request, browser):
    context = browser.new_context(viewport={"width": request.param, "height": 800})
    yield context, request.param
    context.close()


@pytest.fixture(scope="module")
def charts_by_page(site, screen):
    """Every drawn chart of every chapter page at this screen width, with its text boxes."""
    html, base = site
    context, width = screen
    found = {}
    for name in CHAPTERS:
        page, shown = open_chapter(context, base, name)
        found[name] = page.evaluate(CHART_TEXTS)
        assert len(found[name]) == shown, name
        page.close()
    assert sum(len(charts) for charts in found.values()) >= 8, "chapters 1–4 lost their charts"
    return found, width


def _intersection(a: dict, b: dict) -> tuple[float, float]:
    return (min(a["right"], b["right"]) - max(a["left"], b["left"]),
            min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]))


def test_no_chart_text_outside_its_chart(charts_by_page):
    found, width = charts_by_page
    spills = [f"{name} {chart['id']} at {width}px: {text['text']!r}"
              for name, charts in found.items() for chart in charts for text in chart["texts"]
              if text["left"] < chart["box"]["left"] - TOLERANCE_PX or text["right"] > chart["box"]["right"] + TOLERANCE_PX
              or text["top"] < chart["box"]["top"] - TOLERANCE_PX
              or text["bottom"] > chart["box"]["bottom"] + TOLERANCE_PX]
    assert spills == [], "\n".join(spills)


def test_no_chart_text_overlaps_other_chart_text(charts_by_page):
    found, width = charts_by_page
    overlaps = []
    for name, charts in found.items():
        for chart in charts:
            texts = chart["texts"]
            for i, first in enumerate(texts):
                for second in texts[i + 1:]:
                    across, down = _intersection(first, second)
                    if across > TOLERANCE_PX and down > TOLERANCE_PX:
                        overlaps.append(f"{name} {chart['id']} at {width}px: {first['text']!r} / {second['text']!r}")
    assert overlaps == [], "\n".join(overlaps)


def test_legends_are_short_and_uncovered(charts_by_page):
    found, width = charts_by_page
    long = {f"{name} {chart['id']}": chart["legend"] for name, charts in found.items() for chart in charts
            if len(chart["legend"]) > MOST_LEGEND_ENTRIES}
    assert long == {}, f"legends of more than {MOST_LEGEND_ENTRIES} entries at {width}px: {long}"
    covered = [f"{name} {chart['id']}" for name, charts in found.items() for chart in charts
               if chart["modebar"] and chart["legendBox"] and chart["legend"]
               and min(_intersection(chart["modebar"], chart["legendBox"])) > 0]
    assert covered == [], f"the plotly toolbar covers the legend at {width}px"


def test_hover_labels_stay_on_screen(site, screen):
    """Hovering the first and last point of every trace keeps its label inside the screen."""
    html, base = site
    context, width = screen
    off_screen = []
    for name in CHAPTERS:
        page, _ = open_chapter(context, base, name)
        off_screen += page.evaluate("""() => {
          const found = [];
          for (const div of document.querySelectorAll('.plotly-graph-div')) {
            if (!div.querySelector('svg.main-svg') || div.closest('details:not([open])')) continue;
            div.scrollIntoView();
            div.data.forEach((trace, curve) => {
              const count = (trace.x || trace.y || []).length;
              if (trace.hoverinfo === 'skip' || !count) return;
              for (const point of [0, count - 1]) {
                const x = (trace.x || [])[point], y = (trace.y || [])[point];
                if (x === null || x === undefined || y === null || y === undefined) continue;
                Plotly.Fx.hover(div, [{curveNumber: curve, pointNumber: point}]);
                for (const label of div.querySelectorAll('.hoverlayer .hovertext')) {
                  const r = label.getBoundingClientRect();
                  if (r.left < -1 || r.right > window.innerWidth + 1)
                    found.push(`${div.id} trace ${curve} point ${point}: ${Math.round(r.left)}..${Math.round(r.right)}`);
                }
                Plotly.Fx.unhover(div);
              }
            });
          }
          return found;
        }""")
        page.close()
    assert off_screen == [], f"hover labels off a {width}px screen:\n" + "\n".join(off_screen)


def test_chapter_pages_show_no_code_toggles(site, screen):
    html, base = site
    context, _ = screen
    for name in CHAPTERS:
        page = context.new_page()
        page.goto(f"{base}/{name}", wait_until="load")
        toggles = page.evaluate("""() => [...document.querySelectorAll(
            'main .cell_input, main details.hide, main button.toggle-button, main .tag_hide-input, main .tag_hide-cell')]
            .filter(el => el.getClientRects().length).length""")
        labels = re.findall(r"(?:Show|Hide) code cell \w+", page.locator("main").inner_text())
        page.close()
        assert (toggles, labels) == (0, []), name


def visible_words(page) -> int:
    """Words a reader sees in the page's main column, folds closed (closed folds' text is not rendered)."""
    return len(page.locator("main").inner_text().split())


def test_chapter_pages_stay_under_the_word_limit(site, screen):
    html, base = site
    context, _ = screen
    counts = {}
    for name in CHAPTERS:
        page = context.new_page()
        page.goto(f"{base}/{name}", wait_until="load")
        counts[name] = visible_words(page)
        page.close()
    assert min(counts.values()) > 100, counts  # the count reads the page's text, not an empty shell
    assert {name: n for name, n in counts.items() if n > MOST_VISIBLE_WORDS} == {}, counts


def test_no_event_entry_repeats_across_chapters(site, browser):
    """The same event bullet is written in one chapter only."""
    html, base = site
    context = browser.new_context()
    seen: dict[str, str] = {}
    repeated = []
    for name in CHAPTERS:
        page = context.new_page()
        page.goto(f"{base}/{name}", wait_until="load")
        entries = page.evaluate("""() => [...document.querySelectorAll('main li')]
            .filter(li => !li.closest('nav, .pk-caption, .bd-toc, .pk-sources'))
            .map(li => li.innerText.replace(/\\s+/g, ' ').trim()).filter(text => text.split(' ').length >= 6)""")
        page.close()
        for entry in dict.fromkeys(entries):
            if entry in seen and seen[entry] != name:
                repeated.append(f"{seen[entry]} and {name}: {entry[:80]}")
            seen.setdefault(entry, name)
    context.close()
    assert len(seen) > 20, "the chapters list fewer entries than expected: the selector missed them"
    assert repeated == [], "\n".join(repeated)
