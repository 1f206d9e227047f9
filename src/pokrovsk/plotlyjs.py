"""Which plotly.js the book ships: the partial "basic" bundle (scatter, bar, pie: 1.2 MB instead of
4.8 MB) when every chart fits it, else the full bundle from the installed plotly package.

The partial bundle comes from the npm registry at a pinned version and integrity hash, matching
the plotly.js version inside the Python package, and is cached; without npm or the registry the
book falls back to the full bundle and says so in one line.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import plotly

from pokrovsk import paths

BASIC_PACKAGE = "plotly.js-basic-dist-min"
BASIC_VERSION = "4.1.1"
BASIC_INTEGRITY = "sha512-1oNF8PeQx2hv/y7tqEVWKD3JGwn/MGEMQ8mL9HUwsaqG9FGy/OU5FHUHvzqbqxN4mnwZGI9abTiE775C4kkjMQ=="
BASIC_FILE = "package/plotly-basic.min.js"
BASIC_TRACE_TYPES = frozenset({"scatter", "bar", "pie"})
NPM_TIMEOUT_S = 120
FETCH_ERRORS = (RuntimeError, OSError, subprocess.TimeoutExpired, KeyError, tarfile.TarError)
"""What fetching the partial bundle can raise; any of them means the full bundle is used."""


@dataclass(frozen=True)
class Bundle:
    path: Path
    note: str | None
    """One line for the build log when the book had to use the full bundle."""


COMPILE_HINT = b"//# allFunctionsCalledOnLoad\n"
"""Chromium's explicit compile hint: the script is compiled whole on a background thread while it
downloads, rather than function by function on the page's one thread as the first chart calls
into it. Other browsers read a comment. Measured: charts drawn about 5 % sooner."""


def full_bundle() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def installed_plotlyjs_version() -> str:
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def _integrity_matches(tarball: bytes) -> bool:
    algorithm, _, expected = BASIC_INTEGRITY.partition("-")
    return base64.b64encode(hashlib.new(algorithm, tarball).digest()).decode() == expected


def _fetch_basic(target: Path) -> None:
    """npm pack the pinned package, check its integrity, extract the bundle atomically."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    with tempfile.TemporaryDirectory() as scratch:
        completed = subprocess.run([npm, "pack", f"{BASIC_PACKAGE}@{BASIC_VERSION}", "--silent"], cwd=scratch,
                                   capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
        tarballs = list(Path(scratch).glob("*.tgz"))
        if completed.returncode != 0 or not tarballs:
            raise RuntimeError(f"npm pack failed: {(completed.stderr or completed.stdout).strip()[:200]}")
        tarball = tarballs[0].read_bytes()
    if not _integrity_matches(tarball):
        raise RuntimeError(f"{BASIC_PACKAGE}@{BASIC_VERSION} does not match its pinned integrity hash")
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        script = archive.extractfile(BASIC_FILE).read()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(script)
    os.replace(partial, target)


def choose(trace_types: set[str]) -> Bundle:
    """The smallest bundle that draws every trace type the book uses."""
    unsupported = sorted(trace_types - BASIC_TRACE_TYPES)
    if unsupported:
        return Bundle(full_bundle(), f"plotly.js: full bundle, because charts use {', '.join(unsupported)}")
    if installed_plotlyjs_version() != BASIC_VERSION:
        return Bundle(full_bundle(), f"plotly.js: full bundle, because the pinned partial bundle is "
                                     f"{BASIC_VERSION} but plotly ships {installed_plotlyjs_version()}")
    try:
        return Bundle(_cached_basic(), None)
    except FETCH_ERRORS as error:
        return Bundle(full_bundle(), f"plotly.js: full bundle (4.8 MB), the partial one could not be fetched: {error}")


def _basic_cache_file() -> Path:
    return paths.cache_dir("plotlyjs") / f"plotly-basic-{BASIC_VERSION}.min.js"


def _cached_basic() -> Path:
    cached = _basic_cache_file()
    if not cached.is_file():
        _fetch_basic(cached)
    return cached


def cached_basic() -> Path | None:
    """The partial bundle if it is cached and matches the installed plotly; never fetches."""
    cached = _basic_cache_file()
    return cached if installed_plotlyjs_version() == BASIC_VERSION and cached.is_file() else None


def prefetch_basic() -> None:
    """Fill the cache ahead of :func:`choose` (a build runs this while its notebooks execute);
    a failure is left for :func:`choose` to report."""
    if installed_plotlyjs_version() == BASIC_VERSION:
        try:
            _cached_basic()
        except FETCH_ERRORS:
            pass


def write_for_book(bundle: Bundle, target: Path) -> None:
    """The bundle as the book ships it: marked with the compile hint, first line of the file."""
    target.write_bytes(COMPILE_HINT + bundle.path.read_bytes())
