"""Chapter 1, "Where is Pokrovsk": figures and paragraphs agree with data/ (recomputed here with
the standard library), and every edition from the fall of Avdiivka on tells only what was known
by its date."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import inspect
import re
import shutil

import matplotlib.pyplot as plt
import pyproj
import pytest
from IPython.display import Markdown

from conftest import REPO, read_csv, write_csv
from later_dates import dates_after
from pokrovsk import render, words
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.where import facts, figures

DATA = REPO / "data"
EDITIONS = ["2024-02-17", "2024-05-01", "2024-08-15", "2024-11-30", "2025-01-15", "2025-06-01", "2025-10-15",
            "2025-12-05", "2026-02-15", None]
"""From the fall of Avdiivka, where the book's period starts, to the latest date in the data (None)."""


@pytest.fixture(scope="module")
def book():
    return Chapter.open(data_dir=str(DATA), basemap="offline")


def rows(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def place(place_id: str) -> dict[str, str]:
    return next(row for row in rows("places") if row["place_id"] == place_id)


def geodesic_km(a: dict, b: dict) -> float:
    return pyproj.Geod(ellps="WGS84").inv(float(a["lon"]), float(a["lat"]), float(b["lon"]), float(b["lat"]))[2] / 1000


def last_day(value: str) -> dt.date:
    """The last day a YYYY, YYYY-MM or YYYY-MM-DD date can mean."""
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        return dt.date(parts[0], parts[1], calendar.monthrange(*parts)[1])
    return dt.date(*parts)


def published_after(as_of: dt.date) -> set[str]:
    return {r["source_id"] for r in rows("sources") if r["date_published"] and last_day(r["date_published"]) > as_of}


def plain(markdown: str) -> str:
    """Markdown as the reader sees its characters: backslash escapes undone."""
    return re.sub(r"\\(.)", r"\1", markdown)


def everything(book: Chapter) -> tuple[list[render.BookFigure | Markdown], list[Markdown]]:
    """Every figure and paragraph of the chapter at the book's as_of, by every public function."""
    locator = facts.locator(book)
    population = facts.population(book)
    shown = [figures.europe(locator, book), figures.ukraine(locator, book), figures.region(facts.region(book), book),
             figures.population(population, book)]
    if population.latest is not None:
        assert figures.population_chart(population, book).data
    paragraphs = [book.write("where.key_facts", **vars(facts.key_facts(book))),
                  book.write("where.names", **vars(facts.names(book)))]
    return shown, paragraphs


def test_the_edition_sweep_calls_every_public_function():
    called = set(re.findall(r"(?:facts|figures)\.(\w+)\(", inspect.getsource(everything)))
    public = {f"{name}" for module in (facts, figures) for name, member in inspect.getmembers(module, inspect.isfunction)
              if member.__module__ == module.__name__ and not name.startswith("_")}
    assert public == called


@pytest.mark.parametrize("as_of", EDITIONS)
def test_every_edition_builds_and_nothing_later_leaks(as_of):
    book = Chapter.open(data_dir=str(DATA), basemap="offline", **({"as_of": as_of} if as_of else {}))
    later = published_after(book.as_of)
    shown, paragraphs = everything(book)
    for item in shown:
        if isinstance(item, Markdown):
            paragraphs.append(item)
            continue
        text = " ".join([item.title, item.alt, item.caption, item.long_description or "",
                         item.chart.to_json() if item.chart is not None else "", *(label for label, _ in item.citations)])
        assert dates_after(text, book.as_of) == [], item.name
        assert not {source_id for _, source_id in item.citations} & later, item.name
        if item.image is not None:
            plt.close(item.image)
    for paragraph in paragraphs:
        assert dates_after(paragraph.data, book.as_of) == []
        assert not set(re.findall(r"<source-([^>]+)>", paragraph.data)) & later


def test_before_any_wartime_estimate_the_population_chart_says_so():
    book = Chapter.open(data_dir=str(DATA), as_of="2024-02-17")
    figure = figures.population(facts.population(book), book)
    wartime = [r for r in rows("populations") if r["place_id"] == "pokrovsk" and r["basis"] == "wartime_estimate"]
    assert min(last_day(r["date"]) for r in wartime) > book.as_of
    assert figure.title.endswith("no wartime estimate had been published by 17 Feb 2024")
    assert "wartime estimates down to" not in figure.alt
    assert set(figure.data["basis"]) == {"census", "estimate"}


def test_a_place_without_figures_gets_a_sentence_not_an_error():
    book = Chapter.open(data_dir=str(DATA), as_of="2025-06-01")
    assert not [r for r in rows("populations") if r["place_id"] == "kotlyne"]
    shown = figures.population(facts.population(book, "kotlyne"), book)
    assert isinstance(shown, Markdown)
    assert plain(shown.data) == "No population figure for Kotlyne had been published by 1 Jun 2025."


def test_a_link_known_only_from_later_sources_is_drawn_but_named_uncited():
    book = Chapter.open(data_dir=str(DATA), as_of="2024-05-01")
    record = facts.region(book)
    later = published_after(book.as_of)
    drawn = {edge_id for edge_id in record.network["edge_id"]}
    uncited = {e["designation"] for e in rows("network_edges")
               if e["edge_id"] in drawn and set(e["source_ids"].split(";")) <= later}
    assert uncited and set(record.uncited_links) == uncited
    figure = figures.region(record, book)
    assert f"not cited in this edition: {words.listing(record.uncited_links)}." in figure.caption
    plt.close(figure.image)


def test_ukraine_map_names_the_nearest_city_at_its_true_distance(book):
    figure = figures.ukraine(facts.locator(book), book)
    pokrovsk = place("pokrovsk")
    distances = {place(p)["name_en"]: geodesic_km(pokrovsk, place(p)) for p in facts.UKRAINE_CITIES}
    nearest = min(distances, key=distances.get)
    assert nearest in figure.title
    stated = int(figure.title.split(" km")[0].rsplit(" ", 1)[1])
    assert stated == pytest.approx(distances[nearest], abs=1.5)  # UTM vs geodesic: well under 1%
    assert figure.image is not None and figure.long_description and "Crimea" in figure.long_description


def test_population_figure_title_matches_the_data(book):
    figure = figures.population(facts.population(book, "pokrovsk"), book)
    assert f"{int(place('pokrovsk')['population']):,} people" in figure.title
    wartime = [r for r in rows("populations") if r["place_id"] == "pokrovsk" and r["basis"] == "wartime_estimate"]
    lowest = min(wartime, key=lambda r: int(r["population"]))
    assert words.amount(int(lowest["population"]), "people", lowest["qualifier"]) in figure.title
    assert set(figure.data["population"]) == {int(r["population"]) for r in rows("populations") if r["place_id"] == "pokrovsk"}


def test_a_disputed_population_figure_is_drawn_apart_and_never_called_the_latest(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy, ignore=shutil.ignore_patterns("scripts"))
    header, table = read_csv(copy / "populations.csv")
    newest = max((r for r in table if r["place_id"] == "pokrovsk"), key=lambda r: r["date"])
    newest["verification"] = "disputed"  # the latest count, were it contradicted, must not be called the latest
    write_csv(copy / "populations.csv", header, table)
    edition = Chapter.open(data_dir=str(copy), basemap="offline")
    figure = figures.population(facts.population(edition, "pokrovsk"), edition)
    ours = [r for r in table if r["place_id"] == "pokrovsk"]
    disputed = [r for r in ours if r["verification"] == "disputed"]
    undisputed = sorted((r for r in ours if r["verification"] != "disputed"), key=lambda r: r["date"])
    latest = undisputed[-1]
    assert f"down to the latest, {words.amount(int(latest['population']), 'people', latest['qualifier'])}" in figure.alt
    line = next(t for t in figure.chart.data if t.mode == "lines")
    assert len(line.x) == len(undisputed) and str(max(line.x))[:7] == latest["date"][:7]
    apart = next(t for t in figure.chart.data if t.name == words.say("where.labels.basis.disputed"))
    assert list(apart.y) == [int(r["population"]) for r in disputed] and apart.marker.symbol == "circle-open"
    assert "(disputed)" in apart.hovertext[0] and "text" in apart.hoverinfo


def test_region_map_counts_the_lines_that_meet_at_pokrovsk_as_chapter_two_does(book):
    figure = figures.region(facts.region(book, radius_km=20), book)
    at_home = [e for e in rows("network_edges") if "pokrovsk" in (e["from_place"], e["to_place"])]
    roads = len({e["designation"] for e in at_home if e["mode"] == "road"})
    rails = len({e["designation"] for e in at_home if e["mode"] == "rail"})
    assert f"sits where {roads} roads and {rails} railway lines meet" in figure.title


def test_key_facts_carry_both_population_figures_and_the_renaming(book):
    text = book.write("where.key_facts", **vars(facts.key_facts(book))).data
    assert "60,127" in plain(text) and "69,154" in plain(text)
    renaming = next(r["title"] for r in rows("events") if r["event_id"] == "2016-05-12-rada-renames-pokrovsk")
    assert plain(renaming) in plain(text)
    assert "Metinvest suspends Pokrovske Coal" not in text  # chapter 2's, told once
    assert "{ref}`" in text  # every fact links its sources


def test_key_facts_follow_the_editors_order_and_respect_as_of():
    before_the_mine_closed = Chapter.open(data_dir=str(DATA), as_of="2024-12-31")
    record = facts.key_facts(before_the_mine_closed)
    chosen = sorted((r for r in rows("editorial") if r["chapter"] == "where" and r["role"] == "key_fact"),
                    key=lambda r: int(r["rank"]))
    happened = {r["event_id"] for r in rows("events") if last_day(r["date"]) <= before_the_mine_closed.as_of}
    shown = [event.event_id for event in record.events]
    assert shown == [r["event_id"] for r in chosen if r["event_id"] in shown]
    assert set(shown) <= happened and "2025-01-14-metinvest-suspends-mine" not in shown
    assert "2014-10-03-donntu-relocation-order" in shown


def test_region_map_counts_places_within_the_radius(book):
    figure = figures.region(facts.region(book, radius_km=20), book)
    pokrovsk = place("pokrovsk")
    inside = [r for r in rows("places") if r["lat"] and r["place_id"] != "pokrovsk" and r["kind"] not in ("station", "mine")
              and geodesic_km(pokrovsk, r) < 20]
    assert f"{len(inside)} settlements within 20 km" in figure.title
    assert {"Myrnohrad", "Rodynske", "Selydove"} <= set(figure.data["name"])
    assert any(note.startswith("Basemap: ") for note in figure.notes)


def test_names_list_every_name_of_the_place_once(book):
    text = plain(book.write("where.names", **vars(facts.names(book))).data)
    ours = [r for r in rows("place_names") if r["place_id"] == "pokrovsk"]
    assert all(text.count(f"**{r['name']}** ({r['language']})") == 1 for r in ours)
    assert "- Since 22 May 2016: **Pokrovsk** (en)" in text


def test_every_figure_cites_sources_that_exist(book):
    known = {r["source_id"] for r in rows("sources")}
    locator = facts.locator(book)
    for figure in (figures.europe(locator, book), figures.ukraine(locator, book),
                   figures.region(facts.region(book), book), figures.population(facts.population(book), book)):
        assert figure.citations and {source_id for _, source_id in figure.citations} <= known
        assert figure.alt.strip()


@pytest.mark.parametrize("language", ["en", "uk"])
def test_the_region_map_fills_its_image_in_every_language(language):
    """Its legend sits under the map, no wider than the map. Side by side, the Ukrainian entries
    were wider than the map, and the layout shrank the map to a strip under a third of the image
    wide, its names piled on each other."""
    book = Chapter.open(data_dir=str(DATA), basemap="offline", language=language)
    try:
        image = figures.region(facts.region(book), book).image
    finally:
        words.set_language(words.DEFAULT_LANGUAGE)
    renderer = image.canvas.get_renderer()
    map_area = image.axes[0]
    map_area.apply_aspect()
    map_width = map_area.get_window_extent(renderer).width
    assert map_area.get_legend().get_window_extent(renderer).width <= map_width
    assert map_width >= 0.8 * image.get_tightbbox(renderer).width * image.dpi
