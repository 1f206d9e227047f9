"""``pokrovsk data validate``: every rule, all errors at once, each naming file, row and column.

Frictionless checks the table schemas (types, constraints, primary and foreign keys). What it
does not check is done here: strict UTF-8 (frictionless decodes leniently), precision-tagged
dates, ``;``-separated source ids into ``sources``, coordinates that look swapped, battle
durations, the GeoJSON layers (CRS, geometry validity), and the verification rule of
``data/README.md``: how far a row's ``verification`` may rise given who its sources speak for,
that every web source links to its publisher and that no link points to a denied domain.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from urllib.parse import urlsplit

from pokrovsk.vocabulary import KIND_SIDE, OFFLINE_KINDS, PARTIES, SUPPORTED, independent_support, side_of

DATE_PRECISIONS = {"year": 1, "month": 2, "day": 3}
SOURCE_IDS_COLUMN = "source_ids"
WGS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326"}
# Dated columns and the column that states their precision.
PRECISION_COLUMNS = {
    "date": "date_precision",
    "start": "start_precision",
    "end": "end_precision",
    "valid_from": "valid_from_precision",
    "valid_to": "valid_to_precision",
    "date_published": "date_published_precision",
}


PERIOD_COLUMNS = (("valid_from", "valid_to"),)
"""A row's period: it may not end before it begins (battles' start and end: _check_battle_days)."""
BOOK_RESOURCES = ("sources", "places", "place_names", "populations", "events", "battles", "reported_distances",
                  "control", "network_edges", "countries", "corrections", "editorial", "source_denylist")
"""The resources pokrovsk.data reads: a descriptor without one of them cannot make the book."""


class DataInvalid(Exception):
    def __init__(self, errors: list[str]):
        shown = "\n".join(errors[:10]) + (f"\n... and {len(errors) - 10} more" if len(errors) > 10 else "")
        super().__init__(f"{len(errors)} data problem(s):\n{shown}")
        self.errors = errors


def _where(file: str, row: int | None = None, column: str | None = None) -> str:
    """``data/places.csv row 3, column lat``: rows count data rows from 1 (the header is not a row)."""
    place = file
    if row is not None:
        place += f" row {row}"
    if column:
        place += f", column {column}"
    return place


def parse_precise_date(value: str) -> tuple[dt.date, int]:
    """A ``YYYY``/``YYYY-MM``/``YYYY-MM-DD`` string → (first day, number of parts); ValueError if not real."""
    parts = value.split("-")
    if not 1 <= len(parts) <= 3 or len(parts[0]) != 4 or any(len(p) != 2 for p in parts[1:]) or not all(p.isdigit() for p in parts):
        raise ValueError(f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    numbers = [int(p) for p in parts] + [1] * (3 - len(parts))
    try:
        return dt.date(*numbers), len(parts)
    except ValueError as error:  # month 13, 31 April, 29 February in a common year
        raise ValueError(f"{value!r} is not a real date ({error})") from None


def _read_rows(path: Path, label: str, errors: list[str]) -> list[dict[str, str]] | None:
    raw = path.read_bytes()
    if not raw.strip():
        errors.append(f"{label}: the file is empty (expected a header row and data)")
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        errors.append(f"{label} line {line}: not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start})")
        return None
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _frictionless_errors(package_path: Path, skip: set[str]) -> list[str]:
    from frictionless import Package, system

    messages: list[str] = []
    with system.use_context(trusted=False):
        package = Package(str(package_path))
        for resource in package.resources:
            if resource.name in skip:
                continue
            report = resource.validate()
            label = f"data/{resource.path}"
            for task in report.tasks:
                for error in task.errors:
                    row = getattr(error, "row_number", None)
                    column = getattr(error, "field_name", None)
                    cell = getattr(error, "cell", None)
                    value = f" (value {cell!r})" if cell not in (None, "") else ""
                    messages.append(f"{_where(label, row - 1 if row else None, column)}: {error.type}: {error.note or error.message}{value}")
    return messages


def _check_descriptor(data_dir: Path) -> tuple[dict | None, list[str]]:
    path = data_dir / "datapackage.json"
    if not path.is_file():
        return None, [f"{path}: missing"]
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return None, [f"data/datapackage.json: not valid JSON ({error})"]
    if not isinstance(descriptor, dict):
        return None, [f"data/datapackage.json: expected a JSON object, found a JSON {type(descriptor).__name__}"]
    from frictionless import Package

    report = Package.validate_descriptor(descriptor)
    problems = list(dict.fromkeys(f"data/datapackage.json: {error.message}" for error in report.errors))
    problems += _missing_book_resources(descriptor)
    for resource in _resource_list(descriptor):
        if not resource.get("sources") and not descriptor.get("sources"):
            problems.append(f"data/datapackage.json resource {resource.get('name')!r}: no source record")
    return descriptor, problems


def _check_table(name: str, rows: list[dict[str, str]], label: str, fields: dict, source_ids: set[str] | None,
                 today: dt.date) -> list[str]:
    errors: list[str] = []
    for number, row in enumerate(rows, start=1):
        for column, precision_column in PRECISION_COLUMNS.items():
            value = (row.get(column) or "").strip()
            if column not in row or not value:
                continue
            if fields.get(column, {}).get("type") == "date":
                continue  # a typed date column: frictionless checks it
            try:
                first_day, parts = parse_precise_date(value)
            except ValueError as error:
                errors.append(f"{_where(label, number, column)}: {error}")
                continue
            if first_day > today:
                errors.append(f"{_where(label, number, column)}: {value} is after today ({today})")
            precision = (row.get(precision_column) or "").strip()
            if precision_column in row and precision and DATE_PRECISIONS.get(precision) != parts:
                errors.append(f"{_where(label, number, precision_column)}: says {precision!r} but {column} is {value!r}")
        if "lat" in row and "lon" in row:
            errors += _check_coordinates(row, label, number, fields)
        if source_ids is not None and SOURCE_IDS_COLUMN in row:
            for source_id in [s.strip() for s in (row[SOURCE_IDS_COLUMN] or "").split(";") if s.strip()]:
                if source_id not in source_ids:
                    errors.append(f"{_where(label, number, SOURCE_IDS_COLUMN)}: source id {source_id!r} is not in data/sources.csv")
        if name == "battles":
            errors += _check_battle_days(row, label, number)
        errors += _check_period_order(row, label, number)
        if "gazetteer" in row:
            errors += _check_gazetteer(row, label, number)
    if name == "battles":
        errors += _check_primary_variants(rows, label)
    return errors


def _range(field: dict, default: tuple[float, float]) -> tuple[float, float]:
    constraints = field.get("constraints", {})
    return float(constraints.get("minimum", default[0])), float(constraints.get("maximum", default[1]))


def _check_coordinates(row: dict[str, str], label: str, number: int, fields: dict) -> list[str]:
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
    except ValueError:
        return []  # empty or not a number: the schema's business
    lat_range = _range(fields.get("lat", {}), (-90, 90))
    lon_range = _range(fields.get("lon", {}), (-180, 180))
    fits = lat_range[0] <= lat <= lat_range[1] and lon_range[0] <= lon <= lon_range[1]
    swapped_fits = lat_range[0] <= lon <= lat_range[1] and lon_range[0] <= lat <= lon_range[1]
    if not fits and swapped_fits:
        return [f"{_where(label, number, 'lat')}: ({lat}, {lon}) looks like lat and lon swapped"]
    return []  # out-of-range values are reported by the schema's minimum/maximum


GAZETTEER_LICENCE = {"geonames": "CC-BY-4.0", "wikidata": "CC0-1.0"}


def _check_gazetteer(row: dict[str, str], label: str, number: int) -> list[str]:
    """A mapped place (one with coordinates) names the gazetteer record they come from, and its licence."""
    if not (row.get("lat") or "").strip() and not (row.get("lon") or "").strip():
        return []
    errors = [f"{_where(label, number, column)}: a mapped place needs its {column.replace('_', ' ')} (the coordinates "
              f"come from a gazetteer record)" for column in ("gazetteer", "gazetteer_id", "gazetteer_licence")
              if not (row.get(column) or "").strip()]
    gazetteer, licence = (row.get("gazetteer") or "").strip(), (row.get("gazetteer_licence") or "").strip()
    if not errors and GAZETTEER_LICENCE.get(gazetteer, licence) != licence:
        errors.append(f"{_where(label, number, 'gazetteer_licence')}: {gazetteer} records are {GAZETTEER_LICENCE[gazetteer]}, not {licence}")
    return errors


def _check_battle_days(row: dict[str, str], label: str, number: int) -> list[str]:
    try:
        start, _ = parse_precise_date(row["start"])
        end, _ = parse_precise_date(row["end"])
        days = int(row["days"])
    except (KeyError, ValueError):
        return []
    if end < start:
        return [f"{_where(label, number, 'end')}: ends ({row['end']}) before it starts ({row['start']})"]
    if days != (end - start).days:
        return [f"{_where(label, number, 'days')}: {days} but {row['start']} → {row['end']} is {(end - start).days} days"]
    return []


def _check_primary_variants(rows: list[dict[str, str]], label: str) -> list[str]:
    counts: dict[str, int] = {}
    for row in rows:
        counts.setdefault(row.get("battle_id", ""), 0)
        if (row.get("is_primary") or "").strip() == "true":
            counts[row.get("battle_id", "")] += 1
    return [f"{label}, battle {battle!r}, column is_primary: {n} rows are primary (expected exactly 1)"
            for battle, n in counts.items() if n != 1]


def _check_geojson(path: Path, label: str) -> list[str]:
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    raw = path.read_bytes()
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        return [f"{label}: not valid UTF-8 at offset {error.start}"]
    except json.JSONDecodeError as error:
        return [f"{label} line {error.lineno}: not valid JSON ({error.msg})"]
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        found = document.get("type") if isinstance(document, dict) else f"a JSON {type(document).__name__}"
        return [f"{label}: expected a GeoJSON FeatureCollection, found {found!r}"]
    errors = []
    crs_name = (document.get("crs") or {}).get("properties", {}).get("name")
    if crs_name is not None and crs_name not in WGS84_NAMES:
        errors.append(f"{label}: CRS {crs_name!r} is not WGS84 longitude/latitude (GeoJSON requires CRS84)")
    for number, feature in enumerate(document.get("features", []), start=1):
        where = f"{label} feature {number} ({(feature.get('properties') or {}).get('name', 'unnamed')})"
        try:
            geometry = shape(feature["geometry"])
        except Exception as error:
            errors.append(f"{where}, column geometry: unreadable ({error})")
            continue
        if not geometry.is_valid:
            errors.append(f"{where}, column geometry: invalid ({explain_validity(geometry)})")
        minx, miny, maxx, maxy = geometry.bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            errors.append(f"{where}, column geometry: coordinates outside lon -180..180 / lat -90..90 (projected CRS?)")
    return errors


def validate_data_dir(data_dir: Path, today: dt.date | None = None, require_citations: bool = True) -> list[str]:
    """Every problem in a data folder, as ``file row N, column C: what is wrong`` lines.
    ``require_citations=False`` leaves out the sources that lack a URL or a full citation (see
    :func:`citation_gaps`): the charts are sound without them, so the book may still be built."""
    today = today or dt.date.today()
    descriptor, errors = _check_descriptor(data_dir)
    if descriptor is None or errors:
        return errors  # tables cannot be checked against a schema that is itself broken
    resources = descriptor.get("resources", [])
    tables = [r for r in resources if not is_geojson(r)]
    rows_by_name: dict[str, list[dict[str, str]] | None] = {}
    skip = {r.get("name") for r in resources if is_geojson(r)}
    for resource in resources:
        path = data_dir / resource.get("path", "")
        label = f"data/{resource.get('path')}"
        if not path.is_file():
            errors.append(f"{label}: missing (named by resource {resource.get('name')!r})")
            skip.add(resource.get("name"))
        elif is_geojson(resource):
            errors += _check_geojson(path, label)
        else:
            rows_by_name[resource["name"]] = rows = _read_rows(path, label, errors)
            header_errors = _check_header(path, label, resource) if rows is not None else []
            errors += header_errors
            if rows is None or header_errors:
                skip.add(resource.get("name"))
    errors += _frictionless_errors(data_dir / "datapackage.json", skip)
    sources = rows_by_name.get("sources")
    source_ids = {row.get("source_id", "") for row in sources} if sources else None
    if source_ids is None:
        errors.append("data/sources.csv: missing or unreadable, so no source id can be checked")
    for resource in tables:
        rows = rows_by_name.get(resource.get("name"))
        if rows:
            fields = {f["name"]: f for f in resource.get("schema", {}).get("fields", [])}
            errors += _check_table(resource["name"], rows, f"data/{resource['path']}", fields, source_ids, today)
    if sources:
        kinds = {row.get("source_id", ""): row.get("kind", "") for row in sources}
        for resource in tables:
            rows = rows_by_name.get(resource.get("name"))
            if rows and "verification" in rows[0]:
                errors += _check_verification(rows, f"data/{resource['path']}", kinds)
        denied = rows_by_name.get("source_denylist") or []
        errors += _check_source_links(sources, [row.get("domain", "") for row in denied])
        if require_citations:
            errors += _citation_errors(sources)
    return errors


def citation_gaps(data_dir: Path) -> list[str]:
    """Sources without the URL or full citation rule (d) asks for, as validation lines."""
    path = data_dir / "sources.csv"
    sources = _read_rows(path, "data/sources.csv", []) if path.is_file() else None
    return _citation_errors(sources or [])


# --- the verification rule -----------------------------------------------------------------------

def _check_verification(rows: list[dict[str, str]], label: str, kinds: dict[str, str]) -> list[str]:
    """Rules (a) to (c) of data/README.md; unknown source ids and kinds are reported elsewhere."""
    errors = []
    for number, row in enumerate(rows, start=1):
        verification = (row.get("verification") or "").strip()
        claimant = (row.get("claimant") or "independent").strip()
        ids = [s.strip() for s in (row.get(SOURCE_IDS_COLUMN) or "").split(";") if s.strip()]
        source_kinds = [(i, kinds[i]) for i in ids if kinds.get(i) in KIND_SIDE]
        if len(source_kinds) != len(ids) or claimant not in (*PARTIES, "independent"):
            continue
        where = _where(label, number, "verification")
        support = independent_support(claimant, source_kinds)
        if claimant in PARTIES and verification in SUPPORTED:
            if all(side_of(k) == claimant for _, k in source_kinds):
                errors.append(f"{where}: {verification!r}, but every source ({', '.join(ids)}) speaks for {claimant}, "
                              f"the claimant: at most 'claimed' or 'disputed'")
                continue
            if not support:
                errors.append(f"{where}: {verification!r}, but only reference works and {claimant}'s own side support "
                              f"this contested row ({', '.join(ids)}): a reference work cannot corroborate it")
                continue
        if claimant not in PARTIES and verification == "corroborated" and len(support) < 2:
            errors.append(f"{where}: 'corroborated', but only one source ({', '.join(ids)}) says so: where no "
                          f"party makes the statement, a second, independent source is needed")
            continue
        if verification == "established" and len(support) < 2:
            errors.append(f"{where}: 'established' needs at least two sources independent of the claimant "
                          f"({claimant}); found {len(support)} ({', '.join(support) or 'none'})")
    return errors


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _check_source_links(sources: list[dict[str, str]], denied: list[str]) -> list[str]:
    """Rule (e): no URL on a denied domain or one of its subdomains."""
    errors = []
    for number, row in enumerate(sources, start=1):
        host = _host((row.get("url") or "").strip())
        match = next((d for d in denied if d and (host == d or host.endswith("." + d))), None)
        if match:
            errors.append(f"{_where('data/sources.csv', number, 'url')}: {host} is on the deny-list "
                          f"(data/source_denylist.csv, {match}): link the original publisher instead")
    return errors


def _citation_errors(sources: list[dict[str, str]]) -> list[str]:
    """Rule (d): a web source links to its publisher; a printed work gives a full citation."""
    errors = []
    for number, row in enumerate(sources, start=1):
        kind = (row.get("kind") or "").strip()
        url = (row.get("url") or "").strip()
        if kind == "printed_work":
            for column in ("publisher", "title", "date_published"):
                if not (row.get(column) or "").strip():
                    errors.append(f"{_where('data/sources.csv', number, column)}: a printed work needs its "
                                  f"{column.replace('_', ' ')} for a full citation")
        elif kind not in OFFLINE_KINDS and not url.startswith(("http://", "https://")):
            errors.append(f"{_where('data/sources.csv', number, 'url')}: {row.get('source_id')!r} ({kind or 'no kind'}) "
                          f"needs the publisher's http(s) URL")
    return errors


def _check_header(path: Path, label: str, resource: dict) -> list[str]:
    """Columns missing, unexpected or out of order. A wrong header is reported alone: reading
    the rows against the schema would shift every column after it and bury the cause."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    header = [h.lstrip("\ufeff") for h in header]
    expected = [f["name"] for f in resource.get("schema", {}).get("fields", [])]
    errors = [f"{label}, column {name}: missing (the schema expects it)" for name in expected if name not in header]
    errors += [f"{label}, column {name}: not in the schema" for name in header if name not in expected]
    if not errors and header != expected:
        errors.append(_first_column_out_of_order(label, header, expected))
    return errors


def _first_column_out_of_order(label: str, header: list[str], expected: list[str]) -> str:
    position, found = next((i, name) for i, name in enumerate(header) if name != expected[i])
    return (f"{label}, column {found}: out of order (column {position + 1}, where the schema has "
            f"{expected[position]}; the schema's order is {', '.join(expected)})")


def _check_period_order(row: dict[str, str], label: str, number: int) -> list[str]:
    """A period whose last possible day comes before its first possible one: 1884-06 to 1884 is
    fine (the end may be December), 1884 to 1850 is not."""
    errors = []
    for start_column, end_column in PERIOD_COLUMNS:
        try:
            start, _ = parse_precise_date((row.get(start_column) or "").strip())
            end, parts = parse_precise_date((row.get(end_column) or "").strip())
        except ValueError:
            continue  # empty (open-ended) or malformed: the date rules report the latter
        last_day_of_end = {1: dt.date(end.year, 12, 31), 2: _month_end(end), 3: end}[parts]
        if last_day_of_end < start:
            errors.append(f"{_where(label, number, end_column)}: ends ({row[end_column]}) before it begins "
                          f"({row[start_column]})")
    return errors


def _month_end(day: dt.date) -> dt.date:
    following = day.replace(day=28) + dt.timedelta(days=4)
    return following - dt.timedelta(days=following.day)


def _resource_list(descriptor: dict) -> list[dict]:
    """The descriptor's resources that are objects (frictionless reports any malformed ones)."""
    resources = descriptor.get("resources")
    return [r for r in resources if isinstance(r, dict)] if isinstance(resources, list) else []


def _missing_book_resources(descriptor: dict) -> list[str]:
    present = {resource.get("name") for resource in _resource_list(descriptor)}
    return [f"data/datapackage.json: no resource named {name!r} (the book reads it)"
            for name in BOOK_RESOURCES if name not in present]


def is_geojson(resource: dict) -> bool:
    return resource.get("format") == "geojson" or str(resource.get("path", "")).endswith(".geojson")
