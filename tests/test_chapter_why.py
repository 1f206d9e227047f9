"""Chapter 2, "Why Russia wants Pokrovsk": figures and facts agree with data/ (recomputed here
from the CSV files with the csv module and pyproj, not through the chapter's code), and every
edition from the fall of Avdiivka on builds and mentions nothing later than its as_of."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import inspect
import math

import pyproj
import pytest
from IPython.display import Markdown

from conftest import REPO
from later_dates import dates_after
from pokrovsk import data
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.why import facts, figures
from pokrovsk.chapters.why import network_map as drawing

DATA = REPO / "data"
EARLY = "2025-06-01"
EDITIONS = ["2024-02-17", "2024-05-01", "2024-08-15", "2024-11-30", "2025-01-15", "2025-06-01", "2025-10-15",
            "2025-12-05", "2026-02-15", None]
"""The period's first day (the fall of Avdiivka), a spread of dates, and the latest (None)."""
TO_UTM = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
COMPASS = ["north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"]


def rows(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def place(place_id: str) -> dict[str, str]:
    return next(row for row in rows("places") if row["place_id"] == place_id)


def last_day(value: str) -> dt.date:
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return dt.date(*parts)


def published_by(source_ids: str, as_of: dt.date) -> list[str]:
    """The ids published on or before as_of (a source without a date counts as always known)."""
    published = {r["source_id"]: r["date_published"] for r in rows("sources")}
    return [i for i in source_ids.split(";") if i and (not published[i] or last_day(published[i]) <= as_of)]


def utm_km(a: dict, b: dict) -> float:
    ax, ay = TO_UTM.transform(float(a["lon"]), float(a["lat"]))
    bx, by = TO_UTM.transform(float(b["lon"]), float(b["lat"]))
    return math.hypot(bx - ax, by - ay) / 1000


def stated(value: float, qualifier: str, unit: str) -> str:
    words = {"exact": "", "about": "about ", "more_than": "more than ", "less_than": "less than "}[qualifier]
    return f"{words}{value:,g}{'%' if unit == 'percent' else ' km²'}"


def chapter(book: Chapter) -> dict:
    """Every figure and paragraph of the chapter, called as notebooks/02_why.ipynb calls them."""
    return {
        "share": figures.control_share(facts.control(book, "share"), book),
        "area": figures.control_area(facts.control(book, "area"), book),
        "wider": book.write("why.wider_region", reports=facts.wider_region(book)),
        "map": figures.network_map(facts.network(book), book),
        "lines": book.write("why.lines", **vars(facts.lines(book))),
        "routes": figures.routes(facts.routes(book), book),
        "route_events": book.write("why.route_events", events=facts.route_events(book)),
        "distances": figures.distances(facts.distances(book), book),
        "gateway": book.write("why.gateway", **vars(facts.gateway(book))),
        "coal": book.write("why.coking_coal", events=facts.mine_events(book)),
    }


CALLED = {"control", "wider_region", "network", "lines", "routes", "route_events", "distances", "gateway",
          "mine_events", "control_share", "control_area", "network_map"}


def reader_text(shown) -> str:
    """All a reader can see of a figure or paragraph: title, alt, caption, description, sources,
    notes and the chart's own text (its JSON), or the paragraph's Markdown."""
    if isinstance(shown, Markdown):
        return shown.data
    return " ".join([shown.title, shown.alt, shown.caption, shown.long_description or "", *shown.notes,
                     *(label for label, _ in shown.citations), shown.chart.to_json() if shown.chart else ""])


@pytest.fixture(scope="module")
def book():
    return Chapter.open(data_dir=str(DATA), basemap="offline")


@pytest.fixture(scope="module")
def early_book():
    return Chapter.open(data_dir=str(DATA), basemap="offline", as_of=EARLY)


@pytest.fixture(scope="module")
def shown(book):
    return chapter(book)


def donetsk(measure: str, holder: str, as_of: dt.date) -> list[dict[str, str]]:
    """Rows known at as_of: dated by then, with a source published by then."""
    known = set(data.load_control(str(DATA), as_of)["control_id"])
    return [r for r in rows("control") if r["region"] == "donetsk_oblast" and r["measure"] == measure
            and r["holder"] == holder and last_day(r["date"]) <= as_of and r["control_id"] in known]


# --- Every edition ---------------------------------------------------------------------------

def test_the_sweep_calls_every_public_function_of_facts_and_figures():
    public = {name for module in (facts, figures) for name, function in inspect.getmembers(module, inspect.isfunction)
              if function.__module__ == module.__name__ and not name.startswith("_")}
    assert public == CALLED


@pytest.mark.parametrize("as_of", EDITIONS)
def test_every_edition_builds_and_mentions_nothing_later(as_of):
    book = Chapter.open(data_dir=str(DATA), basemap="offline", as_of=as_of)
    for name, shown in chapter(book).items():
        text = reader_text(shown)
        assert text.strip(), name
        assert dates_after(text, book.as_of) == [], (name, book.as_of)
        if not isinstance(shown, Markdown):
            assert all(published_by(source_id, book.as_of) for _, source_id in shown.citations), name


def test_before_any_report_the_control_charts_are_sentences_naming_the_date():
    book = Chapter.open(data_dir=str(DATA), as_of="2024-02-17")
    assert not donetsk("share", "russia", book.as_of)  # the premise: nothing published yet
    for measure, build in (("share", figures.control_share), ("area", figures.control_area)):
        shown = build(facts.control(book, measure), book)
        assert isinstance(shown, Markdown) and "17 Feb 2024" in shown.data, measure
    assert "None of the book's sources published by 17 Feb 2024" in book.write(
        "why.wider_region", reports=facts.wider_region(book)).data


def test_links_first_documented_later_are_left_out_and_counted():
    book = Chapter.open(data_dir=str(DATA), as_of="2024-02-17")
    undocumented = {e["edge_id"] for e in rows("network_edges") if not published_by(e["source_ids"], book.as_of)}
    assert undocumented  # the premise: the railway forum of July 2024 is some links' only source
    known = facts.network(book)
    assert set(known.edges["edge_id"]) == {e["edge_id"] for e in rows("network_edges")} - undocumented
    assert known.left_out == len(undocumented)
    assert f"{len(undocumented)} links that the book's sources document only after 17 Feb 2024" in \
        figures.network_map(known, book).caption


# --- Territory held --------------------------------------------------------------------------

def test_share_title_gives_the_first_and_latest_russian_share(book, shown):
    russian = donetsk("share", "russia", book.as_of)
    first = min(russian, key=lambda r: last_day(r["date"]))
    latest = max(russian, key=lambda r: last_day(r["date"]))
    title = shown["share"].title
    assert stated(float(first["value"]), first["qualifier"], first["unit"]) in title
    assert stated(float(latest["value"]), latest["qualifier"], latest["unit"]) in title
    assert set(shown["share"].data["measure"]) == {"share"}  # shares and areas never share an axis
    assert set(shown["share"].data["control_id"]) == {r["control_id"] for holder in ("russia", "ukraine")
                                                        for r in donetsk("share", holder, book.as_of)}


def test_area_title_gives_the_spread_of_the_latest_ukrainian_estimates(book, shown):
    ukrainian = donetsk("area", "ukraine", book.as_of)
    newest = max(last_day(r["date"]) for r in ukrainian)
    values = sorted(float(r["value"]) for r in ukrainian if last_day(r["date"]) == newest)
    title = shown["area"].title
    assert f"{values[0]:,g} km²" in title and f"{values[-1]:,g} km²" in title
    assert set(shown["area"].data["unit"]) == {"km2"}


def test_control_charts_mark_unsupported_claims_and_keep_qualifiers_in_hovers(shown):
    chart = shown["share"].chart
    legend = [trace.name for trace in chart.data if trace.showlegend is not False and trace.name]
    assert "Hollow: claimed, not independently verified" in legend and len(legend) <= 3
    holders = {r["holder"].title() for r in rows("control") if r["region"] == "donetsk_oblast" and r["measure"] == "share"}
    assert {f"<b>{holder}</b>" for holder in holders} <= {note.text for note in chart.layout.annotations}
    symbols = {trace.marker.symbol for trace in chart.data if trace.hovertemplate}
    assert any(symbol.endswith("-open") for symbol in symbols)
    figures_in_hovers = {row[1] for trace in chart.data if trace.customdata is not None for row in trace.customdata}
    assert any(figure.startswith("about ") for figure in figures_in_hovers)
    assert any(figure.startswith("more than ") for figure in figures_in_hovers)


def test_control_figures_drop_rows_and_sources_after_an_earlier_as_of(early_book):
    cutoff = dt.date.fromisoformat(EARLY)
    share = figures.control_share(facts.control(early_book, "share"), early_book)
    area = facts.control(early_book, "area")
    assert area.empty  # the first area figures were published after June 2025
    assert all(last_day(date) <= cutoff for date in share.data["date"])
    assert all(published_by(source_id, cutoff) for _, source_id in share.citations)
    latest = max(donetsk("share", "russia", cutoff), key=lambda r: last_day(r["date"]))
    assert stated(float(latest["value"]), latest["qualifier"], latest["unit"]) in share.title
    assert share.chart.layout.xaxis.range[1] == dt.datetime(2025, 6, 1)  # the axis ends at as_of, never later


def test_wider_region_lists_every_figure_outside_donetsk_oblast(book, shown):
    outside = [r for r in rows("control") if r["region"] != "donetsk_oblast"]
    lines = [line for line in shown["wider"].data.splitlines() if line.startswith("- ")]
    assert len(lines) == len(outside)
    assert "said by independent observers; claimed\\, not independently verified" in shown["wider"].data


# --- Roads and railways ----------------------------------------------------------------------

def test_network_map_labels_stay_apart_and_legible_on_a_phone(shown):
    """At the size a phone shows it, the map keeps its drawn size (no label reaches past it to
    shrink the image), every text shows at 11 px or more, and no two labels' boxes overlap."""
    import matplotlib
    from pokrovsk import render

    fig = shown["map"].image
    width = fig.get_figwidth()
    render.legible_on_phones(fig)
    assert fig.get_figwidth() == pytest.approx(width)
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text().strip()]
    legend = [t for t in ax.get_legend().get_texts()] + [ax.get_legend().get_title()]
    width_in = fig.get_tightbbox().width + 2 * matplotlib.rcParams["savefig.pad_inches"]
    shown_px = min(t.get_fontsize() for t in labels + legend) / 72 * render.PHONE_COLUMN_CSS_PX / width_in
    assert shown_px >= render.SMALLEST_TEXT_CSS_PX
    boxes = [(t.get_text(), (t.get_bbox_patch() or t).get_window_extent(renderer)) for t in labels]
    overlapping = [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]
    assert len(labels) > 15 and overlapping == []
    numbered = {t.get_text() for t in labels}
    roads = {drawing.short_designation(e["designation"]) for e in rows("network_edges") if e["mode"] == "road"}
    left_out = sorted(roads - numbered)
    assert left_out == [] or f"leaves out the number{'s' if len(left_out) > 1 else ''}" in shown["map"].caption
    assert all(road in shown["map"].caption for road in left_out)


def test_network_map_counts_the_lines_and_directions_out_of_pokrovsk(shown):
    figure = shown["map"]
    at_home = [e for e in rows("network_edges") if "pokrovsk" in (e["from_place"], e["to_place"])]
    roads = {e["designation"] for e in at_home if e["mode"] == "road"}
    rails = {e["designation"] for e in at_home if e["mode"] == "rail"}
    geod = pyproj.Geod(ellps="WGS84")
    pokrovsk = place("pokrovsk")
    directions = set()
    for edge in at_home:
        other = place(edge["to_place"] if edge["from_place"] == "pokrovsk" else edge["from_place"])
        azimuth = geod.inv(float(pokrovsk["lon"]), float(pokrovsk["lat"]), float(other["lon"]), float(other["lat"]))[0]
        directions.add(COMPASS[round((azimuth % 360) / 45) % 8])
    assert figure.title.startswith(f"{len(roads)} roads and {len(rails)} railway lines")
    assert f"{len(directions)} different ways" in figure.title
    assert figure.image is not None and "schematic" in figure.long_description
    legend = figure.image.axes[0].get_legend()
    assert "Schematic" in legend.get_title().get_text()
    styles = {(line.get_color(), line.get_linestyle()) for line in legend.get_lines()[:3]}
    assert len(styles) == 3  # road, railway and uncertain link look different in colour or dash
    assert any(note.startswith("Basemap: ") for note in figure.notes)


def test_lines_paragraph_has_one_line_per_road_or_railway(shown):
    designations = {e["designation"] for e in rows("network_edges")}
    listed = [line for line in shown["lines"].data.splitlines() if line.startswith("- **")]
    assert len(listed) == len(designations)


def test_routes_lead_out_of_pokrovsk_to_kramatorsk_and_dnipro(shown):
    table = shown["routes"].data
    assert (table.loc[table["step"] == 0, "place_id"] == "pokrovsk").all()
    reached = set(table["place_id"]) - {"pokrovsk"}
    assert {"kramatorsk", "sloviansk", "dnipro", "mezhova", "pavlohrad", "kostiantynivka", "dobropillia"} <= reached
    assert "zaporizhzhia" not in reached  # only reachable by doubling back toward Pokrovsk
    pokrovsk = place("pokrovsk")
    furthest = max(reached, key=lambda p: utm_km(pokrovsk, place(p)))
    assert f"to {len(reached)} towns and cities" in shown["routes"].title
    assert f"{place(furthest)['name_en']} at {utm_km(pokrovsk, place(furthest)):.0f} km" in shown["routes"].title
    assert "claimed" in set(table["verification"])  # a link only one source reports is kept, dotted
    assert "Road to Dnipro via Pavlohrad" in set(table["route"])


def test_route_events_are_the_editors_choice_known_by_as_of(early_book):
    cutoff = dt.date.fromisoformat(EARLY)
    chosen = {r["event_id"] for r in rows("editorial") if r["chapter"] == "why" and r["role"] == "routes-under-fire"}
    expected = sorted((e for e in rows("events") if e["event_id"] in chosen and last_day(e["date"]) <= cutoff
                       and published_by(e["source_ids"], cutoff)), key=lambda e: last_day(e["date"]))
    assert [e.title for e in facts.route_events(early_book)] == [e["title"] for e in expected]


# --- The gateway argument and the mine -------------------------------------------------------

def test_distances_are_straight_lines_in_utm(shown):
    figure = shown["distances"]
    pokrovsk = place("pokrovsk")
    for place_id in facts.GATEWAY_CITIES:
        target = place(place_id)
        assert f"{utm_km(pokrovsk, target):.0f} km to {target['name_en']}" in figure.title
    expected = {place(p)["name_en"]: utm_km(pokrovsk, place(p)) for p in facts.DISTANCE_TARGETS}
    distances = dict(zip(figure.data["name"], figure.data["distance_km"]))
    assert distances.keys() == expected.keys()
    assert all(distances[name] == pytest.approx(km, abs=0.06) for name, km in expected.items())
    assert "straight-line" in figure.caption.lower() and "not road distances" in figure.caption


def test_gateway_paragraph_gives_distance_direction_and_population(shown):
    pokrovsk = place("pokrovsk")
    geod = pyproj.Geod(ellps="WGS84")
    for place_id in facts.GATEWAY_CITIES:
        city = place(place_id)
        azimuth = geod.inv(float(pokrovsk["lon"]), float(pokrovsk["lat"]), float(city["lon"]), float(city["lat"]))[0]
        assert (f"{city['name_en']} lies {utm_km(pokrovsk, city):.0f} km {COMPASS[round((azimuth % 360) / 45) % 8]}"
                .replace("-", "\\-")) in shown["gateway"].data
        assert f"{int(city['population']):,}".replace(",", "\\,") in shown["gateway"].data


def test_coking_coal_paragraph_keeps_claims_as_claims(shown, early_book):
    text = shown["coal"].data
    assert "Metinvest suspends Pokrovske Coal" in text and "{ref}`" in text
    claim = next(line for line in text.splitlines() if "Russia claims entry into the mine office" in line)
    assert "said by the Russian side; claimed\\, not independently verified" in claim
    december = Chapter.open(data_dir=str(DATA), as_of="2024-12-31")
    assert "Metinvest suspends Pokrovske Coal" not in book_coal(december)
    assert "Russia claims entry into the mine office" not in book_coal(early_book)


def book_coal(book: Chapter) -> str:
    return book.write("why.coking_coal", events=facts.mine_events(book)).data


def test_prose_respects_as_of(early_book):
    cutoff = dt.date.fromisoformat(EARLY)
    later = [e["title"] for e in rows("events") if last_day(e["date"]) > cutoff]
    for name, shown in chapter(early_book).items():
        if isinstance(shown, Markdown):
            assert not any(title in shown.data for title in later), name


def test_every_figure_cites_sources_that_exist(shown):
    known = {r["source_id"] for r in rows("sources")}
    built = [figure for figure in shown.values() if not isinstance(figure, Markdown)]
    names = [figure.name for figure in built]
    assert len(built) == 5 and len(set(names)) == len(names) and all(name.startswith("why-") for name in names)
    for figure in built:
        assert figure.citations and {source_id for _, source_id in figure.citations} <= known
        assert figure.alt.strip() and figure.title.strip() and figure.caption.strip()


def test_editorial_choices_of_the_chapter_name_events():
    events = {e["event_id"] for e in rows("events")}
    for role in ("routes-under-fire", "coking-coal", "gateway"):
        chosen = data.editorial_ids("why", role, DATA)
        assert chosen and set(chosen) <= events, role
