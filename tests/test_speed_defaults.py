"""`pokrovsk build` uses every core it may run on unless told otherwise."""

from __future__ import annotations

import os

from pokrovsk import cli


def test_build_runs_one_notebook_per_available_core_by_default(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert cli._parser().parse_args(["build"]).jobs == 3
    assert cli._parser().parse_args(["build", "--jobs", "1"]).jobs == 1
