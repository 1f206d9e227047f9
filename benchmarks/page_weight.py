"""Page weight and speed of the built book, as a first-time reader gets it.

For every page of `_build/html` (served on 127.0.0.1, loaded in Debian's headless chromium
with an empty cache): the HTML's size, the bytes of every resource the page has loaded by its
load event (raw and gzip-compressed, as a server with compression would send them), the number
of those requests, and for chart pages:

- "first chart": seconds from the start of navigation until the page's first chart is on screen
  (the paint of its static image, as the browser's Element Timing records it; below the fold,
  its image loaded; for the plotly-alone twin, the frame in which plotly has drawn its SVG);
- "interactive after scroll" / "after touch": seconds from scrolling the page's last chart into
  view (or touching it without scrolling) until plotly.js has drawn it.

Each time is the median of five first visits, as Lighthouse takes the median of five runs: one
load on this shared 2-core machine varies by ~20 %. The fastest and slowest of the five are kept.

Beside each chart page, the same visits are made to its "plotly alone" twin: a page with nothing
but the book's plotly.js and the same charts drawn at once (no theme, no text, no static image),
as the book drew them before. Visits alternate between the two, so a busy moment on the machine
slows both. The twin's weight at load and first chart are the baseline.

Run with `make bench` after `make book`; writes benchmarks/results/page_weight.json and prints
a table.
"""

from __future__ import annotations

import gzip
import json
import posixpath
import re
import statistics
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

from pokrovsk.browser import CHROMIUM, CHROMIUM_ARGS, QuietHandler, serve

REPO = Path(__file__).resolve().parents[1]
SITE = REPO / "_build" / "html"
RESULTS = REPO / "benchmarks" / "results"


class ChartCounter(HTMLParser):
    """Charts in the HTML, in order, and for each whether it sits in a closed <details> fold."""

    def __init__(self) -> None:
        super().__init__()
        self.folds: list[bool] = []  # for each open <details> element: is it closed?
        self.in_fold: list[bool] = []

    @property
    def charts(self) -> int:
        return len(self.in_fold)

    @property
    def folded(self) -> int:
        return sum(self.in_fold)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "details":
            self.folds.append("open" not in attributes)
        elif tag == "div" and "plotly-graph-div" in (attributes.get("class") or "").split():
            self.in_fold.append(any(self.folds))

    def handle_endtag(self, tag):
        if tag == "details" and self.folds:
            self.folds.pop()


FIRST_CHART_PAINTED = """() => new Promise(resolve => {
  const firstChart = () => [...document.querySelectorAll('.plotly-graph-div')].find(c => !c.closest('details:not([open])'));
  new PerformanceObserver((list, observer) => {
    const image = firstChart()?.querySelector('img.pk-preview');
    const painted = list.getEntries().find(entry => image && entry.element === image);
    if (painted) { observer.disconnect(); resolve(painted.renderTime); }
  }).observe({type: 'element', buffered: true});
  const belowTheFold = image => image.getBoundingClientRect().top >= innerHeight;
  const ready = () => {
    const chart = firstChart(), image = chart?.querySelector('img.pk-preview');
    if (chart?.querySelector('svg.main-svg') || (image?.complete && image.naturalWidth > 0 && belowTheFold(image)))
      resolve(performance.now());
    else requestAnimationFrame(ready);
  };
  requestAnimationFrame(ready);
  setTimeout(() => resolve(null), 30000);
})"""
"""Milliseconds from navigation start until the first chart outside a closed fold is on screen: the
paint of its static image as Element Timing records it (the image is marked ``elementtiming``).
A chart below the fold is not painted until the reader scrolls: it counts from the frame in
which its image is loaded and ready to show. A chart drawn by plotly.js first (the plotly-alone
twin) counts from the frame in which its SVG exists, which comes just before that frame is painted."""
CHART_DRAWN = "chart => chart.querySelector('svg.main-svg')"
LAST_SHOWN_CHART = "[...document.querySelectorAll('.plotly-graph-div')].filter(c => !c.closest('details:not([open])')).pop()"
LOADED_BY_LOAD_EVENT = ("() => { const load = performance.getEntriesByType('navigation')[0].loadEventStart;"
                        " return [location.href, ...performance.getEntriesByType('resource')"
                        ".filter(e => e.responseEnd <= load).map(e => e.name)]; }")
DRAW_SAMPLES = 5


PLOTLY_ALONE_PREFIX = "/_plotly_alone/"
CHART_BLOCK = re.compile(r'<div id="([^"]+)" class="plotly-graph-div" style="([^"]*)">.*?</div>'
                         r'<script type="application/json" id="\1-figure">(.*?)</script>', re.S)
PLOTLY_SCRIPT = re.compile(r'data-plotly="((?:\.\./)*_static/pokrovsk/plotly\.min\.js)"')


def plotly_alone_html(page_html: str, page: str) -> str:
    """The page's plotly.js, loaded first, and its charts outside closed folds drawn at once, alone.
    ``page`` is the page's path in the site (``en/book/chapters/02_why.html``): each edition has its own plotly.js."""
    script = PLOTLY_SCRIPT.search(page_html)
    if script is None:
        raise ValueError("the page names no plotly.js in _static/pokrovsk")
    counter = ChartCounter()
    counter.feed(page_html)
    blocks = CHART_BLOCK.findall(page_html)
    if len(blocks) != counter.charts:
        raise ValueError(f"{counter.charts} charts, but {len(blocks)} chart blocks the twin can copy")
    shown = "".join(f'<div id="{div_id}" class="plotly-graph-div" style="{style}"></div>'
                    f'<script>Plotly.newPlot("{div_id}", {figure});</script>'
                    for (div_id, style, figure), folded in zip(blocks, counter.in_fold) if not folded)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
            f'<script src="/{posixpath.normpath(posixpath.join(posixpath.dirname(page), script.group(1)))}"></script></head><body>{shown}</body></html>')


class BookAndTwinHandler(QuietHandler):
    """Serves the book, and under /_plotly_alone/<page> that page's plotly-alone twin."""

    def do_GET(self):
        if not self.path.startswith(PLOTLY_ALONE_PREFIX):
            return super().do_GET()
        page = unquote(self.path[len(PLOTLY_ALONE_PREFIX):])
        body = plotly_alone_html((Path(self.directory) / page).read_text(encoding="utf-8"), page).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def pages(site: Path) -> list[str]:
    """Every page a reader can read in each edition: not the root page that chooses an edition,
    nor the redirect stubs."""
    return sorted(p.relative_to(site).as_posix() for p in site.glob("*/**/*.html")
                  if not any(part.startswith("_") for part in p.relative_to(site).parts)
                  and 'http-equiv="refresh"' not in p.read_text(encoding="utf-8").lower())


def local_file(site: Path, url: str) -> Path | None:
    path = site / unquote(urlparse(url).path).lstrip("/")
    return path if path.is_file() else None


def first_chart_s(browser, url: str) -> float:
    """Seconds from navigation start until the first chart is on screen, in a fresh first visit.
    The time is taken inside the page: asking for it afterwards over the DevTools protocol adds
    the protocol's round trips (60–100 ms on this machine) to every visit."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url, wait_until="commit")
    painted_ms = page.evaluate(FIRST_CHART_PAINTED)
    context.close()
    if painted_ms is None:
        raise RuntimeError(f"{url}: no chart was on screen within 30 s")
    return painted_ms / 1000


def interactive_s(browser, url: str, touch: bool) -> float:
    """Seconds from scrolling the page's last chart into view (or touching it where it is) until
    plotly.js has drawn it, in a fresh first visit; the page has loaded, nothing else waited for."""
    context = browser.new_context(has_touch=touch)
    page = context.new_page()
    page.goto(url, wait_until="load")
    chart = page.evaluate_handle(LAST_SHOWN_CHART)
    action = "chart.dispatchEvent(new TouchEvent('touchstart', {bubbles: true}))" if touch else "chart.scrollIntoView()"
    asked_ms = page.evaluate(f"chart => {{ {action}; return performance.now(); }}", chart)
    page.wait_for_function(CHART_DRAWN, arg=chart, polling="raf", timeout=30000)
    drawn_ms = page.evaluate("performance.now()")
    context.close()
    return (drawn_ms - asked_ms) / 1000


def served_bytes(site: Path, url: str) -> bytes | None:
    """What the server sends for ``url``: a file of the site, or a page's plotly-alone twin."""
    path = unquote(urlparse(url).path)
    if path.startswith(PLOTLY_ALONE_PREFIX):
        page = path[len(PLOTLY_ALONE_PREFIX):]
        return plotly_alone_html((site / page).read_text(encoding="utf-8"), page).encode()
    file = local_file(site, url)
    return file.read_bytes() if file else None


def weight_at_load(browser, site: Path, url: str) -> tuple[int, int, int]:
    """Requests, raw bytes and gzip bytes of everything loaded by the load event of a first visit."""
    context = browser.new_context()  # empty cache: a first visit
    page = context.new_page()
    page.goto(url, wait_until="load")
    loaded = page.evaluate(LOADED_BY_LOAD_EVENT)
    context.close()
    bodies = [body for body in (served_bytes(site, u) for u in dict.fromkeys(loaded)) if body is not None]
    return len(bodies), sum(map(len, bodies)), sum(len(gzip.compress(body, compresslevel=6)) for body in bodies)


def _median(runs: list[float]) -> float | None:
    return round(statistics.median(runs), 2) if runs else None


def measure(browser, base: str, site: Path, name: str) -> dict:
    counter = ChartCounter()
    counter.feed((site / name).read_text(encoding="utf-8"))
    shown = counter.charts - counter.folded
    requests, raw, compressed = weight_at_load(browser, site, f"{base}/{name}")
    row = {"page": name, "html_bytes": (site / name).stat().st_size, "requests": requests, "bytes_raw": raw,
           "bytes_gzip": compressed, "charts": counter.charts, "folded_charts": counter.folded}
    if not shown:
        return row
    twin = f"{base}{PLOTLY_ALONE_PREFIX}{name}"
    row["plotly_alone_bytes_gzip"] = weight_at_load(browser, site, twin)[2]
    first, alone_first, scrolled, touched = [], [], [], []
    for _ in range(DRAW_SAMPLES):
        first.append(first_chart_s(browser, f"{base}/{name}"))
        alone_first.append(first_chart_s(browser, twin))
        scrolled.append(interactive_s(browser, f"{base}/{name}", touch=False))
        touched.append(interactive_s(browser, f"{base}/{name}", touch=True))
    row.update({
        "first_chart_s": _median(first),
        "first_chart_s_runs": [round(run, 2) for run in first],
        "plotly_alone_first_chart_s": _median(alone_first),
        "interactive_after_scroll_s": _median(scrolled),
        "interactive_after_touch_s": _median(touched),
    })
    return row


def main() -> int:
    from playwright.sync_api import sync_playwright

    site = SITE.resolve()
    if not (site / "index.html").is_file():
        print("No book in _build/html: run `make book` first.")
        return 1
    with serve(site, BookAndTwinHandler) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        rows = [measure(browser, base, site, name) for name in pages(site)]
        browser.close()
    chart_pages = [r for r in rows if r.get("first_chart_s") is not None]
    plain_pages = [r for r in rows if not r["charts"]]
    slowest = max(chart_pages, key=lambda r: r["first_chart_s"], default=None)
    heaviest = max(chart_pages, key=lambda r: r["bytes_gzip"], default=None)
    summary = {
        "pages": len(rows),
        "max_gzip_kb_page_without_charts": round(max(r["bytes_gzip"] for r in plain_pages) / 1024, 1),
        "max_gzip_kb_chart_page_at_load": round(heaviest["bytes_gzip"] / 1024, 1) if heaviest else None,
        "plotly_alone_gzip_kb_of_that_page_at_load": round(heaviest["plotly_alone_bytes_gzip"] / 1024, 1)
        if heaviest else None,
        "max_first_chart_s": slowest["first_chart_s"] if slowest else None,
        "plotly_alone_first_chart_s_on_that_page": slowest["plotly_alone_first_chart_s"] if slowest else None,
        "max_interactive_after_scroll_s": max((r["interactive_after_scroll_s"] for r in chart_pages), default=None),
        "max_interactive_after_touch_s": max((r["interactive_after_touch_s"] for r in chart_pages), default=None),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "page_weight.json").write_text(json.dumps({"summary": summary, "pages": rows}, indent=2) + "\n")
    print(f"{'page':<44} {'html KB':>8} {'req':>4} {'raw KB':>8} {'gzip KB':>8} {'alone KB':>8} {'charts':>6} "
          f"{'folded':>6} {'first s':>8} {'(min–max)':>11} {'alone s':>8} {'scroll s':>8} {'touch s':>8}")
    for r in rows:
        def shown(key: str, scale: float = 1.0, digits: int = 2) -> str:
            return "" if r.get(key) is None else f"{r[key] / scale:.{digits}f}"
        runs = r.get("first_chart_s_runs")
        spread = f"({min(runs):.2f}–{max(runs):.2f})" if runs else ""
        print(f"{r['page']:<44} {r['html_bytes'] / 1024:8.0f} {r['requests']:4d} {r['bytes_raw'] / 1024:8.0f} "
              f"{r['bytes_gzip'] / 1024:8.0f} {shown('plotly_alone_bytes_gzip', 1024, 0):>8} {r['charts']:6d} "
              f"{r['folded_charts']:6d} {shown('first_chart_s'):>8} {spread:>11} {shown('plotly_alone_first_chart_s'):>8} "
              f"{shown('interactive_after_scroll_s'):>8} {shown('interactive_after_touch_s'):>8}")
    for key, value in summary.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
