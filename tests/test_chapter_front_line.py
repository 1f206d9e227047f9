"""Chapter 5, "The front line, day by day": figures from a small store built here from fixture
files in both DeepState formats, checked against figures worked out by hand from the fixture's
shapes (drawn on the UTM grid, so their areas are exact) and against data/ read with the standard
library; and at every as_of of the book's period, with and without a store, nothing later leaks."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
from pathlib import Path

import nbformat
import pyproj
import pytest

from conftest import REPO, pokrovsk
from fixtures_frontlines import CENTRE_LAT, CENTRE_LON, RAW_OCCUPIED_KM2_WITHIN_30, square, write_daily, write_raw
from later_dates import dates_after
from IPython.display import Markdown
from pokrovsk import data, render
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.front_line import animation, capture_facts, facts, figures
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


def published_after(as_of: dt.date) -> set[str]:
    """Sources first out after ``as_of`` (a month or year counts from its first day)."""
    return {row["source_id"] for row in rows("sources")
            if row["date_published"] and dt.date.fromisoformat((row["date_published"] + "-01-01")[:10]) > as_of}


def cited(figure: render.BookFigure) -> set[str]:
    return {source_id for _, source_id in figure.citations}


def chapter(book: Chapter) -> dict:
    """Every figure and paragraph of the chapter, as the notebook builds them."""
    captures = capture_facts.captures(book)
    return {
        "edition_note": figures.edition_note(facts.edition(book), book),
        "map": animation.map_figure(facts.monthly_map(book), book),
        "areas": figures.area_figure(facts.areas(book), book),
        "distance": figures.distance_figure(facts.distances(book), book),
        "splice": figures.splice_paragraph(facts.splice(book), book),
        "captures": figures.capture_figure(captures, book),
        "capture_paragraph": figures.capture_paragraph(captures, book),
    }


def reader_text(shown) -> str:
    """What a reader can see of a figure or paragraph: its words, citations and chart JSON."""
    if isinstance(shown, Markdown):
        return shown.data
    return "\n".join([shown.title, shown.alt, shown.caption, shown.long_description or "",
                      *(label for label, _ in shown.citations), shown.chart.to_json()])


def test_without_a_store_the_chapter_is_one_line_saying_how_to_add_it():
    book = Chapter.open(data_dir=str(DATA))
    shown = chapter(book)
    note = shown.pop("edition_note").data
    assert "not in this edition" in note and "\n" not in note
    for command in ("pokrovsk frontlines import", "pokrovsk frontlines fetch", "pokrovsk build --frontlines"):
        assert command in note
    assert shown == dict.fromkeys(shown)  # every figure and paragraph: None, shown as nothing


def test_the_notebook_runs_without_a_store(tmp_path):
    output = tmp_path / "05_front_line.ipynb"
    result = pokrovsk("run", "notebooks/05_front_line.ipynb", "--output", str(output), cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = [output_ for cell in nbformat.read(output, as_version=4).cells if cell.cell_type == "code"
             for output_ in cell.outputs]
    assert len(shown) == 1 and "not in this edition" in shown[0]["data"]["text/markdown"]


def test_edition_note_names_both_archives_and_the_dates(book):
    note = figures.edition_note(facts.edition(book), book).data
    assert "7 dated DeepState maps, 1 Jan 2024 to 10 Sep 2024" in note
    assert "cyterat" in note and "raw snapshots" in note
    assert "(1 Jan 2024); 6 from" in note  # one stretch per archive, oldest first


def test_the_map_has_one_frame_per_month_and_a_slider(book):
    chart = animation.map_figure(facts.monthly_map(book), book).chart
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
    figure = animation.map_figure(facts.monthly_map(book), book)
    first, last = KM2_WITHIN_30[MONTH_FIRSTS[0]], KM2_WITHIN_30[MONTH_FIRSTS[-1]]
    assert figure.title == (f"DeepState's map shows {last:,.0f} km² occupied within 30 km of Pokrovsk on "
                            f"10 Sep 2024, up from {first:,.0f} km² on 1 Jan 2024")
    assert "cyterat/deepstate-map-data" in figure.caption and "raw export" in figure.caption
    assert "no file for Apr 2024, Jun 2024, and Jul 2024" in figure.caption
    # The fixture's first map has its occupied squares east of the centre, 18 km off at the nearest.
    assert "On 1 Jan 2024 the occupied area on the map lay to the east, 18 km from the centre" in figure.long_description
    assert "On 10 Sep 2024 the occupied area on the map lay to the east, covering the centre of Pokrovsk" \
        in figure.long_description


def test_the_area_chart_plots_the_metrics(book, store_dir):
    figure = figures.area_figure(facts.areas(book), book)
    metrics = frontline_metrics(FrontlineStore.open(store_dir), None, facts.RADII_KM)
    lines = {trace.name: trace for trace in figure.chart.data if trace.mode == "lines"}
    for radius in facts.RADII_KM:
        assert list(lines[f"Within {radius:g} km"].y) == pytest.approx(list(metrics[area_column("occupied", radius)]))
    by_hand = [KM2_WITHIN_30[day] for day in sorted(KM2_WITHIN_30)]
    assert list(lines["Within 30 km"].y) == pytest.approx(by_hand, abs=1e-3)
    assert figure.title == ("DeepState first showed occupied ground within 5 km of Pokrovsk's centre on "
                            "15 Mar 2024; by 10 Sep 2024 it covered 8 of that circle's 79 km²")
    gaps = [(b - a).days for a, b in zip(sorted(KM2_WITHIN_30), sorted(KM2_WITHIN_30)[1:])]
    assert f"7 stored dates, 0 of them one day after the previous, the longest gap {max(gaps)} days" in figure.caption


def test_the_distance_chart_reaches_the_centre_when_the_fixture_does(book):
    figure = figures.distance_figure(facts.distances(book), book)
    assert figure.title == ("DeepState's occupied area reached the centre of Pokrovsk on 1 Aug 2024; "
                            "on 1 Jan 2024 it was 18 km away")
    reported = [trace for trace in figure.chart.data if trace.name and trace.name.startswith("Reported")]
    # The press figures of data/reported_distances.csv measured to the city, from the store's first date on.
    expected = [row for row in rows("reported_distances") if row["measure"] in facts.REPORTED_MEASURES
                and row["date"] >= "2024-01"]
    assert sum(len(trace.y) for trace in reported) == len(expected)
    assert sorted(y for trace in reported for y in trace.y) == sorted(float(row["distance_km"]) for row in expected)
    assert cited(figure) <= known_sources()


def test_a_store_with_nothing_in_reach_charts_no_distance_but_says_so(book):
    nothing = dataclasses.replace(facts.distances(book), first_km=None, last_km=None, measured_from=None,
                                  measured_to=None, reached=None)
    shown = figures.distance_figure(nothing, book)
    assert isinstance(shown, Markdown) and "no distance from its centre to chart yet" in shown.data


def test_the_splice_paragraph_says_where_the_sources_join(book):
    text = figures.splice_paragraph(facts.splice(book), book).data
    assert "raw export (1 date, 1 Jan 2024); daily archive (6 dates, 1 Feb 2024 to 10 Sep 2024)" in text
    assert "**1 Feb 2024**: from the raw export (1 Jan 2024) to the daily archive, 31 days later" in text
    assert "goes from 8 to 5 km² (-3 km²)" in text.replace("\\", "")
    assert "grey zone" in text and "disappears" in text


def test_capture_reports_are_the_editors_choices():
    chosen = {}
    for row in sorted(rows("editorial"), key=lambda r: int(r["rank"])):
        if row["chapter"] == "front_line" and row["role"].startswith("capture-"):
            chosen.setdefault(row["role"].removeprefix("capture-"), []).append(row["event_id"])
    book = Chapter.open(data_dir=str(DATA))
    assert chosen and capture_facts.capture_reports(book) == chosen


def test_settlement_comparison_shows_agreement_and_disagreement(book):
    captures = capture_facts.captures(book)
    comparison = captures.comparison.set_index("event_id")
    selydove = comparison.loc["2024-10-29-selydove-claimed"]
    assert selydove["verdict"] == capture_facts.MAP_EARLIER
    assert selydove["days_apart"] == (dt.date(2024, 10, 29) - dt.date(2024, 2, 1)).days
    avdiivka = comparison.loc["2024-02-17-avdiivka-withdrawal"]
    assert avdiivka["verdict"] == capture_facts.AGREES and avdiivka["last_outside_before"] == dt.date(2024, 2, 1)
    assert comparison.loc["2024-09-08-novohrodivka-claimed", "verdict"] == capture_facts.NOT_SHOWN
    assert comparison.loc["2025-01-06-kurakhove-claimed", "verdict"] == capture_facts.UNCHECKABLE

    figure = figures.capture_figure(captures, book)
    assert figure.title.startswith("1 of 13 reported capture dates fall between")
    notes = {annotation.y: annotation.text for annotation in figure.chart.layout.annotations}
    assert notes["Selydove"] == "map 271 d earlier" and notes["Avdiivka"] == "agrees"
    assert cited(figure) <= known_sources()
    text = figures.capture_paragraph(captures, book).data
    assert "the map showed it inside 271 days before" in text and "this falls between the two maps" in text


def test_before_any_capture_report_the_chart_is_a_sentence(book):
    captures = capture_facts.captures(book)
    none_yet = dataclasses.replace(captures, comparison=captures.comparison.iloc[:0])
    shown = figures.capture_figure(none_yet, book)
    assert isinstance(shown, Markdown) and "no capture of a town on the stored maps had yet been reported" in shown.data


def test_as_of_cuts_frames_dates_and_reports(early_book):
    frames = [frame.name for frame in animation.map_figure(facts.monthly_map(early_book), early_book).chart.frames]
    assert frames == [day.isoformat() for day in MONTH_FIRSTS if day <= early_book.as_of]
    area_dates = figures.area_figure(facts.areas(early_book), early_book).data["date"]
    assert max(area_dates) <= early_book.as_of
    assert "(2) are left out" in figures.edition_note(facts.edition(early_book), early_book).data
    events = set(capture_facts.captures(early_book).comparison["event_id"])
    assert "2024-02-17-avdiivka-withdrawal" in events and "2024-10-29-selydove-claimed" not in events


def test_a_store_that_starts_after_as_of_says_it_holds_nothing_yet(tmp_path):
    files = tmp_path / "files"
    write_daily(files, dt.date(2024, 9, 10), DAILY[dt.date(2024, 9, 10)])
    import_files([files], tmp_path / "store")
    book = Chapter.open(data_dir=str(DATA), frontlines=str(tmp_path / "store"), as_of="2024-05-01")
    shown = chapter(book)
    assert "holds no front lines up to 1 May 2024" in shown.pop("edition_note").data
    assert shown == dict.fromkeys(shown)


def test_every_figure_cites_sources_that_exist(book):
    shown = chapter(book)
    for name in ("map", "areas", "distance", "captures"):
        figure = shown[name]
        assert figure.citations and cited(figure) <= known_sources()
        assert figure.alt.strip() and figure.name.startswith("front-line")


AS_OF_DATES = ["2024-02-17", "2024-05-01", "2024-08-15", "2024-11-30", "2025-01-15", "2025-06-01", "2025-10-15",
               "2025-12-05", "2026-02-15", "latest"]


@pytest.mark.parametrize("as_of", AS_OF_DATES)
@pytest.mark.parametrize("with_store", [True, False], ids=["store", "no-store"])
def test_every_as_of_builds_and_nothing_later_leaks(as_of, with_store, store_dir):
    day = data.latest_date(DATA) if as_of == "latest" else dt.date.fromisoformat(as_of)
    book = Chapter.open(data_dir=str(DATA), as_of=day.isoformat(),
                        frontlines=str(store_dir) if with_store else None)
    shown = chapter(book)
    drawn = {name: item for name, item in shown.items() if item is not None}
    assert set(drawn) == (set(shown) if with_store else {"edition_note"})
    for name, item in drawn.items():
        assert dates_after(reader_text(item), day) == [], name
        if isinstance(item, render.BookFigure):
            assert not cited(item) & published_after(day), name
            assert json.loads(item.chart.to_json())["data"], name  # never an empty chart
