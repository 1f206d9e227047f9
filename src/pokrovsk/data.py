"""The shared data module: every chart, map and number in the book is read through here.

One loader per dataset returns a DataFrame (GeoDataFrame for places and geography) typed by
the table schema in ``data/datapackage.json``. Dated tables gain ``date_start``/``date_end``
(the first and last day the precision-tagged date can mean) and are cut at ``as_of``: a row
appears only when it certainly happened on or before that day.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from pokrovsk import paths
from pokrovsk.content import VALIDATED_ENV, content_hash

DATED_TABLES = {"events": "date", "populations": "date", "reported_distances": "date", "control": "date"}
MEASURED_TABLES = {"frontline_metrics": "date", "frontline_place_changes": "date"}
"""Our own measurements of DeepState's map, each row dated by the map it was measured on: cut at
``as_of`` by that date (they cite no publication, so :func:`known_by` has nothing to weigh)."""
NON_SETTLEMENT_KINDS = ("station", "mine")
"""Place kinds that are sites, not settlements (not counted as towns or villages)."""
_PANDAS_TYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean", "string": "string"}


class DataError(ValueError):
    """The data package cannot be read as described; the message names the file."""


def period_bounds(value: str) -> tuple[dt.date, dt.date]:
    """First and last day of a ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` string."""
    parts = [int(p) for p in str(value).split("-")]
    if len(parts) == 1:
        return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)
    if len(parts) == 2:
        last = calendar.monthrange(parts[0], parts[1])[1]
        return dt.date(parts[0], parts[1], 1), dt.date(parts[0], parts[1], last)
    day = dt.date(*parts)
    return day, day


_FILES_READ: set[Path] = set()
"""Every data file this process has read. The build keeps the list beside each executed notebook,
which then runs again only when one of these files changes (see pokrovsk.cache_keys)."""


def files_read() -> list[str]:
    return sorted(str(path) for path in _FILES_READ)


def _descriptor(data_dir: Path) -> dict:
    path = data_dir / "datapackage.json"
    _FILES_READ.add(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{path}: missing (every data folder needs its datapackage.json)") from None
    except json.JSONDecodeError as error:
        raise DataError(f"{path}: not valid JSON ({error})") from None


def _resource(data_dir: Path, name: str) -> dict:
    for resource in _descriptor(data_dir).get("resources", []):
        if resource.get("name") == name:
            return resource
    raise DataError(f"{data_dir / 'datapackage.json'}: no resource named {name!r}")


@functools.lru_cache(maxsize=8)
def _ensure_valid(data_dir: Path, fingerprint: tuple) -> None:
    """Loaders return only validated data: the whole package is checked once per process and
    content (skipped inside a build, which validated this exact content before running)."""
    if os.environ.get(VALIDATED_ENV) == content_hash(data_dir):
        return
    from pokrovsk.validation import DataInvalid, validate_data_dir

    errors = validate_data_dir(data_dir, require_citations=False)
    if errors:
        raise DataInvalid(errors)


def _fingerprint(data_dir: Path) -> tuple:
    """Cheap change detector for the in-process caches (names, sizes, modification times). It runs
    for every table a chapter loads, so it walks with os.scandir: one stat per file, no Path objects
    (less than half the time of Path.rglob with a stat for each field)."""
    found = []
    folders = [str(data_dir)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    folders.append(entry.path)
                elif entry.is_file():
                    status = entry.stat()
                    found.append((os.path.relpath(entry.path, data_dir), status.st_mtime_ns, status.st_size))
    return tuple(sorted(found))


@functools.lru_cache(maxsize=64)
def _read_table(data_dir: Path, name: str, fingerprint: tuple) -> pd.DataFrame:
    resource = _resource(data_dir, name)
    fields = resource["schema"]["fields"]
    dtypes = {f["name"]: _PANDAS_TYPES.get(f.get("type", "string"), "string") for f in fields}
    booleans = [f["name"] for f in fields if f.get("type") == "boolean"]
    frame = pd.read_csv(
        data_dir / resource["path"],
        dtype={k: ("string" if k in booleans else v) for k, v in dtypes.items()},
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8",
    )
    for column in booleans:
        frame[column] = frame[column].map({"true": True, "false": False}).astype("boolean")
    for field in fields:
        if field.get("type") == "date":
            frame[field["name"]] = pd.to_datetime(frame[field["name"]]).dt.date
    date_column = DATED_TABLES.get(name)
    if date_column:
        bounds = [period_bounds(v) for v in frame[date_column]]
        frame["date_start"] = pd.to_datetime([b[0] for b in bounds])
        frame["date_end"] = pd.to_datetime([b[1] for b in bounds])
    return frame


def load_table(name: str, data_dir: str | Path | None = None, as_of: dt.date | str | None = None) -> pd.DataFrame:
    """Any table of the data package, typed. Dated tables are cut at ``as_of`` and keep only what
    had been published by then (see :func:`known_by`)."""
    folder = paths.data_dir(data_dir)
    fingerprint = _fingerprint(folder)
    _ensure_valid(folder, fingerprint)
    _FILES_READ.update(_resource_files(folder, name, fingerprint))
    if as_of is not None and name in DATED_TABLES:
        frame = _known_table(folder, name, pd.Timestamp(as_of).date(), fingerprint).copy()
    elif as_of is not None and name in MEASURED_TABLES:
        frame = _read_table(folder, name, fingerprint)
        frame = frame[frame[MEASURED_TABLES[name]] <= pd.Timestamp(as_of).date()].reset_index(drop=True)
    else:
        frame = _read_table(folder, name, fingerprint).copy()
    return _in_reader_language(frame, name, folder)


def _in_reader_language(frame: pd.DataFrame, name: str, folder: Path) -> pd.DataFrame:
    """The table's sentences in the language of the words catalogs, and ``name``: each place's
    name in that language (``name_<language>``, English where none is recorded)."""
    from pokrovsk import translations, words

    language = words.language()
    if language != translations.SOURCE_LANGUAGE and name in translations.TRANSLATED_COLUMNS:
        catalog = translations.catalog_path(folder, language, name)
        if catalog.is_file():
            _FILES_READ.add(catalog)
        frame = translations.localise(frame, name, folder, language)
    if name == "places":
        local = f"name_{language}"
        names = frame[local].fillna(frame["name_en"]) if local in frame else frame["name_en"]
        frame = frame.assign(name=names)
    return frame


@functools.lru_cache(maxsize=64)
def _resource_files(data_dir: Path, name: str, fingerprint: tuple) -> tuple[Path, Path]:
    """The files a table is read from: its own and the descriptor that types it."""
    return data_dir / "datapackage.json", data_dir / _resource(data_dir, name)["path"]


@functools.lru_cache(maxsize=64)
def _known_table(data_dir: Path, name: str, as_of: dt.date, fingerprint: tuple) -> pd.DataFrame:
    frame = _read_table(data_dir, name, fingerprint)
    frame = frame[frame["date_end"] <= pd.Timestamp(as_of)]
    return known_by(frame, as_of, data_dir).reset_index(drop=True)


@functools.lru_cache(maxsize=8)
def _publication_ends_of(data_dir: Path, fingerprint: tuple) -> dict[str, dt.date]:
    sources = _read_table(data_dir, "sources", fingerprint)
    return {source_id: period_bounds(published)[1]
            for source_id, published in zip(sources["source_id"], sources["date_published"]) if pd.notna(published)}


def _publication_ends(data_dir: Path) -> dict[str, dt.date]:
    fingerprint = _fingerprint(data_dir)
    _ensure_valid(data_dir, fingerprint)
    _FILES_READ.update(_resource_files(data_dir, "sources", fingerprint))
    return _publication_ends_of(data_dir, fingerprint)


def sources_known_by(source_ids, as_of: dt.date | str, data_dir=None, row_date: dt.date | None = None) -> list[str]:
    """The ids among ``source_ids`` published on or before ``as_of``. A source without a
    publication date counts from ``row_date`` (the date its row refers to), or as always known."""
    return _known_ids(source_ids, pd.Timestamp(as_of).date(), _publication_ends(paths.data_dir(data_dir)), row_date)


def _known_ids(source_ids, as_of: dt.date, published: dict[str, dt.date], row_date: dt.date | None) -> list[str]:
    return [i for i in source_ids if published.get(i, row_date or dt.date.min) <= as_of]


def known_by(frame: pd.DataFrame, as_of: dt.date | str, data_dir=None) -> pd.DataFrame:
    """Rows as a reader on ``as_of`` could know them: ``source_ids`` keep only the sources
    published by then. A dated row left with none was not yet known and goes (a December report
    of what happened in November is not in a November edition); an undated row (a place, a road)
    keeps all its sources when none was out yet, so it is never left uncited. ``verification``
    falls back to what the remaining sources support: a Russian claim corroborated by an
    assessment published in February is only a claim in a January edition."""
    from pokrovsk.sources import split_ids

    if frame.empty:
        return frame
    as_of = pd.Timestamp(as_of).date()
    published = _publication_ends(paths.data_dir(data_dir))
    dated = "date_end" in frame
    row_dates = [end.date() for end in frame["date_end"]] if dated else [None] * len(frame)
    kept_ids = []
    for source_ids, row_date in zip(frame["source_ids"], row_dates):
        ids = split_ids(source_ids)
        known = _known_ids(ids, as_of, published, row_date)
        kept_ids.append(";".join(known) if known or dated else ";".join(ids))
    frame = frame.assign(source_ids=kept_ids)
    if "verification" in frame:
        frame = frame.assign(verification=_verification_known(frame, paths.data_dir(data_dir)))
    return frame[frame["source_ids"] != ""] if dated else frame


def _verification_known(frame: pd.DataFrame, data_dir: Path) -> list[str]:
    """Each row's verification as its sources published by then allow (see ``known_by``)."""
    from pokrovsk.sources import split_ids
    from pokrovsk.vocabulary import verification_known

    kinds = _kinds_of(data_dir, _fingerprint(data_dir))
    claimants = frame["claimant"] if "claimant" in frame else ["independent"] * len(frame)
    return [verification_known(verification, claimant, [(i, kinds[i]) for i in split_ids(ids) if i in kinds])
            for verification, claimant, ids in zip(frame["verification"], claimants, frame["source_ids"])]


@functools.lru_cache(maxsize=8)
def _kinds_of(data_dir: Path, fingerprint: tuple) -> dict[str, str]:
    sources = _read_table(data_dir, "sources", fingerprint)
    return dict(zip(sources["source_id"], sources["kind"]))


def load_sources(data_dir=None) -> pd.DataFrame:
    return load_table("sources", data_dir)


def load_places(data_dir=None) -> gpd.GeoDataFrame:
    places = load_table("places", data_dir)
    return gpd.GeoDataFrame(places, geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs="EPSG:4326")


def load_place_names(data_dir=None) -> pd.DataFrame:
    return load_table("place_names", data_dir)


def load_populations(data_dir=None, as_of=None) -> pd.DataFrame:
    return load_table("populations", data_dir, as_of)


def load_events(data_dir=None, as_of=None) -> pd.DataFrame:
    return load_table("events", data_dir, as_of).sort_values(["date_start", "event_id"]).reset_index(drop=True)


def load_battles(data_dir=None) -> pd.DataFrame:
    return load_table("battles", data_dir)


def load_reported_distances(data_dir=None, as_of=None) -> pd.DataFrame:
    return load_table("reported_distances", data_dir, as_of).sort_values("date_start").reset_index(drop=True)


def load_control(data_dir=None, as_of=None) -> pd.DataFrame:
    return load_table("control", data_dir, as_of).sort_values("date_start").reset_index(drop=True)


def load_frontline_metrics(data_dir=None, as_of=None) -> pd.DataFrame:
    """Our measurements of DeepState's map per date (occupied km² within radii, distance from the
    centre, the kind of DeepState file), up to ``as_of``; ``pokrovsk frontlines export`` writes them."""
    return load_table("frontline_metrics", data_dir, as_of).sort_values("date").reset_index(drop=True)


def load_frontline_place_changes(data_dir=None, as_of=None) -> pd.DataFrame:
    """Per place, its state on the first measured map and every later change, up to ``as_of``."""
    return load_table("frontline_place_changes", data_dir, as_of).sort_values(["place_id", "date"]).reset_index(drop=True)


def load_editorial(data_dir=None) -> pd.DataFrame:
    """The editors' choices (data/editorial.csv): which events each chapter singles out, in order."""
    return load_table("editorial", data_dir).sort_values(["chapter", "role", "rank"]).reset_index(drop=True)


def editorial_ids(chapter: str, role: str, data_dir=None) -> list[str]:
    """The event ids chosen for ``role`` in ``chapter``, in the editors' order."""
    choices = load_editorial(data_dir)
    return list(choices.loc[(choices["chapter"] == chapter) & (choices["role"] == role), "event_id"])


def load_network(data_dir=None) -> gpd.GeoDataFrame:
    """Road and rail links as straight schematic lines between places (not real alignments)."""
    from shapely.geometry import LineString

    edges = load_table("network_edges", data_dir)
    places = load_places(data_dir).set_index("place_id")
    lines = [LineString([places.geometry[a], places.geometry[b]]) for a, b in zip(edges["from_place"], edges["to_place"])]
    return gpd.GeoDataFrame(edges, geometry=lines, crs="EPSG:4326")


def lines_at(network: pd.DataFrame, place_id: str) -> pd.DataFrame:
    """The road and rail links with an end at the place."""
    return network[(network["from_place"] == place_id) | (network["to_place"] == place_id)]


@functools.lru_cache(maxsize=8)
def _read_geojson(path: Path, mtime: int) -> gpd.GeoDataFrame:
    return gpd.read_file(path)


def load_countries(data_dir=None) -> gpd.GeoDataFrame:
    """Country outlines (Natural Earth; Crimea shown as part of Ukraine, marked occupied)."""
    path = paths.data_dir(data_dir) / "geo" / "countries.geojson"
    _FILES_READ.add(path)
    return _read_geojson(path, path.stat().st_mtime_ns).copy()


def latest_date(data_dir=None) -> dt.date:
    """The last day any dated row certainly refers to, or any map we measured shows, capped at
    today: the default ``as_of``."""
    present = {resource.get("name") for resource in _descriptor(paths.data_dir(data_dir)).get("resources", [])}
    ends = [load_table(name, data_dir)["date_end"].max() for name in DATED_TABLES if name in present]
    ends += [pd.Timestamp(load_table(name, data_dir)[column].max())
             for name, column in MEASURED_TABLES.items() if name in present]
    latest = max(e for e in ends if pd.notna(e)).date()
    return min(latest, dt.date.today())


def latest_measurement(data_dir=None, as_of: dt.date | str | None = None) -> dt.date | None:
    """The date of the last DeepState map we measured, up to ``as_of``; None when there is none."""
    if "frontline_metrics" not in {r.get("name") for r in _descriptor(paths.data_dir(data_dir)).get("resources", [])}:
        return None
    metrics = load_frontline_metrics(data_dir, as_of)
    return None if metrics.empty else metrics["date"].iloc[-1]


def latest_report(data_dir=None, as_of: dt.date | str | None = None) -> str:
    """The date, as written at its precision (``2026-05``), of the latest dated row known at
    ``as_of``: where the book's reporting runs out."""
    present = {resource.get("name") for resource in _descriptor(paths.data_dir(data_dir)).get("resources", [])}
    rows = [load_table(name, data_dir, as_of)[["date", "date_end"]] for name in DATED_TABLES if name in present]
    known = pd.concat(rows).sort_values("date_end")
    if known.empty:
        raise DataError(f"no dated row is known on {as_of}")
    return str(known["date"].iloc[-1])
