"""The data module: one loader per dataset, typed and validated, cut at as_of."""

from __future__ import annotations

import datetime as dt
import shutil

import geopandas as gpd
import pandas as pd
import pytest

from conftest import REPO
from pokrovsk import data, sources
from pokrovsk.validation import DataInvalid

DATA = REPO / "data"
DATED_LOADERS = {"events": data.load_events, "populations": data.load_populations,
                 "reported_distances": data.load_reported_distances, "control": data.load_control}


def test_places_are_points_in_wgs84_with_typed_columns():
    places = data.load_places(DATA)
    assert isinstance(places, gpd.GeoDataFrame) and places.crs.to_epsg() == 4326
    pokrovsk = places.set_index("place_id").loc["pokrovsk"]
    assert pokrovsk["population"] == 60127 and pokrovsk["population_year"] == 2022
    assert pokrovsk.geometry.y == pytest.approx(48.28, abs=0.02) and pokrovsk.geometry.x == pytest.approx(37.18, abs=0.02)
    assert str(places["population"].dtype) == "Int64"


@pytest.mark.parametrize("loader", [data.load_sources, data.load_place_names, data.load_battles,
                                    *DATED_LOADERS.values()])
def test_every_table_loader_returns_rows(loader):
    assert len(loader(DATA)) > 0


@pytest.mark.parametrize("loader", [data.load_place_names, data.load_battles, *DATED_LOADERS.values()])
def test_every_sourced_table_cites_known_sources(loader):
    frame = loader(DATA)
    assert "source_ids" in frame
    assert set(sources.ids_in(frame)) <= set(data.load_sources(DATA)["source_id"])


def test_battles_have_typed_booleans_and_one_primary_variant_each():
    battles = data.load_battles(DATA)
    assert str(battles["is_primary"].dtype) == "boolean"
    assert (battles.groupby("battle_id")["is_primary"].sum() == 1).all()
    assert {"mariupol", "bakhmut", "avdiivka", "pokrovsk"} <= {b.split("-")[0] for b in battles["battle_id"]} | set(battles["battle_id"])


def test_network_edges_become_lines_between_their_places():
    network = data.load_network(DATA)
    places = data.load_places(DATA).set_index("place_id")
    first = network.iloc[0]
    start, end = first.geometry.coords[0], first.geometry.coords[-1]
    assert start == (places.loc[first["from_place"]].geometry.x, places.loc[first["from_place"]].geometry.y)
    assert end == (places.loc[first["to_place"]].geometry.x, places.loc[first["to_place"]].geometry.y)
    assert network["schematic"].all()


def test_countries_include_ukraine_with_crimea():
    countries = data.load_countries(DATA)
    assert countries.crs.to_epsg() == 4326
    assert "Ukraine" in set(countries["name"])


@pytest.mark.parametrize("name", DATED_LOADERS)
def test_as_of_keeps_only_what_happened_and_was_published_by_that_day(name):
    loader = DATED_LOADERS[name]
    everything = loader(DATA)
    cut = dt.date(2025, 1, 15)
    kept = loader(DATA, as_of=cut)
    assert 0 < len(kept) < len(everything)
    assert (kept["date_end"] <= pd.Timestamp(cut)).all()
    published = {r["source_id"]: r["date_published"] for _, r in data.load_sources(DATA).iterrows()}

    def out_by_cut(source_id, row_end):
        date = published.get(source_id)
        return (data.period_bounds(date)[1] if isinstance(date, str) else row_end) <= cut

    for _, row in kept.iterrows():  # every citation left had been published by the cut
        assert all(out_by_cut(i, row["date_end"].date()) for i in sources.split_ids(row["source_ids"]))
    dropped = everything[(everything["date_end"] <= pd.Timestamp(cut))
                         & ~everything[everything.columns[0]].isin(kept[kept.columns[0]])]
    for _, row in dropped.iterrows():  # happened by then, but nobody had reported it yet
        assert not any(out_by_cut(i, row["date_end"].date()) for i in sources.split_ids(row["source_ids"]))


def test_a_month_is_kept_only_once_it_is_over():
    events = data.load_events(DATA)
    month_rows = events[events["date_precision"] == "month"]
    row = month_rows.iloc[-1]
    mid_month = row["date_start"].date() + dt.timedelta(days=10)
    assert row["event_id"] not in set(data.load_events(DATA, as_of=mid_month)["event_id"])
    assert row["event_id"] in set(data.load_events(DATA, as_of=row["date_end"].date())["event_id"])


def test_period_bounds_know_month_lengths():
    assert data.period_bounds("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert data.period_bounds("2025") == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert data.period_bounds("2025-11-03") == (dt.date(2025, 11, 3), dt.date(2025, 11, 3))


def test_latest_date_is_the_last_day_any_row_can_mean():
    latest = data.latest_date(DATA)
    ends = [loader(DATA)["date_end"].max().date() for loader in DATED_LOADERS.values()]
    ends.append(data.load_frontline_metrics(DATA)["date"].max())
    assert latest == min(max(ends), dt.date.today())


def test_a_data_dir_override_reads_the_users_copy(tmp_path):
    copy = tmp_path / "mydata"
    shutil.copytree(DATA, copy)
    places = copy / "places.csv"
    places.write_text(places.read_text(encoding="utf-8").replace("Pokrovsk,", "Pokrovsk (my copy),", 1), encoding="utf-8")
    assert "Pokrovsk (my copy)" in set(data.load_places(copy)["name_en"])
    assert "Pokrovsk (my copy)" not in set(data.load_places(DATA)["name_en"])


def test_loaders_refuse_invalid_data_naming_file_row_and_column(tmp_path):
    copy = tmp_path / "broken"
    shutil.copytree(DATA, copy)
    events = copy / "events.csv"
    lines = events.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(",history,", ",gossip,", 1)
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataInvalid, match="data/events.csv row 1, column category"):
        data.load_events(copy)


def test_loading_is_cached_but_sees_edits(tmp_path):
    copy = tmp_path / "cached"
    shutil.copytree(DATA, copy)
    first = data.load_sources(copy)
    assert data.load_sources(copy).equals(first)
    path = copy / "sources.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Natural Earth,", "Natural Earth (edited),", 1), encoding="utf-8")
    assert "Natural Earth (edited)" in set(data.load_sources(copy)["publisher"])


def test_verification_falls_back_to_what_was_published_by_as_of():
    """Chasiv Yar's outskirts: a Ukrainian outlet in April 2024, Reuters only in July 2025."""
    event = "2024-04-04-chasiv-yar-outskirts"
    later = data.load_events(as_of="2025-08-01").set_index("event_id").loc[event]
    earlier = data.load_events(as_of="2025-06-01").set_index("event_id").loc[event]
    assert later["verification"] == "established"
    assert (earlier["verification"], earlier["source_ids"]) == ("claimed", "kyiv-independent-2024-04-05")
    assert data.load_events().set_index("event_id").loc[event, "verification"] == "established"


@pytest.mark.parametrize("as_of", ["2023-06-01", "2024-02-17", "2025-06-15", "2026-08-01"])
def test_the_front_line_measurements_are_cut_at_as_of(as_of):
    cut = dt.date.fromisoformat(as_of)
    every = data.load_frontline_metrics(DATA)
    metrics = data.load_frontline_metrics(DATA, as_of)
    assert list(metrics["date"]) == [day for day in every["date"] if day <= cut]
    changes = data.load_frontline_place_changes(DATA, as_of)
    assert all(day <= cut for day in changes["date"])
    assert data.latest_measurement(DATA, as_of) == (metrics["date"].iloc[-1] if len(metrics) else None)
