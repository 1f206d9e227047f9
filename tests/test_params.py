import datetime as dt
from pathlib import Path

import pytest

from conftest import REPO, copy_repo, pokrovsk
from pokrovsk.params import PERIOD_START, BookParams, ParameterError, load_params, parse_assignments


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
        ("language=de", "language"),
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


# --- the book's period, folders and files: every parameter checked before anything runs ----

TODAY = dt.date.today()


def test_as_of_may_be_any_day_of_the_period_from_the_fall_of_avdiivka_to_today():
    assert PERIOD_START == dt.date(2024, 2, 17)
    assert BookParams.from_mapping({"as_of": "2024-02-17"}).as_of == PERIOD_START
    assert BookParams.from_mapping({"as_of": TODAY.isoformat()}).as_of == TODAY


@pytest.mark.parametrize("as_of, problem", [
    ("2024-02-16", "outside the book's period"),
    ("1990-01-01", "outside the book's period"),
    ("tomorrow", "outside the book's period"),
    ("2025-02-30", "not a real date"),
    ("20250101", "not a date"),
])
def test_a_date_outside_the_period_or_impossible_is_refused_with_the_range(as_of, problem):
    # "Today" is read when the test runs, not when it was collected: a run may cross midnight.
    today = dt.date.today()
    if as_of == "tomorrow":
        as_of = (today + dt.timedelta(days=1)).isoformat()
    with pytest.raises(ParameterError) as refused:
        BookParams.from_mapping({"as_of": as_of})
    message = str(refused.value)
    assert message.startswith("parameter as_of: ") and problem in message
    assert f"{PERIOD_START} (the fall of Avdiivka) to today ({today})" in message


def test_a_relative_data_dir_is_taken_from_the_project_root_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/ here
    params = BookParams.from_mapping({"data_dir": "data"})
    assert params.resolved().data_dir == str(REPO / "data")


@pytest.mark.parametrize("make, problem", [
    (lambda folder: None, "is not a folder"),
    (lambda folder: folder.mkdir(), "holds no datapackage.json"),
])
def test_data_dir_must_be_a_folder_with_a_datapackage(tmp_path, make, problem):
    make(tmp_path / "mydata")
    with pytest.raises(ParameterError, match=f"parameter data_dir: .*mydata {problem}"):
        BookParams.from_mapping({"data_dir": str(tmp_path / "mydata")})


def fake_store(folder: Path, content: bytes = b"PAR1 ... PAR1") -> Path:
    folder.mkdir(parents=True)
    (folder / "store.parquet").write_bytes(content)
    return folder


@pytest.mark.parametrize("make, problem", [
    (lambda folder: None, "does not exist"),
    (lambda folder: folder.write_text("not a folder"), "is not a folder"),
    (lambda folder: folder.mkdir(), "holds no store.parquet"),
    (lambda folder: fake_store(folder, b"category,date\n"), "has a store.parquet that is not Parquet"),
])
def test_frontlines_must_be_a_front_line_store(tmp_path, make, problem):
    make(tmp_path / "store")
    with pytest.raises(ParameterError) as refused:
        BookParams.from_mapping({"frontlines": str(tmp_path / "store")})
    assert str(refused.value) == (f"parameter frontlines: {tmp_path / 'store'} {problem}, so it is not a front-line "
                                  f"store (make one with `pokrovsk frontlines import`)")


def test_a_store_given_relative_to_the_project_root_is_found_from_anywhere(tmp_path, monkeypatch):
    store = fake_store(tmp_path / "project" / "frontlines")
    monkeypatch.chdir(tmp_path)
    params = BookParams.from_mapping({"frontlines": "frontlines", "data_dir": str(REPO / "data")}, root=tmp_path / "project")
    assert params.resolved(tmp_path / "project").frontlines == str(store)


@pytest.mark.parametrize("centre", ["NaN,37.2", "48.3,inf", "10.0,10.0", "37.2,48.3"])
def test_centre_must_lie_in_ukraine(centre):
    with pytest.raises(ParameterError, match="parameter centre: .* outside Ukraine"):
        BookParams.from_mapping(parse_assignments([f"centre={centre}"]))


@pytest.mark.parametrize("name", ["radius_km", "tile_timeout_s"])
def test_a_yes_or_no_is_not_a_number(name):
    with pytest.raises(ParameterError, match=f"parameter {name}: True is not a number"):
        BookParams.from_mapping({name: True})


@pytest.mark.parametrize("text, problem", [
    ("as_of: 2025-02-30\n", "parameter as_of: 2025-02-30 is not a real date"),
    ("as_of: [2025\n", "is not valid YAML"),
    ("radius_km: 0\n", "parameter radius_km: 0.0 is outside 0..500 km"),
    ("- as_of\n", "must hold a mapping"),
])
def test_a_bad_params_file_is_refused_naming_the_file(tmp_path, text, problem):
    extra = tmp_path / "extra.yml"
    extra.write_text(text)
    with pytest.raises(ParameterError) as refused:
        load_params(REPO / "book" / "params.yml", extra_file=extra)
    assert str(extra) in str(refused.value) and problem in str(refused.value)


def test_a_bad_value_in_the_committed_file_is_refused_even_when_the_command_line_overrides_it(tmp_path):
    params_file = tmp_path / "params.yml"
    params_file.write_text((REPO / "book" / "params.yml").read_text().replace("radius_km: 20", "radius_km: -1"))
    with pytest.raises(ParameterError, match=f"{params_file}: parameter radius_km"):
        load_params(params_file, {"radius_km": "25"})


def one_line_refusal(result, *named: str) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert all(name in lines[0] for name in named), lines[0]
    assert "Traceback" not in result.stderr and "executed" not in result.stdout
    return lines[0]


@pytest.mark.parametrize("command", [["build"], ["run", "notebooks/01_where.ipynb"]])
@pytest.mark.parametrize("assignment, named", [
    ("frontlines=/nonexistent", ("frontlines", "/nonexistent")),
    ("as_of=1990-01-01", ("as_of", "2024-02-17")),
    ("as_of=2025-02-30", ("as_of", "2024-02-17")),
    (f"as_of={TODAY + dt.timedelta(days=30)}", ("as_of", "2024-02-17")),
    ("data_dir=/nonexistent", ("data_dir", "/nonexistent")),
    ("language=english", ("language", "en, uk")),
])
def test_the_command_refuses_a_bad_parameter_in_one_line_before_running_anything(command, assignment, named):
    one_line_refusal(pokrovsk(*command, "--param", assignment, cwd=REPO), *named)


def test_the_frontlines_option_is_checked_like_the_parameter(tmp_path):
    one_line_refusal(pokrovsk("build", "--frontlines", str(tmp_path), cwd=REPO), "frontlines", "holds no store.parquet")


@pytest.mark.parametrize("option", ["de", "en,xx", ","])
def test_the_language_option_names_the_editions_it_may_build(option):
    one_line_refusal(pokrovsk("build", "--language", option, cwd=REPO), "--language", "en, uk")


def test_each_edition_has_its_language():
    assert BookParams().language == "en"
    assert BookParams.from_mapping(parse_assignments(["language=uk"])).for_notebook()["language"] == "uk"


def test_a_bad_params_file_on_the_command_line_is_refused_in_one_line(tmp_path):
    extra = tmp_path / "extra.yml"
    extra.write_text("as_of: 2025-02-30\n")
    one_line_refusal(pokrovsk("build", "--params", str(extra), cwd=REPO), str(extra), "as_of")
    extra.write_text("as_of: [2025\n  radius_km: 3\n")
    one_line_refusal(pokrovsk("build", "--params", str(extra), cwd=REPO), str(extra), "not valid YAML")


@pytest.mark.parametrize("old, new, named", [
    ("as_of: null", "as_of: 1990-01-01", "as_of"),
    ("frontlines: null", "frontlines: /nonexistent", "frontlines"),
    ("radius_km: 20", "radius_km: 20 km", "radius_km"),
])
def test_a_bad_committed_params_file_is_refused_in_one_line(tmp_path, old, new, named):
    root = copy_repo(tmp_path / "repo")
    params_file = root / "book" / "params.yml"
    params_file.write_text(params_file.read_text().replace(old, new))
    one_line_refusal(pokrovsk("build", cwd=root), str(params_file), named)
