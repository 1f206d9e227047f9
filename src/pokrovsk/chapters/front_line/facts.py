"""Chapter 5's facts: the front line measured around the book's centre on DeepState's maps, cut
at ``as_of`` (areas, distances, the joins between its two kinds of file), and the monthly map.
Small records of codes, numbers, dates and source ids (DataFrames only where they become a
chart's data or a download); the words are in ``words/en/front_line.yml``, the settlements in
``capture_facts``.

The measurements come from the committed dataset (``data/frontline_metrics.csv``, written by
``pokrovsk frontlines export``), or from the front-line store when the edition has one. The
polygons exist only in a store: without one, :func:`monthly_map` returns None. Everything is
measured in UTM zone 37N (EPSG:32637), in kilometres from the book's centre.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pokrovsk import data
from pokrovsk.chapter import Chapter
from pokrovsk.frontlines.aoi import metric_point, polygonal, to_metric
from pokrovsk.frontlines.importers import CATEGORIES, GREY_ZONE, OCCUPIED
from pokrovsk.frontlines.metrics import DISTANCE_COLUMN, area_column, frontline_metrics
from pokrovsk.frontlines.store import FrontlineStore
from pokrovsk.sources import ids_in, split_ids

CENTRE_PLACE = "pokrovsk"
RADII_KM = (5.0, 10.0, 15.0, 30.0)
HEADLINE_RADIUS_KM = 30.0
VIEW_HALF_WIDTH_KM = 36.0
"""The map shows a square this far from the centre each way: the outer ring and a margin."""
SIMPLIFY_TOLERANCE_M = 75.0
"""Polygon simplification for the animated map: invisible at its scale, and it keeps the page light."""
KM_DECIMALS = 2
"""Map coordinates are rounded to 10 m."""
NEAR_SIMULTANEOUS_DAYS = 2
"""Two files this close describe the same front, give or take a day's movement."""
DEEPSTATE_SOURCE = "deepstate-map"
"""data/sources.csv: the DeepState map, which every measurement is taken from."""
AT_CENTRE_KM = 0.05
"""Occupied ground closer than this to the centre is at the centre: the book prints distances to
one decimal, and a few metres are below what a map drawn at this scale can tell."""
AREA_COLUMN = re.compile(rf"^{OCCUPIED}_km2_within_(\d+(?:\.\d+)?)km$")


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


def _store_file(book: Chapter) -> Path | None:
    if book.params.frontlines is None:
        return None
    return FrontlineStore.open(Path(book.params.frontlines)).path


def front_lines(book: Chapter) -> FrontLines | None:
    """The edition's front lines, or None when it has none (no store, or nothing up to as_of)."""
    store_file = _store_file(book)
    if store_file is None or not store_file.exists():
        return None
    loaded = _load(store_file, store_file.stat().st_mtime_ns, book.as_of, tuple(book.params.centre))
    return loaded if loaded.store.dates() else None


@dataclasses.dataclass(frozen=True)
class Stretch:
    """Dates from one kind of file (``daily`` archive or ``raw`` export)."""

    format: str
    count: int
    first: dt.date
    last: dt.date


def _stretch(rows: pd.DataFrame) -> Stretch:
    return Stretch(str(rows["format"].iloc[0]), len(rows), rows["date"].min(), rows["date"].max())


@dataclasses.dataclass(frozen=True)
class Edition:
    """What this edition's front lines are. ``status``: ``absent`` (no store given), ``empty``
    (nothing stored up to as_of) or ``drawn``. A folder that holds no store never gets this far:
    the book's parameters refuse it."""

    status: str
    maps: int = 0
    first: dt.date | None = None
    last: dt.date | None = None
    archives: tuple[Stretch, ...] = ()
    """Per kind of file, in order of its first date."""
    left_out: int = 0


def edition(book: Chapter) -> Edition:
    store_file = _store_file(book)
    if store_file is None:
        return Edition("absent")
    lines = front_lines(book)
    if lines is None:
        return Edition("empty")
    metrics = lines.metrics
    archives = sorted((_stretch(rows) for _, rows in metrics.groupby("format")), key=lambda s: s.first)
    return Edition("drawn", len(metrics), lines.first, lines.last, tuple(archives), lines.left_out)


def _area(row, radius_km: float, category: str = OCCUPIED) -> float:
    return float(row[area_column(category, radius_km)])


def _distance(row) -> float | None:
    return None if pd.isna(row[DISTANCE_COLUMN]) else float(row[DISTANCE_COLUMN])


# --- The measurements, from the store or the committed dataset ----------------------------------

@dataclasses.dataclass(frozen=True)
class Measurements:
    """DeepState's map measured on every date up to as_of: per date the occupied km² within each
    radius, ``DISTANCE_COLUMN`` (NaN when no occupied ground lies within reach), ``format``
    (daily/raw) and ``source`` (the file)."""

    metrics: pd.DataFrame
    radii_km: tuple[float, ...]
    from_store: bool

    @property
    def first(self) -> dt.date:
        return self.metrics["date"].iloc[0]

    @property
    def last(self) -> dt.date:
        return self.metrics["date"].iloc[-1]


def _committed(book: Chapter) -> Measurements | None:
    committed = data.load_frontline_metrics(book.data_dir, book.as_of)
    if committed.empty:
        return None
    metrics = committed.rename(columns={"source_format": "format", "source_file": "source"})
    radii = tuple(float(found[1]) for found in map(AREA_COLUMN.match, metrics.columns) if found)
    numbers = [area_column(OCCUPIED, radius) for radius in radii] + [DISTANCE_COLUMN]
    metrics[numbers] = metrics[numbers].astype(float)
    metrics[["format", "source"]] = metrics[["format", "source"]].astype(object)
    return Measurements(metrics, radii, from_store=False)


def measurements(book: Chapter) -> Measurements | None:
    """The edition's store when it has one with dates up to as_of, else the committed dataset;
    None while neither has a date up to as_of."""
    lines = front_lines(book)
    if lines is not None:
        return Measurements(lines.metrics, RADII_KM, from_store=True)
    return _committed(book)


def measured_sources(book: Chapter) -> tuple[str, ...]:
    """Citations for a measurement: the DeepState map (the centre is the book's own parameter)."""
    return known_ids(book, [DEEPSTATE_SOURCE])


def _centre_name(book: Chapter) -> str:
    return str(book.place(CENTRE_PLACE)["name"])


def known_ids(book: Chapter, source_ids) -> tuple[str, ...]:
    """Of ``source_ids``, those published by as_of: a timeless fact (a place, a road) is cited
    only by the sources a reader on that day could have read."""
    return tuple(data.sources_known_by(dict.fromkeys(source_ids), book.as_of, book.data_dir))


def _centre_sources(book: Chapter) -> tuple[str, ...]:
    return known_ids(book, split_ids(book.place(CENTRE_PLACE)["source_ids"]))


# --- The monthly map -------------------------------------------------------------------------

class View:
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


def monthly_dates(dates) -> list[dt.date]:
    """The first date of each month that has any."""
    firsts: dict[tuple[int, int], dt.date] = {}
    for day in sorted(dates):
        firsts.setdefault((day.year, day.month), day)
    return list(firsts.values())


def _missing_months(days: list[dt.date]) -> tuple[str, ...]:
    """Months (``YYYY-MM``) between the first and last frame that have no stored date."""
    have = {(day.year, day.month) for day in days}
    missing = []
    year, month = days[0].year, days[0].month
    while (year, month) < (days[-1].year, days[-1].month):
        if (year, month) not in have:
            missing.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(missing)


@dataclasses.dataclass(frozen=True)
class MapEnd:
    """The first or last frame, as the long description tells it."""

    date: dt.date
    km2: float
    """Occupied within HEADLINE_RADIUS_KM."""
    distance_km: float | None
    """To the nearest occupied ground; 0 when it covers the centre, None when beyond the store."""
    bearing: float | None
    """Of the occupied ground on the map (its centroid) from the centre, in degrees from north;
    None when the map shows none."""


@dataclasses.dataclass(frozen=True)
class MonthlyMap:
    lines: FrontLines
    frames: pd.DataFrame
    """One row per frame (the first stored date of each month) with its measurements."""
    view: View
    places: gpd.GeoDataFrame
    """Located settlements inside the map's square."""
    network: gpd.GeoDataFrame
    """Schematic links that cross the map's square."""
    centre_name: str
    ends: tuple[MapEnd, MapEnd]
    missing_months: tuple[str, ...]
    formats: tuple[str, ...]
    """Kinds of file among the frames, in order of first date."""
    source_ids: tuple[str, ...]


def _bearing(view: View, lines: FrontLines, day: dt.date) -> float | None:
    shown = view.polygons(lines.store.geometry(day, OCCUPIED))
    if shown.is_empty:
        return None
    return math.degrees(math.atan2(shown.centroid.x, shown.centroid.y)) % 360


def monthly_map(book: Chapter) -> MonthlyMap | None:
    lines = front_lines(book)
    if lines is None:
        return None
    frames = lines.metrics[lines.metrics["date"].isin(monthly_dates(lines.metrics["date"]))].reset_index(drop=True)
    view = View(tuple(book.params.centre))
    places = data.load_places(book.data_dir)
    places = places[places["lat"].notna() & ~places["kind"].isin(data.NON_SETTLEMENT_KINDS)]
    places = places[np.array([view.contains(point) for point in places.geometry], dtype=bool)]
    network = data.load_network(book.data_dir)
    network = network[np.array([not line.is_empty for line in view.lines(network.geometry.values)], dtype=bool)]
    ends = tuple(MapEnd(row["date"], _area(row, HEADLINE_RADIUS_KM), _distance(row), _bearing(view, lines, row["date"]))
                 for row in (frames.iloc[0], frames.iloc[-1]))
    return MonthlyMap(lines, frames, view, places.reset_index(drop=True), network.reset_index(drop=True),
                      _centre_name(book), ends, _missing_months(list(frames["date"])),
                      tuple(dict.fromkeys(frames["format"])), known_ids(book, [*ids_in(places), *ids_in(network)]))


# --- Areas and distances over time ------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Areas:
    metrics: pd.DataFrame
    radii_km: tuple[float, ...]
    centre_name: str
    first: dt.date
    last: dt.date
    outer_radius_km: float
    outer_first_km2: float
    outer_last_km2: float
    reach_radius_km: float | None
    """The smallest radius with any occupied ground inside it (None: none within the outer one)."""
    reach_date: dt.date | None
    """The first date it had some."""
    reach_last_km2: float | None
    circle_km2: float | None
    next_day_dates: int
    """Dates one day after the previous measured date."""
    longest_gap_days: int | None
    source_ids: tuple[str, ...]


def areas(book: Chapter) -> Areas | None:
    measured = measurements(book)
    if measured is None:
        return None
    metrics = measured.metrics
    first, last = metrics.iloc[0], metrics.iloc[-1]
    outer = max(measured.radii_km)
    reached = {radius: metrics[metrics[area_column(OCCUPIED, radius)] > 0] for radius in sorted(measured.radii_km)}
    radius = next((radius for radius, rows in reached.items() if not rows.empty), None)
    gaps = pd.Series(pd.to_datetime(metrics["date"])).diff().dt.days.dropna()
    return Areas(
        metrics, measured.radii_km, _centre_name(book), measured.first, measured.last, outer,
        _area(first, outer), _area(last, outer),
        reach_radius_km=radius,
        reach_date=reached[radius]["date"].iloc[0] if radius is not None else None,
        reach_last_km2=_area(last, radius) if radius is not None else None,
        circle_km2=math.pi * radius ** 2 if radius is not None else None,
        next_day_dates=int((gaps == 1).sum()),
        longest_gap_days=int(gaps.max()) if not gaps.empty else None,
        source_ids=measured_sources(book))


@dataclasses.dataclass(frozen=True)
class MeasuredDistance:
    """The distance from the centre to the nearest occupied ground on each measured map."""

    series: pd.DataFrame
    """date, ``DISTANCE_COLUMN``, format: the dates with occupied ground within reach."""
    centre_name: str
    first: dt.date
    first_km: float
    last: dt.date
    last_km: float
    reached: dt.date | None
    """The first date occupied ground lay at the centre (within AT_CENTRE_KM)."""
    source_ids: tuple[str, ...]


def measured_distance(book: Chapter) -> MeasuredDistance | None:
    """None while no map up to as_of was measured with occupied ground within reach."""
    measured = measurements(book)
    if measured is None:
        return None
    series = measured.metrics.dropna(subset=[DISTANCE_COLUMN])[["date", DISTANCE_COLUMN, "format"]]
    if series.empty:
        return None
    inside = series[series[DISTANCE_COLUMN] < AT_CENTRE_KM]
    first, last = series.iloc[0], series.iloc[-1]
    return MeasuredDistance(series.reset_index(drop=True), _centre_name(book), first["date"], _distance(first),
                            last["date"], _distance(last), inside["date"].iloc[0] if not inside.empty else None,
                            measured_sources(book))


def segments(metrics: pd.DataFrame) -> list[pd.DataFrame]:
    """Consecutive stretches of dates from the same kind of file."""
    change = metrics["format"].ne(metrics["format"].shift()).cumsum()
    return [segment for _, segment in metrics.groupby(change, sort=False)]


def join_dates(metrics: pd.DataFrame) -> list[dt.date]:
    """The first date after each switch between the raw export and the daily archive."""
    return [segment["date"].iloc[0] for segment in segments(metrics)[1:]]


@dataclasses.dataclass(frozen=True)
class Join:
    """A switch between the two kinds of file, and what changes across it."""

    before: dt.date
    after: dt.date
    before_format: str
    after_format: str
    gap_days: int
    before_km2: float
    after_km2: float
    change_km2: float
    kind: str
    """``same_moment_agree``, ``same_moment_differ`` (the archives disagree) or ``mixed`` (real
    movement and any difference between the archives cannot be told apart)."""
    grey_km2: float | None
    """The raw export's grey zone on its side of the join, within the radius."""
    grey_date: dt.date | None
    grey_appears: bool | None
    """True when the grey zone comes with the file after the join, False when it goes."""


@dataclasses.dataclass(frozen=True)
class Splice:
    radius_km: float
    segments: tuple[Stretch, ...]
    joins: tuple[Join, ...]


def _join(before, after, radius: float) -> Join:
    gap = (after["date"] - before["date"]).days
    change = _area(after, radius) - _area(before, radius)
    kind = "mixed" if gap > NEAR_SIMULTANEOUS_DAYS else (
        "same_moment_agree" if round(change, 1) == 0 else "same_moment_differ")
    # The committed dataset leaves the grey zone out; only a store measures it.
    grey = next((row for row in (before, after)
                 if row["format"] == "raw" and area_column(GREY_ZONE, radius) in row.index), None)
    return Join(before["date"], after["date"], before["format"], after["format"], gap, _area(before, radius),
                _area(after, radius), change, kind,
                _area(grey, radius, GREY_ZONE) if grey is not None else None,
                grey["date"] if grey is not None else None,
                (grey is after) if grey is not None else None)


def splice(book: Chapter) -> Splice | None:
    measured = measurements(book)
    if measured is None:
        return None
    parts = segments(measured.metrics)
    joins = [_join(before.iloc[-1], after.iloc[0], HEADLINE_RADIUS_KM) for before, after in zip(parts, parts[1:])]
    return Splice(HEADLINE_RADIUS_KM, tuple(_stretch(part) for part in parts), tuple(joins))

