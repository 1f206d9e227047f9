"""Chapter 1, "Where is Pokrovsk": figures and facts agree with data/ (recomputed here)."""

from __future__ import annotations

import csv
import shutil

import pyproj
import pytest

from conftest import REPO, read_csv, write_csv
from pokrovsk.chapter import Chapter
from pokrovsk.chapters import where

DATA = REPO / "data"


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


def test_ukraine_map_names_the_nearest_city_at_its_true_distance(book):
    figure = where.ukraine_figure(book)
    pokrovsk = place("pokrovsk")
    distances = {place(p)["name_en"]: geodesic_km(pokrovsk, place(p)) for p in where.UKRAINE_CITIES}
    nearest = min(distances, key=distances.get)
    assert nearest in figure.title
    stated = int(figure.title.split(" km")[0].rsplit(" ", 1)[1])
    assert stated == pytest.approx(distances[nearest], abs=1.5)  # UTM vs geodesic: well under 1%
    assert figure.image is not None and figure.long_description and "Crimea" in figure.long_description


def test_population_figure_title_matches_the_data(book):
    figure = where.population_figure(book, "pokrovsk")
    assert f"{int(place('pokrovsk')['population']):,}" in figure.title
    wartime = [r for r in rows("populations") if r["place_id"] == "pokrovsk" and r["basis"] == "wartime_estimate"]
    lowest = min(wartime, key=lambda r: int(r["population"]))
    assert f"{int(lowest['population']):,}" in figure.title
    assert set(figure.data["population"]) == {int(r["population"]) for r in rows("populations") if r["place_id"] == "pokrovsk"}


def test_a_disputed_population_figure_is_drawn_apart_and_never_called_the_latest(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy, ignore=shutil.ignore_patterns("scripts"))
    header, table = read_csv(copy / "populations.csv")
    newest = max((r for r in table if r["place_id"] == "pokrovsk"), key=lambda r: r["date"])
    newest["verification"] = "disputed"  # the latest count, were it contradicted, must not be called the latest
    write_csv(copy / "populations.csv", header, table)
    figure = where.population_figure(Chapter.open(data_dir=str(copy), basemap="offline"), "pokrovsk")
    ours = [r for r in table if r["place_id"] == "pokrovsk"]
    disputed = [r for r in ours if r["verification"] == "disputed"]
    undisputed = sorted((r for r in ours if r["verification"] != "disputed"), key=lambda r: r["date"])
    latest = undisputed[-1]
    assert f"{int(latest['population']):,}" in figure.alt.split("down to the latest, ")[1].split(".")[0]
    line = next(t for t in figure.chart.data if t.mode == "lines")
    assert len(line.x) == len(undisputed) and str(max(line.x))[:7] == latest["date"][:7]
    apart = next(t for t in figure.chart.data if t.name == "Disputed figure")
    assert list(apart.y) == [int(r["population"]) for r in disputed] and apart.marker.symbol == "circle-open"


def test_region_map_counts_the_lines_that_meet_at_pokrovsk_as_chapter_two_does(book):
    figure = where.region_figure(book, radius_km=20)
    at_home = [e for e in rows("network_edges") if "pokrovsk" in (e["from_place"], e["to_place"])]
    roads = len({e["designation"] for e in at_home if e["mode"] == "road"})
    rails = len({e["designation"] for e in at_home if e["mode"] == "rail"})
    assert f"sits where {roads} roads and {rails} railway lines meet" in figure.title


def test_key_facts_carry_both_population_figures_and_the_mine(book):
    text = where.key_facts(book).data
    assert "60,127" in text and "69,154" in text
    assert "Metinvest suspends Pokrovske Coal" in text
    assert "{ref}`" in text  # every fact links its sources


def test_key_facts_respect_as_of():
    before_the_mine_closed = Chapter.open(data_dir=str(DATA), as_of="2024-12-31")
    text = where.key_facts(before_the_mine_closed).data
    assert "Metinvest suspends Pokrovske Coal" not in text
    assert "Technical university ordered to Krasnoarmiisk" in text


def test_region_map_counts_places_within_the_radius(book):
    figure = where.region_figure(book, radius_km=20)
    pokrovsk = place("pokrovsk")
    inside = [r for r in rows("places") if r["lat"] and r["place_id"] != "pokrovsk" and r["kind"] not in ("station", "mine")
              and geodesic_km(pokrovsk, r) < 20]
    assert f"{len(inside)} settlements within 20 km" in figure.title
    assert {"Myrnohrad", "Rodynske", "Selydove"} <= set(figure.data["name_en"])
    assert any("Basemap: offline" in note for note in figure.notes)


def test_every_figure_cites_sources_that_exist(book):
    known = {r["source_id"] for r in rows("sources")}
    for figure in (where.europe_figure(book), where.ukraine_figure(book), where.region_figure(book),
                   where.population_figure(book)):
        assert figure.citations and {source_id for _, source_id in figure.citations} <= known
        assert figure.alt.strip()
