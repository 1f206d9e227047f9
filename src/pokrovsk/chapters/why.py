"""Chapter 2, "Why Russia wants Pokrovsk": how much of Donetsk oblast each side holds, the roads
and railways that meet at the city, how far it is to Kramatorsk and Sloviansk, and the
coking-coal mine west of it.

Every title and sentence with a number is built here from the rows it describes.
"""

from __future__ import annotations

import math
import re

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from shapely.geometry import LineString, box

from pokrovsk import data, maps, render
from pokrovsk.chapter import Chapter, on_date
from pokrovsk.charts import PALETTE
from pokrovsk.markup import md_text
from pokrovsk.sources import human_date, ids_in
from pokrovsk.vocabulary import CLAIMANT, SUPPORTED, VERIFICATION

HOME = "pokrovsk"
INVASION_EVENT = "2022-02-24-full-scale-invasion"
"""Reports dated before this event describe the pre-2022 line: drawn as reference lines."""
DISTANCE_TARGETS = ("kramatorsk", "sloviansk", "kostiantynivka", "dobropillia", "dnipro", "donetsk")
GATEWAY_CITIES = ("kramatorsk", "sloviansk")
NETWORK_RADIUS_KM = 150
RING_STEP_KM = 50

REGION_NAMES = {
    "donetsk_oblast": "Donetsk oblast",
    "luhansk_oblast": "Luhansk oblast",
    "donbas": "the Donbas",
    "ukraine": "all of Ukraine",
}
HOLDERS = {"russia": "Russia", "ukraine": "Ukraine"}
HOLDER_COLOUR = {"russia": PALETTE["vermillion"], "ukraine": PALETTE["blue"]}
QUALIFIER_WORDS = {"exact": "", "about": "about ", "more_than": "more than ", "less_than": "less than "}
QUALIFIER_SYMBOL = {"exact": ("square", "Exact figure"), "about": ("circle", "“About”"),
                    "more_than": ("triangle-up", "“More than”"), "less_than": ("triangle-down", "“Less than”")}
VERIFICATION_FILL = {"established": ("", "Filled: established or corroborated"),
                     "corroborated": ("", "Filled: established or corroborated"),
                     "claimed": ("-open", "Hollow: claimed, not independently verified"),
                     "disputed": ("-open-dot", "Hollow with a dot: disputed")}
UNIT_SUFFIX = {"percent": "%", "km2": " km²"}

MODE_NAMES = {"road": "Road", "rail": "Railway"}
MODE_STYLE = {"road": dict(color=PALETTE["vermillion"], linewidth=3.0, linestyle="-", zorder=3),
              "rail": dict(color=PALETTE["black"], linewidth=1.5, linestyle=(0, (5, 2)), zorder=4)}
UNCERTAIN_DASH = (0, (1, 1.5))
UNSUPPORTED_LINK = "Link not corroborated (dotted)"
PLOTLY_DASH = {"road": "solid", "rail": "dash"}
COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")

MINE_PATTERN = re.compile(r"\bmine\b|coking|Pokrovske|Metinvest", re.IGNORECASE)
ROUTE_PATTERN = re.compile(r"\broads?\b|highway|\btrains?\b|\bE50\b|\b[MHT]-\d", re.IGNORECASE)


# --- Shared helpers ---------------------------------------------------------------------------

def _figure_text(value: float, qualifier: str, unit: str) -> str:
    """'about 32%', 'more than 80%', '17,804 km²': the figure as the source stated it."""
    return f"{QUALIFIER_WORDS[qualifier]}{value:,g}{UNIT_SUFFIX[unit]}"


def _invasion_date(chapter: Chapter) -> pd.Timestamp | None:
    events = _events(chapter)
    match = events.loc[events["event_id"] == INVASION_EVENT, "date_start"]
    return match.iloc[0] if not match.empty else None


def _latest(rows: pd.DataFrame) -> pd.DataFrame:
    """The most recent report(s): latest possible end date, then the most precise among them."""
    last = rows[rows["date_end"] == rows["date_end"].max()]
    return last[last["date_start"] == last["date_start"].max()]


def _figures_phrase(rows: pd.DataFrame) -> str:
    """One figure, or the spread of several reports of the same date."""
    texts = [_figure_text(r["value"], r["qualifier"], r["unit"]) for _, r in rows.sort_values("value").iterrows()]
    texts = list(dict.fromkeys(texts))
    return texts[0] if len(texts) == 1 else f"between {texts[0]} and {texts[-1]}"


def _standing(claimant: str, verification: str) -> str:
    """Who says it and how well it is established, in words: claims stay claims."""
    return f"said by {CLAIMANT[claimant].in_text}; {VERIFICATION[verification].phrase}"


def _event_lines(chapter: Chapter, events: pd.DataFrame) -> str:
    return "\n".join(
        f"- **{human_date(e['date'])}**: {md_text(e['title'])}. {md_text(e['description'])} "
        f"*({_standing(e['claimant'], e['verification'])})* "
        f"{chapter.cite_markdown(ids_in(events.loc[[index]]))}"
        for index, e in events.iterrows())


def _control(chapter: Chapter) -> pd.DataFrame:
    return data.load_control(chapter.data_dir, chapter.as_of)


def _events(chapter: Chapter) -> pd.DataFrame:
    return data.load_events(chapter.data_dir, chapter.as_of)


def _network(chapter: Chapter) -> gpd.GeoDataFrame:
    return data.known_by(data.load_network(chapter.data_dir), chapter.as_of, chapter.data_dir)


def _metric_places(chapter: Chapter) -> gpd.GeoDataFrame:
    """Places with coordinates, in metres (UTM 37N), with their distance and direction from home."""
    places = data.known_by(data.load_places(chapter.data_dir).dropna(subset=["lat", "lon"]), chapter.as_of,
                           chapter.data_dir)
    metric = places.to_crs(maps.METRIC_CRS).set_index("place_id", drop=False)
    origin = metric.geometry[HOME]
    dx = metric.geometry.x - origin.x
    dy = metric.geometry.y - origin.y
    metric["distance_km"] = (dx.pow(2) + dy.pow(2)).pow(0.5) / 1000
    metric["direction"] = [_compass(east, north) for east, north in zip(dx, dy)]
    return metric


def _compass(east: float, north: float) -> str:
    """Eight-point compass direction of an offset in metres."""
    bearing = math.degrees(math.atan2(east, north)) % 360
    return COMPASS[round(bearing / 45) % len(COMPASS)]


def _joined(items) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def _short_designation(designation: str) -> str:
    """'M-30 / E50 (former M-04)' → 'M-30 / E50': the label drawn on the map."""
    return designation.split(" (")[0]


# --- Territory held --------------------------------------------------------------------------

def _control_chart(chapter: Chapter, rows: pd.DataFrame, reference: pd.DataFrame, axis_title: str,
                   yaxis: dict) -> go.Figure:
    """Reports over time: colour and a direct label tell the holder, marker shape the qualifier
    ('about', 'more than'), marker fill the verification. A report dated only to a month or a
    year gets a shaded bar across the period it may mean; pre-2022 reports become reference lines.
    Points are not joined: they come from different sources that draw the line differently."""
    fig = go.Figure()
    rows = rows.assign(middle=rows["date_start"] + (rows["date_end"] - rows["date_start"]) / 2)
    for holder, group in rows.groupby("holder", sort=False):
        colour = HOLDER_COLOUR[holder]
        fig.add_scatter(x=[None], y=[None], mode="markers", name=f"Held by {HOLDERS[holder]}",
                        marker=dict(symbol="square", size=11, color=colour))
        periods = group[group["date_precision"] != "day"]
        xs, ys = [], []
        for _, row in periods.iterrows():
            xs += [row["date_start"], row["date_end"], None]
            ys += [row["value"], row["value"], None]
        if xs:
            fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color=colour, width=6), opacity=0.3,
                            hoverinfo="skip", showlegend=False)
        for (qualifier, verification), points in group.groupby(["qualifier", "verification"]):
            symbol = QUALIFIER_SYMBOL[qualifier][0] + VERIFICATION_FILL[verification][0]
            hover = [[human_date(r["date"]), _figure_text(r["value"], r["qualifier"], r["unit"]),
                      f"{CLAIMANT[r['claimant']].label}; {VERIFICATION[r['verification']].phrase}",
                      "; ".join(label for label, _ in chapter.cite(ids_in(points.loc[[i]])))]
                     for i, r in points.iterrows()]
            fig.add_scatter(
                x=points["middle"], y=points["value"], mode="markers", showlegend=False,
                marker=dict(symbol=symbol, size=13, color=colour, line=dict(color=colour, width=2)),
                customdata=hover,
                hovertemplate=(f"%{{customdata[0]}}: %{{customdata[1]}} held by {HOLDERS[holder]}"
                               "<br>Sources: %{customdata[3]} (%{customdata[2]})<extra></extra>"))
        last = group.loc[group["middle"].idxmax()]
        fig.add_annotation(x=last["middle"], y=last["value"], text=f"<b>{HOLDERS[holder]}</b>", showarrow=False,
                           xanchor="left", xshift=12, font=dict(color=colour, size=13))
    for _, row in reference.iterrows():
        figure = _figure_text(row["value"], row["qualifier"], row["unit"])
        fig.add_hline(y=row["value"], line=dict(color=HOLDER_COLOUR[row["holder"]], dash="dash", width=1),
                      annotation_text=f"{human_date(row['date'])}: {figure} held by {HOLDERS[row['holder']]}, before "
                                      f"the full-scale invasion ({VERIFICATION[row['verification']].phrase})",
                      annotation_position="bottom right", annotation_font_size=12)
    for qualifier in dict.fromkeys(rows["qualifier"]):
        symbol, label = QUALIFIER_SYMBOL[qualifier]
        fig.add_scatter(x=[None], y=[None], mode="markers", name=label,
                        marker=dict(symbol=symbol + "-open", size=11, color=PALETTE["grey"], line=dict(width=2)))
    for fill, label in dict.fromkeys(VERIFICATION_FILL[v] for v in rows["verification"]):
        fig.add_scatter(x=[None], y=[None], mode="markers", name=label,
                        marker=dict(symbol="circle" + fill, size=11, color=PALETTE["grey"], line=dict(width=2)))
    if rows.empty and reference.empty:
        fig.add_annotation(text="No reports in the data up to this date", showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper", font=dict(size=14, color=PALETTE["grey"]))
    if not rows.empty:  # room on the right for the holder labels
        fig.update_xaxes(range=[rows["date_start"].min() - pd.Timedelta(days=20),
                                rows["date_end"].max() + pd.Timedelta(days=75)])
    fig.update_layout(yaxis_title=axis_title, xaxis_title=None, height=480, legend=dict(font_size=12),
                      yaxis=dict(automargin=True, **yaxis))
    fig.update_xaxes(type="date")
    return fig


def _donetsk_rows(chapter: Chapter, measure: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """This measure for Donetsk oblast up to as_of, as (since the full-scale invasion, before it)."""
    rows = _control(chapter)
    rows = rows[(rows["region"] == "donetsk_oblast") & (rows["measure"] == measure)]
    invasion = _invasion_date(chapter)
    before = rows["date_end"] < invasion if invasion is not None else pd.Series(False, index=rows.index)
    return rows[~before], rows[before]


CONTROL_COLUMNS = ["control_id", "date", "date_precision", "region", "measure", "value", "unit", "qualifier",
                   "holder", "note", "claimant", "verification", "verification_note", "source_ids"]


def _control_figure(chapter: Chapter, name: str, recent: pd.DataFrame, reference: pd.DataFrame, title: str,
                    alt: str, caption: str, axis_title: str, yaxis: dict) -> render.BookFigure:
    shown = pd.concat([reference, recent]).sort_values("date_start")
    return render.BookFigure(
        name=name, title=title, alt=alt, caption=caption,
        citations=chapter.cite(ids_in(shown)),
        data_date=shown.iloc[-1]["date"] if not shown.empty else chapter.as_of,
        data=shown[CONTROL_COLUMNS].reset_index(drop=True),
        chart=_control_chart(chapter, recent, reference, axis_title, yaxis),
    )


def control_share_figure(chapter: Chapter) -> render.BookFigure:
    """Share of Donetsk oblast held, as reported over time (percent only: areas are another chart)."""
    recent, reference = _donetsk_rows(chapter, "share")
    russian = pd.concat([reference, recent])
    russian = russian[russian["holder"] == "russia"].sort_values("date_start")
    if russian.empty:
        title = f"No report of Russia's share of Donetsk oblast up to {human_date(chapter.as_of)}"
        alt = "Empty chart: no reported share of Donetsk oblast in the data up to this date."
    else:
        first, latest = russian.iloc[[0]], _latest(russian)
        first_when, latest_when = on_date(first.iloc[0]["date"]), on_date(latest.iloc[0]["date"])
        title = f"Reports put Russia's share of Donetsk oblast at {_figures_phrase(first)} {first_when}"
        if not latest.index.equals(first.index):
            title += f" and {_figures_phrase(latest)} {latest_when}"
        alt = (f"Chart of the reported share of Donetsk oblast held by each side. Russia's share goes from "
               f"{_figures_phrase(first)} {first_when} to {_figures_phrase(latest)} {latest_when}.")
    return _control_figure(
        chapter, "why-control-share", recent, reference, title, alt,
        caption="Each point is one published estimate, not a measurement: sources draw the front line differently "
                "and round their figures. Shapes show how a figure was worded (“about”, “more than”), hollow "
                "markers are one side's claim that no independent source supports, and a shaded bar spans the month "
                "or year a report is dated to.",
        axis_title="Share of Donetsk oblast", yaxis=dict(range=[0, 100], ticksuffix="%"))


def control_area_figure(chapter: Chapter) -> render.BookFigure:
    """What Ukraine still holds of Donetsk oblast, in km², next to the area reported held by Russia."""
    recent, reference = _donetsk_rows(chapter, "area")
    shown = pd.concat([reference, recent])
    ukrainian = shown[shown["holder"] == "ukraine"]
    russian = shown[shown["holder"] == "russia"]
    if not ukrainian.empty:
        latest = _latest(ukrainian)
        title = (f"{_sentence_start(on_date(latest.iloc[0]['date']))}, reports put the part of Donetsk oblast "
                 f"Ukraine still held at {_figures_phrase(latest)}")
    elif not russian.empty:
        latest = _latest(russian)
        title = (f"Up to {human_date(chapter.as_of)} the data give only Russia's area in Donetsk oblast: "
                 f"{_figures_phrase(latest)} {on_date(latest.iloc[0]['date'])}")
    else:
        title = f"No reported area of Donetsk oblast up to {human_date(chapter.as_of)}"
    alt = ("Chart of reported areas of Donetsk oblast, in square kilometres, held by Russia and by Ukraine: "
           + "; ".join(f"{human_date(r['date'])}, {_figure_text(r['value'], r['qualifier'], r['unit'])} held by "
                       f"{HOLDERS[r['holder']]}" for _, r in shown.sort_values("date_start").iterrows()) + ".")
    return _control_figure(
        chapter, "why-control-area", recent, reference, title, alt,
        caption="Areas in square kilometres, a different measure from the shares above, so they get their own chart. "
                "Estimates of Ukraine's remaining ground differ by source and by where each draws the line; shapes, "
                "fills and shaded bars mean the same as in the previous chart.",
        axis_title="Area of Donetsk oblast (km²)", yaxis=dict(rangemode="tozero", tickformat=","))


def control_context_paragraph(chapter: Chapter) -> Markdown:
    """The other reported shares (Luhansk oblast, the Donbas as a whole, all of Ukraine), one line each."""
    rows = _control(chapter)
    rows = rows[rows["region"] != "donetsk_oblast"].sort_values(["date_start", "region"])
    if rows.empty:
        return Markdown(f"The data hold no figures for Luhansk oblast, the Donbas or all of Ukraine up to "
                        f"{human_date(chapter.as_of)}.")
    lines = [f"- **{human_date(r['date'])}**: {HOLDERS[r['holder']]} held "
             f"{md_text(_figure_text(r['value'], r['qualifier'], r['unit']))} of {md_text(REGION_NAMES[r['region']])}. "
             + (f"{md_text(r['note'])} " if pd.notna(r["note"]) else "")
             + f"*({_standing(r['claimant'], r['verification'])})* "
             + chapter.cite_markdown(ids_in(rows.loc[[i]]))
             for i, r in rows.iterrows()]
    return Markdown("Reported figures for the wider region, each as its source worded it:\n\n" + "\n".join(lines))


# --- Roads and railways ----------------------------------------------------------------------

def _lines_at_home(network: pd.DataFrame) -> pd.DataFrame:
    return data.lines_at(network, HOME)


def _routes_from_home(network: pd.DataFrame, distance_km: pd.Series) -> list[list[pd.Series]]:
    """Every way out of Pokrovsk along one mode of transport, following links that only ever
    lead further away from the city; a fork gives one route per branch."""
    links: dict[str, list[tuple[str, pd.Series]]] = {}
    for _, edge in network.iterrows():
        links.setdefault(edge["from_place"], []).append((edge["to_place"], edge))
        links.setdefault(edge["to_place"], []).append((edge["from_place"], edge))

    def extend(route: list[pd.Series], at: str) -> list[list[pd.Series]]:
        onward = [(nxt, e) for nxt, e in links.get(at, [])
                  if e["mode"] == route[0]["mode"] and distance_km[nxt] > distance_km[at]]
        if not onward:
            return [route]
        return [longer for nxt, e in onward for longer in extend(route + [e], nxt)]

    return [route for nxt, edge in links.get(HOME, []) for route in extend([edge], nxt)]


def _route_table(routes: list[list[pd.Series]], places: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per place along each route, Pokrovsk first."""
    rows = []
    for edges in routes:
        stops = [HOME]
        for edge in edges:
            stops.append(edge["to_place"] if edge["from_place"] == stops[-1] else edge["from_place"])
        names = [places.loc[p, "name_en"] for p in stops]
        mode = edges[0]["mode"]
        label = f"{MODE_NAMES[mode]} to {names[-1]}" + (f" via {', '.join(names[1:-1])}" if len(names) > 2 else "")
        for step, place_id in enumerate(stops):
            arriving = edges[step - 1] if step else None
            rows.append({
                "route": label, "mode": mode, "step": step, "place_id": place_id, "place": names[step],
                "distance_km": round(float(places.loc[place_id, "distance_km"]), 1),
                "direction": places.loc[place_id, "direction"] if step else "",
                "edge_id": arriving["edge_id"] if arriving is not None else "",
                "designation": arriving["designation"] if arriving is not None else "",
                "verification": arriving["verification"] if arriving is not None else "",
                "source_ids": arriving["source_ids"] if arriving is not None else "",
            })
    table = pd.DataFrame(rows)
    ends = table.groupby("route")["distance_km"].max()
    order = (table.drop_duplicates("route").assign(end=lambda t: t["route"].map(ends))
             .sort_values(["mode", "end"], ascending=[False, True])["route"])
    table["route"] = pd.Categorical(table["route"], categories=list(order), ordered=True)
    return table.sort_values(["route", "step"]).reset_index(drop=True)


def _routes_chart(table: pd.DataFrame) -> go.Figure:
    """A row per route: its places at their straight-line distance from Pokrovsk."""
    fig = go.Figure()
    in_legend: set[str] = set()
    for route_name, stops in table.groupby("route", sort=True, observed=True):
        route = route_name.replace(" via ", "<br>via ")  # two short lines leave the chart more width
        for previous, stop in zip(stops.iloc[:-1].itertuples(), stops.iloc[1:].itertuples()):
            uncertain = stop.verification not in SUPPORTED
            key = "uncertain" if uncertain else stop.mode
            fig.add_scatter(
                x=[previous.distance_km, stop.distance_km], y=[route, route], mode="lines",
                line=dict(color=MODE_STYLE[stop.mode]["color"], width=4 if stop.mode == "road" else 2.5,
                          dash="dot" if uncertain else PLOTLY_DASH[stop.mode]),
                name=UNSUPPORTED_LINK if uncertain else MODE_NAMES[stop.mode],
                legendgroup=key, showlegend=key not in in_legend,
                hovertemplate=(f"{previous.place} to {stop.place}<br>{stop.designation}"
                               f"<br>Link {VERIFICATION[stop.verification].phrase}<extra></extra>"))
            in_legend.add(key)
        beyond = stops.iloc[1:]
        # The row label already names the towns on the way; only the end is written on the chart.
        fig.add_scatter(
            x=beyond["distance_km"], y=[route] * len(beyond), mode="markers+text", showlegend=False,
            text=[""] * (len(beyond) - 1) + [beyond["place"].iloc[-1]], textposition="middle right",
            textfont=dict(size=11), cliponaxis=False,
            marker=dict(color=PALETTE["blue"], size=8, line=dict(color="white", width=1)),
            customdata=beyond[["place", "direction"]],
            hovertemplate="%{customdata[0]}: %{x:.0f} km %{customdata[1]} of Pokrovsk<extra></extra>")
    fig.update_layout(
        xaxis_title="Straight-line distance from Pokrovsk (km)", yaxis_title=None,
        height=90 + 48 * table["route"].nunique(),
        yaxis=dict(autorange="reversed", showgrid=False, automargin=True),
        xaxis=dict(range=[0, table["distance_km"].max() * 1.25], showgrid=True, gridcolor="#e3e3e3"))
    return fig


def routes_figure(chapter: Chapter) -> render.BookFigure:
    """Where each road and railway out of Pokrovsk leads, place by place."""
    places = _metric_places(chapter)
    network = _network(chapter)
    table = _route_table(_routes_from_home(network, places["distance_km"]), places)
    reached = table[table["step"] > 0].drop_duplicates("place_id")
    furthest = reached.loc[reached["distance_km"].idxmax()]
    used = network[network["edge_id"].isin(table["edge_id"])]
    return render.BookFigure(
        name="why-routes",
        title=f"Roads and railways lead from Pokrovsk to {len(reached)} towns and cities, the furthest "
              f"{furthest['place']} at {furthest['distance_km']:.0f} km",
        alt=f"Chart with one row per road or railway route out of Pokrovsk ({table['route'].nunique()} in all), "
            f"placing each town on it at its straight-line distance from the city, up to {furthest['place']}.",
        caption="Each row follows one road or railway out of Pokrovsk, taking only links that lead further away; "
                "where a line forks, each branch gets a row. Distances are straight lines between places, not road "
                "or rail kilometres, and the links are schematic.",
        citations=chapter.cite(ids_in(used) + ids_in(places.loc[list(dict.fromkeys(table["place_id"]))])),
        data_date=chapter.as_of,
        data=table.assign(route=table["route"].astype(str)),
        chart=_routes_chart(table),
    )


def _place_labels(ax, fig, labels: list[tuple[float, float, str, bool]], taken: list) -> None:
    """Greedy placement: each label takes the first spot around its point that no earlier label
    (or anything already in ``taken``, as window extents) covers."""
    offsets = [((6, 4), "left", "bottom"), ((6, -4), "left", "top"), ((-6, 4), "right", "bottom"),
               ((-6, -4), "right", "top"), ((0, 9), "center", "bottom"), ((0, -9), "center", "top")]
    renderer = fig.canvas.get_renderer()
    for x, y, text, bold in labels:
        for (dx, dy), ha, va in offsets:
            label = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                                fontsize=12 if bold else 9, fontweight="bold" if bold else "normal", zorder=7,
                                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
            extent = label.get_window_extent(renderer)
            if not any(extent.overlaps(other) for other in taken) or (dx, dy) == offsets[-1][0]:
                taken.append(extent)  # the last spot is kept even if crowded: a name must not vanish
                break
            label.remove()


def _map_window(nodes: gpd.GeoDataFrame, distance_km: pd.Series,
                radius_km: float) -> tuple[float, float, float, float]:
    """The network's places within ``radius_km``, with a margin; farther places are named at the edge."""
    near = nodes[distance_km.loc[nodes.index] <= radius_km]
    west, south, east, north = near.total_bounds
    margin = 0.08 * max(east - west, north - south)
    return west - margin, south - margin, east + margin, north + margin


def _network_map(chapter: Chapter, places: gpd.GeoDataFrame, network: gpd.GeoDataFrame, radius_km: float,
                 ) -> tuple[Figure, maps.Basemap, pd.DataFrame]:
    """The schematic network around Pokrovsk: roads solid and vermillion, railways dashed and
    black, links no independent source supports dotted; places beyond the map's edge named where their line leaves it."""
    home = places.loc[HOME]
    lines = network.to_crs(maps.WEB_MERCATOR)
    nodes = places.loc[list(dict.fromkeys([*network["from_place"], *network["to_place"]]))].to_crs(maps.WEB_MERCATOR)
    west, south, east, north = _map_window(nodes, places["distance_km"], radius_km)
    frame = box(west, south, east, north)

    fig, ax = maps.new_map((11, 11 * (north - south) / (east - west) + 0.4))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    basemap = maps.add_basemap(ax, data.load_countries(chapter.data_dir), None, mode=chapter.params.basemap,
                               timeout_s=chapter.params.tile_timeout_s)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    maps.distance_rings(ax, (home["lat"], home["lon"]), radius_km, RING_STEP_KM)

    for _, edge in lines.iterrows():
        style = dict(MODE_STYLE[edge["mode"]])
        if edge["verification"] not in SUPPORTED:
            style["linestyle"] = UNCERTAIN_DASH
        ax.plot(*edge.geometry.xy, solid_capstyle="round", **style)

    inside = nodes[nodes.within(frame)]
    inside[inside.index != HOME].plot(ax=ax, color=PALETTE["blue"], markersize=30, zorder=5, edgecolor="white",
                                      linewidth=0.6)
    inside.loc[[HOME]].plot(ax=ax, color=PALETTE["orange"], marker="*", markersize=300, zorder=6,
                            edgecolor="black", linewidth=0.7)

    handles = [
        Line2D([], [], color=MODE_STYLE["road"]["color"], linewidth=3, linestyle="-", label="Road (schematic)"),
        Line2D([], [], color=MODE_STYLE["rail"]["color"], linewidth=1.5, linestyle=MODE_STYLE["rail"]["linestyle"],
               label="Railway (schematic)"),
        Line2D([], [], color=PALETTE["grey"], linewidth=2, linestyle=UNCERTAIN_DASH, label=UNSUPPORTED_LINK),
        Line2D([], [], color=PALETTE["orange"], marker="*", markersize=15, markeredgecolor="black", linestyle="none",
               label="Pokrovsk"),
        Line2D([], [], color=PALETTE["blue"], marker="o", markersize=7, markeredgecolor="white", linestyle="none",
               label="Town on the network"),
        Line2D([], [], color=PALETTE["grey"], linewidth=0.8, linestyle=":",
               label=f"Distance from Pokrovsk, every {RING_STEP_KM} km"),
    ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0), ncol=3, fontsize=9, frameon=False,
              title="Schematic: straight lines between places, not the real routes", title_fontsize=9)
    ax.set_axis_off()
    fig.tight_layout()  # before labels are placed: their collision test works in final pixels

    fixed_labels = []
    for designation, group in lines[lines["mode"] == "road"].groupby("designation"):
        visible = group.geometry.intersection(frame)
        point = visible[visible.length.idxmax()].interpolate(0.5, normalized=True)
        fixed_labels.append(ax.text(point.x, point.y, _short_designation(designation), fontsize=8,
                                    color=PALETTE["vermillion"], fontweight="bold", ha="center", va="center", zorder=6,
                                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=PALETTE["vermillion"], lw=0.6)))
    off_map = _off_map_destinations(lines, nodes, frame, places)
    for _, row in off_map.iterrows():
        left = row["x"] < (west + east) / 2
        name = f"{row['name_en']} ({row['distance_km']:.0f} km)"
        fixed_labels.append(ax.annotate(
            f"◀ {name}" if left else f"{name} ▶", (row["x"], row["y"]), xytext=(4 if left else -4, 0),
            textcoords="offset points", ha="left" if left else "right", va="center", fontsize=9, fontstyle="italic",
            zorder=7, bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="#4d4d4d", lw=0.6)))
    fig.canvas.draw()
    taken = [label.get_window_extent(fig.canvas.get_renderer()) for label in fixed_labels]
    labelled = inside.assign(distance=places.loc[inside.index, "distance_km"]).sort_values("distance")
    _place_labels(ax, fig, [(p.geometry.x, p.geometry.y, p["name_en"], p.name == HOME)
                            for _, p in labelled.iterrows()], taken)

    return fig, basemap, off_map


def _off_map_destinations(lines: gpd.GeoDataFrame, nodes: gpd.GeoDataFrame, frame,
                          places: gpd.GeoDataFrame) -> pd.DataFrame:
    """Places outside the frame, each at the point where (the mean of) its links cross the frame's edge."""
    outside = set(nodes.index[~nodes.within(frame)])
    crossings = []
    for _, edge in lines.iterrows():
        for end in {edge["from_place"], edge["to_place"]} & outside:
            crossing = LineString(edge.geometry.coords).intersection(frame.exterior)
            if not crossing.is_empty:
                point = crossing if crossing.geom_type == "Point" else crossing.geoms[0]
                crossings.append({"place_id": end, "x": point.x, "y": point.y})
    if not crossings:
        return pd.DataFrame(columns=["place_id", "x", "y", "name_en", "distance_km"])
    table = pd.DataFrame(crossings).groupby("place_id", as_index=False)[["x", "y"]].mean()
    return table.assign(name_en=places.loc[table["place_id"], "name_en"].to_numpy(),
                        distance_km=places.loc[table["place_id"], "distance_km"].to_numpy())


def network_map_figure(chapter: Chapter, radius_km: float = NETWORK_RADIUS_KM) -> render.BookFigure:
    """The roads and railways through Pokrovsk at a regional scale."""
    places = _metric_places(chapter)
    network = _network(chapter)
    fig, basemap, off_map = _network_map(chapter, places, network, radius_km)
    at_home = _lines_at_home(network)
    roads = at_home.loc[at_home["mode"] == "road", "designation"].nunique()
    rails = at_home.loc[at_home["mode"] == "rail", "designation"].nunique()
    neighbours = [row["to_place"] if row["from_place"] == HOME else row["from_place"] for _, row in at_home.iterrows()]
    directions = list(dict.fromkeys(places.loc[neighbours, "direction"]))
    routes = _route_table(_routes_from_home(network, places["distance_km"]), places)
    route_names = list(dict.fromkeys(routes["route"].astype(str)))
    nodes = places.loc[list(dict.fromkeys([*network["from_place"], *network["to_place"]]))]
    beyond = ", ".join(f"{row['name_en']} ({row['distance_km']:.0f} km)" for _, row in off_map.iterrows())
    onward = set(network["designation"]) - set(at_home["designation"])
    rings = _joined(str(km) for km in range(RING_STEP_KM, int(radius_km) + 1, RING_STEP_KM))
    return render.BookFigure(
        name="why-network-map",
        title=f"{roads} roads and {rails} railway lines leave Pokrovsk, heading {len(directions)} different ways",
        alt=f"Schematic map of the roads and railways within about {radius_km:g} km of Pokrovsk, with rings every "
            f"{RING_STEP_KM} km and the towns they lead to.",
        long_description=(
            f"Pokrovsk is the star in the middle; dotted rings mark {rings} km from it. Lines are drawn straight "
            f"from place to place (a schematic, not the real course of any road or track): roads as solid "
            f"vermillion lines with their numbers, railways as dashed black lines, and links no second, "
            f"independent source supports as dotted lines. Lines leave Pokrovsk towards the {_joined(directions)}. "
            f"Following them outward: " + "; ".join(route_names) + "."
            + (f" Off the edge of the map: {beyond}." if beyond else "")),
        caption="A schematic: each road or railway is drawn as straight segments between the towns it links, not "
                "along its real course. Dotted links are not corroborated by a second, independent source. "
                + (f"{_joined(sorted(_short_designation(d) for d in onward))} do not pass through Pokrovsk; they show "
                   f"where its lines lead on." if onward else ""),
        citations=chapter.cite(ids_in(network) + ids_in(nodes) + ["natural-earth"]),
        data_date=chapter.as_of,
        data=network[["edge_id", "from_place", "to_place", "mode", "designation", "leads_to", "schematic",
                      "verification", "verification_note", "source_ids", "geometry"]],
        image=fig,
        notes=[basemap.note],
    )


def lines_paragraph(chapter: Chapter) -> Markdown:
    """What runs through Pokrovsk, one line per road or railway, then the onward links."""
    network = _network(chapter)
    at_home = _lines_at_home(network)
    onward = network[~network["designation"].isin(at_home["designation"])]

    def describe(edges: pd.DataFrame) -> list[str]:
        lines = []
        for (mode, designation), group in edges.groupby(["mode", "designation"], sort=False):
            where_to = " ".join(md_text(text) for text in group["leads_to"])
            verification = "; ".join(dict.fromkeys(VERIFICATION[v].phrase for v in group["verification"]))
            lines.append(f"- **{md_text(designation)}** ({MODE_NAMES[mode].lower()}): {where_to} "
                         f"*({verification})* {chapter.cite_markdown(ids_in(group))}")
        return lines

    return Markdown("Lines that meet at Pokrovsk:\n\n" + "\n".join(describe(at_home))
                    + "\n\nLinks further out that these lines join:\n\n" + "\n".join(describe(onward)))


def routes_events_paragraph(chapter: Chapter) -> Markdown:
    """Since the full-scale invasion: what happened to the roads and trains, from the events data."""
    events = _events(chapter)
    invasion = _invasion_date(chapter)
    text = events["title"] + " " + events["description"]
    since_invasion = events["date_start"] >= invasion if invasion is not None else True
    chosen = events[text.str.contains(ROUTE_PATTERN) & since_invasion]
    if chosen.empty:
        return Markdown(f"The data record nothing about the roads and railways up to {human_date(chapter.as_of)}.")
    return Markdown(_event_lines(chapter, chosen))


# --- The gateway argument --------------------------------------------------------------------

def _distance_rows(chapter: Chapter, targets: tuple[str, ...]) -> pd.DataFrame:
    places = _metric_places(chapter)
    missing = [t for t in targets if t not in places.index]
    if missing:
        raise KeyError(f"no coordinates for {', '.join(missing)} in {chapter.data_dir / 'places.csv'}")
    return places.loc[list(targets)].sort_values("distance_km")


def distance_figure(chapter: Chapter, targets: tuple[str, ...] = DISTANCE_TARGETS,
                    gateways: tuple[str, ...] = GATEWAY_CITIES) -> render.BookFigure:
    """Straight-line distances from Pokrovsk, gateway cities highlighted by colour and pattern."""
    rows = _distance_rows(chapter, targets)
    is_gateway = rows["place_id"].isin(gateways)
    fig = go.Figure()
    gateway_names = _joined(rows.loc[is_gateway, "name_en"]) if is_gateway.any() else ""
    for highlighted, label, colour, pattern in ((True, gateway_names, PALETTE["orange"], "/"),
                                                (False, "Other cities", PALETTE["blue"], "")):
        group = rows[is_gateway == highlighted]
        if group.empty:
            continue
        fig.add_bar(
            y=group["name_en"], x=group["distance_km"], orientation="h", name=label,
            marker=dict(color=colour,
                        pattern=dict(shape=pattern, fillmode="overlay", fgcolor="white", solidity=0.25)),
            text=[f"{km:.0f} km {direction}" for km, direction in zip(group["distance_km"], group["direction"])],
            textposition="outside", cliponaxis=False,
            customdata=[[d, f"{p:,}" if pd.notna(p) else "not recorded", y if pd.notna(y) else ""]
                        for d, p, y in zip(group["direction"], group["population"], group["population_year"])],
            hovertemplate=("%{y}: %{x:.0f} km %{customdata[0]} of Pokrovsk in a straight line"
                           "<br>Population %{customdata[1]} (%{customdata[2]})<extra></extra>"))
    fig.update_layout(
        xaxis_title="Straight-line distance from Pokrovsk (km)", yaxis_title=None,
        yaxis=dict(categoryorder="array", categoryarray=list(rows["name_en"]), autorange="reversed",
                   automargin=True),
        xaxis=dict(range=[0, rows["distance_km"].max() * 1.2], showgrid=True, gridcolor="#e3e3e3"),
        height=420, bargap=0.35)
    named = rows[is_gateway]
    title = ("From Pokrovsk it is " + " and ".join(f"{r['distance_km']:.0f} km to {r['name_en']}"
                                                  for _, r in named.iterrows()) + " in a straight line")
    return render.BookFigure(
        name="why-distances",
        title=title,
        alt="Bar chart of straight-line distances from Pokrovsk: "
            + "; ".join(f"{r['name_en']} {r['distance_km']:.0f} km {r['direction']}" for _, r in rows.iterrows()) + ".",
        caption="Straight-line distances between city centres, computed from their coordinates; they are not road "
                "distances, which are longer.",
        citations=chapter.cite(ids_in(rows)),
        data_date=chapter.as_of,
        data=rows[["place_id", "name_en", "lat", "lon", "distance_km", "direction", "population", "population_year",
                   "source_ids"]].round({"distance_km": 1}).reset_index(drop=True),
        chart=fig,
    )


def gateway_paragraph(chapter: Chapter, gateways: tuple[str, ...] = GATEWAY_CITIES) -> Markdown:
    """The gateway cities in numbers, then what the events data say about them and the roads to them."""
    rows = _distance_rows(chapter, gateways)
    sentences = [f"{md_text(r['name_en'])} lies {r['distance_km']:.0f} km {r['direction']} of Pokrovsk in a straight "
                 f"line" + (f" and had {r['population']:,} people in {r['population_year']}"
                            if pd.notna(r["population"]) else "")
                 for _, r in rows.iterrows()]
    events = _events(chapter)
    names = "|".join(re.escape(name) for name in rows["name_en"])
    mentions = events[(events["title"] + " " + events["description"]).str.contains(names)]
    text = "; ".join(sentences) + f" {chapter.cite_markdown(ids_in(rows))}."
    if not mentions.empty:
        text += (f"\n\nWhat the data record about {md_text(_joined(rows['name_en']))}:\n\n"
                 + _event_lines(chapter, mentions))
    return Markdown(text)


# --- Coking coal -----------------------------------------------------------------------------

def coking_coal_paragraph(chapter: Chapter) -> Markdown:
    """The Pokrovske coking-coal mine, from its opening to the claims over it, as the events data record it."""
    events = _events(chapter)
    text = events["title"] + " " + events["description"]
    mine = events[text.str.contains(MINE_PATTERN) & (events["category"] != "history")]
    if mine.empty:
        return Markdown(f"The data record nothing about the mine up to {human_date(chapter.as_of)}.")
    return Markdown(_event_lines(chapter, mine))
