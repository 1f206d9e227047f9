"""The house chart helpers: text widths and the left margin reserved for y labels."""

from __future__ import annotations

import base64
import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from pokrovsk.charts import CHARACTER_WIDTH_EM, LABEL_MARGIN_PAD_PX, LINE_HEIGHT, reserve_label_margins, text_width_px


def test_text_width_adds_up_character_widths():
    # "Sievierodonetsk" in DejaVu Sans at 14 px: Chromium measures its label 112.3 px wide.
    assert text_width_px("Sievierodonetsk", 14) == pytest.approx(112.3, abs=0.2)
    assert text_width_px("100%", 14) == pytest.approx(14 * (3 * 0.636 + 0.950))
    assert text_width_px("", 14) == 0


def test_text_width_reads_labels_as_plotly_draws_them():
    one_line = text_width_px("Road to Sloviansk", 14)
    assert text_width_px("Road to Sloviansk<br>via Myrnohrad", 14) == one_line  # the widest line
    assert text_width_px("<b>Pokrovsk</b>", 14) == pytest.approx(text_width_px("Pokrovsk", 14) * 1.27)
    assert text_width_px("A &amp; B", 14) == text_width_px("A & B", 14)
    assert text_width_px("Покровськ", 10) == pytest.approx(sum(CHARACTER_WIDTH_EM[c] for c in "Покровськ") * 10)
    assert text_width_px("Покровськ", 10) < 9 * 10 * 0.7  # Cyrillic at its own widths, not a full em each
    assert text_width_px("⚑", 10) == 10  # any other character: a full em


def bar_chart(labels, **yaxis) -> go.Figure:
    fig = go.Figure(go.Bar(y=labels, x=list(range(1, len(labels) + 1)), orientation="h"))
    fig.update_layout(yaxis=dict(automargin=True, **yaxis))
    return fig


def test_category_labels_get_their_margin_before_drawing():
    fig = reserve_label_margins(bar_chart(["Pokrovsk", "Sievierodonetsk"]))
    assert fig.layout.margin.l == math.ceil(text_width_px("Sievierodonetsk", 14) + LABEL_MARGIN_PAD_PX)


def test_tick_text_and_category_order_count_as_labels():
    labels = reserve_label_margins(bar_chart(["a", "b"], tickvals=["a", "b"], ticktext=["a", "<b>Kostiantynivka</b>"]))
    assert labels.layout.margin.l == math.ceil(text_width_px("<b>Kostiantynivka</b>", 14) + LABEL_MARGIN_PAD_PX)
    ordered = reserve_label_margins(bar_chart(["a"], categoryorder="array", categoryarray=["a", "Dobropillia"]))
    assert ordered.layout.margin.l == math.ceil(text_width_px("Dobropillia", 14) + LABEL_MARGIN_PAD_PX)


def test_a_numeric_axis_counts_its_widest_possible_tick_label_and_title():
    share = go.Figure(go.Scatter(x=[1, 2], y=[10, 60]))
    share.update_layout(yaxis=dict(automargin=True, range=[0, 100], ticksuffix="%", title="Share"))
    reserve_label_margins(share)
    assert share.layout.margin.l == math.ceil(text_width_px("100%", 14) + LABEL_MARGIN_PAD_PX + LINE_HEIGHT * 14)
    area = go.Figure(go.Scatter(x=[1, 2], y=np.array([5000.0, 21670.0])))
    area.update_layout(yaxis=dict(automargin=True, tickformat=","))
    reserve_label_margins(area)  # autorange pads the data: ticks stay below 21,670 × 1.1
    assert area.layout.margin.l == math.ceil(text_width_px("23,837", 14) + LABEL_MARGIN_PAD_PX)


def test_typed_arrays_in_plotly_json_are_read_as_numbers():
    """A figure rebuilt from plotly's JSON holds its numbers as base64 typed arrays."""
    encoded = {"dtype": "f8", "bdata": base64.b64encode(np.array([5000.0, 21670.0]).tobytes()).decode()}
    fig = go.Figure({"data": [{"type": "scatter", "x": [1, 2], "y": encoded}],
                     "layout": {"yaxis": {"automargin": True, "tickformat": ","}}})
    reserve_label_margins(fig)
    assert fig.layout.margin.l == math.ceil(text_width_px("23,837", 14) + LABEL_MARGIN_PAD_PX)


def test_the_margin_only_grows_and_only_for_axes_that_push_it():
    wide = bar_chart(["Sievierodonetsk"])
    wide.update_layout(margin_l=300)
    assert reserve_label_margins(wide).layout.margin.l == 300
    fixed = go.Figure(go.Bar(y=["Sievierodonetsk"], x=[1], orientation="h"))  # no automargin: plotly never pushes
    assert reserve_label_margins(fixed).layout.margin.l is None
    dates = go.Figure(go.Scatter(x=[1, 2], y=["2024-01-01", "2025-01-01"]))
    dates.update_layout(yaxis=dict(automargin=True, type="date"))  # date labels are plotly's choice
    assert reserve_label_margins(dates).layout.margin.l is None
    timestamps = go.Figure(go.Scatter(x=[1, 2], y=pd.to_datetime(["2024-01-01", "2025-01-01"])))
    timestamps.update_layout(yaxis=dict(automargin=True))
    assert reserve_label_margins(timestamps).layout.margin.l is None
    short = bar_chart(["a", "b"])  # fits in the house template's margin already
    assert reserve_label_margins(short).layout.margin.l is None


def test_hover_text_is_escaped_and_wrapped_to_fit_beside_a_point_on_a_phone():
    from pokrovsk.charts import HOVER_LINE_CHARACTERS, hover_text

    text = hover_text("Gerasimov said <b>Myrnohrad</b> & Huliaipole had been captured, which Kyiv denied at once.")
    lines = text.split("<br>")
    assert len(lines) > 2 and "&lt;b&gt;Myrnohrad&lt;/b&gt;" in text and "&amp;" in text
    assert all(len(html.unescape(line)) <= HOVER_LINE_CHARACTERS for line in lines)
    assert hover_text(None) == "" and hover_text(float("nan")) == ""
