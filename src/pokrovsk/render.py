"""One figure object, one renderer.

A :class:`BookFigure` knows its title, alt text, caption, sources, data date and the data
behind it. :func:`show` turns it into what a reader needs: the chart (its static image at
once, drawn by plotly.js when the reader comes to it: the book ships one local copy, fetched
only on pages with charts, after they have loaded) or the static map, a caption with sources
and data date, and a download of the data.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import html
import io
import json
import logging
import os
import sys
import time
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

import plotly
import plotly.graph_objects as go
import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer
from plotly.io.json import to_json_plotly

from pokrovsk import words
from pokrovsk.chart_files import ASSETS_OF_NOTEBOOK, DRAWING_SUFFIX, NOTEBOOK_DOWNLOADS, PENDING_SUFFIX, PREVIEW_IMAGE
from pokrovsk.charts import reserve_label_margins

if TYPE_CHECKING:
    import matplotlib.figure
    import pandas as pd
    from IPython.display import Markdown

# No toolbar: on a phone it covers the legend and the title's first line, and every chart already
# offers its data and a static image.
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}
RENDERER_NAME = "pokrovsk"
BIBLIOGRAPHY_HREF = "../data/bibliography.html"
"""From a chapter page (book/chapters/*.html) to the generated bibliography."""


def trace_types(fig: go.Figure) -> str:
    """Space-separated trace types of a figure and its animation frames, so the book can ship the
    smallest plotly.js bundle that draws them all."""
    types = {trace.type for trace in fig.data}
    types |= {trace.type for frame in (fig.frames or ()) for trace in frame.data}
    return " ".join(sorted(types))


CHART_HEIGHT_PX = 450
"""plotly.js's own height for a chart whose layout sets none."""


def plotly_language_config() -> dict:
    """plotly.js's own words (month and day names on date axes and in hover labels, number
    separators) in the words' language, from Babel's data; nothing in English, plotly's own."""
    from babel import Locale
    from babel.numbers import get_decimal_symbol, get_group_symbol

    language = words.language()
    if language == words.DEFAULT_LANGUAGE:
        return {}
    locale = Locale.parse(language)
    sunday_first = (6, 0, 1, 2, 3, 4, 5)  # Babel counts from Monday, plotly from Sunday
    days, months = locale.days["format"], locale.months
    formats = {
        "days": [days["wide"][day] for day in sunday_first],
        "shortDays": [days["abbreviated"][day] for day in sunday_first],
        "months": [months["stand-alone"]["wide"][month] for month in range(1, 13)],
        "shortMonths": [months["format"]["abbreviated"][month] for month in range(1, 13)],
        "decimal": get_decimal_symbol(locale), "thousands": get_group_symbol(locale),
    }
    return {"locale": language, "locales": {language: {"dictionary": {}, "format": formats}}}


def chart_height(fig: go.Figure) -> int:
    return int(fig.layout.height or fig.layout.template.layout.height or CHART_HEIGHT_PX)


def plotly_html(fig: go.Figure, div_id: str, preview: str = "") -> str:
    """A chart as an HTML fragment: its box (holding ``preview``, the static image shown until
    the chart is drawn) and the figure as JSON, which the page's chart script
    (static/pokrovsk-charts.js) hands to plotly.js when the chart comes near the screen or a
    reader touches it. plotly.js itself is fetched only then, after the page has loaded.

    A chart inside a closed fold (an exercise's solution, say) is thus drawn when the reader
    opens the fold. The figure's left margin is first widened to fit its y labels (one drawing
    pass, not two).
    """
    reserve_label_margins(fig)
    spec = fig.to_dict()
    spec["config"] = {**PLOTLY_CONFIG, "responsive": True, **plotly_language_config()}
    return (f'<div data-trace-types="{trace_types(fig)}">'
            f'<div id="{div_id}" class="plotly-graph-div" style="height:{chart_height(fig)}px; width:100%;">'
            f'{preview}</div>'
            # to_json_plotly escapes <, > and /, so no text in the data can end the script element.
            f'<script type="application/json" id="{div_id}-figure">{to_json_plotly(spec)}</script></div>')


class LocalPlotlyRenderer(MimetypeRenderer):
    """Plain ``fig.show()`` in a chapter emits HTML that the book can keep.

    Plotly's default under papermill is ``application/vnd.plotly.v1+json``, which Jupyter
    Book 1 drops; its ``notebook`` renderer inlines 4.8 MB of plotly.js per page.
    """

    def __init__(self) -> None:
        self._count = 0

    def to_mimebundle(self, fig_dict: dict) -> dict[str, str]:
        self._count += 1
        return {"text/html": plotly_html(go.Figure(fig_dict), div_id=f"chart-{self._count}")}


def use_book_renderer() -> None:
    pio.renderers[RENDERER_NAME] = LocalPlotlyRenderer()
    pio.renderers.default = RENDERER_NAME


STATIC_WIDTH, STATIC_HEIGHT = 720, 500
"""A chart's static image size when neither the figure nor its chart sets one: 720 px is about the
text column on a desktop screen (672–774 CSS px, so the image shown until the chart is drawn
barely changes when it is) and on an A4 page."""
PHONE_IMAGE_WIDTH = 342
"""The text column on a 390 px phone screen (measured in Chromium): phones get their own image."""
PHONE_IMAGE_SCALE = 2
"""Phone screens have two or three device pixels per CSS pixel."""
PHONE_IMAGE_SUFFIX = "-phone"
PHONE_SCREEN = "(max-width: 540px)"
"""Screens whose text column is nearer the phone image's width than the desktop one's."""
CHART_PAINT = "chart-preview"
"""The Element Timing name of a chart's static image: the browser records when it was painted."""
IMAGE_COLOURS = 128
"""Charts use few colours: a palette makes their images several times lighter."""


def request_static_png(fig: go.Figure, path: Path, size: tuple[int, int], scale: int = 1) -> None:
    """Leave the chart for :func:`draw_pending_images`: starting a browser in every notebook
    (about 2.5 s each) costs more than drawing all of the book's images in one session. The
    image is ``size`` CSS pixels, drawn at ``scale`` device pixels per CSS pixel."""
    pending = path.with_name(path.stem + PENDING_SUFFIX)
    figure = {**fig.to_plotly_json(), "config": plotly_language_config()}
    pending.write_text(json.dumps({"figure": figure, "width": size[0], "height": size[1],
                                   "scale": scale}, cls=plotly.utils.PlotlyJSONEncoder), encoding="utf-8")


def _placeholder_png(path: Path, size: tuple[int, int]) -> None:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((20, size[1] // 2), "No static image: this book was built without Chromium. "
                               "The interactive chart and its data download are on the page.", fill="black")
    image.save(path, format="PNG", optimize=True)


NEAR_WHITE = 8
"""Palette colours this close to white (in every channel) are drawn white."""


def _save_with_palette(png: bytes, path: Path, dpi: float | None = None) -> None:
    """The image in a palette of IMAGE_COLOURS. Fast octree quantizing at zlib's default level
    takes an eighth of the time of median cut with `optimize` (2.8 s → 0.4 s for the book's 47
    images) and its files are a fifth smaller. Octree averages the colours it merges, which
    turns the white background faintly grey (252, 252, 250) against the white page, so colours
    next to white are set back to white."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        quantized = image.convert("RGB").quantize(colors=IMAGE_COLOURS, method=Image.Quantize.FASTOCTREE,
                                                  dither=Image.Dither.NONE)
    palette = quantized.getpalette()
    for start in range(0, len(palette), 3):
        if min(palette[start:start + 3]) >= 255 - NEAR_WHITE:
            palette[start:start + 3] = [255, 255, 255]
    quantized.putpalette(palette)
    quantized.save(path, format="PNG", **({"dpi": (round(dpi), round(dpi))} if dpi else {}))


DRAWER_NICENESS = 5
"""How far a build's drawer lowers its CPU priority (0 normal, 19 lowest). Its images are needed
last, to publish, yet drawing them takes about 4 s of CPU: on two cores, at 5 the notebooks and
Sphinx go first and the browser finishes about when Sphinx does; at 15 it drew only after the
notebooks and finished 1.4 s after Sphinx; at 0 it slowed the notebooks."""


def give_way() -> None:
    """Lower the CPU priority of this process and of every process it has started (the browser)
    to DRAWER_NICENESS.

    Where Linux schedules by session (autogroups, on by default), a process's own niceness only
    orders it against its own session, and Playwright starts Chromium in a session of its own.
    So the priority of each session that one of these processes leads is lowered too: the
    drawer's own, when the build starts it in a session of its own (never the session of a shell
    that started it), and the browser's. The kernel may refuse a session's change made within
    0.1 s of another; it is tried again."""
    for pid in (os.getpid(), *descendants(os.getpid())):
        with contextlib.suppress(OSError):  # it has ended
            os.setpriority(os.PRIO_PROCESS, pid, DRAWER_NICENESS)
            if os.getsid(pid) == pid:
                _lower_session(pid)


def session_niceness(pid: int) -> int | None:
    """The niceness of the session (autogroup) of process ``pid``: None where Linux does not
    schedule by session, for a process still in the first session (a container's first process
    and what it starts without a session of its own: Linux lists no group for them), or once the
    process has ended."""
    try:
        return int(Path(f"/proc/{pid}/autogroup").read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        return None


def _lower_session(pid: int) -> None:
    for _ in range(10):
        if session_niceness(pid) in (None, DRAWER_NICENESS):
            return
        try:
            Path(f"/proc/{pid}/autogroup").write_text(f"{DRAWER_NICENESS}\n")
            return
        except BlockingIOError:
            time.sleep(0.1)
        except OSError:
            return  # not allowed here: the process's own niceness still orders it within its session


def descendants(pid: int) -> list[int]:
    """The processes started by ``pid``, by the processes it started, and so on."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, waiting = [], list(children.get(pid, []))
    while waiting:
        found.append(child := waiting.pop())
        waiting.extend(children.get(child, []))
    return found


DRAW_IMAGES_JS = """specs => Promise.all(specs.map(spec => Plotly.toImage(
  {data: spec.figure.data || [], layout: spec.figure.layout || {}, config: spec.figure.config || {}},
  {format: 'png', width: spec.width, height: spec.height, scale: spec.scale || 1})))"""


class ImageDrawer:
    """Draws pending chart images in headless Debian Chromium, with the plotly.js of the installed
    plotly package; without Chromium, placeholders that say so.

    Charts whose traces all fit the partial "basic" bundle are drawn with it when the build has
    already cached it (pokrovsk.plotlyjs): Chromium takes 0.3 s to load it against 1.5 s for the
    full bundle, and the images come out the same, pixel for pixel. Each bundle gets its own page,
    opened when a chart first needs it."""

    def __init__(self) -> None:
        from pokrovsk.browser import CHROMIUM, CHROMIUM_ARGS

        self._playwright = None
        self._browser = None
        self._pages: dict[Path, Any] = {}
        if not CHROMIUM.exists():
            logging.getLogger(__name__).warning("static chart images replaced by placeholders: %s not found",
                                                CHROMIUM)
            return
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as error:  # a Chromium that will not start is treated like a missing one
            logging.getLogger(__name__).warning("static chart images replaced by placeholders: %s", error)
            self.close()

    def _page_for(self, specs: list[dict]) -> Any:
        from pokrovsk import plotlyjs

        trace_types = {trace.get("type", "scatter") for spec in specs for trace in spec["figure"].get("data", [])}
        basic = plotlyjs.cached_basic()
        bundle = basic if basic is not None and trace_types <= plotlyjs.BASIC_TRACE_TYPES else plotlyjs.full_bundle()
        if bundle not in self._pages:
            page = self._browser.new_page()
            page.set_content("<!doctype html><html><head></head><body></body></html>")
            page.add_script_tag(path=str(bundle))
            self._pages[bundle] = page
        return self._pages[bundle]

    def draw(self, folder: Path) -> int:
        """Draw everything pending under ``folder``; each image appears complete or not at all."""
        pending = sorted(folder.rglob(f"*{PENDING_SUFFIX}")) if folder.is_dir() else []
        specs = [json.loads(request.read_text(encoding="utf-8")) for request in pending]
        images = (self._page_for(specs).evaluate(DRAW_IMAGES_JS, specs) if self._browser is not None and specs
                  else [None] * len(specs))
        for request, spec, image in zip(pending, specs, images):
            target = request.with_name(request.name.removesuffix(PENDING_SUFFIX) + ".png")
            partial = target.with_name(target.name + DRAWING_SUFFIX)
            if image is None:
                _placeholder_png(partial, (spec["width"], spec["height"]))
            else:
                _save_with_palette(base64.b64decode(image.split(",", 1)[1]), partial)
            os.replace(partial, target)
            request.unlink()
        return len(pending)

    def close(self) -> None:
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None
            self._browser = None

    def __enter__(self) -> "ImageDrawer":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def draw_pending_images(folders: list[Path]) -> int:
    """Draw every pending chart image under ``folders``; returns the count."""
    if not any(folder.is_dir() and next(folder.rglob(f"*{PENDING_SUFFIX}"), None) for folder in folders):
        return 0
    with ImageDrawer() as drawer:
        return sum(drawer.draw(folder) for folder in folders)


def asset_prefix() -> str:
    """Where a chapter writes its files, relative to its page (set by the build per notebook)."""
    return os.environ.get("POKROVSK_ASSET_PREFIX", "assets")


SOURCE_PAGES = "../../_modules"
"""From a chapter page to the source pages that Sphinx's viewcode builds."""


def notebook_download(prefix: str) -> str | None:
    """The committed notebook of the page being built, relative to the page; None outside a build."""
    if not prefix.startswith(ASSETS_OF_NOTEBOOK):
        return None
    return f"{NOTEBOOK_DOWNLOADS}/{prefix.removeprefix(ASSETS_OF_NOTEBOOK)}.ipynb"


def source_page(builder: str) -> str:
    """The viewcode page and anchor of a function, e.g. pokrovsk.chapters.where.region_figure."""
    module, _, name = builder.partition(":")
    return f"{SOURCE_PAGES}/{module.replace('.', '/')}.html#{name}"


def _calling_builder() -> str | None:
    """``module:qualified.name`` of the function that asked for a figure: the outermost function of
    this package on the stack (the one a chapter notebook called), so a figure drawn by a helper
    still names the builder the notebook used."""
    frame: types.FrameType | None = sys._getframe(1)
    found = None
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith("pokrovsk.") and module != __name__:
            found = f"{module}:{frame.f_code.co_qualname}"
        elif found and module != __name__:
            break
        frame = frame.f_back
    return found


@dataclasses.dataclass
class BookFigure:
    """Everything a reader needs about one chart or map."""

    name: str
    """Slug: file names and element ids derive from it."""
    title: str
    """States the finding, e.g. 'Pokrovsk lost most of its people in 2024'."""
    alt: str
    """Short alt text: what the figure shows, for screen readers."""
    caption: str
    """One or two sentences of context, in our words."""
    citations: list[tuple[str, str]]
    """``[(label, source id)]`` (see pokrovsk.sources.cited_sources); each links to the bibliography."""
    data_date: dt.date | str
    data: "pd.DataFrame"
    """The data behind the figure; offered as a download (GeoJSON when it has geometry)."""
    chart: go.Figure | None = None
    image: "matplotlib.figure.Figure | None" = None
    long_description: str | None = None
    """For maps: a longer text description of what the map shows."""
    notes: list[str] = dataclasses.field(default_factory=list)
    """Extra lines shown under the caption, e.g. which basemap a map used."""
    static_size: tuple[int, int] | None = None
    """Width and height in pixels of a chart's static image (print, no JavaScript); by default
    900 px wide and as tall as the chart itself, so its rows and labels keep their room."""
    builder: str | None = None
    """``module:qualified.name`` of the function that drew it, linked from the caption ("how this
    was made"); by default the package function that created the figure (see _calling_builder)."""

    def __post_init__(self) -> None:
        if self.builder is None:
            self.builder = _calling_builder()
        if (self.chart is None) == (self.image is None):
            raise ValueError(f"figure {self.name!r} needs exactly one of chart or image")
        if not self.alt.strip():
            raise ValueError(f"figure {self.name!r} needs alt text")


def _write_download(figure: BookFigure, folder: Path) -> str:
    geometry = getattr(figure.data, "geometry", None) if hasattr(figure.data, "geometry") else None
    if geometry is not None and hasattr(figure.data, "to_json"):
        filename = f"{figure.name}.geojson"
        (folder / filename).write_text(figure.data.to_json(drop_id=True, to_wgs84=True), encoding="utf-8")
    else:
        filename = f"{figure.name}.csv"
        figure.data.to_csv(folder / filename, index=False, lineterminator="\n")
    return filename


MAP_WIDTH_PX = 1100
"""The width of a map image in pixels: shown shrunk to the column, sharp when opened at full size."""
PHONE_COLUMN_CSS_PX = 342
"""The width of the text column on a 390 px phone screen (measured in Chromium), where a map
image is shrunk most."""
SMALLEST_TEXT_CSS_PX = 11
"""No map text may show smaller than this on a phone (nor, the column being wider, on a desktop)."""


def legible_on_phones(fig: "matplotlib.figure.Figure") -> float:
    """Shrink the figure, not its text, until its smallest text shows at least 11 CSS px when the
    image fills a phone's column; returns the DPI that makes the saved image MAP_WIDTH_PX wide."""
    import matplotlib
    from matplotlib.text import Text

    pad_in = 2 * matplotlib.rcParams["savefig.pad_inches"]  # bbox_inches="tight" adds it on both sides
    # An axis switched off keeps its label objects (geopandas names them "Easting [metre]"), but
    # they are never drawn: counting them would shrink a map for text no reader sees.
    undrawn = {id(label) for ax in fig.axes if not ax.axison for label in (ax.xaxis.label, ax.yaxis.label)}
    sizes = [text.get_fontsize() for text in fig.findobj(Text)
             if text.get_visible() and text.get_text().strip() and id(text) not in undrawn]
    width_in = fig.get_tightbbox().width + pad_in
    for _ in range(5):  # the tight box holds text that does not shrink with the figure: converge
        shown_px = min(sizes, default=SMALLEST_TEXT_CSS_PX * 72) / 72 * PHONE_COLUMN_CSS_PX / width_in
        if shown_px >= SMALLEST_TEXT_CSS_PX:
            break
        scale = shown_px / SMALLEST_TEXT_CSS_PX * 0.99
        fig.set_size_inches(fig.get_figwidth() * scale, fig.get_figheight() * scale)
        width_in = fig.get_tightbbox().width + pad_in
    return MAP_WIDTH_PX / width_in


def _write_image(figure: BookFigure, folder: Path) -> str:
    filename = f"{figure.name}.png"
    buffer = io.BytesIO()
    dpi = legible_on_phones(figure.image)
    # An uncompressed intermediate: only the quantized image below is worth compressing.
    figure.image.savefig(buffer, dpi=dpi, bbox_inches="tight", metadata={"Software": None},
                         pil_kwargs={"compress_level": 0})
    # Maps use few colours: a palette makes them several times lighter for phones, and fixed
    # metadata keeps the bytes identical for identical inputs.
    _save_with_palette(buffer.getvalue(), folder / filename, dpi)
    return filename


def _pixel_size(image: Path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(image) as opened:  # reads the header alone
        return opened.size


def chart_html(figure: BookFigure, prefix: str, folder: Path) -> str:
    """The chart, shown at once as its static image (one drawn for phones, one for wider
    screens), then drawn by plotly.js when needed (see :func:`plotly_html`). Print and readers
    without JavaScript get the static image alone (the <noscript> one, for any print stylesheet
    that hides the interactive box)."""
    esc = html.escape
    chart = figure.chart
    chart.update_layout(title=None)  # the title is the <figure>'s heading, read by everyone
    static, phone = f"{figure.name}.png", f"{figure.name}{PHONE_IMAGE_SUFFIX}.png"
    width, height = figure.static_size or (STATIC_WIDTH, chart.layout.height or STATIC_HEIGHT)
    request_static_png(chart, folder / static, (width, height))
    request_static_png(chart, folder / phone, (PHONE_IMAGE_WIDTH, chart_height(chart)), PHONE_IMAGE_SCALE)
    preview = (f'<picture><source media="{PHONE_SCREEN}" srcset="{esc(prefix)}/{esc(phone)}">'
               f'{PREVIEW_IMAGE} src="{esc(prefix)}/{esc(static)}" alt="{esc(figure.alt)}" '
               f'width="{width}" height="{height}" loading="lazy" elementtiming="{CHART_PAINT}"></picture>')
    interactive = plotly_html(chart, div_id=f"chart-{figure.name}", preview=preview)
    fallback = f'<img class="pk-static" src="{esc(prefix)}/{esc(static)}" alt="{esc(figure.alt)}">'
    # A group, not an image: the chart holds buttons and a slider a keyboard can reach.
    return (f'<div class="pk-chart" role="group" aria-label="{esc(figure.alt)}">{interactive}</div>'
            f"<noscript>{fallback}</noscript>")


def figure_html(figure: BookFigure, prefix: str, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    download = _write_download(figure, folder)
    esc = html.escape
    if figure.chart is not None:
        body = chart_html(figure, prefix, folder)
    else:
        filename = _write_image(figure, folder)
        image = f"{esc(prefix)}/{esc(filename)}"
        width, height = _pixel_size(folder / filename)
        # A click opens the full-size image: the column shrinks the map, the file keeps every label.
        # Its size is given so that the page keeps its room while it loads: the text below does not
        # jump when the reader scrolls to it (and a tap meant for the text does not land on the map).
        body = (f'<a class="pk-map-full" href="{image}" title="{esc(words.say("figures.full_size"))}">'
                f'<img class="pk-map" src="{image}" alt="{esc(figure.alt)}" width="{width}" height="{height}" '
                f'loading="lazy"></a>')
    long = ""
    if figure.long_description:
        long = (f'<details class="pk-long-description"><summary>{esc(words.say("figures.describe"))}</summary>'
                f"<p>{esc(figure.long_description)}</p></details>")
    notes = "".join(f'<span class="pk-note">{esc(note)}</span> ' for note in figure.notes if note)
    main, every = _credits(figure)
    return (
        f'<figure class="pk-figure" id="fig-{esc(figure.name)}">'
        f'<p class="pk-figure-title"><strong>{esc(figure.title)}</strong></p>'
        f"{body}"
        f'<figcaption class="pk-caption">{esc(figure.caption)} '
        f'<span class="pk-source">{main}</span> '
        f'<span class="pk-date">{esc(words.say("common.footer.data_as_of", date=figure.data_date))}.</span> {notes}'
        f'<a class="pk-download" href="{esc(prefix)}/{esc(download)}" download>'
        f'{esc(words.say("figures.download", format=download.rsplit(".", 1)[1].upper()))}</a>'
        f"{_how_it_was_made(figure.builder, prefix)}{every}</figcaption>{long}</figure>"
    )


MAIN_SOURCES = 3
"""A caption names this many sources; the full list is one click away, in a fold."""


def _main_citations(figure: BookFigure) -> list[tuple[str, str]]:
    """The figure's citations that the most rows of its data rest on, in the caption's order."""
    from pokrovsk.sources import split_ids  # pandas: imported only where figures are rendered

    cited = figure.citations
    if len(cited) <= MAIN_SOURCES:
        return cited
    column = figure.data["source_ids"] if "source_ids" in getattr(figure.data, "columns", ()) else []
    rows = [set(split_ids(value)) for value in column]
    weight = {source_id: sum(source_id in ids for ids in rows) for _, source_id in cited}
    chosen = sorted(cited, key=lambda citation: -weight[citation[1]])[:MAIN_SOURCES]
    return [citation for citation in cited if citation in chosen]


def _credits(figure: BookFigure) -> tuple[str, str]:
    """Short credits for the caption, and the fold with every source when there are more."""
    def links(citations) -> str:
        return "; ".join(f'<a href="{BIBLIOGRAPHY_HREF}#source-{html.escape(source_id)}">{html.escape(label)}</a>'
                         for label, source_id in citations)

    main = _main_citations(figure)
    more = len(figure.citations) - len(main)
    short = words.say("common.credits.short", sources=links(main), more=more)
    if not more:
        return short, ""
    return short, (f'<details class="pk-all-sources"><summary>{html.escape(words.say("common.credits.all", count=len(figure.citations)))}'
                   f"</summary><p>{links(figure.citations)}.</p></details>")


def _how_it_was_made(builder: str | None, prefix: str) -> str:
    """One hop to the code: the function that drew the figure and the chapter's notebook."""
    links = []
    if builder:
        links.append(f'<a href="{html.escape(source_page(builder))}">{html.escape(words.say("figures.builder_link"))}</a>')
    notebook = notebook_download(prefix)
    if notebook:
        links.append(f'<a href="{html.escape(notebook)}" download>{html.escape(words.say("figures.notebook_link"))}</a>')
    if not links:
        return ""
    made = words.say("figures.how_made", links=words.listing(links))
    return f' <span class="pk-how" data-pk-builder="{html.escape(builder or "")}">{made}</span>'


class _HTML:
    """Display wrapper: Jupyter shows it as HTML, papermill records it as text/html."""

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup


def show(figure: BookFigure | Markdown) -> Any:
    """Render a figure into the current notebook and write its files next to the notebook. A
    figure builder whose data did not exist yet at ``as_of`` returns a sentence saying so
    (Markdown), which is shown in the figure's place."""
    from IPython.display import Markdown, display

    if isinstance(figure, Markdown):
        display(figure)
        return
    prefix = asset_prefix()
    display(_HTML(figure_html(figure, prefix, Path.cwd() / prefix)))


if __name__ == "__main__":
    # python -m pokrovsk.render FOLDER...: draw what is pending under each folder.
    # python -m pokrovsk.render -: the same for folders read from standard input, one per line,
    # as a build hands them over (so drawing overlaps the rest of the build).
    if sys.argv[1:] == ["-"]:
        # The build needs the images last, to publish: the drawer (and the Chromium it starts)
        # gives way to the notebooks and Sphinx, and uses the core Sphinx leaves idle at the end.
        give_way()
        with ImageDrawer() as image_drawer:
            give_way()  # the browser, started in a session of its own
            count = sum(image_drawer.draw(Path(line.strip())) for line in sys.stdin if line.strip())
    else:
        count = draw_pending_images([Path(folder) for folder in sys.argv[1:]])
    print(f"{count} static chart image(s) drawn")
