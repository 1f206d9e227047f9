import datetime as dt
from pathlib import Path

import pytest

from conftest import REPO, pokrovsk
from pokrovsk.params import BookParams, ParameterError, load_params, parse_assignments


def test_defaults_come_from_the_committed_params_file():
    params = load_params(REPO / "book" / "params.yml")
    assert params.data_dir == "data"
    assert params.centre == (48.2820, 37.1760)
    assert params.as_of is None
    assert params.basemap == "offline"


def test_values_are_typed_from_command_line_strings():
    params = BookParams.from_mapping(parse_assignments(
        ["as_of=2025-12-01", "radius_km=30", "centre=48.3,37.2", "basemap=osm", "tile_timeout_s=2.5"]))
    assert params.as_of == dt.date(2025, 12, 1)
    assert params.radius_km == 30.0
    assert params.centre == (48.3, 37.2)
    assert params.basemap == "osm"
    assert params.tile_timeout_s == 2.5


def test_as_of_latest_means_the_latest_date_in_the_data():
    assert BookParams.from_mapping({"as_of": "latest"}).as_of is None


@pytest.mark.parametrize(
    "assignment, named",
    [
        ("as_of=2025-13-40", "as_of"),
        ("as_of=yesterday", "as_of"),
        ("as_of=2999-01-01", "as_of"),
        ("radius_km=-3", "radius_km"),
        ("radius_km=far", "radius_km"),
        ("centre=37.2", "centre"),
        ("centre=248.3,37.2", "centre"),
        ("basemap=google", "basemap"),
        ("tile_timeout_s=0", "tile_timeout_s"),
        ("nonsense=1", "nonsense"),
    ],
)
def test_a_bad_value_names_its_parameter(assignment, named):
    with pytest.raises(ParameterError, match=named):
        BookParams.from_mapping(parse_assignments([assignment]))


def test_an_assignment_without_equals_sign_is_refused():
    with pytest.raises(ParameterError, match="KEY=VALUE"):
        parse_assignments(["as_of"])


def test_a_params_file_with_an_unknown_key_is_refused(tmp_path: Path):
    extra = tmp_path / "extra.yml"
    extra.write_text("as_of: 2025-11-01\ncolour: red\n")
    with pytest.raises(ParameterError, match="colour"):
        load_params(REPO / "book" / "params.yml", extra_file=extra)


def test_the_notebook_receives_plain_values():
    values = BookParams.from_mapping({"as_of": "2025-12-01"}).for_notebook()
    assert values["as_of"] == "2025-12-01"
    assert values["centre"] == [48.2820, 37.1760]
    assert set(values) == set(BookParams.names())


@pytest.mark.parametrize("argument, named", [("nonsense=1", "nonsense"), ("as_of=2025-13-40", "as_of")])
def test_the_command_exits_2_naming_the_parameter_before_running_anything(tmp_path, argument, named):
    result = pokrovsk("build", "--param", argument, cwd=REPO)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0]
    assert "executed" not in result.stdout
