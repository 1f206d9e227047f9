"""The pipeline: validate → execute chapter notebooks (cached, parallel) → strict Jupyter Book
build → swap the finished site into ``_build/html``.

Sphinx does not wait for the last notebooks: once every notebook has started, a core is free,
and Sphinx starts on the edition there, reading every page but the chapters still running
(pokrovsk.sphinx_head_start).

The book has an edition per language (``params.LANGUAGES``): each runs the chapter notebooks
with its ``language`` parameter, gets its generated pages written in its words and is built by
Sphinx from its own source tree (pokrovsk.staging) into ``_build/html/<language>/``; the site's
root page sends a reader to one of them (pokrovsk.site_root).

The served book is a symlink, ``_build/html -> site-<id>``. A build writes a complete new
``site-<id>``, with every edition, beside the old one and replaces the link in one rename, so a
reader (or a killed build) only ever sees the old book or the new one.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
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

import yaml

from pokrovsk import paths, site_root, words
from pokrovsk.content import DATA_AS_OF_ENV, PUBLISHED_EDITIONS_ENV, VALIDATED_ENV, content_hash
from pokrovsk.params import LANGUAGES, BookParams
from pokrovsk.staging import EditionTree, committed_book_files

from pokrovsk.cache_keys import hash_files, package_fingerprint
from pokrovsk.cache_keys import DEPENDENCIES_FILE
from pokrovsk.execute import (BuildError, ChartImageDrawing, NotebookJob, copy_assets, execute_job, execute_notebooks,
                              has_pending_images, kernel_environment, pool_for, sync_chapter)
from pokrovsk.paths import Project
from pokrovsk.process_end import stop_group
from pokrovsk.sphinx_head_start import PENDING_ENV, RELEASE

BUILD_KEY_FILE = ".pokrovsk-build-key"


def book_key(project: Project, tree: EditionTree, jobs: list[NotebookJob], extra_sources: Iterable[Path] = (),
             published: Iterable[str] = LANGUAGES) -> str:
    """Everything an edition's HTML depends on besides the executed notebooks' keys; ``published``:
    the editions on the site, which its language switch links to."""
    digest = hashlib.sha256()
    digest.update(f"language:{tree.language}\n".encode())
    digest.update(f"published:{','.join(published)}\n".encode())
    for job in jobs:
        digest.update(f"{job.stem}:{job.key}\n".encode())
        digest.update((job.cache_entry / DEPENDENCIES_FILE).read_bytes())
    hash_files(digest, [p for p in set(extra_sources) | {tree.config_file} if p.is_file()], tree.root)
    sources = [project.root / "_toc.yml", *committed_book_files(project, tree.language)]
    hash_files(digest, [p for p in set(sources) if p.is_file()], project.root)
    digest.update(package_fingerprint().encode())
    return digest.hexdigest()[:20]


def current_build_key(project: Project, language: str) -> str | None:
    marker = project.html_link / language / BUILD_KEY_FILE
    return marker.read_text().strip() if marker.is_file() else None


class SphinxRun:
    """One edition's strict Sphinx build (Jupyter Book's command line) in a process of its own,
    into the edition's work folder.

    ``pending``: chapters (docnames) whose notebooks are still running. Sphinx then starts at
    once, reads the other pages and waits for :meth:`result` before reading those chapters
    (pokrovsk.sphinx_head_start). ``published``: the editions the site will hold, which the
    pages' language switch links to.

    The work folder is kept between builds so Sphinx only re-reads changed pages, but it is
    wiped after a failure: Sphinx would otherwise not repeat the warnings of unchanged pages,
    and a strict build must fail for the same reason every time.
    """

    def __init__(self, tree: EditionTree, data_as_of: dt.date | None = None, published: Iterable[str] = LANGUAGES,
                 pending: Iterable[str] = ()) -> None:
        self.tree = tree
        work = tree.work_dir
        self._failed_marker = work / ".failed"
        self._running_marker = work / ".running"  # still there at the next start: that build was stopped
        if self._failed_marker.exists() or self._running_marker.exists():
            shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True, exist_ok=True)
        self._running_marker.touch()
        command = [
            sys.executable, "-m", "pokrovsk.jupyter_book_cli", "build", str(tree.root),
            "--path-output", str(work), "--builder", "html",
            "-W", "-n", "--keep-going", "--quiet",
        ]
        pending = ",".join(pending)
        environment = {**{name: value for name, value in os.environ.items() if name != PENDING_ENV},
                       PUBLISHED_EDITIONS_ENV: ",".join(published),
                       **({DATA_AS_OF_ENV: data_as_of.isoformat()} if data_as_of else {}),
                       **({PENDING_ENV: pending} if pending else {})}
        self._output = tempfile.TemporaryFile("w+", encoding="utf-8")  # a pipe left unread could fill up
        # A group of its own, so that stopping it also stops what its extensions started.
        self._process = subprocess.Popen(command, cwd=tree.root, text=True, env=environment,
                                         stdin=subprocess.PIPE if pending else subprocess.DEVNULL,
                                         stdout=self._output, stderr=subprocess.STDOUT, start_new_session=True)

    def chapter_ready(self, docname: str) -> None:
        """This pending chapter is in place: Sphinx may read it."""
        self._tell(docname)

    def release(self) -> None:
        """Every chapter is in place: Sphinx may read them all."""
        self._tell(RELEASE)
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):
                self._process.stdin.close()

    def _tell(self, line: str) -> None:
        if self._process.stdin is not None and not self._process.stdin.closed:
            with contextlib.suppress(OSError):  # Sphinx may have stopped already; its output says why
                self._process.stdin.write(f"{line}\n")
                self._process.stdin.flush()

    def result(self) -> Path:
        """Release the chapters, wait for Sphinx and return the HTML folder it produced."""
        self.release()
        returncode = self._process.wait()
        self._output.seek(0)
        output = re.sub(r"\x1b\[[0-9;]*m", "", self._output.read())
        self._output.close()
        if returncode != 0:
            self._failed_marker.touch()
            problems = [line for line in output.splitlines()
                        if "WARNING" in line or "ERROR" in line or "Error" in line]
            detail = "\n".join(problems[:20]) or output[-2000:]
            raise BuildError(f"Jupyter Book build of the {self.tree.language} edition failed (strict mode):\n{detail}")
        self._running_marker.unlink()
        return self.tree.work_dir / "_build" / "html"

    def stop(self) -> None:
        """End a build that is no longer wanted; its work folder is wiped at the next start."""
        stop_group(self._process)
        self._output.close()


def publish(project: Project, editions: dict[str, Path], keys: dict[str, str]) -> Path:
    """Copy every edition (``editions``: language → its finished HTML) into a new site beside
    the old one, with the root page that chooses between them, and swap the link in one rename.
    An edition this build did not make is kept from the old site."""
    project.build_dir.mkdir(parents=True, exist_ok=True)
    site = Path(tempfile.mkdtemp(prefix="site-", dir=project.build_dir))
    site.chmod(0o755)  # mkdtemp makes it private to its owner; a web server may be another user
    for language in LANGUAGES:
        if language in editions:
            shutil.copytree(editions[language], site / language)
            (site / language / BUILD_KEY_FILE).write_text(keys[language] + "\n")
        elif (project.html_link / language / BUILD_KEY_FILE).is_file():
            shutil.copytree(project.html_link / language, site / language)
    # The site's own key names every edition's: a finished site has one (pokrovsk clean, tests).
    (site / BUILD_KEY_FILE).write_text("".join(f"{language} {(site / language / BUILD_KEY_FILE).read_text()}"
                                               for language in LANGUAGES if (site / language).is_dir()))
    start_page = yaml.safe_load((project.root / "_toc.yml").read_text(encoding="utf-8"))["root"] + ".html"
    site_root.write(site, [language for language in LANGUAGES if (site / language).is_dir()], start_page)
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


def build_book(project: Project, params: BookParams, workers: int = 1, report: Callable[[str], None] = print,
               validate: Callable[[Path], None] | None = None, languages: Iterable[str] = LANGUAGES) -> bool:
    """The whole pipeline for the editions in ``languages`` (default: all; an edition left out
    keeps its last build). Returns False when the book was already up to date."""
    with exclusive_build(project, report):
        return _build_book(project, params, workers, report, validate, list(languages))


def _build_book(project: Project, params: BookParams, workers: int, report: Callable[[str], None],
                validate: Callable[[Path], None] | None, languages: list[str]) -> bool:
    started = time.perf_counter()
    data_dir = project.resolve_data_dir(params.data_dir)
    # Tiles, downloads and plotly.js are cached with the project, and `clean` clears them.
    os.environ.setdefault(paths.CACHE_ENV, str(project.cache_dir))
    trees = {language: EditionTree.of(project, language) for language in languages}
    edition_params = {language: dataclasses.replace(params, language=language) for language in languages}
    drawing = ChartImageDrawing()
    # A page links to the other editions the site will hold: those built now and those kept.
    published = [language for language in LANGUAGES
                 if language in languages or current_build_key(project, language) is not None]
    early: dict[str, SphinxRun] = {}
    try:
        with pool_for(project, list(edition_params.values()), workers) as pool:  # kernels warm up while the data is validated
            if pool is not None:  # the book's plotly.js is fetched (once) while notebooks run
                from pokrovsk import plotlyjs

                threading.Thread(target=plotlyjs.prefetch_basic, daemon=True).start()
            from pokrovsk import data  # geopandas and pandas: imported while the kernels start

            if validate is not None:
                validate(data_dir)
                os.environ[VALIDATED_ENV] = content_hash(data_dir)
            for tree in trees.values():
                tree.prepare(project)
            data_as_of = params.as_of or data.latest_date(data_dir)
            # The generated pages need the data alone, so they are written while the kernels work.
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as writer:
                pages = writer.submit(_write_generated_pages, project, trees, edition_params, data_dir, data_as_of,
                                      report)

                def start_sphinx_early(waiting: dict[Path, list[str]]) -> None:
                    """A core is free of notebooks: Sphinx starts on each edition whose
                    notebooks were executed, up to one edition per worker."""
                    pages.result()
                    for language in languages:
                        stems = waiting.get(trees[language].chapters_dir)
                        if stems is not None and len(early) < workers:
                            early[language] = SphinxRun(trees[language], data_as_of, published,
                                                        pending=[trees[language].chapter_docname(stem) for stem in stems])

                def chapter_ready(folder: Path, stem: str) -> None:
                    for language, run in early.items():
                        if trees[language].chapters_dir == folder:
                            run.chapter_ready(trees[language].chapter_docname(stem))

                executed = execute_notebooks(
                    project, {trees[language].chapters_dir: edition_params[language] for language in languages},
                    workers=workers, report=report, pool=pool,
                    on_executed=lambda job: drawing.add(job.cache_entry / "assets"),
                    on_worker_free=start_sphinx_early, on_chapter_ready=chapter_ready)
                generated = pages.result()
        for run in early.values():  # the chapters are in place
            run.release()
        jobs = {language: executed[trees[language].chapters_dir] for language in languages}
        for job in (job for edition_jobs in jobs.values() for job in edition_jobs):
            if has_pending_images(job):  # left by a build that was stopped before drawing them
                drawing.add(job.cache_entry / "assets")
        drawing.no_more_folders()
        keys = {language: book_key(project, tree, jobs[language], generated[language], published)
                for language, tree in trees.items()}
        # Images drawn now change the chapters of every edition: each is built again.
        stale = [language for language in languages
                 if drawing.started or keys[language] != current_build_key(project, language)]
        for language in [language for language in early if language not in stale]:
            early.pop(language).stop()
        if not stale:
            report(f"Book is up to date ({time.perf_counter() - started:.1f} s): {project.html_link}")
            return False
        report(f"Building HTML with Jupyter Book (strict: -W -n --keep-going): {', '.join(stale)} ...")
        html = _run_sphinx_builds([trees[language] for language in stale], data_as_of, workers, published, early)
        if drawing.started:
            report(drawing.finish())
            for language in stale:
                for job in jobs[language]:
                    sync_chapter(job, trees[language].chapters_dir)
                    copy_assets(trees[language].chapters_dir / "assets" / job.stem,
                                html[language] / "book" / "chapters" / "assets" / job.stem)
    finally:
        drawing.stop()
        for run in early.values():
            run.stop()
    unchanged = {language: project.html_link / language for language in languages if language not in stale}
    publish(project, html | unchanged, keys)
    report(f"Book built in {time.perf_counter() - started:.1f} s: {project.html_link / 'index.html'}")
    return True


def write_generated_pages(pages_root: Path, project_root: Path, params: BookParams, data_dir: Path,
                          data_as_of: dt.date, report: Callable[[str], None] = print) -> list[Path]:
    """The pages made from the data (data pages, front page, edition pages) under ``pages_root``,
    in the words' current language; returns their files."""
    from pokrovsk import datapages, editions
    from pokrovsk.chapters.front_page import page as front_page

    return [*datapages.write_pages(pages_root, data_dir, params.as_of),
            *front_page.write(project_root, params, data_dir, pages_root=pages_root),
            *editions.write_pages(pages_root, data_dir, data_as_of, report, repository=project_root)]


def _write_generated_pages(project: Project, trees: dict[str, EditionTree], edition_params: dict[str, BookParams],
                           data_dir: Path, data_as_of: dt.date, report: Callable[[str], None]) -> dict[str, list[Path]]:
    """Every edition's generated pages. Nothing else in this process may speak while they are
    written: the words' language is the process's."""
    generated = {}
    for language, tree in trees.items():
        with words.speaking(language):
            generated[language] = write_generated_pages(tree.root, project.root, edition_params[language], data_dir,
                                                        data_as_of, report)
    return generated


def _run_sphinx_builds(trees: list[EditionTree], data_as_of: dt.date, workers: int, published: list[str],
                       started: dict[str, SphinxRun]) -> dict[str, Path]:
    """Each edition's Sphinx build, side by side when there are workers to spare, those
    ``started`` early included; every failure is reported, not only the first."""
    results: dict[str, Path] = {}
    failures = []
    waiting = [tree for tree in trees if tree.language not in started]
    while started or waiting:
        while waiting and len(started) < max(1, workers):
            tree = waiting.pop(0)
            started[tree.language] = SphinxRun(tree, data_as_of, published)
        language = next(iter(started))
        try:
            results[language] = started[language].result()
        except BuildError as error:
            failures.append(str(error))
        del started[language]
    if failures:
        raise BuildError("\n".join(failures))
    return results


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
        # book/chapters and book/data: where builds before the editions wrote their files.
        for path in (project.chapters_dir, project.cache_dir, project.build_dir, project.root / "book" / "data"):
            if path.is_symlink() or path.is_file():
                path.unlink()
                removed.append(path)
            elif path.exists():
                shutil.rmtree(path)
                removed.append(path)
    return removed
