"""The local front-line store: one GeoParquet file of clipped, de-duplicated front lines.

Layout of ``<store dir>/store.parquet`` (readable with ``geopandas.read_parquet``): one row per
*run*, a stretch of consecutive stored dates on which one category's geometry did not change.

    category   "occupied" | "grey_zone"
    date       first stored date of the run
    until      last stored date of the run
    days       how many stored dates the run covers
    source     file name that supplied the run's first date
    sha256     that file's SHA-256
    geometry   MultiPolygon, EPSG:4326, clipped to the area of interest (may be empty)

The file's key-value metadata (``pokrovsk.frontlines``) holds the area of interest and every
imported file (name, sha256, date, UTC snapshot time, format), in the order they were applied.
The last file imported for a date is that date's source; its format says which categories
that date has (the daily archive has no grey zone). A run never spans a stored date that
lacks its category, so any stored date finds its geometry in exactly one run.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import shapely

from pokrovsk import paths
from pokrovsk.frontlines.aoi import DEFAULT_AOI, LONLAT_CRS, AreaOfInterest
from pokrovsk.frontlines.importers import (
    CATEGORIES,
    FORMAT_CATEGORIES,
    OCCUPIED,
    Frontline,
    FrontlineFileError,
    parse_frontline,
)

STORE_FILE = paths.FRONTLINE_STORE_FILE
METADATA_KEY = b"pokrovsk.frontlines"
STORE_VERSION = 1
ROW_SCHEMA = pa.schema([
    ("category", pa.string()), ("date", pa.date32()), ("until", pa.date32()), ("days", pa.int32()),
    ("source", pa.string()), ("sha256", pa.string()), ("geometry", pa.binary()),
])


class StoreError(RuntimeError):
    """The store file exists but cannot be used; the message names it."""


class BadFiles(ValueError):
    """Some of the files to import are bad; nothing was imported."""

    def __init__(self, errors: list[FrontlineFileError]):
        super().__init__(f"{len(errors)} bad file(s)")
        self.errors = errors


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Let ``write`` fill a temporary file beside ``path``, then move it into place in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


@dataclass(frozen=True)
class ImportRecord:
    file: str
    sha256: str
    date: dt.date
    snapshot: dt.datetime
    format: str

    def to_json(self) -> dict:
        return {"file": self.file, "sha256": self.sha256, "date": self.date.isoformat(),
                "snapshot": self.snapshot.isoformat(), "format": self.format}

    @classmethod
    def from_json(cls, entry: dict) -> ImportRecord:
        return cls(entry["file"], entry["sha256"], dt.date.fromisoformat(entry["date"]),
                   dt.datetime.fromisoformat(entry["snapshot"]), entry["format"])


@dataclass(frozen=True)
class Run:
    """Consecutive stored dates sharing one geometry of one category."""

    category: str
    dates: tuple[dt.date, ...]
    wkb: bytes
    source: str
    sha256: str

    @property
    def geometry(self) -> shapely.MultiPolygon:
        return shapely.from_wkb(self.wkb)


@dataclass(frozen=True)
class ImportReport:
    store_path: Path
    imported: list[Path]  # parsed and applied
    unchanged: list[Path]  # already in the store by SHA-256: not parsed
    stored_dates: int


class FrontlineStore:
    """Front lines by date and category, in memory; ``save`` writes them back atomically."""

    def __init__(self, directory: Path, aoi: AreaOfInterest, imports: list[ImportRecord],
                 layers: dict[tuple[dt.date, str], bytes]):
        self.directory = directory
        self.aoi = aoi
        self.imports = imports
        self._layers = layers
        self._known = {record.sha256 for record in imports}
        self._sources = _sources(imports)

    @property
    def path(self) -> Path:
        return self.directory / STORE_FILE

    @classmethod
    def open(cls, directory: Path | None = None, aoi: AreaOfInterest | None = None) -> FrontlineStore:
        """The store in ``directory`` (default ``frontlines/`` in the repository); empty if none yet."""
        directory = Path(directory) if directory is not None else paths.frontline_store_dir()
        path = directory / STORE_FILE
        if not path.exists():
            return cls(directory, aoi or DEFAULT_AOI, [], {})
        store = _read_store(directory, path)
        if aoi is not None and aoi != store.aoi:
            raise StoreError(f"{path}: clipped to {_describe(store.aoi)}, not {_describe(aoi)}; use another --store")
        return store

    def has_file(self, sha256: str) -> bool:
        return sha256 in self._known

    def sources(self) -> dict[dt.date, ImportRecord]:
        """The file each stored date comes from: the last one imported for that date."""
        return self._sources

    def dates(self) -> list[dt.date]:
        return sorted(self._sources)

    def geometry(self, day: dt.date, category: str = OCCUPIED) -> shapely.MultiPolygon | None:
        """The clipped geometry on a stored date; None when that date's source lacks the category."""
        if day not in self._sources:
            raise KeyError(f"{day} is not in the store")
        wkb = self._layers.get((day, category))
        return None if wkb is None else shapely.from_wkb(wkb)

    def add(self, record: ImportRecord, frontline: Frontline) -> None:
        for category in CATEGORIES:
            self._layers.pop((record.date, category), None)
        for category, geometry in frontline.layers.items():
            self._layers[(record.date, category)] = shapely.to_wkb(geometry)
        self.imports.append(record)
        self._known.add(record.sha256)
        self._sources[record.date] = record

    def runs(self) -> list[Run]:
        sources = self.sources()
        days = sorted(sources)
        return [run for category in CATEGORIES for run in self._runs_of(category, days, sources)]

    def _runs_of(self, category: str, days: list[dt.date], sources: dict[dt.date, ImportRecord]) -> list[Run]:
        runs: list[Run] = []
        current: list[dt.date] = []
        for day in days + [None]:  # the None past the end closes the last run
            wkb = self._layers.get((day, category))
            # Byte equality is enough: geometries are normalised and rounded on import.
            if current and wkb is not None and wkb == self._layers[(current[0], category)]:
                current.append(day)
                continue
            if current:
                first = sources[current[0]]
                shared = self._layers[(current[0], category)]
                runs.append(Run(category, tuple(current), shared, first.file, first.sha256))
            current = [day] if wkb is not None else []
        return runs

    def to_frame(self) -> gpd.GeoDataFrame:
        """The stored rows: one per run."""
        columns = self._columns()
        return gpd.GeoDataFrame(columns, geometry=shapely.from_wkb(columns.pop("geometry")), crs=LONLAT_CRS)

    def _columns(self) -> dict[str, list]:
        runs = self.runs()
        return {
            "category": [run.category for run in runs],
            "date": [run.dates[0] for run in runs],
            "until": [run.dates[-1] for run in runs],
            "days": [len(run.dates) for run in runs],
            "source": [run.source for run in runs],
            "sha256": [run.sha256 for run in runs],
            "geometry": [run.wkb for run in runs],
        }

    def save(self) -> None:
        aoi = {"lat": self.aoi.lat, "lon": self.aoi.lon, "radius_km": self.aoi.radius_km}
        imports = [record.to_json() for record in self.imports]
        store_metadata = {"version": STORE_VERSION, "aoi": aoi, "imports": imports}
        table = pa.table(self._columns(), schema=ROW_SCHEMA).replace_schema_metadata({
            b"geo": json.dumps(_geoparquet_metadata()).encode(),
            METADATA_KEY: json.dumps(store_metadata).encode(),
        })
        write_atomically(self.path, lambda temporary: pq.write_table(table, temporary))


def _geoparquet_metadata() -> dict:
    """The GeoParquet 1.0 description of the geometry column, so any GeoParquet reader opens the store."""
    return {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": ["MultiPolygon"],
                                 "crs": pyproj.CRS(LONLAT_CRS).to_json_dict()}},
    }


def _sources(imports: list[ImportRecord]) -> dict[dt.date, ImportRecord]:
    return {record.date: record for record in imports}


def _describe(aoi: AreaOfInterest) -> str:
    return f"{aoi.radius_km:g} km around {aoi.lat:g} N, {aoi.lon:g} E"


def _read_store(directory: Path, path: Path) -> FrontlineStore:
    try:
        table = pq.read_table(path)
        metadata = json.loads(table.schema.metadata[METADATA_KEY])
    except (OSError, pa.ArrowException, KeyError, TypeError, json.JSONDecodeError) as error:
        raise StoreError(f"{path}: not a front-line store ({error})") from None
    if metadata.get("version") != STORE_VERSION:
        raise StoreError(f"{path}: store version {metadata.get('version')!r}, this code reads {STORE_VERSION}")
    aoi_fields = {k: metadata["aoi"][k] for k in ("lat", "lon", "radius_km")}
    imports = [ImportRecord.from_json(entry) for entry in metadata["imports"]]
    layers = _expand_runs(path, table, _sources(imports))
    return FrontlineStore(directory, AreaOfInterest(**aoi_fields), imports, layers)


def _expand_runs(path: Path, table: pa.Table, sources: dict[dt.date, ImportRecord]) -> dict:
    """Every stored date's geometry, shared between the dates of a run."""
    days = sorted(sources)
    layers = {}
    columns = table.select(["category", "date", "until", "days", "geometry"]).to_pydict()
    for category, first, until, count, wkb in zip(*columns.values(), strict=True):
        covered = [day for day in days[bisect.bisect_left(days, first):bisect.bisect_right(days, until)]
                   if category in FORMAT_CATEGORIES[sources[day].format]]
        if len(covered) != count:
            raise StoreError(f"{path}: the {category} row from {first} covers {len(covered)} dates, expected {count}")
        layers.update(dict.fromkeys(((day, category) for day in covered), wkb))
    return layers


def frontline_paths(paths: Iterable[Path]) -> tuple[list[Path], list[FrontlineFileError]]:
    """The files named, with folders replaced by the .geojson files in them."""
    found, errors = [], []
    for path in map(Path, paths):
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix.lower() in (".geojson", ".json") and p.is_file())
            found.extend(inside)
            if not inside:
                errors.append(FrontlineFileError(path, "folder holds no .geojson files"))
        elif path.is_file():
            found.append(path)
        else:
            errors.append(FrontlineFileError(path, "no such file or folder"))
    return found, errors


def import_files(paths: Iterable[Path], store_dir: Path | None = None,
                 aoi: AreaOfInterest | None = None) -> ImportReport:
    """Import front-line files into the store, all or nothing.

    Every file is checked first; if any is bad, ``BadFiles`` lists them all and the store is
    left as it was. Files whose SHA-256 the store already knows are skipped before parsing.
    When several files describe the same date, the latest snapshot wins.
    """
    store = FrontlineStore.open(store_dir, aoi)
    files, errors = frontline_paths(paths)
    pending: list[tuple[ImportRecord, Frontline, Path]] = []
    unchanged: list[Path] = []
    batch: set[str] = set()
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as error:
            errors.append(FrontlineFileError(path, f"cannot be read ({error.strerror})"))
            continue
        digest = sha256_of(data)
        if store.has_file(digest) or digest in batch:
            unchanged.append(path)
            continue
        batch.add(digest)
        try:
            frontline = parse_frontline(path, data, store.aoi)
        except FrontlineFileError as error:
            errors.append(error)
            continue
        record = ImportRecord(path.name, digest, frontline.date, frontline.snapshot, frontline.format)
        pending.append((record, frontline, path))
    if errors:
        raise BadFiles(errors)
    pending.sort(key=lambda item: (item[0].date, item[0].snapshot, item[0].file))
    for record, frontline, _ in pending:
        store.add(record, frontline)
    if pending:
        store.save()
    return ImportReport(store.path, [path for _, _, path in pending], unchanged, len(store.dates()))
