"""Typed, validated book parameters.

Every notebook receives the same book-wide parameters. They come from the committed
``book/params.yml`` and may be overridden on the command line; all of them are checked
here, before any notebook runs, so a typo costs one line of output and not a broken book.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, Mapping

import yaml

BASEMAP_CHOICES = ("offline", "osm")
"""``offline`` draws the basemap from local vector data and never touches the network;
``osm`` asks for OpenStreetMap tiles through contextily and falls back to ``offline``."""


class ParameterError(ValueError):
    """A parameter that is unknown or has a bad value; the message names it."""


def _parse_date(name: str, value: Any) -> dt.date | None:
    if value is None or value == "" or (isinstance(value, str) and value.lower() in {"null", "none", "latest"}):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ParameterError(f"parameter {name}: {value!r} is not a date (expected YYYY-MM-DD)") from None


def _parse_float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {name}: {value!r} is not a number") from None


def _parse_centre(name: str, value: Any) -> tuple[float, float]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ParameterError(f"parameter {name}: {value!r} is not 'LAT,LON'")
    lat, lon = (_parse_float(name, v) for v in value)
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise ParameterError(f"parameter {name}: {lat},{lon} is outside -90..90 / -180..180 (is it LAT,LON?)")
    return (lat, lon)


@dataclasses.dataclass(frozen=True)
class BookParams:
    """The parameters every chapter notebook accepts (see ``book/params.yml``)."""

    as_of: dt.date | None = None
    """The date the book describes the situation at; None means the latest date in the data."""
    data_dir: str = "data"
    """Folder with the curated data package; relative paths are taken from the repository root."""
    centre: tuple[float, float] = (48.2820, 37.1760)
    """Centre of the area of interest, (lat, lon): Pokrovsk city centre."""
    radius_km: float = 20.0
    """Radius of the area of interest around ``centre``."""
    basemap: str = "offline"
    """Basemap for static maps: one of BASEMAP_CHOICES."""
    tile_timeout_s: float = 8.0
    """Network timeout for one web-tile request."""
    frontlines: str | None = None
    """Folder of a front-line store (``pokrovsk frontlines import``); None builds without real front lines."""

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "BookParams":
        unknown = sorted(set(values) - set(cls.names()))
        if unknown:
            raise ParameterError(
                f"unknown parameter {unknown[0]!r} (known: {', '.join(cls.names())})"
            )
        merged = dataclasses.asdict(cls()) | dict(values)
        as_of = _parse_date("as_of", merged["as_of"])
        if as_of is not None and as_of > dt.date.today():
            raise ParameterError(f"parameter as_of: {as_of} is in the future")
        radius_km = _parse_float("radius_km", merged["radius_km"])
        if not 0 < radius_km <= 500:
            raise ParameterError(f"parameter radius_km: {radius_km} is outside 0..500 km")
        timeout = _parse_float("tile_timeout_s", merged["tile_timeout_s"])
        if not 0 < timeout <= 120:
            raise ParameterError(f"parameter tile_timeout_s: {timeout} is outside 0..120 s")
        basemap = str(merged["basemap"])
        if basemap not in BASEMAP_CHOICES:
            raise ParameterError(f"parameter basemap: {basemap!r} is not one of {', '.join(BASEMAP_CHOICES)}")
        data_dir = merged["data_dir"]
        if not isinstance(data_dir, (str, Path)) or not str(data_dir):
            raise ParameterError(f"parameter data_dir: {data_dir!r} is not a folder path")
        frontlines = merged["frontlines"]
        if frontlines in ("", "null", "none"):
            frontlines = None
        if frontlines is not None and not isinstance(frontlines, (str, Path)):
            raise ParameterError(f"parameter frontlines: {frontlines!r} is not a folder path")
        return cls(
            as_of=as_of,
            data_dir=str(data_dir),
            centre=_parse_centre("centre", merged["centre"]),
            radius_km=radius_km,
            basemap=basemap,
            tile_timeout_s=timeout,
            frontlines=str(frontlines) if frontlines is not None else None,
        )

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


def read_params_file(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(f"parameters file {path} does not exist") from None
    except yaml.YAMLError as error:
        raise ParameterError(f"parameters file {path} is not valid YAML: {error}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ParameterError(f"parameters file {path} must hold a mapping of parameter: value")
    return loaded


def load_params(
    params_file: Path | None, overrides: Mapping[str, Any] | None = None, extra_file: Path | None = None
) -> BookParams:
    """Book parameters from the committed file, an optional extra file, then overrides."""
    values: dict[str, Any] = {}
    for path in (params_file, extra_file):
        if path is not None:
            values |= read_params_file(path)
    values |= dict(overrides or {})
    return BookParams.from_mapping(values)
