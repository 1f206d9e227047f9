"""Sphinx starts on an edition before its last notebooks have finished.

Once every notebook has started, a core is free: the build (pokrovsk.build) starts Sphinx then,
naming the chapters whose notebooks are still being executed in ``POKROVSK_CHAPTERS_PENDING``.
Sphinx loads its extensions and reads every other page meanwhile. Before it reads the first of
those chapters it waits for the build to write "go" on its standard input, which the build does
once every chapter is in its folder.

The chapters named are read last, and read even when an older copy of them looks up to date.
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
    """Holds Sphinx back from the pending chapters until the build releases them."""

    def __init__(self, pending: frozenset[str]) -> None:
        self.pending = pending
        self.released = not pending

    def read_pending_too(self, app, env, added, changed, removed) -> list[str]:
        return sorted(self.pending & env.found_docs)

    def read_pending_last(self, app, env, docnames: list[str]) -> None:
        docnames.sort(key=lambda name: name in self.pending)

    def wait_before_pending(self, app, env, docname: str) -> None:
        # Sphinx announces each document it is about to read with env-purge-doc: the one moment
        # before a chapter is opened.
        if self.released or docname not in self.pending:
            return
        line = sys.stdin.readline()
        if line.strip() != RELEASE:
            raise SphinxError("the build stopped before the chapters were ready")
        self.released = True


def setup(app) -> dict:
    pending = pending_chapters()
    if pending:
        gate = ChapterGate(pending)
        app.connect("env-get-outdated", gate.read_pending_too)
        app.connect("env-before-read-docs", gate.read_pending_last)
        app.connect("env-purge-doc", gate.wait_before_pending)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
