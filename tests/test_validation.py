"""`pokrovsk data validate`: each rule gets its own broken copy of the real data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO, pokrovsk, read_csv as read, write_csv as write
from pokrovsk.validation import citation_gaps, validate_data_dir
from pokrovsk.vocabulary import PARTIES, side_of

DATA = REPO / "data"


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("scripts"))
    return target


def set_cell(data: Path, table: str, row: int, column: str, value: str) -> None:
    header, rows = read(data / f"{table}.csv")
    rows[row - 1][column] = value
    write(data / f"{table}.csv", header, rows)


def swap_cells(data: Path, table: str, row: int, first: str, second: str) -> None:
    header, rows = read(data / f"{table}.csv")
    rows[row - 1][first], rows[row - 1][second] = rows[row - 1][second], rows[row - 1][first]
    write(data / f"{table}.csv", header, rows)


def only_errors(data: Path) -> list[str]:
    errors = validate_data_dir(data)
    assert errors, "the broken copy was accepted"
    return errors


def assert_named(errors: list[str], *parts: str) -> None:
    assert any(all(part in line for part in parts) for line in errors), "\n".join(errors)


def test_the_committed_data_is_valid():
    assert validate_data_dir(DATA, require_citations=False) == []


def test_every_web_source_links_to_its_publisher():
    assert citation_gaps(DATA) == []


def test_no_row_rises_above_claimed_on_its_claimants_word_alone():
    kinds = {row["source_id"]: row["kind"] for row in read(DATA / "sources.csv")[1]}
    checked = 0
    for table in ("events", "reported_distances", "control", "populations"):
        for number, row in enumerate(read(DATA / f"{table}.csv")[1], start=1):
            if row["claimant"] not in PARTIES:
                continue
            sides = {side_of(kinds[i]) for i in row["source_ids"].split(";")}
            if sides == {row["claimant"]}:
                checked += 1
                assert row["verification"] in ("claimed", "disputed"), f"{table}.csv row {number}"
    assert checked > 20  # the rule has real rows to bite on


def test_every_resource_has_a_source_and_a_schema():
    descriptor = json.loads((DATA / "datapackage.json").read_text())
    for resource in descriptor["resources"]:
        assert resource.get("sources"), resource["name"]
        if resource["path"].endswith(".csv"):
            assert resource["schema"]["fields"] and resource["schema"].get("primaryKey"), resource["name"]


# --- one test per rule -------------------------------------------------------------------


def test_missing_column(data_copy):
    header, rows = read(data_copy / "places.csv")
    header.remove("lat")
    write(data_copy / "places.csv", header, [{k: v for k, v in r.items() if k != "lat"} for r in rows])
    assert_named(only_errors(data_copy), "data/places.csv", "lat")


def test_wrong_type(data_copy):
    set_cell(data_copy, "places", 2, "population", "many")
    assert_named(only_errors(data_copy), "data/places.csv row 2", "column population")


def test_month_thirteen(data_copy):
    set_cell(data_copy, "events", 3, "date", "2025-13-01")
    assert_named(only_errors(data_copy), "data/events.csv row 3", "column date", "not a real date")


def test_day_beyond_month_length(data_copy):
    set_cell(data_copy, "events", 4, "date", "2025-02-30")
    set_cell(data_copy, "events", 4, "date_precision", "day")
    assert_named(only_errors(data_copy), "data/events.csv row 4", "column date", "2025-02-30")


def test_date_after_today(data_copy):
    set_cell(data_copy, "events", 5, "date", "2099-01-01")
    set_cell(data_copy, "events", 5, "date_precision", "day")
    assert_named(only_errors(data_copy), "data/events.csv row 5", "column date", "after today")


def test_precision_that_does_not_match_the_date(data_copy):
    set_cell(data_copy, "events", 6, "date", "2024-08")
    set_cell(data_copy, "events", 6, "date_precision", "day")
    assert_named(only_errors(data_copy), "data/events.csv row 6", "column date_precision")


def test_lat_and_lon_swapped(data_copy):
    swap_cells(data_copy, "places", 1, "lat", "lon")
    assert_named(only_errors(data_copy), "data/places.csv row 1", "column lat", "swapped")


def test_latitude_out_of_range(data_copy):
    set_cell(data_copy, "places", 3, "lat", "95.2")
    assert_named(only_errors(data_copy), "data/places.csv row 3", "column lat")


def test_duplicate_primary_key(data_copy):
    header, rows = read(data_copy / "places.csv")
    rows.append(dict(rows[0]))
    write(data_copy / "places.csv", header, rows)
    assert_named(only_errors(data_copy), "data/places.csv row", "primary-key")


@pytest.mark.parametrize("column, value, message", [
    ("gazetteer_id", "", "mapped place"),  # coordinates without the record they come from
    ("gazetteer_licence", "CC0-1.0", "CC-BY-4.0"),  # a GeoNames record under Wikidata's licence
], ids=["no-record", "wrong-licence"])
def test_a_mapped_place_names_its_gazetteer_record(data_copy, column, value, message):
    set_cell(data_copy, "places", 1, column, value)
    assert_named(only_errors(data_copy), f"data/places.csv row 1, column {column}", message)


def test_unmapped_place_needs_no_gazetteer_record(data_copy):
    header, rows = read(data_copy / "places.csv")
    unmapped = [n for n, r in enumerate(rows, start=1) if not r["lat"]]
    assert unmapped and not validate_data_dir(data_copy)
    assert all(not rows[n - 1]["gazetteer_id"] for n in unmapped)


def test_dangling_source_id(data_copy):
    set_cell(data_copy, "events", 2, "source_ids", "no-such-source")
    assert_named(only_errors(data_copy), "data/events.csv row 2", "column source_ids", "no-such-source")


def test_dangling_place_id(data_copy):
    set_cell(data_copy, "network_edges", 1, "to_place", "atlantis")
    assert_named(only_errors(data_copy), "data/network_edges.csv row 1", "foreign-key")


def test_value_outside_its_enumeration(data_copy):
    set_cell(data_copy, "events", 7, "verification", "rumoured")
    assert_named(only_errors(data_copy), "data/events.csv row 7", "column verification", "rumoured")


def test_required_value_missing(data_copy):
    set_cell(data_copy, "events", 8, "title", "")
    assert_named(only_errors(data_copy), "data/events.csv row 8", "column title")


def test_id_with_spaces(data_copy):
    set_cell(data_copy, "sources", 1, "source_id", "Not A Slug")
    assert_named(only_errors(data_copy), "data/sources.csv row 1", "column source_id")


def test_battle_days_that_do_not_add_up(data_copy):
    header, rows = read(data_copy / "battles.csv")
    rows[0]["days"] = str(int(rows[0]["days"]) + 5)
    write(data_copy / "battles.csv", header, rows)
    assert_named(only_errors(data_copy), "data/battles.csv row 1", "column days")


def test_two_primary_variants_of_one_battle(data_copy):
    header, rows = read(data_copy / "battles.csv")
    duplicate = dict(rows[0], variant="copy", is_primary="true")
    rows.append(duplicate)
    write(data_copy / "battles.csv", header, rows)
    assert_named(only_errors(data_copy), "data/battles.csv", rows[0]["battle_id"], "is_primary")


def test_invalid_utf8(data_copy):
    path = data_copy / "places.csv"
    raw = path.read_bytes().split(b"\n")
    raw[3] = raw[3].replace(b",", b",\xff\xfe", 1)
    path.write_bytes(b"\n".join(raw))
    assert_named(only_errors(data_copy), "data/places.csv line 4", "UTF-8")


def test_empty_file(data_copy):
    (data_copy / "control.csv").write_text("")
    assert_named(only_errors(data_copy), "data/control.csv", "empty")


def test_missing_file(data_copy):
    (data_copy / "reported_distances.csv").unlink()
    assert_named(only_errors(data_copy), "data/reported_distances.csv", "missing")


def test_datapackage_that_is_not_json(data_copy):
    (data_copy / "datapackage.json").write_text("{ not json")
    assert_named(only_errors(data_copy), "data/datapackage.json", "not valid JSON")


def test_invalid_geometry(data_copy):
    path = data_copy / "geo" / "countries.geojson"
    document = json.loads(path.read_text())
    document["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [[[30, 50], [31, 51], [31, 50], [30, 51], [30, 50]]]}
    path.write_text(json.dumps(document))
    assert_named(only_errors(data_copy), "data/geo/countries.geojson feature 1", "geometry", "invalid")


def test_wrong_crs(data_copy):
    path = data_copy / "geo" / "countries.geojson"
    document = json.loads(path.read_text())
    document["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    document["features"][0]["geometry"] = {"type": "Point", "coordinates": [4138000.0, 6148000.0]}
    path.write_text(json.dumps(document))
    errors = only_errors(data_copy)
    assert_named(errors, "data/geo/countries.geojson", "CRS", "3857")
    assert_named(errors, "data/geo/countries.geojson feature 1", "outside")


def test_geojson_that_is_not_json(data_copy):
    (data_copy / "geo" / "countries.geojson").write_text('{"type": "FeatureCollection", "features": [')
    assert_named(only_errors(data_copy), "data/geo/countries.geojson", "not valid JSON")


def test_all_errors_are_reported_at_once(data_copy):
    set_cell(data_copy, "places", 2, "population", "many")
    set_cell(data_copy, "events", 2, "source_ids", "no-such-source")
    set_cell(data_copy, "events", 7, "verification", "rumoured")
    errors = only_errors(data_copy)
    assert_named(errors, "data/places.csv row 2")
    assert_named(errors, "data/events.csv row 2")
    assert_named(errors, "data/events.csv row 7")


# --- the command line ----------------------------------------------------------------------


def test_validate_command_exit_codes(data_copy):
    good = pokrovsk("data", "validate", "--data-dir", str(data_copy), cwd=REPO)
    assert good.returncode == 0, good.stderr
    set_cell(data_copy, "sources", row_number(data_copy, "sources", "source_id", "wikipedia-en-pokrovsk"), "url", "")
    incomplete = pokrovsk("data", "validate", "--data-dir", str(data_copy), cwd=REPO)
    assert incomplete.returncode == 1 and "needs the publisher's http(s) URL" in incomplete.stderr
    set_cell(data_copy, "places", 2, "population", "many")
    bad = pokrovsk("data", "validate", "--data-dir", str(data_copy), cwd=REPO)
    assert bad.returncode == 1
    assert "data/places.csv row 2, column population" in bad.stderr


def test_the_package_is_a_valid_frictionless_data_package_with_licences():
    from frictionless import Package

    package = Package(str(DATA / "datapackage.json"))
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    for resource in package.resources:
        assert resource.licenses and resource.sources, resource.name


def test_build_refuses_bad_data_with_the_same_messages_and_keeps_nothing_half_done(tmp_path):
    from conftest import copy_repo

    root = copy_repo(tmp_path / "repo")
    set_cell(root / "data", "places", 2, "population", "many")
    result = pokrovsk("build", cwd=root)
    assert result.returncode == 1
    assert "data/places.csv row 2, column population" in result.stderr
    assert "nothing was built" in result.stderr
    assert not (root / "_build").exists() and not (root / "book" / "chapters").exists()


# --- the verification rule and the sources (data/README.md, rules a to e) -----------------------

def row_number(data: Path, table: str, column: str, value: str) -> int:
    return next(n for n, row in enumerate(read(data / f"{table}.csv")[1], start=1) if row[column] == value)


@pytest.mark.parametrize("event, changes, message", [
    # (a) Zelensky's figure, on Ukrainian outlets only, cannot be corroborated ...
    ("2025-11-07-314-russians", {"source_ids": "interfax-ukraine-2025-11-07-314-russians", "verification": "corroborated"},
     "speaks for ukraine"),
    # ... and the same rule holds for Russia: a Lenta.ru report alone cannot establish its claim
    ("2025-08-13-pavlohrad-road-claim", {"verification": "established"}, "speaks for russia"),
    # (b) an encyclopaedia beside the claimant's own side does not corroborate a contested row
    ("2024-05-05-ocheretyne-claimed", {"source_ids": "wikipedia-en-ocheretyne;1tv-2025-01-13-pishchane",
                                       "verification": "corroborated"}, "reference work"),
    # (c) established needs two sources independent of the claimant (here: one AP report)
    ("2024-08-15-residents-urged-to-leave", {"verification": "established"}, "at least two sources"),
    # where no party speaks, one source alone (DeepState, through one outlet) does not corroborate itself
    ("2025-08-10-infiltration-numbers", {"verification": "corroborated"}, "only one source"),
], ids=["own-side", "russian-claim", "reference-work", "established", "single-independent"])
def test_the_verification_rule(data_copy, event, changes, message):
    row = row_number(data_copy, "events", "event_id", event)
    for column, value in changes.items():
        set_cell(data_copy, "events", row, column, value)
    assert_named(only_errors(data_copy), f"data/events.csv row {row}", "column verification", message)


def test_a_web_source_needs_its_publishers_url(data_copy):
    row = row_number(data_copy, "sources", "source_id", "wikipedia-en-pokrovsk")
    set_cell(data_copy, "sources", row, "url", "")
    errors = validate_data_dir(data_copy)
    assert_named(errors, f"data/sources.csv row {row}", "column url", "wikipedia-en-pokrovsk", "http(s) URL")
    assert not any(f"data/sources.csv row {row}," in line for line in validate_data_dir(data_copy, require_citations=False))


def test_a_printed_work_needs_a_full_citation(data_copy):
    row = row_number(data_copy, "sources", "source_id", "wikipedia-en-pokrovsk")
    set_cell(data_copy, "sources", row, "kind", "printed_work")
    set_cell(data_copy, "sources", row, "date_published", "")
    set_cell(data_copy, "sources", row, "date_published_precision", "")
    assert_named(validate_data_dir(data_copy), f"data/sources.csv row {row}", "column date_published", "printed work")


def test_a_denied_domain_is_rejected(data_copy):
    row = row_number(data_copy, "sources", "source_id", "censor-2025-01-13-coking-coal")
    set_cell(data_copy, "sources", row, "url", "https://www.devdiscourse.com/article/headlines/123-pokrovsk")
    assert_named(only_errors(data_copy), f"data/sources.csv row {row}", "column url", "deny-list", "devdiscourse.com")


def test_a_lookalike_domain_is_not_denied(data_copy):
    row = row_number(data_copy, "sources", "source_id", "censor-2025-01-13-coking-coal")
    set_cell(data_copy, "sources", row, "url", "https://notdevdiscourse.com/a")
    assert not any(f"data/sources.csv row {row}," in line for line in validate_data_dir(data_copy, require_citations=False))


def test_an_unknown_source_kind_is_named(data_copy):
    set_cell(data_copy, "sources", 3, "kind", "rumour_mill")
    assert_named(only_errors(data_copy), "data/sources.csv row 3", "column kind", "rumour_mill")


def test_every_source_kind_has_a_side():
    kinds = json.loads((DATA / "datapackage.json").read_text())["resources"][0]["schema"]["fields"]
    enum = next(f for f in kinds if f["name"] == "kind")["constraints"]["enum"]
    assert {side_of(kind) for kind in enum} == {"ukraine", "russia", "independent"}
    assert side_of("ukrainian_official") == "ukraine" and side_of("russian_state_media") == "russia"
    assert side_of("reference_work") == "independent"


# --- rules a review could delete unnoticed: each test fails without its rule ----------------


def test_an_extra_column_is_named(data_copy):
    header, rows = read(data_copy / "places.csv")
    write(data_copy / "places.csv", header + ["nickname"], [dict(row, nickname="x") for row in rows])
    errors = only_errors(data_copy)
    assert_named(errors, "data/places.csv", "column nickname", "not in the schema")


def test_reordered_columns_are_named(data_copy):
    header, rows = read(data_copy / "places.csv")
    lat, lon = header.index("lat"), header.index("lon")
    header[lat], header[lon] = header[lon], header[lat]
    write(data_copy / "places.csv", header, rows)  # each value still under its own column name
    errors = only_errors(data_copy)
    assert_named(errors, "data/places.csv", "column lon", "out of order")


def test_a_battle_that_ends_before_it_starts(data_copy):
    swap_cells(data_copy, "battles", 1, "start", "end")
    assert_named(only_errors(data_copy), "data/battles.csv row 1", "column end", "before it starts")


def test_a_name_valid_until_before_it_was_valid_from(data_copy):
    set_cell(data_copy, "place_names", 1, "valid_to", "1850")
    assert_named(only_errors(data_copy), "data/place_names.csv row 1", "column valid_to", "before", "1884")


def test_a_name_valid_to_within_the_year_it_began_is_accepted(data_copy):
    set_cell(data_copy, "place_names", 1, "valid_from", "1884-06")
    set_cell(data_copy, "place_names", 1, "valid_from_precision", "month")
    set_cell(data_copy, "place_names", 1, "valid_to", "1884")
    assert validate_data_dir(data_copy) == []


@pytest.mark.parametrize("document", [{"type": "Feature", "properties": {}, "geometry": None},
                                      {"type": "GeometryCollection", "geometries": []}, []])
def test_geojson_that_is_not_a_feature_collection(data_copy, document):
    (data_copy / "geo" / "countries.geojson").write_text(json.dumps(document))
    assert_named(only_errors(data_copy), "data/geo/countries.geojson", "expected a GeoJSON FeatureCollection")


def descriptor_of(data: Path) -> dict:
    return json.loads((data / "datapackage.json").read_text(encoding="utf-8"))


def test_a_datapackage_without_a_resource_the_book_reads(data_copy):
    descriptor = descriptor_of(data_copy)
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "events"]
    (data_copy / "datapackage.json").write_text(json.dumps(descriptor))
    assert_named(only_errors(data_copy), "data/datapackage.json", "'events'", "no resource")


def test_a_schema_field_of_an_unknown_type(data_copy):
    descriptor = descriptor_of(data_copy)
    places = next(r for r in descriptor["resources"] if r["name"] == "places")
    next(f for f in places["schema"]["fields"] if f["name"] == "population")["type"] = "headcount"
    (data_copy / "datapackage.json").write_text(json.dumps(descriptor))
    assert_named(only_errors(data_copy), "data/datapackage.json", "headcount")


@pytest.mark.parametrize("text, problem", [("[]", "expected a JSON object"),
                                           ('{"name": "pokrovsk", "resources": "all"}', "resources")])
def test_a_datapackage_that_is_not_a_descriptor(data_copy, text, problem):
    (data_copy / "datapackage.json").write_text(text)
    assert_named(only_errors(data_copy), "data/datapackage.json", problem)
