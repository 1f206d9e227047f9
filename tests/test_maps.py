"""Static maps over web tiles (contextily) or, when tiles fail, over local vector data."""

from __future__ import annotations

import http.server
import io
import threading

import geopandas as gpd
import matplotlib.pyplot as plt
import pytest
import xyzservices
from PIL import Image

from conftest import REPO
from pokrovsk import data, maps
from pokrovsk.browser import QuietServer
from pokrovsk.buildnotes import BUILD_NOTES_ENV, BUILD_NOTES_FILE

WINDOW = maps.area_of_interest((48.282, 37.176), 15).to_crs(maps.WEB_MERCATOR).total_bounds


def tile_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


class TileServer:
    """A tile server on 127.0.0.1 whose behaviour a test chooses: ok, error, garbage or slow."""

    def __init__(self, behaviour: str):
        self.requests = 0
        self.answered = 0
        self.release = threading.Event()  # a slow tile waits for it
        png = tile_png()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests += 1
                if behaviour == "slow":
                    owner.release.wait(60)
                if behaviour == "error":
                    self.send_error(500, "tile server broke")
                    return
                body = png if behaviour in ("ok", "slow") else b"<html>not a tile</html>"
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                owner.answered += 1

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.provider = xyzservices.TileProvider(
            name=f"Test{behaviour.capitalize()}", url=f"http://127.0.0.1:{self.server.server_address[1]}/{{z}}/{{x}}/{{y}}.png",
            attribution="test tiles")

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def private_tile_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POKROVSK_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(autouse=True)
def build_notes(tmp_path, monkeypatch):
    """The build's report, as a build collects it from a notebook."""
    path = tmp_path / BUILD_NOTES_FILE
    monkeypatch.setenv(BUILD_NOTES_ENV, str(path))
    return path


@pytest.fixture(scope="module")
def countries():
    return data.load_countries(REPO / "data")


def draw(countries, mode, provider, timeout_s=0.5):
    fig, ax = plt.subplots()
    ax.set_xlim(WINDOW[0], WINDOW[2])
    ax.set_ylim(WINDOW[1], WINDOW[3])
    try:
        used = maps.add_basemap(ax, countries, mode=mode, timeout_s=timeout_s, provider=provider, zoom=10)
        return used, len(ax.images)
    finally:
        plt.close(fig)


def test_tiles_from_a_working_server_are_drawn_and_cached(countries, tmp_path):
    server = TileServer("ok")
    try:
        used, images = draw(countries, "osm", server.provider)
        assert used.fallback_reason is None and used.name == "TestOk tiles"
        assert used.note == "Basemap: TestOk tiles (test tiles)."
        assert images == 1
        first = server.requests
        assert first > 0
    finally:
        server.close()
    used, images = draw(countries, "osm", server.provider)  # server gone: the persistent cache answers
    assert used.fallback_reason is None and images == 1
    assert any((tmp_path / "cache" / "tiles").rglob("*"))


def assert_fell_back(used, images: int, build_notes) -> None:
    assert images == 0
    assert used.name == "offline vector basemap"
    assert used.fallback_reason
    # the reader's caption: what was drawn and whose it is, not why the tiles failed
    assert used.note == "Basemap: offline vector basemap (country outlines from Natural Earth)."
    told = build_notes.read_text(encoding="utf-8").splitlines()
    assert len(told) == 1 and told[0].startswith("Map drawn over the offline basemap: ")
    assert used.fallback_reason in told[0]


@pytest.mark.parametrize("behaviour", ["error", "garbage"])
def test_a_broken_tile_server_falls_back_and_says_so(countries, behaviour, build_notes):
    server = TileServer(behaviour)
    try:
        used, images = draw(countries, "osm", server.provider, timeout_s=0.5)
    finally:
        server.close()
    assert_fell_back(used, images, build_notes)


def test_a_slow_tile_server_is_given_up_before_it_answers(countries, build_notes):
    server = TileServer("slow")
    try:
        used, images = draw(countries, "osm", server.provider, timeout_s=0.5)
        answered_while_drawing = server.answered
    finally:
        server.close()
    assert server.requests > 0 and answered_while_drawing == 0, "the map waited for a tile instead of timing out"
    assert_fell_back(used, images, build_notes)


def test_a_server_that_is_down_falls_back(countries):
    server = TileServer("ok")
    provider = server.provider
    server.close()
    used, images = draw(countries, "osm", provider)
    assert images == 0 and used.fallback_reason


def test_offline_mode_never_touches_the_network(countries, build_notes):
    server = TileServer("ok")
    try:
        used, images = draw(countries, "offline", server.provider)
    finally:
        server.close()
    assert server.requests == 0 and images == 0
    assert used.fallback_reason is None and "Natural Earth" in used.note
    assert not build_notes.exists()  # nothing went wrong, so the build's report says nothing


def test_area_of_interest_is_a_true_circle_in_metres():
    circle = maps.area_of_interest((48.282, 37.176), 10).to_crs(maps.METRIC_CRS).iloc[0]
    assert circle.area / 1e6 == pytest.approx(3.14159 * 100, rel=0.01)


def test_countries_show_crimea_as_ukraine_occupied(countries):
    crimea = countries[countries["status"] == "occupied_since_2014"]
    assert len(crimea) == 1 and crimea.iloc[0]["recognised_as"] == "UKR"
    ukraine = countries[countries["name"] == "Ukraine"].iloc[0].geometry
    assert ukraine.contains(gpd.points_from_xy([34.1], [44.95])[0])  # Simferopol
    russia = countries[countries["name"] == "Russia"].iloc[0].geometry
    assert not russia.contains(gpd.points_from_xy([34.1], [44.95])[0])
