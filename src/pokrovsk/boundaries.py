"""Ukraine's oblast boundaries (geoBoundaries gbOpen ADM1), downloaded on demand and cached.

The file is never part of the repository: it is fetched once into a local cache, checked against
a pinned SHA-256, and reused offline from then on. Without network and without a cached copy the
book still builds; its maps then show country outlines only, and the build's report says why.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

import geopandas as gpd
import requests

from pokrovsk import paths, words
from pokrovsk.buildnotes import tell_the_builder

with warnings.catch_warnings():
    # pooch imports tqdm.auto, which inside a kernel warns that ipywidgets is missing; the
    # book never shows a progress bar, so that warning would only be noise on the page.
    warnings.filterwarnings("ignore", message="IProgress not found")
    import pooch

# The geoBoundaries API (https://www.geoboundaries.org/api/current/gbOpen/UKR/ADM1/) names this
# file as `gjDownloadURL`; the commit in the path pins the release, the hash pins the bytes.
OBLASTS_URL = (
    "https://github.com/wmgeolab/geoBoundaries/raw/9469f09/"
    "releaseData/gbOpen/UKR/ADM1/geoBoundaries-UKR-ADM1.geojson"
)
OBLASTS_SHA256 = "b2f9f4ad2e9be5888523219c0bb46a24332ead16b46305409098048fd361a2d6"
OBLASTS_SOURCE_ID = "geoboundaries-ukr-adm1"
ATTRIBUTION = "geoBoundaries, OpenStreetMap contributors (ODbL)"
DONETSK_ISO = "UA-14"


@dataclass(frozen=True)
class BoundaryResult:
    frame: gpd.GeoDataFrame | None  # columns name, iso, geometry; EPSG:4326
    message: str  # the credit for the reader's caption; empty when no boundaries are drawn
    source_id: str | None
    build_note: str = ""  # one line for the build's report: where the boundaries came from, or why not


def load_oblasts(
    cache_dir: Path | None = None,
    url: str = OBLASTS_URL,
    timeout: float = 10.0,
    sha256: str = OBLASTS_SHA256,
    download: bool = True,
) -> BoundaryResult:
    """Oblast boundaries from the cache, else downloaded (unless ``download`` is False, for
    offline builds); never raises for network trouble."""
    cache_dir = Path(cache_dir) if cache_dir is not None else paths.cache_dir("boundaries")
    # The hash in the name lets a re-pinned release sit beside the old one instead of replacing it.
    fname = f"geoBoundaries-UKR-ADM1-{sha256[:12]}.geojson"
    was_cached = (cache_dir / fname).exists() and pooch.file_hash(str(cache_dir / fname)) == sha256
    if not was_cached and not download:
        return _not_drawn(f"Oblast boundaries not drawn: no downloaded copy in {cache_dir} "
                          "(build once with --param basemap=osm to fetch and cache them)")
    try:
        # pooch streams into a temporary file beside the target and moves it into place only
        # after the hash matched, so a failed download never leaves a half-written cache file.
        path = Path(
            pooch.retrieve(
                url,
                known_hash=f"sha256:{sha256}",
                path=cache_dir,
                fname=fname,
                downloader=pooch.HTTPDownloader(timeout=timeout, progressbar=False),
            )
        )
    except (requests.RequestException, ValueError, OSError) as error:
        return _not_drawn(f"Oblast boundaries unavailable ({_describe(error, url, timeout)}); "
                          "maps show country outlines only")

    raw = gpd.read_file(path, engine="pyogrio")
    frame = gpd.GeoDataFrame(
        {"name": raw["shapeName"], "iso": raw["shapeISO"]},
        geometry=raw.geometry.values,
        crs=raw.crs,
    ).to_crs("EPSG:4326")
    downloaded = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).date().isoformat()
    origin = f"from cache, downloaded {downloaded}" if was_cached else f"downloaded {downloaded}"
    return BoundaryResult(
        frame=frame,
        message=words.say("figures.oblast_boundaries", attribution=ATTRIBUTION),
        source_id=OBLASTS_SOURCE_ID,
        build_note=f"Oblast boundaries: {ATTRIBUTION}; {origin}",
    )


def _not_drawn(build_note: str) -> BoundaryResult:
    """No boundaries: the reader's caption says nothing of it, the build's report says why."""
    tell_the_builder(build_note)
    return BoundaryResult(frame=None, message="", source_id=None, build_note=build_note)


def oblast(result: BoundaryResult, iso: str) -> gpd.GeoDataFrame | None:
    """The one-row frame of the oblast with this ISO 3166-2 code, or None."""
    if result.frame is None:
        return None
    rows = result.frame[result.frame["iso"] == iso]
    return rows.reset_index(drop=True) if len(rows) else None


def donetsk_oblast(result: BoundaryResult) -> gpd.GeoDataFrame | None:
    return oblast(result, DONETSK_ISO)


def _describe(error: Exception, url: str, timeout: float) -> str:
    host = urlsplit(url).hostname or url
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return f"HTTP {error.response.status_code} from {host}"
    if isinstance(error, requests.Timeout):
        return f"no answer from {host} within {timeout:g} s"
    if isinstance(error, requests.ConnectionError):
        return f"cannot connect to {host}"
    if isinstance(error, requests.RequestException):
        return f"{type(error).__name__} for {host}"
    if isinstance(error, ValueError):  # pooch's verdict on a hash mismatch
        return f"download from {host} does not match the pinned SHA-256"
    return f"{type(error).__name__}: {error}"
