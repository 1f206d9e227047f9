"""The pipeline: validate → execute chapter notebooks (cached, parallel) → strict Jupyter Book
build → swap the finished site into ``_build/html``.

The served book is a symlink, ``_build/html -> site-<id>``. A build writes a complete new
``site-<id>`` beside the old one and replaces the link in one rename, so a reader (or a killed
build) only ever sees the old book or the new one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from pokrovsk import paths
from pokrovsk.content import DATA_AS_OF_ENV, VALIDATED_ENV, content_hash
from pokrovsk.params import BookParams

from pokrovsk.cache_keys import hash_files, package_fingerprint
from pokrovsk.cache_keys import DEPENDENCIES_FILE
from pokrovsk.execute import (BuildError, ChartImageDrawing, NotebookJob, copy_assets, execute_job, execute_notebooks,
                              has_pending_images, kernel_environment, pool_for, sync_chapter)
from pokrovsk.paths import Project

BUILD_KEY_FILE = ".pokrovsk-build-key"


def book_key(project: Project, jobs: list[NotebookJob], extra_sources: Iterable[Path] = ()) -> str:
    """Everything the HTML depends on besides the executed notebooks' keys."""
    digest = hashlib.sha256()
    for job in jobs:
        digest.update(f"{job.stem}:{job.key}\n".encode())
        digest.update((job.cache_entry / DEPENDENCIES_FILE).read_bytes())
    sources = [project.root / "_config.yml", project.root / "_toc.yml", *extra_sources]
    sources += [p for p in (project.root / "book").rglob("*")
                if p.is_file() and not p.is_relative_to(project.chapters_dir)]
    hash_files(digest, [p for p in set(sources) if p.is_file()], project.root)
    digest.update(package_fingerprint().encode())
    return digest.hexdigest()[:20]


def current_build_key(project: Project) -> str | None:
    marker = project.html_link / BUILD_KEY_FILE
    return marker.read_text().strip() if marker.is_file() else None


def run_jupyter_book(project: Project, report: Callable[[str], None] = print, data_as_of: dt.date | None = None) -> Path:
    """Strict Sphinx build into the work folder; returns the HTML folder it produced.

    The work folder is kept between builds so Sphinx only re-reads changed pages, but it is
    wiped after a failure: Sphinx would otherwise not repeat the warnings of unchanged pages,
    and a strict build must fail for the same reason every time.
    """
    work = project.sphinx_work_dir
    failed_marker = work / ".failed"
    running_marker = work / ".running"  # still there at the next start: that build was killed
    if failed_marker.exists() or running_marker.exists():
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    running_marker.touch()
    command = [
        sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(project.root),
        "--path-output", str(work), "--builder", "html",
        "-W", "-n", "--keep-going", "--quiet",
    ]
    environment = {**os.environ, **({DATA_AS_OF_ENV: data_as_of.isoformat()} if data_as_of else {})}
    completed = subprocess.run(command, cwd=project.root, capture_output=True, text=True, env=environment)
    if completed.returncode != 0:
        failed_marker.touch()
        output = re.sub(r"\x1b\[[0-9;]*m", "", completed.stdout + completed.stderr)
        problems = [line for line in output.splitlines()
                    if "WARNING" in line or "ERROR" in line or "Error" in line]
        detail = "\n".join(problems[:20]) or output[-2000:]
        raise BuildError(f"Jupyter Book build failed (strict mode):\n{detail}")
    running_marker.unlink()
    return work / "_build" / "html"


def publish(project: Project, html: Path, key: str) -> Path:
    """Copy the finished site beside the old one and swap the link in one rename."""
    project.build_dir.mkdir(parents=True, exist_ok=True)
    site = Path(tempfile.mkdtemp(prefix="site-", dir=project.build_dir))
    shutil.copytree(html, site, dirs_exist_ok=True)
    (site / BUILD_KEY_FILE).write_text(key + "\n")
    link = project.html_link
    if link.exists() and not link.is_symlink():
        legacy = Path(tempfile.mkdtemp(prefix="site-legacy-", dir=project.build_dir))
        legacy.rmdir()
        link.rename(legacy)
    temporary_link = project.build_dir / f".html-{os.getpid()}"
    temporary_link.unlink(missing_ok=True)
    temporary_link.symlink_to(site.name, target_is_directory=True)
    os.replace(temporary_link, link)
    for old in project.build_dir.glob("site-*"):
        if old != site:
            shutil.rmtree(old, ignore_errors=True)
    return site


@contextlib.contextmanager
def exclusive_build(project: Project, report: Callable[[str], None] = print):
    """One build at a time per project: two would prune each other's cache entries and race
    for _build. The lock is released by the OS when a build dies, so it never goes stale."""
    project.cache_dir.mkdir(parents=True, exist_ok=True)
    with open(project.cache_dir / "build.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            report("Another build of this book is running; waiting for it to finish ...")
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build_book(project: Project, params: BookParams, workers: int = 1,
               report: Callable[[str], None] = print, validate: Callable[[Path], None] | None = None) -> bool:
    """The whole pipeline. Returns False when the book was already up to date."""
    with exclusive_build(project, report):
        return _build_book(project, params, workers, report, validate)


def _build_book(project: Project, params: BookParams, workers: int,
                report: Callable[[str], None], validate: Callable[[Path], None] | None) -> bool:
    from pokrovsk import data, datapages, editions
    from pokrovsk.chapters.front_page import page as front_page

    started = time.perf_counter()
    data_dir = project.resolve_data_dir(params.data_dir)
    # Tiles, downloads and plotly.js are cached with the project, and `clean` clears them.
    os.environ.setdefault(paths.CACHE_ENV, str(project.cache_dir))
    drawing = ChartImageDrawing()
    try:
        with pool_for(project, params, workers) as pool:  # kernels warm up while the data is validated
            if pool is not None:  # the book's plotly.js is fetched (once) while notebooks run
                from pokrovsk import plotlyjs

                threading.Thread(target=plotlyjs.prefetch_basic, daemon=True).start()
            if validate is not None:
                validate(data_dir)
                os.environ[VALIDATED_ENV] = content_hash(data_dir)
            jobs = execute_notebooks(project, params, workers=workers, report=report, pool=pool,
                                     on_executed=lambda job: drawing.add(job.cache_entry / "assets"))
        for job in jobs:
            if has_pending_images(job):  # left by a build that was stopped before drawing them
                drawing.add(job.cache_entry / "assets")
        generated = datapages.write_pages(project.root, data_dir, params.as_of)
        generated += front_page.write(project.root, params, data_dir)
        generated += editions.write_pages(project.root, data_dir, params.as_of or data.latest_date(data_dir), report)
        key = book_key(project, jobs, generated)
        if key == current_build_key(project) and not drawing.started:
            report(f"Book is up to date ({time.perf_counter() - started:.1f} s): {project.html_link}")
            return False
        report("Building HTML with Jupyter Book (strict: -W -n --keep-going) ...")
        html = run_jupyter_book(project, report, data_as_of=params.as_of or data.latest_date(data_dir))
        if drawing.started:
            report(drawing.finish())
            for job in jobs:
                sync_chapter(job, project.chapters_dir)
                copy_assets(project.chapters_dir / "assets" / job.stem,
                             html / "book" / "chapters" / "assets" / job.stem)
    finally:
        drawing.stop()
    publish(project, html, key)
    report(f"Book built in {time.perf_counter() - started:.1f} s: {project.html_link / 'index.html'}")
    return True


def run_single(project: Project, notebook: Path, params: BookParams, output: Path | None = None,
               validate: Callable[[Path], None] | None = None) -> Path:
    """Execute one notebook with these parameters, uncached, for readers re-running a chapter."""
    if not notebook.is_file():
        raise BuildError(f"{notebook}: no such notebook")
    data_dir = project.resolve_data_dir(params.data_dir)
    if validate is not None:
        validate(data_dir)
        os.environ[VALIDATED_ENV] = content_hash(data_dir)
    output = (output or project.build_dir / "runs" / notebook.name).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    job = NotebookJob(notebook.resolve(), "single-run", params.resolved(project.root).for_notebook(),
                      output.parent / f".run-{notebook.stem}", kernel_environment(notebook.stem))
    outcome = execute_job(job)
    if outcome.error:
        raise BuildError(f"{notebook}: {outcome.error}")
    for note in outcome.notes:
        print(f"{notebook.name}: {note}", file=sys.stderr)
    from pokrovsk.render import draw_pending_images

    draw_pending_images([job.cache_entry / "assets"])
    executed = job.cache_entry / f"{notebook.stem}.ipynb"
    os.replace(executed, output)
    assets = job.cache_entry / "assets"
    if assets.is_dir():
        shutil.copytree(assets, output.parent / "assets", dirs_exist_ok=True)
    shutil.rmtree(job.cache_entry, ignore_errors=True)
    return output


def clean(project: Project) -> list[Path]:
    """Remove executed notebooks, caches and _build, so the next build is cold."""
    removed = []
    with exclusive_build(project):
        for path in (project.chapters_dir, project.cache_dir, project.build_dir, project.root / "book" / "data"):
            if path.is_symlink() or path.is_file():
                path.unlink()
                removed.append(path)
            elif path.exists():
                shutil.rmtree(path)
                removed.append(path)
    return removed
