"""Typed, validated book parameters.

Every notebook receives the same book-wide parameters. They come from the committed
``book/params.yml`` and may be overridden on the command line; all of them are checked
here, before any notebook runs, so a typo costs one line of output and not a broken book.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from typing import Any, Mapping

import yaml

from pokrovsk import paths

BASEMAP_CHOICES = ("offline", "osm")
"""``offline`` draws the basemap from local vector data and never touches the network;
``osm`` asks for OpenStreetMap tiles through contextily and falls back to ``offline``."""
PERIOD_START = dt.date(2024, 2, 17)
"""The book's period begins with the fall of Avdiivka: from then on Russia's advance in Donetsk
oblast turned west towards Pokrovsk. ``as_of`` may be any day from this one to today."""
LANGUAGES = ("en", "uk")
"""The book's editions: the language of its words (``pokrovsk/words/<language>``) and its pages."""
UKRAINE_LATITUDES = (44.0, 52.5)
UKRAINE_LONGITUDES = (22.0, 40.5)
"""Ukraine's bounding box: a ``centre`` outside it would leave every local map and distance empty."""
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ParameterError(ValueError):
    """A parameter that is unknown or has a bad value; the message names it."""


def supported_period() -> str:
    return f"{PERIOD_START} (the fall of Avdiivka) to today ({dt.date.today()})"


def _parse_as_of(value: Any) -> dt.date | None:
    if value is None or value == "" or (isinstance(value, str) and value.lower() in {"null", "none", "latest"}):
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = str(value).strip()
        if not ISO_DATE.fullmatch(text):
            raise ParameterError(f"parameter as_of: {text!r} is not a date; expected YYYY-MM-DD from "
                                 f"{supported_period()}, or latest")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ParameterError(f"parameter as_of: {text} is not a real date; expected a day from "
                                 f"{supported_period()}") from None
    if not PERIOD_START <= day <= dt.date.today():
        raise ParameterError(f"parameter as_of: {day} is outside the book's period, {supported_period()}")
    return day


def _parse_float(name: str, value: Any) -> float:
    try:
        if isinstance(value, bool):
            raise TypeError
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {name}: {value!r} is not a number") from None


def _parse_centre(name: str, value: Any) -> tuple[float, float]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ParameterError(f"parameter {name}: {value!r} is not 'LAT,LON'")
    lat, lon = (_parse_float(name, v) for v in value)
    (south, north), (west, east) = UKRAINE_LATITUDES, UKRAINE_LONGITUDES
    if not (south <= lat <= north and west <= lon <= east):
        raise ParameterError(f"parameter {name}: {lat},{lon} is outside Ukraine "
                             f"(latitude {south:g}..{north:g}, longitude {west:g}..{east:g}; is it LAT,LON?)")
    return (lat, lon)


def _folder_path(name: str, value: Any) -> str:
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise ParameterError(f"parameter {name}: {value!r} is not a folder path")
    return str(value).strip()


def _check_data_dir(value: str, root: Path | None) -> None:
    folder = paths.in_project(value, root)
    if not folder.is_dir():
        raise ParameterError(f"parameter data_dir: {folder} is not a folder (relative paths start at the project root)")
    if not (folder / "datapackage.json").is_file():
        raise ParameterError(f"parameter data_dir: {folder} holds no datapackage.json (expected a copy of data/)")


def _check_frontline_store(value: str, root: Path | None) -> None:
    folder = paths.in_project(value, root)
    store = folder / paths.FRONTLINE_STORE_FILE
    if not folder.is_dir():
        problem = "does not exist" if not folder.exists() else "is not a folder"
    elif not store.is_file():
        problem = f"holds no {paths.FRONTLINE_STORE_FILE}"
    else:
        with store.open("rb") as handle:
            problem = None if handle.read(4) == b"PAR1" else f"has a {paths.FRONTLINE_STORE_FILE} that is not Parquet"
    if problem:
        raise ParameterError(f"parameter frontlines: {folder} {problem}, so it is not a front-line store "
                             f"(make one with `pokrovsk frontlines import`)")


@dataclasses.dataclass(frozen=True)
class BookParams:
    """The parameters every chapter notebook accepts (see ``book/params.yml``)."""

    as_of: dt.date | None = None
    """The date the book describes the situation at; None means the latest date in the data."""
    data_dir: str = "data"
    """Folder with the curated data package; relative paths are taken from the project root."""
    centre: tuple[float, float] = (48.2820, 37.1760)
    """Centre of the area of interest, (lat, lon): Pokrovsk city centre."""
    radius_km: float = 20.0
    """Radius of the area of interest around ``centre``."""
    basemap: str = "offline"
    """Basemap for static maps: one of BASEMAP_CHOICES."""
    tile_timeout_s: float = 8.0
    """Network timeout for one web-tile request."""
    frontlines: str | None = None
    """Folder of a front-line store (``pokrovsk frontlines import``; relative to the project root);
    None builds without real front lines."""
    language: str = "en"
    """The edition's language: one of LANGUAGES. Words, dates, numbers and figures follow it."""

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], root: Path | None = None) -> "BookParams":
        """Typed and checked parameters; folders are checked in the project at ``root``
        (default: this package's project, see pokrovsk.paths)."""
        unknown = sorted(str(name) for name in values if name not in cls.names())
        if unknown:
            raise ParameterError(
                f"unknown parameter {unknown[0]!r} (known: {', '.join(cls.names())})"
            )
        merged = dataclasses.asdict(cls()) | dict(values)
        as_of = _parse_as_of(merged["as_of"])
        radius_km = _parse_float("radius_km", merged["radius_km"])
        if not 0 < radius_km <= 500:
            raise ParameterError(f"parameter radius_km: {radius_km} is outside 0..500 km")
        timeout = _parse_float("tile_timeout_s", merged["tile_timeout_s"])
        if not 0 < timeout <= 120:
            raise ParameterError(f"parameter tile_timeout_s: {timeout} is outside 0..120 s")
        basemap = str(merged["basemap"])
        if basemap not in BASEMAP_CHOICES:
            raise ParameterError(f"parameter basemap: {basemap!r} is not one of {', '.join(BASEMAP_CHOICES)}")
        centre = _parse_centre("centre", merged["centre"])
        data_dir = _folder_path("data_dir", merged["data_dir"])
        _check_data_dir(data_dir, root)
        frontlines = merged["frontlines"]
        if frontlines is not None and str(frontlines).strip().lower() in ("", "null", "none"):
            frontlines = None
        if frontlines is not None:
            frontlines = _folder_path("frontlines", frontlines)
            _check_frontline_store(frontlines, root)
        language = str(merged["language"])
        if language not in LANGUAGES:
            raise ParameterError(f"parameter language: {language!r} is not one of {', '.join(LANGUAGES)}")
        return cls(as_of=as_of, data_dir=data_dir, centre=centre, radius_km=radius_km, basemap=basemap,
                   tile_timeout_s=timeout, frontlines=frontlines, language=language)

    def resolved(self, root: Path | None = None) -> "BookParams":
        """The same parameters with absolute folders, for a kernel that runs in another folder."""
        frontlines = str(paths.in_project(self.frontlines, root)) if self.frontlines else None
        return dataclasses.replace(self, data_dir=str(paths.in_project(self.data_dir, root)), frontlines=frontlines)

    def for_notebook(self) -> dict[str, Any]:
        """Plain values papermill can inject (dates as ISO strings, tuples as lists)."""
        values = dataclasses.asdict(self)
        values["as_of"] = self.as_of.isoformat() if self.as_of else None
        values["centre"] = list(self.centre)
        return values


def parse_assignments(assignments: list[str]) -> dict[str, str]:
    """``["as_of=2025-12-01", ...]`` from ``--param`` options into a mapping."""
    parsed: dict[str, str] = {}
    for item in assignments:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"--param {item!r}: expected KEY=VALUE")
        parsed[key.strip()] = value.strip()
    return parsed


class _TextDatesLoader(yaml.SafeLoader):
    """YAML that leaves dates as text, so an impossible one (2025-02-30) reaches the as_of check
    and is refused in one line instead of failing inside the YAML parser."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_params_file(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDatesLoader)
    except (FileNotFoundError, IsADirectoryError):
        raise ParameterError(f"parameters file {path} does not exist") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ParameterError(f"parameters file {path} is not valid YAML: {' '.join(str(error).split())}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ParameterError(f"parameters file {path} must hold a mapping of parameter: value")
    return loaded


def load_params(
    params_file: Path | None, overrides: Mapping[str, Any] | None = None, extra_file: Path | None = None,
    root: Path | None = None,
) -> BookParams:
    """Book parameters from the committed file, an optional extra file, then overrides; a bad
    value is reported with the file it came from."""
    values: dict[str, Any] = {}
    for path in (params_file, extra_file):
        if path is not None:
            from_file = read_params_file(path)
            try:
                BookParams.from_mapping(from_file, root)
            except ParameterError as error:
                raise ParameterError(f"{path}: {error}") from None
            values |= from_file
    values |= dict(overrides or {})
    return BookParams.from_mapping(values, root)
