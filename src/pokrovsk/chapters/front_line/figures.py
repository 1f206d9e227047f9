"""Chapter 5's figures and paragraphs, built from the records of ``facts`` and ``capture_facts``
with the house chart template; every word comes from ``words/en/front_line.yml``. A record of None
(no map measured by ``as_of``; the monthly map without a store) gives no figure; data not there
yet at ``as_of`` is a sentence in the figure's place. The monthly map is in ``animation``."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown

from pokrovsk import render, words
from pokrovsk.buildnotes import tell_the_builder
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.front_line.capture_facts import Captures
from pokrovsk.chapters.front_line.facts import Areas, Edition, MeasuredDistance, Splice, Stretch, join_dates
from pokrovsk.charts import PALETTE
from pokrovsk.frontlines.importers import OCCUPIED
from pokrovsk.frontlines.metrics import area_column

REPORTERS = {
    # claimant: (colour, plotly symbol)
    "russia": (PALETTE["vermillion"], "diamond"),
    "ukraine": (PALETTE["blue"], "square"),
    "independent": (PALETTE["green"], "triangle-up"),
}
FILE_FORMATS = ("daily", "raw")
"""The two kinds of DeepState file: the daily merged archive and the map's own raw export."""
OCCUPIED_COLOUR = PALETTE["vermillion"]
FIRM = ("established", "corroborated")
"""Verification levels drawn as filled marks; a claim alone, or a disputed one, is an open mark."""


def show(figure: render.BookFigure | Markdown | None) -> None:
    """Show a figure; a record of None has none, and the page shows nothing in its place."""
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
    return {fmt: say(f"{'archive_short' if short else 'archive'}.{fmt}") for fmt in FILE_FORMATS}


def _stretches(stretches: tuple[Stretch, ...]) -> list[dict]:
    return [dict(format=s.format, count=s.count, span=span(s.first, s.last)) for s in stretches]


def edition_note(edition: Edition, book: Chapter) -> Markdown | None:
    """One line for readers on the maps this edition draws from its front-line store. Without a
    store's maps the chapter draws from the committed measurements alone, and only the person
    running the build hears how to add the map (readers get no build instructions)."""
    if edition.status == "absent":
        tell_the_builder("Chapter 5 drawn from the committed measurements (data/frontline_metrics.csv); for its "
                         "map and animation, build with --frontlines STORE (pokrovsk frontlines import or fetch)")
        return None
    if edition.status == "empty":
        tell_the_builder(f"Chapter 5: the front-line store holds no map up to {book.as_of}, so the chapter is drawn "
                         "from the committed measurements alone (no map or animation)")
        return None
    return write(book, "edition.drawn", maps=edition.maps, span=span(edition.first, edition.last),
                 archives=_stretches(edition.archives), archive=archive_names(), left_out=edition.left_out)


# --- Areas over time, and the chapter's lead ------------------------------------------------------------

def _mark_joins(fig: go.Figure, metrics: pd.DataFrame, **where) -> None:
    for day in join_dates(metrics):
        fig.add_vline(x=pd.Timestamp(day), line=dict(color="#9a9a9a", width=1, dash="dot"), **where)


def area_chart(metrics: pd.DataFrame, radii_km: tuple[float, ...]) -> go.Figure:
    """Occupied km² within each radius over time: one line per radius, labelled at its end, the
    innermost the strongest."""
    fig = go.Figure()
    when = pd.to_datetime(metrics["date"])
    radii = sorted(radii_km)
    for rank, radius in enumerate(radii):
        column = area_column(OCCUPIED, radius)
        strength = 1 - 0.55 * rank / max(len(radii) - 1, 1)
        fig.add_scatter(x=when, y=metrics[column], mode="lines", name=say("areas.trace_name", km=radius),
                        line=dict(color=OCCUPIED_COLOUR, width=1.5 + 1.5 * strength, shape="hv"),
                        opacity=strength, customdata=metrics["source"],
                        hovertemplate=say("areas.hover", km=radius))
        fig.add_annotation(x=when.iloc[-1], y=float(metrics[column].iloc[-1]), text=say("areas.line_label", km=radius),
                           xanchor="right", yanchor="bottom", showarrow=False, font=dict(size=12, color=OCCUPIED_COLOUR))
    _mark_joins(fig, metrics)
    fig.update_layout(height=420, hovermode="closest", showlegend=False, yaxis_title=say("areas.y_axis"),
                      yaxis_rangemode="tozero", xaxis=dict(tickformat="%b<br>%Y"), margin=dict(r=12))
    return fig


def area_figure(areas: Areas | None, book: Chapter) -> render.BookFigure | None:
    if areas is None:
        return None
    fields = {name: getattr(areas, name) for name in (
        "first", "last", "outer_radius_km", "outer_first_km2", "outer_last_km2", "reach_radius_km", "reach_date",
        "reach_last_km2", "circle_km2", "next_day_dates", "longest_gap_days")}
    fields |= dict(centre=areas.centre_name, span=span(areas.first, areas.last), radii=areas.radii_km,
                   dates=len(areas.metrics))
    return book_figure("front-line-areas", "areas", fields, book, areas.source_ids, data_date=areas.last,
                       data=areas.metrics, chart=area_chart(areas.metrics, areas.radii_km))


def lead(areas: Areas | None, distance: MeasuredDistance | None, book: Chapter) -> Markdown | None:
    """The chapter's finding in one paragraph: where the front stood on the last measured map."""
    if areas is None:
        return None
    inner = min(areas.radii_km)
    inner_km2 = float(areas.metrics[area_column(OCCUPIED, inner)].iloc[-1])
    return write(book, "lead", centre=areas.centre_name, last=areas.last, first=areas.first,
                 reached=distance.reached if distance else None,
                 last_km=distance.last_km if distance else None, first_km=distance.first_km if distance else None,
                 inner_km=inner, inner_km2=inner_km2, inner_share=inner_km2 / (math.pi * inner ** 2),
                 source_ids=areas.source_ids)


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
    # The two rarer cases stay out of the legend (at most five entries): hover and caption tell them.
    markers = [
        ("first_inside_legend", "line-ns", states[states["first_inside"].notna()
                                                 & ~states["inside_on_first_date"]], "first_inside", True),
        ("inside_from_start_legend", "triangle-left", states[states["inside_on_first_date"]], "first_inside", False),
        ("never_inside_legend", "circle-open", states[states["first_inside"].isna()], None, False),
    ]
    colour = PALETTE["black"]
    for legend, symbol, rows, column, listed in markers:
        if rows.empty:
            continue
        when = [pd.Timestamp(day) for day in rows[column]] if column else [pd.Timestamp(captures.last_stored)] * len(rows)
        label = say(f"captures.{legend}",
                          date=captures.first_stored if column else captures.last_stored)
        fig.add_scatter(x=when, y=list(rows.index), mode="markers", name=label, showlegend=listed,
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
        firm = rows["verification"].isin(FIRM)
        fig.add_scatter(x=start + (end - start) / 2, y=rows["place"], mode="markers", text=hover,
                        name=say(f"captures.reporter_legend.{side}"),
                        marker=dict(symbol=[symbol if f else f"{symbol}-open" for f in firm], size=12,
                                    color=side_colour, line=dict(color=side_colour, width=2)),
                        hovertemplate=say("captures.report_hover_template"))
    # Each place's verdicts sit under its name, so the plot keeps the phone's whole width.
    names = [f"<b>{place}</b><br>" + "<br>".join(
        f"<span style='font-size:10px'>{_verdict(row, 'verdict_short')}</span>"
        for _, row in order[order["place"] == place].iterrows()) for place in places]
    fig.update_layout(height=190 + 54 * len(places), margin=dict(r=12), hovermode="closest",
                      yaxis=dict(categoryorder="array", categoryarray=places[::-1], tickvals=places, ticktext=names,
                                 automargin=True, title=None, showgrid=True, gridcolor="#eeeeee"),
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

