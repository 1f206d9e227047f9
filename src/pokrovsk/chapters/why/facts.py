"""Chapter 2's facts: pure queries over ``data/`` as a reader on ``as_of`` could know it.

Each function takes the open chapter (``book``) and returns small records of codes, numbers,
dates and ids; tables that become a chart's data or download stay DataFrames. No English here:
the words are in ``pokrovsk/words/<language>/why.yml``, the drawing in ``figures.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import geopandas as gpd
import pandas as pd

from pokrovsk import data, maps
from pokrovsk.chapter import Chapter
from pokrovsk.records import Event
from pokrovsk.sources import ids_in, split_ids

CHAPTER = "why"
HOME = "pokrovsk"
INVASION_EVENT = "2022-02-24-full-scale-invasion"
"""Reports dated before this event describe the pre-2022 line: drawn as reference lines."""
DISTANCE_TARGETS = ("kramatorsk", "sloviansk", "kostiantynivka", "dobropillia", "dnipro", "donetsk")
GATEWAY_CITIES = ("kramatorsk", "sloviansk")
CONTROL_COLUMNS = ["control_id", "date", "date_precision", "region", "measure", "value", "unit", "qualifier",
                   "holder", "note", "claimant", "verification", "verification_note", "source_ids"]
EDGE_COLUMNS = ["edge_id", "from_place", "to_place", "mode", "designation", "leads_to", "schematic",
                "verification", "verification_note", "source_ids", "geometry"]


# --- Records ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Amount:
    """A figure as its source stated it: 'about' 32 'percent'."""
    value: float
    unit: str
    qualifier: str


@dataclass(frozen=True)
class Report:
    """What the reports of one date put a holder's ground at: one figure, or several that differ
    (smallest first)."""
    date: str
    holder: str
    amounts: tuple[Amount, ...]


@dataclass(frozen=True)
class Control:
    """One measure (``share`` or ``area``) of Donetsk oblast, as reported up to ``as_of``."""
    measure: str
    recent: pd.DataFrame
    """Reports since the full-scale invasion: the chart's points."""
    reference: pd.DataFrame
    """Reports of the pre-2022 line: reference lines."""
    first: dict[str, Report]
    """By holder: the earliest report."""
    latest: dict[str, Report]
    """By holder: the latest report(s)."""

    @property
    def shown(self) -> pd.DataFrame:
        """Every row the chart shows, oldest first, in the download's columns."""
        return pd.concat([self.reference, self.recent]).sort_values("date_start")

    @property
    def empty(self) -> bool:
        return self.recent.empty and self.reference.empty


@dataclass(frozen=True)
class RegionReport:
    """A reported figure for the wider region (Luhansk oblast, the Donbas, all of Ukraine)."""
    date: str
    region: str
    holder: str
    amount: Amount
    note: str | None
    claimant: str
    verification: str
    source_ids: str


class Line(NamedTuple):
    """A road or railway (all its links of one designation) with where it leads."""
    mode: str
    designation: str
    leads_to: tuple[str, ...]
    """The places it reaches, in the order of the data."""
    verifications: tuple[str, ...]
    """The verification of each of its links."""
    source_ids: str


@dataclass(frozen=True)
class Lines:
    at_home: tuple[Line, ...]
    """The lines that meet at Pokrovsk."""
    onward: tuple[Line, ...]
    """Links further out that they join."""
    left_out: int
    """Links first documented by sources published after ``as_of``."""


@dataclass(frozen=True)
class Network:
    """The schematic network known at ``as_of`` and the places it joins, in metres."""
    edges: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    """Indexed by place id, in UTM 37N, with ``distance_km`` and ``bearing`` from Pokrovsk."""
    left_out: int
    """Links first documented by sources published after ``as_of``: not in this edition."""

    @property
    def at_home(self) -> gpd.GeoDataFrame:
        return data.lines_at(self.edges, HOME)

    @property
    def onward(self) -> gpd.GeoDataFrame:
        return self.edges[~self.edges["designation"].isin(self.at_home["designation"])]

    @property
    def nodes(self) -> gpd.GeoDataFrame:
        """The places the known links join."""
        return self.places.loc[list(dict.fromkeys([*self.edges["from_place"], *self.edges["to_place"]]))]

    @property
    def neighbour_bearings(self) -> tuple[float, ...]:
        """Bearings from Pokrovsk to the first place along each line that leaves it."""
        at_home = self.at_home
        neighbours = [to if start == HOME else start for start, to in zip(at_home["from_place"], at_home["to_place"])]
        return tuple(self.places.loc[neighbours, "bearing"])

    @property
    def route_table(self) -> pd.DataFrame:
        """Every way out of Pokrovsk, one row a stop (see :func:`routes`)."""
        return _route_table(_routes_from_home(self.edges, self.places["distance_km"]), self.places)


@dataclass(frozen=True)
class Routes:
    """Every way out of Pokrovsk along one mode, place by place (``table``: one row a stop)."""
    table: pd.DataFrame
    source_ids: tuple[str, ...]
    """The links used and the places on them."""
    reached: int
    """Towns and cities reached, Pokrovsk aside."""
    furthest: str
    furthest_km: float


@dataclass(frozen=True)
class City:
    place_id: str
    name: str
    distance_km: float
    bearing: float
    population: int | None
    population_year: int | None
    source_ids: str


@dataclass(frozen=True)
class Gateway:
    cities: tuple[City, ...]
    events: tuple[Event, ...]
    """What the data record about the cities and the roads to them (the editors' choice)."""


# --- Territory held --------------------------------------------------------------------------

def _invasion_date(book: Chapter) -> pd.Timestamp | None:
    events = data.load_events(book.data_dir, book.as_of)
    match = events.loc[events["event_id"] == INVASION_EVENT, "date_start"]
    return match.iloc[0] if not match.empty else None


def _report(rows: pd.DataFrame) -> Report:
    amounts = dict.fromkeys(Amount(float(r.value), r.unit, r.qualifier) for r in rows.sort_values("value").itertuples())
    first = rows.iloc[0]
    return Report(str(first["date"]), first["holder"], tuple(amounts))


def _latest(rows: pd.DataFrame) -> pd.DataFrame:
    """The most recent report(s): latest possible end date, then the most precise among them."""
    last = rows[rows["date_end"] == rows["date_end"].max()]
    return last[last["date_start"] == last["date_start"].max()]


def control(book: Chapter, measure: str) -> Control:
    """Reports of ``measure`` for Donetsk oblast up to ``as_of``, split at the full-scale invasion."""
    rows = data.load_control(book.data_dir, book.as_of)
    rows = rows[(rows["region"] == "donetsk_oblast") & (rows["measure"] == measure)]
    invasion = _invasion_date(book)
    before = rows["date_end"] < invasion if invasion is not None else pd.Series(False, index=rows.index)
    everything = rows.sort_values("date_start", kind="stable")
    first, latest = {}, {}
    for holder, group in everything.groupby("holder", sort=False):
        first[holder] = _report(group.iloc[[0]])
        latest[holder] = _report(_latest(group))
    return Control(measure, rows[~before], rows[before], first, latest)


def wider_region(book: Chapter) -> tuple[RegionReport, ...]:
    """Reported figures outside Donetsk oblast, oldest first."""
    rows = data.load_control(book.data_dir, book.as_of)
    rows = rows[rows["region"] != "donetsk_oblast"].sort_values(["date_start", "region"])
    return tuple(RegionReport(str(r.date), r.region, r.holder, Amount(float(r.value), r.unit, r.qualifier),
                              None if pd.isna(r.note) else str(r.note), r.claimant, r.verification, r.source_ids)
                 for r in rows.itertuples())


# --- Places, roads and railways --------------------------------------------------------------

def _metric_places(book: Chapter) -> gpd.GeoDataFrame:
    """Places with coordinates, in metres (UTM 37N), with distance and bearing from Pokrovsk.
    Where places are is timeless: a place keeps its sources even when they were published later."""
    places = data.known_by(data.load_places(book.data_dir).dropna(subset=["lat", "lon"]), book.as_of,
                           book.data_dir)
    metric = places.to_crs(maps.METRIC_CRS).set_index("place_id", drop=False)
    if HOME not in metric.index:
        raise KeyError(f"no coordinates for {HOME!r} in {book.data_dir / 'places.csv'}")
    origin = metric.geometry[HOME]
    east, north = metric.geometry.x - origin.x, metric.geometry.y - origin.y
    metric["distance_km"] = (east.pow(2) + north.pow(2)).pow(0.5) / 1000
    metric["bearing"] = [math.degrees(math.atan2(e, n)) % 360 for e, n in zip(east, north)]
    return metric


def network(book: Chapter) -> Network:
    """The links some source published by ``as_of`` documents, each citing only those sources.
    A road or railway is older than the war, but the book shows what its sources said by then."""
    edges = data.load_network(book.data_dir)
    documented = [bool(data.sources_known_by(split_ids(ids), book.as_of, book.data_dir)) for ids in edges["source_ids"]]
    known = data.known_by(edges[documented], book.as_of, book.data_dir)
    return Network(known[EDGE_COLUMNS], _metric_places(book), len(edges) - len(known))


def _line_records(edges: pd.DataFrame) -> tuple[Line, ...]:
    return tuple(Line(mode, designation, tuple(group["leads_to"]), tuple(dict.fromkeys(group["verification"])),
                      ";".join(ids_in(group)))
                 for (mode, designation), group in edges.groupby(["mode", "designation"], sort=False))


def lines(book: Chapter) -> Lines:
    """What runs through Pokrovsk, one record per road or railway, then the onward links."""
    known = network(book)
    return Lines(_line_records(known.at_home), _line_records(known.onward), known.left_out)


def _routes_from_home(edges: pd.DataFrame, distance_km: pd.Series) -> list[list[pd.Series]]:
    """Every way out of Pokrovsk along one mode of transport, following links that only ever
    lead further away from the city; a fork gives one route per branch."""
    links: dict[str, list[tuple[str, pd.Series]]] = {}
    for _, edge in edges.iterrows():
        links.setdefault(edge["from_place"], []).append((edge["to_place"], edge))
        links.setdefault(edge["to_place"], []).append((edge["from_place"], edge))

    def extend(route: list[pd.Series], at: str) -> list[list[pd.Series]]:
        onward = [(nxt, e) for nxt, e in links.get(at, [])
                  if e["mode"] == route[0]["mode"] and distance_km[nxt] > distance_km[at]]
        if not onward:
            return [route]
        return [longer for nxt, e in onward for longer in extend(route + [e], nxt)]

    return [route for nxt, edge in links.get(HOME, []) for route in extend([edge], nxt)]


def _route_table(routes: list[list[pd.Series]], places: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per place along each route, Pokrovsk first; routes numbered roads first, then by
    how far they reach."""
    rows = []
    for number, edges in enumerate(routes):
        stops = [HOME]
        for edge in edges:
            stops.append(edge["to_place"] if edge["from_place"] == stops[-1] else edge["from_place"])
        for step, place_id in enumerate(stops):
            arriving = edges[step - 1] if step else {}
            rows.append({
                "route": number, "mode": edges[0]["mode"], "step": step, "place_id": place_id,
                "place": places.loc[place_id, "name"],
                "distance_km": round(float(places.loc[place_id, "distance_km"]), 1),
                "bearing": round(float(places.loc[place_id, "bearing"]), 1) if step else None,
                **{column: arriving.get(column, "") for column in ("edge_id", "designation", "verification",
                                                                   "source_ids")},
            })
    table = pd.DataFrame(rows, columns=["route", "mode", "step", "place_id", "place", "distance_km", "bearing",
                                        "edge_id", "designation", "verification", "source_ids"])
    ends = table.groupby("route")["distance_km"].max()
    order = (table.drop_duplicates("route").assign(end=lambda t: t["route"].map(ends))
             .sort_values(["mode", "end"], ascending=[False, True], kind="stable")["route"])
    table["route"] = table["route"].map({old: new for new, old in enumerate(order)})
    return table.sort_values(["route", "step"]).reset_index(drop=True)


def routes(book: Chapter) -> Routes:
    """Where each road and railway out of Pokrovsk leads, place by place."""
    known = network(book)
    table = known.route_table
    reached = table[table["step"] > 0].drop_duplicates("place_id")
    furthest = reached.loc[reached["distance_km"].idxmax()] if not reached.empty else None
    used = known.edges[known.edges["edge_id"].isin(table["edge_id"])]
    on_routes = known.places.loc[list(dict.fromkeys(table["place_id"]))]
    return Routes(table, tuple(dict.fromkeys(ids_in(used) + ids_in(on_routes))), len(reached),
                  furthest["place"] if furthest is not None else "",
                  float(furthest["distance_km"]) if furthest is not None else 0.0)


# --- The gateway argument and the mine -------------------------------------------------------

def distances(book: Chapter, targets: tuple[str, ...] = DISTANCE_TARGETS,
              gateways: tuple[str, ...] = GATEWAY_CITIES) -> pd.DataFrame:
    """Straight-line distances from Pokrovsk to ``targets``, nearest first; ``gateway`` marks
    the cities the gateway argument names."""
    places = _metric_places(book)
    missing = [t for t in targets if t not in places.index]
    if missing:
        raise KeyError(f"no coordinates for {', '.join(missing)} in {book.data_dir / 'places.csv'}")
    rows = places.loc[list(targets)].sort_values("distance_km")
    return pd.DataFrame(rows[["place_id", "name", "lat", "lon", "distance_km", "bearing", "population",
                              "population_year", "source_ids"]]).assign(
        gateway=rows["place_id"].isin(gateways)).reset_index(drop=True)


def _events(book: Chapter, role: str) -> tuple[Event, ...]:
    """The events the editors chose for ``role`` in this chapter (data/editorial.csv) that are
    known at ``as_of``, oldest first."""
    chosen = data.editorial_ids(CHAPTER, role, book.data_dir)
    events = data.load_events(book.data_dir, book.as_of)
    events = events[events["event_id"].isin(chosen)]
    return tuple(Event(e.event_id, str(e.date), e.date_precision, e.claimant, e.verification, e.title,
                       e.description, tuple(split_ids(e.source_ids))) for e in events.itertuples())


def route_events(book: Chapter) -> tuple[Event, ...]:
    """What happened to the roads and trains since the full-scale invasion."""
    return _events(book, "routes-under-fire")


def mine_events(book: Chapter) -> tuple[Event, ...]:
    """The Pokrovske coking-coal mine, from its opening to the claims over it."""
    return _events(book, "coking-coal")


def gateway(book: Chapter, gateways: tuple[str, ...] = GATEWAY_CITIES) -> Gateway:
    """The gateway cities in numbers, and what the data record about them and the roads to them."""
    rows = distances(book, gateways, gateways)
    cities = tuple(City(r.place_id, r.name, float(r.distance_km), float(r.bearing),
                        None if pd.isna(r.population) else int(r.population),
                        None if pd.isna(r.population_year) else int(r.population_year), r.source_ids)
                   for r in rows.itertuples())
    return Gateway(cities, _events(book, "gateway"))
