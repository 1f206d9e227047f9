"""Chapter 5, "The front line, day by day": DeepState's occupied area around Pokrovsk from a
local front-line store (``pokrovsk frontlines import``), month by month on a map, as areas and
distances over time, and against the capture dates reported in ``data/events.csv``.

The store is optional: without one (``frontlines`` is None) the chapter says so in one line and
every figure function returns None. Everything is cut at ``as_of`` and measured in UTM zone 37N
(EPSG:32637), in kilometres from the book's centre.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from IPython.display import Markdown
from plotly.subplots import make_subplots

from pokrovsk import data, render
from pokrovsk.chapter import Chapter
from pokrovsk.charts import PALETTE, QUALIFIER_PREFIX
from pokrovsk.frontlines.aoi import metric_point, polygonal, to_metric
from pokrovsk.frontlines.control import settlement_control
from pokrovsk.frontlines.importers import CATEGORIES, GREY_ZONE, OCCUPIED
from pokrovsk.frontlines.metrics import DISTANCE_COLUMN, area_column, frontline_metrics
from pokrovsk.frontlines.store import FrontlineStore
from pokrovsk.markup import md_text
from pokrovsk.sources import human_date, ids_in
from pokrovsk.vocabulary import CLAIMANT, VERIFICATION

CENTRE_PLACE = "pokrovsk"
RADII_KM = (5.0, 10.0, 15.0, 30.0)
HEADLINE_RADIUS_KM = 30.0
RINGS_KM = (10.0, 20.0, 30.0)
VIEW_HALF_WIDTH_KM = 36.0
"""The map shows a square this far from the centre each way: the outer ring and a margin."""
SIMPLIFY_TOLERANCE_M = 75.0
"""Polygon simplification for the animated map: invisible at its scale, and it keeps the page light."""
KM_DECIMALS = 2
"""Map coordinates are rounded to 10 m."""
LABELLED_KINDS = ("city", "town")
FRAME_MS = 700
NEAR_SIMULTANEOUS_DAYS = 2
"""Two files this close describe the same front, give or take a day's movement."""

ARCHIVES = {
    "daily": "the DeepState map's daily merged files, archived by cyterat/deepstate-map-data",
    "raw": "DeepState's own map export (raw snapshots, the format archived by DanielRose2310/deepstatemaps-history)",
}
SHORT_ARCHIVE = {"daily": "daily archive", "raw": "raw export"}
HOW_TO_ADD = ("to add them, import DeepState files with `pokrovsk frontlines import PATH` (or download the daily "
              "archive with `pokrovsk frontlines fetch`), then build with `pokrovsk build --frontlines STORE`.")

CAPTURE_REPORTS = {
    "avdiivka": ("2024-02-17-avdiivka-withdrawal",),
    "ocheretyne": ("2024-05-05-ocheretyne-claimed",),
    "novohrodivka": ("2024-09-02-novohrodivka-withdrawal", "2024-09-08-novohrodivka-claimed"),
    "vuhledar": ("2024-10-01-vuhledar-falls",),
    "selydove": ("2024-10-29-selydove-claimed",),
    "kurakhove": ("2025-01-06-kurakhove-claimed",),
    "toretsk": ("2025-02-07-toretsk-claimed",),
    "chasiv-yar": ("2025-07-31-chasiv-yar-claimed",),
    "pokrovsk": ("2025-11-30-gerasimov-reports-capture", "2025-12-01-kremlin-announces-capture",
                 "2026-02-isw-capture-assessment"),
    "myrnohrad": ("2025-12-27-myrnohrad-claimed",),
}
"""Per place, the events in data/events.csv that report it taken: Russia's capture claims, Ukraine's
withdrawals and independent reports of its fall (picked by hand from titles and descriptions;
entries, footholds and denials are left out)."""

REPORTERS = {
    # claimant: (label, colour, plotly symbol)
    "russia": ("Russia's claim", PALETTE["vermillion"], "diamond"),
    "ukraine": ("Ukraine's withdrawal", PALETTE["blue"], "square"),
    "independent": ("Independent report", PALETTE["green"], "triangle-up"),
}
SOURCE_STYLE = {"daily": ("Daily archive", "circle", 5), "raw": ("Raw export", "square-open", 9)}
OCCUPIED_COLOUR = PALETTE["vermillion"]
GREY_ZONE_COLOUR = PALETTE["grey"]
# How a reported capture date sits against the maps (see _verdict).
AGREES = "agrees"
MAP_EARLIER = "map earlier"
MAP_LATER = "map later"
NOT_SHOWN = "not shown occupied"
UNCHECKABLE = "after the stored dates"

REPORTED_MEASURES = {"to_city": "to the city", "to_outskirts": "to the outskirts", "to_centre": "to the centre",
                     "inside_city": "inside the city"}
"""Reported distances that can sit beside the distance from the centre (not corridors or mine shafts)."""
VERDICT_WORDS = {
    AGREES: "agrees",
    MAP_EARLIER: "map {days} earlier",
    MAP_LATER: "map {days} later",
    NOT_SHOWN: "never inside on the map",
    UNCHECKABLE: "after the last stored map",
}
VERDICT_SHORT = {
    AGREES: "agrees",
    MAP_EARLIER: "map {days} d earlier",
    MAP_LATER: "map {days} d later",
    NOT_SHOWN: "never inside",
    UNCHECKABLE: "not yet mapped",
}
"""For the chart's margin: one line per report, in date order."""
VERDICT_SENTENCES = {
    AGREES: "this falls between the two maps",
    MAP_EARLIER: "the map showed it inside {days} before",
    MAP_LATER: "the map showed it inside only {days} later",
    NOT_SHOWN: "the map never shows it inside, up to its last stored date",
    UNCHECKABLE: "this comes after the last stored map, so it cannot be checked",
}


# --- The store, cut at as_of -----------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class FrontLines:
    """The store's dates up to ``as_of`` and their metrics around the book's centre."""

    store: FrontlineStore
    metrics: pd.DataFrame
    """frontline_metrics plus ``format`` (daily/raw) per date."""
    left_out: int
    """Stored dates after ``as_of``."""

    @property
    def first(self) -> dt.date:
        return self.store.dates()[0]

    @property
    def last(self) -> dt.date:
        return self.store.dates()[-1]


def store_until(store: FrontlineStore, last_day: dt.date) -> FrontlineStore:
    """The same store without its dates after ``last_day`` (in memory; nothing is written)."""
    imports = [record for record in store.imports if record.date <= last_day]
    layers = {}
    for day in store.dates():
        if day > last_day:
            break
        for category in CATEGORIES:
            geometry = store.geometry(day, category)
            if geometry is not None:
                layers[(day, category)] = shapely.to_wkb(geometry)
    return FrontlineStore(store.directory, store.aoi, imports, layers)


@functools.lru_cache(maxsize=4)
def _load(store_file: Path, modified_ns: int, as_of: dt.date, centre: tuple[float, float]) -> FrontLines:
    full = FrontlineStore.open(store_file.parent)
    store = store_until(full, as_of)
    metrics = frontline_metrics(store, centre, RADII_KM) if store.dates() else pd.DataFrame()
    if not metrics.empty:
        formats = {day: record.format for day, record in store.sources().items()}
        metrics["format"] = metrics["date"].map(formats)
    return FrontLines(store, metrics, len(full.dates()) - len(store.dates()))


def front_lines(chapter: Chapter) -> FrontLines | None:
    """The edition's front lines, or None when it has none (no store, or nothing up to as_of)."""
    if chapter.params.frontlines is None:
        return None
    store_file = FrontlineStore.open(Path(chapter.params.frontlines)).path
    if not store_file.exists():
        return None
    loaded = _load(store_file, store_file.stat().st_mtime_ns, chapter.as_of, tuple(chapter.params.centre))
    return loaded if loaded.store.dates() else None


def show(figure: render.BookFigure | None) -> None:
    """Show a figure; without front lines there is none, and the chapter's first line says why."""
    if figure is not None:
        render.show(figure)


def edition_note(chapter: Chapter) -> Markdown:
    """One line: what this edition's front lines are, or how to add them."""
    if chapter.params.frontlines is None:
        return Markdown(f"The real front lines are not in this edition, so the maps and charts described below are "
                        f"missing: {HOW_TO_ADD}")
    if not FrontlineStore.open(Path(chapter.params.frontlines)).path.exists():
        return Markdown(f"No front-line store was found in the folder given for this edition, so no front lines "
                        f"are shown: {HOW_TO_ADD}")
    lines = front_lines(chapter)
    if lines is None:
        return Markdown(f"The front-line store given for this edition holds no front lines up to "
                        f"{human_date(chapter.as_of)}, so none are shown: {HOW_TO_ADD}")
    counts = lines.metrics.groupby("format")["date"].agg(["count", "min", "max"])
    parts = [f"{row['count']} from {md_text(ARCHIVES[fmt])} ({_span(row['min'], row['max'])})"
             for fmt, row in counts.sort_values("min").iterrows()]
    later = (f" Stored dates after {human_date(chapter.as_of)} ({lines.left_out}) are left out."
             if lines.left_out else "")
    return Markdown(f"This edition draws the front line from {len(lines.metrics)} dated DeepState maps, "
                    f"{_span(lines.first, lines.last)}: {'; '.join(parts)}.{later}")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" + ("" if number == 1 else "s")


def _days(number: int) -> str:
    return _count(number, "day")


def _span(first: dt.date, last: dt.date) -> str:
    return human_date(first) if first == last else f"{human_date(first)} to {human_date(last)}"


def monthly_dates(dates) -> list[dt.date]:
    """The first date of each month that has any."""
    firsts: dict[tuple[int, int], dt.date] = {}
    for day in sorted(dates):
        firsts.setdefault((day.year, day.month), day)
    return list(firsts.values())


def _area(row: pd.Series, radius_km: float, category: str = OCCUPIED) -> float:
    return float(row[area_column(category, radius_km)])


def _centre_name(chapter: Chapter) -> str:
    return str(chapter.place(CENTRE_PLACE)["name_en"])


def _centre_sources(chapter: Chapter) -> list[str]:
    return str(chapter.place(CENTRE_PLACE)["source_ids"]).split(";")


def _archive_words(metrics: pd.DataFrame) -> str:
    formats = list(dict.fromkeys(metrics.sort_values("date")["format"]))
    return " and ".join(ARCHIVES[fmt] for fmt in formats)


def _grey_zone_words(metrics: pd.DataFrame) -> str:
    if (metrics["format"] == "raw").any():
        return ("The grey zone (ground of unknown status) is drawn only on dates from the raw export; the daily "
                "archive leaves it out.")
    return "The daily archive has no grey zone (ground of unknown status), so none is drawn."


# --- The animated map ------------------------------------------------------------------------

class _View:
    """Projects lon/lat geometry into kilometres from the centre, cut to the map's square."""

    def __init__(self, centre: tuple[float, float]):
        self.origin = np.array(metric_point(*centre).coords[0])
        half = VIEW_HALF_WIDTH_KM * 1000.0
        self.box = shapely.box(*(self.origin - half), *(self.origin + half))

    def km(self, metric_geometry):
        return shapely.transform(metric_geometry, lambda xy: np.round((xy - self.origin) / 1000.0, KM_DECIMALS))

    def polygons(self, lonlat_geometry) -> shapely.MultiPolygon:
        inside = shapely.intersection(to_metric(lonlat_geometry), self.box)
        simple = shapely.simplify(inside, SIMPLIFY_TOLERANCE_M, preserve_topology=True)
        # Holes need the opposite winding from their shell to stay empty under plotly's fill.
        return polygonal(self.km(shapely.orient_polygons(polygonal(simple))))

    def lines(self, lonlat_lines) -> list:
        return [self.km(shapely.intersection(to_metric(line), self.box)) for line in lonlat_lines]

    def contains(self, lonlat_point) -> bool:
        return bool(shapely.intersects(self.box, to_metric(lonlat_point)))


def _paths(geometry) -> tuple[list, list]:
    """Every ring (or line) as a sub-path, separated by None, the way plotly draws gaps."""
    xs: list = []
    ys: list = []
    for part in shapely.get_parts(geometry):
        rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
        for ring in rings:
            coords = np.asarray(ring.coords)
            if len(coords):
                xs += [*coords[:, 0].tolist(), None]
                ys += [*coords[:, 1].tolist(), None]
    return xs, ys


def _layer_traces(view: _View, store: FrontlineStore, day: dt.date) -> list[go.Scatter]:
    occupied_x, occupied_y = _paths(view.polygons(store.geometry(day, OCCUPIED)))
    grey = store.geometry(day, GREY_ZONE)
    # A lone gap keeps the grey zone in the legend on dates that have none.
    grey_x, grey_y = _paths(view.polygons(grey)) if grey is not None else ([None], [None])
    return [
        go.Scatter(x=occupied_x, y=occupied_y, mode="lines", fill="toself", name="Occupied (DeepState)",
                   fillcolor="rgba(213, 94, 0, 0.55)", line=dict(color=OCCUPIED_COLOUR, width=1),
                   hoveron="fills", hoverinfo="name", legendrank=1),
        go.Scatter(x=grey_x, y=grey_y, mode="lines", fill="toself", name="Grey zone (raw export only)",
                   fillcolor="rgba(107, 107, 107, 0.25)", line=dict(color=GREY_ZONE_COLOUR, width=1, dash="dot"),
                   hoveron="fills", hoverinfo="name", legendrank=2),
    ]


def _context_traces(view: _View, places, network) -> list[go.Scatter]:
    traces = []
    ring_x: list = []
    ring_y: list = []
    for radius in RINGS_KM:
        angles = np.linspace(0, 2 * math.pi, 181)
        ring_x += [*np.round(radius * np.sin(angles), KM_DECIMALS).tolist(), None]
        ring_y += [*np.round(radius * np.cos(angles), KM_DECIMALS).tolist(), None]
    traces.append(go.Scatter(x=ring_x, y=ring_y, mode="lines", name="Distance from the centre",
                             line=dict(color="#8a8a8a", width=1, dash="dash"), hoverinfo="skip", legendrank=5))
    # Labelled on the north-west diagonal, where no town label sits.
    diagonal = [round(radius / math.sqrt(2), KM_DECIMALS) for radius in RINGS_KM]
    traces.append(go.Scatter(x=[-d for d in diagonal], y=diagonal, mode="text", showlegend=False,
                             text=[f"{radius:g} km" for radius in RINGS_KM], textposition="middle center",
                             textfont=dict(size=11, color="#555"), hoverinfo="skip"))
    for mode, label, style in (("road", "Road (schematic)", dict(color="#4d4d4d", width=1.6)),
                               ("rail", "Railway (schematic)", dict(color=PALETTE["black"], width=1.3, dash="dash"))):
        links = network[network["mode"] == mode]
        xs: list = []
        ys: list = []
        texts: list = []
        for designation, line in zip(links["designation"], view.lines(links.geometry.values)):
            line_x, line_y = _paths(line)
            xs += line_x
            ys += line_y
            texts += [designation if x is not None else None for x in line_x]
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", name=label, line=style, text=texts,
                                 hovertemplate="%{text} (schematic)<extra></extra>", legendrank=4))
    xy = np.array([view.km(to_metric(point)).coords[0] for point in places.geometry])
    centre = places["place_id"].eq(CENTRE_PLACE).to_numpy()
    labelled = places["kind"].isin(LABELLED_KINDS).to_numpy()
    traces.append(go.Scatter(
        x=xy[~centre, 0], y=xy[~centre, 1], mode="markers+text", name="Places",
        text=[name if show_label else "" for name, show_label in zip(places["name_en"][~centre], labelled[~centre])],
        hovertext=places["name_en"][~centre], hoverinfo="text", textposition="top center",
        textfont=dict(size=12, color="#1a1a1a"), marker=dict(color="white", size=7, line=dict(color="black", width=1.5)),
        legendrank=6))
    traces.append(go.Scatter(
        x=xy[centre, 0], y=xy[centre, 1], mode="markers+text", name=places["name_en"][centre].iloc[0],
        text=places["name_en"][centre], hoverinfo="text", hovertext=places["name_en"][centre],
        textposition="top left", textfont=dict(size=14, color="black"),
        marker=dict(symbol="star", size=16, color="black", line=dict(color="white", width=1)), legendrank=3))
    return traces


def _frame_note(day: dt.date, row: pd.Series) -> dict:
    text = (f"<b>{human_date(day)}</b> ({SHORT_ARCHIVE[row['format']]}): {_area(row, HEADLINE_RADIUS_KM):,.0f} km² "
            f"occupied within {HEADLINE_RADIUS_KM:g} km")
    if row["format"] == "raw":
        text += f", {_area(row, HEADLINE_RADIUS_KM, GREY_ZONE):,.0f} km² grey zone"
    return dict(text=text, xref="paper", yref="paper", x=0.01, y=0.99, xanchor="left", yanchor="top",
                showarrow=False, bgcolor="rgba(255,255,255,0.85)", font=dict(size=13))


def _animation_controls(days: list[dt.date]) -> dict:
    step_args = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    slider = dict(
        active=len(days) - 1, x=0.16, len=0.84, y=-0.1, yanchor="top", pad=dict(t=30, b=8),
        currentvalue=dict(prefix="DeepState map of ", font=dict(size=14), xanchor="right"),
        font=dict(size=9, color="#555"), ticklen=4,
        steps=[dict(method="animate", label=human_date(day), args=[[day.isoformat()], step_args]) for day in days],
    )
    play = dict(label="▶ Play", method="animate",
                args=[None, dict(mode="immediate", fromcurrent=False, frame=dict(duration=FRAME_MS, redraw=True),
                                 transition=dict(duration=0))])
    pause = dict(label="❚❚ Pause", method="animate",
                 args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                    transition=dict(duration=0))])
    menu = dict(type="buttons", direction="left", x=0, y=-0.1, xanchor="left", yanchor="top", pad=dict(t=40, r=8),
                showactive=False, buttons=[play, pause])
    return dict(sliders=[slider], updatemenus=[menu])


def frames_table(lines: FrontLines) -> pd.DataFrame:
    """One row per map frame (the first stored date of each month) with its measurements."""
    days = monthly_dates(lines.metrics["date"])
    return lines.metrics[lines.metrics["date"].isin(days)].reset_index(drop=True)


@dataclasses.dataclass(frozen=True)
class _MapContext:
    view: _View
    places: pd.DataFrame
    """Located settlements inside the map's square."""
    network: pd.DataFrame
    """Schematic links that cross the map's square."""


def _map_context(chapter: Chapter) -> _MapContext:
    view = _View(tuple(chapter.params.centre))
    places = data.load_places(chapter.data_dir)
    places = places[places["lat"].notna() & ~places["kind"].isin(data.NON_SETTLEMENT_KINDS)]
    places = places[np.array([view.contains(point) for point in places.geometry], dtype=bool)]
    network = data.load_network(chapter.data_dir)
    network = network[np.array([not line.is_empty for line in view.lines(network.geometry.values)], dtype=bool)]
    return _MapContext(view, places.reset_index(drop=True), network.reset_index(drop=True))


def front_line_map(lines: FrontLines, context: _MapContext) -> go.Figure:
    """The occupied area and grey zone, one frame per month, over the places and the schematic network."""
    view = context.view
    frames_rows = frames_table(lines)
    days = list(frames_rows["date"])
    layers = {day: _layer_traces(view, lines.store, day) for day in days}
    notes = {day: _frame_note(day, row) for day, row in zip(days, frames_rows.to_dict("records"))}
    fig = go.Figure(data=[*layers[days[-1]], *_context_traces(view, context.places, context.network)])
    fig.frames = [go.Frame(name=day.isoformat(), data=layers[day], traces=[0, 1],
                           layout=dict(annotations=[notes[day]])) for day in days]
    limit = [-VIEW_HALF_WIDTH_KM, VIEW_HALF_WIDTH_KM]
    fig.update_layout(
        height=760, annotations=[notes[days[-1]]], hovermode="closest",
        margin=dict(l=56, r=16, t=56, b=150),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, font=dict(size=12)),
        xaxis=dict(range=limit, title="Kilometres east of the centre (west is negative)", dtick=10, zeroline=False,
                   showgrid=True, gridcolor="#f0f0f0", constrain="domain"),
        yaxis=dict(range=limit, title="Kilometres north of the centre", dtick=10, scaleanchor="x", scaleratio=1,
                   zeroline=False, showgrid=True, gridcolor="#f0f0f0", constrain="domain"),
        **_animation_controls(days),
    )
    return fig


def _compass(dx: float, dy: float) -> str:
    names = ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"]
    return names[int(((math.degrees(math.atan2(dx, dy)) + 360 + 22.5) % 360) // 45)]


def _occupied_side(view: _View, lines: FrontLines, day: dt.date) -> str | None:
    """Where the occupied ground on the map lies, seen from the centre (by its centroid)."""
    shown = view.polygons(lines.store.geometry(day, OCCUPIED))
    if shown.is_empty:
        return None
    centroid = shown.centroid
    return _compass(centroid.x, centroid.y)


def _distance_words(row: pd.Series, centre_name: str) -> str:
    distance = row[DISTANCE_COLUMN]
    if pd.isna(distance):
        return "beyond the stored area at its nearest"
    if distance == 0:
        return f"covering the centre of {centre_name}"
    return f"{distance:,.1f} km from the centre of {centre_name} at its nearest"


def map_figure(chapter: Chapter) -> render.BookFigure | None:
    lines = front_lines(chapter)
    if lines is None:
        return None
    frames = frames_table(lines)
    first, last = frames.iloc[0], frames.iloc[-1]
    centre_name = _centre_name(chapter)
    first_area, last_area = _area(first, HEADLINE_RADIUS_KM), _area(last, HEADLINE_RADIUS_KM)
    context = _map_context(chapter)
    skipped = _missing_months(list(frames["date"]))
    sides = {day: _occupied_side(context.view, lines, day) for day in (first["date"], last["date"])}
    described = [f"On {human_date(row['date'])} the occupied area on the map lay to the {sides[row['date']]}, "
                 f"{_distance_words(row, centre_name)}, with {_area(row, HEADLINE_RADIUS_KM):,.0f} km² "
                 f"within {HEADLINE_RADIUS_KM:g} km" if sides[row["date"]] else
                 f"On {human_date(row['date'])} no occupied ground lay on the map"
                 for row in (first, last)]
    return render.BookFigure(
        name="front-line-map",
        static_size=(800, 800),
        title=(f"DeepState's map shows {last_area:,.0f} km² occupied within {HEADLINE_RADIUS_KM:g} km of "
               f"{centre_name} on {human_date(last['date'])}, up from {first_area:,.0f} km² on "
               f"{human_date(first['date'])}"),
        alt=(f"Animated map of a square {2 * VIEW_HALF_WIDTH_KM:g} km across centred on {centre_name}: DeepState's "
             f"occupied area month by month from {human_date(first['date'])} to {human_date(last['date'])}, with a "
             f"slider."),
        long_description=(
            f"A square map centred on {centre_name}, with dashed rings at "
            f"{', '.join(f'{r:g}' for r in RINGS_KM)} km, the main towns labelled and the road and rail links drawn "
            f"as straight schematic lines. A slider steps through {len(frames)} monthly DeepState maps. "
            + ". ".join(described) + "."),
        caption=(f"Occupied area from DeepState, as stored in {_archive_words(frames)}; one frame per month "
                 f"(the first stored date of each month, {human_date(first['date'])} to {human_date(last['date'])})"
                 + (f"; no file for {', '.join(skipped)}" if skipped else "") + ". "
                 + _grey_zone_words(frames) + f" Outlines simplified to about {SIMPLIFY_TOLERANCE_M:g} m; places "
                 "and roads from this book's data, roads and railways schematic."),
        citations=chapter.cite([*ids_in(context.places), *ids_in(context.network)]),
        data_date=last["date"],
        data=frames,
        chart=front_line_map(lines, context),
    )


def _missing_months(days: list[dt.date]) -> list[str]:
    """Months between the first and last frame that have no stored date."""
    have = {(day.year, day.month) for day in days}
    missing = []
    year, month = days[0].year, days[0].month
    while (year, month) < (days[-1].year, days[-1].month):
        if (year, month) not in have:
            missing.append(human_date(f"{year:04d}-{month:02d}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return missing


# --- Areas and distances over time ------------------------------------------------------------

def _segments(metrics: pd.DataFrame) -> list[pd.DataFrame]:
    """Consecutive stretches of dates from the same kind of file."""
    change = metrics["format"].ne(metrics["format"].shift()).cumsum()
    return [segment for _, segment in metrics.groupby(change, sort=False)]


def _joins(metrics: pd.DataFrame) -> list[tuple[pd.Series, pd.Series]]:
    """(last row before, first row after) each switch between the raw export and the daily archive."""
    segments = _segments(metrics)
    return [(before.iloc[-1], after.iloc[0]) for before, after in zip(segments, segments[1:])]


def _mark_joins(fig: go.Figure, metrics: pd.DataFrame, **where) -> None:
    for _, after in _joins(metrics):
        fig.add_vline(x=pd.Timestamp(after["date"]), line=dict(color="#9a9a9a", width=1, dash="dot"), **where)


def _source_markers(fig: go.Figure, metrics: pd.DataFrame, column: str, colour: str, hover: str,
                    show_legend: bool, **where) -> None:
    """One marker per stored date, its shape naming the file type, so the join stays visible."""
    for fmt, (label, symbol, size) in SOURCE_STYLE.items():
        rows = metrics[metrics["format"] == fmt]
        if rows.empty:
            continue
        fig.add_scatter(x=pd.to_datetime(rows["date"]), y=rows[column], mode="markers", name=label,
                        legendgroup=fmt, showlegend=show_legend,
                        marker=dict(symbol=symbol, size=size, color=colour, line=dict(color=colour, width=1.5)),
                        customdata=rows["source"], hovertemplate=hover + "<br>%{customdata}<extra>" + label + "</extra>",
                        **where)


def area_chart(metrics: pd.DataFrame) -> go.Figure:
    """Occupied km² within each radius over time, one small panel per radius."""
    columns = 2
    rows = math.ceil(len(RADII_KM) / columns)
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, vertical_spacing=0.12, horizontal_spacing=0.1,
                        subplot_titles=[f"Within {radius:g} km of the centre" for radius in RADII_KM])
    when = pd.to_datetime(metrics["date"])
    for number, radius in enumerate(RADII_KM):
        where = dict(row=number // columns + 1, col=number % columns + 1)
        column = area_column(OCCUPIED, radius)
        fig.add_scatter(x=when, y=metrics[column], mode="lines", line=dict(color=OCCUPIED_COLOUR, width=2),
                        name=f"Within {radius:g} km", hoverinfo="skip", showlegend=False, **where)
        _source_markers(fig, metrics, column, OCCUPIED_COLOUR, "%{x|%d %b %Y}: %{y:,.1f} km² occupied",
                        show_legend=number == 0, **where)
        fig.update_yaxes(title_text="km² occupied" if where["col"] == 1 else None, rangemode="tozero", **where)
        _mark_joins(fig, metrics, **where)
    fig.update_layout(height=580, hovermode="closest", margin=dict(t=96),
                      legend=dict(title_text="Stored file: ", orientation="h", yanchor="bottom", y=1.08, x=0))
    return fig


def _first_reach(metrics: pd.DataFrame) -> tuple[float, pd.Series] | None:
    """The smallest radius with any occupied ground inside it, and the first date it had some."""
    for radius in sorted(RADII_KM):
        reached = metrics[metrics[area_column(OCCUPIED, radius)] > 0]
        if not reached.empty:
            return radius, reached.iloc[0]
    return None


def area_figure(chapter: Chapter) -> render.BookFigure | None:
    lines = front_lines(chapter)
    if lines is None:
        return None
    metrics = lines.metrics
    last = metrics.iloc[-1]
    centre_name = _centre_name(chapter)
    reach = _first_reach(metrics)
    if reach is None:
        title = (f"DeepState shows no occupied ground within {max(RADII_KM):g} km of {centre_name} "
                 f"from {human_date(lines.first)} to {human_date(lines.last)}")
    else:
        radius, first = reach
        ring_km2 = math.pi * radius ** 2
        title = (f"DeepState first showed occupied ground within {radius:g} km of {centre_name}'s centre on "
                 f"{human_date(first['date'])}; by {human_date(last['date'])} it covered "
                 f"{_area(last, radius):,.0f} of that circle's {ring_km2:,.0f} km²")
    radii_words = ", ".join(f"{radius:g}" for radius in RADII_KM)
    alt = (f"Four small line charts of the occupied area in km² within {radii_words} km of {centre_name}'s centre, "
           f"{human_date(lines.first)} to {human_date(lines.last)}: within {max(RADII_KM):g} km it goes from "
           f"{_area(metrics.iloc[0], max(RADII_KM)):,.0f} to {_area(last, max(RADII_KM)):,.0f} km².")
    return render.BookFigure(
        name="front-line-areas",
        title=title,
        alt=alt,
        caption=(f"Area of DeepState's occupied layer inside circles around the centre of {centre_name}, measured on "
                 f"every stored date (UTM zone 37N). Marker shapes show which archive each date comes from; dotted "
                 f"lines mark where the series switches between them (see below). Dates are uneven: "
                 f"{_cadence_words(metrics)}."),
        citations=chapter.cite(_centre_sources(chapter)),
        data_date=last["date"],
        data=metrics,
        chart=area_chart(metrics),
    )


def _cadence_words(metrics: pd.DataFrame) -> str:
    gaps = pd.Series(pd.to_datetime(metrics["date"])).diff().dt.days.dropna()
    if gaps.empty:
        return "a single stored date"
    daily = int((gaps == 1).sum())
    return (f"{len(metrics)} stored dates, {daily} of them one day after the previous, the longest gap "
            f"{int(gaps.max())} days")


def reported_distances(chapter: Chapter, since: dt.date) -> pd.DataFrame:
    rows = data.load_reported_distances(chapter.data_dir, chapter.as_of)
    rows = rows[rows["measure"].isin(list(REPORTED_MEASURES)) & (rows["date_end"] >= pd.Timestamp(since))]
    return rows.reset_index(drop=True)


def distance_chart(metrics: pd.DataFrame, reported: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    when = pd.to_datetime(metrics["date"])
    fig.add_scatter(x=when, y=metrics[DISTANCE_COLUMN], mode="lines", line=dict(color=PALETTE["black"], width=2),
                    hoverinfo="skip", showlegend=False)
    _source_markers(fig, metrics, DISTANCE_COLUMN, PALETTE["black"],
                    "%{x|%d %b %Y}: nearest occupied ground %{y:,.1f} km from the centre", show_legend=True)
    for side, (label, colour, symbol) in REPORTERS.items():
        rows = reported[reported["claimant"] == side]
        if rows.empty:
            continue
        words = [f"{human_date(row.date)}: {QUALIFIER_PREFIX[row.qualifier]}{row.distance_km:g} km "
                 f"{REPORTED_MEASURES[row.measure]} ({VERIFICATION[row.verification].phrase})"
                 for row in rows.itertuples()]
        fig.add_scatter(x=rows["date_start"] + (rows["date_end"] - rows["date_start"]) / 2, y=rows["distance_km"],
                        mode="markers", name=f"Reported {CLAIMANT[side].by}",
                        marker=dict(symbol=symbol, size=10, color=colour, line=dict(color="white", width=1)),
                        text=words, hovertemplate="%{text}<extra>%{fullData.name}</extra>")
    _mark_joins(fig, metrics)
    fig.update_layout(height=520, yaxis_title="Kilometres from the centre", yaxis_rangemode="tozero",
                      hovermode="closest",
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def distance_figure(chapter: Chapter) -> render.BookFigure | None:
    lines = front_lines(chapter)
    if lines is None:
        return None
    metrics = lines.metrics
    centre_name = _centre_name(chapter)
    measured = metrics.dropna(subset=[DISTANCE_COLUMN])
    if measured.empty:  # all occupied ground lies beyond the store's reach from the centre
        return None
    first, last = measured.iloc[0], measured.iloc[-1]
    reached = measured[measured[DISTANCE_COLUMN] == 0]
    if not reached.empty:
        title = (f"DeepState's occupied area reached the centre of {centre_name} on "
                 f"{human_date(reached.iloc[0]['date'])}; on {human_date(first['date'])} it was "
                 f"{first[DISTANCE_COLUMN]:,.1f} km away")
    else:
        title = (f"The nearest occupied ground on DeepState's map moved from {first[DISTANCE_COLUMN]:,.1f} km to "
                 f"{last[DISTANCE_COLUMN]:,.1f} km from the centre of {centre_name} between "
                 f"{human_date(first['date'])} and {human_date(last['date'])}")
    reported = reported_distances(chapter, lines.first)
    citations = chapter.cite([*_centre_sources(chapter), *ids_in(reported)])
    download = metrics[["date", DISTANCE_COLUMN, "source", "format"]].copy()
    return render.BookFigure(
        name="front-line-distance",
        title=title,
        alt=(f"Line chart of the distance from the centre of {centre_name} to the nearest occupied ground on "
             f"DeepState's map, {human_date(first['date'])} to {human_date(last['date'])}, with distances reported "
             f"in the press as separate markers."),
        caption=(f"Straight-line distance from the centre of {centre_name} to the nearest point of DeepState's occupied "
                 "layer (zero once the centre itself is inside it). Markers in colour are distances reported at the "
                 "time; most were measured to the city or its edge rather than its centre, so they tend to be shorter."),
        citations=citations,
        data_date=last["date"],
        data=download,
        chart=distance_chart(metrics, reported),
    )


def splice_paragraph(chapter: Chapter) -> Markdown | None:
    """Where the series switches between the two archives, and what changes at each join."""
    lines = front_lines(chapter)
    if lines is None:
        return None
    metrics = lines.metrics
    radius = HEADLINE_RADIUS_KM
    spans = [f"{SHORT_ARCHIVE[segment['format'].iloc[0]]} ({_count(len(segment), 'date')}, "
             f"{_span(segment['date'].iloc[0], segment['date'].iloc[-1])})" for segment in _segments(metrics)]
    text = ["The series is spliced from stretches of two kinds of file, in this order: " + "; ".join(spans) + "."]
    if not _joins(metrics):
        return Markdown(text[0] + " It comes from one kind of file only, so it has no join.")
    for before, after in _joins(metrics):
        gap = (after["date"] - before["date"]).days
        change = _area(after, radius) - _area(before, radius)
        sentence = (f"**{human_date(after['date'])}**: from the {SHORT_ARCHIVE[before['format']]} "
                    f"({human_date(before['date'])}) to the {SHORT_ARCHIVE[after['format']]}, {_days(gap)} later. "
                    f"Occupied ground within {radius:g} km goes from {_area(before, radius):,.1f} to "
                    f"{_area(after, radius):,.1f} km² ({change:+,.1f} km²)")
        if gap <= NEAR_SIMULTANEOUS_DAYS and round(change, 1) == 0:
            sentence += "; the two files describe almost the same moment and agree on the occupied area"
        elif gap <= NEAR_SIMULTANEOUS_DAYS:
            sentence += ("; the two files describe almost the same moment, so this difference is how far the "
                         "two archives themselves disagree")
        else:
            sentence += (f"; with {_days(gap)} between the two files, the change mixes real movement of the front "
                         f"with any difference between the archives, and the two cannot be told apart here")
        grey = next((row for row in (before, after) if row["format"] == "raw"), None)
        if grey is not None:
            sentence += (f". The grey zone ({_area(grey, radius, GREY_ZONE):,.1f} km² within {radius:g} km on "
                         f"{human_date(grey['date'])}) exists only in the raw export, so it "
                         f"{'disappears' if grey is before else 'appears'} at this join")
        text.append("- " + sentence + ".")
    text.insert(1, "At each join, a jump in the charts can come from the front or from the switch:\n")
    return Markdown("\n".join(text))


# --- Settlements: the map against reported capture dates ---------------------------------------

def _verdict(first: dt.date | None, previous: dt.date | None, last_stored: dt.date,
             start: dt.date, end: dt.date) -> tuple[str, int | None]:
    """How a report (dated start..end) sits against the maps: between the last map showing the
    place outside (``previous``; None if it was inside on the first stored date) and the first
    showing it inside (``first``), or how many days before or after that window."""
    if first is None:
        if start > last_stored:
            return UNCHECKABLE, None
        return NOT_SHOWN, (last_stored - end).days
    if previous is not None and end < previous:
        return MAP_LATER, (previous - end).days
    if start > first:
        return MAP_EARLIER, (start - first).days
    return AGREES, 0


def capture_comparison(chapter: Chapter) -> pd.DataFrame | None:
    """One row per capture report (CAPTURE_REPORTS, known by as_of) about a place in the store's area."""
    lines = front_lines(chapter)
    if lines is None:
        return None
    places = data.load_places(chapter.data_dir)
    control = settlement_control(lines.store, places).set_index("place_id")
    events = data.load_events(chapter.data_dir, chapter.as_of).set_index("event_id")
    names = places.set_index("place_id")["name_en"]
    days = lines.store.dates()
    in_area = control["in_area"].eq(True)
    rows = []
    for place_id, event_ids in CAPTURE_REPORTS.items():
        if not in_area.get(place_id, False):
            continue
        state = control.loc[place_id]
        first = state["first_occupied"] if pd.notna(state["first_occupied"]) else None
        previous = days[days.index(first) - 1] if first is not None and first != days[0] else None
        for event_id in (e for e in event_ids if e in events.index):
            event = events.loc[event_id]
            start, end = event["date_start"].date(), event["date_end"].date()
            verdict, days_apart = _verdict(first, previous, days[-1], start, end)
            rows.append({
                "place_id": place_id, "place": names[place_id], "first_inside": first, "last_outside_before": previous,
                "inside_on_first_stored_date": bool(state["occupied_on_first_date"]),
                "later_outside_again": bool(state["left_later"]), "event_id": event_id, "reported": event["date"],
                "reported_start": start, "reported_end": end, "claimant": event["claimant"],
                "verification": event["verification"], "title": event["title"],
                "verdict": verdict, "days_apart": days_apart, "source_ids": event["source_ids"],
            })
    columns = ["place_id", "place", "first_inside", "last_outside_before", "inside_on_first_stored_date",
               "later_outside_again", "event_id", "reported", "reported_start", "reported_end", "claimant",
               "verification", "title", "verdict", "days_apart", "source_ids"]
    return pd.DataFrame(rows, columns=columns).astype({"days_apart": "Int64"})


def _verdict_text(row, wording: dict[str, str] = VERDICT_WORDS) -> str:
    return wording[row["verdict"]].format(days=_days(row["days_apart"]) if pd.notna(row["days_apart"]) else "")


def _place_summary(reports: pd.DataFrame) -> str:
    return "<br>".join(VERDICT_SHORT[row["verdict"]].format(days=row["days_apart"]) for _, row in reports.iterrows())


def _map_window_words(row, first_stored: dt.date) -> str:
    if pd.isna(row["first_inside"]):
        return "never inside the occupied area on the stored maps"
    if row["inside_on_first_stored_date"]:
        words = f"already inside on the first stored map (so on or before {human_date(first_stored)})"
    else:
        words = f"outside on {human_date(row['last_outside_before'])}, inside on {human_date(row['first_inside'])}"
    return words + (", and outside again on a later map" if row["later_outside_again"] else "")


def capture_chart(comparison: pd.DataFrame, first_stored: dt.date, last_stored: dt.date) -> go.Figure:
    """Per place: the window in which DeepState's map changed, and the reported capture dates."""
    order = (comparison.assign(_first=comparison["first_inside"].fillna(dt.date.max))
             .sort_values(["_first", "reported_start"]))
    places = list(dict.fromkeys(order["place"]))
    states = order.drop_duplicates("place").set_index("place")
    fig = go.Figure()
    window_x: list = []
    window_y: list = []
    for place, state in states.iterrows():
        if pd.notna(state["first_inside"]) and pd.notna(state["last_outside_before"]):
            window_x += [pd.Timestamp(state["last_outside_before"]), pd.Timestamp(state["first_inside"]), None]
            window_y += [place, place, None]
    fig.add_scatter(x=window_x, y=window_y, mode="lines", name="Changed between these two maps",
                    line=dict(color="#c9c9c9", width=10), hoverinfo="skip")
    # The map's date is a tall tick, so report markers on the same day stay visible on top of it.
    markers = [
        ("First DeepState map with it inside", "line-ns", PALETTE["black"],
         states[states["first_inside"].notna() & ~states["inside_on_first_stored_date"]], "first_inside"),
        (f"Inside already on the first stored map ({human_date(first_stored)})", "triangle-left", PALETTE["black"],
         states[states["inside_on_first_stored_date"]], "first_inside"),
        (f"Still outside on the last stored map ({human_date(last_stored)})", "circle-open", PALETTE["black"],
         states[states["first_inside"].isna()], None),
    ]
    for label, symbol, colour, rows, column in markers:
        if rows.empty:
            continue
        when = [pd.Timestamp(day) for day in rows[column]] if column else [pd.Timestamp(last_stored)] * len(rows)
        words = [_map_window_words(row, first_stored) for _, row in rows.iterrows()]
        fig.add_scatter(x=when, y=list(rows.index), mode="markers", name=label, text=words,
                        marker=dict(symbol=symbol, size=20 if symbol == "line-ns" else 11, color=colour,
                                    line=dict(color=colour, width=3 if symbol == "line-ns" else 1.5)),
                        hovertemplate="%{y}: %{text}<extra>DeepState</extra>")
    for side, (label, colour, symbol) in REPORTERS.items():
        rows = order[order["claimant"] == side]
        if rows.empty:
            continue
        words = [f"{human_date(row['reported'])}: {row['title']} ({VERIFICATION[row['verification']].phrase}). "
                 f"{_verdict_text(row).capitalize()}."
                 for _, row in rows.iterrows()]
        middle = rows["reported_start"].map(pd.Timestamp) + (rows["reported_end"].map(pd.Timestamp)
                                                             - rows["reported_start"].map(pd.Timestamp)) / 2
        fig.add_scatter(x=middle, y=rows["place"], mode="markers", name=label, text=words,
                        marker=dict(symbol=symbol, size=12, color=colour, line=dict(color="white", width=1)),
                        hovertemplate="%{y}, %{text}<extra>%{fullData.name}</extra>")
    for place in places:
        fig.add_annotation(x=1.01, xref="paper", y=place, yref="y", xanchor="left", showarrow=False,
                           text=_place_summary(order[order["place"] == place]), font=dict(size=10), align="left")
    fig.update_layout(height=190 + 46 * len(places), margin=dict(r=120, l=100), hovermode="closest",
                      yaxis=dict(categoryorder="array", categoryarray=places[::-1], title=None, showgrid=True,
                                 gridcolor="#eeeeee"),
                      xaxis=dict(title=None, showgrid=True, gridcolor="#eeeeee", tickformat="%b<br>%Y"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def _verdict_counts(comparison: pd.DataFrame) -> dict[str, int]:
    return comparison["verdict"].value_counts().to_dict()


def settlement_figure(chapter: Chapter) -> render.BookFigure | None:
    lines = front_lines(chapter)
    comparison = capture_comparison(chapter) if lines is not None else None
    if comparison is None or comparison.empty:
        return None
    counts = _verdict_counts(comparison)
    total = len(comparison)
    parts = [f"{counts.get(AGREES, 0)} of {total} reported capture dates fall between the last DeepState map "
             f"showing the place outside and the first showing it inside"]
    if counts.get(MAP_EARLIER):
        parts.append(f"{counts[MAP_EARLIER]} came after the map already showed it inside")
    if counts.get(MAP_LATER):
        parts.append(f"{counts[MAP_LATER]} came before the map showed it inside")
    if counts.get(NOT_SHOWN):
        parts.append(f"{counts[NOT_SHOWN]} concern places the map never shows inside")
    if counts.get(UNCHECKABLE):
        parts.append(f"{counts[UNCHECKABLE]} come after the last stored map")
    places = data.load_places(chapter.data_dir)
    shown = places[places["place_id"].isin(comparison["place_id"])]
    return render.BookFigure(
        name="front-line-captures",
        title="; ".join(parts),
        alt=(f"Dot chart, one row per place ({', '.join(dict.fromkeys(comparison['place']))}), comparing the dates "
             f"DeepState's map first showed the place inside the occupied area with the dates its capture was "
             f"claimed or reported."),
        caption=(f"A place counts as inside when its point in this book's places table (its centre) lies in "
                 f"DeepState's occupied layer; a town can be partly held well before that. The grey bar is the "
                 f"stretch between two stored maps in which the change happened: with monthly files it is a month "
                 f"wide. The store starts on {human_date(lines.first)}, so a place already inside then shows as "
                 f"occupied before that date, not when it fell. Each claim is shown with who made it and how "
                 f"well it is established."),
        citations=chapter.cite([*ids_in(comparison), *ids_in(shown)]),
        data_date=lines.last,
        data=comparison,
        chart=capture_chart(comparison, lines.first, lines.last),
    )


def settlement_paragraph(chapter: Chapter) -> Markdown | None:
    """Each place's map dates against its reported capture, then the places with no report."""
    lines = front_lines(chapter)
    comparison = capture_comparison(chapter) if lines is not None else None
    if comparison is None:
        return None
    items = []
    for place_id, reports in comparison.groupby("place_id", sort=False):
        state = reports.iloc[0]
        said = " ".join(
            f"{md_text(row['title'])} ({human_date(row['reported'])}; {VERIFICATION[row['verification']].phrase}): "
            f"{_verdict_text(row, VERDICT_SENTENCES)} "
            f"({chapter.cite_markdown(row['source_ids'].split(';'))})." for _, row in reports.iterrows())
        items.append(f"- **{md_text(state['place'])}**, on DeepState's map {_map_window_words(state, lines.first)}. "
                     f"{said}")
    return Markdown("\n".join(items) + "\n\n" + _other_places(chapter, lines, set(comparison["place_id"])))


def _other_places(chapter: Chapter, lines: FrontLines, compared: set[str]) -> str:
    places = data.load_places(chapter.data_dir)
    places = places[~places["kind"].isin(data.NON_SETTLEMENT_KINDS) & ~places["place_id"].isin(compared)]
    control = settlement_control(lines.store, places).merge(places[["place_id", "name_en"]], on="place_id")
    located = control[control["in_area"].eq(True)]

    def names(rows: pd.DataFrame, with_date: bool = False) -> str:
        return ", ".join(md_text(row["name_en"]) + (f" ({human_date(row['first_occupied'])})" if with_date else "")
                         for _, row in rows.iterrows())

    before = located[located["occupied_on_first_date"].eq(True)]
    later = located[located["first_occupied"].notna() & located["occupied_on_first_date"].eq(False)]
    outside = located[located["first_occupied"].isna()]
    unplaced = control[control["in_area"].isna()]
    sentences = []
    if not before.empty:
        sentences.append(f"Already inside the occupied area on the first stored map ({human_date(lines.first)}), "
                         f"so occupied on or before that date: {names(before)}.")
    if not later.empty:
        sentences.append(f"Inside later, with no capture report in this book's data: {names(later, with_date=True)}.")
    if not outside.empty:
        sentences.append(f"Outside the occupied area on the last stored map ({human_date(lines.last)}): {names(outside)}.")
    if not unplaced.empty:
        sentences.append(f"Not checked, because our sources give no coordinates for them: {names(unplaced)}.")
    return " ".join(sentences)
