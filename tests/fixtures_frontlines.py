"""Small front-line files in the two DeepState formats, drawn in kilometres around Pokrovsk.

Shapes are laid out in UTM 37N (EPSG:32637) offsets from the centre, so their areas and
distances are known exactly, then written as lon/lat GeoJSON like the real files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyproj

CENTRE_LAT, CENTRE_LON = 48.2820, 37.1760
CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
_TO_UTM = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
_TO_LONLAT = pyproj.Transformer.from_crs("EPSG:32637", "EPSG:4326", always_xy=True)
CENTRE_X, CENTRE_Y = _TO_UTM.transform(CENTRE_LON, CENTRE_LAT)


def lonlat(east_km: float, north_km: float) -> tuple[float, float]:
    """The lon/lat of a point ``east_km``, ``north_km`` from the centre on the UTM grid."""
    return _TO_LONLAT.transform(CENTRE_X + east_km * 1000, CENTRE_Y + north_km * 1000)


def ring(corners_km: list[tuple[float, float]], z: float | None = None) -> list[list[float]]:
    """A closed GeoJSON ring through the given UTM offsets; with ``z``, 3-D like the raw export."""
    positions = [list(lonlat(east, north)) + ([z] if z is not None else []) for east, north in corners_km]
    return positions + [positions[0]]


def square(west_km: float, south_km: float, side_km: float, z: float | None = None) -> list[list[float]]:
    east, north = west_km + side_km, south_km + side_km
    return ring([(west_km, south_km), (east, south_km), (east, north), (west_km, north)], z)


def daily_document(rings: list[list[list[float]]], name: str = "deepstatemap_data") -> dict:
    """The merged daily archive: one Feature, one MultiPolygon, empty properties, CRS84."""
    geometry = {"type": "MultiPolygon", "coordinates": [[r] for r in rings]}
    return {"type": "FeatureCollection", "name": name, "crs": CRS84,
            "features": [{"type": "Feature", "properties": {}, "geometry": geometry}]}


def write_daily(folder: Path, day: dt.date, rings: list[list[list[float]]]) -> Path:
    path = folder / f"deepstatemap_data_{day:%Y%m%d}.geojson"
    path.parent.mkdir(parents=True, exist_ok=True)
    # The real archive repeats the file's name inside it, so unchanged days still differ in bytes.
    path.write_text(json.dumps(daily_document(rings, path.stem)), encoding="utf-8")
    return path


def write_named(folder: Path, name: str, document: dict) -> Path:
    """A front-line file under any name, including names no date or clock could give."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _raw_feature(name: str | None, geometry: dict, fill: str | None = None) -> dict:
    properties = {"styleUrl": "#poly-000000", "styleHash": "1a2b3c"}
    if name is not None:
        properties["name"] = name
    if fill is not None:
        properties |= {"fill": fill, "fill-opacity": 0.25, "stroke": fill}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _polygon(rings: list[list[list[float]]]) -> dict:
    return {"type": "Polygon", "coordinates": rings}


# What the raw fixture holds, in km² and km (UTM offsets from the centre):
RAW_OCCUPIED_KM2_WITHIN_30 = 4.0 + 2.0 + 1.0 + 1.0  # square, repaired bow-tie, unnamed, in a collection
RAW_OCCUPIED_DISTANCE_KM = 18.0  # the unnamed square's southern edge
RAW_GREY_KM2_WITHIN_15 = 3.0


def raw_document() -> dict:
    """A DeepState export with the real file's quirks: 3-D coordinates, a unit marker, names with
    non-breaking spaces, newlines and U+FFFD, an unnamed polygon in the occupied colour, an
    invalid bow-tie, a GeometryCollection, and a liberated area over the centre that must be ignored."""
    bow_tie = ring([(-25, 5), (-23, 7), (-23, 5), (-25, 7)], z=0)
    features = [
        _raw_feature("Підрозділ /// Unit marker", {"type": "Point", "coordinates": [*lonlat(3, 3), 0]}),
        _raw_feature("Окуповано /// Occupied\u00a0/// geoJSON.status.occupied\n", _polygon([square(20, 0, 2, z=0)]),
                     "#a52714"),
        _raw_feature("ОРДЛО /// CADR and CALR\u00a0/// geoJSON.territories.ordlo", _polygon([bow_tie]), "#880e4f"),
        _raw_feature(None, _polygon([square(0, 18, 1, z=0)]), "#A52714"),
        _raw_feature("Окуповано\n///\nOccupied\ufffd", {"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [*lonlat(0, -19), 0]},
            _polygon([square(0, -21, 1, z=0)]),
        ]}),
        _raw_feature("Статус невідомий /// Unknown status\n", _polygon([ring([(10, -0.5), (13, -0.5), (13, 0.5),
                                                                              (10, 0.5)], z=0)]), "#bcaaa4"),
        _raw_feature("Звільнено /// Liberated\u00a0/// geoJSON.status.dismissed\n", _polygon([square(-2, -2, 4, z=0)]),
                     "#0f9d58"),
        _raw_feature("Окупований Крим /// Occupied Crimea\u00a0", _polygon([[[34.0, 45.0, 0], [35.0, 45.0, 0],
                                                                             [35.0, 45.5, 0], [34.0, 45.0, 0]]]),
                     "#880e4f"),
    ]
    return {"type": "FeatureCollection", "features": features}


def write_raw(folder: Path, moment: dt.datetime) -> Path:
    path = folder / f"{int(moment.timestamp())}.geojson"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(raw_document(), ensure_ascii=False), encoding="utf-8")
    return path
