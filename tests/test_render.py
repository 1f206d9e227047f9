"""Static chart images: requested by chapters, drawn in one batch by the build."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import pytest
from PIL import Image

from pokrovsk import render


def request(folder: Path, name: str, size=(640, 360)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    render.request_static_png(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), folder / f"{name}.png", size)
    return folder / f"{name}{render.PENDING_SUFFIX}"


@pytest.mark.usefixtures("chromium")
def test_pending_charts_are_drawn_in_one_batch_at_their_size(tmp_path):
    pending = [request(tmp_path / "a", "one"), request(tmp_path / "b", "two", (300, 300))]
    assert render.draw_pending_images([tmp_path / "a", tmp_path / "b"]) == 2
    assert not any(p.exists() for p in pending)
    with Image.open(tmp_path / "b" / "two.png") as image:
        assert image.size == (300, 300)
    assert render.draw_pending_images([tmp_path]) == 0  # nothing left to draw


def test_without_a_browser_a_placeholder_says_so(tmp_path, monkeypatch):
    from pokrovsk import browser

    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    request(tmp_path, "chart")
    assert render.draw_pending_images([tmp_path]) == 1
    with Image.open(tmp_path / "chart.png") as image:
        assert image.size == (640, 360)
        assert len(image.convert("L").getcolors(maxcolors=256 * 256)) > 1  # it carries the explanation


def test_built_book_has_every_static_image_and_no_pending_requests(built_book):
    html = built_book / "_build" / "html"
    for page in (html / "book" / "chapters").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for source in __import__("re").findall(r'<img class="pk-static" src="([^"]+)"', text):
            assert (page.parent / source).is_file(), f"{page.name}: {source}"
    assert not list(html.rglob(f"*{render.PENDING_SUFFIX}"))


def test_a_static_image_keeps_the_charts_own_height(tmp_path):
    """A tall chart squeezed into the default image would overlap its row labels."""
    import datetime as dt
    import json

    import pandas as pd

    def pending_size(chart: go.Figure, name: str, **size) -> tuple[int, int]:
        figure = render.BookFigure(name=name, title="t", alt="a chart", caption="c", citations=[],
                                   data_date=dt.date(2025, 1, 1), data=pd.DataFrame({"x": [1]}), chart=chart, **size)
        render.figure_html(figure, "assets", tmp_path)
        spec = json.loads((tmp_path / f"{name}{render.PENDING_SUFFIX}").read_text())
        return spec["width"], spec["height"]

    tall = go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h"), layout={"height": 760})
    assert pending_size(tall, "tall") == (render.STATIC_WIDTH, 760)
    assert pending_size(go.Figure(go.Bar(x=[1])), "plain") == (render.STATIC_WIDTH, render.STATIC_HEIGHT)
    assert pending_size(tall, "square", static_size=(800, 800)) == (800, 800)


def test_a_chromium_that_will_not_start_gives_placeholders(tmp_path, monkeypatch):
    from pokrovsk import browser

    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(browser, "CHROMIUM", broken)
    request(tmp_path, "chart")
    assert render.draw_pending_images([tmp_path]) == 1
    with Image.open(tmp_path / "chart.png") as image:
        assert image.size == (640, 360)
