"""The pipeline: validate → execute chapter notebooks (cached, parallel) → strict Jupyter Book
build → swap the finished site into ``_build/html``.

The served book is a symlink, ``_build/html -> site-<id>``. A build writes a complete new
``site-<id>`` beside the old one and replaces the link in one rename, so a reader (or a killed
build) only ever sees the old book or the new one.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

import nbformat

from pokrovsk.buildnotes import BUILD_NOTES_ENV, BUILD_NOTES_FILE, take_notes
from pokrovsk.content import DATA_AS_OF_ENV, VALIDATED_ENV, content_hash
from pokrovsk.params import BookParams

if TYPE_CHECKING:
    from pokrovsk.kernels import ReusableKernel

PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
BUILD_KEY_FILE = ".pokrovsk-build-key"
# Libraries whose upgrade changes what a notebook draws, so they belong in the cache key.
KEY_LIBRARIES = ("plotly", "geopandas", "contextily", "matplotlib", "pandas", "shapely", "myst-nb", "jupyter-book")


class BuildError(RuntimeError):
    """A build step failed; the message is meant for the user, one short paragraph."""


@dataclasses.dataclass(frozen=True)
class Project:
    """Where everything lives, relative to the repository root."""

    root: Path

    @classmethod
    def find(cls, start: Path | None = None) -> "Project":
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / "_config.yml").is_file() and (folder / "notebooks").is_dir():
                return cls(folder)
        raise BuildError(f"no book found at or above {here} (looked for _config.yml and notebooks/)")

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    @property
    def chapters_dir(self) -> Path:
        """Executed notebooks that Jupyter Book renders (git-ignored)."""
        return self.root / "book" / "chapters"

    @property
    def params_file(self) -> Path:
        return self.root / "book" / "params.yml"

    @property
    def cache_dir(self) -> Path:
        return Path(os.environ.get("POKROVSK_CACHE_DIR", self.root / ".cache" / "pokrovsk"))

    @property
    def executed_cache(self) -> Path:
        return self.cache_dir / "executed"

    @property
    def build_dir(self) -> Path:
        return self.root / "_build"

    @property
    def html_link(self) -> Path:
        return self.build_dir / "html"

    @property
    def sphinx_work_dir(self) -> Path:
        return self.build_dir / ".work"

    def chapter_notebooks(self) -> list[Path]:
        return sorted(self.notebooks_dir.glob("*.ipynb"))

    def resolve_data_dir(self, params: BookParams) -> Path:
        data_dir = Path(params.data_dir).expanduser()
        return data_dir if data_dir.is_absolute() else (self.root / data_dir).resolve()


# --- cache keys ---------------------------------------------------------------------------


def _hash_files(digest: "hashlib._Hash", files: Iterable[Path], base: Path) -> None:
    for path in sorted(files):
        digest.update(path.relative_to(base).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")


def _tree_files(folder: Path, patterns: Iterable[str]) -> list[Path]:
    found: set[Path] = set()
    for pattern in patterns:
        found.update(p for p in folder.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts)
    return sorted(found)


PACKAGE_DIR = Path(__file__).resolve().parent


def library_versions() -> str:
    lines = []
    for name in KEY_LIBRARIES:
        try:
            lines.append(f"{name}={metadata.version(name)}\n")
        except metadata.PackageNotFoundError:
            lines.append(f"{name}=absent\n")
    return "".join(lines)


def package_fingerprint(package_dir: Path = PACKAGE_DIR) -> str:
    """Hash of the pokrovsk package sources and the versions of the libraries that draw."""
    digest = hashlib.sha256()
    _hash_files(digest, _tree_files(package_dir, ["*"]), package_dir)  # code, styles, icons
    digest.update(library_versions().encode())
    return digest.hexdigest()


def notebook_key(notebook: Path, key_params: dict, inputs_hash: str) -> str:
    """Which cache entry a notebook's result goes in: its source, its parameters, the inputs all
    notebooks share and the libraries that draw. The package modules and data files it used are
    checked against the record kept in the entry (:class:`InputFiles`)."""
    digest = hashlib.sha256()
    digest.update(notebook.read_bytes())
    digest.update(json.dumps(key_params, sort_keys=True).encode())
    digest.update(inputs_hash.encode())
    digest.update(library_versions().encode())
    return digest.hexdigest()[:20]


DEPENDENCIES_FILE = "dependencies.json"
"""Beside each executed notebook: the package modules its kernel imported and the data files it
read, with their hashes. No record, an unreadable one or a changed file means: run it again."""
_FILES_USED = "files-used.json"
# Run in the kernel after a notebook: its pokrovsk modules (imported afresh for each notebook,
# see pokrovsk.kernels) and the data files pokrovsk.data read.
_LIST_FILES_USED = """import json as _json, pathlib as _pathlib, sys as _sys
_pathlib.Path({path}).write_text(_json.dumps({{
    "modules": sorted({{module.__file__ for name, module in list(_sys.modules.items())
                        if (name == "pokrovsk" or name.startswith("pokrovsk.")) and getattr(module, "__file__", None)}}),
    "data": _sys.modules["pokrovsk.data"].files_read() if "pokrovsk.data" in _sys.modules else []}}))"""


@dataclasses.dataclass(frozen=True)
class InputFiles:
    """The hash of every package module and data file, taken before any notebook runs. A
    notebook's record keeps the hashes of the files it used from this snapshot, so a file edited
    while the notebook ran differs from its record and the notebook runs again next time."""

    package_dir: Path
    data_dir: Path
    hashes: dict[Path, str]

    @classmethod
    def take(cls, data_dir: Path, package_dir: Path = PACKAGE_DIR) -> "InputFiles":
        files = _tree_files(package_dir, ["*.py"]) + _tree_files(data_dir, ["*"])
        return cls(package_dir, data_dir, {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in files})

    def _entries(self, folder: Path, paths: Iterable[str]) -> dict[str, str | None]:
        """Paths inside ``folder`` by their place in it (a moved data folder keeps its records);
        any other path with no hash, which never matches."""
        entries: dict[str, str | None] = {}
        for name in paths:
            path = Path(name).resolve()
            if path.is_relative_to(folder):
                entries[path.relative_to(folder).as_posix()] = self.hashes.get(path)
            else:
                entries[str(path)] = None
        return entries

    def record(self, files_used: dict[str, list[str]]) -> dict:
        return {"modules": self._entries(self.package_dir, files_used["modules"]),
                "data": self._entries(self.data_dir, files_used["data"])}

    def unchanged(self, record: dict) -> bool:
        """Every file in the record still has its recorded hash."""
        for folder, part in ((self.package_dir, "modules"), (self.data_dir, "data")):
            for name, recorded in record[part].items():
                if recorded is None or self.hashes.get(folder / name) != recorded:
                    return False
        return True


# --- executing notebooks ------------------------------------------------------------------


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


@dataclasses.dataclass(frozen=True)
class NotebookOutcome:
    stem: str
    executed: bool
    seconds: float
    error: str | None = None
    notes: tuple[str, ...] = ()
    """What the notebook told the person running the build (pokrovsk.buildnotes)."""


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
    the build's report (pokrovsk.buildnotes), where the caches are, and which data content the build has already validated ("" means none)."""
    return {"POKROVSK_ASSET_PREFIX": f"assets/{stem}", BUILD_NOTES_ENV: BUILD_NOTES_FILE,
            "POKROVSK_CACHE_DIR": os.environ.get("POKROVSK_CACHE_DIR", ""),
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
            kernel.run(_LIST_FILES_USED.format(path=json.dumps(str(work / _FILES_USED))), SET_UP_TIMEOUT_S)
            files_used = json.loads((work / _FILES_USED).read_text(encoding="utf-8"))
            (work / _FILES_USED).unlink()
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
            outcome = future.result()
            outcomes.append(outcome)
            if not outcome.error:
                on_executed(futures[future])
            state = f"FAILED ({outcome.error})" if outcome.error else "executed"
            report(f"[{done_before + len(outcomes)}/{total}] {outcome.stem}: {state} in {outcome.seconds:.1f} s")
            for note in outcome.notes:
                report(f"    {outcome.stem}: {note}")
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


def _sync_chapter(job: NotebookJob, chapters_dir: Path) -> None:
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
    _copy_assets(assets_source, assets_target)


def _has_pending_images(job: NotebookJob) -> bool:
    from pokrovsk.render import PENDING_SUFFIX

    return any((job.cache_entry / "assets").rglob(f"*{PENDING_SUFFIX}"))


def _copy_assets(source: Path, target: Path) -> None:
    from pokrovsk.render import UNFINISHED

    shutil.rmtree(target, ignore_errors=True)
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns(*UNFINISHED))


def _finished_files(folder: Path) -> dict[Path, Path]:
    from pokrovsk.render import UNFINISHED

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
            self._process = subprocess.Popen([sys.executable, "-m", "pokrovsk.render", "-"], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self._process.stdin.write(f"{folder}\n")
        self._process.stdin.flush()

    def finish(self) -> str:
        """Wait for the last image; returns the drawer's summary line."""
        if self._process is None:
            return ""
        output = self._process.communicate()[0]
        if self._process.returncode != 0:
            raise BuildError(f"drawing the static chart images failed:\n{output[-2000:]}")
        return output.strip().splitlines()[-1] if output.strip() else "static chart images drawn"

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def plan_jobs(project: Project, params: BookParams) -> list[NotebookJob]:
    data_dir = project.resolve_data_dir(params)
    injected = dataclasses.replace(params, data_dir=str(data_dir)).for_notebook()
    # Folders count by content, not by path, so a moved checkout or store keeps its cache.
    key_params = {name: value for name, value in injected.items() if name not in ("data_dir", "frontlines")}
    inputs_hash = ""
    if params.frontlines:
        inputs_hash = hashlib.sha256((Path(params.frontlines) / "store.parquet").read_bytes()).hexdigest()
    inputs = InputFiles.take(data_dir)
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


def pool_for(project: Project, params: BookParams, workers: int) -> contextlib.AbstractContextManager:
    """Warm workers for the notebooks that will run, or nothing when all are cached. Inputs the
    plan cannot read yet start no pool: validation reports them properly."""
    try:
        stale = [job for job in plan_jobs(project, params) if not _is_cached(job)]
    except OSError:
        stale = []
    return NotebookPool(min(workers, len(stale))) if stale else contextlib.nullcontext()


def execute_notebooks(project: Project, params: BookParams, workers: int = 1,
                      report: Callable[[str], None] = print, pool: NotebookPool | None = None,
                      on_executed: Callable[[NotebookJob], None] = lambda job: None) -> list[NotebookJob]:
    """Execute what changed; raise BuildError naming every failed notebook and cell.
    ``on_executed`` hears of each notebook as soon as its result is in the cache."""
    jobs = plan_jobs(project, params)
    fresh = [job for job in jobs if _is_cached(job)]
    stale = [dataclasses.replace(job, environment=kernel_environment(job.stem)) for job in jobs if job not in fresh]
    for number, job in enumerate(fresh, start=1):
        report(f"[{number}/{len(jobs)}] {job.stem}: cached")
    with contextlib.ExitStack() as stack:
        if stale and pool is None:
            pool = stack.enter_context(NotebookPool(min(workers, len(stale))))
        outcomes = pool.run(stale, report, len(jobs), len(fresh), on_executed) if stale else []
    failures = [o for o in outcomes if o.error]
    if failures:
        lines = [f"notebooks/{o.stem}.ipynb: {o.error}" for o in sorted(failures, key=lambda o: o.stem)]
        raise BuildError("\n".join(lines))
    project.chapters_dir.mkdir(parents=True, exist_ok=True)
    for job in jobs:
        _sync_chapter(job, project.chapters_dir)
    _remove_stale_chapters(project, {job.stem for job in jobs})
    _prune_cache(project, jobs)
    return jobs


def _remove_stale_chapters(project: Project, stems: set[str]) -> None:
    for path in project.chapters_dir.glob("*.ipynb"):
        if path.stem not in stems:
            path.unlink()
    assets = project.chapters_dir / "assets"
    if assets.is_dir():
        for folder in assets.iterdir():
            if folder.name not in stems:
                shutil.rmtree(folder, ignore_errors=True)


def _prune_cache(project: Project, keep: list[NotebookJob], per_notebook: int = 3) -> None:
    """Keep the current entry and a few recent ones per notebook, so switching back is free."""
    current = {job.cache_entry for job in keep}
    for job in keep:
        entries = sorted(project.executed_cache.glob(f"{job.stem}-*"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in [e for e in entries if e not in current][per_notebook - 1:]:
            shutil.rmtree(stale, ignore_errors=True)
    for leftover in project.executed_cache.glob(".*-*"):
        shutil.rmtree(leftover, ignore_errors=True)  # work folders of killed runs


# --- building the book --------------------------------------------------------------------


def book_key(project: Project, jobs: list[NotebookJob], extra_sources: Iterable[Path] = ()) -> str:
    """Everything the HTML depends on besides the executed notebooks' keys."""
    digest = hashlib.sha256()
    for job in jobs:
        digest.update(f"{job.stem}:{job.key}\n".encode())
        digest.update((job.cache_entry / DEPENDENCIES_FILE).read_bytes())
    sources = [project.root / "_config.yml", project.root / "_toc.yml", *extra_sources]
    sources += [p for p in (project.root / "book").rglob("*")
                if p.is_file() and not p.is_relative_to(project.chapters_dir)]
    _hash_files(digest, [p for p in set(sources) if p.is_file()], project.root)
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

    started = time.perf_counter()
    data_dir = project.resolve_data_dir(params)
    # Tiles, downloads and plotly.js are cached with the project, and `clean` clears them.
    os.environ.setdefault("POKROVSK_CACHE_DIR", str(project.cache_dir))
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
            if _has_pending_images(job):  # left by a build that was stopped before drawing them
                drawing.add(job.cache_entry / "assets")
        generated = datapages.write_pages(project.root, data_dir, params.as_of)
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
                _sync_chapter(job, project.chapters_dir)
                _copy_assets(project.chapters_dir / "assets" / job.stem,
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
    data_dir = project.resolve_data_dir(params)
    if validate is not None:
        validate(data_dir)
        os.environ[VALIDATED_ENV] = content_hash(data_dir)
    output = (output or project.build_dir / "runs" / notebook.name).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    job = NotebookJob(notebook.resolve(), "single-run",
                      dataclasses.replace(params, data_dir=str(data_dir)).for_notebook(),
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
