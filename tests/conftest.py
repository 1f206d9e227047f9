"""Shared fixtures: a copy of the repository to build in, and the book built from it once."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from browsing import EDITIONS, site_html
from pokrovsk.browser import CHROMIUM, CHROMIUM_ARGS, serve
from pokrovsk.paths import PROJECT_ENV

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
IGNORED_NAMES = shutil.ignore_patterns(".venv", "_build", ".cache", "__pycache__", ".git", ".pytest_cache",
                                       "*.egg-info")
GENERATED = {REPO / "book" / "chapters"}  # but src/pokrovsk/chapters is source


def ignored(folder: str, names: list[str]) -> set[str]:
    return set(IGNORED_NAMES(folder, names)) | {name for name in names if Path(folder) / name in GENERATED}


def copy_repo(target: Path) -> Path:
    """The committed inputs of the book (no venv, caches or builds) in a fresh folder, the
    package sources included (a test may import them with PYTHONPATH=<copy>/src)."""
    shutil.copytree(REPO, target, ignore=ignored)
    return target


def project_env(root: Path, env: dict | None = None) -> dict:
    """The environment that makes ``root`` the project: copies of the repository run with this
    checkout's code, which would otherwise work on this checkout (see pokrovsk.paths)."""
    return {**(env or os.environ), PROJECT_ENV: str(root)}


def pokrovsk(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line, as a user would, on the project at ``cwd``."""
    return subprocess.run([sys.executable, "-m", "pokrovsk.cli", *args], cwd=cwd, capture_output=True,
                          text=True, env=project_env(cwd, env), timeout=900)


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def require_chromium(path: Path = CHROMIUM) -> Path:
    """Debian's Chromium, or the reason there is none: under CI (``CI=true``) the test fails,
    since a green run must have drawn every chart and printed the PDF; elsewhere it skips."""
    if path.exists():
        return path
    reason = f"Debian chromium is not installed at {path} (apt-get install chromium)"
    if under_ci():
        pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Session-wide, so it is decided before any module-wide fixture tries to launch the browser."""
    return require_chromium()


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """The whole book built once, cold, from a copy of the repository (an end-to-end build)."""
    root = copy_repo(tmp_path_factory.mktemp("book") / "repo")
    result = pokrovsk("build", "--jobs", "2", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


@pytest.fixture(scope="module")
def site_root(built_book):
    """The whole published site, served: the root page that chooses an edition, and every edition."""
    html = site_html(built_book).resolve()
    with serve(html) as base:
        yield html, base


@pytest.fixture(scope="module", params=EDITIONS)
def site(request, site_root):
    """One edition of the site, served, as (its folder, its URL): a test that uses it runs for
    every edition, so both pass the same checks."""
    html, base = site_root
    yield html / request.param, f"{base}/{request.param}"


@pytest.fixture(scope="module")
def english_site(site_root):
    """The English edition, for tests that read its English words."""
    html, base = site_root
    yield html / "en", f"{base}/en"


@pytest.fixture(scope="module")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield instance
        instance.close()



CHART_SPEC = re.compile(r'<script type="application/json" id="(chart-[\w-]+)-figure">(.*?)</script>', re.S)


def chart_specs(page: str) -> dict[str, str]:
    """Each chart's figure (data, layout, frames, config) as JSON text, by its box's id: the JSON
    beside each chart, which the page's chart script hands to plotly.js when the chart is needed."""
    return dict(CHART_SPEC.findall(page))


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def append_text(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def edit_cell(path: Path, key: dict[str, str], column: str, value: str) -> None:
    """Set one cell of the row whose columns match ``key``, quoting as CSV requires."""
    header, rows = read_csv(path)
    matches = [row for row in rows if all(row[k] == v for k, v in key.items())]
    assert len(matches) == 1, f"{key} matches {len(matches)} rows of {path.name}"
    matches[0][column] = value
    write_csv(path, header, rows)


def processes_naming(text: str) -> list[str]:
    """The command lines of running processes that contain ``text`` (a path, say)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in command:
            found.append(command[:200])
    return found
