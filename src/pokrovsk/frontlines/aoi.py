"""The area of interest around Pokrovsk and the projections used to measure inside it.

Geometry is stored in lon/lat (EPSG:4326) but every clip, area and distance is computed in
UTM zone 37N (EPSG:32637), where a metre is a metre.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely

LONLAT_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:32637"
POKROVSK_LAT = 48.2820
POKROVSK_LON = 37.1760
DEFAULT_RADIUS_KM = 60.0
# A 256-sided circle: its area is within 0.01 % of the true circle's.
CIRCLE_QUAD_SEGS = 64
# 1e-7 degrees is about 1 cm: far below the map's precision, far above float noise.
LONLAT_DECIMALS = 7


@functools.cache
def _transformer(source: str, target: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def _reproject(geometry, source: str, target: str):
    transformer = _transformer(source, target)
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def to_metric(geometry):
    """Lon/lat geometry (or array of geometries) in EPSG:32637 metres."""
    return _reproject(geometry, LONLAT_CRS, METRIC_CRS)


def to_lonlat(geometry):
    """EPSG:32637 geometry (or array of geometries) back in lon/lat."""
    return _reproject(geometry, METRIC_CRS, LONLAT_CRS)


def metric_point(lat: float, lon: float) -> shapely.Point:
    return to_metric(shapely.Point(lon, lat))


def metric_circle(lat: float, lon: float, radius_km: float) -> shapely.Polygon:
    return metric_point(lat, lon).buffer(radius_km * 1000.0, quad_segs=CIRCLE_QUAD_SEGS)


def polygonal(geometry) -> shapely.MultiPolygon:
    """The polygonal parts of any geometry, as one (possibly empty) MultiPolygon."""
    polygons = []
    for part in shapely.get_parts(geometry):
        if part.geom_type == "Polygon" and not part.is_empty:
            polygons.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            polygons.extend(polygonal(part).geoms)
    return shapely.MultiPolygon(polygons)


def valid_polygonal(geometry) -> shapely.MultiPolygon:
    if shapely.is_valid(geometry):
        return polygonal(geometry)
    return polygonal(shapely.make_valid(geometry))


@dataclass(frozen=True)
class AreaOfInterest:
    """A circle around a centre; everything outside it is dropped on import."""

    lat: float = POKROVSK_LAT
    lon: float = POKROVSK_LON
    radius_km: float = DEFAULT_RADIUS_KM

    @functools.cached_property
    def metric_circle(self) -> shapely.Polygon:
        circle = metric_circle(self.lat, self.lon, self.radius_km)
        shapely.prepare(circle)
        return circle

    @functools.cached_property
    def lonlat_bounds(self) -> tuple[float, float, float, float]:
        """A lon/lat box that surely holds the circle: a cheap first cut before projecting."""
        west, south, east, north = to_lonlat(self.metric_circle).bounds
        margin = 0.01
        return west - margin, south - margin, east + margin, north + margin

    def reaches(self, lat: float, lon: float, radius_km: float) -> bool:
        """Whether a circle of ``radius_km`` around (lat, lon) lies wholly inside this area."""
        offset_m = shapely.distance(metric_point(lat, lon), metric_point(self.lat, self.lon))
        return offset_m + radius_km * 1000.0 <= self.radius_km * 1000.0 + 1e-6

    def clip(self, polygons: list[shapely.Polygon]) -> shapely.MultiPolygon:
        """Repaired lon/lat polygons cut to the circle, rounded to about 1 cm and normalised.

        The same input always gives byte-identical WKB, which is what lets the store find
        unchanged days by comparing bytes.
        """
        if not polygons:
            return shapely.MultiPolygon()
        # clip_by_rect is fast but not robust, so the repair comes after it, on the small pieces.
        pieces = shapely.clip_by_rect(np.array(polygons), *self.lonlat_bounds)
        pieces = [valid_polygonal(piece) for piece in pieces if not piece.is_empty]
        if not pieces:
            return shapely.MultiPolygon()
        inside = shapely.intersection(shapely.union_all(to_metric(np.array(pieces))), self.metric_circle)
        snapped = shapely.transform(to_lonlat(polygonal(inside)), lambda xy: np.round(xy, LONLAT_DECIMALS))
        return shapely.normalize(valid_polygonal(snapped))


DEFAULT_AOI = AreaOfInterest()
