"""The front line in the default build (no front-line store), in Chromium: chapter 5 and chapter 3
draw their charts from the committed measurements of DeepState's map (data/frontline_metrics.csv),
readers see no build instructions, and the edition note says how far the news and the maps run."""

from __future__ import annotations

import csv
import re
from contextlib import contextmanager

import pytest

from conftest import REPO
from pokrovsk.words import date as human_date

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

CHAPTER_5 = "book/chapters/05_front_line.html"
CHAPTER_3 = "book/chapters/03_how_long.html"
BUILD_WORDS = re.compile(r"pokrovsk frontlines|--frontlines|\bstore\b|\bimport\b", re.I)
"""Instructions for whoever builds the book, which no reader page may carry."""


def measurements() -> list[dict[str, str]]:
    with (REPO / "data" / "frontline_metrics.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def drawn_traces(page, figure_id: str) -> list[dict]:
    """The traces plotly drew in a figure, once its chart is drawn: name, mode and y values."""
    chart = f"document.querySelector('#{figure_id} .plotly-graph-div')"
    page.locator(f"#{figure_id} .plotly-graph-div").scroll_into_view_if_needed()  # drawn as it nears the screen
    page.wait_for_function(f"{chart} && {chart}.querySelector('svg.main-svg')", timeout=15000)
    # _fullData: the traces as plotly read them (its input may hold the y values base64-encoded).
    return page.evaluate(f"{chart}._fullData.map(t => ({{name: t.name, mode: t.mode, y: Array.from(t.y || [])}}))")


@contextmanager
def opened(browser, url: str, width: int = 1280):
    """A page loaded at a screen ``width`` (charts size themselves to it as they load)."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        assert page.goto(url, wait_until="load").status == 200
        yield page
    finally:
        page.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_chapter_5_draws_two_charts_from_the_committed_measurements(english_site, browser, width):
    _, base = english_site
    with opened(browser, f"{base}/{CHAPTER_5}", width) as page:
        rows = measurements()
        areas = {trace["name"]: trace["y"] for trace in drawn_traces(page, "fig-front-line-areas")}
        for radius in (10, 20, 30):
            assert areas[f"Within {radius} km"] == pytest.approx(
                [float(row[f"occupied_km2_within_{radius}km"]) for row in rows]), radius
        captures = drawn_traces(page, "fig-front-line-captures")
        assert any(trace["name"] == "Russia's claim" for trace in captures)
        assert page.locator(".plotly-graph-div svg.main-svg").count() >= 2
        credits = page.locator("#fig-front-line-areas").inner_text()
        assert "DeepState" in credits.split("Sources:")[1]
        # No chart is wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_chapter_5_shows_readers_no_build_instructions_and_no_map_without_a_store(english_site, browser):
    _, base = english_site
    with opened(browser, f"{base}/{CHAPTER_5}") as page:
        assert BUILD_WORDS.findall(page.locator("main").inner_text()) == []
        assert page.locator("#fig-front-line-map").count() == 0
        assert page.locator("h1").first.inner_text().startswith("How the front line closed in on Pokrovsk")
        # The distance chart is chapter 3's; this chapter links to it rather than drawing it again.
        assert page.locator("[id^='fig-'][id*='distance']").count() == 0
        assert page.locator("a[href*='03_how_long']").count() >= 1


def test_chapter_3_draws_the_measured_distance_with_the_reports_as_labelled_points(site, browser):
    _, base = site
    with opened(browser, f"{base}/{CHAPTER_3}", 390) as page:
        line, *points = drawn_traces(page, "fig-how-long-distance")
        assert line["mode"] == "lines"
        assert line["y"] == pytest.approx([float(row["min_distance_km_from_centre"]) for row in measurements()])
        assert points and all(trace["mode"] == "markers+text" for trace in points)
        assert page.locator("#fig-how-long-distance .legend").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_the_edition_note_says_how_far_the_news_and_the_maps_run(english_site, browser):
    _, base = english_site
    with opened(browser, f"{base}/book/intro.html") as page:
        text = page.locator("main").inner_text()
        day = human_date(max(row["date"] for row in measurements()))
        assert f"describes the battle as of {day}" in text
        assert f"maps of the front line that this book measures run to {day}" in text
        assert re.search(r"no reporting (after|between) \w+ \d{4}", text)
