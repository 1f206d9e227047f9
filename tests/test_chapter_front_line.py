"""Chapter 5, "The front line, day by day": figures from a small store built here from fixture
files in both DeepState formats, checked against figures worked out by hand from the fixture's
shapes (drawn on the UTM grid, so their areas are exact) and against data/."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import nbformat
import pyproj
import pytest

from conftest import REPO, pokrovsk
from fixtures_frontlines import CENTRE_LAT, CENTRE_LON, RAW_OCCUPIED_KM2_WITHIN_30, square, write_daily, write_raw
from pokrovsk.chapter import Chapter
from pokrovsk.chapters import front_line
from pokrovsk.frontlines.metrics import area_column, frontline_metrics
from pokrovsk.frontlines.store import FrontlineStore, import_files

DATA = REPO / "data"
TO_UTM = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
CENTRE_X, CENTRE_Y = TO_UTM.transform(CENTRE_LON, CENTRE_LAT)

RAW_DAY = dt.date(2024, 1, 1)  # DeepState's own export: the only date with a grey zone
EAST = square(10, -1, 2)  # 4 km², 10 km east: inside 15 and 30 km, outside 10 km
NEAR = square(1, 1, 2)  # 4 km² inside 5 km
CENTRE = square(-1, -1, 2)  # 4 km² around the centre; it touches NEAR only at one corner
FIRST_WITH_CENTRE = dt.date(2024, 8, 1)


def rows(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def place_square(place_id: str, side_km: float = 1.0) -> list[list[float]]:
    """A square of ``side_km`` centred on a place of data/places.csv."""
    place = next(row for row in rows("places") if row["place_id"] == place_id)
    x, y = TO_UTM.transform(float(place["lon"]), float(place["lat"]))
    east, north = (x - CENTRE_X) / 1000, (y - CENTRE_Y) / 1000
    return square(east - side_km / 2, north - side_km / 2, side_km)


# Selydove (about 17 km out, so its 1 km² counts within 30 km only) falls on the map in
# February 2024, eight months before Russia's claim: the disagreement. Avdiivka falls between the
# maps of 1 Feb and 1 Mar 2024, around Ukraine's withdrawal on 17 Feb: the agreement.
DAILY = {
    dt.date(2024, 2, 1): [EAST, place_square("selydove")],
    dt.date(2024, 3, 1): [EAST, place_square("selydove"), place_square("avdiivka")],
    dt.date(2024, 3, 15): [EAST, place_square("selydove"), place_square("avdiivka"), NEAR],
    dt.date(2024, 5, 1): [EAST, place_square("selydove"), place_square("avdiivka"), NEAR],
    FIRST_WITH_CENTRE: [EAST, place_square("selydove"), place_square("avdiivka"), NEAR, CENTRE],
    dt.date(2024, 9, 10): [EAST, place_square("selydove"), place_square("avdiivka"), NEAR, CENTRE],
}
KM2_WITHIN_30 = {RAW_DAY: RAW_OCCUPIED_KM2_WITHIN_30, dt.date(2024, 2, 1): 5.0, dt.date(2024, 3, 1): 5.0,
                 dt.date(2024, 3, 15): 9.0, dt.date(2024, 5, 1): 9.0, FIRST_WITH_CENTRE: 13.0,
                 dt.date(2024, 9, 10): 13.0}
MONTH_FIRSTS = [RAW_DAY, dt.date(2024, 2, 1), dt.date(2024, 3, 1), dt.date(2024, 5, 1), FIRST_WITH_CENTRE,
                dt.date(2024, 9, 10)]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    files = tmp_path_factory.mktemp("files")
    write_raw(files, dt.datetime(2024, 1, 1, 2, 0, tzinfo=dt.UTC))
    for day, rings in DAILY.items():
        write_daily(files, day, rings)
    folder = tmp_path_factory.mktemp("store")
    import_files([files], folder)
    return folder


@pytest.fixture(scope="module")
def book(store_dir) -> Chapter:
    return Chapter.open(data_dir=str(DATA), frontlines=str(store_dir))


@pytest.fixture(scope="module")
def early_book(store_dir) -> Chapter:
    return Chapter.open(data_dir=str(DATA), frontlines=str(store_dir), as_of="2024-06-30")


def known_sources() -> set[str]:
    return {row["source_id"] for row in rows("sources")}


def test_without_a_store_the_chapter_is_one_line_saying_how_to_add_it():
    book = Chapter.open(data_dir=str(DATA))
    note = front_line.edition_note(book).data
    assert "not in this edition" in note and "\n" not in note
    for command in ("pokrovsk frontlines import", "pokrovsk frontlines fetch", "pokrovsk build --frontlines"):
        assert command in note
    assert front_line.map_figure(book) is None and front_line.area_figure(book) is None
    assert front_line.distance_figure(book) is None and front_line.settlement_figure(book) is None
    assert front_line.splice_paragraph(book) is None and front_line.settlement_paragraph(book) is None


def test_the_notebook_runs_without_a_store(tmp_path):
    output = tmp_path / "05_front_line.ipynb"
    result = pokrovsk("run", "notebooks/05_front_line.ipynb", "--output", str(output), cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = [output_ for cell in nbformat.read(output, as_version=4).cells if cell.cell_type == "code"
             for output_ in cell.outputs]
    assert len(shown) == 1 and "not in this edition" in shown[0]["data"]["text/markdown"]


def test_edition_note_names_both_archives_and_the_dates(book):
    note = front_line.edition_note(book).data
    assert "7 dated DeepState maps" in note and "1 Jan 2024 to 10 Sep 2024" in note
    assert "cyterat" in note and "raw snapshots" in note


def test_the_map_has_one_frame_per_month_and_a_slider(book):
    figure = front_line.map_figure(book)
    chart = figure.chart
    assert [frame.name for frame in chart.frames] == [day.isoformat() for day in MONTH_FIRSTS]
    slider = chart.layout.sliders[0]
    assert [list(step.args[0]) for step in slider.steps] == [[day.isoformat()] for day in MONTH_FIRSTS]
    assert slider.active == len(MONTH_FIRSTS) - 1
    assert any(button.label.endswith("Play") for button in chart.layout.updatemenus[0].buttons)
    # Offline vectors only: no tiled or topojson trace types, axes in kilometres at equal scale.
    assert {trace.type for trace in chart.data} == {"scatter"}
    assert {trace.type for frame in chart.frames for trace in frame.data} == {"scatter"}
    assert chart.layout.yaxis.scaleanchor == "x" and chart.layout.yaxis.scaleratio == 1
    grey = {frame.name: [x for x in frame.data[1].x if x is not None] for frame in chart.frames}
    assert grey[RAW_DAY.isoformat()] and not any(grey[day.isoformat()] for day in MONTH_FIRSTS[1:])
    assert len(chart.to_json()) < 1_500_000


def test_the_map_title_states_the_area_at_the_first_and_last_month(book):
    figure = front_line.map_figure(book)
    first, last = KM2_WITHIN_30[MONTH_FIRSTS[0]], KM2_WITHIN_30[MONTH_FIRSTS[-1]]
    assert figure.title == (f"DeepState's map shows {last:,.0f} km² occupied within 30 km of Pokrovsk on "
                            f"10 Sep 2024, up from {first:,.0f} km² on 1 Jan 2024")
    assert "cyterat/deepstate-map-data" in figure.caption and "raw export" in figure.caption
    assert "no file for Apr 2024, Jun 2024, Jul 2024" in figure.caption
    assert figure.long_description and figure.alt


def test_the_area_chart_plots_the_metrics(book, store_dir):
    figure = front_line.area_figure(book)
    metrics = frontline_metrics(FrontlineStore.open(store_dir), None, front_line.RADII_KM)
    lines = {trace.name: trace for trace in figure.chart.data if trace.mode == "lines"}
    for radius in front_line.RADII_KM:
        assert list(lines[f"Within {radius:g} km"].y) == pytest.approx(list(metrics[area_column("occupied", radius)]))
    by_hand = [KM2_WITHIN_30[day] for day in sorted(KM2_WITHIN_30)]
    assert list(lines["Within 30 km"].y) == pytest.approx(by_hand, abs=1e-3)
    assert figure.title == ("DeepState first showed occupied ground within 5 km of Pokrovsk's centre on "
                            "15 Mar 2024; by 10 Sep 2024 it covered 8 of that circle's 79 km²")


def test_the_distance_chart_reaches_the_centre_when_the_fixture_does(book):
    figure = front_line.distance_figure(book)
    assert figure.title == ("DeepState's occupied area reached the centre of Pokrovsk on 1 Aug 2024; "
                            "on 1 Jan 2024 it was 18.0 km away")
    reported = [trace for trace in figure.chart.data if trace.name and trace.name.startswith("Reported")]
    assert reported  # the press figures of data/reported_distances.csv from the store's first date on
    assert {source_id for _, source_id in figure.citations} <= known_sources()


def test_the_splice_paragraph_says_where_the_sources_join(book):
    text = front_line.splice_paragraph(book).data
    assert "**1 Feb 2024**: from the raw export (1 Jan 2024) to the daily archive, 31 days later" in text
    assert "grey zone" in text and "disappears" in text


def test_settlement_comparison_shows_agreement_and_disagreement(book):
    comparison = front_line.capture_comparison(book).set_index("event_id")
    selydove = comparison.loc["2024-10-29-selydove-claimed"]
    assert selydove["verdict"] == front_line.MAP_EARLIER
    assert selydove["days_apart"] == (dt.date(2024, 10, 29) - dt.date(2024, 2, 1)).days
    avdiivka = comparison.loc["2024-02-17-avdiivka-withdrawal"]
    assert avdiivka["verdict"] == front_line.AGREES and avdiivka["last_outside_before"] == dt.date(2024, 2, 1)
    assert comparison.loc["2024-09-08-novohrodivka-claimed", "verdict"] == front_line.NOT_SHOWN
    assert comparison.loc["2025-01-06-kurakhove-claimed", "verdict"] == front_line.UNCHECKABLE

    figure = front_line.settlement_figure(book)
    assert figure.title.startswith("1 of 13 reported capture dates fall between")
    notes = {annotation.y: annotation.text for annotation in figure.chart.layout.annotations}
    assert notes["Selydove"] == "map 271 d earlier" and notes["Avdiivka"] == "agrees"
    assert {source_id for _, source_id in figure.citations} <= known_sources()
    text = front_line.settlement_paragraph(book).data
    assert "the map showed it inside 271 days before" in text and "this falls between the two maps" in text


def test_as_of_cuts_frames_dates_and_reports(early_book):
    frames = [frame.name for frame in front_line.map_figure(early_book).chart.frames]
    assert frames == [day.isoformat() for day in MONTH_FIRSTS if day <= early_book.as_of]
    area_dates = front_line.area_figure(early_book).data["date"]
    assert max(area_dates) <= early_book.as_of
    assert "(2) are left out" in front_line.edition_note(early_book).data
    events = set(front_line.capture_comparison(early_book)["event_id"])
    assert "2024-02-17-avdiivka-withdrawal" in events and "2024-10-29-selydove-claimed" not in events


def test_every_figure_cites_sources_that_exist(book):
    for figure in (front_line.map_figure(book), front_line.area_figure(book), front_line.distance_figure(book),
                   front_line.settlement_figure(book)):
        assert figure.citations and {source_id for _, source_id in figure.citations} <= known_sources()
        assert figure.alt.strip() and figure.name.startswith("front-line")
