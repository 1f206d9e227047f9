"""How far the occupied area has come: areas within rings around a centre and the closest approach.

Everything is measured in EPSG:32637. Each distinct geometry is measured once and its figures
shared by every date of its run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import shapely

from pokrovsk.frontlines.aoi import metric_circle, metric_point, to_metric
from pokrovsk.frontlines.importers import GREY_ZONE, OCCUPIED
from pokrovsk.frontlines.store import FrontlineStore, Run, write_atomically

DEFAULT_RADII_KM = (5.0, 10.0, 15.0, 30.0)
DISTANCE_COLUMN = "min_distance_km_from_centre"


class MetricsError(ValueError):
    """The requested centre and radii reach outside the store's area of interest."""


def area_column(category: str, radius_km: float) -> str:
    return f"{category}_km2_within_{radius_km:g}km"


def frontline_metrics(store: FrontlineStore, centre: tuple[float, float] | None = None,
                      radii_km: Sequence[float] = DEFAULT_RADII_KM) -> pd.DataFrame:
    """One row per stored date: occupied (and grey-zone) km² within each radius, and the distance
    in km from the centre to the nearest occupied ground (0 when the centre is occupied).

    ``centre`` is (lat, lon), by default the store's centre. Grey-zone columns are empty (NaN) on
    dates whose source has no grey zone; ``source`` names each date's file. The distance is NaN
    when the nearest stored occupied ground is farther than the store reaches from the centre in
    every direction, because nearer ground might then lie outside the stored area.
    """
    lat, lon = centre if centre is not None else (store.aoi.lat, store.aoi.lon)
    _check_reach(store, lat, lon, radii_km)
    rings = {radius: metric_circle(lat, lon, radius) for radius in radii_km}
    point = metric_point(lat, lon)
    reach_km = _reach_km(store, lat, lon)
    figures: dict[dt.date, dict[str, float]] = {day: {} for day in store.dates()}
    for run in store.runs():
        measured = _measure(run, rings, point, reach_km)
        for day in run.dates:
            figures[day].update(measured)
    measures = ([area_column(OCCUPIED, r) for r in radii_km] + [DISTANCE_COLUMN]
                + [area_column(GREY_ZONE, r) for r in radii_km])
    sources = store.sources()
    rows = [{"date": day, **figures[day], "source": sources[day].file} for day in sorted(figures)]
    frame = pd.DataFrame(rows, columns=["date", *measures, "source"])
    return frame.astype({measure: float for measure in measures})


def _check_reach(store: FrontlineStore, lat: float, lon: float, radii_km: Sequence[float]) -> None:
    if not radii_km or min(radii_km) <= 0:
        raise MetricsError(f"radii must be positive kilometres, not {list(radii_km)}")
    widest = max(radii_km)
    if not store.aoi.reaches(lat, lon, widest):
        raise MetricsError(
            f"a {widest:g} km ring around {lat:g} N, {lon:g} E reaches outside the store's area "
            f"({store.aoi.radius_km:g} km around {store.aoi.lat:g} N, {store.aoi.lon:g} E)"
        )


def _reach_km(store: FrontlineStore, lat: float, lon: float) -> float:
    """How far from (lat, lon) the store is complete in every direction."""
    offset_m = shapely.distance(metric_point(lat, lon), metric_point(store.aoi.lat, store.aoi.lon))
    return store.aoi.radius_km - offset_m / 1000.0


def _measure(run: Run, rings: dict[float, shapely.Polygon], point: shapely.Point, reach_km: float) -> dict:
    geometry = to_metric(run.geometry)
    measured = {area_column(run.category, radius): shapely.intersection(geometry, ring).area / 1e6
                for radius, ring in rings.items()}
    if run.category == OCCUPIED:
        distance_km = shapely.distance(point, geometry) / 1000.0 if not geometry.is_empty else float("nan")
        measured[DISTANCE_COLUMN] = distance_km if distance_km <= reach_km else float("nan")
    return measured


def write_metrics_csv(frame: pd.DataFrame, path: Path) -> None:
    """The metrics as CSV (empty cells for missing figures), written atomically."""
    write_atomically(Path(path), lambda temporary: frame.to_csv(temporary, index=False, float_format="%.4f"))
