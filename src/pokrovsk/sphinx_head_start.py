"""Sphinx starts on an edition before its last notebooks have finished.

Once every notebook has started, a core is free: the build (pokrovsk.build) starts Sphinx then,
naming the chapters whose notebooks are still being executed in ``POKROVSK_CHAPTERS_PENDING``.
Sphinx loads its extensions and reads every other page meanwhile, and reads those chapters last.
Before it reads one of them it waits until the build has named that chapter on its standard
input, one line per chapter as its result is put in place, or has written "go": every chapter
is in place.

The chapters named are read even when an older copy of them looks up to date to Sphinx.
Without the variable (a build with nothing pending, or Jupyter Book run by hand), nothing changes.
"""

from __future__ import annotations

import os
import sys

from sphinx.errors import SphinxError

PENDING_ENV = "POKROVSK_CHAPTERS_PENDING"
RELEASE = "go"


def pending_chapters() -> frozenset[str]:
    return frozenset(name for name in os.environ.get(PENDING_ENV, "").split(",") if name)


class ChapterGate:
    """Holds Sphinx back from each pending chapter until the build says it is in place."""

    def __init__(self, pending: frozenset[str]) -> None:
        self.pending = pending
        self.ready: set[str] = set()
        self.all_ready = not pending

    def read_pending_too(self, app, env, added, changed, removed) -> list[str]:
        return sorted(self.pending & env.found_docs)

    def read_pending_last(self, app, env, docnames: list[str]) -> None:
        docnames.sort(key=lambda name: name in self.pending)

    def wait_before_pending(self, app, env, docname: str) -> None:
        # Sphinx announces each document it is about to read with env-purge-doc: the one moment
        # before a chapter is opened.
        while docname in self.pending and not self.all_ready and docname not in self.ready:
            line = sys.stdin.readline()
            if not line:
                raise SphinxError("the build stopped before the chapters were ready")
            if line.strip() == RELEASE:
                self.all_ready = True
            else:
                self.ready.add(line.strip())


def setup(app) -> dict:
    pending = pending_chapters()
    if pending:
        gate = ChapterGate(pending)
        app.connect("env-get-outdated", gate.read_pending_too)
        app.connect("env-before-read-docs", gate.read_pending_last)
        app.connect("env-purge-doc", gate.wait_before_pending)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
