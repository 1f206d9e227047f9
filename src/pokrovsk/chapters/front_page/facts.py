"""The front page's facts: the bottom line and the key facts as known at ``as_of``, as small
records of codes, numbers, dates and source ids (the words are in ``words/<language>/front_page.yml``).

Each fact is the one its chapter shows, asked of that chapter's own query, so the front page
can never disagree with the chapter it summarises: the population (chapter 1), the straight
line to Kramatorsk (chapter 1), the days of battle by the main count (chapter 3), Russia's claim
to have taken the city (the day chapter 3's count by that claim ends) with Ukraine's answers to it,
or before it Russia's latest statement about the city (chapter 4); the measured state of the city
on DeepState's map and the nearest occupied ground come from our measurements (``pokrovsk.holders``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import pandas as pd
import shapely

from pokrovsk import data, holders, maps
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.front_line import facts as front_line
from pokrovsk.chapters.how_long import facts as how_long
from pokrovsk.chapters.what_next import facts as what_next
from pokrovsk.chapters.where import facts as where
from pokrovsk.records import Event
from pokrovsk.sources import ids_in, split_ids

CHAPTER = "front_page"
PLACE = "pokrovsk"
GATEWAY = "kramatorsk"
"""The city the key facts measure to: the oblast's seat, the next big prize to the north."""
TROOPS = "troops"
"""Editorial role (data/editorial.csv): the reports of how many troops fought for the city."""
MAP_PLACES = ("pokrovsk", "myrnohrad", "kramatorsk", "sloviansk", "kostiantynivka", "dobropillia", "avdiivka",
              "donetsk", "selydove", "kurakhove", "toretsk", "bakhmut", "mezhova")
"""The towns the hero map names: the city, the cities north of it and the ones the front passed."""
MAP_MARGIN_KM = 8.0


@dataclasses.dataclass(frozen=True)
class Measured:
    """The city's state on the latest DeepState date measured by as_of."""

    date: dt.date
    holder: str
    since: dt.date | None
    """The measured date by which it had changed to this state (None: so since the first date)."""
    nearest_occupied_km: float


@dataclasses.dataclass(frozen=True)
class BottomLine:
    """Two or three sentences' worth: the city on the map, what the sides said, how long it lasted."""

    place: str
    measured: Measured | None
    capture_claim: Event | None
    """Russia's claim to have taken the city, known at as_of: the end of the battle's count by that
    claim (battles.csv, end_kind 'claim')."""
    answers: tuple[Event, ...]
    """Ukraine's statements about the city since that claim, known at as_of: the first, and the
    latest when there are more."""
    russia: Event | None
    """Russia's latest statement about the city known at as_of (the one weighed before a capture claim)."""
    battle: how_long.Span | None
    """The main count of chapter 3 (None before it starts)."""


@dataclasses.dataclass(frozen=True)
class Troops:
    event: Event


@dataclasses.dataclass(frozen=True)
class KeyFacts:
    place: str
    prewar: where.Count | None
    latest: where.Count | None
    """The latest undisputed population figure known at as_of; None while it is still the
    pre-war figure itself (the same count of the same year)."""
    latest_basis: str | None
    gateway: where.City
    battle: how_long.Span | None
    """The main count of chapter 3 (None before it starts)."""
    troops: tuple[Event, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class HeroMap:
    """The city in its region: every named town with who held it at as_of, the straight line to
    the gateway city, and the occupied area when the build has a front-line store."""

    place_id: str
    places: gpd.GeoDataFrame
    """The towns shown with their holder columns (the map's download)."""
    frame: tuple[float, float, float, float]
    """(west, south, east, north) in degrees."""
    gateway: where.City
    measurement: holders.Measurement | None
    occupied: object | None
    """The occupied area on the store's latest date by as_of (a WGS84 shape), or None without a store."""
    occupied_date: dt.date | None
    source_ids: tuple[str, ...]
    layer_source_ids: tuple[str, ...]
    """The gazetteers the towns' points come from: with the basemap, the sources the map is drawn
    from (the others back single towns' facts or claims)."""
    measured_area: object | None = None
    """The circle the store's front lines were cut to on import (WGS84), or None without a store:
    outside it the map shows no occupied ground, whoever held it."""
    measured_radius_km: float | None = None


def _last(events: tuple[Event, ...], side: str) -> Event | None:
    spoken = [event for event in events if event.claimant == side]
    return spoken[-1] if spoken else None


def _event(event_id: str, row: pd.Series) -> Event:
    return Event(event_id=event_id, date=str(row["date"]), date_precision=row["date_precision"],
                 claimant=row["claimant"], verification=row["verification"], title=row["title"],
                 description=row["description"], source_ids=tuple(split_ids(row["source_ids"])))


def _statements_about_city(book: Chapter, side: str) -> pd.DataFrame:
    """The side's statements about the city known at as_of, oldest first."""
    events = data.load_events(book.data_dir, book.as_of)
    spoken = events[events["claimant"].eq(side) & events["category"].isin(holders.CLAIM_CATEGORIES)
                    & events["place_id"].eq(PLACE)]
    return spoken.sort_values(["date_start", "event_id"]).set_index("event_id")


def _capture_claim(book: Chapter) -> Event | None:
    """Russia's statement, known at as_of, made on the day the battle's count by Russia's claim ends."""
    battles = data.load_battles(book.data_dir)
    ends = battles.loc[battles["battle_id"].eq(how_long.BATTLE_ID) & battles["end_kind"].eq("claim")
                       & battles["end"].notna(), "end"]
    if ends.empty:
        return None
    claims = _statements_about_city(book, holders.RUSSIA)
    end = min(data.period_bounds(day)[0] for day in ends)
    on_the_day = claims[claims["date_precision"].eq("day") & (claims["date_start"].dt.date == end)]
    return None if on_the_day.empty else _event(on_the_day.index[-1], on_the_day.iloc[-1])


def bottom_line(book: Chapter) -> BottomLine:
    town = next(status for status in what_next.status(book).towns if status.place_id == PLACE)
    held = holders.holdings(book.data_dir, book.as_of, [PLACE]).iloc[0]
    measured = holders.measurement(book.data_dir, book.as_of)
    claim = _capture_claim(book)
    answers: tuple[Event, ...] = ()
    if claim is not None:
        said = _statements_about_city(book, holders.UKRAINE)
        said = said[said["date_start"].dt.date >= dt.date.fromisoformat(claim.date)]
        first_and_latest = dict.fromkeys([*said.index[:1], *said.index[-1:]])
        answers = tuple(_event(event_id, said.loc[event_id]) for event_id in first_and_latest)
    return BottomLine(
        place=town.name, capture_claim=claim, answers=answers, russia=_last(town.latest, holders.RUSSIA),
        battle=how_long.answer(book).main,
        measured=None if measured is None or held["basis"] != holders.MEASURED else Measured(
            measured.date, held["holder"], held["since"], measured.nearest_occupied_km))


def _troop_reports(book: Chapter) -> tuple[Event, ...]:
    events = data.load_events(book.data_dir, book.as_of).set_index("event_id")
    chosen = [event_id for event_id in data.editorial_ids(CHAPTER, TROOPS, book.data_dir) if event_id in events.index]
    return tuple(_event(event_id, row) for event_id, row in events.loc[chosen].iterrows())


def key_facts(book: Chapter) -> KeyFacts:
    population = where.population(book, PLACE)
    latest_row = population.table[population.table["verification"] != "disputed"].tail(1)
    gateway = next(city for city in where.locator(book, PLACE).cities if city.place_id == GATEWAY)
    prewar, latest = where.key_facts(book, PLACE).prewar, population.latest
    if prewar and latest and (latest.population, latest.date[:4]) == (prewar.population, prewar.date[:4]):
        latest = None
    return KeyFacts(
        place=population.place, prewar=prewar, latest=latest,
        latest_basis=None if latest_row.empty else str(latest_row["basis"].iloc[0]),
        gateway=gateway, battle=how_long.answer(book).main, troops=_troop_reports(book))


def hero_map(book: Chapter) -> HeroMap:
    places = data.load_places(book.data_dir)
    shown = places[places["place_id"].isin(MAP_PLACES) & places["lat"].notna()]
    metric = shown.to_crs(maps.METRIC_CRS)
    west, south, east, north = metric.buffer(MAP_MARGIN_KM * 1000).to_crs("EPSG:4326").total_bounds
    held = holders.holdings(book.data_dir, book.as_of, shown["place_id"])
    table = holders.with_holders(shown[["place_id", "name", "kind", "lat", "lon", "source_ids", "geometry"]],
                                 book.data_dir, book.as_of)
    occupied, occupied_date = holders.occupied_area(book)
    measured_area = radius_km = None
    if occupied is not None:
        occupied = shapely.clip_by_rect(occupied, west, south, east, north)
        aoi = front_line.front_lines(book).store.aoi
        measured_area, radius_km = maps.area_of_interest((aoi.lat, aoi.lon), aoi.radius_km).iloc[0], aoi.radius_km
    gateway = next(city for city in where.locator(book, PLACE).cities if city.place_id == GATEWAY)
    claims = [i for ids in held["source_ids"] for i in split_ids(ids)]
    return HeroMap(
        place_id=PLACE, places=gpd.GeoDataFrame(table, geometry="geometry", crs=places.crs),
        frame=(float(west), float(south), float(east), float(north)), gateway=gateway,
        measurement=holders.measurement(book.data_dir, book.as_of), occupied=occupied, occupied_date=occupied_date,
        source_ids=tuple(data.sources_known_by(list(dict.fromkeys(ids_in(shown) + claims)), book.as_of, book.data_dir)),
        layer_source_ids=tuple(dict.fromkeys(shown["gazetteer"].dropna())),
        measured_area=measured_area, measured_radius_km=radius_km)
