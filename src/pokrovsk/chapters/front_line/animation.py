"""Chapter 5's animated map: DeepState's occupied area and grey zone, one frame per month, over the
book's places and schematic road and rail links, in kilometres from the centre (offline vectors
only, no tiles). Built from ``facts.MonthlyMap``; its words are in ``words/en/front_line.yml``."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from pokrovsk import render, words
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.front_line.facts import (
    CENTRE_PLACE, HEADLINE_RADIUS_KM, KM_DECIMALS, SIMPLIFY_TOLERANCE_M, VIEW_HALF_WIDTH_KM, MonthlyMap, View)
from pokrovsk.chapters.front_line.figures import archive_names, book_figure, say, span
from pokrovsk.charts import PALETTE
from pokrovsk.frontlines.aoi import to_metric
from pokrovsk.frontlines.importers import GREY_ZONE, OCCUPIED
from pokrovsk.frontlines.metrics import area_column
from pokrovsk.frontlines.store import FrontlineStore

RINGS_KM = (10.0, 20.0, 30.0)
LABELLED_KINDS = ("city", "town")
FRAME_MS = 700


def _paths(geometry) -> tuple[list, list]:
    """Every ring (or line) as a sub-path, separated by None, the way plotly draws gaps."""
    xs: list = []
    ys: list = []
    for part in shapely.get_parts(geometry):
        rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
        for ring in rings:
            coords = np.asarray(ring.coords)
            if len(coords):
                xs += [*coords[:, 0].tolist(), None]
                ys += [*coords[:, 1].tolist(), None]
    return xs, ys


def _layer_traces(view: View, store: FrontlineStore, day: dt.date) -> list[go.Scatter]:
    occupied_x, occupied_y = _paths(view.polygons(store.geometry(day, OCCUPIED)))
    grey = store.geometry(day, GREY_ZONE)
    # A lone gap keeps the grey zone in the legend on dates that have none.
    grey_x, grey_y = _paths(view.polygons(grey)) if grey is not None else ([None], [None])
    return [
        go.Scatter(x=occupied_x, y=occupied_y, mode="lines", fill="toself",
                   name=say("map.occupied_legend"),
                   fillcolor="rgba(213, 94, 0, 0.55)", line=dict(color=PALETTE["vermillion"], width=1),
                   hoveron="fills", hoverinfo="name", legendrank=1),
        go.Scatter(x=grey_x, y=grey_y, mode="lines", fill="toself", name=say("map.grey_legend"),
                   fillcolor="rgba(107, 107, 107, 0.25)", line=dict(color=PALETTE["grey"], width=1, dash="dot"),
                   hoveron="fills", hoverinfo="name", legendrank=2),
    ]


def _ring_traces() -> list[go.Scatter]:
    ring_x: list = []
    ring_y: list = []
    angles = np.linspace(0, 2 * math.pi, 181)
    for radius in RINGS_KM:
        ring_x += [*np.round(radius * np.sin(angles), KM_DECIMALS).tolist(), None]
        ring_y += [*np.round(radius * np.cos(angles), KM_DECIMALS).tolist(), None]
    # Labelled on the north-west diagonal, where no town label sits.
    diagonal = [round(radius / math.sqrt(2), KM_DECIMALS) for radius in RINGS_KM]
    return [
        go.Scatter(x=ring_x, y=ring_y, mode="lines", name=say("map.rings_legend"),
                   line=dict(color="#8a8a8a", width=1, dash="dash"), hoverinfo="skip", legendrank=5),
        go.Scatter(x=[-d for d in diagonal], y=diagonal, mode="text", showlegend=False,
                   text=[say("map.ring_label", km=radius) for radius in RINGS_KM],
                   textposition="middle center", textfont=dict(size=11, color="#555"), hoverinfo="skip"),
    ]


def _network_traces(view: View, network) -> list[go.Scatter]:
    traces = []
    for mode, legend, style in (("road", "road_legend", dict(color="#4d4d4d", width=1.6)),
                                ("rail", "rail_legend", dict(color=PALETTE["black"], width=1.3, dash="dash"))):
        links = network[network["mode"] == mode]
        xs: list = []
        ys: list = []
        texts: list = []
        for designation, line in zip(links["designation"], view.lines(links.geometry.values)):
            line_x, line_y = _paths(line)
            xs += line_x
            ys += line_y
            texts += [designation if x is not None else None for x in line_x]
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", name=say(f"map.{legend}"), line=style,
                                 text=texts, hovertemplate=say("map.link_hover"), legendrank=4))
    return traces


def _place_traces(view: View, places) -> list[go.Scatter]:
    xy = np.array([view.km(to_metric(point)).coords[0] for point in places.geometry])
    centre = places["place_id"].eq(CENTRE_PLACE).to_numpy()
    labelled = places["kind"].isin(LABELLED_KINDS).to_numpy()
    names = places["name"]
    return [
        go.Scatter(x=xy[~centre, 0], y=xy[~centre, 1], mode="markers+text",
                   name=say("map.places_legend"),
                   text=[name if show_label else "" for name, show_label in zip(names[~centre], labelled[~centre])],
                   hovertext=names[~centre], hoverinfo="text", textposition="top center",
                   textfont=dict(size=12, color="#1a1a1a"),
                   marker=dict(color="white", size=7, line=dict(color="black", width=1.5)), legendrank=6),
        go.Scatter(x=xy[centre, 0], y=xy[centre, 1], mode="markers+text", name=names[centre].iloc[0],
                   text=names[centre], hoverinfo="text", hovertext=names[centre], textposition="top left",
                   textfont=dict(size=14, color="black"),
                   marker=dict(symbol="star", size=16, color="black", line=dict(color="white", width=1)),
                   legendrank=3),
    ]


def _frame_note(row: pd.Series) -> dict:
    grey = float(row[area_column(GREY_ZONE, HEADLINE_RADIUS_KM)]) if row["format"] == "raw" else None
    text = say("map.frame_note", date=row["date"], archive=archive_names(short=True)[row["format"]],
                     km2=float(row[area_column(OCCUPIED, HEADLINE_RADIUS_KM)]), radius=HEADLINE_RADIUS_KM,
                     grey_km2=grey)
    return dict(text=text, xref="paper", yref="paper", x=0.01, y=0.99, xanchor="left", yanchor="top",
                showarrow=False, bgcolor="rgba(255,255,255,0.85)", font=dict(size=13))


def _animation_controls(days: list[dt.date]) -> dict:
    step_args = dict(mode="immediate", frame=dict(duration=0, redraw=True), transition=dict(duration=0))
    slider = dict(
        active=len(days) - 1, x=0.16, len=0.84, y=-0.1, yanchor="top", pad=dict(t=30, b=8),
        currentvalue=dict(prefix=say("map.slider_prefix"), font=dict(size=14), xanchor="right"),
        font=dict(size=9, color="#555"), ticklen=4,
        steps=[dict(method="animate", label=words.date(day), args=[[day.isoformat()], step_args]) for day in days],
    )
    play = dict(label=say("map.play"), method="animate",
                args=[None, dict(mode="immediate", fromcurrent=False, frame=dict(duration=FRAME_MS, redraw=True),
                                 transition=dict(duration=0))])
    pause = dict(label=say("map.pause"), method="animate",
                 args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False),
                                    transition=dict(duration=0))])
    menu = dict(type="buttons", direction="left", x=0, y=-0.1, xanchor="left", yanchor="top", pad=dict(t=40, r=8),
                showactive=False, buttons=[play, pause])
    return dict(sliders=[slider], updatemenus=[menu])


def front_line_map(monthly: MonthlyMap) -> go.Figure:
    """The occupied area and grey zone, one frame per month, over the places and the schematic network."""
    view = monthly.view
    days = list(monthly.frames["date"])
    layers = {day: _layer_traces(view, monthly.lines.store, day) for day in days}
    notes = {row["date"]: _frame_note(row) for _, row in monthly.frames.iterrows()}
    context = [*_ring_traces(), *_network_traces(view, monthly.network), *_place_traces(view, monthly.places)]
    fig = go.Figure(data=[*layers[days[-1]], *context])
    fig.frames = [go.Frame(name=day.isoformat(), data=layers[day], traces=[0, 1],
                           layout=dict(annotations=[notes[day]])) for day in days]
    limit = [-VIEW_HALF_WIDTH_KM, VIEW_HALF_WIDTH_KM]
    fig.update_layout(
        height=760, annotations=[notes[days[-1]]], hovermode="closest",
        margin=dict(l=56, r=16, t=56, b=150),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, font=dict(size=12)),
        xaxis=dict(range=limit, title=say("map.x_axis"), dtick=10, zeroline=False,
                   showgrid=True, gridcolor="#f0f0f0", constrain="domain"),
        yaxis=dict(range=limit, title=say("map.y_axis"), dtick=10, scaleanchor="x", scaleratio=1,
                   zeroline=False, showgrid=True, gridcolor="#f0f0f0", constrain="domain"),
        **_animation_controls(days),
    )
    return fig


def map_figure(monthly: MonthlyMap | None, book: Chapter) -> render.BookFigure | None:
    if monthly is None:
        return None
    first, last = monthly.ends
    names = archive_names()
    fields = dict(centre=monthly.centre_name, radius=HEADLINE_RADIUS_KM, first=first, last=last,
                  span=span(first.date, last.date), ends=list(dict.fromkeys(monthly.ends)),
                  width=2 * VIEW_HALF_WIDTH_KM, rings=RINGS_KM, frames=len(monthly.frames),
                  archives=[names[fmt] for fmt in monthly.formats], missing=monthly.missing_months,
                  has_raw="raw" in monthly.formats, simplify_m=SIMPLIFY_TOLERANCE_M)
    return book_figure("front-line-map", "map", fields, book, monthly.source_ids, static_size=(800, 800),
                       long_description=say("map.long_description", **fields), data_date=last.date,
                       data=monthly.frames, chart=front_line_map(monthly))
