"""Front lines: both DeepState formats, the store, fetching over HTTP, metrics and settlement control."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import json
import math
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyproj
import pytest
import shapely
import shapely.geometry

from fixtures_frontlines import (
    CENTRE_LAT,
    CENTRE_LON,
    RAW_GREY_KM2_WITHIN_15,
    RAW_OCCUPIED_DISTANCE_KM,
    RAW_OCCUPIED_KM2_WITHIN_30,
    daily_document,
    lonlat,
    square,
    raw_document,
    write_daily,
    write_named,
    write_raw,
)
from pokrovsk.browser import QuietServer
from pokrovsk.frontlines import cli, store as store_module
from pokrovsk.frontlines.control import settlement_control
from pokrovsk.frontlines.fetch import FetchError, fetch_days
from pokrovsk.frontlines.importers import (
    GREY_ZONE,
    OCCUPIED,
    FrontlineFileError,
    category_of,
    file_day,
    read_frontline,
)
from pokrovsk.frontlines.metrics import MetricsError, frontline_metrics
from pokrovsk.frontlines.store import BadFiles, FrontlineStore, import_files

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"
REAL_DAILY = REALDATA / "deepstate" / "cyterat"
REAL_RAW = REALDATA / "deepstate" / "raw"
needs_realdata = pytest.mark.skipif(not REAL_DAILY.is_dir(), reason=f"{REALDATA} is absent")

DAY = dt.date(2025, 1, 1)
EAST_SQUARE = square(10, -1, 2)  # 2x2 km, its west edge 10 km east of the centre
NEAR_SQUARE = square(1, 1, 2)  # 2x2 km, wholly within 5 km
CENTRE_SQUARE = square(-1, -1, 2)  # 2x2 km around the centre


def days(count: int, start: dt.date = DAY) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range(count)]


@pytest.fixture
def daily_folder(tmp_path) -> Path:
    """Four days: the first two identical, then a square near the centre, then one over it."""
    folder = tmp_path / "daily"
    for day, rings in zip(days(4), [[EAST_SQUARE], [EAST_SQUARE], [NEAR_SQUARE], [CENTRE_SQUARE]], strict=True):
        write_daily(folder, day, rings)
    return folder


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="pokrovsk")
    cli.add_commands(parser.add_subparsers(dest="command", required=True))
    return cli.run(parser.parse_args(["frontlines", *argv]))


# --- reading the two formats -------------------------------------------------------------------


def test_daily_format_reads_one_occupied_layer(daily_folder):
    frontline = read_frontline(daily_folder / "deepstatemap_data_20250101.geojson")
    assert (frontline.date, frontline.format, set(frontline.layers)) == (DAY, "daily", {OCCUPIED})
    assert frontline.layers[OCCUPIED].geom_type == "MultiPolygon"


def test_raw_format_drops_z_repairs_and_classifies(tmp_path):
    moment = dt.datetime(2024, 2, 1, 2, 59, 33, tzinfo=dt.UTC)
    frontline = read_frontline(write_raw(tmp_path, moment))
    assert (frontline.date, frontline.snapshot, frontline.format) == (moment.date(), moment, "raw")
    occupied, grey = frontline.layers[OCCUPIED], frontline.layers[GREY_ZONE]
    assert occupied.is_valid and not shapely.has_z(occupied)
    assert len(occupied.geoms) == 5  # square, the bow-tie's two halves, unnamed, from the collection
    assert len(grey.geoms) == 1
    assert not occupied.contains(shapely.Point(CENTRE_LON, CENTRE_LAT))  # "Liberated" is not occupied


def test_raw_export_with_english_only_names_is_still_raw(tmp_path):
    features = [{"type": "Feature", "properties": {"name": name},
                 "geometry": {"type": "Polygon", "coordinates": [rings]}}
                for name, rings in [("Occupied", NEAR_SQUARE), ("Liberated", CENTRE_SQUARE)]]
    path = tmp_path / "1650000000.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    frontline = read_frontline(path)
    assert frontline.format == "raw"
    assert not frontline.layers[OCCUPIED].contains(shapely.Point(CENTRE_LON, CENTRE_LAT))


def test_raw_file_is_dated_by_its_utc_timestamp(tmp_path):
    late_evening = dt.datetime(2023, 12, 31, 23, 59, 59, tzinfo=dt.UTC)
    assert file_day(Path(f"{int(late_evening.timestamp())}.geojson")) == (late_evening.date(), late_evening)
    assert file_day(Path("deepstatemap_data_20250301.geojson"))[0] == dt.date(2025, 3, 1)


@pytest.mark.parametrize("name, fill, expected", [
    ("Окуповано /// Occupied", None, OCCUPIED),
    ("Окуповано /// Occupied\u00a0/// geoJSON.status.occupied\n", None, OCCUPIED),
    ("ОРДЛО /// CADR and CALR\u00a0/// geoJSON.territories.ordlo", None, OCCUPIED),
    ("Окупований Крим /// Occupied Crimea", None, OCCUPIED),
    ("Окуповано\n///\nOcc\ufffdpied /// geoJSON.status.occupied", None, OCCUPIED),
    ("Статус невідомий /// Unknown status\u00a0/// geoJSON.status.unknown\n", None, GREY_ZONE),
    ("Спірна /// Contested", None, GREY_ZONE),
    ("Звільнено /// Liberated\n", "#0f9d58", None),
    ("Звільнено /// Taken back", None, None),
    ("Острів Тузла /// Occupied Tuzla Island", "#880e4f", None),
    (None, "#a52714", OCCUPIED),
    ("", "#A52714", OCCUPIED),
    (None, "#bcaaa4", None),
])
def test_raw_names_are_read_despite_their_quirks(name, fill, expected):
    assert category_of({"name": name, "fill": fill}) == expected


# --- the store ---------------------------------------------------------------------------------


def test_identical_consecutive_days_are_stored_once(tmp_path, daily_folder):
    report = import_files([daily_folder], tmp_path / "store")
    assert len(report.imported) == 4
    rows = pq.read_table(report.store_path).to_pandas()
    assert list(rows["date"]) == days(4)[:1] + days(4)[2:]
    assert list(rows["until"]) == [days(4)[1], days(4)[2], days(4)[3]]
    assert list(rows["days"]) == [2, 1, 1]
    assert rows["source"][0] == "deepstatemap_data_20250101.geojson"
    store = FrontlineStore.open(tmp_path / "store")
    assert store.dates() == days(4)
    assert store.geometry(days(4)[1]).equals(store.geometry(days(4)[0]))
    assert store.geometry(days(4)[1], GREY_ZONE) is None  # the daily archive has no grey zone
    with pytest.raises(KeyError):
        store.geometry(dt.date(2030, 1, 1))


def test_store_is_geoparquet_in_lonlat(tmp_path, daily_folder):
    import geopandas as gpd

    report = import_files([daily_folder], tmp_path / "store")
    frame = gpd.read_parquet(report.store_path)
    assert frame.crs.to_epsg() == 4326
    assert list(frame.columns) == ["category", "date", "until", "days", "source", "sha256", "geometry"]
    assert set(frame["category"]) == {OCCUPIED}


def test_reimport_skips_known_files_without_parsing(tmp_path, daily_folder, monkeypatch):
    report = import_files([daily_folder], tmp_path / "store")
    before = report.store_path.read_bytes()
    parsed = []
    real_parse = store_module.parse_frontline
    def counting_parse(path, *rest):
        parsed.append(path)
        return real_parse(path, *rest)

    monkeypatch.setattr(store_module, "parse_frontline", counting_parse)

    again = import_files([daily_folder], tmp_path / "store")
    assert (again.imported, len(again.unchanged), parsed) == ([], 4, [])
    assert report.store_path.read_bytes() == before

    newer = write_daily(daily_folder, days(5)[4], [CENTRE_SQUARE])
    third = import_files([daily_folder], tmp_path / "store")
    assert (third.imported, parsed) == ([newer], [newer])
    store = FrontlineStore.open(tmp_path / "store")
    assert store.dates() == days(5)
    assert len(store.runs()) == 3  # the new day repeats the last one


def test_later_import_of_a_date_replaces_it(tmp_path, daily_folder):
    import_files([daily_folder], tmp_path / "store")
    replacement = write_daily(tmp_path / "fixed", days(4)[2], [CENTRE_SQUARE])
    import_files([replacement], tmp_path / "store")
    store = FrontlineStore.open(tmp_path / "store")
    assert store.sources()[days(4)[2]].file == replacement.name
    assert store.geometry(days(4)[2]).equals(store.geometry(days(4)[3]))
    assert [len(run.dates) for run in store.runs()] == [2, 2]


def test_a_failed_write_leaves_the_store_unchanged(tmp_path, daily_folder, monkeypatch):
    first = import_files([daily_folder], tmp_path / "store")
    before = first.store_path.read_bytes()

    def write_half_then_fail(table, where, **options):
        Path(where).write_bytes(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(store_module.pq, "write_table", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        import_files([write_daily(tmp_path / "new", days(6)[5], [NEAR_SQUARE])], tmp_path / "store")
    assert first.store_path.read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == ["store.parquet"]


def test_mixed_formats_keep_the_grey_zone_where_the_source_has_one(tmp_path, daily_folder):
    raw = write_raw(tmp_path / "raw", dt.datetime(2025, 1, 5, 3, 0, tzinfo=dt.UTC))
    import_files([daily_folder, raw], tmp_path / "store")
    store = FrontlineStore.open(tmp_path / "store")
    assert store.geometry(dt.date(2025, 1, 5), GREY_ZONE).area > 0
    assert store.geometry(dt.date(2025, 1, 4), GREY_ZONE) is None


# --- bad files ---------------------------------------------------------------------------------


def _points_only() -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "a /// b"}, "geometry": {"type": "Point", "coordinates": [37, 48]}}]}


def _in_metres() -> dict:
    return daily_document([[[4137000.0, 5350000.0], [4139000.0, 5350000.0], [4139000.0, 5352000.0],
                            [4137000.0, 5350000.0]]])


BAD_FILES = {
    "deepstatemap_data_20250106.geojson": ("this is not json", "not GeoJSON"),
    "deepstatemap_data_20250107.geojson": (json.dumps({"type": "Topology", "objects": {}}), "not GeoJSON"),
    "deepstatemap_data_20250108.geojson": (json.dumps(_points_only()), "no polygons"),
    "deepstatemap_data_20250109.geojson": (
        json.dumps(daily_document([CENTRE_SQUARE]) | {"crs": {"type": "name", "properties": {
            "name": "urn:ogc:def:crs:EPSG::3857"}}}), "wrong CRS"),
    "deepstatemap_data_20250110.geojson": (json.dumps(_in_metres()), "outside the lon/lat range"),
    "frontline.geojson": (json.dumps(daily_document([CENTRE_SQUARE])), "no date in the file name"),
    "deepstatemap_data_20250111.geojson": ("", "empty file"),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_each_bad_file_gives_one_clear_error(tmp_path, name):
    text, problem = BAD_FILES[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FrontlineFileError) as caught:
        read_frontline(path)
    assert str(caught.value).startswith(f"{path}: ") and problem in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_folder_with_bad_files_imports_nothing_and_lists_them_all(tmp_path, daily_folder, capsys):
    import_files([daily_folder], tmp_path / "store")
    store_file = tmp_path / "store" / "store.parquet"
    before = store_file.read_bytes()
    mixed = tmp_path / "mixed"
    write_daily(mixed, dt.date(2025, 1, 5), [NEAR_SQUARE])
    for name, (text, _) in BAD_FILES.items():
        (mixed / name).write_text(text, encoding="utf-8")

    assert run_cli("import", str(mixed), "--store", str(tmp_path / "store")) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    for name, (_, problem) in BAD_FILES.items():
        naming = [line for line in lines if str(mixed / name) in line]
        assert len(naming) == 1 and problem in naming[0], (name, lines)
    assert len(lines) == len(BAD_FILES) + 1 and "nothing was imported" in lines[-1]
    assert store_file.read_bytes() == before
    with pytest.raises(BadFiles):
        import_files([mixed], tmp_path / "store")


def test_an_unreadable_store_is_one_error_line(tmp_path, daily_folder, capsys):
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "store.parquet").write_bytes(b"not parquet at all")
    assert run_cli("import", str(daily_folder), "--store", str(tmp_path / "store")) == 1
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "store.parquet: not a front-line store" in error


FAR_SQUARE = square(200, 0, 2)  # 200 km east of the centre: far outside the 60 km area of interest
REFUSED_FILES = {
    "deepstatemap_data_20990101.geojson": (daily_document([CENTRE_SQUARE]), "2099-01-01, is in the future"),
    "deepstatemap_data_20250230.geojson": (daily_document([CENTRE_SQUARE]), "'20250230' in the file name is not a real date"),
    "deepstatemap_data_20100101.geojson": (daily_document([CENTRE_SQUARE]), "before DeepState's first map"),
    "4102444800.geojson": (raw_document(), "2100-01-01 00:00 UTC, in the future"),
    "1000000000.geojson": (raw_document(), "before DeepState's first map"),
    "deepstatemap_data_20250102.geojson": (daily_document([FAR_SQUARE]), "no polygon reaches the area of interest"),
}


def store_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", REFUSED_FILES)
def test_an_impossible_date_or_a_file_of_elsewhere_is_refused_in_one_line_and_the_store_kept(
        tmp_path, daily_folder, capsys, name):
    import_files([daily_folder], tmp_path / "store")
    before = store_files(tmp_path / "store")
    document, problem = REFUSED_FILES[name]
    path = write_named(tmp_path / "new", name, document)
    capsys.readouterr()

    assert run_cli("import", str(path), "--store", str(tmp_path / "store")) == 2
    refusal, summary = capsys.readouterr().err.strip().splitlines()
    assert refusal.startswith(f"{path}: ") and problem in refusal, refusal
    assert "nothing was imported" in summary
    assert store_files(tmp_path / "store") == before


def test_a_file_dated_today_in_ukraine_is_accepted(tmp_path):
    today = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).date()
    assert read_frontline(write_daily(tmp_path, today, [CENTRE_SQUARE])).date == today


def test_missing_paths_are_bad_too(tmp_path):
    with pytest.raises(BadFiles) as caught:
        import_files([tmp_path / "nowhere.geojson"], tmp_path / "store")
    assert "no such file" in str(caught.value.errors[0])
    assert not (tmp_path / "store").exists()


# --- metrics -----------------------------------------------------------------------------------


def test_metrics_match_hand_computed_figures(tmp_path, daily_folder):
    import_files([daily_folder], tmp_path / "store")
    metrics = frontline_metrics(FrontlineStore.open(tmp_path / "store")).set_index("date")
    east, _, near, centre = days(4)
    assert metrics.loc[east, "min_distance_km_from_centre"] == pytest.approx(10.0, abs=0.05)
    assert metrics.loc[east, "occupied_km2_within_5km"] == 0
    assert metrics.loc[east, "occupied_km2_within_15km"] == pytest.approx(4.0, rel=1e-4)
    assert metrics.loc[near, "occupied_km2_within_5km"] == pytest.approx(4.0, rel=1e-4)
    assert metrics.loc[near, "min_distance_km_from_centre"] == pytest.approx(math.sqrt(2), abs=0.05)
    assert metrics.loc[centre, "min_distance_km_from_centre"] == 0
    assert metrics[[c for c in metrics if c.startswith("grey_zone")]].isna().all().all()


def test_raw_metrics_include_the_grey_zone(tmp_path):
    import_files([write_raw(tmp_path / "raw", dt.datetime(2024, 5, 1, tzinfo=dt.UTC))], tmp_path / "store")
    row = frontline_metrics(FrontlineStore.open(tmp_path / "store")).iloc[0]
    assert row["occupied_km2_within_15km"] == 0
    assert row["occupied_km2_within_30km"] == pytest.approx(RAW_OCCUPIED_KM2_WITHIN_30, rel=1e-4)
    assert row["min_distance_km_from_centre"] == pytest.approx(RAW_OCCUPIED_DISTANCE_KM, abs=0.05)
    assert row["grey_zone_km2_within_5km"] == 0
    assert row["grey_zone_km2_within_15km"] == pytest.approx(RAW_GREY_KM2_WITHIN_15, rel=1e-4)


def test_metrics_take_a_centre_and_radii_and_refuse_to_reach_outside(tmp_path, daily_folder):
    import_files([daily_folder], tmp_path / "store")
    store = FrontlineStore.open(tmp_path / "store")
    east_lon, east_lat = lonlat(11, 0)
    moved = frontline_metrics(store, centre=(east_lat, east_lon), radii_km=[2.5]).set_index("date")
    assert list(moved.columns) == ["occupied_km2_within_2.5km", "min_distance_km_from_centre",
                                   "grey_zone_km2_within_2.5km", "source"]
    assert moved.loc[days(4)[0], "min_distance_km_from_centre"] == 0
    assert moved.loc[days(4)[0], "occupied_km2_within_2.5km"] == pytest.approx(4.0, rel=1e-4)
    with pytest.raises(MetricsError, match="reaches outside"):
        frontline_metrics(store, radii_km=[61])


def test_metrics_command_writes_csv(tmp_path, daily_folder, capsys):
    assert run_cli("import", str(daily_folder), "--store", str(tmp_path / "store")) == 0
    out = tmp_path / "metrics.csv"
    assert run_cli("metrics", "--store", str(tmp_path / "store"), "--radii", "5,15", "--out", str(out)) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["date", "occupied_km2_within_5km", "occupied_km2_within_15km",
                                   "min_distance_km_from_centre", "grey_zone_km2_within_5km",
                                   "grey_zone_km2_within_15km", "source"]
    assert table["occupied_km2_within_15km"].iloc[0] == pytest.approx(4.0, abs=1e-3)
    assert table["grey_zone_km2_within_5km"].isna().all()
    assert run_cli("metrics", "--store", str(tmp_path / "empty"), "--out", str(out)) == 1
    assert "no front lines stored yet" in capsys.readouterr().err


# --- settlement control ------------------------------------------------------------------------


def test_settlement_control_finds_first_occupation_and_leaving(tmp_path, daily_folder):
    import_files([daily_folder], tmp_path / "store")
    points = {"centre": (0, 0), "east": (11, 0), "never": (-5, -5), "far": (150, 0)}
    places = pd.DataFrame({"place_id": [*points, "unplaced"],
                           "lon": [lonlat(*km)[0] for km in points.values()] + [None],
                           "lat": [lonlat(*km)[1] for km in points.values()] + [None]})
    control = settlement_control(FrontlineStore.open(tmp_path / "store"), places).set_index("place_id")
    assert control.loc["centre", "first_occupied"] == days(4)[3]
    assert not control.loc["centre", "left_later"] and control.loc["centre", "occupied_on_last_date"]
    assert control.loc["east", "first_occupied"] == days(4)[0]
    assert control.loc["east", "occupied_on_first_date"] and control.loc["east", "left_later"]
    assert control.loc["never", "first_occupied"] is None and control.loc["never", "in_area"]
    assert not control.loc["far", "in_area"]
    assert pd.isna(control.loc["unplaced", "in_area"])


def test_settlement_control_reads_the_project_places_by_default(tmp_path, daily_folder):
    from pokrovsk.data import load_places

    import_files([daily_folder], tmp_path / "store")
    control = settlement_control(FrontlineStore.open(tmp_path / "store"))
    assert list(control["place_id"]) == list(load_places()["place_id"])


# --- fetching over HTTP ------------------------------------------------------------------------


class ArchiveHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``files`` by path; paths in ``dying`` promise more bytes than they send, then hang up."""

    def __init__(self, *args, files: dict[str, bytes], dying: set[str], log: list[str], **kwargs):
        self.files, self.dying, self.log = files, dying, log
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.log.append(self.path)
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) * 2 if self.path in self.dying else len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if self.path in self.dying else body)
        self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def archive() -> Iterator[tuple[str, dict[str, bytes], set[str], list[str]]]:
    files: dict[str, bytes] = {}
    dying: set[str] = set()
    log: list[str] = []
    server = QuietServer(("127.0.0.1", 0), functools.partial(ArchiveHandler, files=files, dying=dying, log=log))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/data", files, dying, log
    finally:
        server.shutdown()
        server.server_close()


def serve_day(files: dict[str, bytes], day: dt.date, rings) -> None:
    name = f"deepstatemap_data_{day:%Y%m%d}"
    files[f"/data/{name}.geojson"] = json.dumps(daily_document(rings, name)).encode()


def test_fetch_downloads_records_missing_days_and_resumes(tmp_path, archive):
    base_url, files, _, log = archive
    first, gap, last = days(3)
    serve_day(files, first, [EAST_SQUARE])
    serve_day(files, last, [NEAR_SQUARE])

    report = fetch_days(first, last, tmp_path / "store", base_url, attempts=1)
    assert (report.downloaded, report.missing, report.cached) == ([first, last], [gap], [])
    store = FrontlineStore.open(tmp_path / "store")
    assert store.dates() == [first, last]
    downloads = tmp_path / "store" / "downloads"
    manifest = json.loads((downloads / "manifest.json").read_text())
    assert manifest[gap.isoformat()]["status"] == "missing"
    assert manifest[first.isoformat()]["sha256"] == store.sources()[first].sha256
    before = (tmp_path / "store" / "store.parquet").read_bytes()

    log.clear()
    again = fetch_days(first, last, tmp_path / "store", base_url, attempts=1)
    assert (again.cached, again.downloaded, again.missing) == ([first, last], [], [gap])
    assert log == [f"/data/deepstatemap_data_{gap:%Y%m%d}.geojson"]  # only the missing day is asked again
    assert (tmp_path / "store" / "store.parquet").read_bytes() == before


def test_a_download_cut_off_midway_changes_nothing(tmp_path, archive):
    base_url, files, dying, log = archive
    first, second = days(2)
    serve_day(files, first, [EAST_SQUARE])
    fetch_days(first, first, tmp_path / "store", base_url, attempts=1)
    store_file = tmp_path / "store" / "store.parquet"
    before = store_file.read_bytes()
    serve_day(files, second, [NEAR_SQUARE])
    dying.add(f"/data/deepstatemap_data_{second:%Y%m%d}.geojson")
    log.clear()

    with pytest.raises(FetchError, match="failed after 2 attempt"):
        fetch_days(first, second, tmp_path / "store", base_url, attempts=2, backoff_s=0)
    assert len(log) == 2
    assert store_file.read_bytes() == before
    downloads = tmp_path / "store" / "downloads"
    assert sorted(p.name for p in downloads.iterdir()) == ["deepstatemap_data_20250101.geojson", "manifest.json"]
    assert second.isoformat() not in json.loads((downloads / "manifest.json").read_text())


def test_fetch_command_reports_in_one_line(tmp_path, archive, capsys):
    base_url, files, _, _ = archive
    serve_day(files, DAY, [EAST_SQUARE])
    where = ["--store", str(tmp_path / "s"), "--base-url", base_url]
    assert run_cli("fetch", "--since", "2025-01-01", "--until", "2025-01-02", *where) == 0
    assert "1 day(s) downloaded" in capsys.readouterr().out
    files["/data/deepstatemap_data_20250103.geojson"] = b"<html>rate limited</html>"
    assert run_cli("fetch", "--since", "2025-01-03", "--until", "2025-01-03", *where) == 1
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "20250103" in error and "not GeoJSON" in error


# --- the real DeepState files (skipped without ../shared/realdata) -----------------------------


def _independent_figures(path: Path, radii_km: list[float]) -> dict[str, float]:
    """Metrics of one daily file straight from the file, with plain shapely and pyproj."""
    geometry = shapely.make_valid(shapely.geometry.shape(json.loads(path.read_text())["features"][0]["geometry"]))
    to_utm = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32637", always_xy=True)
    projected = shapely.transform(geometry, lambda xy: np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1])))
    centre = shapely.Point(to_utm.transform(CENTRE_LON, CENTRE_LAT))
    figures = {f"occupied_km2_within_{r:g}km": projected.intersection(centre.buffer(r * 1000, 32)).area / 1e6
               for r in radii_km}
    return figures | {"min_distance_km_from_centre": projected.distance(centre) / 1000}


@pytest.fixture(scope="module")
def real_store(tmp_path_factory) -> FrontlineStore:
    folder = tmp_path_factory.mktemp("real") / "store"
    import_files([REAL_DAILY, REAL_RAW], folder)
    return FrontlineStore.open(folder)


@needs_realdata
def test_real_files_import_with_unchanged_days_shared(real_store):
    daily = sorted(REAL_DAILY.glob("*.geojson"))
    raw = sorted(REAL_RAW.glob("*.geojson"))
    assert len(real_store.dates()) == len(daily) + len(raw)
    occupied_runs = [run for run in real_store.runs() if run.category == OCCUPIED]
    assert len(occupied_runs) < len(real_store.dates())
    assert {real_store.sources()[day].format for day in real_store.dates()} == {"daily", "raw"}
    assert all(real_store.geometry(day).is_valid for day in real_store.dates())


@needs_realdata
def test_real_monthly_metrics_agree_with_an_independent_computation(real_store):
    radii = [5.0, 10.0, 15.0, 30.0]
    metrics = frontline_metrics(real_store, radii_km=radii).set_index("date")
    monthly = {}
    for path in sorted(REAL_DAILY.glob("*.geojson")):
        monthly.setdefault(path.name[18:24], path)  # the first file of each YYYYMM
    assert len(monthly) >= 20
    for path in monthly.values():
        expected = _independent_figures(path, radii)
        row = metrics.loc[file_day(path)[0]]
        for column, value in expected.items():
            if column.startswith("min_distance"):
                assert row[column] == pytest.approx(value, abs=0.05), (path.name, column)
            else:
                assert row[column] == pytest.approx(value, rel=0.005, abs=0.01), (path.name, column)


@needs_realdata
def test_real_raw_export_agrees_with_the_daily_archive_and_has_a_grey_zone(real_store):
    metrics = frontline_metrics(real_store).set_index("date")
    raw_day, daily_day = dt.date(2025, 7, 31), dt.date(2025, 8, 1)  # 19:22 UTC and about 03:00 UTC next day
    assert metrics.loc[raw_day, "occupied_km2_within_30km"] == pytest.approx(
        metrics.loc[daily_day, "occupied_km2_within_30km"], rel=0.01)
    raw_days = [day for day, record in real_store.sources().items() if record.format == "raw"]
    assert metrics.loc[raw_days, "grey_zone_km2_within_30km"].notna().all()
    assert metrics.loc[raw_days, "grey_zone_km2_within_30km"].max() > 0
    assert metrics.loc[daily_day, ["grey_zone_km2_within_30km"]].isna().all()


@needs_realdata
def test_real_settlement_control_orders_the_advance(real_store):
    control = settlement_control(real_store).set_index("place_id")
    assert control.loc["donetsk", "occupied_on_first_date"]
    assert control.loc["avdiivka", "first_occupied"] < control.loc["pokrovsk", "first_occupied"]
    assert control.loc["kramatorsk", "first_occupied"] is None


@needs_realdata
def test_real_reimport_is_cheap(real_store, monkeypatch):
    monkeypatch.setattr(store_module, "parse_frontline", lambda *args: pytest.fail("re-parsed a known file"))
    report = import_files([REAL_DAILY, REAL_RAW], real_store.directory)
    assert report.imported == [] and len(report.unchanged) == len(real_store.dates())
