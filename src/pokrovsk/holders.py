"""Who held a place on a date, for the maps and the front page: a pure query, no words.

Where a place was measured (``frontline_place_changes.csv``: our measurements of the DeepState
map), its state on the latest measured date on or before ``as_of`` says who held it. Elsewhere the
verification rule of data/README.md decides: Russia's latest claim about the place, known at
``as_of``, makes it Russian-held only once it is corroborated or established; a claim alone, or a
disputed one, leaves the holder unknown. Nothing but a measurement makes a place Ukrainian-held.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd

from pokrovsk import data
from pokrovsk.frontlines.aoi import POKROVSK_LAT, POKROVSK_LON
from pokrovsk.sources import split_ids

RUSSIA, UKRAINE = "russia", "ukraine"
MEASURED = "measured"
NO_CLAIM = "none"
CONFIRMING = ("corroborated", "established")
"""Verification levels at which a claim of capture counts as who holds the place."""
CLAIM_CATEGORIES = ("claim", "military")


@dataclasses.dataclass(frozen=True)
class Measurement:
    """The latest measured DeepState date on or before ``as_of`` and the distance from the
    measured centre to the nearest occupied ground on it (0 once the centre lies inside)."""

    date: dt.date
    nearest_occupied_km: float
    centre: tuple[float, float] = (POKROVSK_LAT, POKROVSK_LON)
    """The (lat, lon) the distance is measured from (data/README.md, 'Front-line measurements')."""


def measurement(data_dir: Path, as_of: dt.date) -> Measurement | None:
    known = data.load_frontline_metrics(data_dir, as_of)
    if known.empty:
        return None
    latest = known.iloc[-1]
    return Measurement(latest["date"], float(latest["min_distance_km_from_centre"]))


def _measured(data_dir: Path, as_of: dt.date, place_ids) -> pd.DataFrame:
    """Per measured place: its state on the latest measured date by ``as_of`` and since when."""
    changes = data.load_frontline_place_changes(data_dir, as_of)
    latest = changes[changes["place_id"].isin(list(place_ids))].groupby("place_id").tail(1)
    return pd.DataFrame({
        "place_id": latest["place_id"].astype(str),
        "holder": [RUSSIA if occupied else UKRAINE for occupied in latest["occupied"]],
        "basis": MEASURED,
        # A change after the first measured date happened after previous_date, on or before date.
        "since": [None if pd.isna(before) else day for day, before in zip(latest["date"], latest["previous_date"])],
        "claim_event": None, "claim_date": None, "source_ids": "",
    })


def _by_claims(data_dir: Path, as_of: dt.date, place_ids) -> pd.DataFrame:
    """Per place, Russia's latest claim about it known at ``as_of``, weighed by the rule."""
    events = data.load_events(data_dir, as_of)
    claims = events[events["claimant"].eq(RUSSIA) & events["category"].isin(CLAIM_CATEGORIES)
                    & events["place_id"].isin(list(place_ids))]
    latest = claims.sort_values(["date_end", "event_id"]).groupby("place_id").tail(1).set_index("place_id")
    rows = []
    for place in place_ids:
        if place not in latest.index:
            rows.append((place, None, NO_CLAIM, None, None, None, ""))
            continue
        claim = latest.loc[place]
        holder = RUSSIA if claim["verification"] in CONFIRMING else None
        rows.append((place, holder, str(claim["verification"]), None, claim["event_id"], str(claim["date"]),
                     ";".join(split_ids(claim["source_ids"]))))
    return pd.DataFrame(rows, columns=["place_id", "holder", "basis", "since", "claim_event", "claim_date",
                                       "source_ids"])


def holdings(data_dir: Path, as_of: dt.date, place_ids) -> pd.DataFrame:
    """One row per place id: ``holder`` (russia, ukraine or None: not known), ``basis`` (measured,
    or the verification of Russia's latest claim, or none), ``since`` (for a measured change: the
    measured date by which it had happened), the claim weighed (event id and date) and its sources."""
    place_ids = list(dict.fromkeys(place_ids))
    measured = _measured(data_dir, as_of, place_ids)
    rest = [place for place in place_ids if place not in set(measured["place_id"])]
    table = pd.concat([measured, _by_claims(data_dir, as_of, rest)], ignore_index=True)
    return table.set_index("place_id").loc[place_ids].reset_index()


def with_holders(places: pd.DataFrame, data_dir: Path, as_of: dt.date) -> pd.DataFrame:
    """``places`` (with ``place_id``) and, per place, ``holder``, ``basis`` and ``held_since`` (the
    measured date by which a change had happened, written ISO, or None), for maps and their downloads."""
    held = holdings(data_dir, as_of, places["place_id"])[["place_id", "holder", "basis", "since"]]
    held = held.assign(since=[None if pd.isna(day) else day.isoformat() for day in held["since"]])
    return places.merge(held.rename(columns={"since": "held_since"}), on="place_id", how="left")


def occupied_area(book) -> tuple[object | None, dt.date | None]:
    """The occupied area (a WGS84 shape) on the front-line store's last date by ``book.as_of``,
    and that date; (None, None) when the build has no store."""
    from pokrovsk.chapters.front_line import facts as front_line

    lines = front_line.front_lines(book)
    if lines is None:
        return None, None
    return lines.store.geometry(lines.last), lines.last
