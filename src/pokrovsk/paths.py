"""Where the project's files are: its root, the data package, the caches, the parameters file.

Everything is found from the project, never from the working directory, so a notebook opened in
Jupyter from ``notebooks/``, a papermill run started in any folder and the build all read the
same data and share the same caches. The project is the checkout this package is installed
from (``pip install -e .``): the folder above ``src/pokrovsk`` holding the book's
``pyproject.toml``. ``POKROVSK_PROJECT`` names another checkout to work on (the tests build
copies of the repository with the code of this one).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from pathlib import Path

PROJECT_ENV = "POKROVSK_PROJECT"
CACHE_ENV = "POKROVSK_CACHE_DIR"
"""Overrides ``<project>/.cache/pokrovsk``; the build hands its cache folder to its kernels this way."""
PROJECT_MARKER = "pyproject.toml"
PACKAGE_CHECKOUT = Path(__file__).resolve().parents[2]
"""The folder above ``src/pokrovsk``: the checkout when the package is installed editable."""
FRONTLINE_STORE_FILE = "store.parquet"
"""The file that makes a folder a front-line store (see ``pokrovsk.frontlines.store``)."""


class ProjectNotFound(RuntimeError):
    """The package is not inside a checkout of the book and no project was named."""


def is_project(folder: Path) -> bool:
    marker = folder / PROJECT_MARKER
    if not marker.is_file() or not (folder / "notebooks").is_dir():
        return False
    try:
        return tomllib.loads(marker.read_text(encoding="utf-8")).get("project", {}).get("name") == "pokrovsk"
    except tomllib.TOMLDecodeError:
        return False


def project_root() -> Path:
    """The checkout named by ``POKROVSK_PROJECT``, else the one this package is installed from."""
    named = os.environ.get(PROJECT_ENV)
    folder = Path(named).expanduser().resolve() if named else PACKAGE_CHECKOUT
    if not is_project(folder):
        origin = f"{PROJECT_ENV}={named}" if named else f"the pokrovsk package in {PACKAGE_CHECKOUT / 'src'}"
        raise ProjectNotFound(f"{origin} is not a checkout of the book (no {PROJECT_MARKER} naming pokrovsk "
                              f"beside notebooks/); install it with `pip install -e .` from a checkout, "
                              f"or set {PROJECT_ENV} to one")
    return folder


def in_project(path: str | Path, root: Path | None = None) -> Path:
    """An absolute path: a relative ``path`` is taken from the project root, ``~`` is expanded."""
    path = Path(path).expanduser()
    return (path if path.is_absolute() else (root or project_root()) / path).resolve()


def data_dir(value: str | Path | None = None) -> Path:
    """The data package folder a ``data_dir`` parameter names (default: the project's ``data/``)."""
    return in_project(value or "data")


def params_file(root: Path | None = None) -> Path:
    return (root or project_root()) / "book" / "params.yml"


def cache_dir(kind: str = "", root: Path | None = None) -> Path:
    """``<project>/.cache/pokrovsk[/kind]``: executed notebooks, tiles, boundaries, plotly.js.
    ``pokrovsk clean`` removes it all."""
    base = os.environ.get(CACHE_ENV) or (root or project_root()) / ".cache" / "pokrovsk"
    return Path(base) / kind if kind else Path(base)


def frontline_store_dir() -> Path:
    """Where ``pokrovsk frontlines import`` keeps the store unless told otherwise (git-ignored)."""
    return project_root() / "frontlines"


def _under_root(*parts: str) -> property:
    return property(lambda project: project.root.joinpath(*parts))


@dataclasses.dataclass(frozen=True)
class Project:
    """Where everything of one checkout lives, relative to its root."""

    root: Path

    @classmethod
    def find(cls) -> "Project":
        """This package's checkout, or the one ``POKROVSK_PROJECT`` names."""
        return cls(project_root())

    notebooks_dir = _under_root("notebooks")
    chapters_dir = _under_root("book", "chapters")
    """Executed notebooks that Jupyter Book renders (git-ignored)."""
    build_dir = _under_root("_build")
    html_link = _under_root("_build", "html")
    sphinx_work_dir = _under_root("_build", ".work")

    @property
    def params_file(self) -> Path:
        return params_file(self.root)

    @property
    def cache_dir(self) -> Path:
        return cache_dir(root=self.root)

    @property
    def executed_cache(self) -> Path:
        return self.cache_dir / "executed"

    def chapter_notebooks(self) -> list[Path]:
        return sorted(self.notebooks_dir.glob("*.ipynb"))

    def resolve_data_dir(self, data_dir: str | Path) -> Path:
        return in_project(data_dir, self.root)
