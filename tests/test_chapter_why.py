"""Chapter 2, "Why Russia wants Pokrovsk": figures and facts agree with data/ (recomputed here
from the CSV files with the csv module and pyproj, not through the chapter's code)."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math

import pyproj
import pytest

from conftest import REPO
from pokrovsk import data
from pokrovsk.chapter import Chapter
from pokrovsk.chapters import why

DATA = REPO / "data"
EARLY = "2025-06-01"
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


def utm_km(a: dict, b: dict) -> float:
    ax, ay = TO_UTM.transform(float(a["lon"]), float(a["lat"]))
    bx, by = TO_UTM.transform(float(b["lon"]), float(b["lat"]))
    return math.hypot(bx - ax, by - ay) / 1000


def stated(value: float, qualifier: str, unit: str) -> str:
    words = {"exact": "", "about": "about ", "more_than": "more than ", "less_than": "less than "}[qualifier]
    return f"{words}{value:,g}{'%' if unit == 'percent' else ' km²'}"


@pytest.fixture(scope="module")
def book():
    return Chapter.open(data_dir=str(DATA), basemap="offline")


@pytest.fixture(scope="module")
def early_book():
    return Chapter.open(data_dir=str(DATA), basemap="offline", as_of=EARLY)


@pytest.fixture(scope="module")
def figures(book):
    return {name: build(book) for name, build in (
        ("share", why.control_share_figure), ("area", why.control_area_figure), ("map", why.network_map_figure),
        ("routes", why.routes_figure), ("distances", why.distance_figure))}


def donetsk(measure: str, holder: str, as_of: dt.date) -> list[dict[str, str]]:
    """Rows known at as_of: dated by then, with a source published by then."""
    known = set(data.load_control(str(DATA), as_of)["control_id"])
    return [r for r in rows("control") if r["region"] == "donetsk_oblast" and r["measure"] == measure
            and r["holder"] == holder and last_day(r["date"]) <= as_of and r["control_id"] in known]


def test_share_title_gives_the_first_and_latest_russian_share(book, figures):
    russian = donetsk("share", "russia", book.as_of)
    first = min(russian, key=lambda r: last_day(r["date"]))
    latest = max(russian, key=lambda r: last_day(r["date"]))
    title = figures["share"].title
    assert stated(float(first["value"]), first["qualifier"], first["unit"]) in title
    assert stated(float(latest["value"]), latest["qualifier"], latest["unit"]) in title
    assert set(figures["share"].data["measure"]) == {"share"}  # shares and areas never share an axis
    assert set(figures["share"].data["control_id"]) == {r["control_id"] for holder in ("russia", "ukraine")
                                                        for r in donetsk("share", holder, book.as_of)}


def test_area_title_gives_the_spread_of_the_latest_ukrainian_estimates(book, figures):
    ukrainian = donetsk("area", "ukraine", book.as_of)
    newest = max(last_day(r["date"]) for r in ukrainian)
    values = sorted(float(r["value"]) for r in ukrainian if last_day(r["date"]) == newest)
    title = figures["area"].title
    assert f"{values[0]:,g} km²" in title and f"{values[-1]:,g} km²" in title
    assert set(figures["area"].data["unit"]) == {"km2"}


def test_control_charts_show_qualifiers_and_mark_unsupported_claims(figures):
    legend = {trace.name for trace in figures["share"].chart.data if trace.showlegend is not False and trace.name}
    holders = {f"Held by {r['holder'].title()}" for r in rows("control")
               if r["region"] == "donetsk_oblast" and r["measure"] == "share"}
    assert {"“About”", "“More than”", "Hollow: claimed, not independently verified", *holders} <= legend
    symbols = {trace.marker.symbol for trace in figures["share"].chart.data if trace.hovertemplate}
    assert any(symbol.endswith("-open") for symbol in symbols)


def test_control_figures_drop_rows_and_sources_after_an_earlier_as_of(early_book):
    cutoff = dt.date.fromisoformat(EARLY)
    published = {r["source_id"]: r["date_published"] for r in rows("sources")}
    for figure in (why.control_share_figure(early_book), why.control_area_figure(early_book)):
        assert all(last_day(date) <= cutoff for date in figure.data["date"])
        assert all(not published[source_id] or last_day(published[source_id]) <= cutoff
                   for _, source_id in figure.citations)
    share = why.control_share_figure(early_book)
    before = [r for r in donetsk("share", "russia", cutoff)
              if all(last_day(published[i]) <= cutoff for i in r["source_ids"].split(";") if published[i])]
    latest = max(before, key=lambda r: last_day(r["date"]))
    assert stated(float(latest["value"]), latest["qualifier"], latest["unit"]) in share.title


def test_distances_are_straight_lines_in_utm(figures):
    figure = figures["distances"]
    pokrovsk = place("pokrovsk")
    for place_id in why.GATEWAY_CITIES:
        target = place(place_id)
        assert f"{utm_km(pokrovsk, target):.0f} km to {target['name_en']}" in figure.title
    expected = {place(p)["name_en"]: utm_km(pokrovsk, place(p)) for p in why.DISTANCE_TARGETS}
    shown = dict(zip(figure.data["name_en"], figure.data["distance_km"]))
    assert shown.keys() == expected.keys()
    assert all(shown[name] == pytest.approx(km, abs=0.06) for name, km in expected.items())
    assert "straight-line" in figure.caption.lower() and "not road distances" in figure.caption


def test_network_map_counts_the_lines_and_directions_out_of_pokrovsk(figures):
    figure = figures["map"]
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
    assert any("Basemap: offline" in note for note in figure.notes)


def test_routes_lead_out_of_pokrovsk_to_kramatorsk_and_dnipro(figures):
    table = figures["routes"].data
    assert (table.loc[table["step"] == 0, "place_id"] == "pokrovsk").all()
    reached = set(table["place_id"]) - {"pokrovsk"}
    assert {"kramatorsk", "sloviansk", "dnipro", "mezhova", "pavlohrad", "kostiantynivka", "dobropillia"} <= reached
    assert "zaporizhzhia" not in reached  # only reachable by doubling back toward Pokrovsk
    pokrovsk = place("pokrovsk")
    furthest = max(reached, key=lambda p: utm_km(pokrovsk, place(p)))
    assert f"to {len(reached)} towns and cities" in figures["routes"].title
    assert f"{place(furthest)['name_en']} at {utm_km(pokrovsk, place(furthest)):.0f} km" in figures["routes"].title
    assert "claimed" in set(table["verification"])  # a link only one source reports is kept, dotted


def test_coking_coal_paragraph_keeps_claims_as_claims(book, early_book):
    text = why.coking_coal_paragraph(book).data
    assert "Metinvest suspends Pokrovske Coal" in text and "{ref}`" in text
    claim = next(line for line in text.splitlines() if "Russia claims entry into the mine office" in line)
    assert "said by the Russian side; claimed, not independently verified" in claim
    assert "Metinvest suspends Pokrovske Coal" not in why.coking_coal_paragraph(
        Chapter.open(data_dir=str(DATA), as_of="2024-12-31")).data
    assert "Russia claims entry into the mine office" not in why.coking_coal_paragraph(early_book).data


def test_prose_respects_as_of(early_book):
    cutoff = dt.date.fromisoformat(EARLY)
    later = [e["title"] for e in rows("events") if last_day(e["date"]) > cutoff]
    for paragraph in (why.routes_events_paragraph, why.gateway_paragraph, why.control_context_paragraph):
        text = paragraph(early_book).data
        assert not any(title in text for title in later), paragraph.__name__


def test_every_figure_cites_sources_that_exist(figures):
    known = {r["source_id"] for r in rows("sources")}
    names = [figure.name for figure in figures.values()]
    assert len(set(names)) == len(names) and all(name.startswith("why-") for name in names)
    for figure in figures.values():
        assert figure.citations and {source_id for _, source_id in figure.citations} <= known
        assert figure.alt.strip() and figure.title.strip() and figure.caption.strip()
