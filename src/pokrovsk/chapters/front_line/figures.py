"""Chapter 5's figures and paragraphs, built from the records of ``facts`` and ``capture_facts``
with the house chart template; every word comes from ``words/en/front_line.yml``. Without front
lines (a record of None) a builder returns None, and the chapter's first line says why; data not
there yet at ``as_of`` is a sentence in the figure's place. The monthly map is in ``animation``."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown
from markupsafe import Markup
from plotly.subplots import make_subplots

from pokrovsk import render, words
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.front_line.capture_facts import Captures
from pokrovsk.chapters.front_line.facts import (
    RADII_KM, Areas, Distances, Edition, Splice, Stretch, join_dates)
from pokrovsk.charts import PALETTE
from pokrovsk.frontlines.importers import OCCUPIED
from pokrovsk.frontlines.metrics import DISTANCE_COLUMN, area_column

REPORTERS = {
    # claimant: (colour, plotly symbol)
    "russia": (PALETTE["vermillion"], "diamond"),
    "ukraine": (PALETTE["blue"], "square"),
    "independent": (PALETTE["green"], "triangle-up"),
}
SOURCE_STYLE = {"daily": ("circle", 5), "raw": ("square-open", 9)}
"""Marker (plotly symbol, size) per kind of stored file."""
OCCUPIED_COLOUR = PALETTE["vermillion"]


def show(figure: render.BookFigure | Markdown | None) -> None:
    """Show a figure; without front lines there is none, and the chapter's first line says why."""
    if figure is not None:
        render.show(figure)


def say(key: str, /, **fields) -> str:
    """This chapter's words: the entry ``key`` of ``words/en/front_line.yml``, as plain text."""
    return words.say(f"front_line.{key}", **fields)


def write(book: Chapter, key: str, /, **fields) -> Markdown:
    """This chapter's paragraph ``key`` (``words/en/front_line.yml``) for the page."""
    return book.write(f"front_line.{key}", **fields)


def book_figure(name: str, key: str, fields: dict, book: Chapter, source_ids, **rest) -> render.BookFigure:
    """A figure whose title, alt text and caption are the entries ``key.title``, ``key.alt`` and
    ``key.caption``, filled from ``fields``, citing ``source_ids``."""
    return render.BookFigure(name=name, title=say(f"{key}.title", **fields), alt=say(f"{key}.alt", **fields),
                             caption=say(f"{key}.caption", **fields),
                             citations=book.cite(list(dict.fromkeys(source_ids))), **rest)


def span(first, last) -> str:
    return say("span", first=first, last=last)


def archive_names(short: bool = False) -> dict[str, str]:
    """The reader's name for each kind of DeepState file."""
    return {fmt: say(f"{'archive_short' if short else 'archive'}.{fmt}") for fmt in SOURCE_STYLE}


def _stretches(stretches: tuple[Stretch, ...]) -> list[dict]:
    return [dict(format=s.format, count=s.count, span=span(s.first, s.last)) for s in stretches]


def edition_note(edition: Edition, book: Chapter) -> Markdown:
    """One line: what this edition's front lines are, or how to add them."""
    how_to_add = Markup(say("edition.how_to_add"))
    if edition.status != "drawn":
        return write(book, f"edition.{edition.status}", how_to_add=how_to_add)
    return write(book, "edition.drawn", maps=edition.maps, span=span(edition.first, edition.last),
                 archives=_stretches(edition.archives), archive=archive_names(), left_out=edition.left_out)


# --- Areas and distances over time ------------------------------------------------------------

def _mark_joins(fig: go.Figure, metrics: pd.DataFrame, **where) -> None:
    for day in join_dates(metrics):
        fig.add_vline(x=pd.Timestamp(day), line=dict(color="#9a9a9a", width=1, dash="dot"), **where)


def _source_markers(fig: go.Figure, metrics: pd.DataFrame, column: str, colour: str, hover: str,
                    show_legend: bool, **where) -> None:
    """One marker per stored date, its shape naming the file type, so the join stays visible."""
    for fmt, (symbol, size) in SOURCE_STYLE.items():
        rows = metrics[metrics["format"] == fmt]
        if rows.empty:
            continue
        label = say(f"source_legend.{fmt}")
        fig.add_scatter(x=pd.to_datetime(rows["date"]), y=rows[column], mode="markers", name=label,
                        legendgroup=fmt, showlegend=show_legend,
                        marker=dict(symbol=symbol, size=size, color=colour, line=dict(color=colour, width=1.5)),
                        customdata=rows["source"], hovertemplate=hover + "<br>%{customdata}<extra>" + label + "</extra>",
                        **where)


def area_chart(metrics: pd.DataFrame) -> go.Figure:
    """Occupied km² within each radius over time, one small panel per radius."""
    columns = 2
    rows = math.ceil(len(RADII_KM) / columns)
    fig = make_subplots(rows=rows, cols=columns, shared_xaxes=True, vertical_spacing=0.12, horizontal_spacing=0.1,
                        subplot_titles=[say("areas.panel_title", km=radius) for radius in RADII_KM])
    when = pd.to_datetime(metrics["date"])
    for number, radius in enumerate(RADII_KM):
        where = dict(row=number // columns + 1, col=number % columns + 1)
        column = area_column(OCCUPIED, radius)
        fig.add_scatter(x=when, y=metrics[column], mode="lines", line=dict(color=OCCUPIED_COLOUR, width=2),
                        name=say("areas.trace_name", km=radius), hoverinfo="skip", showlegend=False, **where)
        _source_markers(fig, metrics, column, OCCUPIED_COLOUR, say("areas.hover"), show_legend=number == 0, **where)
        fig.update_yaxes(title_text=say("areas.y_axis") if where["col"] == 1 else None, rangemode="tozero", **where)
        _mark_joins(fig, metrics, **where)
    fig.update_layout(height=580, hovermode="closest", margin=dict(t=96),
                      legend=dict(title_text=say("source_legend_title"), orientation="h",
                                  yanchor="bottom", y=1.08, x=0))
    return fig


def area_figure(areas: Areas | None, book: Chapter) -> render.BookFigure | None:
    if areas is None:
        return None
    fields = {name: getattr(areas, name) for name in (
        "first", "last", "outer_radius_km", "outer_first_km2", "outer_last_km2", "reach_radius_km", "reach_date",
        "reach_last_km2", "circle_km2", "next_day_dates", "longest_gap_days")}
    fields |= dict(centre=areas.centre_name, span=span(areas.first, areas.last), radii=RADII_KM,
                   dates=len(areas.metrics))
    return book_figure("front-line-areas", "areas", fields, book, areas.source_ids, data_date=areas.last,
                       data=areas.metrics, chart=area_chart(areas.metrics))


def distance_chart(metrics: pd.DataFrame, reported: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    when = pd.to_datetime(metrics["date"])
    fig.add_scatter(x=when, y=metrics[DISTANCE_COLUMN], mode="lines", line=dict(color=PALETTE["black"], width=2),
                    hoverinfo="skip", showlegend=False)
    _source_markers(fig, metrics, DISTANCE_COLUMN, PALETTE["black"], say("distance.hover"),
                    show_legend=True)
    for side, (colour, symbol) in REPORTERS.items():
        rows = reported[reported["claimant"] == side]
        if rows.empty:
            continue
        hover = [say("distance.reported_hover", date=row.date, km=row.distance_km,
                           qualifier=row.qualifier, measure=row.measure, verification=row.verification)
                 for row in rows.itertuples()]
        fig.add_scatter(x=rows["date_start"] + (rows["date_end"] - rows["date_start"]) / 2, y=rows["distance_km"],
                        mode="markers", name=say("distance.reported_legend", claimant=side),
                        marker=dict(symbol=symbol, size=10, color=colour, line=dict(color="white", width=1)),
                        text=hover, hovertemplate=say("distance.reported_hover_template"))
    _mark_joins(fig, metrics)
    fig.update_layout(height=520, yaxis_title=say("distance.y_axis"), yaxis_rangemode="tozero",
                      hovermode="closest", legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def distance_figure(distances: Distances | None, book: Chapter) -> render.BookFigure | Markdown | None:
    if distances is None:
        return None
    if distances.first_km is None:
        return write(book, "distance.not_yet", centre=distances.centre_name, span=span(distances.first, distances.last))
    fields = dict(centre=distances.centre_name, reached=distances.reached, first_km=distances.first_km,
                  last_km=distances.last_km, measured_from=distances.measured_from,
                  measured_to=distances.measured_to, span=span(distances.measured_from, distances.measured_to))
    return book_figure("front-line-distance", "distance", fields, book, distances.source_ids,
                       data_date=distances.last, data=distances.metrics[["date", DISTANCE_COLUMN, "source", "format"]],
                       chart=distance_chart(distances.metrics, distances.reported))


def splice_paragraph(splice: Splice | None, book: Chapter) -> Markdown | None:
    """Where the series switches between the two archives, and what changes at each join."""
    if splice is None:
        return None
    return write(book, "splice", radius=splice.radius_km, segments=_stretches(splice.segments), joins=splice.joins,
                 archive=archive_names(short=True))


# --- Settlements: the map against reported capture dates ---------------------------------------

def _window(state, first_stored) -> str:
    return say("captures.window", first_stored=first_stored, **{
        name: None if pd.isna(state[name]) else state[name] for name in (
            "first_inside", "last_outside_before", "inside_on_first_date", "later_outside_again")})


def _verdict(row, wording: str) -> str:
    days = None if pd.isna(row["days_apart"]) else int(row["days_apart"])
    return say(f"captures.{wording}.{row['verdict']}", days=days)


def capture_chart(captures: Captures) -> go.Figure:
    """Per place: the window in which DeepState's map changed, and the reported capture dates."""
    order = captures.in_order()
    places = captures.places
    states = order.drop_duplicates("place").set_index("place")
    fig = go.Figure()
    window_x: list = []
    window_y: list = []
    for place, state in states.iterrows():
        if pd.notna(state["first_inside"]) and pd.notna(state["last_outside_before"]):
            window_x += [pd.Timestamp(state["last_outside_before"]), pd.Timestamp(state["first_inside"]), None]
            window_y += [place, place, None]
    fig.add_scatter(x=window_x, y=window_y, mode="lines", name=say("captures.window_legend"),
                    line=dict(color="#c9c9c9", width=10), hoverinfo="skip")
    # The map's date is a tall tick, so report markers on the same day stay visible on top of it.
    markers = [
        ("first_inside_legend", "line-ns", states[states["first_inside"].notna()
                                                 & ~states["inside_on_first_date"]], "first_inside"),
        ("inside_from_start_legend", "triangle-left", states[states["inside_on_first_date"]], "first_inside"),
        ("never_inside_legend", "circle-open", states[states["first_inside"].isna()], None),
    ]
    colour = PALETTE["black"]
    for legend, symbol, rows, column in markers:
        if rows.empty:
            continue
        when = [pd.Timestamp(day) for day in rows[column]] if column else [pd.Timestamp(captures.last_stored)] * len(rows)
        label = say(f"captures.{legend}",
                          date=captures.first_stored if column else captures.last_stored)
        fig.add_scatter(x=when, y=list(rows.index), mode="markers", name=label,
                        text=[_window(row, captures.first_stored) for _, row in rows.iterrows()],
                        marker=dict(symbol=symbol, size=20 if symbol == "line-ns" else 11, color=colour,
                                    line=dict(color=colour, width=3 if symbol == "line-ns" else 1.5)),
                        hovertemplate=say("captures.map_hover"))
    for side, (side_colour, symbol) in REPORTERS.items():
        rows = order[order["claimant"] == side]
        if rows.empty:
            continue
        hover = [say("captures.report_hover", reported=row["reported"], title=row["title"],
                           verification=row["verification"], verdict=_verdict(row, "verdict"))
                 for _, row in rows.iterrows()]
        start, end = rows["reported_start"].map(pd.Timestamp), rows["reported_end"].map(pd.Timestamp)
        fig.add_scatter(x=start + (end - start) / 2, y=rows["place"], mode="markers", text=hover,
                        name=say(f"captures.reporter_legend.{side}"),
                        marker=dict(symbol=symbol, size=12, color=side_colour, line=dict(color="white", width=1)),
                        hovertemplate=say("captures.report_hover_template"))
    for place in places:
        summary = "<br>".join(_verdict(row, "verdict_short") for _, row in order[order["place"] == place].iterrows())
        fig.add_annotation(x=1.01, xref="paper", y=place, yref="y", xanchor="left", showarrow=False,
                           text=summary, font=dict(size=10), align="left")
    fig.update_layout(height=190 + 46 * len(places), margin=dict(r=120, l=100), hovermode="closest",
                      yaxis=dict(categoryorder="array", categoryarray=places[::-1], title=None, showgrid=True,
                                 gridcolor="#eeeeee"),
                      xaxis=dict(title=None, showgrid=True, gridcolor="#eeeeee", tickformat="%b<br>%Y"),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    return fig


def capture_figure(captures: Captures | None, book: Chapter) -> render.BookFigure | Markdown | None:
    if captures is None:
        return None
    if captures.comparison.empty:
        return write(book, "captures.not_yet")
    fields = dict(counts=captures.counts, total=len(captures.comparison), places=captures.places,
                  first_stored=captures.first_stored)
    return book_figure("front-line-captures", "captures", fields, book, captures.source_ids,
                       data_date=captures.last_stored, data=captures.comparison, chart=capture_chart(captures))


def capture_paragraph(captures: Captures | None, book: Chapter) -> Markdown | None:
    """Each place's map dates against its reported capture, then the places with no report."""
    if captures is None:
        return None
    places = [dict(name=reports["place"].iloc[0], window=_window(reports.iloc[0], captures.first_stored),
                   reports=[dict(title=row["title"], reported=row["reported"], verification=row["verification"],
                                 verdict_sentence=_verdict(row, "verdict_sentence"), source_ids=row["source_ids"])
                            for _, row in reports.iterrows()])
              for reports in captures.by_place()]
    return write(book, "captures.paragraph", places=places, other=captures.other,
                 first_stored=captures.first_stored, last_stored=captures.last_stored)

