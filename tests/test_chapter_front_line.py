"""Chapter 5, "How the front line closed in on Pokrovsk": without a store, figures from the
committed measurements (data/frontline_*.csv) checked against those files read with the standard
library; with a small store built here from fixture files in both DeepState formats, figures
checked against values worked out by hand from the fixture's shapes (drawn on the UTM grid, so
their areas are exact); and at every as_of of the book's period, with and without a store,
nothing later leaks."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import logging
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
from pokrovsk.frontlines.control import control_from_changes, place_changes, settlement_control
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
        "lead": figures.lead(facts.areas(book), facts.measured_distance(book), book),
        "edition_note": figures.edition_note(facts.edition(book), book),
        "map": animation.map_figure(facts.monthly_map(book), book),
        "areas": figures.area_figure(facts.areas(book), book),
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


BUILD_WORDS = ("pokrovsk frontlines", "--frontlines", "store", "import")
"""Instructions for whoever builds the book, which no reader page may carry."""
STORE_ONLY = {"edition_note", "map"}
"""What only a front-line store can draw: the note on its archives, the monthly map."""


def committed(name: str) -> list[dict[str, str]]:
    return rows(name)


def measured_until(as_of: dt.date) -> list[dict[str, str]]:
    return [row for row in committed("frontline_metrics") if dt.date.fromisoformat(row["date"]) <= as_of]


def at(as_of: str) -> Chapter:
    """The default edition's chapter as of any day, even one before the book's period (which
    parameters refuse), to see what the facts say before the first measured map."""
    return dataclasses.replace(Chapter.open(data_dir=str(DATA)), as_of=dt.date.fromisoformat(as_of))


def test_without_a_store_the_chapter_draws_the_committed_measurements_and_tells_only_the_builder(caplog):
    book = Chapter.open(data_dir=str(DATA))
    with caplog.at_level(logging.WARNING, logger="pokrovsk"):
        shown = chapter(book)
    assert {name for name, item in shown.items() if item is None} == STORE_ONLY
    assert isinstance(shown["areas"], render.BookFigure) and isinstance(shown["captures"], render.BookFigure)
    for name, item in shown.items():
        if item is not None:
            assert not any(word in reader_text(item) for word in BUILD_WORDS), name
    assert [record.message for record in caplog.records if "--frontlines STORE" in record.message]


def test_the_notebook_runs_without_a_store_and_draws_two_charts_from_the_measurements(tmp_path):
    output = tmp_path / "05_front_line.ipynb"
    result = pokrovsk("run", "notebooks/05_front_line.ipynb", "--output", str(output), cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = [output_ for cell in nbformat.read(output, as_version=4).cells if cell.cell_type == "code"
             for output_ in cell.outputs]
    charts = [o for o in shown if "application/vnd.plotly.v1+json" in o.get("data", {})
              or "front-line-" in json.dumps(o.get("data", {}))]
    assert len(charts) >= 2
    text = json.dumps([o.get("data", {}) for o in shown])
    assert not any(word in text for word in ("pokrovsk frontlines", "--frontlines"))


@pytest.mark.parametrize("as_of", ["2023-06-01", "2024-02-17", "2024-12-15", "2025-11-10", "2026-08-01"])
def test_the_measured_facts_follow_the_committed_files_at_every_as_of(as_of):
    book = at(as_of)
    cut = book.as_of
    metrics = measured_until(cut)
    areas, distance, splice = facts.areas(book), facts.measured_distance(book), facts.splice(book)
    if not metrics:  # before the first measured map: not yet, and nothing is drawn
        assert areas is distance is splice is capture_facts.captures(book) is None
        assert figures.lead(areas, distance, book) is None
        return
    assert [day.isoformat() for day in areas.metrics["date"]] == [row["date"] for row in metrics]
    assert areas.radii_km == (10.0, 20.0, 30.0)
    within_10 = [row for row in metrics if float(row["occupied_km2_within_10km"]) > 0]
    assert (areas.reach_radius_km == 10.0) == bool(within_10)
    if within_10:
        assert areas.reach_date.isoformat() == within_10[0]["date"]
        assert areas.reach_last_km2 == pytest.approx(float(metrics[-1]["occupied_km2_within_10km"]))
    at_centre = [row for row in metrics if float(row["min_distance_km_from_centre"]) < facts.AT_CENTRE_KM]
    assert distance.reached == (dt.date.fromisoformat(at_centre[0]["date"]) if at_centre else None)
    assert distance.last_km == pytest.approx(float(metrics[-1]["min_distance_km_from_centre"]))
    formats = [row["source_format"] for row in metrics]
    assert [stretch.format for stretch in splice.segments] == [f for n, f in enumerate(formats)
                                                                if n == 0 or f != formats[n - 1]]
    assert facts.DEEPSTATE_SOURCE in areas.source_ids and facts.DEEPSTATE_SOURCE in distance.source_ids


@pytest.mark.parametrize("as_of", ["2024-02-17", "2025-06-01", "2026-08-01"])
def test_the_map_against_the_claims_reads_the_committed_place_changes(as_of):
    book = at(as_of)
    captures = capture_facts.captures(book)
    first_inside = {}
    for row in committed("frontline_place_changes"):
        if row["occupied"] == "true" and row["date"] <= as_of:
            first_inside.setdefault(row["place_id"], dt.date.fromisoformat(row["date"]))
    days = [dt.date.fromisoformat(row["date"]) for row in measured_until(book.as_of)]
    assert (captures.first_stored, captures.last_stored) == (days[0], days[-1])
    for row in captures.comparison.itertuples():
        assert row.first_inside == first_inside.get(row.place_id), row.place_id
        assert row.reported_end <= book.as_of
    assert set(captures.comparison["verification"]) <= {"claimed", "corroborated", "disputed", "established"}


def test_the_committed_place_changes_give_back_the_stores_settlement_control(store_dir):
    store = FrontlineStore.open(store_dir)
    places = data.load_places(DATA)
    located = places[places["lat"].notna()]
    in_area = settlement_control(store, places)
    changes = place_changes(store, located[located["place_id"].isin(in_area.loc[in_area["in_area"].eq(True), "place_id"])])
    read_back = control_from_changes(changes, store.dates(), places)
    assert read_back.astype(object).where(read_back.notna(), None).to_dict("records") == \
        in_area.astype(object).where(in_area.notna(), None).to_dict("records")


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
    assert f"7 measured maps, 0 of them one day after the previous, the longest gap {max(gaps)} days" in figure.caption
    assert not figure.chart.layout.showlegend  # each line is labelled where it ends


def test_the_measured_distance_reaches_the_centre_when_the_fixture_does(book):
    distance = facts.measured_distance(book)
    assert (distance.first, distance.reached, distance.last) == (RAW_DAY, FIRST_WITH_CENTRE, dt.date(2024, 9, 10))
    assert distance.first_km == pytest.approx(18, abs=0.5) and distance.last_km == 0
    lead = figures.lead(facts.areas(book), distance, book).data
    assert "first showed occupied ground at the centre of Pokrovsk on 1 Aug 2024" in lead


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
    axis = figure.chart.layout.yaxis
    notes = dict(zip(axis.tickvals, axis.ticktext))
    assert "map 271 d earlier" in notes["Selydove"] and "agrees" in notes["Avdiivka"]
    assert cited(figure) <= known_sources()
    text = figures.capture_paragraph(captures, book).data
    assert "the map showed it inside 271 days before" in text and "this falls between the two maps" in text


def test_before_any_capture_report_the_chart_is_a_sentence(book):
    captures = capture_facts.captures(book)
    none_yet = dataclasses.replace(captures, comparison=captures.comparison.iloc[:0])
    shown = figures.capture_figure(none_yet, book)
    assert isinstance(shown, Markdown) and "no capture of a town on the measured maps had yet been reported" in shown.data


def test_as_of_cuts_frames_dates_and_reports(early_book):
    frames = [frame.name for frame in animation.map_figure(facts.monthly_map(early_book), early_book).chart.frames]
    assert frames == [day.isoformat() for day in MONTH_FIRSTS if day <= early_book.as_of]
    area_dates = figures.area_figure(facts.areas(early_book), early_book).data["date"]
    assert max(area_dates) <= early_book.as_of
    assert "(2) are left out" in figures.edition_note(facts.edition(early_book), early_book).data
    events = set(capture_facts.captures(early_book).comparison["event_id"])
    assert "2024-02-17-avdiivka-withdrawal" in events and "2024-10-29-selydove-claimed" not in events


def test_a_store_that_starts_after_as_of_leaves_the_chapter_to_the_committed_measurements(tmp_path):
    files = tmp_path / "files"
    write_daily(files, dt.date(2024, 9, 10), DAILY[dt.date(2024, 9, 10)])
    import_files([files], tmp_path / "store")
    book = Chapter.open(data_dir=str(DATA), frontlines=str(tmp_path / "store"), as_of="2024-05-01")
    shown = chapter(book)
    assert {name for name, item in shown.items() if item is None} == STORE_ONLY
    assert [row["date"] for row in measured_until(book.as_of)] == \
        [day.isoformat() for day in shown["areas"].data["date"]]


def test_every_figure_cites_sources_that_exist(book):
    shown = chapter(book)
    for name in ("map", "areas", "captures"):
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
    assert set(drawn) == (set(shown) if with_store else set(shown) - STORE_ONLY)
    for name, item in drawn.items():
        assert dates_after(reader_text(item), day) == [], name
        if isinstance(item, render.BookFigure):
            assert not cited(item) & published_after(day), name
            assert json.loads(item.chart.to_json())["data"], name  # never an empty chart
