"""Chapter 5's facts about settlements: when DeepState's map first shows each place inside the
occupied area, set against the reports of its capture in data/events.csv that the editors chose
(data/editorial.csv, roles ``capture-<place_id>``). The maps' dates come from the store when the
edition has one, otherwise from the committed data/frontline_place_changes.csv. Records and one
comparison table; no words."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from pokrovsk import data
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.front_line.facts import front_lines, known_ids, measured_sources, measurements
from pokrovsk.frontlines.control import control_from_changes, settlement_control
from pokrovsk.sources import ids_in

CAPTURE_ROLE = "capture-"
"""data/editorial.csv roles ``capture-<place_id>``: the reports of a place's fall that the maps are
checked against (Russia's claims, Ukraine's withdrawals, independent reports of its fall)."""

# How a reported capture date sits against the maps (see _verdict).
AGREES, MAP_EARLIER, MAP_LATER, NOT_SHOWN, UNCHECKABLE = (
    "agrees", "map_earlier", "map_later", "not_shown", "uncheckable")
VERDICTS = (AGREES, MAP_EARLIER, MAP_LATER, NOT_SHOWN, UNCHECKABLE)


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


@dataclasses.dataclass(frozen=True)
class OtherPlaces:
    """Settlements in the store's area with no capture report compared, by what the maps show."""

    before: tuple[str, ...]
    """Inside already on the first stored map."""
    later: tuple[tuple[str, dt.date], ...]
    """(name, first date inside)."""
    outside: tuple[str, ...]
    """Outside on the last stored map."""
    unplaced: tuple[str, ...]
    """Without coordinates, so not checked."""


@dataclasses.dataclass(frozen=True)
class Captures:
    comparison: pd.DataFrame
    """One row per capture report known by as_of about a place in the store's area."""
    first_stored: dt.date
    last_stored: dt.date
    counts: dict[str, int]
    """Reports per verdict (every verdict, zero included)."""
    other: OtherPlaces
    source_ids: tuple[str, ...]

    def in_order(self) -> pd.DataFrame:
        """The reports by the date the map first shows their place inside (never: last), then by date."""
        first = self.comparison["first_inside"].fillna(dt.date.max)
        return self.comparison.assign(_first=first).sort_values(["_first", "reported_start"]).drop(columns="_first")

    @property
    def places(self) -> list[str]:
        return list(dict.fromkeys(self.in_order()["place"]))

    def by_place(self) -> list[pd.DataFrame]:
        return [reports for _, reports in self.in_order().groupby("place_id", sort=False)]


COMPARISON_COLUMNS = ["place_id", "place", "first_inside", "last_outside_before", "inside_on_first_date",
                      "later_outside_again", "event_id", "reported", "reported_start", "reported_end", "claimant",
                      "verification", "title", "verdict", "days_apart", "source_ids"]


def capture_reports(book: Chapter) -> dict[str, list[str]]:
    """Per place, the events (data/editorial.csv, roles ``capture-<place_id>``) that report it taken."""
    choices = data.load_editorial(book.data_dir)
    chosen = choices[(choices["chapter"] == "front_line") & choices["role"].str.startswith(CAPTURE_ROLE)]
    return {role.removeprefix(CAPTURE_ROLE): list(rows["event_id"]) for role, rows in chosen.groupby("role", sort=False)}


@dataclasses.dataclass(frozen=True)
class PlaceStates:
    control: pd.DataFrame
    """Every place of places.csv, with the columns of ``settlement_control``."""
    days: list[dt.date]
    """The measured dates, up to as_of."""


def place_states(book: Chapter) -> PlaceStates | None:
    """Where each place stood on the maps up to as_of; None while no map was measured."""
    measured = measurements(book)
    if measured is None:
        return None
    places = data.load_places(book.data_dir)
    days = list(measured.metrics["date"])
    if measured.from_store:
        return PlaceStates(settlement_control(front_lines(book).store, places), days)
    changes = data.load_frontline_place_changes(book.data_dir, book.as_of)
    return PlaceStates(control_from_changes(changes, days, places), days)


def captures(book: Chapter) -> Captures | None:
    states = place_states(book)
    if states is None:
        return None
    places = data.load_places(book.data_dir)
    control = states.control.set_index("place_id")
    events = data.load_events(book.data_dir, book.as_of).set_index("event_id")
    names = places.set_index("place_id")["name"]
    days = states.days
    in_area = control["in_area"].eq(True)
    rows = []
    for place_id, event_ids in capture_reports(book).items():
        if not in_area.get(place_id, False):
            continue
        state = control.loc[place_id]
        first = state["first_occupied"] if pd.notna(state["first_occupied"]) else None
        previous = days[days.index(first) - 1] if first is not None and first != days[0] else None
        for event_id in (e for e in event_ids if e in events.index):
            event = events.loc[event_id]
            start, end = event["date_start"].date(), event["date_end"].date()
            verdict, days_apart = _verdict(first, previous, days[-1], start, end)
            rows.append([place_id, names[place_id], first, previous, bool(state["occupied_on_first_date"]),
                         bool(state["left_later"]), event_id, event["date"], start, end, event["claimant"],
                         event["verification"], event["title"], verdict, days_apart, event["source_ids"]])
    comparison = pd.DataFrame(rows, columns=COMPARISON_COLUMNS).astype({"days_apart": "Int64"})
    counts = comparison["verdict"].value_counts().to_dict()
    shown = places[places["place_id"].isin(comparison["place_id"])]
    return Captures(comparison, days[0], days[-1], {verdict: counts.get(verdict, 0) for verdict in VERDICTS},
                    _other_places(book, states, set(comparison["place_id"])),
                    tuple(dict.fromkeys((*measured_sources(book), *ids_in(comparison),
                                         *known_ids(book, ids_in(shown))))))


def _other_places(book: Chapter, states: PlaceStates, compared: set[str]) -> OtherPlaces:
    places = data.load_places(book.data_dir)
    places = places[~places["kind"].isin(data.NON_SETTLEMENT_KINDS) & ~places["place_id"].isin(compared)]
    control = states.control.merge(places[["place_id", "name"]], on="place_id")
    located = control[control["in_area"].eq(True)]
    later = located[located["first_occupied"].notna() & located["occupied_on_first_date"].eq(False)]
    return OtherPlaces(
        tuple(located.loc[located["occupied_on_first_date"].eq(True), "name"]),
        tuple(zip(later["name"], later["first_occupied"])),
        tuple(located.loc[located["first_occupied"].isna(), "name"]),
        tuple(control.loc[control["in_area"].isna(), "name"]))
