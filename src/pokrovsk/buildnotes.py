"""Notes for whoever runs the build, kept off the reader's pages.

A chapter that takes a fallback (web tiles that would not load, oblast boundaries never
downloaded) says so here. Inside ``pokrovsk build`` each notebook's notes are collected in a
file beside it and printed with the build's report, not as notebook output: the strict build
treats a notebook's stderr as a warning, and readers need none of it. Elsewhere (a Jupyter
session, a test) the note is logged.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

BUILD_NOTES_ENV = "POKROVSK_BUILD_NOTES"
"""The notes file, relative to the notebook's working folder; set by the build in each kernel."""
BUILD_NOTES_FILE = "build-notes.txt"


def tell_the_builder(note: str) -> None:
    """One line for the person running the build; a line already noted is not repeated."""
    line = " ".join(note.split())
    target = os.environ.get(BUILD_NOTES_ENV)
    if not target:
        logging.getLogger("pokrovsk").warning(line)
        return
    path = Path(target)
    if path.exists() and line in path.read_text(encoding="utf-8").splitlines():
        return  # several maps on a page meet the same missing download
    with path.open("a", encoding="utf-8") as notes:
        notes.write(line + "\n")


def take_notes(folder: Path) -> list[str]:
    """The notes a notebook left in ``folder``, removing the file (it is no part of the book)."""
    path = folder / BUILD_NOTES_FILE
    if not path.exists():
        return []
    notes = path.read_text(encoding="utf-8").splitlines()
    path.unlink()
    return notes
