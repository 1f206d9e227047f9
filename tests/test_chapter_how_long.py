"""Chapter 3, "How long it has taken": every figure's numbers are recomputed here from the CSV
files with the standard library (not through pokrovsk.data), then compared with the chart data
and the title."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from pokrovsk.chapter import Chapter
from pokrovsk.chapters import how_long
from pokrovsk.render import BookFigure
from pokrovsk.sources import human_date
from pokrovsk.vocabulary import verification_known

DATA = Path(__file__).resolve().parents[1] / "data"
EARLY = dt.date(2025, 6, 1)
"""An as_of inside the battle: Pokrovsk not yet claimed, Myrnohrad's battle not yet begun."""
FIGURES = [how_long.timeline_figure, how_long.events_per_month_figure, how_long.distance_figure,
           how_long.durations_figure, how_long.variants_figure]


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def first_day(value: str) -> dt.date:
    parts = [int(p) for p in value.split("-")]
    return dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def last_day(value: str) -> dt.date:
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    month = parts[1] if len(parts) == 2 else 12
    return dt.date(parts[0], month, calendar.monthrange(parts[0], month)[1])


def expected_spans(as_of: dt.date) -> list[dict]:
    """Every battle variant that started by as_of, its end cut at as_of, and its days."""
    spans = []
    for row in rows("battles"):
        if not row["start"] or first_day(row["start"]) > as_of:
            continue
        start, end = first_day(row["start"]), first_day(row["end"])
        spans.append(dict(row, start_day=start, end_day=min(end, as_of), days=(min(end, as_of) - start).days,
                          ongoing=end > as_of or row["end_kind"] == "ongoing"))
    return spans


def known_by(row: dict[str, str], as_of: dt.date) -> bool:
    """Happened by ``as_of`` and reported by then: some source published on or before it (an
    undated source counts from the row's own date)."""
    if last_day(row["date"]) > as_of:
        return False
    published = {r["source_id"]: r["date_published"] for r in rows("sources")}
    return any(last_day(published[i]) <= as_of if published.get(i) else True for i in row["source_ids"].split(";"))


def verification_on(row: dict[str, str], as_of: dt.date) -> str:
    """The row's verification with only the sources out by as_of: independent support published
    later does not count yet."""
    sources = {r["source_id"]: r for r in rows("sources")}
    out = [i for i in row["source_ids"].split(";")
           if not sources[i]["date_published"] or last_day(sources[i]["date_published"]) <= as_of]
    return verification_known(row["verification"], row.get("claimant", "independent"),
                              [(i, sources[i]["kind"]) for i in out])


def battle_events(as_of: dt.date) -> list[dict[str, str]]:
    since = dt.date(min(first_day(r["start"]) for r in rows("battles") if r["battle_id"] == "pokrovsk").year, 1, 1)
    return [r for r in rows("events") if first_day(r["date"]) >= since and known_by(r, as_of)]


@pytest.fixture(scope="module", params=[None, EARLY], ids=["latest", "early"])
def book(request) -> Chapter:
    return Chapter.open(as_of=request.param, data_dir=str(DATA))


@pytest.fixture(scope="module")
def early() -> Chapter:
    return Chapter.open(as_of=EARLY, data_dir=str(DATA))


@pytest.mark.parametrize("make", FIGURES, ids=lambda f: f.__name__)
def test_every_figure_is_complete_and_cites_known_sources(book, make):
    figure = make(book)
    assert isinstance(figure, BookFigure) and figure.chart is not None
    assert figure.alt.strip() and figure.caption.strip() and figure.name.startswith("how-long-")
    known = {r["source_id"] for r in rows("sources")}
    assert figure.citations and all(source_id in known for _, source_id in figure.citations)
    assert first_day(str(figure.data_date)) <= book.as_of
    assert len(figure.data) > 0


def test_figure_names_are_unique(book):
    names = [make(book).name for make in FIGURES]
    assert len(names) == len(set(names))


def test_durations_equal_the_days_between_each_battles_dates(book):
    figure = how_long.durations_figure(book)
    primary = [s for s in expected_spans(book.as_of) if s["is_primary"] == "true"]
    bars = {y: x for trace in figure.chart.data if trace.type == "bar" for y, x in zip(trace.y, trace.x)}
    assert bars == {s["city"]: s["days"] for s in primary}
    downloaded = {(r["battle_id"], r["variant"]): r["days"] for _, r in figure.data.iterrows()}
    assert downloaded == {(s["battle_id"], s["variant"]): s["days"] for s in expected_spans(book.as_of)}
    pokrovsk = next(s for s in primary if s["battle_id"] == "pokrovsk")
    rank = 1 + sum(s["days"] > pokrovsk["days"] for s in primary)
    ordinal = "the " + ["", "second ", "third ", "fourth ", "fifth ", "sixth "][rank - 1] + "longest"
    assert f"At {pokrovsk['days']:,} days" in figure.title
    assert f"is {ordinal} of the {len(primary)} city battles" in figure.title


def test_stored_days_agree_with_the_dates():
    dated = [row for row in rows("battles") if row["start"]]
    assert dated
    for row in dated:
        assert int(row["days"]) == (first_day(row["end"]) - first_day(row["start"])).days, row["variant"]
    assert all(not row["days"] for row in rows("battles") if not row["start"]), "a count of days without a start"


def test_variants_show_every_choice_of_start_and_end(book):
    figure = how_long.variants_figure(book)
    spans = [s for s in expected_spans(book.as_of) if s["battle_id"] == "pokrovsk"]
    distinct = {(s["start_day"], s["end_day"]): s["days"] for s in spans}
    bar_days = sorted(int(re.match(r"[\d,]+", t).group().replace(",", ""))
                      for trace in figure.chart.data for t in trace.text)
    assert bar_days == sorted(distinct.values())
    low, high = min(distinct.values()), max(distinct.values())
    assert f"{low:,} to {high:,} days" in figure.title


def test_an_earlier_as_of_cuts_battles_events_and_distances(early):
    durations = how_long.durations_figure(early)
    assert "Myrnohrad" not in set(durations.data["city"])
    assert max(durations.data["end_day"]) <= EARLY
    pokrovsk_days = (EARLY - first_day("2024-07-17")).days
    assert f"At {pokrovsk_days:,} days and still going on 1 Jun 2025" in durations.title

    variants = how_long.variants_figure(early)
    assert set(variants.data["end_kind"]) == {"ongoing"}
    assert "was not over" in variants.title
    late_sources = {"moscow-times-2025-12-02", "isw-2026-02-pokrovsk-assessment", "radio-svoboda-2026-03-05"}
    assert not late_sources & {source_id for _, source_id in variants.citations}

    timeline = how_long.timeline_figure(early)
    assert all(last_day(d) <= EARLY for d in timeline.data["date"])
    assert len(timeline.data) == len(battle_events(EARLY))
    distance = how_long.distance_figure(early)
    assert all(last_day(d) <= EARLY for d in distance.data["date"])
    assert "corridor_width" not in set(distance.data["measure"])


def test_timeline_title_counts_claims_and_disputes(book):
    figure = how_long.timeline_figure(book)
    events = battle_events(book.as_of)
    contested = [e for e in events if verification_on(e, book.as_of) in ("claimed", "disputed")]
    russian = [e for e in contested if e["claimant"] == "russia"]
    assert figure.title.startswith(f"Of {len(events)} events recorded")
    assert f"{len(contested)} are unverified or disputed claims, {len(russian)} of them Russia's" in figure.title
    markers = {trace.name: len(trace.x) for trace in figure.chart.data}
    assert sum(markers.values()) == len(events)
    assert len({trace.marker.symbol for trace in figure.chart.data}) == len(figure.chart.data)
    assert all("Who says so" in trace.hovertemplate for trace in figure.chart.data)


def test_busiest_month_in_the_title(book):
    figure = how_long.events_per_month_figure(book)
    months = Counter(e["date"][:7] for e in battle_events(book.as_of) if len(e["date"]) >= 7)
    top = max(months.values())
    busiest = sorted(m for m, n in months.items() if n == top)
    names = [dt.date.fromisoformat(m + "-01").strftime("%b %Y") for m in busiest]
    assert figure.title.startswith(" and ".join(names)) and f"({top}" in figure.title
    stacked = Counter()
    for trace in figure.chart.data:
        for x, y in zip(trace.x, trace.y):
            stacked[str(x)[:7]] += y
    assert {m: n for m, n in stacked.items() if n} == dict(months)


def test_distance_title_and_panels(book):
    figure = how_long.distance_figure(book)
    reports = [r for r in rows("reported_distances") if known_by(r, book.as_of)]
    near = sorted((r for r in reports if r["measure"] in ("to_city", "to_outskirts", "to_centre", "inside_city")),
                  key=lambda r: first_day(r["date"]))
    first = near[0]
    assert figure.title.startswith(f"Russian forces went from about {float(first['distance_km']):g} km")
    trusted = [r for r in near if r["verification"] != "disputed"]
    closest = min(float(r["distance_km"]) for r in trusted)
    if closest == 0:
        assert "inside the city" in figure.title
    else:
        assert f"{closest:g} km" in figure.title
    plotted = [trace for trace in figure.chart.data if trace.showlegend is False]
    corridor = [t for t in plotted if t.yaxis == "y2"]
    assert sum(len(t.x) for t in corridor) == sum(r["measure"] == "corridor_width" for r in reports)
    assert sum(len(t.x) for t in plotted) == len(reports)
    open_markers = sum(str(s).endswith("-open") for t in plotted for s in t.marker.symbol)
    assert open_markers == sum(r["verification"] == "disputed" for r in reports)
    assert f"{open_markers} of the {len(reports)} reports are disputed" in figure.caption


def test_answer_paragraph_gives_the_main_count(book):
    main = next(s for s in expected_spans(book.as_of) if s["battle_id"] == "pokrovsk" and s["is_primary"] == "true")
    text = how_long.answer_paragraph(book).data
    assert text.startswith(f"**{main['days']:,} days")
    assert "{ref}`" in text


@pytest.mark.parametrize("reason", list(how_long.REASON_EVENTS))
def test_reasons_cite_their_events_and_respect_as_of(early, reason):
    text = how_long.reason_paragraph(early, reason).data
    events = {r["event_id"]: r for r in rows("events")}
    for event_id in how_long.REASON_EVENTS[reason]:
        shown = f"**{human_date(events[event_id]['date'])}**: " in text
        assert shown == known_by(events[event_id], EARLY), event_id


@pytest.mark.parametrize("reason", list(how_long.REASON_EVENTS))
def test_reasons_cite_the_events_they_show(reason):
    text = how_long.reason_paragraph(Chapter.open(data_dir=str(DATA)), reason).data
    assert "**" in text, "the latest edition shows the reason's events"
    assert "{ref}`" in text


def test_kursk_reason_lists_the_distances_reported_after_it(book):
    text = how_long.reason_paragraph(book, "kursk").data
    incursion = last_day(next(r["date"] for r in rows("events") if r["event_id"] == "2024-08-06-kursk-incursion"))
    after = [r for r in rows("reported_distances") if r["measure"] in ("to_city", "to_outskirts", "to_centre")
             and first_day(r["date"]) > incursion and first_day(r["date"]).year == incursion.year]
    assert all(f"{float(r['distance_km']):g} km" in text for r in after)


def test_unknown_reason_is_refused(book):
    with pytest.raises(KeyError, match="unknown reason"):
        how_long.reason_paragraph(book, "weather")
