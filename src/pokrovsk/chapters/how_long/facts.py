"""Chapter 3's facts: pure queries over ``pokrovsk.data`` that return small records (codes,
numbers, dates and source ids; no words, no charts), each as a reader on ``book.as_of`` could
know it.

Battles are not a dated table, so they are cut here. A way of dating a battle (a *variant*)
appears once it has started and some source for it is out. Its end counts only when it is on or
before ``as_of`` and reported by then: when the row cites sources published on or after the end,
one of them must be out by ``as_of`` (a claim made on 1 Dec and reported on 2 Dec is not yet
known on 1 Dec). Otherwise the battle is still being fought on ``as_of``, with nothing about its
later end. Every record cites only the sources published by ``as_of``.

A row's notes (``verification_note``, a battle's ``end_basis``) sum up all of its sources, so
they are shown only once every one of those sources is out: until then they may speak of what
was reported later.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from pokrovsk import data
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.front_line.facts import MeasuredDistance, measured_distance
from pokrovsk.records import Event
from pokrovsk.sources import ids_in, split_ids

CHAPTER = "how_long"
BATTLE_ID = "pokrovsk"
CITY_MEASURES = ("to_city", "to_outskirts", "to_centre", "inside_city")
"""Measures that say how close Russian forces were to Pokrovsk itself."""
CORRIDOR = "corridor_width"
"""The width of the gap between the pincers: a different measure, not a distance to the city."""
SPAN_COLUMNS = ["battle_id", "variant", "is_primary", "battle_name", "city", "start", "start_day", "start_basis",
                "end_day", "end_kind", "end_basis", "days", "ongoing", "cut_at_as_of", "verification",
                "verification_note", "source_ids"]


# ---------------------------------------------------------------- battles

@dataclasses.dataclass(frozen=True)
class Span:
    """One way of dating a battle, as known on ``as_of``."""
    battle_id: str
    variant: str
    is_primary: bool
    city: str
    start_day: dt.date
    start_basis: str
    end_day: dt.date
    end_kind: str
    """capture, withdrawal, claim, assessment or ongoing (also: not over by ``as_of``)."""
    end_basis: str | None
    """None when the end lies after ``as_of``: what the end rests on was not known yet."""
    days: int
    ongoing: bool
    cut_at_as_of: bool
    source_ids: tuple[str, ...]


def _with_notes_once_complete(frame: pd.DataFrame, every_source: pd.Series, key: list[str] | str,
                              notes: list[str]) -> pd.DataFrame:
    """``notes`` blanked in rows that cite fewer sources than the whole row (``every_source``,
    indexed by ``key``) does."""
    keys = frame[key].itertuples(index=False, name=None) if isinstance(key, list) else frame[key]
    partial = [split_ids(ids) != split_ids(every_source[k]) for k, ids in zip(keys, frame["source_ids"])]
    frame = frame.copy()
    frame.loc[partial, notes] = pd.NA
    return frame


def _end_reported(source_ids: list[str], end: dt.date, known: list[str], published: dict[str, dt.date]) -> bool:
    """Whether an end on or before ``as_of`` had been reported by then: of the sources that may
    report it (published on or after the end), one is out; with no such source, the end counts."""
    reports = [i for i in source_ids if i in published and published[i] >= end]
    return not reports or any(i in known for i in reports)


def battle_spans(book: Chapter) -> pd.DataFrame:
    """Every battle variant known on ``as_of``: its start, its end as known then (an end not yet
    reached or reported becomes 'ongoing' on ``as_of``), the days between and the sources out."""
    battles = data.load_battles(book.data_dir)
    battles = battles[battles["start"].notna()].copy()
    battles["start_day"] = [data.period_bounds(v)[0] for v in battles["start"]]
    battles = battles[battles["start_day"] <= book.as_of]
    known = [data.sources_known_by(split_ids(ids), book.as_of, book.data_dir) for ids in battles["source_ids"]]
    battles = battles.assign(source_ids=[";".join(ids) for ids in known])
    battles = data.known_by(battles[battles["source_ids"] != ""], book.as_of, book.data_dir)
    every_source = data.load_battles(book.data_dir).set_index(["battle_id", "variant"])["source_ids"]
    sources = data.load_sources(book.data_dir)
    published = {i: data.period_bounds(day)[1] for i, day in zip(sources["source_id"], sources["date_published"])
                 if pd.notna(day)}
    reported_end = [data.period_bounds(v)[0] for v in battles["end"]]
    battles["cut_at_as_of"] = [
        end > book.as_of or not _end_reported(split_ids(every_source[(b, v)]), end, split_ids(ids), published)
        for b, v, end, ids in zip(battles["battle_id"], battles["variant"], reported_end, battles["source_ids"])]
    battles["end_day"] = [book.as_of if cut else end for cut, end in zip(battles["cut_at_as_of"], reported_end)]
    battles["days"] = [(end - start).days for start, end in zip(battles["start_day"], battles["end_day"])]
    cut = battles["cut_at_as_of"]
    battles.loc[cut, "end_kind"] = "ongoing"
    battles.loc[cut, ["end_basis", "verification_note"]] = pd.NA
    battles = _with_notes_once_complete(battles, every_source, ["battle_id", "variant"],
                                        ["end_basis", "verification_note"])
    battles["ongoing"] = battles["end_kind"] == "ongoing"
    battles["is_primary"] = battles["is_primary"].astype(bool)
    return battles[SPAN_COLUMNS].reset_index(drop=True)


def _record(kind: type, row: pd.Series):
    """A record of ``kind`` from a table row with the same column names: a missing value is
    None, source ids a tuple, numbers and flags plain Python values."""
    values = {field.name: row.get(field.name) for field in dataclasses.fields(kind)}
    values = {name: None if pd.isna(value) else value.item() if hasattr(value, "item") else value
              for name, value in values.items()}
    return kind(**values | {"source_ids": tuple(split_ids(row["source_ids"]))})


def _city_of(book: Chapter, battle_id: str) -> str:
    battles = data.load_battles(book.data_dir)
    cities = battles.loc[battles["battle_id"] == battle_id, "city"]
    if cities.empty:
        raise KeyError(f"no battle {battle_id!r} in {book.data_dir / 'battles.csv'}")
    return cities.iloc[0]


@dataclasses.dataclass(frozen=True)
class Answer:
    """The short answer: the battle's main count (None before it starts), its longest count (None
    before any starts) and the range over all its ``counts`` known on ``as_of``."""
    battle_id: str
    city: str
    main: Span | None
    longest: Span | None
    shortest_days: int
    longest_days: int
    counts: int
    source_ids: tuple[str, ...]


def answer(book: Chapter, battle_id: str = BATTLE_ID) -> Answer:
    """The main count's days for the battle, and the range over every count known on ``as_of``."""
    spans = battle_spans(book)
    spans = spans[spans["battle_id"] == battle_id]
    main = spans[spans["is_primary"]]
    return Answer(
        battle_id=battle_id, city=_city_of(book, battle_id),
        main=_record(Span, main.iloc[0]) if not main.empty else None,
        longest=_record(Span, spans.loc[spans["days"].idxmax()]) if not spans.empty else None,
        shortest_days=int(spans["days"].min()) if not spans.empty else 0,
        longest_days=int(spans["days"].max()) if not spans.empty else 0,
        counts=len(spans), source_ids=tuple(ids_in(spans)))


@dataclasses.dataclass(frozen=True)
class Durations:
    """Every city battle's main count (``compared`` of them) next to the battle in focus (None
    before its main count starts; rank 1 = the longest), the ``longer`` ones, and the cities left
    out for want of an agreed start date. ``spans`` (the chart's data) also holds other counts."""
    battle_id: str
    city: str
    spans: pd.DataFrame
    focus: Span | None
    rank: int | None
    longer: tuple[Span, ...]
    longest: Span | None
    compared: int
    left_out: tuple[str, ...]


def durations(book: Chapter, battle_id: str = BATTLE_ID) -> Durations:
    """Every city battle's main count on ``as_of``, and where the battle in focus ranks."""
    spans = battle_spans(book)
    primary = spans[spans["is_primary"]]
    focus = primary[primary["battle_id"] == battle_id]
    longer = primary[primary["days"] > focus["days"].iloc[0]] if not focus.empty else primary.iloc[:0]
    battles = data.load_battles(book.data_dir)
    undated = battles.loc[battles["is_primary"] & battles["start"].isna(), "city"]
    shown = pd.concat([primary, spans[~spans["is_primary"]]])
    return Durations(
        battle_id=battle_id, city=_city_of(book, battle_id),
        spans=shown.sort_values(["battle_id", "is_primary"], ascending=[True, False]).reset_index(drop=True),
        focus=_record(Span, focus.iloc[0]) if not focus.empty else None,
        rank=len(longer) + 1 if not focus.empty else None,
        longer=tuple(_record(Span, r) for _, r in longer.sort_values("days", ascending=False).iterrows()),
        longest=_record(Span, primary.loc[primary["days"].idxmax()]) if not primary.empty else None,
        compared=len(primary), left_out=tuple(undated))


@dataclasses.dataclass(frozen=True)
class Variants:
    """Every pair of start and end dates for one battle: ``spans`` has one row per distinct
    (start, end, end kind), its ``variant`` listing the merged variants; ``starts`` pairs each
    distinct start with what it marks; ``starting_today`` is what a count starting on ``as_of``
    itself marks (a clock that has not yet run a day)."""
    battle_id: str
    city: str
    spans: pd.DataFrame
    shortest_days: int
    longest_days: int
    not_over: int
    starts: tuple[tuple[dt.date, str], ...]
    starting_today: str | None


def variants(book: Chapter, battle_id: str = BATTLE_ID) -> Variants:
    """Every start and end for one battle known on ``as_of``; counts that look the same on
    ``as_of`` (they differ only in an end not yet known) are one."""
    spans = battle_spans(book)
    spans = spans[spans["battle_id"] == battle_id]
    merged = spans.groupby(["start_day", "end_day", "end_kind"], as_index=False, sort=True).agg(
        variant=("variant", "; ".join), is_primary=("is_primary", "any"), city=("city", "first"),
        start=("start", "first"), start_basis=("start_basis", "first"), end_basis=("end_basis", "first"),
        days=("days", "first"), ongoing=("ongoing", "first"), cut_at_as_of=("cut_at_as_of", "first"),
        verification=("verification", "first"), verification_note=("verification_note", "first"),
        source_ids=("source_ids", lambda ids: ";".join(dict.fromkeys(i for v in ids for i in split_ids(v)))))
    starts = merged.drop_duplicates("start_day")
    today = starts.loc[starts["start_day"] == book.as_of, "start_basis"]
    return Variants(
        battle_id=battle_id, city=_city_of(book, battle_id), spans=merged,
        shortest_days=int(merged["days"].min()) if not merged.empty else 0,
        longest_days=int(merged["days"].max()) if not merged.empty else 0,
        not_over=int(merged["ongoing"].sum()),
        starts=tuple(zip(starts["start_day"], starts["start_basis"])),
        starting_today=today.iloc[0] if not today.empty else None)


# ---------------------------------------------------------------- events

def _timeline_start(book: Chapter, battle_id: str = BATTLE_ID) -> dt.date:
    """First day of the year in which the earliest count of the battle starts (a fixed date, so
    the timeline's frame is the same in every edition)."""
    battles = data.load_battles(book.data_dir)
    starts = [data.period_bounds(v)[0] for v in battles.loc[battles["battle_id"] == battle_id, "start"].dropna()]
    if not starts:
        raise ValueError(f"no start date for battle {battle_id!r} in {book.data_dir / 'battles.csv'}")
    return dt.date(min(starts).year, 1, 1)


def _battle_events(book: Chapter, start: dt.date) -> pd.DataFrame:
    events = data.load_events(book.data_dir, book.as_of)
    every_source = data.load_events(book.data_dir).set_index("event_id")["source_ids"]
    events = _with_notes_once_complete(events, every_source, "event_id", ["verification_note"])
    return events[events["date_start"] >= pd.Timestamp(start)].reset_index(drop=True)


@dataclasses.dataclass(frozen=True)
class Timeline:
    """Events from ``start``, the first day of the battle's first year, to ``as_of`` (the chart's
    data); ``earlier`` counts those before ``start``, left out of the chart."""
    events: pd.DataFrame
    start: dt.date
    contested: int
    russian_contested: int
    earlier: int
    earlier_first: str | None
    earlier_last: str | None
    key_moments: tuple[str, ...] = ()
    """The editors' key moments (data/editorial.csv, role ``key-moment``) among ``events``, in date order."""


KEY_MOMENT = "key-moment"


def timeline(book: Chapter, battle_id: str = BATTLE_ID) -> Timeline:
    """The events of the battle known on ``as_of``, and how many of them are contested claims."""
    start = _timeline_start(book, battle_id)
    events = _battle_events(book, start)
    every = data.load_events(book.data_dir, book.as_of)
    earlier = every[every["date_start"] < pd.Timestamp(start)]
    contested = events[events["verification"].isin(["claimed", "disputed"])]
    return Timeline(
        events=events, start=start, contested=len(contested),
        russian_contested=int((contested["claimant"] == "russia").sum()), earlier=len(earlier),
        earlier_first=earlier["date"].iloc[0] if not earlier.empty else None,
        earlier_last=earlier["date"].iloc[-1] if not earlier.empty else None,
        key_moments=tuple(events.loc[events["event_id"].isin(data.editorial_ids(CHAPTER, KEY_MOMENT, book.data_dir)),
                                     "event_id"]))


@dataclasses.dataclass(frozen=True)
class MonthlyCounts:
    """Events per calendar month (rows) and category (columns), empty months included; the
    months (``YYYY-MM``) with the most; the date of the latest event counted."""
    counts: pd.DataFrame
    busiest: tuple[str, ...]
    busiest_count: int
    busiest_claims: int
    last_date: str | None
    source_ids: tuple[str, ...]


def monthly_counts(book: Chapter, battle_id: str = BATTLE_ID) -> MonthlyCounts:
    """Events per calendar month and category (events dated at least to the month)."""
    start = _timeline_start(book, battle_id)
    events = _battle_events(book, start)
    dated = events[events["date_precision"] != "year"]
    months = pd.period_range(pd.Period(start, "M"), pd.Period(book.as_of, "M"), freq="M")
    counts = (dated.assign(month=dated["date_start"].dt.to_period("M"))
              .pivot_table(index="month", columns="category", values="event_id", aggfunc="count", fill_value=0)
              .reindex(months, fill_value=0))
    counts.index.name = "month"
    counts.columns.name = None
    totals = counts.sum(axis=1)
    busiest = totals[totals == totals.max()].index if not dated.empty else totals.index[:0]
    claims = int(counts.loc[busiest, "claim"].sum()) if "claim" in counts.columns else 0
    return MonthlyCounts(counts=counts, busiest=tuple(str(m) for m in busiest),
                         busiest_count=int(totals.max()) if not dated.empty else 0,
                         busiest_claims=claims, last_date=dated["date"].iloc[-1] if not dated.empty else None,
                         source_ids=tuple(ids_in(dated)))


# ---------------------------------------------------------------- distances

@dataclasses.dataclass(frozen=True)
class DistanceReport:
    date: str
    distance_km: float
    qualifier: str
    measure: str
    claimant: str
    verification: str
    source_ids: tuple[str, ...]


def _closest_report(near: pd.DataFrame) -> pd.Series:
    """The earliest report of the smallest distance, among reports not disputed (all reports if
    every one is)."""
    trusted = near[near["verification"] != "disputed"]
    rows = trusted if not trusted.empty else near
    return rows[rows["distance_km"] == rows["distance_km"].min()].iloc[0]


@dataclasses.dataclass(frozen=True)
class Distances:
    """Every reported distance known on ``as_of``; the first report of a distance to the city
    (None while there is none) and the closest one not disputed; and the distance measured on
    DeepState's maps up to ``as_of`` (None while no map was measured)."""
    city: str
    start: dt.date
    reports: pd.DataFrame
    first: DistanceReport | None
    closest: DistanceReport | None
    disputed: int
    """Disputed reports among those of a distance from the city."""
    measured: MeasuredDistance | None

    @property
    def near(self) -> pd.DataFrame:
        """The reports of a distance from the city (CITY_MEASURES), which sit beside the measured one."""
        return self.reports[self.reports["measure"].isin(CITY_MEASURES)]


def distances(book: Chapter, battle_id: str = BATTLE_ID) -> Distances:
    """The distances between Russian forces and the city reported by ``as_of``."""
    reports = data.load_reported_distances(book.data_dir, book.as_of)
    every_source = data.load_reported_distances(book.data_dir).set_index("distance_id")["source_ids"]
    reports = _with_notes_once_complete(reports, every_source, "distance_id", ["verification_note"])
    near = reports[reports["measure"].isin(CITY_MEASURES)]
    return Distances(
        city=book.place(battle_id)["name"], start=_timeline_start(book, battle_id), reports=reports,
        first=_record(DistanceReport, near.iloc[0]) if not near.empty else None,
        closest=_record(DistanceReport, _closest_report(near)) if not near.empty else None,
        disputed=int((near["verification"] == "disputed").sum()),
        measured=measured_distance(book))


# ---------------------------------------------------------------- why it took so long

def _corridor(book: Chapter) -> tuple[DistanceReport, ...]:
    reports = data.load_reported_distances(book.data_dir, book.as_of)
    return tuple(_record(DistanceReport, r) for _, r in reports[reports["measure"] == CORRIDOR].iterrows())


def _distances_after(book: Chapter, events: pd.DataFrame) -> tuple[tuple[DistanceReport, ...], int | None]:
    """Distances to the city reported in the rest of the year after the (first) event."""
    if events.empty:
        return (), None
    when = events["date_end"].iloc[0]
    reports = data.load_reported_distances(book.data_dir, book.as_of)
    after = reports[reports["measure"].isin(CITY_MEASURES) & (reports["date_start"] > when)
                    & (reports["date_start"].dt.year == when.year)]
    return tuple(_record(DistanceReport, r) for _, r in after.iterrows()), when.year


@dataclasses.dataclass(frozen=True)
class PopulationContrast:
    place: str
    before: int
    before_date: str
    low: int
    low_qualifier: str
    low_date: str


def _population(book: Chapter, place_id: str = BATTLE_ID) -> tuple[PopulationContrast | None, tuple[str, ...]]:
    """The last pre-war population next to the lowest wartime estimate, and their sources."""
    people = data.load_populations(book.data_dir, book.as_of)
    people = people[people["place_id"] == place_id].sort_values("date_start")
    prewar, wartime = people[people["basis"] != "wartime_estimate"], people[people["basis"] == "wartime_estimate"]
    if prewar.empty or wartime.empty:
        return None, ()
    before, low = prewar.iloc[-1], wartime.loc[wartime["population"].idxmin()]
    return PopulationContrast(place=book.place(place_id)["name"], before=int(before["population"]),
                              before_date=before["date"], low=int(low["population"]),
                              low_qualifier=low["qualifier"], low_date=low["date"]), tuple(ids_in(pd.DataFrame([before, low])))


@dataclasses.dataclass(frozen=True)
class Reason:
    """One reason the battle took long: its events known on ``as_of``, and the figures that go
    with it, with their sources: for the pincer, the widths reported of the gap between the
    pincers; for Kursk, the distances reported in the rest of the year after the incursion; for
    the cost, the last pre-war population next to the lowest wartime estimate."""
    reason: str
    events: tuple[Event, ...]
    corridor: tuple[DistanceReport, ...] = ()
    distances_after: tuple[DistanceReport, ...] = ()
    after_year: int | None = None
    population: PopulationContrast | None = None
    figure_source_ids: tuple[str, ...] = ()


def reasons(book: Chapter) -> list[str]:
    """The reasons the editors chose (``data/editorial.csv``, roles ``reason-…``), in order."""
    choices = data.load_editorial(book.data_dir)
    roles = choices.loc[choices["chapter"] == CHAPTER, "role"]
    return [role.removeprefix("reason-") for role in dict.fromkeys(roles) if role.startswith("reason-")]


def reason(book: Chapter, reason: str) -> Reason:
    """The events chosen to illustrate ``reason`` that were known on ``as_of``, with the figures
    that go with the reason (pincer: the gap's width; Kursk: distances after; cost: people)."""
    chosen = data.editorial_ids(CHAPTER, f"reason-{reason}", book.data_dir)
    if not chosen:
        raise KeyError(f"unknown reason {reason!r} (known: {', '.join(reasons(book))})")
    events = data.load_events(book.data_dir, book.as_of)
    rows = events[events["event_id"].isin(chosen)]
    lines = tuple(_record(Event, r) for _, r in rows.iterrows())
    if reason == "pincer":
        corridor = _corridor(book)
        return Reason(reason, lines, corridor=corridor, figure_source_ids=_ids_of(corridor))
    if reason == "kursk":
        after, year = _distances_after(book, rows)
        return Reason(reason, lines, distances_after=after, after_year=year, figure_source_ids=_ids_of(after))
    if reason == "cost":
        population, source_ids = _population(book)
        return Reason(reason, lines, population=population, figure_source_ids=source_ids)
    return Reason(reason, lines)


def _ids_of(reports: tuple[DistanceReport, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for report in reports for i in report.source_ids))
