"""``requirements.lock``: the exact versions the book is built and tested with.

``pyproject.toml`` keeps version ranges; ``make lock`` has uv compile them (every extra, every
platform) into the lock, and ``make book`` / ``make test`` install with the lock as constraints,
so the theme, plotly and Sphinx versions the templates and icon code were written against are
the ones installed. The lock's header carries a hash of the dependency lists it was compiled
from: ``python -m pokrovsk.lockfile check`` (and a test) fails when the two disagree.

    python -m pokrovsk.lockfile stamp    # after uv has written the lock (make lock does both)
    python -m pokrovsk.lockfile check    # one line per disagreement, exit 1 if any
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from pokrovsk import paths

LOCK_FILE = "requirements.lock"
DIGEST_LINE = "# compiled from pyproject.toml dependencies sha256: "
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;]+)\s*(?:;\s*(?P<marker>.+))?$")


def declared(pyproject: Path) -> dict[str, list[str]]:
    """The dependency lists of ``pyproject.toml``: ``""`` for the base, then one per extra."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return {"": project.get("dependencies", []), **project.get("optional-dependencies", {}),
            "requires-python": [project.get("requires-python", "")]}


def dependency_digest(pyproject: Path) -> str:
    """Changes when a dependency, a range or an extra changes; not when comments or order of
    keys do."""
    return hashlib.sha256(json.dumps(declared(pyproject), sort_keys=True).encode()).hexdigest()


def pins(lock: Path) -> dict[str, list[Version]]:
    """Every ``name==version`` line of the lock (a package may appear once per Python version)."""
    found: dict[str, list[Version]] = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.strip())
        if match:
            found.setdefault(canonicalize_name(match["name"]), []).append(Version(match["version"]))
    return found


def stamp(lock: Path, pyproject: Path) -> None:
    """Write the dependency digest into the lock's header (replacing an older one)."""
    lines = [line for line in lock.read_text(encoding="utf-8").splitlines() if not line.startswith(DIGEST_LINE)]
    lock.write_text("\n".join([DIGEST_LINE + dependency_digest(pyproject), *lines]) + "\n", encoding="utf-8")


def disagreements(lock: Path, pyproject: Path) -> list[str]:
    """Why the lock does not fit ``pyproject.toml``, one line each; empty when it does."""
    if not lock.is_file():
        return [f"{lock}: missing (run `make lock`)"]
    problems = []
    header = next((line for line in lock.read_text(encoding="utf-8").splitlines() if line.startswith(DIGEST_LINE)), None)
    if header is None or header.removeprefix(DIGEST_LINE).strip() != dependency_digest(pyproject):
        problems.append(f"{lock}: compiled from other dependency lists than {pyproject} (run `make lock`)")
    locked = pins(lock)
    for extra, requirements in declared(pyproject).items():
        if extra == "requires-python":
            continue
        for text in requirements:
            requirement = Requirement(text)
            where = f"[{extra}] " if extra else ""
            versions = locked.get(canonicalize_name(requirement.name))
            if not versions:
                problems.append(f"{lock}: {where}{requirement.name} is not locked (run `make lock`)")
            for version in versions or []:
                if not requirement.specifier.contains(version, prereleases=True):
                    problems.append(f"{lock}: {where}{requirement.name}=={version} is outside {requirement.specifier}")
    return problems


def main(argv: list[str]) -> int:
    root = paths.project_root()
    lock, pyproject = root / LOCK_FILE, root / paths.PROJECT_MARKER
    if argv == ["stamp"]:
        stamp(lock, pyproject)
        return 0
    if argv == ["check"]:
        problems = disagreements(lock, pyproject)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    print("usage: python -m pokrovsk.lockfile stamp|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
