"""The real-data edition: the shared DeepState archives imported into a store with the command line,
and the whole book built offline with ``pokrovsk build --frontlines STORE``. Skipped when
../shared/realdata is absent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import chart_specs, copy_repo, pokrovsk
from browsing import edition_html

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
DEEPSTATE = REALDATA / "deepstate"
NOTEBOOK = "05_front_line"
CHAPTER = f"book/chapters/{NOTEBOOK}"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not DEEPSTATE.is_dir(), reason=f"{DEEPSTATE} is absent")]


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    root = copy_repo(tmp_path_factory.mktemp("edition") / "repo")
    store = root / "frontlines"
    imported = pokrovsk("frontlines", "import", *[str(p) for p in DEEPSTATE.iterdir() if p.is_dir()],
                        "--store", str(store), cwd=root)
    assert imported.returncode == 0, imported.stderr
    result = pokrovsk("build", "--jobs", "2", "--frontlines", str(store), cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    return (edition_html(root) / f"{CHAPTER}.html").read_text(encoding="utf-8")


def plotly_figures(page: str) -> dict[str, dict]:
    """Each chart's figure as the page hands it to plotly.js (data, layout and frames), by div id."""
    return {chart: json.loads(spec) for chart, spec in chart_specs(page).items()}


def test_the_page_carries_the_animated_map(page):
    assert 'id="fig-front-line-map"' in page
    figures = plotly_figures(page)
    the_map = figures["chart-front-line-map"]
    steps = the_map["layout"]["sliders"][0]["steps"]
    assert len(steps) == len(the_map["frames"]) > 12  # a frame a month from Dec 2023
    assert [step["args"][0][0] for step in steps] == [frame["name"] for frame in the_map["frames"]]
    assert {trace.get("type", "scatter") for trace in the_map["data"]} == {"scatter"}
    assert "not in this edition" not in page


def test_the_page_carries_the_charts_and_their_sources(page):
    figures = plotly_figures(page)
    for name in ("front-line-areas", "front-line-captures"):
        assert f'id="fig-{name}"' in page and figures[f"chart-{name}"]["data"]
    assert 'id="fig-front-line-distance"' not in page  # chapter 3 draws it; this chapter links there
    assert "cyterat/deepstate-map-data" in page
    assert page.count('class="pk-source"') >= 3  # the map, the areas, the captures


def test_the_animated_map_keeps_the_page_light(page):
    the_map = plotly_figures(page)["chart-front-line-map"]
    assert len(json.dumps(the_map)) < 1_500_000
