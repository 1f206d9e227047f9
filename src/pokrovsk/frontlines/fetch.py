"""Download the daily DeepState archive into a local cache, then import it into the store.

Downloads go to ``<store dir>/downloads/``; ``manifest.json`` there records each day's file and
SHA-256 (or that the archive has no file for that day). A day already downloaded and still
matching its recorded hash is not fetched again, so an interrupted fetch resumes where it
stopped. Each file is streamed into a temporary file, checked to be a usable front-line file,
and only then renamed into place; the store is updated only when every day of the range has
been fetched or found missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from pokrovsk import paths
from pokrovsk.frontlines.aoi import AreaOfInterest
from pokrovsk.frontlines.importers import FrontlineFileError, parse_frontline
from pokrovsk.frontlines.store import FrontlineStore, ImportReport, import_files, write_atomically

DEFAULT_BASE_URL = "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/data"
ARCHIVE_START = dt.date(2024, 7, 8)
DOWNLOADS = "downloads"
MANIFEST = "manifest.json"
PARTIAL_PREFIX = ".partial-"
TIMEOUT_S = (10.0, 60.0)  # connect, read
USER_AGENT = "pokrovsk-book front-line fetch"


class FetchError(RuntimeError):
    """A day could not be fetched; the store was not changed."""


class IncompleteDownload(IOError):
    """The connection closed before the promised number of bytes arrived."""


class ServerBusy(IOError):
    """A 429 or 5xx answer: worth another try."""


RETRYABLE = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
             IncompleteDownload, ServerBusy)


@dataclass
class FetchReport:
    downloaded: list[dt.date] = field(default_factory=list)
    cached: list[dt.date] = field(default_factory=list)
    missing: list[dt.date] = field(default_factory=list)
    imported: ImportReport | None = None


def daily_file_name(day: dt.date) -> str:
    return f"deepstatemap_data_{day:%Y%m%d}.geojson"


def downloads_dir(store_dir: Path | None = None) -> Path:
    return (Path(store_dir) if store_dir is not None else paths.frontline_store_dir()) / DOWNLOADS


def fetch_days(since: dt.date | None = None, until: dt.date | None = None, store_dir: Path | None = None,
               base_url: str = DEFAULT_BASE_URL, *, attempts: int = 3, backoff_s: float = 1.0,
               timeout_s: tuple[float, float] = TIMEOUT_S) -> FetchReport:
    """Fetch every day from ``since`` (default: the archive's first day) to ``until`` (default:
    today, UTC) and import them into the store in ``store_dir``.

    A 404 is a day the archive lacks: recorded as missing and skipped (and asked for again next
    time). Connection failures, timeouts, cut-off bodies and 5xx answers are retried
    ``attempts`` times; if a day still fails, ``FetchError`` is raised and the store is untouched.
    """
    since = since or ARCHIVE_START
    until = until or dt.datetime.now(dt.UTC).date()
    if since > until:
        raise FetchError(f"--since {since} is after --until {until}")
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    store = FrontlineStore.open(store_dir)
    folder = downloads_dir(store.directory)
    folder.mkdir(parents=True, exist_ok=True)
    _remove_partials(folder)
    manifest = _read_manifest(folder)
    report = FetchReport()
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        for day in _days(since, until):
            if _verified(folder, manifest, day):
                report.cached.append(day)
                continue
            url = f"{base_url.rstrip('/')}/{daily_file_name(day)}"
            entry = _fetch_day(session, url, folder / daily_file_name(day), store.aoi, attempts, backoff_s, timeout_s)
            manifest[day.isoformat()] = entry
            _write_manifest(folder, manifest)
            (report.missing if entry["status"] == "missing" else report.downloaded).append(day)
    present = sorted(set(report.downloaded) | set(report.cached))
    report.imported = import_files([folder / daily_file_name(day) for day in present], store.directory)
    return report


def _days(since: dt.date, until: dt.date) -> list[dt.date]:
    return [since + dt.timedelta(days=offset) for offset in range((until - since).days + 1)]


def _remove_partials(folder: Path) -> None:
    """Temporary files a killed fetch left behind (a running fetch removes its own)."""
    for leftover in folder.glob(f"{PARTIAL_PREFIX}*"):
        leftover.unlink(missing_ok=True)


def _read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        # Only an index of the cache: without it every day is downloaded again, nothing worse.
        return {}


def _write_manifest(folder: Path, manifest: dict) -> None:
    text = json.dumps(dict(sorted(manifest.items())), indent=1) + "\n"
    write_atomically(folder / MANIFEST, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def _verified(folder: Path, manifest: dict, day: dt.date) -> bool:
    entry = manifest.get(day.isoformat(), {})
    path = folder / daily_file_name(day)
    if entry.get("status") != "ok" or not path.is_file():
        return False
    return hashlib.sha256(path.read_bytes()).hexdigest() == entry.get("sha256")


def _fetch_day(session: requests.Session, url: str, target: Path, aoi: AreaOfInterest, attempts: int,
               backoff_s: float, timeout_s: tuple[float, float]) -> dict:
    failure: Exception | None = None
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff_s * 2 ** (attempt - 1))
        try:
            return _download(session, url, target, aoi, timeout_s)
        except RETRYABLE as error:
            failure = error
    raise FetchError(f"{url}: failed after {attempts} attempt(s): {_describe(failure)}")


def _download(session: requests.Session, url: str, target: Path, aoi: AreaOfInterest,
              timeout_s: tuple[float, float]) -> dict:
    """Stream one day into a temporary file, check it, and rename it into place."""
    handle, temporary = tempfile.mkstemp(prefix=PARTIAL_PREFIX, dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as sink, session.get(url, stream=True, timeout=timeout_s) as response:
            if response.status_code == 404:
                return {"status": "missing", "url": url}
            if response.status_code == 429 or response.status_code >= 500:
                raise ServerBusy(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise FetchError(f"{url}: HTTP {response.status_code}")
            digest, size = _stream(response, sink)
        data = Path(temporary).read_bytes()
        try:
            parse_frontline(target, data, aoi)
        except FrontlineFileError as error:
            raise FetchError(f"{url}: downloaded but unusable: {error.problem}") from None
        os.replace(temporary, target)
        return {"status": "ok", "url": url, "file": target.name, "sha256": digest, "bytes": size}
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _stream(response: requests.Response, sink) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in response.iter_content(chunk_size=1 << 16):
        sink.write(chunk)
        digest.update(chunk)
        size += len(chunk)
    promised = response.headers.get("Content-Length")
    # With Content-Encoding the promise counts compressed bytes; urllib3 checks those itself.
    if promised is not None and "Content-Encoding" not in response.headers and int(promised) != size:
        raise IncompleteDownload(f"got {size} of {promised} bytes")
    sink.flush()
    os.fsync(sink.fileno())
    return digest.hexdigest(), size


def _describe(error: Exception | None) -> str:
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return "the connection closed before the whole file arrived"
    return str(error) or type(error).__name__
