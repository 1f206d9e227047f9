"""Cache keys for executed notebooks: what a notebook's result depends on, and the record of the
package modules and data files it used, so an edit re-runs exactly the notebooks that used it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Iterable


# Libraries whose upgrade changes what a notebook draws, so they belong in the cache key.
KEY_LIBRARIES = ("plotly", "geopandas", "contextily", "matplotlib", "pandas", "shapely", "myst-nb", "jupyter-book")


def hash_files(digest: "hashlib._Hash", files: Iterable[Path], base: Path) -> None:
    for path in sorted(files):
        digest.update(path.relative_to(base).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")


def tree_files(folder: Path, patterns: Iterable[str]) -> list[Path]:
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
    hash_files(digest, tree_files(package_dir, ["*"]), package_dir)  # code, styles, icons
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
FILES_USED = "files-used.json"
# Run in the kernel after a notebook: its pokrovsk modules (imported afresh for each notebook,
# see pokrovsk.kernels) with the word catalogs it looked up, and the data files pokrovsk.data read.
LIST_FILES_USED = """import json as _json, pathlib as _pathlib, sys as _sys
_pathlib.Path({path}).write_text(_json.dumps({{
    "modules": sorted({{module.__file__ for name, module in list(_sys.modules.items())
                        if (name == "pokrovsk" or name.startswith("pokrovsk.")) and getattr(module, "__file__", None)}}
                      | set(_sys.modules["pokrovsk.words"].catalogs_read() if "pokrovsk.words" in _sys.modules else [])),
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
        files = tree_files(package_dir, ["*.py", "*.yml"]) + tree_files(data_dir, ["*"])
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


