"""The book ships the smallest plotly.js that draws all its charts, and falls back safely."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from pokrovsk import plotlyjs, render


def test_trace_types_include_animation_frames():
    fig = go.Figure(go.Scatter(x=[1], y=[1]), frames=[go.Frame(data=[go.Bar(x=[1], y=[2])])])
    assert render.trace_types(fig) == "bar scatter"
    assert 'data-trace-types="bar scatter"' in render.plotly_html(fig, "chart-test")


def test_a_trace_outside_the_basic_bundle_gets_the_full_bundle():
    bundle = plotlyjs.choose({"scatter", "heatmap"})
    assert bundle.path == plotlyjs.full_bundle()
    assert "heatmap" in bundle.note


def test_without_npm_and_without_a_cached_copy_the_full_bundle_is_used_and_said(tmp_path, monkeypatch):
    monkeypatch.setenv("POKROVSK_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    bundle = plotlyjs.choose({"scatter"})
    assert bundle.path == plotlyjs.full_bundle()
    assert "npm is not installed" in bundle.note
    assert not (tmp_path / "plotlyjs").exists() or not any((tmp_path / "plotlyjs").iterdir())


def test_a_cached_partial_bundle_is_used_without_the_network(tmp_path, monkeypatch):
    monkeypatch.setenv("POKROVSK_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    cached = tmp_path / "plotlyjs" / f"plotly-basic-{plotlyjs.BASIC_VERSION}.min.js"
    cached.parent.mkdir(parents=True)
    cached.write_text("/* plotly basic */")
    monkeypatch.setattr(plotlyjs, "installed_plotlyjs_version", lambda: plotlyjs.BASIC_VERSION)
    bundle = plotlyjs.choose({"scatter", "bar"})
    assert bundle.path == cached and bundle.note is None


def test_a_plotly_of_another_version_gets_its_own_full_bundle(tmp_path, monkeypatch):
    """The partial bundle must match the plotly.py that wrote the figures, or charts may break."""
    monkeypatch.setenv("POKROVSK_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(plotlyjs, "installed_plotlyjs_version", lambda: "0.0.1")
    bundle = plotlyjs.choose({"scatter", "bar"})
    assert bundle.path == plotlyjs.full_bundle()
    assert f"the pinned partial bundle is {plotlyjs.BASIC_VERSION} but plotly ships 0.0.1" in bundle.note


def test_the_integrity_check_rejects_other_bytes():
    assert not plotlyjs._integrity_matches(b"not the plotly tarball")


def test_the_shipped_bundle_is_the_chosen_one_under_a_compile_hint(tmp_path):
    source = tmp_path / "bundle.js"
    source.write_bytes(b"/*! plotly */ var Plotly = {};")
    plotlyjs.write_for_book(plotlyjs.Bundle(source, None), tmp_path / "plotly.min.js")
    shipped = (tmp_path / "plotly.min.js").read_bytes()
    assert shipped.startswith(b"//# allFunctionsCalledOnLoad\n"), "the hint must be the file's first line"
    assert shipped.removeprefix(plotlyjs.COMPILE_HINT) == source.read_bytes()
