"""Our own measurements of the front line, written into ``data/`` as a committed dataset.

The polygons stay in the local store (third-party data, never committed); what is exported are
numbers and dates measured from them, with the same code as ``pokrovsk frontlines metrics``
(:func:`pokrovsk.frontlines.metrics.frontline_metrics`) and settlement control
(:mod:`pokrovsk.frontlines.control`):

- ``frontline_metrics.csv``: per stored date, occupied km² within each radius and the distance
  from the centre to the nearest occupied ground, with the format of the date's source file;
- ``frontline_places.csv``: per place of ``places.csv`` inside the store's area, the first stored
  date its centre lay inside the occupied area and its state on the last stored date;
- ``frontline_place_changes.csv``: per such place, its state on the first stored date and every
  later change (occupied, or no longer occupied), with the stored date before each change.

Every figure is computed before any file is written, so a failed export leaves ``data/`` as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pokrovsk.frontlines.control import place_changes, settlement_control
from pokrovsk.frontlines.importers import GREY_ZONE
from pokrovsk.frontlines.metrics import MetricsError, frontline_metrics, write_metrics_csv
from pokrovsk.frontlines.store import FrontlineStore

EXPORT_RADII_KM = (10.0, 20.0, 30.0)
METRICS_FILE = "frontline_metrics.csv"
PLACES_FILE = "frontline_places.csv"
CHANGES_FILE = "frontline_place_changes.csv"
PLACE_COLUMNS = ["place_id", "first_occupied", "occupied_on_first_date", "left_later", "occupied_on_last_date"]


@dataclass(frozen=True)
class ExportReport:
    files: list[Path]
    first_date: str
    last_date: str
    dates: int
    places: int


def export_tables(store: FrontlineStore, places: pd.DataFrame,
                  radii_km: Sequence[float] = EXPORT_RADII_KM) -> dict[str, pd.DataFrame]:
    """The three tables, by file name. ``places`` has columns place_id, lat, lon."""
    if not store.dates():
        raise MetricsError(f"{store.path}: no front lines stored yet (run 'pokrovsk frontlines import' or 'fetch')")
    metrics = frontline_metrics(store, None, radii_km)
    formats = {day: record.format for day, record in store.sources().items()}
    metrics = metrics.drop(columns=[c for c in metrics.columns if c.startswith(GREY_ZONE)])
    metrics.insert(len(metrics.columns) - 1, "source_format", metrics["date"].map(formats))
    metrics = metrics.rename(columns={"source": "source_file"})
    control = settlement_control(store, places)
    in_area = control[control["in_area"].eq(True)]
    return {
        METRICS_FILE: metrics,
        PLACES_FILE: in_area[PLACE_COLUMNS].reset_index(drop=True),
        CHANGES_FILE: place_changes(store, places[places["place_id"].isin(in_area["place_id"])]),
    }


def _with_csv_booleans(frame: pd.DataFrame) -> pd.DataFrame:
    """Booleans as the package writes them everywhere: true / false."""
    flags = frame.select_dtypes(include=["boolean", "bool"]).columns
    return frame.assign(**{column: frame[column].map({True: "true", False: "false"}) for column in flags})


def _places(path: Path) -> pd.DataFrame:
    """Ids and coordinates only: the rest of the package need not be valid yet, since the export
    is how its front-line tables are made (validation checks them afterwards)."""
    try:
        return pd.read_csv(path, usecols=["place_id", "lat", "lon"], dtype={"place_id": "string"}, encoding="utf-8")
    except (OSError, ValueError) as error:
        raise MetricsError(f"{path}: cannot read place ids and coordinates ({error})") from None


def export_dataset(store: FrontlineStore, data_dir: Path, radii_km: Sequence[float] = EXPORT_RADII_KM) -> ExportReport:
    """Measure the store and write the three tables into ``data_dir`` (places from its places.csv)."""
    data_dir = Path(data_dir)
    tables = export_tables(store, _places(data_dir / "places.csv"), radii_km)
    for name, frame in tables.items():  # all computed: only writing is left
        write_metrics_csv(_with_csv_booleans(frame), data_dir / name)
    dates = tables[METRICS_FILE]["date"]
    return ExportReport([data_dir / name for name in tables], dates.min().isoformat(), dates.max().isoformat(),
                        len(dates), len(tables[PLACES_FILE]))
