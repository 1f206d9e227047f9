"""Chapter 4's facts: pure queries over the data as it was known at ``as_of``, returned as small
records of codes, numbers, dates, ids and the data's own names and titles (no words of ours, no
drawing: those are in ``figures`` and ``words/<language>/what_next.yml``).

A statement counts as known at ``as_of`` only once it was published: the loaders cut events at
the date they refer to and drop rows whose every source appeared after ``as_of`` (a commander
describing in December what his troops did in November); see ``pokrovsk.data.known_by``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import pandas as pd

from pokrovsk import data, holders, maps
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.how_long.facts import KEY_MOMENT
from pokrovsk.sources import ids_in, split_ids
from pokrovsk.records import Event
from pokrovsk.vocabulary import PARTIES

CHAPTER = "what_next"
TOWNS = ("pokrovsk", "myrnohrad")
"""The two towns of the pocket, in the order the chapter names them."""
ORIGIN = "pokrovsk"
NEXT_CITIES = ("kostiantynivka", "kramatorsk", "sloviansk")
SCALE_PLACE = "avdiivka"
"""Avdiivka → Pokrovsk: the ground Russia covered before reaching the city, shown for scale."""
DRIVE_START = "drive-start"
"""Editorial role (data/editorial.csv): the event where the drive on Pokrovsk began."""
EARLIER_CHAPTERS = ("where", "why", "how_long")
"""Events these chapters single out (data/editorial.csv) are told there and not repeated here."""
ON_THE_ROADS = ("rodynske", "dobropillia", *NEXT_CITIES)
"""Places whose mention puts an event on the roads north and north-east."""
NORTHERN_ROAD_EDGES = ("road-t0515-pokrovsk-rodynske", "road-t0515-rodynske-dobropillia",
                       "road-t0515-dobropillia-bilozerske")
"""The northern road out of the pocket (the T-05-15), south to north: chosen by edge, since its
designation is shown in the reader's language."""
STATEMENT_CATEGORIES = ("claim", "military")
ONWARD_CATEGORIES = ("claim", "military", "infrastructure")
SIDES = ("russia", "ukraine", "independent")
"""The timeline's rows, top to bottom, and the order of each town's statements."""
POCKET_RADIUS_KM = 25.0
ONWARD_MARGIN_KM = 12.0
"""Room around the measured cities on the onward map."""


@dataclasses.dataclass(frozen=True)
class Link:
    """A schematic road or rail link between two places."""

    designation: str
    mode: str
    from_name: str
    to_name: str


@dataclasses.dataclass(frozen=True)
class CorridorWidth:
    """A report of the gap left between the two Russian pincers."""

    date: str
    distance_km: float
    qualifier: str
    source_ids: tuple[str, ...]
    claimant: str
    verification: str


@dataclasses.dataclass(frozen=True)
class Corridor:
    """The northern road out of the pocket, its stops south to north, and every width reported
    by as_of (oldest first; none before the pincers closed in)."""

    road: str
    stops: tuple[str, ...]
    source_ids: tuple[str, ...]
    widths: tuple[CorridorWidth, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class MapLayers:
    """What a map draws: the located places in its area with who held each at as_of
    (``pokrovsk.holders``) and Russia's latest claim about each known then, and the road and rail
    links that cross it."""

    places: gpd.GeoDataFrame
    """One row per place shown, with its holder and latest Russian claim (the map's download)."""
    emphasised: tuple[str, ...]
    others: tuple[str, ...]
    """Names of the places shown besides the emphasised ones (and the measured ones)."""
    links: gpd.GeoDataFrame
    link_list: tuple[Link, ...]
    claims: tuple[Event, ...]
    source_ids: tuple[str, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class PocketMap:
    """The two towns and everything within ``radius_km`` of them; the corridor north; the
    occupied area when the build has a front-line store, else the measured distance from the
    city's centre to the nearest occupied ground."""

    towns: tuple[str, ...]
    radius_km: float
    layers: MapLayers
    corridor: Corridor
    centre: tuple[float, float]
    measurement: holders.Measurement | None
    occupied: object | None
    """The occupied area (a WGS84 shape) on ``occupied_date``, or None without a store."""
    occupied_date: dt.date | None


@dataclasses.dataclass(frozen=True)
class DisputedSide:
    claimant: str
    dates: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class TownStatus:
    """The latest statement of each side about a town known at as_of, which of the two parties
    had said nothing yet, and whose latest statements are marked disputed."""

    place_id: str
    name: str
    latest: tuple[Event, ...]
    silent: tuple[str, ...]
    disputed: tuple[DisputedSide, ...]


@dataclasses.dataclass(frozen=True)
class Status:
    towns: tuple[TownStatus, ...]


@dataclasses.dataclass(frozen=True, eq=False)
class ClaimsTimeline:
    """Claims and military statements about the pocket, from Russia's first claim about either
    town onward (all of them while Russia has made none); and how Ukraine answered Russia's
    latest claim about Pokrovsk."""

    origin: str
    towns: tuple[str, ...]
    statements: pd.DataFrame
    """One row per statement, oldest first: the chart's data and download."""
    places: tuple[str, ...]
    counts: tuple[tuple[str, int], ...]
    towns_claimed: bool
    latest_claim: Event | None
    answers: int
    latest_answer: Event | None
    source_ids: tuple[str, ...]
    key_moments: tuple[str, ...] = ()
    """The editors' key moments (data/editorial.csv, role ``key-moment``) among ``statements``, in date order."""


@dataclasses.dataclass(frozen=True, order=True)
class Distance:
    """A straight line from Pokrovsk, measured in UTM 37N; distances sort by length."""

    km: float
    place_id: str
    name: str
    role: str
    """``next_city`` or ``scale``."""


@dataclasses.dataclass(frozen=True, eq=False)
class Distances:
    """Straight lines from Pokrovsk to the cities beyond and, for scale, to Avdiivka; and Ukraine's
    withdrawal from Avdiivka once it had happened."""

    origin: str
    cities: tuple[Distance, ...]
    scale: Distance
    withdrawal: Event | None
    source_ids: tuple[str, ...]
    table: pd.DataFrame


@dataclasses.dataclass(frozen=True, eq=False)
class OnwardMap:
    origin: str
    distances: Distances
    frame: object
    """The shown area, a WGS84 rectangle (shapely)."""
    north_south_km: float
    layers: MapLayers


@dataclasses.dataclass(frozen=True)
class RoadsNorth:
    origin: str
    cities: tuple[str, ...]
    events: tuple[Event, ...]


@dataclasses.dataclass(frozen=True)
class Assessments:
    events: tuple[Event, ...]


# --- Shared queries ---------------------------------------------------------------------------

def _names(book: Chapter) -> dict[str, str]:
    places = data.load_places(book.data_dir)
    return dict(zip(places["place_id"], places["name"]))


def _located_places(book: Chapter) -> gpd.GeoDataFrame:
    places = data.load_places(book.data_dir)
    return places[places["lat"].notna() & places["kind"].ne("station")].reset_index(drop=True)


def _known_events(book: Chapter) -> pd.DataFrame:
    return data.load_events(book.data_dir, book.as_of)


def _cited(book: Chapter, source_ids) -> tuple[str, ...]:
    """The ids published by as_of; all of them when none was, which only happens for timeless
    rows (places, roads) whose every source is later: they keep their sources."""
    source_ids = list(dict.fromkeys(source_ids))
    return tuple(data.sources_known_by(source_ids, book.as_of, book.data_dir) or source_ids)


def _text(value) -> str | None:
    return None if pd.isna(value) else str(value)


def _statement(row: pd.Series, names: dict[str, str]) -> Event:
    place = _text(row["place_id"])
    return Event(event_id=row["event_id"], date=str(row["date"]), date_precision=row["date_precision"],
                     place_id=place, place_name=names.get(place) if place else None,
                     claimant=row["claimant"], verification=row["verification"], title=row["title"],
                     description=row["description"], source_ids=tuple(split_ids(row["source_ids"])))


def _statements(rows: pd.DataFrame, names: dict[str, str]) -> tuple[Event, ...]:
    return tuple(_statement(row, names) for _, row in rows.iterrows())


def midpoint(rows):
    """Where a row sits in time: its day, or the middle of its month (a table or one row)."""
    return rows["date_start"] + (rows["date_end"] - rows["date_start"]) / 2


def _by_recency(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(_when=midpoint(rows)).sort_values(["_when", "event_id"]).drop(columns="_when")


def _latest(rows: pd.DataFrame) -> pd.Series | None:
    return None if rows.empty else _by_recency(rows).iloc[-1]


def _latest_statements(rows: pd.DataFrame) -> pd.DataFrame:
    """The most recent row, with any row whose dates cannot be told apart from it (ISW's
    'February 2026' and a commentator's 20 February 2026 both count as the latest)."""
    newest = _latest(rows)
    if newest is None:
        return rows
    return _by_recency(rows[rows["date_end"] >= newest["date_start"]])


def _latest_russian_claims(events: pd.DataFrame, place_ids) -> pd.DataFrame:
    """Per place among ``place_ids``, Russia's most recent claim about it."""
    claims = events[events["claimant"].eq("russia") & events["category"].isin(STATEMENT_CATEGORIES)
                    & events["place_id"].isin(list(place_ids))]
    return _by_recency(claims).groupby("place_id").tail(1)


def _layers(book: Chapter, area, emphasised: tuple[str, ...], measured: tuple[str, ...] = ()) -> MapLayers:
    """The located places within ``area`` (a WGS84 shape), Russia's latest claim about each known
    at as_of, and the links crossing it."""
    names = _names(book)
    places = _located_places(book)
    shown = places[places.within(area)]
    network = data.load_network(book.data_dir)
    links = network[network.intersects(area)]
    claims = _latest_russian_claims(_known_events(book), shown["place_id"])
    table = shown[["place_id", "name", "kind", "lat", "lon", "source_ids", "geometry"]].merge(
        claims[["place_id", "event_id", "date", "verification"]].rename(
            columns={"event_id": "latest_russian_claim", "date": "claim_date", "verification": "claim_status"}),
        on="place_id", how="left")
    table = holders.with_holders(table, book.data_dir, book.as_of)
    return MapLayers(
        places=table, emphasised=emphasised,
        others=tuple(shown.loc[~shown["place_id"].isin([*emphasised, *measured]), "name"]),
        links=links, link_list=tuple(Link(row["designation"], row["mode"], names[row["from_place"]],
                                          names[row["to_place"]]) for _, row in links.iterrows()),
        claims=_statements(claims, names), source_ids=_cited(book, ids_in(shown) + ids_in(links) + ids_in(claims)))


# --- The pocket -------------------------------------------------------------------------------

def corridor(book: Chapter) -> Corridor:
    """The northern road and the widths of the corridor reported by as_of."""
    names = _names(book)
    road = data.load_network(book.data_dir).set_index("edge_id").loc[list(NORTHERN_ROAD_EDGES)].reset_index()
    stops = dict.fromkeys([*road["from_place"], *road["to_place"]])
    rows = data.load_reported_distances(book.data_dir, book.as_of)
    rows = rows[rows["measure"] == "corridor_width"].sort_values("date_start")
    widths = tuple(CorridorWidth(str(row["date"]), float(row["distance_km"]), row["qualifier"],
                                 tuple(split_ids(row["source_ids"])), row["claimant"], row["verification"])
                   for _, row in rows.iterrows())
    return Corridor(str(road["designation"].iloc[0]), tuple(names[p] for p in stops), _cited(book, ids_in(road)), widths)


def _towns_centre(places: gpd.GeoDataFrame) -> tuple[float, float]:
    towns = places[places["place_id"].isin(TOWNS)]
    return float(towns["lat"].mean()), float(towns["lon"].mean())


def _pocket_place_ids(book: Chapter) -> list[str]:
    """The two towns and every located place within the pocket map's radius of them."""
    places = _located_places(book)
    area = maps.area_of_interest(_towns_centre(places), POCKET_RADIUS_KM).iloc[0]
    return list(dict.fromkeys([*TOWNS, *places.loc[places.within(area), "place_id"]]))


def pocket_map(book: Chapter) -> PocketMap:
    centre = _towns_centre(_located_places(book))
    layers = _layers(book, maps.area_of_interest(centre, POCKET_RADIUS_KM).iloc[0], TOWNS)
    names = _names(book)
    occupied, occupied_date = holders.occupied_area(book)
    return PocketMap(towns=tuple(names[t] for t in TOWNS), centre=centre, radius_km=POCKET_RADIUS_KM,
                     layers=layers, corridor=corridor(book), measurement=holders.measurement(book.data_dir, book.as_of),
                     occupied=occupied, occupied_date=occupied_date)


# --- Claims against statements -----------------------------------------------------------------

def claims_timeline(book: Chapter) -> ClaimsTimeline:
    names = _names(book)
    events = _known_events(book)
    statements = events[events["place_id"].isin(_pocket_place_ids(book))
                        & events["category"].isin(STATEMENT_CATEGORIES)]
    town_claims = statements[statements["claimant"].eq("russia") & statements["place_id"].isin(TOWNS)]
    if not town_claims.empty:
        statements = statements[statements["date_start"] >= town_claims["date_start"].min()]
    statements = statements.sort_values(["date_start", "event_id"]).reset_index(drop=True)
    statements = statements.assign(place_name=statements["place_id"].map(names))
    on_origin = statements[statements["place_id"].eq(ORIGIN)]
    last_claim = _latest(on_origin[on_origin["claimant"].eq("russia")])
    answers = on_origin.iloc[0:0]
    if last_claim is not None:
        answers = on_origin[on_origin["claimant"].eq("ukraine") & (on_origin["date_start"] >= last_claim["date_start"])]
    latest_answer = _latest(answers)
    counts = statements["claimant"].value_counts()
    return ClaimsTimeline(
        origin=names[ORIGIN], towns=tuple(names[t] for t in TOWNS), statements=statements,
        places=tuple(dict.fromkeys(statements["place_name"])),
        counts=tuple((side, int(counts.get(side, 0))) for side in SIDES), towns_claimed=not town_claims.empty,
        latest_claim=None if last_claim is None else _statement(last_claim, names), answers=len(answers),
        latest_answer=None if latest_answer is None else _statement(latest_answer, names),
        source_ids=tuple(ids_in(statements)),
        key_moments=tuple(statements.loc[statements["event_id"].isin(
            data.editorial_ids(CHAPTER, KEY_MOMENT, book.data_dir)), "event_id"]))


def status(book: Chapter) -> Status:
    """Where things stood at as_of, town by town, going by each side's latest statement."""
    names = _names(book)
    events = _known_events(book)
    statements = events[events["place_id"].isin(TOWNS) & events["category"].isin(STATEMENT_CATEGORIES)]
    towns = []
    for town in TOWNS:
        about_town = statements[statements["place_id"] == town]
        by_side = {side: _latest_statements(about_town[about_town["claimant"] == side]) for side in SIDES}
        by_side = {side: rows for side, rows in by_side.items() if not rows.empty}
        disputed = [DisputedSide(side, tuple(rows.loc[rows["verification"] == "disputed", "date"]))
                    for side, rows in by_side.items()]
        towns.append(TownStatus(
            place_id=town, name=names[town],
            latest=tuple(s for rows in by_side.values() for s in _statements(rows, names)),
            silent=tuple(side for side in SIDES if side in PARTIES and side not in by_side),
            disputed=tuple(side for side in disputed if side.dates)))
    return Status(tuple(towns))


# --- What lies beyond ------------------------------------------------------------------------

def distances(book: Chapter) -> Distances:
    names = _names(book)
    places = _located_places(book)
    sources = places.set_index("place_id")["source_ids"]
    km = maps.straight_line_km(places, ORIGIN, [*NEXT_CITIES, SCALE_PLACE])  # rounded where shown, once
    rows = [Distance(float(km[place]), place, names[place], "next_city" if place in NEXT_CITIES else "scale")
            for place in km.index]
    table = pd.DataFrame({
        "from_place": ORIGIN,
        "to_place": [row.place_id for row in rows],
        "to_name": [row.name for row in rows],
        "straight_line_km": [row.km for row in rows],
        "role": [row.role for row in rows],
        "crs": maps.METRIC_CRS,
        "source_ids": [";".join(dict.fromkeys(split_ids(sources[ORIGIN]) + split_ids(sources[row.place_id])))
                       for row in rows],
    })
    events = _known_events(book)
    withdrawal = events[events["event_id"].isin(data.editorial_ids(CHAPTER, DRIVE_START, book.data_dir))]
    withdrawn = _statements(withdrawal, names)
    return Distances(
        origin=names[ORIGIN], cities=tuple(sorted(r for r in rows if r.role == "next_city")),
        scale=next(r for r in rows if r.role == "scale"), withdrawal=withdrawn[0] if withdrawn else None,
        table=table, source_ids=_cited(book, ids_in(table)) + tuple(i for s in withdrawn for i in s.source_ids))


def _north_south_km(frame) -> float:
    """North–south extent of a WGS84 rectangle, in km."""
    bounds = gpd.GeoSeries([frame], crs="EPSG:4326").to_crs(maps.METRIC_CRS).total_bounds
    return float(bounds[3] - bounds[1]) / 1000


def onward_map(book: Chapter) -> OnwardMap:
    places = _located_places(book)
    measured = distances(book)
    ends = places[places["place_id"].isin([ORIGIN, *measured.table["to_place"]])]
    window = ends.to_crs(maps.METRIC_CRS).buffer(ONWARD_MARGIN_KM * 1000)
    frame = window.to_crs("EPSG:4326").union_all().envelope
    layers = _layers(book, frame, (ORIGIN, *NEXT_CITIES), tuple(measured.table["to_place"]))
    km = measured.table[["to_place", "straight_line_km"]].rename(
        columns={"to_place": "place_id", "straight_line_km": "km_from_pokrovsk"})
    layers = dataclasses.replace(layers, places=layers.places.merge(km, on="place_id", how="left"))
    return OnwardMap(origin=_names(book)[ORIGIN], distances=measured, frame=frame,
                     north_south_km=_north_south_km(frame), layers=layers)


def roads_north(book: Chapter) -> RoadsNorth:
    """Dated events on the way from Pokrovsk toward the cities to the north and north-east, from
    the start of the drive on Pokrovsk (known at as_of)."""
    names = _names(book)
    watched = [names[p] for p in ON_THE_ROADS]
    events = _known_events(book)
    start = events.loc[events["event_id"].isin(data.editorial_ids(CHAPTER, DRIVE_START, book.data_dir)), "date_start"]
    events = events[events["category"].isin(ONWARD_CATEGORIES)]
    if not start.empty:
        events = events[events["date_start"] >= start.min()]
    choices = data.load_editorial(book.data_dir)
    told_before = choices.loc[choices["chapter"].isin(EARLIER_CHAPTERS), "event_id"]
    events = events[~events["event_id"].isin(told_before)]
    text = events["title"] + " " + events["description"]
    rows = events[text.apply(lambda t: any(name in t for name in watched))]
    return RoadsNorth(names[ORIGIN], tuple(names[p] for p in NEXT_CITIES), _statements(rows, names))


def assessments(book: Chapter) -> Assessments:
    """What analysts expected, known at as_of: opinions, not events."""
    events = _known_events(book)
    return Assessments(_statements(events[events["category"] == "analysis"], _names(book)))
