"""Executing the chapter notebooks: each in a warm, reusable kernel (pokrovsk.kernels), several
side by side, a result reused while nothing it used has changed (pokrovsk.cache_keys)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import nbformat

from pokrovsk import paths
from pokrovsk.buildnotes import BUILD_NOTES_ENV, BUILD_NOTES_FILE, take_notes
from pokrovsk.content import VALIDATED_ENV
from pokrovsk.params import BookParams
from pokrovsk.process_end import stop_group

from pokrovsk.cache_keys import DEPENDENCIES_FILE, FILES_USED, LIST_FILES_USED, InputFiles, notebook_key
from pokrovsk.paths import Project

if TYPE_CHECKING:
    from pokrovsk.kernels import ReusableKernel

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


class BuildError(RuntimeError):
    """A build step failed; the message is meant for the user, one short paragraph."""


@dataclasses.dataclass(frozen=True)
class NotebookJob:
    source: Path
    key: str
    parameters: dict
    cache_entry: Path
    environment: dict = dataclasses.field(default_factory=dict)
    """Set in the kernel before the notebook runs (a reused kernel keeps its start-up environment)."""
    inputs: InputFiles | None = None
    """Without it (a single run outside the cache), no record of the files used is kept."""

    @property
    def stem(self) -> str:
        return self.source.stem

    @property
    def language(self) -> str:
        return self.parameters.get("language", "")

    @property
    def label(self) -> str:
        """How the build's report names it: the edition and the notebook, ``uk/01_where``."""
        return f"{self.language}/{self.stem}"


@dataclasses.dataclass(frozen=True)
class NotebookOutcome:
    stem: str
    executed: bool
    seconds: float
    error: str | None = None
    notes: tuple[str, ...] = ()
    """What the notebook told the person running the build (pokrovsk.buildnotes)."""
    language: str = ""


def _source_cell_number(source: Path, executed_cell: dict | None) -> str:
    """1-based number of the failing cell in the committed notebook (not counting injected cells)."""
    if executed_cell is None:
        return "?"
    source_nb = nbformat.read(source, as_version=4)
    for number, cell in enumerate(source_nb.cells, start=1):
        if cell.get("id") and cell.get("id") == executed_cell.get("id"):
            return str(number)
    return "?"


def _fold_for_reading(nb: nbformat.NotebookNode) -> None:
    """Readers see prose, charts and maps, not code: parameter cells vanish, other cells keep only
    their output (each figure links to the code that drew it). A cell the notebook tags itself,
    such as an exercise's solution folded with ``hide-cell``, keeps its tag."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.setdefault("tags", [])
        if PARAMETERS_TAG in tags or INJECTED_TAG in tags:
            if "remove-cell" not in tags:
                tags.append("remove-cell")
        elif not any(tag.startswith(("remove-", "hide-")) for tag in tags):
            tags.append("remove-input")


def kernel_environment(stem: str) -> dict[str, str]:
    """What a chapter's kernel needs from the build: where to write its files and its notes for
    the build's report (pokrovsk.buildnotes), where the caches are, and which data content the
    build has already validated ("" means none)."""
    return {"POKROVSK_ASSET_PREFIX": f"assets/{stem}", BUILD_NOTES_ENV: BUILD_NOTES_FILE,
            paths.CACHE_ENV: os.environ.get(paths.CACHE_ENV, ""),
            VALIDATED_ENV: os.environ.get(VALIDATED_ENV, "")}


def execute_job(job: NotebookJob, kernel: ReusableKernel | None = None) -> NotebookOutcome:
    """Run one notebook into a fresh folder; only a complete success is moved into the cache.

    Without ``kernel``, a kernel is started for this notebook alone and stopped afterwards. A
    kernel whose notebook failed is stopped either way: its state is unknown.
    """
    import papermill

    from pokrovsk.kernels import KERNEL_NAME, SET_UP_TIMEOUT_S, ReusableKernel

    started = time.perf_counter()
    job.cache_entry.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{job.stem}-", dir=job.cache_entry.parent))
    output = work / f"{job.stem}.ipynb"
    own_kernel = kernel is None
    failed = True
    try:
        kernel = kernel or ReusableKernel(warm_up=False)
        kernel.prepare(str(work), job.environment)
        # No cwd for papermill: it would change the folder of the whole build process, and
        # notebooks run side by side in threads. The kernel itself works in `work` (prepare).
        papermill.execute_notebook(
            str(job.source),
            str(output),
            parameters=job.parameters,
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            km=kernel.manager,
        )
        if job.inputs is not None:
            kernel.run(LIST_FILES_USED.format(path=json.dumps(str(work / FILES_USED))), SET_UP_TIMEOUT_S)
            files_used = json.loads((work / FILES_USED).read_text(encoding="utf-8"))
            (work / FILES_USED).unlink()
            (work / DEPENDENCIES_FILE).write_text(json.dumps(job.inputs.record(files_used), indent=1, sort_keys=True))
        failed = False
    except papermill.PapermillExecutionError as error:
        executed = nbformat.read(output, as_version=4) if output.exists() else None
        # papermill inserts banner cells into the saved notebook, so error.cell_index does not
        # point into it; the failing cell is the one holding an error output.
        cell = next((c for c in (executed.cells if executed else []) if c.cell_type == "code"
                     and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        number = _source_cell_number(job.source, cell)
        shutil.rmtree(work, ignore_errors=True)
        return NotebookOutcome(job.stem, True, time.perf_counter() - started,
                               f"cell {number} raised {error.ename}: {error.evalue}")
    except Exception as error:  # a kernel that died or never started
        shutil.rmtree(work, ignore_errors=True)
        return NotebookOutcome(job.stem, True, time.perf_counter() - started,
                               f"could not execute: {type(error).__name__}: {error}")
    finally:
        if kernel is not None and (own_kernel or failed):
            with contextlib.suppress(Exception):
                kernel.shutdown()

    executed = nbformat.read(output, as_version=4)
    _fold_for_reading(executed)
    nbformat.write(executed, output)
    notes = tuple(take_notes(work))
    shutil.rmtree(job.cache_entry, ignore_errors=True)
    work.rename(job.cache_entry)
    return NotebookOutcome(job.stem, True, time.perf_counter() - started, notes=notes)


class NotebookPool:
    """Threads that run notebooks, each in its own warm kernel (see pokrovsk.kernels). The
    kernels start at once, so their imports overlap with the build's own work (validating the
    data). Threads are enough: the work happens in the kernels, each a process of its own."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self._local = threading.local()
        self._kernels: list[ReusableKernel] = []
        self._lock = threading.Lock()
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="notebooks", initializer=self._warm_up)
        for _ in range(self.workers):
            self._executor.submit(lambda: None)  # one task per thread makes the pool start them all now

    def _kernel(self) -> ReusableKernel:
        from pokrovsk.kernels import ReusableKernel

        kernel = getattr(self._local, "kernel", None)
        if kernel is None or not kernel.alive:
            kernel = self._local.kernel = ReusableKernel()
            with self._lock:
                self._kernels.append(kernel)
        return kernel

    def _warm_up(self) -> None:
        # A kernel that fails to start here is retried by the first notebook, which reports it.
        with contextlib.suppress(Exception):
            self._kernel()

    def _execute(self, job: NotebookJob) -> NotebookOutcome:
        try:
            kernel = self._kernel()
        except Exception as error:
            return NotebookOutcome(job.stem, True, 0.0, f"could not execute: {type(error).__name__}: {error}")
        outcome = execute_job(job, kernel)
        if outcome.error:
            self._local.kernel = None  # execute_job stopped it
        return outcome

    def run(self, jobs: list[NotebookJob], report: Callable[[str], None], total: int, done_before: int,
            on_executed: Callable[[NotebookJob], None] = lambda job: None) -> list[NotebookOutcome]:
        outcomes: list[NotebookOutcome] = []
        futures = {self._executor.submit(self._execute, job): job for job in jobs}
        for future in concurrent.futures.as_completed(futures):
            job = futures[future]
            outcome = dataclasses.replace(future.result(), language=job.language)
            outcomes.append(outcome)
            if not outcome.error:
                on_executed(job)
            state = f"FAILED ({outcome.error})" if outcome.error else "executed"
            report(f"[{done_before + len(outcomes)}/{total}] {job.label}: {state} in {outcome.seconds:.1f} s")
            for note in outcome.notes:
                report(f"    {job.label}: {note}")
        return outcomes

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        for kernel in self._kernels:
            with contextlib.suppress(Exception):
                kernel.shutdown()

    def __enter__(self) -> "NotebookPool":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def sync_chapter(job: NotebookJob, chapters_dir: Path) -> None:
    """Copy a cached result into the book only when it differs, so Sphinx sees no change.
    Images still being drawn are left out; they are copied once drawn."""
    target = chapters_dir / f"{job.stem}.ipynb"
    cached_nb = job.cache_entry / f"{job.stem}.ipynb"
    if not target.exists() or target.read_bytes() != cached_nb.read_bytes():
        shutil.copyfile(cached_nb, target)
    assets_source = job.cache_entry / "assets" / job.stem
    assets_target = chapters_dir / "assets" / job.stem
    if assets_source.is_dir() and assets_target.exists() and _same_tree(assets_source, assets_target):
        return
    copy_assets(assets_source, assets_target)


def has_pending_images(job: NotebookJob) -> bool:
    from pokrovsk.chart_files import PENDING_SUFFIX

    return any((job.cache_entry / "assets").rglob(f"*{PENDING_SUFFIX}"))


def copy_assets(source: Path, target: Path) -> None:
    from pokrovsk.chart_files import UNFINISHED

    shutil.rmtree(target, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*UNFINISHED))


def _finished_files(folder: Path) -> dict[Path, Path]:
    from pokrovsk.chart_files import UNFINISHED

    return {p.relative_to(folder): p for p in folder.rglob("*")
            if not any(p.match(pattern) for pattern in UNFINISHED) and p.is_file()}


def _same_tree(a: Path, b: Path) -> bool:
    files_a, files_b = _finished_files(a), _finished_files(b)
    return files_a.keys() == files_b.keys() and all(files_a[k].read_bytes() == files_b[k].read_bytes() for k in files_a)


class ChartImageDrawing:
    """The static chart images, drawn in one background browser session while the rest of the
    build goes on: each notebook's folder is handed over as soon as the notebook has run."""

    def __init__(self) -> None:
        self._process: subprocess.Popen | None = None
        self._handed_over: set[Path] = set()

    @property
    def started(self) -> bool:
        return self._process is not None

    def add(self, folder: Path) -> None:
        if folder in self._handed_over:
            return
        self._handed_over.add(folder)
        if self._process is None:  # launched by the first folder: earlier, it would slow the kernels' start
            # A session of its own, whose priority it lowers (pokrovsk.render.give_way).
            self._process = subprocess.Popen([sys.executable, "-m", "pokrovsk.render", "-"], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                             start_new_session=True)
        self._process.stdin.write(f"{folder}\n")
        self._process.stdin.flush()

    def no_more_folders(self) -> None:
        """The drawer draws what it was given and ends, closing its browser while the build goes on."""
        if self._process is not None and not self._process.stdin.closed:
            self._process.stdin.close()

    def finish(self) -> str:
        """Wait for the last image; returns the drawer's summary line."""
        if self._process is None:
            return ""
        self.no_more_folders()
        output = self._process.stdout.read()
        self._process.wait()
        if self._process.returncode != 0:
            raise BuildError(f"drawing the static chart images failed:\n{output[-2000:]}")
        return output.strip().splitlines()[-1] if output.strip() else "static chart images drawn"

    def stop(self) -> None:
        """Stop the drawer and its browser driver; the browser ends with them."""
        if self._process is not None:
            stop_group(self._process)


def plan_jobs(project: Project, params: BookParams) -> list[NotebookJob]:
    resolved = params.resolved(project.root)
    injected = resolved.for_notebook()
    # Folders count by content, not by path, so a moved checkout or store keeps its cache.
    key_params = {name: value for name, value in injected.items() if name not in ("data_dir", "frontlines")}
    inputs_hash = ""
    if resolved.frontlines:
        store = Path(resolved.frontlines) / paths.FRONTLINE_STORE_FILE
        inputs_hash = hashlib.sha256(store.read_bytes()).hexdigest()
    inputs = InputFiles.take(Path(resolved.data_dir))
    jobs = []
    for source in project.chapter_notebooks():
        key = notebook_key(source, key_params, inputs_hash)
        jobs.append(NotebookJob(source, key, injected, project.executed_cache / f"{source.stem}-{key}",
                                inputs=inputs))
    return jobs


def _is_cached(job: NotebookJob) -> bool:
    if not (job.cache_entry / f"{job.stem}.ipynb").is_file():
        return False
    try:
        record = json.loads((job.cache_entry / DEPENDENCIES_FILE).read_text(encoding="utf-8"))
        return job.inputs is not None and job.inputs.unchanged(record)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False  # a result run before records were kept, or a damaged record


def pool_for(project: Project, editions: list[BookParams], workers: int) -> contextlib.AbstractContextManager:
    """Warm workers for the notebooks that will run, or nothing when all are cached. Inputs the
    plan cannot read yet start no pool: validation reports them properly."""
    try:
        stale = [job for params in editions for job in plan_jobs(project, params) if not _is_cached(job)]
    except OSError:
        stale = []
    return NotebookPool(min(workers, len(stale))) if stale else contextlib.nullcontext()


def execute_notebooks(project: Project, editions: dict[Path, BookParams], workers: int = 1,
                      report: Callable[[str], None] = print, pool: NotebookPool | None = None,
                      on_executed: Callable[[NotebookJob], None] = lambda job: None,
                      on_worker_free: Callable[[dict[Path, list[str]]], None] | None = None,
                      on_chapter_ready: Callable[[Path, str], None] = lambda folder, stem: None
                      ) -> dict[Path, list[NotebookJob]]:
    """Execute what changed for every edition (``editions``: its chapters folder → its
    parameters), all in one pool, and copy each edition's results into its folder; raise
    BuildError naming every failed notebook and cell. ``on_executed`` hears of each notebook as
    soon as its result is in the cache.

    ``on_worker_free`` hears once, as soon as one of the ``workers`` has no notebook left to
    start, which chapters each folder with notebooks to execute still waits for (chapters folder
    → notebook stems, none when all are done). By
    then each folder holds every chapter the book will have: the results there are so far, and
    for each notebook still running its committed copy. From then on ``on_chapter_ready`` hears
    of each result as soon as it is in its folder."""
    planned = {folder: plan_jobs(project, params) for folder, params in editions.items()}
    jobs = [job for folder_jobs in planned.values() for job in folder_jobs]
    fresh = [job for job in jobs if _is_cached(job)]
    stale = [dataclasses.replace(job, environment=kernel_environment(job.stem)) for job in jobs if job not in fresh]
    for number, job in enumerate(fresh, start=1):
        report(f"[{number}/{len(jobs)}] {job.label}: cached")
    folder_of = {job.cache_entry: folder for folder, folder_jobs in planned.items() for job in folder_jobs}
    ready = {job.cache_entry for job in fresh}
    staged = False
    # Notebooks start in order, one per free worker: once all but workers - 1 have finished,
    # every notebook has started and a worker is idle (at once, with fewer notebooks than workers).
    free_after = max(0, len(stale) - workers + 1)

    def worker_free() -> None:
        nonlocal staged
        waiting = {}
        for folder, folder_jobs in planned.items():
            _stage_chapters(folder, folder_jobs, ready)
            if any(job not in fresh for job in folder_jobs):
                waiting[folder] = [job.stem for job in folder_jobs if job.cache_entry not in ready]
        staged = True
        on_worker_free(waiting)

    def executed(job: NotebookJob) -> None:
        on_executed(job)
        ready.add(job.cache_entry)
        if staged:
            sync_chapter(job, folder_of[job.cache_entry])
            on_chapter_ready(folder_of[job.cache_entry], job.stem)
        elif on_worker_free and len(ready) - len(fresh) == free_after:
            worker_free()

    with contextlib.ExitStack() as stack:
        if stale and pool is None:
            pool = stack.enter_context(NotebookPool(min(workers, len(stale))))
        if on_worker_free and stale and free_after == 0:
            worker_free()
        outcomes = pool.run(stale, report, len(jobs), len(fresh), executed) if stale else []
    failures: dict[tuple[str, str], list[str]] = {}
    for outcome in sorted((o for o in outcomes if o.error), key=lambda o: (o.stem, o.language)):
        failures.setdefault((outcome.stem, outcome.error), []).append(outcome.language)
    if failures:
        raise BuildError("\n".join(f"notebooks/{stem}.ipynb: {error} (edition {', '.join(languages)})"
                                   for (stem, error), languages in failures.items()))
    for folder, folder_jobs in planned.items():
        folder.mkdir(parents=True, exist_ok=True)
        for job in folder_jobs:
            sync_chapter(job, folder)
        _remove_stale_chapters(folder, {job.stem for job in folder_jobs})
    _prune_cache(project, jobs)
    return planned


def _stage_chapters(chapters_dir: Path, jobs: list[NotebookJob], ready: set[Path]) -> None:
    """Every chapter in its folder ahead of the last results: the results there are (``ready``:
    their cache entries), and for a notebook still running its committed copy (no outputs)
    where the folder has no older result."""
    chapters_dir.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        if job.cache_entry in ready:
            sync_chapter(job, chapters_dir)
        elif not (chapters_dir / f"{job.stem}.ipynb").exists():
            shutil.copyfile(job.source, chapters_dir / f"{job.stem}.ipynb")
    _remove_stale_chapters(chapters_dir, {job.stem for job in jobs})


def _remove_stale_chapters(chapters_dir: Path, stems: set[str]) -> None:
    for path in chapters_dir.glob("*.ipynb"):
        if path.stem not in stems:
            path.unlink()
    assets = chapters_dir / "assets"
    if assets.is_dir():
        for folder in assets.iterdir():
            if folder.name not in stems:
                shutil.rmtree(folder, ignore_errors=True)


def _prune_cache(project: Project, keep: list[NotebookJob], per_notebook: int = 4) -> None:
    """Keep the current entries (one per edition) and a few recent ones per notebook, so
    switching back is free."""
    current = {job.cache_entry for job in keep}
    for job in keep:
        entries = sorted(project.executed_cache.glob(f"{job.stem}-*"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in [e for e in entries if e not in current][per_notebook - 1:]:
            shutil.rmtree(stale, ignore_errors=True)
    for leftover in project.executed_cache.glob(".*-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # work folders of killed runs


