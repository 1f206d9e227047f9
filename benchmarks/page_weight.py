"""Page weight and speed of the built book, as a first-time reader gets it.

For every page of `_build/html` (served on 127.0.0.1, loaded in Debian's headless chromium
with an empty cache): the HTML's size, the bytes of every resource the page loads (raw and
gzip-compressed, as a server with compression would send them), the number of requests, and
the time until every chart on the page has drawn. Run with `make bench` after `make book`;
writes benchmarks/results/page_weight.json and prints a table.

"Charts drawn" is read inside the page: the moment (from the start of navigation) when every
chart a reader sees on arrival has its plotly SVG, checked on every animation frame. Charts in
a closed fold (exercise solutions) are drawn when the fold is opened, so they are counted apart.
It is the median of five first visits, as Lighthouse takes the median of five runs: one load on
this shared 2-core machine varies by ~20 %. The fastest and slowest of the five are kept beside it.

Beside each chart page, the same visits are made to its "plotly alone" twin: a page with nothing
but the book's plotly.js and the same charts (no theme, no text). Visits alternate between the two,
so a busy moment on the machine slows both. The twin is the floor for that page on this machine:
the difference is what the rest of the page costs.
"""

from __future__ import annotations

import gzip
import json
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


CHARTS_DRAWN = ("expected => [...document.querySelectorAll('.plotly-graph-div')]"
                ".filter(d => d.querySelector('svg.main-svg')).length >= expected")
DRAW_SAMPLES = 5


PLOTLY_ALONE_PREFIX = "/_plotly_alone/"
CHART_BLOCK = re.compile(r'<div data-trace-types="[^"]*">.*?</script>\s*</div></div>', re.S)
PLOTLY_SCRIPT = re.compile(r'<script src="[^"]*_static/pokrovsk/plotly\.min\.js[^"]*"></script>')


def plotly_alone_html(page_html: str) -> str:
    """The page's plotly.js and its charts outside closed folds, alone."""
    script = PLOTLY_SCRIPT.search(page_html)
    if script is None:
        raise ValueError("the page loads no plotly.js from _static/pokrovsk")
    counter = ChartCounter()
    counter.feed(page_html)
    blocks = CHART_BLOCK.findall(page_html)
    if len(blocks) != counter.charts:
        raise ValueError(f"{counter.charts} charts, but {len(blocks)} chart blocks the twin can copy")
    shown = "".join(block for block, folded in zip(blocks, counter.in_fold) if not folded)
    src = re.sub(r'src="(\.\./)*', 'src="/', script.group(0))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">{src}</head>'
            f"<body>{shown}</body></html>")


class BookAndTwinHandler(QuietHandler):
    """Serves the book, and under /_plotly_alone/<page> that page's plotly-alone twin."""

    def do_GET(self):
        if not self.path.startswith(PLOTLY_ALONE_PREFIX):
            return super().do_GET()
        page = Path(self.directory) / unquote(self.path[len(PLOTLY_ALONE_PREFIX):])
        body = plotly_alone_html(page.read_text(encoding="utf-8")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html")
                  if not p.relative_to(site).parts[0].startswith("_"))


def local_file(site: Path, url: str) -> Path | None:
    path = site / unquote(urlparse(url).path).lstrip("/")
    return path if path.is_file() else None


def charts_drawn_s(browser, url: str, charts: int) -> float:
    """Seconds from navigation start until all ``charts`` are drawn, in a fresh first visit."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url, wait_until="commit")
    page.wait_for_function(CHARTS_DRAWN, arg=charts, polling="raf", timeout=30000)
    drawn_ms = page.evaluate("performance.now()")
    context.close()
    return drawn_ms / 1000


def folds_drawn_s(browser, url: str, charts: int) -> float:
    """Seconds from opening every closed fold of a loaded page until all ``charts`` are drawn."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url, wait_until="load")
    opened_ms = page.evaluate("() => { document.querySelectorAll('details:not([open])')"
                              ".forEach(fold => { fold.open = true; }); return performance.now(); }")
    page.wait_for_function(CHARTS_DRAWN, arg=charts, polling="raf", timeout=30000)
    drawn_ms = page.evaluate("performance.now()")
    context.close()
    return (drawn_ms - opened_ms) / 1000


def measure(browser, base: str, site: Path, name: str) -> dict:
    counter = ChartCounter()
    counter.feed((site / name).read_text(encoding="utf-8"))
    shown = counter.charts - counter.folded
    context = browser.new_context()  # empty cache: a first visit
    page = context.new_page()
    loaded: list[str] = []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    page.goto(f"{base}/{name}", wait_until="load")
    page.wait_for_timeout(200)  # late, deferred requests
    context.close()
    drawn_runs, alone_runs = [], []
    if shown:
        plotly_alone_html((site / name).read_text(encoding="utf-8"))  # fails here, not inside the server
        for _ in range(DRAW_SAMPLES):
            drawn_runs.append(charts_drawn_s(browser, f"{base}/{name}", shown))
            alone_runs.append(charts_drawn_s(browser, f"{base}{PLOTLY_ALONE_PREFIX}{name}", shown))
    drawn_s = statistics.median(drawn_runs) if drawn_runs else None
    unfolded_s = folds_drawn_s(browser, f"{base}/{name}", counter.charts) if counter.folded else None
    files = [f for f in (local_file(site, url) for url in dict.fromkeys(loaded)) if f is not None]
    raw = sum(f.stat().st_size for f in files)
    compressed = sum(len(gzip.compress(f.read_bytes(), compresslevel=6)) for f in files)
    return {
        "page": name,
        "html_bytes": (site / name).stat().st_size,
        "requests": len(loaded),
        "bytes_raw": raw,
        "bytes_gzip": compressed,
        "charts": counter.charts,
        "folded_charts": counter.folded,
        "charts_drawn_s": round(drawn_s, 2) if drawn_s is not None else None,
        "charts_drawn_s_runs": [round(run, 2) for run in drawn_runs],
        "plotly_alone_charts_drawn_s": round(statistics.median(alone_runs), 2) if alone_runs else None,
        "folded_charts_drawn_after_opening_s": round(unfolded_s, 2) if unfolded_s is not None else None,
    }


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
    chart_pages = [r for r in rows if r["charts"]]
    plain_pages = [r for r in rows if not r["charts"]]
    slowest = max((r for r in chart_pages if r["charts_drawn_s"] is not None),
                  key=lambda r: r["charts_drawn_s"], default=None)
    summary = {
        "pages": len(rows),
        "max_gzip_kb_page_without_charts": round(max(r["bytes_gzip"] for r in plain_pages) / 1024, 1),
        "max_gzip_kb_chart_page": round(max(r["bytes_gzip"] for r in chart_pages) / 1024, 1) if chart_pages else None,
        "max_charts_drawn_s": slowest["charts_drawn_s"] if slowest else None,
        "plotly_alone_charts_drawn_s_on_that_page": slowest["plotly_alone_charts_drawn_s"] if slowest else None,
        "max_folded_charts_drawn_after_opening_s": max(
            (r["folded_charts_drawn_after_opening_s"] for r in chart_pages
             if r["folded_charts_drawn_after_opening_s"] is not None), default=None),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "page_weight.json").write_text(json.dumps({"summary": summary, "pages": rows}, indent=2) + "\n")
    print(f"{'page':<44} {'html KB':>8} {'req':>4} {'raw KB':>8} {'gzip KB':>8} {'charts':>6} {'folded':>6} "
          f"{'drawn s':>8} {'(min–max)':>11} {'alone s':>8}")
    for r in rows:
        drawn = "" if r["charts_drawn_s"] is None else f"{r['charts_drawn_s']:.2f}"
        runs = r["charts_drawn_s_runs"]
        spread = f"({min(runs):.2f}–{max(runs):.2f})" if runs else ""
        alone = "" if r["plotly_alone_charts_drawn_s"] is None else f"{r['plotly_alone_charts_drawn_s']:.2f}"
        print(f"{r['page']:<44} {r['html_bytes'] / 1024:8.0f} {r['requests']:4d} {r['bytes_raw'] / 1024:8.0f} "
              f"{r['bytes_gzip'] / 1024:8.0f} {r['charts']:6d} {r['folded_charts']:6d} {drawn:>8} {spread:>11} {alone:>8}")
    for key, value in summary.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
