"""Settlement control: on which stored date each place first lay inside the occupied area."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from pokrovsk.frontlines.aoi import metric_circle, to_metric
from pokrovsk.frontlines.importers import OCCUPIED
from pokrovsk.frontlines.store import FrontlineStore

CONTROL_COLUMNS = ["place_id", "in_area", "first_occupied", "occupied_on_first_date", "left_later",
                   "occupied_on_last_date"]


def settlement_control(store: FrontlineStore, places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per place (columns place_id, lat, lon; default ``pokrovsk.data.load_places()``):

    - ``in_area``: the place lies inside the store's area of interest (otherwise the rest is
      empty; empty too when the place has no coordinates)
    - ``first_occupied``: the first stored date it lies inside the occupied area (None if never)
    - ``occupied_on_first_date``: it was already occupied on the first stored date, so
      ``first_occupied`` only says "on or before"
    - ``left_later``: after first lying inside, it lay outside on some later stored date
    - ``occupied_on_last_date``: its state on the last stored date
    """
    if places is None:
        from pokrovsk.data import load_places

        places = load_places()
    days = store.dates()
    lon, lat = places["lon"].to_numpy(float, na_value=np.nan), places["lat"].to_numpy(float, na_value=np.nan)
    located = np.isfinite(lon) & np.isfinite(lat)
    points = to_metric(shapely.points(lon, lat))
    in_area = shapely.intersects(metric_circle(store.aoi.lat, store.aoi.lon, store.aoi.radius_km), points)
    inside = _occupied_matrix(store, days, points)
    rows = [_place_row(place_id, bool(in_area[i]) if located[i] else None, days, inside[:, i])
            for i, place_id in enumerate(places["place_id"])]
    flags = {"in_area": "boolean", "occupied_on_first_date": "boolean", "left_later": "boolean",
             "occupied_on_last_date": "boolean"}
    return pd.DataFrame(rows, columns=CONTROL_COLUMNS).astype(flags)


def _occupied_matrix(store: FrontlineStore, days: list, points: np.ndarray) -> np.ndarray:
    """inside[d, p]: place p lies in the occupied area on stored date d."""
    row_of = {day: row for row, day in enumerate(days)}
    inside = np.zeros((len(days), len(points)), dtype=bool)
    for run in store.runs():
        if run.category != OCCUPIED:
            continue
        inside[[row_of[day] for day in run.dates]] = shapely.intersects(to_metric(run.geometry), points)
    return inside


def _place_row(place_id: str, in_area: bool | None, days: list, inside: np.ndarray) -> dict:
    if not in_area or not days:
        return {"place_id": place_id, "in_area": in_area}
    occupied_rows = np.flatnonzero(inside)
    if not len(occupied_rows):
        return {"place_id": place_id, "in_area": True, "first_occupied": None, "occupied_on_first_date": False,
                "left_later": False, "occupied_on_last_date": False}
    first = occupied_rows[0]
    return {
        "place_id": place_id,
        "in_area": True,
        "first_occupied": days[first],
        "occupied_on_first_date": bool(first == 0),
        "left_later": bool((~inside[first:]).any()),
        "occupied_on_last_date": bool(inside[-1]),
    }


CHANGE_COLUMNS = ["place_id", "date", "occupied", "previous_date"]


def place_changes(store: FrontlineStore, places: pd.DataFrame) -> pd.DataFrame:
    """Per place (columns place_id, lat, lon): its state on the first stored date (previous_date
    empty), then one row for every stored date on which its centre entered or left the occupied
    area, with the stored date before it: the change happened after ``previous_date`` and on or
    before ``date``. A place's state on any stored date is that of its last row on or before it."""
    days = store.dates()
    points = to_metric(shapely.points(places["lon"].to_numpy(float), places["lat"].to_numpy(float)))
    inside = _occupied_matrix(store, days, points)
    rows = []
    for column, place_id in enumerate(places["place_id"]):
        states = inside[:, column]
        rows.append({"place_id": place_id, "date": days[0], "occupied": bool(states[0]), "previous_date": None})
        for row in np.flatnonzero(states[1:] != states[:-1]) + 1:
            rows.append({"place_id": place_id, "date": days[row], "occupied": bool(states[row]),
                         "previous_date": days[row - 1]})
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS).astype({"occupied": "boolean"})


def control_from_changes(changes: pd.DataFrame, days: list, places: pd.DataFrame) -> pd.DataFrame:
    """:func:`settlement_control` read back from :func:`place_changes` (as committed in
    data/frontline_place_changes.csv), over the measured ``days``: so a book without the polygons
    knows what the store knew. A place of ``places`` (place_id, lat, lon) with no changes lies
    outside the measured area; one without coordinates has ``in_area`` empty."""
    by_place = {place_id: rows for place_id, rows in changes.groupby("place_id", sort=False)}
    located = places["lat"].notna() & places["lon"].notna()
    rows = []
    for place_id, has_coordinates in zip(places["place_id"], located):
        place = by_place.get(place_id)
        if not has_coordinates or place is None or not days:
            rows.append({"place_id": place_id, "in_area": (place is not None) if has_coordinates else None})
            continue
        states = pd.Series([bool(state) for state in place["occupied"]], index=list(place["date"]))
        inside = [bool(states[states.index <= day].iloc[-1]) for day in days]
        rows.append(_place_row(place_id, True, days, np.array(inside)))
    flags = {"in_area": "boolean", "occupied_on_first_date": "boolean", "left_later": "boolean",
             "occupied_on_last_date": "boolean"}
    return pd.DataFrame(rows, columns=CONTROL_COLUMNS).astype(flags)
