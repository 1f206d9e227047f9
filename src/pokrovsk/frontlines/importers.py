"""Readers for the two DeepState GeoJSON formats, with the checks that reject a bad file.

``daily``: the merged daily archive (``deepstatemap_data_YYYYMMDD.geojson``), one MultiPolygon of
occupied territory per file, no grey zone.
``raw``: DeepState's own export (``<unix-timestamp>.geojson``): Points, Polygons and
GeometryCollections with 3-D coordinates, each named "Ukrainian /// English /// key".

Both come out as the same thing: a date and, per category, the polygons cut to the area of
interest. Every problem is a ``FrontlineFileError`` whose message names the file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from pokrovsk.frontlines.aoi import DEFAULT_AOI, AreaOfInterest

OCCUPIED = "occupied"
GREY_ZONE = "grey_zone"
CATEGORIES = (OCCUPIED, GREY_ZONE)
FORMAT_CATEGORIES = {"daily": (OCCUPIED,), "raw": (OCCUPIED, GREY_ZONE)}

OCCUPIED_NAMES = {"occupied", "cadr and calr", "occupied crimea"}
GREY_ZONE_NAMES = {"unknown status", "contested"}
# The export's third name part; it helps when the English part is garbled.
OCCUPIED_KEYS = {"geojson.status.occupied", "geojson.territories.ordlo", "geojson.territories.crimea"}
GREY_ZONE_KEYS = {"geojson.status.unknown"}
OCCUPIED_FILL = "#a52714"
# "urn:ogc:def:crs:OGC:1.3:CRS84", "OGC:CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326", ...
LONLAT_CRS_NAME = re.compile(r"(crs84|\bepsg:+(\d[\d.]*:)?4326)$", re.IGNORECASE)
DAY_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
TIMESTAMP_NAME = re.compile(r"^(\d{9,11})$")
FIRST_DAY = dt.date(2014, 1, 1)
"""DeepState began mapping the war in 2014: a file name dated earlier is a mistake."""
UKRAINE_AHEAD_OF_UTC = dt.timedelta(hours=3)
"""Kyiv summer time: a daily file is named after a Ukrainian day, which may already have begun in
Ukraine while it is still the day before in UTC."""


class FrontlineFileError(ValueError):
    """A file that cannot be imported; ``str()`` is one line naming the file and the problem."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class Frontline:
    """One file's front line: polygons per category, cut to the area of interest (lon/lat)."""

    date: dt.date
    snapshot: dt.datetime  # UTC; orders several files of the same day
    format: str  # "daily" or "raw"
    layers: dict[str, shapely.MultiPolygon]


def file_day(path: Path) -> tuple[dt.date, dt.datetime]:
    """The date (and UTC snapshot time) a file describes, from its name alone."""
    stem = path.name.split(".")[0]
    timestamp = TIMESTAMP_NAME.match(stem)
    now = dt.datetime.now(dt.UTC)
    if timestamp:
        moment = dt.datetime.fromtimestamp(int(timestamp.group(1)), dt.UTC)
        if moment > now:
            raise FrontlineFileError(path, f"the timestamp in the file name is {moment:%Y-%m-%d %H:%M} UTC, "
                                           "in the future")
        return _after_first_day(path, moment.date()), moment
    match = DAY_IN_NAME.search(stem)
    if match:
        try:
            day = dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise FrontlineFileError(path, f"{match.group(0)!r} in the file name is not a real date") from None
        if day > (now + UKRAINE_AHEAD_OF_UTC).date():
            raise FrontlineFileError(path, f"the date in the file name, {day}, is in the future")
        return _after_first_day(path, day), dt.datetime.combine(day, dt.time(), dt.UTC)
    raise FrontlineFileError(
        path, "no date in the file name (expected deepstatemap_data_YYYYMMDD.geojson or <unix-timestamp>.geojson)"
    )


def _after_first_day(path: Path, day: dt.date) -> dt.date:
    if day < FIRST_DAY:
        raise FrontlineFileError(path, f"the file name dates it {day}, before DeepState's first map ({FIRST_DAY.year})")
    return day


def read_frontline(path: Path, aoi: AreaOfInterest = DEFAULT_AOI) -> Frontline:
    return parse_frontline(path, Path(path).read_bytes(), aoi)


def parse_frontline(path: Path, data: bytes, aoi: AreaOfInterest = DEFAULT_AOI) -> Frontline:
    """The front line in ``data`` (the bytes of ``path``); raises FrontlineFileError."""
    day, snapshot = file_day(path)
    features = _features(path, _json(path, data))
    file_format = "raw" if _looks_raw(features) else "daily"
    polygons = _polygons_by_category(path, features, file_format, aoi)
    layers = {category: aoi.clip(found) for category, found in polygons.items()}
    if all(layer.is_empty for layer in layers.values()):
        raise FrontlineFileError(path, f"no polygon reaches the area of interest ({aoi.radius_km:g} km around "
                                       f"{aoi.lat:.4f}, {aoi.lon:.4f}): a file of somewhere else?")
    return Frontline(day, snapshot, file_format, layers)


def _json(path: Path, data: bytes) -> dict:
    if not data.strip():
        raise FrontlineFileError(path, "empty file")
    try:
        document = json.loads(data)
    except UnicodeDecodeError:
        raise FrontlineFileError(path, "not GeoJSON (not UTF-8 text)") from None
    except json.JSONDecodeError as error:
        raise FrontlineFileError(path, f"not GeoJSON (invalid JSON at line {error.lineno}: {error.msg})") from None
    if not isinstance(document, dict) or document.get("type") not in ("FeatureCollection", "Feature"):
        found = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise FrontlineFileError(path, f"not GeoJSON (expected a FeatureCollection, found {found!r})")
    _check_crs(path, document)
    return document


def _check_crs(path: Path, document: dict) -> None:
    crs = document.get("crs")
    if crs is None:
        return
    name = _properties(crs).get("name") if isinstance(crs, dict) else None
    if not LONLAT_CRS_NAME.search(str(name or "")):
        named = name if name else json.dumps(crs)
        raise FrontlineFileError(path, f"wrong CRS {named!r}: expected lon/lat (CRS84 or EPSG:4326)")


def _properties(member: dict) -> dict:
    properties = member.get("properties")
    return properties if isinstance(properties, dict) else {}


def _features(path: Path, document: dict) -> list[dict]:
    features = document.get("features") if document["type"] == "FeatureCollection" else [document]
    if not isinstance(features, list) or not all(isinstance(f, dict) for f in features):
        raise FrontlineFileError(path, "not GeoJSON (features is not a list of Features)")
    return features


def _looks_raw(features: list[dict]) -> bool:
    """DeepState's own export names and colours its features; the merged archive's have no properties."""
    return any(_properties(feature).keys() & {"name", "fill"} for feature in features)


def _polygons_by_category(path: Path, features: list[dict], file_format: str, aoi: AreaOfInterest) -> dict:
    found = {category: [] for category in FORMAT_CATEGORIES[file_format]}
    seen_polygons = categorised = 0
    for feature in features:
        polygons = list(_polygon_coordinates(feature.get("geometry")))
        if not polygons:
            continue
        seen_polygons += len(polygons)
        category = OCCUPIED if file_format == "daily" else category_of(_properties(feature))
        if category is None:
            continue
        categorised += len(polygons)
        for rings in polygons:
            shell = _xy(path, rings[0])
            if shell is not None and _overlaps(shell, aoi.lonlat_bounds):
                found[category].append(_polygon(shell, [_xy(path, ring) for ring in rings[1:]]))
    if not seen_polygons:
        raise FrontlineFileError(path, f"no polygons among its {len(features)} feature(s)")
    if not categorised:
        raise FrontlineFileError(path, "no occupied or grey-zone polygons (no name matches 'Occupied', "
                                       "'CADR and CALR', 'Occupied Crimea' or 'Unknown status')")
    return found


def category_of(properties: dict) -> str | None:
    """occupied, grey_zone or None, from a raw feature's name (and fill, when it has no name)."""
    parts = [" ".join(part.split()).rstrip(".").casefold() for part in _clean(properties.get("name")).split("///")]
    english = parts[1] if len(parts) > 1 else parts[0]
    key = parts[2] if len(parts) > 2 else ""
    if english in OCCUPIED_NAMES or key in OCCUPIED_KEYS:
        return OCCUPIED
    if english in GREY_ZONE_NAMES or key in GREY_ZONE_KEYS:
        return GREY_ZONE
    if not "".join(parts) and str(properties.get("fill", "")).lower() == OCCUPIED_FILL:
        return OCCUPIED
    return None


def _clean(name) -> str:
    # U+FFFD stands where a mis-decoded non-breaking space used to be: read both as spaces.
    return str(name or "").replace("\u00a0", " ").replace("\ufffd", " ")


def _polygon_coordinates(geometry) -> Iterator[list]:
    """The ring lists of every polygon in a GeoJSON geometry, GeometryCollections included."""
    if not isinstance(geometry, dict):
        return
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon" and coordinates:
        yield coordinates
    elif kind == "MultiPolygon" and coordinates:
        yield from (polygon for polygon in coordinates if polygon)
    elif kind == "GeometryCollection":
        for member in geometry.get("geometries") or []:
            yield from _polygon_coordinates(member)


def _xy(path: Path, ring) -> np.ndarray | None:
    """A ring's lon/lat as an (n, 2) array, z dropped; None when it cannot enclose anything."""
    try:
        points = np.asarray(ring, dtype=float)[:, :2]
    except (ValueError, IndexError, TypeError):
        # A ring mixing 2-D and 3-D positions is ragged; read it point by point.
        try:
            points = np.array([position[:2] for position in ring], dtype=float)
        except (ValueError, IndexError, TypeError):
            raise FrontlineFileError(path, "not GeoJSON (a polygon ring is not a list of positions)") from None
    closed = len(points) > 0 and points.ndim == 2 and (points[0] == points[-1]).all()
    if points.ndim != 2 or points.shape[1] != 2 or len(points) < (4 if closed else 3):
        return None
    lon, lat = points[:, 0], points[:, 1]
    if not (np.isfinite(points).all() and -180 <= lon.min() and lon.max() <= 180
            and -90 <= lat.min() and lat.max() <= 90):
        raise FrontlineFileError(path, f"coordinates outside the lon/lat range (e.g. {lon[0]:.6g}, {lat[0]:.6g}): "
                                       "projected data? expected CRS84 lon/lat")
    return points


def _overlaps(shell: np.ndarray, bounds: tuple[float, float, float, float]) -> bool:
    west, south, east, north = bounds
    return (shell[:, 0].max() >= west and shell[:, 0].min() <= east
            and shell[:, 1].max() >= south and shell[:, 1].min() <= north)


def _polygon(shell: np.ndarray, holes: list[np.ndarray | None]) -> shapely.Polygon:
    return shapely.Polygon(shell, [hole for hole in holes if hole is not None])
