"""load_oblasts against a real HTTP server on 127.0.0.1 that each test starts itself."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from shapely.geometry import Point

from pokrovsk.boundaries import (
    ATTRIBUTION,
    OBLASTS_SHA256,
    OBLASTS_SOURCE_ID,
    donetsk_oblast,
    load_oblasts,
    oblast,
)
from pokrovsk.buildnotes import BUILD_NOTES_ENV, BUILD_NOTES_FILE

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
REAL_OBLASTS = REALDATA / "boundaries" / "geoBoundaries-UKR-ADM1.geojson"
SLOW_SECONDS = 60.0  # the most a slow answer waits to be released (a test that hangs)


def _feature(name: str, iso: str, ring: list[list[float]]) -> dict:
    return {
        "type": "Feature",
        "properties": {
            "shapeName": name,
            "shapeISO": iso,
            "shapeID": f"TEST-{iso}",
            "shapeGroup": "UKR",
            "shapeType": "ADM1",
        },
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


FIXTURE = json.dumps(
    {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [
            _feature("Donetsk Oblast", "UA-14",
                     [[36.5, 47.5], [38.5, 47.5], [38.5, 49.0], [36.5, 49.0], [36.5, 47.5]]),
            _feature("Dnipropetrovsk Oblast", "UA-12",
                     [[33.5, 47.5], [36.5, 47.5], [36.5, 49.0], [33.5, 49.0], [33.5, 47.5]]),
        ],
    }
).encode()
FIXTURE_SHA256 = hashlib.sha256(FIXTURE).hexdigest()


class Server:
    """A tiny HTTP server whose answer each test chooses: ok, error, garbage, slow or truncated."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.mode = "ok"
        self.requests = 0
        self.release = threading.Event()  # a slow answer waits for it
        self.answered = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests += 1
                try:
                    server.answer(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first, as the timeout test intends

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False  # do not wait for a handler still sleeping
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/geoBoundaries-UKR-ADM1.geojson"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        if self.mode == "error":
            handler.send_error(500, "Internal Server Error")
            return
        if self.mode == "slow":
            self.release.wait(SLOW_SECONDS)
        body = b"<html>not geojson</html>" * 100 if self.mode == "garbage" else self.body
        length = len(body) * 2 if self.mode == "truncated" else len(body)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/geo+json")
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        handler.wfile.write(body)
        self.answered.set()

    def stop(self) -> None:
        self.release.set()
        if self.thread.is_alive():
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread.join()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy configured on the machine must not intercept requests to the local test server.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def fixture_server() -> Iterator[Server]:
    server = Server(FIXTURE)
    yield server
    server.stop()


@pytest.fixture
def real_server() -> Iterator[Server]:
    if not REAL_OBLASTS.exists():
        pytest.skip(f"real data not present at {REALDATA}")
    server = Server(REAL_OBLASTS.read_bytes())
    yield server
    server.stop()


def cache_files(cache_dir: Path) -> list[str]:
    return sorted(p.name for p in cache_dir.rglob("*") if p.is_file()) if cache_dir.exists() else []


def assert_unavailable(result, *fragments: str) -> None:
    assert result.frame is None
    assert result.source_id is None
    assert result.message == ""  # the reader's caption says nothing of a failed download
    assert result.build_note.startswith("Oblast boundaries unavailable (")
    assert result.build_note.endswith("maps show country outlines only")
    assert "\n" not in result.build_note
    for fragment in fragments:
        assert fragment in result.build_note


def test_fixture_download_then_cache_without_server(fixture_server: Server, tmp_path: Path) -> None:
    first = load_oblasts(cache_dir=tmp_path, url=fixture_server.url, sha256=FIXTURE_SHA256)

    assert first.frame is not None
    assert list(first.frame.columns) == ["name", "iso", "geometry"]
    assert first.frame.crs.to_epsg() == 4326
    assert sorted(first.frame["iso"]) == ["UA-12", "UA-14"]
    assert first.source_id == OBLASTS_SOURCE_ID
    today = datetime.now(timezone.utc).date().isoformat()
    assert first.message == f"Oblast boundaries: {ATTRIBUTION}."
    assert first.build_note == f"Oblast boundaries: {ATTRIBUTION}; downloaded {today}"
    assert cache_files(tmp_path) == [f"geoBoundaries-UKR-ADM1-{FIXTURE_SHA256[:12]}.geojson"]
    assert fixture_server.requests == 1

    fixture_server.stop()
    second = load_oblasts(cache_dir=tmp_path, url=fixture_server.url, sha256=FIXTURE_SHA256)

    assert second.frame is not None
    assert second.frame.equals(first.frame)
    assert second.message == f"Oblast boundaries: {ATTRIBUTION}."
    assert second.build_note == f"Oblast boundaries: {ATTRIBUTION}; from cache, downloaded {today}"
    assert fixture_server.requests == 1

    donetsk = donetsk_oblast(second)
    assert donetsk is not None and len(donetsk) == 1
    assert donetsk.loc[0, "name"] == "Donetsk Oblast"
    assert donetsk.geometry[0].bounds == (36.5, 47.5, 38.5, 49.0)
    assert oblast(second, "UA-99") is None


def test_server_error_gives_no_frame(fixture_server: Server, tmp_path: Path) -> None:
    fixture_server.mode = "error"
    result = load_oblasts(cache_dir=tmp_path, url=fixture_server.url, sha256=FIXTURE_SHA256)

    assert_unavailable(result, "HTTP 500", "127.0.0.1")
    assert donetsk_oblast(result) is None
    assert cache_files(tmp_path) == []


def test_hash_mismatch_leaves_nothing_in_cache(fixture_server: Server, tmp_path: Path) -> None:
    fixture_server.mode = "garbage"
    result = load_oblasts(cache_dir=tmp_path, url=fixture_server.url, sha256=FIXTURE_SHA256)

    assert_unavailable(result, "does not match the pinned SHA-256")
    assert fixture_server.requests == 1
    assert cache_files(tmp_path) == []


def test_truncated_download_leaves_nothing_in_cache(fixture_server: Server, tmp_path: Path) -> None:
    fixture_server.mode = "truncated"
    result = load_oblasts(cache_dir=tmp_path, url=fixture_server.url, sha256=FIXTURE_SHA256)

    assert_unavailable(result)
    assert cache_files(tmp_path) == []


def test_slow_server_times_out(fixture_server: Server, tmp_path: Path) -> None:
    fixture_server.mode = "slow"
    result = load_oblasts(cache_dir=tmp_path, url=fixture_server.url, timeout=0.5, sha256=FIXTURE_SHA256)

    assert fixture_server.requests >= 1 and not fixture_server.answered.is_set(), \
        "load_oblasts must give up while the server still holds its answer"
    assert_unavailable(result, "no answer from 127.0.0.1 within 0.5 s")
    assert cache_files(tmp_path) == []


def test_dead_server_gives_no_frame(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port was free a moment ago and nothing listens on it now.
    url = f"http://127.0.0.1:{port}/geoBoundaries-UKR-ADM1.geojson"
    result = load_oblasts(cache_dir=tmp_path, url=url, timeout=0.5, sha256=FIXTURE_SHA256)

    assert_unavailable(result, "cannot connect to 127.0.0.1")
    assert cache_files(tmp_path) == []


def test_offline_build_without_a_copy_tells_the_builder_not_the_reader(tmp_path: Path, monkeypatch) -> None:
    notes = tmp_path / BUILD_NOTES_FILE
    monkeypatch.setenv(BUILD_NOTES_ENV, str(notes))

    for _ in range(2):  # two maps on one page
        result = load_oblasts(cache_dir=tmp_path / "empty", download=False)

    assert result.frame is None and result.message == ""
    assert notes.read_text(encoding="utf-8").splitlines() == [result.build_note]
    assert "--param basemap=osm" in result.build_note


def test_real_file_download_then_cache(real_server: Server, tmp_path: Path) -> None:
    first = load_oblasts(cache_dir=tmp_path, url=real_server.url)

    assert first.frame is not None, first.message
    assert first.source_id == OBLASTS_SOURCE_ID
    assert len(first.frame) == 27
    assert list(first.frame.columns) == ["name", "iso", "geometry"]
    assert first.frame.crs.to_epsg() == 4326
    assert first.frame["iso"].is_unique
    assert cache_files(tmp_path) == [f"geoBoundaries-UKR-ADM1-{OBLASTS_SHA256[:12]}.geojson"]

    real_server.stop()
    second = load_oblasts(cache_dir=tmp_path, url=real_server.url)
    assert second.frame is not None
    assert "from cache" in second.build_note
    assert real_server.requests == 1

    donetsk = donetsk_oblast(second)
    assert donetsk is not None and len(donetsk) == 1
    assert "Donetsk" in donetsk.loc[0, "name"]
    area_km2 = donetsk.to_crs("EPSG:32637").area[0] / 1e6
    # Official land area 26,517 km²; the OSM-based outline adds ~2,500 km² of the Sea of Azov.
    assert 26_000 < area_km2 < 30_000
    assert donetsk.geometry[0].contains(Point(37.176, 48.282))  # Pokrovsk
