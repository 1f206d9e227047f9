"""Chapter 2's charts, built from the records of ``facts`` with the house chart template; every
word comes from ``words/en/why.yml``. Data not there yet at ``as_of`` is a sentence in the
figure's place. The map itself is drawn in ``network_map``."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown

from pokrovsk import render, words
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.why import facts, network_map as drawing
from pokrovsk.charts import DATE_TICKS, PALETTE, hover_text
from pokrovsk.sources import ids_in, split_ids
from pokrovsk.vocabulary import SUPPORTED

HOLDER_COLOUR = {"russia": PALETTE["vermillion"], "ukraine": PALETTE["blue"]}
VERIFICATION_FILL = {"established": ("", "supported"), "corroborated": ("", "supported"),
                     "claimed": ("-open", "claimed"), "disputed": ("-open-dot", "disputed")}
"""Marker fill (plotly symbol suffix) and legend entry for each verification: the one mark
beside the side's colour (a figure's wording, "about" or "more than", is in its hover label)."""
MODE_COLOUR = {"road": PALETTE["vermillion"], "rail": PALETTE["black"]}
PLOTLY_DASH = {"road": "solid", "rail": "dash"}
NETWORK_RADIUS_KM = 55
RING_STEP_KM = 25
FIRST_POINT_ROOM = pd.Timedelta(days=30)
"""Room before the first report; the axis ends at ``as_of``, never later."""


def _say(key: str, /, **fields) -> str:
    """This chapter's words: the entry ``key`` of ``words/en/why.yml``, as plain text."""
    return words.say(f"why.{key}", **fields)


def _write(book: Chapter, key: str, /, **fields) -> Markdown:
    """This chapter's paragraph ``key`` (``words/en/why.yml``) for the page."""
    return book.write(f"why.{key}", **fields)


def _amounts(report: facts.Report) -> str:
    return _say("amounts", amounts=report.amounts)


# --- Territory held --------------------------------------------------------------------------

def _control_chart(control: facts.Control, book: Chapter, axis_title: str, yaxis: dict) -> go.Figure:
    """Reports over time: colour and a direct label tell the holder, marker fill the verification.
    A report dated only to a month or a year gets a shaded bar across the period it may mean;
    pre-2022 reports become reference lines. Points are not joined: they come from different
    sources that draw the line differently."""
    fig = go.Figure()
    rows = control.recent.assign(middle=control.recent["date_start"]
                                 + (control.recent["date_end"] - control.recent["date_start"]) / 2)
    for holder, group in rows.groupby("holder", sort=False):
        colour = HOLDER_COLOUR[holder]
        periods = group[group["date_precision"] != "day"]
        xs, ys = [], []
        for row in periods.itertuples():
            xs += [row.date_start, row.date_end, None]
            ys += [row.value, row.value, None]
        if xs:
            fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=6), opacity=0.3,
                            hoverinfo="skip", showlegend=False)
        for verification, points in group.groupby("verification"):
            hover = [[words.date(r.date), words.amount(r.value, r.unit, r.qualifier),
                      hover_text(_say("control.standing", claimant=r.claimant, verification=r.verification)),
                      hover_text("; ".join(label for label, _ in book.cite(split_ids(r.source_ids))))]
                     for r in points.itertuples()]
            fig.add_scatter(
                x=points["middle"], y=points["value"], mode="markers", showlegend=False, cliponaxis=False,
                marker=dict(symbol="circle" + VERIFICATION_FILL[verification][0], size=13,
                            color=colour, line=dict(color=colour, width=2)),
                customdata=hover, hovertemplate=_say("control.hover", holder=holder))
        first = group.loc[group["middle"].idxmin()]
        above = first["value"] >= rows["value"].mean()  # each side's name on the side away from the other's
        fig.add_annotation(x=first["middle"], y=first["value"], text=_say("control.holder_label", holder=holder),
                           showarrow=False, yanchor="bottom" if above else "top", yshift=12 if above else -12,
                           font=dict(color=colour, size=13))
    for row in control.reference.itertuples():
        fig.add_hline(y=row.value, line=dict(color=HOLDER_COLOUR[row.holder], dash="dash", width=1),
                      annotation_text=_say("control.reference_line", **_row_fields(row)),
                      annotation_position="top left", annotation_align="left", annotation_font_size=12)
    for fill, legend in dict.fromkeys(VERIFICATION_FILL[v] for v in rows["verification"]):
        fig.add_scatter(x=[None], y=[None], mode="markers", name=_say(f"control.fill_legend.{legend}"),
                        marker=dict(symbol="circle" + fill, size=11, color=PALETTE["grey"], line=dict(width=2)))
    if not rows.empty:
        fig.update_xaxes(range=[rows["date_start"].min() - FIRST_POINT_ROOM, pd.Timestamp(book.as_of)])
    fig.update_layout(yaxis_title=axis_title, xaxis_title=None, height=480, legend=dict(font_size=12),
                      yaxis=dict(automargin=True, **yaxis))
    fig.update_xaxes(**DATE_TICKS)
    return fig


def _row_fields(row) -> dict:
    return dict(date=row.date, value=row.value, unit=row.unit, qualifier=row.qualifier, holder=row.holder,
                verification=row.verification)


def _control_figure(name: str, key: str, control: facts.Control, book: Chapter, title: str, alt: str,
                    yaxis: dict) -> render.BookFigure:
    shown = control.shown
    return render.BookFigure(
        name=name, title=title, alt=alt, caption=_say(f"{key}.caption"),
        citations=book.cite(ids_in(shown)),
        data_date=shown.iloc[-1]["date"],
        data=shown[facts.CONTROL_COLUMNS].reset_index(drop=True),
        chart=_control_chart(control, book, _say(f"{key}.axis"), yaxis),
    )


def control_share(control: facts.Control, book: Chapter) -> render.BookFigure | Markdown:
    """Share of Donetsk oblast held, as reported over time (percent only: areas are another chart)."""
    if control.empty:
        return _write(book, "control_share.not_yet")
    first, latest = control.first.get("russia"), control.latest.get("russia")
    if first is None:
        ukrainian = control.latest["ukraine"]
        title = _say("control_share.ukraine_only", as_of=book.as_of, latest=_amounts(ukrainian),
                     latest_date=ukrainian.date)
        fields = dict(first="", first_date="", latest="", latest_date="")
    else:
        fields = dict(first=_amounts(first), first_date=first.date,
                      latest=_amounts(latest) if latest != first else "", latest_date=latest.date)
        title = _say("control_share.title", **fields)
    return _control_figure("why-control-share", "control_share", control, book, title,
                           _say("control_share.alt", **fields), dict(range=[0, 100], ticksuffix="%"))


def control_area(control: facts.Control, book: Chapter) -> render.BookFigure | Markdown:
    """What Ukraine still holds of Donetsk oblast, in km², next to the area reported held by Russia."""
    if control.empty:
        return _write(book, "control_area.not_yet")
    holder = "ukraine" if "ukraine" in control.latest else "russia"
    latest = control.latest[holder]
    title = _say("control_area.title_" + ("ukraine" if holder == "ukraine" else "russia_only"), as_of=book.as_of,
                latest=_amounts(latest), latest_date=latest.date)
    items = [_say("control.alt_item", **_row_fields(row)) for row in control.shown.itertuples()]
    return _control_figure("why-control-area", "control_area", control, book, title,
                           _say("control_area.alt", items=items), dict(rangemode="tozero", tickformat=","))


# --- Roads and railways ----------------------------------------------------------------------

def network_map(network: facts.Network, book: Chapter, radius_km: float = NETWORK_RADIUS_KM
                ) -> render.BookFigure | Markdown:
    """The roads and railways through Pokrovsk at a regional scale."""
    at_home = network.at_home
    if at_home.empty:
        return _write(book, "network_map.not_yet")
    fig, basemap, off_map, unnumbered = drawing.draw(network, book, radius_km, RING_STEP_KM)
    directions = list(dict.fromkeys(words.compass(bearing) for bearing in network.neighbour_bearings))
    fields = dict(roads=at_home.loc[at_home["mode"] == "road", "designation"].nunique(),
                  rails=at_home.loc[at_home["mode"] == "rail", "designation"].nunique(),
                  directions=len(directions), radius_km=radius_km, ring_km=RING_STEP_KM)
    onward = sorted(drawing.short_designation(d) for d in dict.fromkeys(network.onward["designation"]))
    return render.BookFigure(
        name="why-network-map", title=_say("network_map.title", **fields), alt=_say("network_map.alt", **fields),
        long_description=_say(
            "network_map.long_description", rings=list(range(RING_STEP_KM, int(radius_km) + 1, RING_STEP_KM)),
            directions=directions, routes=list(dict.fromkeys(_route_names(network.route_table).values())),
            beyond=[_say("network_map.beyond", name=row.name, km=row.distance_km) for row in off_map.itertuples()]),
        caption=_say("network_map.caption", onward=onward, left_out=network.left_out, as_of=book.as_of,
                     unnumbered=unnumbered),
        citations=book.cite(ids_in(network.edges) + ids_in(network.nodes) + ["natural-earth"]),
        data_date=book.as_of,
        data=network.edges,
        image=fig,
        notes=[basemap.note],
    )


def _route_names(table: pd.DataFrame) -> dict[int, str]:
    """Each route's name, 'Road to Dnipro via Pavlohrad', by its number in a route table."""
    return {number: _say("routes.name", mode=stops["mode"].iloc[0], end=stops["place"].iloc[-1],
                         via=list(stops["place"].iloc[1:-1]))
            for number, stops in table.groupby("route", sort=True)}


def _routes_chart(table: pd.DataFrame, names: dict[int, str]) -> go.Figure:
    """A row per route: its places at their straight-line distance from Pokrovsk. Each row's name
    is written above its line, not beside the axis, so on a phone the lines keep the width."""
    fig = go.Figure()
    in_legend: set[str] = set()
    for number, stops in table.groupby("route", sort=True):
        row = names[number]
        for previous, stop in zip(stops.iloc[:-1].itertuples(), stops.iloc[1:].itertuples()):
            uncertain = stop.verification not in SUPPORTED
            key = "uncertain" if uncertain else stop.mode
            fig.add_scatter(
                x=[previous.distance_km, stop.distance_km], y=[row, row], mode="lines",
                line=dict(color=MODE_COLOUR[stop.mode], width=4 if stop.mode == "road" else 2.5,
                          dash="dot" if uncertain else PLOTLY_DASH[stop.mode]),
                name=_say("routes.uncertain") if uncertain else words.label("mode", stop.mode),
                legendgroup=key, showlegend=key not in in_legend,
                hovertemplate=_say("routes.link_hover", start=previous.place, end=stop.place,
                                   designation=stop.designation, verification=stop.verification))
            in_legend.add(key)
        beyond = stops.iloc[1:]
        fig.add_scatter(
            x=beyond["distance_km"], y=[row] * len(beyond), mode="markers", showlegend=False, cliponaxis=False,
            marker=dict(color=PALETTE["blue"], size=8, line=dict(color="white", width=1)),
            customdata=[[place, words.compass(bearing)] for place, bearing in zip(beyond["place"], beyond["bearing"])],
            hovertemplate=_say("routes.place_hover"))
        fig.add_annotation(x=0, xref="paper", y=row, yref="y", text=row, showarrow=False, xanchor="left",
                           yanchor="bottom", yshift=5, font=dict(size=12))
    fig.update_layout(
        xaxis_title=_say("routes.axis"), yaxis_title=None, height=90 + 52 * len(names), margin=dict(l=12),
        yaxis=dict(showgrid=False, showticklabels=False, ticks="", showline=False, range=[len(names) - 0.6, -0.9]),
        xaxis=dict(range=[0, table["distance_km"].max() * 1.05], showgrid=True, gridcolor="#e3e3e3"))
    return fig


def routes(found: facts.Routes, book: Chapter) -> render.BookFigure | Markdown:
    """Where each road and railway out of Pokrovsk leads, place by place."""
    table = found.table
    if table.empty:
        return _write(book, "routes.not_yet")
    fields = dict(reached=found.reached, furthest=found.furthest, furthest_km=found.furthest_km,
                  count=table["route"].nunique())
    names = _route_names(table)
    return render.BookFigure(
        name="why-routes", title=_say("routes.title", **fields), alt=_say("routes.alt", **fields),
        caption=_say("routes.caption"),
        citations=book.cite(found.source_ids),
        data_date=book.as_of,
        data=table.assign(route=table["route"].map(names),
                          direction=[words.compass(b) if step else "" for b, step in zip(table["bearing"], table["step"])]),
        chart=_routes_chart(table, names),
    )


# --- The gateway argument --------------------------------------------------------------------

def distances(rows: pd.DataFrame, book: Chapter) -> render.BookFigure:
    """Straight-line distances from Pokrovsk, the gateway cities highlighted by colour and pattern."""
    fig = go.Figure()
    gateways = rows[rows["gateway"]]
    for highlighted, name, colour, pattern in (
            (True, words.listing(gateways["name"]), PALETTE["orange"], "/"),
            (False, _say("distances.others"), PALETTE["blue"], "")):
        group = rows[rows["gateway"] == highlighted]
        if group.empty:
            continue
        fig.add_bar(
            y=group["name"], x=group["distance_km"], orientation="h", name=name,
            marker=dict(color=colour, pattern=dict(shape=pattern, fillmode="overlay", fgcolor="white", solidity=0.25)),
            text=[_say("distances.bar", km=km, bearing=b) for km, b in zip(group["distance_km"], group["bearing"])],
            textposition="auto", cliponaxis=False,
            customdata=[[words.compass(b),
                         _say("distances.population", population=p) if pd.notna(p) else _say("distances.population_unknown"),
                         y if pd.notna(y) else ""]
                        for b, p, y in zip(group["bearing"], group["population"], group["population_year"])],
            hovertemplate=_say("distances.hover"))
    fig.update_layout(
        xaxis_title=_say("distances.axis"), yaxis_title=None,
        yaxis=dict(categoryorder="array", categoryarray=list(rows["name"]), autorange="reversed", automargin=True),
        xaxis=dict(range=[0, rows["distance_km"].max() * 1.3], showgrid=True, gridcolor="#e3e3e3"),
        height=420, bargap=0.35)
    cities = list(rows.itertuples())
    return render.BookFigure(
        name="why-distances",
        title=_say("distances.title", gateways=[c for c in cities if c.gateway]),
        alt=_say("distances.alt", cities=cities),
        caption=_say("distances.caption"),
        citations=book.cite(ids_in(rows)),
        data_date=book.as_of,
        data=rows.assign(direction=[words.compass(b) for b in rows["bearing"]])[
            ["place_id", "name", "lat", "lon", "distance_km", "direction", "population", "population_year",
             "source_ids"]].round({"distance_km": 1}),
        chart=fig,
    )
