"""Chapter 4, "What happened next": every figure's key numbers and dates are recomputed here from
the CSV files (csv module and pyproj, not the project's loaders) and compared with what the
chapter shows, at the latest date and at earlier ``as_of`` dates; and at every date of a sweep
across the book's period each fact, figure and paragraph is built and mentions nothing later."""

from __future__ import annotations

import calendar
import csv
import dataclasses
import datetime as dt
import functools
import itertools
import math
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pyproj  # noqa: E402
import pytest  # noqa: E402

from conftest import REPO  # noqa: E402
from IPython.display import Markdown  # noqa: E402
from later_dates import dates_after  # noqa: E402
from pokrovsk import render, words  # noqa: E402
from pokrovsk.chapter import Chapter  # noqa: E402
from pokrovsk.chapters.what_next import facts, figures  # noqa: E402

DATA = REPO / "data"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
QUALIFIER = {"about": "about ", "less_than": "under ", "more_than": "more than ", "exact": ""}
"""How a distance's qualifier reads in front of kilometres."""


@functools.lru_cache(maxsize=None)
def rows(name: str) -> tuple[dict[str, str], ...]:
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def bounds(value: str) -> tuple[dt.date, dt.date]:
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], 1), dt.date(parts[0], parts[1], calendar.monthrange(*parts)[1])
    return dt.date(*parts), dt.date(*parts)


def spoken(value: str) -> str:
    """'2025-12-01' → '1 Dec 2025'; '2026-05' → 'May 2026'."""
    parts = value.split("-")
    if len(parts) == 2:
        return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
    return f"{int(parts[2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"


def published(row: dict[str, str], as_of: dt.date) -> bool:
    """Out by as_of: the row's date has passed and one of its sources had appeared."""
    sources = {s["source_id"]: s["date_published"] for s in rows("sources")}
    own_end = bounds(row["date"])[1]
    first = min(bounds(sources[i])[1] if sources[i] else own_end for i in row["source_ids"].split(";"))
    return own_end <= as_of and first <= as_of


def middle(row: dict[str, str]) -> dt.date:
    start, end = bounds(row["date"])
    return start + (end - start) / 2


def statements(as_of: dt.date, place: str, side: str) -> list[dict[str, str]]:
    found = [r for r in rows("events") if r["place_id"] == place and r["claimant"] == side
             and r["category"] in ("claim", "military") and published(r, as_of)]
    return sorted(found, key=lambda r: (middle(r), r["event_id"]))


def utm_km(a: str, b: str) -> float:
    places = {p["place_id"]: p for p in rows("places")}
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
    (xa, ya), (xb, yb) = (to_utm.transform(float(places[p]["lon"]), float(places[p]["lat"])) for p in (a, b))
    return math.hypot(xa - xb, ya - yb) / 1000


def latest_as_of() -> dt.date:
    ends = [bounds(r["date"])[1] for name in ("events", "populations", "reported_distances", "control")
            for r in rows(name)]
    ends += [dt.date.fromisoformat(r["date"]) for r in rows("frontline_metrics")]  # the last measured map
    return min(max(ends), dt.date.today())


def chapter(as_of: str | None = None) -> Chapter:
    return Chapter.open(as_of=as_of, data_dir=str(DATA))


def assert_resolves(citations: list[tuple[str, str]]) -> None:
    known = {s["source_id"] for s in rows("sources")}
    assert citations, "a figure must cite its sources"
    assert all(source_id in known for _, source_id in citations)


def paragraphs(book: Chapter) -> dict[str, str]:
    """The chapter's paragraphs, written as the notebook writes them."""
    return {key: book.write(f"what_next.{key}", **vars(query(book))).data for key, query in
            [("corridor", facts.corridor), ("status", facts.status), ("roads_north", facts.roads_north),
             ("assessments", facts.assessments)]}


def built_figures(book: Chapter) -> dict[str, render.BookFigure | Markdown]:
    """Every figure of the chapter, built as the notebook builds it."""
    return {"pocket_map": figures.pocket_map(facts.pocket_map(book), book),
            "claims_timeline": figures.claims_timeline(facts.claims_timeline(book), book),
            "distances": figures.distances(facts.distances(book), book),
            "onward_map": figures.onward_map(facts.onward_map(book), book)}


def reader_text(figure: render.BookFigure | Markdown) -> str:
    """All a reader can see of a figure: its words, its citations and its chart's JSON (ISO times
    split from their dates, so the date finder sees them)."""
    if isinstance(figure, Markdown):
        return figure.data
    chart = re.sub(r"(\d{4}-\d{2}-\d{2})T", r"\1 ", figure.chart.to_json()) if figure.chart is not None else ""
    return " ".join([figure.title, figure.alt, figure.caption, figure.long_description or "", *figure.notes,
                     *(label for label, _ in figure.citations), chart])


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- Every date of the period -----------------------------------------------------------------------

SWEEP = ["2024-02-17", "2024-05-01", "2024-08-15", "2024-11-30", "2025-01-15", "2025-06-01", "2025-10-15",
         "2025-12-05", "2026-02-15", None]
"""From the fall of Avdiivka, where the book's period begins, to the latest date in the data."""


def cited_ids(figure: render.BookFigure | Markdown) -> list[str]:
    if isinstance(figure, Markdown):
        return re.findall(r"<source-([^>]+)>", figure.data)
    return [source_id for _, source_id in figure.citations]


@pytest.mark.parametrize("as_of", SWEEP)
def test_every_date_builds_tells_what_was_known_and_nothing_later(as_of):
    book = chapter(as_of)
    published_on = {s["source_id"]: s["date_published"] for s in rows("sources")}
    drawn = built_figures(book)
    # Only the timeline may stand as a sentence (while nothing had been said); no chart is empty.
    assert all(isinstance(figure, render.BookFigure) for name, figure in drawn.items() if name != "claims_timeline")
    for name, figure in drawn.items():
        if isinstance(figure, render.BookFigure):
            assert len(figure.data) > 0, name
            assert figure.chart is None or sum(len(trace.x) for trace in figure.chart.data) > 0, name
    shown = drawn | {f"{name} paragraph": Markdown(text) for name, text in paragraphs(book).items()}
    shown["edition"] = figures.edition(book)
    for name, figure in shown.items():
        text = reader_text(figure)
        assert text.strip(), name
        assert dates_after(text, book.as_of) == [], name
        for source_id in cited_ids(figure):
            assert not published_on[source_id] or bounds(published_on[source_id])[1] <= book.as_of, (name, source_id)


def test_before_any_statement_the_timeline_is_a_sentence():
    book = chapter("2024-02-17")
    sentence = figures.claims_timeline(facts.claims_timeline(book), book)
    assert isinstance(sentence, Markdown)
    assert "By 17 Feb 2024" in sentence.data and "no timeline of claims" in sentence.data


# --- The pocket --------------------------------------------------------------------------------

@pytest.mark.parametrize("as_of", [None, "2025-10-30", "2025-06-01"])
def test_pocket_map_titles_the_latest_reported_corridor_width(as_of):
    book = chapter(as_of)
    figure = figures.pocket_map(facts.pocket_map(book), book)
    widths = sorted((r for r in rows("reported_distances")
                     if r["measure"] == "corridor_width" and published(r, book.as_of)), key=lambda r: r["date"])
    if widths:
        last = widths[-1]
        assert f"{QUALIFIER[last['qualifier']]}{float(last['distance_km']):g} km wide on {spoken(last['date'])}" \
            in figure.title
    else:
        assert "wide" not in figure.title and f"By {spoken(book.as_of.isoformat())}" in figure.caption
    later = [r for r in rows("reported_distances") if r["measure"] == "corridor_width" and not published(r, book.as_of)]
    assert all(spoken(r["date"]) not in figure.title + figure.caption for r in later)
    assert figure.image is not None and figure.alt.strip() and figure.long_description.strip()
    assert "T-05-15" in figure.alt and any(note.startswith("Basemap: ") for note in figure.notes)
    assert_resolves(figure.citations)


@pytest.mark.parametrize("as_of", [None, "2025-11-15"])
def test_pocket_map_marks_russias_latest_claim_on_each_town(as_of):
    book = chapter(as_of)
    shown = figures.pocket_map(facts.pocket_map(book), book).data.set_index("place_id")
    for town in ("pokrovsk", "myrnohrad"):
        claims = statements(book.as_of, town, "russia")
        expected = claims[-1]["event_id"] if claims else None
        recorded = shown.loc[town, "latest_russian_claim"]
        assert (recorded if isinstance(recorded, str) else None) == expected
    midpoint = ((48.28278 + 48.29111) / 2, (37.18278 + 37.26806) / 2)
    for _, place in shown.iterrows():  # every marker lies inside the radius around the two towns
        geod = pyproj.Geod(ellps="WGS84")
        assert geod.inv(midpoint[1], midpoint[0], place["lon"], place["lat"])[2] <= 25_500


def test_corridor_paragraph_lists_each_width_reported_by_as_of():
    book = chapter("2025-11-01")
    text = paragraphs(book)["corridor"]
    widths = [r for r in rows("reported_distances") if r["measure"] == "corridor_width"]
    for row in widths:
        shown = f"on {spoken(row['date'])} it was put at {QUALIFIER[row['qualifier']]}{float(row['distance_km']):g} km"
        assert (shown in text) == published(row, book.as_of), row["distance_id"]
    assert "not yet" not in text and "{ref}`" in text


# --- Claims against statements -------------------------------------------------------------------

@pytest.mark.parametrize("as_of", [None, "2025-11-15"])
def test_timeline_title_counts_ukrainian_statements_since_russias_latest_claim(as_of):
    book = chapter(as_of)
    figure = figures.claims_timeline(facts.claims_timeline(book), book)
    claim = statements(book.as_of, "pokrovsk", "russia")[-1]
    answers = [r for r in statements(book.as_of, "pokrovsk", "ukraine")
               if bounds(r["date"])[0] >= bounds(claim["date"])[0]]
    assert spoken(claim["date"]) in figure.title
    assert f"{len(answers)} report{'s' if len(answers) != 1 else ''} from Ukraine" in figure.title
    assert spoken(answers[-1]["date"]) in figure.title
    assert_resolves(figure.citations)
    assert figure.alt.strip() and figure.chart is not None


def test_timeline_shows_only_what_was_published_by_as_of():
    book = chapter("2025-11-20")
    figure = figures.claims_timeline(facts.claims_timeline(book), book)
    shown = set(figure.data["event_id"])
    assert "2025-11-10-myrnohrad-nearly-encircled" in shown
    assert "2025-11-27-putin-70-percent" not in shown
    # Syrskyi spoke on 9 Dec about what his troops did from 15 Nov: not yet known on 20 Nov.
    assert "2025-11-15-counter-actions" not in shown
    points = [x for trace in figure.chart.data if trace.mode == "markers" for x in trace.x]
    assert len(points) == len(figure.data)
    assert max(points) <= dt.datetime(2025, 11, 20)
    assert figure.chart.layout.xaxis.range[1] <= dt.datetime(2025, 11, 20)  # the axis stops at as_of too


def test_timeline_tells_verification_apart_by_colour_and_shape():
    book = chapter()
    figure = figures.claims_timeline(facts.claims_timeline(book), book)
    markers = [trace for trace in figure.chart.data if trace.mode == "markers"]
    shown = set(figure.data["verification"])
    assert len({t.marker.symbol for t in markers}) == len(markers) == len({t.marker.color for t in markers}) == len(shown)
    assert {t.name for t in markers} == {words.label("verification", v) for v in shown}
    assert {"claimed", "disputed"} <= shown


def test_timeline_still_works_before_any_russian_claim_on_the_towns():
    book = chapter("2025-06-01")
    figure = figures.claims_timeline(facts.claims_timeline(book), book)
    assert "no claim about Pokrovsk" in figure.title
    assert set(figure.data["place_id"]).isdisjoint({"pokrovsk", "myrnohrad"})


def test_timeline_numbers_the_editors_key_moments_and_lists_every_statement_in_a_fold():
    book = chapter()
    timeline = facts.claims_timeline(book)
    figure = figures.claims_timeline(timeline, book)
    shown = set(figure.data["event_id"])
    chosen = [r["event_id"] for r in rows("editorial")
              if r["chapter"] == "what_next" and r["role"] == "key-moment" and r["event_id"] in shown]
    assert 6 <= len(chosen) <= 8
    assert list(timeline.key_moments) == [e for e in figure.data["event_id"] if e in chosen]  # in date order
    numbers = [trace for trace in figure.chart.data if "text" in (trace.mode or "")]
    assert [list(trace.text) for trace in numbers] == [[str(n) for n in range(1, len(chosen) + 1)]]
    listed = figures.claims_key_moments(timeline, book).data
    items = re.findall(r"^(\d+)\. \*\*", listed, flags=re.M)
    assert items == [str(n) for n in range(1, len(chosen) + 1)]
    fold = listed.split("<details", 1)[1]
    assert fold.count("\n- **") == len(figure.data)
    how_long_chosen = {r["event_id"] for r in rows("editorial") if r["chapter"] == "how_long" and r["role"] == "key-moment"}
    assert how_long_chosen.isdisjoint(chosen)


def test_before_any_key_moment_the_timeline_has_no_numbers():
    book = chapter("2025-11-01")
    timeline = facts.claims_timeline(book)
    assert timeline.key_moments == ()
    figure = figures.claims_timeline(timeline, book)
    assert [trace for trace in figure.chart.data if "text" in (trace.mode or "")] == []
    assert "numbered on the chart" not in figures.claims_key_moments(timeline, book).data


# --- Status at as_of -------------------------------------------------------------------------------

def test_status_paragraph_names_each_sides_latest_statement_and_the_conflict():
    book = chapter()
    text = paragraphs(book)["status"]
    assert spoken(latest_as_of().isoformat()) in text
    for town in ("pokrovsk", "myrnohrad"):
        for side in ("russia", "ukraine"):
            assert spoken(statements(book.as_of, town, side)[-1]["date"]) in text
    assert "These accounts conflict" in text
    assert "{ref}`" in text


def test_status_paragraph_changes_with_as_of():
    late = paragraphs(chapter())["status"]
    early = paragraphs(chapter("2025-11-15"))["status"]
    assert early != late
    assert "15 Nov 2025" in early
    assert spoken(statements(dt.date(2025, 11, 15), "pokrovsk", "russia")[-1]["date"]) in early
    for later in ("1 Dec 2025", "27 Dec 2025", "2026"):
        assert later not in early
    assert "no statement by Russia" in early  # Russia had not yet claimed Myrnohrad


def test_status_paragraph_before_any_statement_says_so_for_each_town():
    text = paragraphs(chapter("2024-05-01"))["status"]
    for town in ("pokrovsk", "myrnohrad"):
        assert not statements(dt.date(2024, 5, 1), town, "russia") + statements(dt.date(2024, 5, 1), town, "ukraine")
    assert "By 1 May 2024 our data holds no statement about Pokrovsk from either side" in text
    assert "By 1 May 2024 our data holds no statement about Myrnohrad from either side" in text


# --- The cities beyond ------------------------------------------------------------------------------

def test_distance_chart_title_matches_utm_distances():
    book = chapter()
    figure = figures.distances(facts.distances(book), book)
    cities = sorted(utm_km("pokrovsk", c) for c in ("kostiantynivka", "kramatorsk", "sloviansk"))
    assert f"{cities[0]:.0f}–{cities[-1]:.0f} km from Pokrovsk" in figure.title
    assert f"is {utm_km('pokrovsk', 'avdiivka'):.0f} km away" in figure.title
    assert "17 Feb 2024" in figure.title
    bars = dict(zip(figure.data["to_place"], figure.data["straight_line_km"]))
    assert bars["kramatorsk"] == pytest.approx(utm_km("pokrovsk", "kramatorsk"), abs=0.05)
    assert_resolves(figure.citations)
    assert figure.alt.strip()


def test_distance_chart_names_the_withdrawal_only_once_it_is_known():
    book = chapter("2024-02-17")
    measured = facts.distances(book)
    assert measured.withdrawal is not None and measured.withdrawal.date == "2024-02-17"
    assert "Ukraine left" not in figures.distances(dataclasses.replace(measured, withdrawal=None), book).title


@pytest.mark.parametrize("as_of", [None, "2025-01-01"])
def test_onward_map_measures_the_farthest_city_and_says_who_held_each_place(as_of):
    book = chapter(as_of)
    figure = figures.onward_map(facts.onward_map(book), book)
    assert f"{utm_km('pokrovsk', 'sloviansk'):.0f} km away" in figure.title
    assert figure.image is not None and figure.alt.strip() and figure.long_description.strip()
    assert_resolves(figure.citations)
    # Chasiv Yar's marker follows DeepState's map as measured by as_of, not Russia's claim (31 Jul 2025).
    changes = [r for r in rows("frontline_place_changes")
               if r["place_id"] == "chasiv-yar" and r["date"] <= book.as_of.isoformat()]
    held = figure.data.set_index("place_id").loc["chasiv-yar"]
    assert held["basis"] == "measured"
    assert held["holder"] == ("russia" if changes[-1]["occupied"] == "true" else "ukraine")
    for side, words_ in (("russia", "Russian-held:"), ("ukraine", "Ukrainian-held:")):
        towns = figure.long_description.split(words_)[1].split(".")[0] if words_ in figure.long_description else ""
        assert ("Chasiv Yar" in towns) == (held["holder"] == side)
    assert dates_after(figure.caption + figure.long_description, book.as_of) == []


def test_roads_north_paragraph_cites_only_events_known_at_as_of():
    assert "Russia claims Rodynske" not in paragraphs(chapter("2025-07-01"))["roads_north"]
    assert "Russia claims Rodynske" in paragraphs(chapter())["roads_north"]


def test_roads_north_leaves_out_what_earlier_chapters_tell():
    told_before = {r["event_id"] for r in rows("editorial") if r["chapter"] in facts.EARLIER_CHAPTERS}
    shown = {statement.title for statement in facts.roads_north(chapter()).events}
    titles = {r["event_id"]: r["title"] for r in rows("events")}
    assert shown and "Russian breach toward Dobropillia" not in shown
    assert "2025-08-11-dobropillia-breakthrough" in told_before
    assert shown.isdisjoint(titles[event_id] for event_id in told_before)


def test_expectations_are_shown_as_opinions_and_respect_as_of():
    latest = paragraphs(chapter())["assessments"]
    assert "Kramatorsk" in latest and "not events" in latest and "{ref}`" in latest
    assert "no analyst" in paragraphs(chapter("2025-11-02"))["assessments"]


def test_the_chapter_opens_with_its_as_of_date_and_where_reporting_runs_out():
    book = chapter()
    latest = figures.edition(book).data
    last = max((r for t in ("events", "populations", "reported_distances", "control") for r in rows(t)),
               key=lambda r: bounds(r["date"])[1])
    assert f"as of {spoken(book.as_of.isoformat())}" in latest
    # The default edition reaches the last measured DeepState map, after the last news report.
    assert bounds(last["date"])[1] < book.as_of
    assert f"Our data hold no reporting between {spoken(last['date'])} and that date" in latest
    assert f"measures run to {spoken(book.as_of.isoformat())}" in latest
    cut = dt.date(2025, 6, 1)
    earlier = figures.edition(chapter(cut.isoformat())).data
    before = max((r for t in ("events", "populations", "reported_distances", "control") for r in rows(t)
                  if published(r, cut)), key=lambda r: bounds(r["date"])[1])
    assert "as of 1 Jun 2025" in earlier
    if bounds(before["date"])[1] < cut:
        assert f"Our data hold no reporting between {spoken(before['date'])} and that date" in earlier
    # The data go on after an earlier edition: it never says that reporting ran out.
    assert "We found no reporting after" not in earlier


def test_paragraphs_whose_words_come_out_empty_show_nothing(monkeypatch):
    from pokrovsk import chapter as chapter_module

    shown = []
    monkeypatch.setattr(chapter_module, "display", shown.append)
    chapter_module.Paragraphs("  \n")._ipython_display_()
    assert shown == []
    chapter_module.Paragraphs("Some *words*.")._ipython_display_()
    assert [item.data for item in shown] == ["Some *words*."]


@pytest.mark.parametrize("language", ["en", "uk"])
def test_no_place_name_on_the_pocket_map_covers_another(language, monkeypatch):
    from pokrovsk import maps

    overlapping = []
    place_labels = maps.place_labels

    def placing_and_checking(ax, labels):
        place_labels(ax, labels)
        renderer = ax.figure.canvas.get_renderer()
        boxes = [(text.get_text(), text.get_window_extent(renderer)) for text in ax.texts]
        overlapping.extend((a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2) if box_a.overlaps(box_b))

    monkeypatch.setattr(maps, "place_labels", placing_and_checking)
    book = Chapter.open(data_dir=str(DATA), language=language)
    try:
        figures.pocket_map(facts.pocket_map(book), book)
    finally:
        words.set_language(words.DEFAULT_LANGUAGE)
    assert overlapping == []
