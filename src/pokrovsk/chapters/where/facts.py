"""Chapter 1's facts: pure queries over ``pokrovsk.data`` as a reader could know them on the
edition's ``as_of``. Records hold codes, numbers, dates (written at their precision, as in the
data) and source ids; ``figures`` and the catalog ``words/en/where.yml`` make pictures and
sentences of them.

Places, names and the road and rail network are timeless: every edition shows them. Their
citations still keep only the sources published by ``as_of``; a link whose every source came
later is listed in ``Region.uncited_links`` so the caption can say so.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Iterable, NamedTuple

import geopandas as gpd
import pandas as pd

from pokrovsk import data, maps
from pokrovsk.chapter import Chapter
from pokrovsk.sources import ids_in, split_ids

UKRAINE_CITIES = ("kramatorsk", "donetsk", "dnipro", "zaporizhzhia", "mariupol")
"""The cities the map of Ukraine names and measures to: large ones a reader may know, around Pokrovsk."""
LANGUAGE_ORDER = ("en", "uk", "ru")
"""The order of a period's names: the English form first, then Ukrainian, then Russian."""
PLACE_COLUMNS = ["place_id", "name", "lat", "lon", "population", "population_year", "source_ids", "geometry"]
REGION_COLUMNS = ["place_id", "name", "name_uk", "name_ru", "kind", "lat", "lon", "population",
                  "population_year", "source_ids", "geometry"]


class Count(NamedTuple):
    """One population figure as its source gave it."""

    date: str
    population: int
    qualifier: str
    """How the source stated it: exact, about, less_than or more_than."""
    source_ids: tuple[str, ...]


class City(NamedTuple):
    """A city the place is measured to."""

    place_id: str
    name: str
    km: int
    """Straight line between centres, in whole kilometres: the points are city centres, so
    anything finer would be false precision."""
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class Locator:
    """A place and the cities measured from it, for the maps of Europe and Ukraine."""

    place_id: str
    place: str
    source_ids: tuple[str, ...]
    cities: tuple[City, ...]
    """Nearest first."""
    places: gpd.GeoDataFrame
    """The place and the cities: the maps' downloads."""


@dataclass(frozen=True)
class Link:
    """A road or railway segment on the region map: ``mode`` is a code (road, rail), ``start``
    and ``end`` the names of the places it joins."""

    designation: str
    mode: str
    start: str
    end: str


@dataclass(frozen=True)
class Region:
    """The settlements and links within ``radius_km`` of ``centre``."""

    place_id: str
    place: str
    centre: tuple[float, float]
    radius_km: float
    roads: int
    """Roads with an end at the place, counted by designation as chapter 2 counts them."""
    rails: int
    settlements: int
    """Settlements in the circle besides the place (stations and mines are sites, not settlements)."""
    neighbours: tuple[str, ...]
    """Every other place in the circle, by name."""
    links: tuple[Link, ...]
    uncited_links: tuple[str, ...]
    """Designations of links drawn whose every source was published after ``as_of``."""
    source_ids: tuple[str, ...]
    places: gpd.GeoDataFrame
    network: gpd.GeoDataFrame


@dataclass(frozen=True)
class Population:
    """A place's population figures known by ``as_of``. ``prewar`` is the last count before
    wartime estimates began; ``latest`` the last figure nobody contradicts."""

    place_id: str
    place: str
    first: Count | None
    prewar: Count | None
    lowest_wartime: Count | None
    latest: Count | None
    disputed: tuple[Count, ...]
    table: pd.DataFrame
    """Every figure known by ``as_of``, disputed ones included: the chart's data and download."""


@dataclass(frozen=True)
class KeyEvent:
    event_id: str
    date: str
    source_ids: tuple[str, ...]
    title: str
    description: str
    """Title and description as events.csv words them (data, in English)."""


@dataclass(frozen=True)
class KeyFacts:
    """What the chapter's key-facts list holds."""

    place: str
    prewar: Count | None
    """The population in places.csv: the last figure before the full-scale invasion."""
    census: Count | None
    """The latest census known by ``as_of``."""
    events: tuple[KeyEvent, ...]
    """The editors' key-fact events (data/editorial.csv) that had happened and been reported by ``as_of``."""


@dataclass(frozen=True)
class NamePeriod:
    start: str | None
    end: str | None
    """None while the name is still in use."""
    forms: tuple[tuple[str, str], ...]
    """(name, language code) pairs, in ``LANGUAGE_ORDER``."""


@dataclass(frozen=True)
class Names:
    """Every period of the place's names, oldest first, and the sources known by ``as_of``."""

    place: str
    periods: tuple[NamePeriod, ...]
    source_ids: tuple[str, ...]


def _known(book: Chapter, source_ids: Iterable[str]) -> tuple[str, ...]:
    """The ids among ``source_ids`` published by ``as_of``, once each, in order."""
    return tuple(data.sources_known_by(list(dict.fromkeys(source_ids)), book.as_of, book.data_dir))


def _places(book: Chapter) -> gpd.GeoDataFrame:
    return data.known_by(data.load_places(book.data_dir), book.as_of, book.data_dir)


def _text(value) -> str | None:
    return None if pd.isna(value) else str(value)


def _count(row: pd.Series) -> Count:
    return Count(str(row["date"]), int(row["population"]), str(row["qualifier"]), tuple(split_ids(row["source_ids"])))


def locator(book: Chapter, place_id: str = "pokrovsk") -> Locator:
    """The place, and how far it lies from each of ``UKRAINE_CITIES`` in a straight line."""
    home = book.place(place_id)
    places = _places(book)
    km = maps.straight_line_km(places, place_id, UKRAINE_CITIES)
    by_id = places.set_index("place_id")
    cities = sorted((City(city, str(by_id.loc[city, "name"]), round(km[city]),
                          _known(book, split_ids(by_id.loc[city, "source_ids"]))) for city in UKRAINE_CITIES),
                    key=lambda city: city.km)
    return Locator(place_id, str(home["name"]), _known(book, split_ids(home["source_ids"])), tuple(cities),
                   places[places["place_id"].isin([place_id, *UKRAINE_CITIES])][PLACE_COLUMNS])


def region(book: Chapter, place_id: str = "pokrovsk", radius_km: float | None = None) -> Region:
    """What lies within ``radius_km`` (default: the book's) of the book's centre."""
    radius = radius_km or book.params.radius_km
    home = book.place(place_id)
    places = _places(book)
    network = data.known_by(data.load_network(book.data_dir), book.as_of, book.data_dir)
    circle = maps.area_of_interest(book.params.centre, radius).iloc[0]
    shown = places[places.within(circle)]
    links = network[network.intersects(circle)]
    others = shown[shown["place_id"] != place_id]
    at_place = data.lines_at(network, place_id)
    names = dict(zip(places["place_id"], places["name"]))
    uncited = [designation for designation, ids in zip(links["designation"], links["source_ids"])
               if not _known(book, split_ids(ids))]
    return Region(
        place_id=place_id,
        place=str(home["name"]),
        centre=tuple(book.params.centre),
        radius_km=radius,
        roads=at_place.loc[at_place["mode"] == "road", "designation"].nunique(),
        rails=at_place.loc[at_place["mode"] == "rail", "designation"].nunique(),
        settlements=int((~others["kind"].isin(data.NON_SETTLEMENT_KINDS)).sum()),
        neighbours=tuple(others["name"]),
        links=tuple(Link(str(row["designation"]), str(row["mode"]), names[row["from_place"]], names[row["to_place"]])
                    for _, row in links.iterrows()),
        uncited_links=tuple(dict.fromkeys(uncited)),
        source_ids=_known(book, [*ids_in(shown), *ids_in(links)]),
        places=shown[REGION_COLUMNS],
        network=links,
    )


def population(book: Chapter, place_id: str = "pokrovsk") -> Population:
    """The place's population figures published by ``as_of``, oldest first."""
    home = book.place(place_id)
    rows = data.load_populations(book.data_dir, book.as_of)
    rows = rows[rows["place_id"] == place_id].sort_values("date_start", kind="stable").reset_index(drop=True)
    undisputed = rows[rows["verification"] != "disputed"]
    wartime = undisputed[undisputed["basis"] == "wartime_estimate"]
    before = undisputed[undisputed["basis"] != "wartime_estimate"]
    return Population(
        place_id=place_id,
        place=str(home["name"]),
        first=_count(undisputed.iloc[0]) if len(undisputed) else None,
        prewar=_count(before.iloc[-1]) if len(before) else None,
        lowest_wartime=_count(wartime.loc[wartime["population"].idxmin()]) if len(wartime) else None,
        latest=_count(undisputed.iloc[-1]) if len(undisputed) else None,
        disputed=tuple(_count(row) for _, row in rows[rows["verification"] == "disputed"].iterrows()),
        table=rows,
    )


def key_facts(book: Chapter, place_id: str = "pokrovsk") -> KeyFacts:
    """The population before the invasion, the latest census and the editors' key-fact events."""
    home = book.place(place_id)
    prewar = None
    if pd.notna(home["population"]):
        prewar = Count(str(home["population_year"]), int(home["population"]), "exact",
                       _known(book, split_ids(home["source_ids"])))
    populations = data.load_populations(book.data_dir, book.as_of)
    censuses = populations[(populations["place_id"] == place_id) & (populations["basis"] == "census")]
    events = data.load_events(book.data_dir, book.as_of).set_index("event_id")
    chosen = [event_id for event_id in data.editorial_ids("where", "key_fact", book.data_dir) if event_id in events.index]
    return KeyFacts(
        place=str(home["name"]),
        prewar=prewar,
        census=_count(censuses.sort_values("date_start").iloc[-1]) if len(censuses) else None,
        events=tuple(KeyEvent(event_id, str(events.loc[event_id, "date"]),
                              tuple(split_ids(events.loc[event_id, "source_ids"])),
                              str(events.loc[event_id, "title"]), str(events.loc[event_id, "description"]))
                     for event_id in chosen),
    )


def names(book: Chapter, place_id: str = "pokrovsk") -> Names:
    """The place's names through history: one period per stretch of time, its forms in
    ``LANGUAGE_ORDER``."""
    home = book.place(place_id)
    rows = data.load_place_names(book.data_dir)
    rows = rows[rows["place_id"] == place_id]

    def order(row: tuple) -> tuple:
        start, end, _, language = row
        rank = LANGUAGE_ORDER.index(language) if language in LANGUAGE_ORDER else len(LANGUAGE_ORDER)
        return (data.period_bounds(start)[0] if start else dt.date.min), start or "", end or "", rank

    forms = sorted(((_text(start), _text(end), str(name), str(language)) for start, end, name, language
                    in zip(rows["valid_from"], rows["valid_to"], rows["name"], rows["language"])), key=order)
    periods = tuple(NamePeriod(start, end, tuple((name, language) for _, _, name, language in group))
                    for (start, end), group in itertools.groupby(forms, key=lambda form: form[:2]))
    return Names(str(home["name"]), periods, _known(book, ids_in(rows)))
