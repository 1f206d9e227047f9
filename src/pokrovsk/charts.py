"""Plotly chart builders and the one house template every chart uses.

Builders take DataFrames from pokrovsk.data and return a plotly Figure; they never read files.
"""

from __future__ import annotations

import pandas as pd
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


def _house_template() -> go.layout.Template:
    return go.layout.Template(
        layout=go.Layout(
            colorway=COLORWAY,
            font=dict(family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", size=14, color="#1a1a1a"),
            paper_bgcolor="white",
            plot_bgcolor="white",
            margin=dict(l=56, r=24, t=24, b=48),
            xaxis=dict(showgrid=False, linecolor="#444", ticks="outside"),
            yaxis=dict(gridcolor="#e3e3e3", zeroline=False, linecolor="#444"),
            hoverlabel=dict(font_size=13),
            legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        )
    )


def use_house_template() -> None:
    pio.templates[TEMPLATE_NAME] = _house_template()
    pio.templates.default = TEMPLATE_NAME


use_house_template()

QUALIFIER_PREFIX = {"about": "about ", "less_than": "fewer than ", "more_than": "more than ", "exact": ""}


BASIS_STYLE = {
    "census": ("Census", PALETTE["blue"], "circle"),
    "estimate": ("Official estimate", PALETTE["green"], "square"),
    "wartime_estimate": ("Wartime estimate", PALETTE["vermillion"], "diamond"),
}


def population_chart(populations: pd.DataFrame, place_name: str) -> go.Figure:
    """Population of one place over time; censuses, estimates and wartime estimates told apart
    by colour and marker shape (not colour alone)."""
    rows = populations.sort_values("date_start")
    fig = go.Figure()
    fig.add_scatter(x=rows["date_start"], y=rows["population"], mode="lines", line=dict(color="#9a9a9a", width=1),
                    hoverinfo="skip", showlegend=False)
    for basis, (label, colour, symbol) in BASIS_STYLE.items():
        group = rows[rows["basis"] == basis]
        if group.empty:
            continue
        fig.add_scatter(
            x=group["date_start"], y=group["population"], mode="markers", name=label,
            marker=dict(color=colour, symbol=symbol, size=11, line=dict(color="white", width=1)),
            customdata=[[QUALIFIER_PREFIX.get(q, ""), d] for q, d in zip(group["qualifier"], group["date"])],
            hovertemplate="%{customdata[1]}: %{customdata[0]}%{y:,} people<extra>%{fullData.name}</extra>",
        )
    fig.update_layout(yaxis_title=f"People living in {place_name}", xaxis_title=None, yaxis_rangemode="tozero")
    return fig
