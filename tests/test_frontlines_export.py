"""``pokrovsk frontlines export``: our measurements of a front-line store, as a dataset in data/."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, SHARED
from fixtures_frontlines import CENTRE_LAT, CENTRE_LON, lonlat, square, write_daily
from pokrovsk.frontlines import cli
from pokrovsk.frontlines.export import CHANGES_FILE, EXPORT_RADII_KM, METRICS_FILE, PLACES_FILE, export_dataset
from pokrovsk.frontlines.metrics import DISTANCE_COLUMN, MetricsError, area_column, frontline_metrics
from pokrovsk.frontlines.store import FrontlineStore, import_files
from pokrovsk.validation import validate_data_dir

REALDATA = SHARED / "realdata"
REAL_DEEPSTATE = [REALDATA / "deepstate" / "cyterat", REALDATA / "deepstate" / "raw"]
needs_realdata = pytest.mark.skipif(not all(p.is_dir() for p in REAL_DEEPSTATE), reason=f"{REALDATA} is absent")

DAY = dt.date(2025, 1, 1)
DAYS = [DAY + dt.timedelta(days=n) for n in range(4)]
EXPORTED = (METRICS_FILE, PLACES_FILE, CHANGES_FILE)


@pytest.fixture
def store(tmp_path) -> FrontlineStore:
    """Four days: a square 10 km east twice, then one 1-3 km north-east, then one over the centre."""
    folder = tmp_path / "daily"
    for day, rings in zip(DAYS, [[square(10, -1, 2)], [square(10, -1, 2)], [square(1, 1, 2)], [square(-1, -1, 2)]],
                          strict=True):
        write_daily(folder, day, rings)
    import_files([folder], tmp_path / "store")
    return FrontlineStore.open(tmp_path / "store")


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A places.csv with a place at the centre, one inside the north-east square, one 100 km away
    (outside the store's area) and one without coordinates."""
    folder = tmp_path / "data"
    folder.mkdir()
    north_east_lon, north_east_lat = lonlat(2, 2)
    far_lon, far_lat = lonlat(100, 0)
    pd.DataFrame({"place_id": ["centre", "north-east", "far", "unlocated"],
                  "lat": [CENTRE_LAT, north_east_lat, far_lat, None],
                  "lon": [CENTRE_LON, north_east_lon, far_lon, None]}).to_csv(folder / "places.csv", index=False)
    return folder


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def test_export_on_the_fixtures_gives_the_measured_numbers(store, data_dir):
    report = export_dataset(store, data_dir)

    assert report.files == [data_dir / name for name in EXPORTED]
    assert (report.first_date, report.last_date, report.dates, report.places) == ("2025-01-01", "2025-01-04", 4, 2)
    metrics = read(data_dir, METRICS_FILE)
    assert list(metrics.columns) == ["date", "occupied_km2_within_10km", "occupied_km2_within_20km",
                                     "occupied_km2_within_30km", DISTANCE_COLUMN, "source_format", "source_file"]
    assert list(metrics["date"]) == [day.isoformat() for day in DAYS]
    assert [float(v) for v in metrics["occupied_km2_within_10km"]] == pytest.approx([0, 0, 4, 4], abs=1e-3)
    assert [float(v) for v in metrics["occupied_km2_within_30km"]] == pytest.approx([4, 4, 4, 4], abs=1e-3)
    assert [float(v) for v in metrics[DISTANCE_COLUMN]] == pytest.approx([10, 10, math.sqrt(2), 0], abs=1e-3)
    assert set(metrics["source_format"]) == {"daily"}
    assert metrics["source_file"][0] == "deepstatemap_data_20250101.geojson"


def test_export_matches_frontlines_metrics(store, data_dir):
    export_dataset(store, data_dir)
    exported = pd.read_csv(data_dir / METRICS_FILE)
    measured = frontline_metrics(store, None, EXPORT_RADII_KM)
    for column in [area_column("occupied", radius) for radius in EXPORT_RADII_KM] + [DISTANCE_COLUMN]:
        assert list(exported[column]) == pytest.approx(list(measured[column]), abs=1e-4), column


def test_places_get_their_first_occupied_date_and_every_change(store, data_dir):
    export_dataset(store, data_dir)

    places = read(data_dir, PLACES_FILE)
    assert places.to_dict("records") == [
        {"place_id": "centre", "first_occupied": "2025-01-04", "occupied_on_first_date": "false",
         "left_later": "false", "occupied_on_last_date": "true"},
        {"place_id": "north-east", "first_occupied": "2025-01-03", "occupied_on_first_date": "false",
         "left_later": "true", "occupied_on_last_date": "false"},
    ]
    changes = read(data_dir, CHANGES_FILE)
    assert changes.to_dict("records") == [
        {"place_id": "centre", "date": "2025-01-01", "occupied": "false", "previous_date": ""},
        {"place_id": "centre", "date": "2025-01-04", "occupied": "true", "previous_date": "2025-01-03"},
        {"place_id": "north-east", "date": "2025-01-01", "occupied": "false", "previous_date": ""},
        {"place_id": "north-east", "date": "2025-01-03", "occupied": "true", "previous_date": "2025-01-02"},
        {"place_id": "north-east", "date": "2025-01-04", "occupied": "false", "previous_date": "2025-01-03"},
    ]


def test_re_running_the_export_writes_the_same_bytes(store, data_dir):
    export_dataset(store, data_dir)
    first = {name: (data_dir / name).read_bytes() for name in EXPORTED}
    export_dataset(FrontlineStore.open(store.directory), data_dir)
    assert {name: (data_dir / name).read_bytes() for name in EXPORTED} == first


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="pokrovsk")
    cli.add_commands(parser.add_subparsers(dest="command", required=True))
    return cli.run(parser.parse_args(["frontlines", *argv]))


def test_a_failed_export_leaves_data_unchanged(store, data_dir, tmp_path, capsys):
    export_dataset(store, data_dir)
    before = {path.name: path.read_bytes() for path in data_dir.iterdir()}

    assert run_cli("export", "--store", str(tmp_path / "empty-store"), "--data-dir", str(data_dir)) == 1
    assert "no front lines stored yet" in capsys.readouterr().err
    (data_dir / "places.csv").write_text("place_id,name\nx,y\n", encoding="utf-8")  # no coordinates
    with pytest.raises(MetricsError, match=r"places\.csv: cannot read place ids and coordinates"):
        export_dataset(store, data_dir)

    after = {path.name: path.read_bytes() for path in data_dir.iterdir() if path.name != "places.csv"}
    assert after == {name: data for name, data in before.items() if name != "places.csv"}


def test_the_cli_exports_into_the_data_folder(store, data_dir, capsys):
    assert run_cli("export", "--store", str(store.directory), "--data-dir", str(data_dir)) == 0
    assert "measured 4 date(s) from 2025-01-01 to 2025-01-04 and 2 place(s)" in capsys.readouterr().out
    assert all((data_dir / name).is_file() for name in EXPORTED)


def test_validation_names_file_row_and_field_of_a_bad_export(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    metrics = data / METRICS_FILE
    lines = metrics.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(",")
    fields[1] = "-1"  # negative km²
    lines[1] = ",".join(fields)
    metrics.write_text("\n".join(lines) + "\n", encoding="utf-8")
    changes = data / CHANGES_FILE
    changes.write_text(changes.read_text(encoding="utf-8").replace("\npokrovsk,", "\nnowhere,", 1), encoding="utf-8")

    errors = validate_data_dir(data, require_citations=False)

    assert any(e.startswith("data/frontline_metrics.csv row 1, column occupied_km2_within_10km: constraint-error")
               for e in errors), errors
    assert any(e.startswith("data/frontline_place_changes.csv row 1") and "nowhere" in e for e in errors), errors


def test_the_committed_dataset_is_valid_and_covers_pokrovsk():
    assert validate_data_dir(REPO / "data", require_citations=False) == []
    places = read(REPO / "data", PLACES_FILE).set_index("place_id")
    assert places.loc["pokrovsk", "first_occupied"] != ""


@needs_realdata
def test_the_real_archive_exports_what_frontlines_metrics_measures(tmp_path):
    import_files(REAL_DEEPSTATE, tmp_path / "store")
    store = FrontlineStore.open(tmp_path / "store")
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(REPO / "data" / "places.csv", data / "places.csv")

    export_dataset(store, data)

    exported = pd.read_csv(data / METRICS_FILE)
    measured = frontline_metrics(store, None, EXPORT_RADII_KM)
    assert len(exported) == len(measured) == len(store.dates())
    for column in [area_column("occupied", radius) for radius in EXPORT_RADII_KM] + [DISTANCE_COLUMN]:
        assert list(exported[column]) == pytest.approx(list(measured[column]), abs=1e-4, nan_ok=True), column
    # The committed dataset is this export, so the book's numbers can be made again from the archive.
    for name in EXPORTED:
        assert (data / name).read_bytes() == (REPO / "data" / name).read_bytes(), name
    # ... and `pokrovsk frontlines metrics` on the same store gives the same figures.
    radii = ",".join(f"{radius:g}" for radius in EXPORT_RADII_KM)
    assert run_cli("metrics", "--store", str(tmp_path / "store"), "--radii", radii,
                   "--out", str(tmp_path / "metrics.csv")) == 0
    command = pd.read_csv(tmp_path / "metrics.csv")
    committed = pd.read_csv(REPO / "data" / METRICS_FILE)
    assert list(command["date"]) == list(committed["date"])
    for column in [area_column("occupied", radius) for radius in EXPORT_RADII_KM] + [DISTANCE_COLUMN]:
        assert list(command[column]) == pytest.approx(list(committed[column]), abs=1e-4, nan_ok=True), column
