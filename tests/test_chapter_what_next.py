"""Chapter 4, "What happened next": every figure's key numbers and dates are recomputed here from
the CSV files (csv module and pyproj, not the project's loaders) and compared with what the
chapter shows, at the latest date and at earlier ``as_of`` dates."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pyproj  # noqa: E402
import pytest  # noqa: E402

from conftest import REPO  # noqa: E402
from pokrovsk.chapter import Chapter  # noqa: E402
from pokrovsk.chapters import what_next  # noqa: E402

DATA = REPO / "data"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
QUALIFIER = {"about": "about ", "less_than": "fewer than ", "more_than": "more than ", "exact": ""}


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
    found = [r for r in rows("events") if r["place_id"] == place and r["claimed_by"] == side
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
    return min(max(ends), dt.date.today())


def chapter(as_of: str | None = None) -> Chapter:
    return Chapter.open(as_of=as_of, data_dir=str(DATA))


def assert_resolves(citations: list[tuple[str, str]]) -> None:
    known = {s["source_id"] for s in rows("sources")}
    assert citations, "a figure must cite its sources"
    assert all(source_id in known for _, source_id in citations)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


# --- The pocket --------------------------------------------------------------------------------

@pytest.mark.parametrize("as_of", [None, "2025-10-30", "2025-06-01"])
def test_pocket_map_titles_the_latest_reported_corridor_width(as_of):
    book = chapter(as_of)
    figure = what_next.encirclement_map_figure(book)
    widths = sorted((r for r in rows("reported_distances")
                     if r["measure"] == "corridor_width" and published(r, book.as_of)), key=lambda r: r["date"])
    if widths:
        last = widths[-1]
        assert f"{QUALIFIER[last['qualifier']]}{float(last['distance_km']):g} km wide on {spoken(last['date'])}" \
            in figure.title
    else:
        assert "wide" not in figure.title
    later = [r for r in rows("reported_distances") if r["measure"] == "corridor_width" and not published(r, book.as_of)]
    assert all(spoken(r["date"]) not in figure.title + figure.caption for r in later)
    assert figure.image is not None and figure.alt.strip() and figure.long_description.strip()
    assert "T-05-15" in figure.alt and any(note.startswith("Basemap:") for note in figure.notes)
    assert_resolves(figure.citations)


@pytest.mark.parametrize("as_of", [None, "2025-11-15"])
def test_pocket_map_marks_russias_latest_claim_on_each_town(as_of):
    book = chapter(as_of)
    shown = what_next.encirclement_map_figure(book).data.set_index("place_id")
    for town in ("pokrovsk", "myrnohrad"):
        claims = statements(book.as_of, town, "russia")
        expected = claims[-1]["event_id"] if claims else None
        recorded = shown.loc[town, "latest_russian_claim"]
        assert (recorded if isinstance(recorded, str) else None) == expected
    midpoint = ((48.28278 + 48.29111) / 2, (37.18278 + 37.26806) / 2)
    for _, place in shown.iterrows():  # every marker lies inside the radius around the two towns
        geod = pyproj.Geod(ellps="WGS84")
        assert geod.inv(midpoint[1], midpoint[0], place["lon"], place["lat"])[2] <= 25_500


# --- Claims against statements -------------------------------------------------------------------

@pytest.mark.parametrize("as_of", [None, "2025-11-15"])
def test_timeline_title_counts_ukrainian_statements_since_russias_latest_claim(as_of):
    book = chapter(as_of)
    figure = what_next.claims_timeline_figure(book)
    claim = statements(book.as_of, "pokrovsk", "russia")[-1]
    answers = [r for r in statements(book.as_of, "pokrovsk", "ukraine")
               if bounds(r["date"])[0] >= bounds(claim["date"])[0]]
    assert spoken(claim["date"]) in figure.title
    assert f"{len(answers)} Ukrainian statement" in figure.title
    assert spoken(answers[-1]["date"]) in figure.title
    assert_resolves(figure.citations)
    assert figure.alt.strip() and figure.chart is not None


def test_timeline_shows_only_what_was_published_by_as_of():
    book = chapter("2025-11-20")
    figure = what_next.claims_timeline_figure(book)
    shown = set(figure.data["event_id"])
    assert "2025-11-10-myrnohrad-nearly-encircled" in shown
    assert "2025-11-27-putin-70-percent" not in shown
    # Syrskyi spoke on 9 Dec about what his troops did from 15 Nov: not yet known on 20 Nov.
    assert "2025-11-15-counter-actions" not in shown
    points = [x for trace in figure.chart.data if trace.mode == "markers" for x in trace.x]
    assert len(points) == len(figure.data)
    assert max(points) <= dt.datetime(2025, 11, 20)


def test_timeline_tells_status_apart_by_colour_and_shape():
    figure = what_next.claims_timeline_figure(chapter())
    markers = [trace for trace in figure.chart.data if trace.mode == "markers"]
    assert len({t.marker.symbol for t in markers}) == len(markers) == len({t.marker.color for t in markers}) == 3
    assert {t.name for t in markers} == {"Confirmed", "Claimed, not verified", "Disputed"}


def test_timeline_still_works_before_any_russian_claim_on_the_towns():
    figure = what_next.claims_timeline_figure(chapter("2025-06-01"))
    assert "no claim about Pokrovsk" in figure.title
    assert set(figure.data["place_id"]).isdisjoint({"pokrovsk", "myrnohrad"})


# --- Status at as_of -------------------------------------------------------------------------------

def test_status_paragraph_names_each_sides_latest_statement_and_the_conflict():
    book = chapter()
    text = what_next.status_paragraph(book).data
    assert spoken(latest_as_of().isoformat()) in text
    for town in ("pokrovsk", "myrnohrad"):
        for side in ("russia", "ukraine"):
            assert spoken(statements(book.as_of, town, side)[-1]["date"]) in text
    assert "These accounts conflict" in text
    assert "{ref}`" in text


def test_status_paragraph_changes_with_as_of():
    late = what_next.status_paragraph(chapter()).data
    early = what_next.status_paragraph(chapter("2025-11-15")).data
    assert early != late
    assert "15 Nov 2025" in early
    assert spoken(statements(dt.date(2025, 11, 15), "pokrovsk", "russia")[-1]["date"]) in early
    for later in ("1 Dec 2025", "27 Dec 2025", "2026"):
        assert later not in early
    assert "no statement by Russia" in early  # Russia had not yet claimed Myrnohrad


# --- The cities beyond ------------------------------------------------------------------------------

def test_distance_chart_title_matches_utm_distances():
    book = chapter()
    figure = what_next.distances_figure(book)
    cities = sorted(utm_km("pokrovsk", c) for c in ("kostiantynivka", "kramatorsk", "sloviansk"))
    assert f"{cities[0]:.0f}–{cities[-1]:.0f} km from Pokrovsk" in figure.title
    assert f"is {utm_km('pokrovsk', 'avdiivka'):.0f} km away" in figure.title
    assert "17 Feb 2024" in figure.title
    bars = dict(zip(figure.data["to_place"], figure.data["straight_line_km"]))
    assert bars["kramatorsk"] == pytest.approx(utm_km("pokrovsk", "kramatorsk"), abs=0.05)
    assert_resolves(figure.citations)
    assert figure.alt.strip()


def test_distance_chart_leaves_out_the_avdiivka_withdrawal_before_it_happened():
    # The withdrawal opens the book's period, so as_of cannot name an earlier day; the chart
    # must still not lead with it when asked about one.
    before = Chapter(chapter().params, dt.date(2024, 1, 1))
    assert "Ukraine left" not in what_next.distances_figure(before).title


@pytest.mark.parametrize("as_of", [None, "2025-01-01"])
def test_onward_map_measures_the_farthest_city_and_marks_claims_up_to_as_of(as_of):
    book = chapter(as_of)
    figure = what_next.onward_map_figure(book)
    assert f"{utm_km('pokrovsk', 'sloviansk'):.0f} km away" in figure.title
    assert figure.image is not None and figure.alt.strip() and figure.long_description.strip()
    assert_resolves(figure.citations)
    chasiv_yar = statements(book.as_of, "chasiv-yar", "russia")
    if chasiv_yar:  # Russia claimed it on 31 Jul 2025
        assert f"Chasiv Yar, {spoken(chasiv_yar[-1]['date'])} ({chasiv_yar[-1]['status']})" in figure.long_description
    later = statements(dt.date.today(), "chasiv-yar", "russia")[len(chasiv_yar):]
    assert bool(later) == (as_of is not None)  # the earlier map really has a claim to leave out
    assert all(f"Chasiv Yar, {spoken(r['date'])}" not in figure.long_description for r in later)


def test_onward_paragraph_cites_only_events_known_at_as_of():
    text = what_next.onward_paragraph(chapter("2025-07-01")).data
    assert "23 Jun 2024" in text
    assert "16 Jul 2025" not in text and "11 Aug 2025" not in text
    assert "11 Aug 2025" in what_next.onward_paragraph(chapter()).data


def test_an_earlier_edition_cites_nothing_published_after_it():
    book = chapter("2025-06-01")
    published_on = {s["source_id"]: s["date_published"] for s in rows("sources")}
    figures = [what_next.encirclement_map_figure(book), what_next.claims_timeline_figure(book),
               what_next.distances_figure(book), what_next.onward_map_figure(book)]
    for figure in figures:
        for _, source_id in figure.citations:
            date = published_on[source_id]
            assert not date or bounds(date)[1] <= book.as_of, (figure.name, source_id)
    text = "".join(f(book).data for f in (what_next.corridor_paragraph, what_next.status_paragraph,
                                           what_next.onward_paragraph))
    for source_id, date in published_on.items():
        if date and bounds(date)[1] > book.as_of:
            assert f"<source-{source_id}>" not in text


def test_expectations_are_shown_as_opinions_and_respect_as_of():
    from pokrovsk.chapter import Chapter
    from pokrovsk.chapters import what_next as chapter_module

    latest = chapter_module.expectations_paragraph(Chapter.open(data_dir=str(REPO / "data"))).data
    assert "Kramatorsk" in latest and "not events" in latest and "{ref}`" in latest
    before = chapter_module.expectations_paragraph(Chapter.open(data_dir=str(REPO / "data"), as_of="2025-11-02")).data
    assert "no analyst" in before
