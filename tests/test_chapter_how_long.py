"""Chapter 3, "How long it has taken": every figure's numbers are recomputed here from the CSV
files with the standard library (not through pokrovsk.data), then compared with the chart data
and the title; and every edition from the fall of Avdiivka on builds and names no later date."""

from __future__ import annotations

import calendar
import dataclasses
import csv
import datetime as dt
import inspect
import re
from collections import Counter
from pathlib import Path

import pytest
from IPython.display import Markdown

from later_dates import dates_after
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.how_long import facts, figures
from pokrovsk.render import BookFigure
from pokrovsk.words import date as human_date
from pokrovsk.vocabulary import verification_known

DATA = Path(__file__).resolve().parents[1] / "data"
EARLY = dt.date(2025, 6, 1)
"""An as_of inside the battle: Pokrovsk not yet claimed, Myrnohrad's battle not yet begun."""
BEFORE_MAIN_COUNT = dt.date(2024, 5, 1)
"""Before the main count starts (17 Jul 2024) but after the count from Avdiivka's fall."""
EDITIONS = [dt.date(2024, 2, 17), BEFORE_MAIN_COUNT, dt.date(2024, 8, 15), dt.date(2024, 11, 30),
            dt.date(2025, 1, 15), EARLY, dt.date(2025, 10, 15), dt.date(2025, 12, 5), dt.date(2026, 2, 15), None]
"""From the first day of the period the book covers to the latest date in the data (None)."""
FIGURES = {
    "timeline": lambda book: figures.timeline(facts.timeline(book), book),
    "events_per_month": lambda book: figures.events_per_month(facts.monthly_counts(book), book),
    "distance": lambda book: figures.distance(facts.distances(book), book),
    "durations": lambda book: figures.durations(facts.durations(book), book),
    "variants": lambda book: figures.variants(facts.variants(book), book),
}


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


def published_by(source_id: str, as_of: dt.date) -> bool:
    """Out by ``as_of``; a source without a publication date counts as out."""
    published = {r["source_id"]: r["date_published"] for r in rows("sources")}[source_id]
    return not published or last_day(published) <= as_of


def expected_spans(as_of: dt.date) -> list[dict]:
    """Every battle variant that started by as_of and has a source out by then; its end counts
    when it is on or before as_of and, if the row cites sources published on or after the end,
    one of those is out; otherwise the battle is still being fought on as_of."""
    published = {r["source_id"]: r["date_published"] for r in rows("sources")}
    spans = []
    for row in rows("battles"):
        if not row["start"] or first_day(row["start"]) > as_of:
            continue
        ids = row["source_ids"].split(";")
        known = [i for i in ids if published_by(i, as_of)]
        if not known:
            continue
        start, end = first_day(row["start"]), first_day(row["end"])
        reports = [i for i in ids if published[i] and last_day(published[i]) >= end]
        cut = end > as_of or not (not reports or set(reports) & set(known))
        end_day = as_of if cut else end
        spans.append(dict(row, start_day=start, end_day=end_day, days=(end_day - start).days, known_ids=known,
                          ongoing=cut or row["end_kind"] == "ongoing"))
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
    out = [i for i in row["source_ids"].split(";") if published_by(i, as_of)]
    return verification_known(row["verification"], row.get("claimant", "independent"),
                              [(i, sources[i]["kind"]) for i in out])


def battle_events(as_of: dt.date) -> list[dict[str, str]]:
    since = dt.date(min(first_day(r["start"]) for r in rows("battles") if r["battle_id"] == "pokrovsk").year, 1, 1)
    return [r for r in rows("events") if first_day(r["date"]) >= since and known_by(r, as_of)]


def plain(markdown: str) -> str:
    """Markdown text without the backslashes that keep data's punctuation literal."""
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.fixture(scope="module", params=[None, EARLY], ids=["latest", "early"])
def book(request) -> Chapter:
    return Chapter.open(as_of=request.param, data_dir=str(DATA))


@pytest.fixture(scope="module")
def early() -> Chapter:
    return Chapter.open(as_of=EARLY, data_dir=str(DATA))


# ---------------------------------------------------------------- every edition

def reader_text(shown: BookFigure | Markdown) -> list[str]:
    if isinstance(shown, Markdown):
        return [shown.data]
    return [shown.title, shown.alt, shown.caption, shown.long_description or "", shown.chart.to_json(),
            " ".join(label for label, _ in shown.citations)]


def public_functions(module) -> set[str]:
    return {name for name, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_")}


def edition(book: Chapter) -> dict[str, BookFigure | Markdown]:
    """Everything the chapter shows (and the teachers' page asks of it), through every public
    function of facts and figures."""
    assert len(facts.battle_spans(book)) > 0
    shown = {name: make(book) for name, make in FIGURES.items()}
    shown["variants_myrnohrad"] = figures.variants(facts.variants(book, "myrnohrad"), book)
    shown["answer"] = book.write("how_long.answer", **vars(facts.answer(book)))
    shown["key_moments"] = figures.key_moments(facts.timeline(book), book)
    for reason in facts.reasons(book):
        shown[reason] = figures.reason(facts.reason(book, reason), book)
    shown["distance_phrase"] = Markdown(" ".join(
        figures.distance_phrase(r) for r in (facts.distances(book).first, facts.distances(book).closest) if r))
    return shown


def test_the_editions_call_every_public_function():
    assert public_functions(facts) == {"battle_spans", "answer", "durations", "variants", "timeline",
                                       "monthly_counts", "distances", "reasons", "reason"}
    assert public_functions(figures) == {"durations", "variants", "timeline", "key_moments", "events_per_month",
                                         "distance", "reason", "distance_phrase"}


@pytest.mark.parametrize("as_of", EDITIONS, ids=str)
def test_every_edition_builds_and_names_no_later_date(as_of):
    book = Chapter.open(as_of=as_of, data_dir=str(DATA))
    for name, shown in edition(book).items():
        assert isinstance(shown, (BookFigure, Markdown)), name
        if isinstance(shown, BookFigure):
            assert len(shown.data) > 0 and len(shown.chart.data) > 0, name
            assert first_day(str(shown.data_date)) <= book.as_of, name
        for text in reader_text(shown):
            assert dates_after(text, book.as_of) == [], (name, dates_after(text, book.as_of))


def test_before_the_main_count_starts_the_answer_says_so():
    """The bug of issue 19: an as_of before 17 Jul 2024 raised IndexError in the answer."""
    book = Chapter.open(as_of=BEFORE_MAIN_COUNT, data_dir=str(DATA))
    spans = [s for s in expected_spans(BEFORE_MAIN_COUNT) if s["battle_id"] == "pokrovsk"]
    assert [s["is_primary"] for s in spans] == ["false"]
    text = plain(book.write("how_long.answer", **vars(facts.answer(book))).data)
    assert "had not yet begun on 1 May 2024" in text and f"**{spans[0]['days']} days so far**" in text
    durations = figures.durations(facts.durations(book), book)
    assert "had not yet begun by this book's main count" in durations.title
    assert "Pokrovsk" not in set(durations.data.loc[durations.data["is_primary"], "city"])


def test_an_edition_on_the_first_day_has_sentences_where_nothing_was_known_yet():
    book = Chapter.open(as_of="2024-02-17", data_dir=str(DATA))
    variants = figures.variants(facts.variants(book), book)
    assert isinstance(variants, Markdown) and "had not yet begun by any count" in variants.data
    assert "starts on this very day" in variants.data
    # No distance reported yet: the chart is DeepState's measured line alone.
    assert not [r for r in rows("reported_distances") if known_by(r, book.as_of)]
    distance = figures.distance(facts.distances(book), book)
    assert distance.title == "DeepState's map put the front 36.8 km from the centre of Pokrovsk on 31 Jan 2024"
    assert [trace.name for trace in distance.chart.data] == ["DeepState map, measured"]


def test_before_any_measured_map_or_report_the_distance_is_a_sentence():
    book = dataclasses.replace(Chapter.open(data_dir=str(DATA)), as_of=dt.date(2023, 6, 1))
    record = facts.distances(book)
    assert record.measured is None and record.near.empty
    distance = figures.distance(record, book)
    assert isinstance(distance, Markdown) and "had not yet reported how far" in distance.data


def test_a_battle_not_yet_begun_is_a_sentence(early):
    shown = figures.variants(facts.variants(early, "myrnohrad"), early)
    assert isinstance(shown, Markdown)
    assert shown.data == "On 1 Jun 2025 the battle for Myrnohrad had not yet begun by any count in this book."


def test_an_end_counts_once_it_is_reported():
    """Russia claimed Pokrovsk on 1 Dec 2025; the reports came out on 2 Dec."""
    def russian_claim(as_of: str) -> dict:
        spans = facts.battle_spans(Chapter.open(as_of=as_of, data_dir=str(DATA)))
        return spans.set_index(["battle_id", "variant"]).loc[("pokrovsk", "russian-claim")].to_dict()

    on_the_day, next_day = russian_claim("2025-12-01"), russian_claim("2025-12-02")
    assert on_the_day["cut_at_as_of"] and on_the_day["end_kind"] == "ongoing"
    assert "moscow-times-2025-12-02" not in on_the_day["source_ids"]
    assert not next_day["cut_at_as_of"] and next_day["end_kind"] == "claim"
    assert next_day["days"] == (dt.date(2025, 12, 1) - dt.date(2024, 7, 17)).days


def test_notes_wait_for_every_source_of_their_row():
    """The note on the Kremlin's claim speaks of ISW's assessment of February 2026."""
    def note(as_of) -> object:
        events = facts.timeline(Chapter.open(as_of=as_of, data_dir=str(DATA))).events
        return events.set_index("event_id").loc["2025-12-01-kremlin-announces-capture", "verification_note"]

    assert str(note("2025-12-05")) == "<NA>"
    assert "February 2026" in note(None)


# ---------------------------------------------------------------- figures against the CSV files

@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_complete_and_cites_known_sources(book, name):
    figure = FIGURES[name](book)
    assert isinstance(figure, BookFigure) and figure.chart is not None
    assert figure.alt.strip() and figure.caption.strip() and figure.name.startswith("how-long-")
    assert figure.citations and all(published_by(source_id, book.as_of) for _, source_id in figure.citations)
    assert first_day(str(figure.data_date)) <= book.as_of
    assert len(figure.data) > 0


def test_figure_names_are_unique(book):
    names = [make(book).name for make in FIGURES.values()]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("as_of", [None, EARLY, BEFORE_MAIN_COUNT, dt.date(2026, 2, 15)], ids=str)
def test_durations_equal_the_days_between_each_battles_dates(as_of):
    book = Chapter.open(as_of=as_of, data_dir=str(DATA))
    figure = figures.durations(facts.durations(book), book)
    primary = [s for s in expected_spans(book.as_of) if s["is_primary"] == "true"]
    bars = {y: x for trace in figure.chart.data if trace.type == "bar" for y, x in zip(trace.y, trace.x)}
    assert bars == {s["city"]: s["days"] for s in primary}
    downloaded = {(r["battle_id"], r["variant"]): (r["days"], r["source_ids"]) for _, r in figure.data.iterrows()}
    assert downloaded == {(s["battle_id"], s["variant"]): (s["days"], ";".join(s["known_ids"]))
                          for s in expected_spans(book.as_of)}


def test_the_title_ranks_the_battle(book):
    figure = figures.durations(facts.durations(book), book)
    primary = [s for s in expected_spans(book.as_of) if s["is_primary"] == "true"]
    pokrovsk = next(s for s in primary if s["battle_id"] == "pokrovsk")
    rank = 1 + sum(s["days"] > pokrovsk["days"] for s in primary)
    ordinal = "the " + ["", "second ", "third ", "fourth ", "fifth ", "sixth "][rank - 1] + "longest"
    assert figure.title.startswith(f"At {pokrovsk['days']:,} days")
    assert f"is {ordinal} of the {len(primary)} city battles" in figure.title


def test_stored_days_agree_with_the_dates():
    dated = [row for row in rows("battles") if row["start"]]
    assert dated
    for row in dated:
        assert int(row["days"]) == (first_day(row["end"]) - first_day(row["start"])).days, row["variant"]
    assert all(not row["days"] for row in rows("battles") if not row["start"]), "a count of days without a start"


def test_variants_show_every_choice_of_start_and_end(book):
    figure = figures.variants(facts.variants(book), book)
    spans = [s for s in expected_spans(book.as_of) if s["battle_id"] == "pokrovsk"]
    distinct = {(s["start_day"], s["end_day"]): s["days"] for s in spans}
    # Each bar's length leads its row label: '<b>560 days</b> (main)<br>17 Feb 2024 to<br>…'.
    bar_days = sorted(int(re.match(r"<b>([\d,]+)", label).group(1).replace(",", ""))
                      for trace in figure.chart.data for label in trace.y)
    assert bar_days == sorted(distinct.values())
    low, high = min(distinct.values()), max(distinct.values())
    assert f"{low:,} to {high:,} days" in figure.title


def test_an_earlier_as_of_cuts_battles_events_and_distances(early):
    durations = figures.durations(facts.durations(early), early)
    assert "Myrnohrad" not in set(durations.data["city"])
    assert max(durations.data["end_day"]) <= EARLY
    pokrovsk_days = (EARLY - first_day("2024-07-17")).days
    assert f"At {pokrovsk_days:,} days and still going on 1 Jun 2025" in durations.title

    variants = figures.variants(facts.variants(early), early)
    assert set(variants.data["end_kind"]) == {"ongoing"}
    assert "was not over" in variants.title
    late_sources = {"moscow-times-2025-12-02", "isw-2026-02-pokrovsk-assessment", "radio-svoboda-2026-03-05"}
    assert not late_sources & {source_id for _, source_id in variants.citations}

    timeline = figures.timeline(facts.timeline(early), early)
    assert all(last_day(d) <= EARLY for d in timeline.data["date"])
    assert len(timeline.data) == len(battle_events(EARLY))
    distance = figures.distance(facts.distances(early), early)
    assert all(last_day(d) <= EARLY for d in distance.data["date"])
    assert not {"corridor_width", "start_point", "to_mine"} & set(distance.data["measure"])


def test_timeline_title_counts_claims_and_disputes(book):
    figure = figures.timeline(facts.timeline(book), book)
    events = battle_events(book.as_of)
    contested = [e for e in events if verification_on(e, book.as_of) in ("claimed", "disputed")]
    russian = [e for e in contested if e["claimant"] == "russia"]
    assert figure.title.startswith(f"Of {len(events)} events recorded")
    assert f"{len(contested)} are unverified or disputed claims, {len(russian)} of them Russia's" in figure.title
    marked = [trace for trace in figure.chart.data if trace.mode == "markers"]
    assert sum(len(trace.x) for trace in marked) == len(events)
    assert len({trace.marker.symbol for trace in marked}) == len(marked)
    assert all("Who says so" in trace.hovertemplate for trace in marked)
    numbers = [trace for trace in figure.chart.data if "text" in (trace.mode or "")]
    chosen = [r["event_id"] for r in rows("editorial") if r["chapter"] == "how_long" and r["role"] == "key-moment"
              and r["event_id"] in {e["event_id"] for e in events}]
    assert [len(trace.text) for trace in numbers] == ([len(chosen)] if chosen else [])


def test_busiest_month_in_the_title(book):
    figure = figures.events_per_month(facts.monthly_counts(book), book)
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


def measured_rows(as_of: dt.date) -> list[dict[str, str]]:
    return [r for r in rows("frontline_metrics") if dt.date.fromisoformat(r["date"]) <= as_of]


@pytest.mark.parametrize("as_of", [dt.date(2024, 8, 15), EARLY, dt.date(2025, 12, 5), None])
def test_distance_is_the_measured_line_with_the_reports_as_labelled_points(as_of):
    book = Chapter.open(as_of=as_of.isoformat() if as_of else None, data_dir=str(DATA))
    figure = figures.distance(facts.distances(book), book)
    measured = measured_rows(book.as_of)
    line, *points = figure.chart.data
    assert line.mode == "lines" and [float(y) for y in line.y] == [float(r["min_distance_km_from_centre"])
                                                                   for r in measured]
    reports = [r for r in rows("reported_distances") if known_by(r, book.as_of)
               and r["measure"] in ("to_city", "to_outskirts", "to_centre", "inside_city")]
    assert sorted(float(y) for t in points for y in t.y) == sorted(float(r["distance_km"]) for r in reports)
    # Colour for the side, filled or open for the verification level, and no legend.
    assert not figure.chart.layout.showlegend and all(t.mode == "markers+text" for t in points)
    assert len({t.marker.color for t in points}) == len(points)
    firm = sum(verification_on(r, book.as_of) in ("established", "corroborated") for r in reports)
    assert sum(symbol == "circle" for t in points for symbol in t.marker.symbol) == firm
    at_centre = [r for r in measured if float(r["min_distance_km_from_centre"]) < 0.05]
    first, last = (f"{round(float(r['min_distance_km_from_centre']), 1):g} km" for r in (measured[0], measured[-1]))
    if at_centre:
        assert figure.title == (f"DeepState's map put the front {first} from the centre of Pokrovsk on 31 Dec 2023 "
                                f"and at its centre on {human_date(at_centre[0]['date'])}")
    else:
        assert figure.title == (f"DeepState's map put the front {last} from the centre of Pokrovsk on "
                                f"{human_date(measured[-1]['date'])}, against {first} on 31 Dec 2023")
    assert "deepstate-map" in {source_id for _, source_id in figure.citations}
    assert dates_after(" ".join([figure.title, figure.alt, figure.caption]), book.as_of) == []


def test_answer_paragraph_gives_the_main_count(book):
    main = next(s for s in expected_spans(book.as_of) if s["battle_id"] == "pokrovsk" and s["is_primary"] == "true")
    text = book.write("how_long.answer", **vars(facts.answer(book))).data
    assert plain(text).startswith(f"**{main['days']:,} days")
    assert "{ref}`" in text


@pytest.mark.parametrize("reason", ["pincer", "infiltration", "supply-routes", "kursk", "pushback", "cost"])
def test_reasons_cite_their_events_and_respect_as_of(early, reason):
    assert reason in facts.reasons(early)
    text = figures.reason(facts.reason(early, reason), early).data
    events = {r["event_id"]: r for r in rows("events")}
    chosen = [r["event_id"] for r in rows("editorial") if r["chapter"] == "how_long" and r["role"] == f"reason-{reason}"]
    assert chosen
    for event_id in chosen:
        shown = f"**{human_date(events[event_id]['date'])}**: " in text
        assert shown == known_by(events[event_id], EARLY), event_id
    assert "{ref}`" in text or "records nothing of this kind up to 1 Jun 2025" in text


@pytest.mark.parametrize("reason", ["pincer", "infiltration", "supply-routes", "kursk", "pushback", "cost"])
def test_reasons_cite_the_events_they_show(reason):
    book = Chapter.open(data_dir=str(DATA))
    text = figures.reason(facts.reason(book, reason), book).data
    assert "**" in text, "the latest edition shows the reason's events"
    assert "{ref}`" in text


def test_kursk_reason_gives_the_first_and_last_distance_reported_after_it(book):
    text = plain(figures.reason(facts.reason(book, "kursk"), book).data)
    incursion = last_day(next(r["date"] for r in rows("events") if r["event_id"] == "2024-08-06-kursk-incursion"))
    after = [r for r in rows("reported_distances") if r["measure"] in ("to_city", "to_outskirts", "to_centre")
             and first_day(r["date"]) > incursion and first_day(r["date"]).year == incursion.year
             and known_by(r, book.as_of)]
    after.sort(key=lambda r: first_day(r["date"]))
    assert len(after) > 1
    assert all(f"{float(r['distance_km']):g} km" in text for r in (after[0], after[-1]))
    assert text.count(" km ") < len(after)  # the rest are in the distance chart


def test_unknown_reason_is_refused(book):
    with pytest.raises(KeyError, match="unknown reason"):
        facts.reason(book, "weather")
