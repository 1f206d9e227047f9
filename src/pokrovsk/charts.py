"""Plotly chart builders and the one house template every chart uses.

Builders take DataFrames from pokrovsk.data and return a plotly Figure; they never read files.
"""

from __future__ import annotations

import base64
import html
import math
import re
import textwrap

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#6B6B6B",
}
COLORWAY = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")]
TEMPLATE_NAME = "pokrovsk"
MOST_X_TICKS = 4
DATE_TICKS = dict(type="date", tickformatstops=[dict(dtickrange=[None, "M11"], value="%b<br>%Y"),
                                                 dict(dtickrange=["M12", None], value="%Y")])
"""A date axis whose labels stack month over year (only the year for yearly ticks): narrow
enough for five of them on a phone."""
HOVER_FONT_SIZE = 12
HOVER_LINE_CHARACTERS = 26
"""A hover label's lines are wrapped this short so that, at 12 px, the label fits on one side of
any point of a chart on a 390 px phone (plotly puts it left or right of the point, never across)."""


def _house_template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            colorway=COLORWAY,
            font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size=14, color="#1a1a1a"),
            paper_bgcolor="white",
            plot_bgcolor="white",
            margin=dict(l=56, r=24, t=24, b=48),
            # Level tick labels, few enough to sit side by side on a 390 px phone: plotly would
            # otherwise tilt crowded date labels, and tilted labels run out of the chart's bottom.
            xaxis=dict(showgrid=False, linecolor="#444", ticks="outside", nticks=MOST_X_TICKS, tickangle=0),
            yaxis=dict(gridcolor="#e3e3e3", zeroline=False, linecolor="#444"),
            hoverlabel=dict(font_size=HOVER_FONT_SIZE),
            legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        )
    )


def use_house_template() -> None:
    pio.templates[TEMPLATE_NAME] = _house_template()
    pio.templates.default = TEMPLATE_NAME


use_house_template()

# How wide text is, in thousandths of an em, for the printable ASCII characters in order from " " to
# "~": the advance widths of DejaVu Sans, which Debian's Chromium draws `system-ui` with and which
# is wider than the other common system sans-serifs (Segoe UI, San Francisco, Roboto), so an
# estimate from it is rarely too small.
_ASCII_WIDTHS = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636, 636, 636, 636,
    636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656,
    557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500, 500, 613,
    635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818,
    592, 592, 525, 636, 337, 636, 838,
)
# The same for the Ukrainian (and Russian) alphabet and the punctuation the book's Ukrainian uses.
_OTHER_CHARACTERS = "АБВГҐДЕЄЖЗИІЇЙКЛМНОПРСТУФХЦЧШЩЬЮЯЪЫЭабвгґдеєжзиіїйклмнопрстуфхцчшщьюяъыэʼ’–—→«»№²\u00a0"
_OTHER_WIDTHS = (
    684, 686, 686, 610, 610, 781, 632, 698, 1077, 641, 748, 295, 295, 748, 710, 752, 863, 752, 787, 752, 603, 698,
    611, 609, 861, 685, 776, 686, 1069, 1094, 686, 1080, 695, 833, 882, 698, 613, 617, 589, 525, 525, 691, 615,
    549, 901, 532, 650, 278, 278, 650, 604, 639, 754, 654, 612, 654, 635, 550, 583, 592, 855, 592, 681, 591, 915,
    942, 589, 842, 602, 707, 790, 549, 318, 318, 500, 1000, 838, 612, 612, 1040, 401, 318,
)
CHARACTER_WIDTH_EM = {chr(32 + index): width / 1000 for index, width in enumerate(_ASCII_WIDTHS)}
CHARACTER_WIDTH_EM |= {character: width / 1000 for character, width in zip(_OTHER_CHARACTERS, _OTHER_WIDTHS, strict=True)}
OTHER_CHARACTER_WIDTH_EM = 1.0
"""Any other character (an arrow, a letter of another alphabet) is counted as a full em."""
BOLD_WIDTH_FACTOR = 1.27
"""DejaVu Sans Bold is at most 1.27 times as wide as its regular weight, character by character
(Latin and Cyrillic alike)."""
LABEL_MARGIN_PAD_PX = 17
"""Between the widest y tick label and the chart's left edge: plotly's automargin leaves about 13 px,
and 4 px spare absorb small differences between fonts."""
LINE_HEIGHT = 1.25
"""A rotated axis title takes about this many times its font size of the margin."""


def text_width_px(text: str, font_size: float) -> float:
    """Estimated width of a plotly label (``<br>`` line breaks, ``<b>`` and other tags allowed)."""
    widths = []
    for line in re.split(r"<br\s*/?>", text, flags=re.I):
        plain = html.unescape(re.sub(r"<[^>]*>", "", line))
        em = sum(CHARACTER_WIDTH_EM.get(character, OTHER_CHARACTER_WIDTH_EM) for character in plain)
        widths.append(em * font_size * (BOLD_WIDTH_FACTOR if re.search(r"<b>", line, re.I) else 1))
    return max(widths, default=0.0)


def hover_text(value, width: int = HOVER_LINE_CHARACTERS) -> str:
    """Data text for a plotly hover label: escaped (plotly reads hover text as HTML) and wrapped
    so the label fits beside a point on a phone screen."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip():
        return ""
    return "<br>".join(html.escape(line) for line in textwrap.wrap(" ".join(str(value).split()), width))


def _values(values) -> list:
    """A trace's coordinates as a list, without gaps; also from plotly's base64 form of typed arrays."""
    if values is None:
        return []
    if isinstance(values, dict) and "bdata" in values:
        values = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return [value.item() if isinstance(value, np.generic) else value
            for value in values if value is not None and value == value]


def _number_label(axis, values: list[float]) -> str | None:
    """The widest tick label a numeric axis can show: ticks are round numbers inside its range, so
    none has more digits than the range's largest end (or the data's, with autorange's headroom)."""
    explicit = axis.range if axis.autorange in (None, False) and axis.range else None
    ends = [float(end) for end in explicit] if explicit else [float(v) * 1.1 for v in values]
    if not ends:
        return None
    largest = max(abs(end) for end in ends)
    digits = f"{largest:,.0f}" if largest >= 10 else f"{largest:.1f}"
    sign = "\u2212" if min(ends) < 0 else ""
    return f"{sign}{axis.tickprefix or ''}{digits}{axis.ticksuffix or ''}"


def _tick_labels(fig: go.Figure, axis) -> list[str] | None:
    """Every label a y axis can show, or None when they cannot be known before drawing."""
    if axis.ticktext:
        return [str(label) for label in axis.ticktext]
    if axis.type not in (None, "-", "linear", "category"):
        return None  # dates and logarithms: their labels are plotly's to choose
    reference = "y" + axis.plotly_name.removeprefix("yaxis")
    values = []
    for trace in fig.data:
        if (getattr(trace, "yaxis", None) or "y") == reference:
            values += _values(getattr(trace, "y", None))
    if axis.categoryarray:
        values += list(axis.categoryarray)
    if any(isinstance(value, str) for value in values) or axis.type == "category":
        return [str(value) for value in dict.fromkeys(values)]
    if all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in values):
        label = _number_label(axis, values)
        return [label] if label else None
    return None  # dates given as datetimes


def reserve_label_margins(fig: go.Figure) -> go.Figure:
    """Make the left margin wide enough for the y tick labels before plotly draws.

    An axis with ``automargin`` otherwise draws once, measures its labels, widens the margin and
    draws the whole chart again: a second drawing pass that readers wait for. The margin only
    grows here, and automargin stays on, so a label wider than estimated still fits.
    """
    font_size = fig.layout.font.size or fig.layout.template.layout.font.size or 12
    needed = 0.0
    for axis in fig.select_yaxes():
        if not axis.automargin or axis.side == "right" or axis.visible is False or axis.showticklabels is False:
            continue
        labels = _tick_labels(fig, axis)
        if labels is None:
            continue
        size = axis.tickfont.size or font_size
        width = max((text_width_px(label, size) for label in labels), default=0.0) + LABEL_MARGIN_PAD_PX
        if axis.title.text:
            width += LINE_HEIGHT * (axis.title.font.size or font_size)
        needed = max(needed, width)
    current = fig.layout.margin.l if fig.layout.margin.l is not None else fig.layout.template.layout.margin.l
    if needed > (current if current is not None else 80):
        fig.update_layout(margin_l=math.ceil(needed))
    return fig


KEY_MOMENT_CLEARANCE_PX = 18


def number_key_moments(fig: go.Figure, x, y) -> go.Figure:
    """Numbers 1, 2, … beside the key moments' markers at (``x``, ``y``), in the order of the list
    under the chart; above and below their markers in turn, so neighbours' numbers stay apart."""
    if len(x):
        # An invisible marker as large as the key moment's own keeps each number clear of it: plotly
        # offsets text from a point by its marker's size, which a text-only trace does not have.
        fig.add_scatter(x=list(x), y=list(y), mode="markers+text", text=[str(n) for n in range(1, len(x) + 1)],
                        marker=dict(size=KEY_MOMENT_CLEARANCE_PX, color="rgba(0,0,0,0)"),
                        textposition=["top center" if n % 2 else "bottom center" for n in range(len(x))],
                        textfont=dict(size=13, color=PALETTE["black"]), showlegend=False, hoverinfo="skip",
                        cliponaxis=False)
    return fig
