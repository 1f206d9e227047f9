"""Chapter 4's figures: records from ``facts`` → book figures (plotly charts in the house template,
maps over the book's basemap). Every title, alt text, caption, legend and hover label comes from
``words/<language>/what_next.yml``; a figure whose data did not exist yet at as_of is a sentence."""

from __future__ import annotations

import textwrap

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pokrovsk import boundaries, data, datapages, maps, render, words
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.what_next import facts
from pokrovsk.charts import DATE_TICKS, PALETTE, number_key_moments

FRAME_MARGIN_KM = 4.0
"""Room between the outermost marker and the pocket map's edge, for its label."""
LEGEND_CHARACTERS = 34
"""A map's legend entries are broken into lines this long, so the legend is no wider than a phone-sized map."""
ROW_LABEL_CHARACTERS = 12
"""A timeline row's label is broken into lines this long, so it fits beside the chart."""
VERIFICATION_STYLE = {
    # verification: (colour, plotly symbol, matplotlib marker)
    "established": (PALETTE["blue"], "circle", "o"),
    "corroborated": (PALETTE["green"], "square", "s"),
    "claimed": (PALETTE["orange"], "diamond", "D"),
    "disputed": (PALETTE["vermillion"], "x", "X"),
}
LINK_STYLE = {
    "road": dict(color=PALETTE["grey"], linewidth=1.8, linestyle="-"),
    "rail": dict(color=PALETTE["black"], linewidth=1.4, linestyle=(0, (4, 2))),
}
MEASURE_COLOURS = {"next_city": PALETTE["sky"], "scale": PALETTE["purple"]}
MEASURE_LABEL_KM = (16, 26, 44)
"""How far from the origin the lengths of the city lines are written, shortest line first: the
lines to Kramatorsk and Sloviansk nearly coincide, so their labels must sit at different distances."""
SCALE_LABEL_AT = 0.65
"""Where along the scale line (to Avdiivka) its length is written: clear of the towns it passes."""


def _say(key: str, **fields) -> str:
    return words.say(f"{facts.CHAPTER}.{key}", **fields)


def edition(book: Chapter) -> Markdown:
    """The chapter opens with the date it describes and where the reporting runs out."""
    return Markdown(datapages.edition_note(book.data_dir, book.as_of))


# --- Maps ----------------------------------------------------------------------------------------

def _holder_legend(holder: str | None, measured: bool) -> str:
    return _say(f"map.{holder or 'unknown'}_legend", measured=measured)


def _label_places(ax: Axes, places: gpd.GeoDataFrame, emphasised: tuple[str, ...], labelled=None) -> None:
    """Names beside the places (all, or the ids in ``labelled``), each where it covers no other."""
    shown = places.to_crs(maps.WEB_MERCATOR)
    if labelled is not None:
        shown = shown[shown["place_id"].isin(labelled)]
    shown = shown.assign(first=~shown["place_id"].isin(emphasised)).sort_values("first", kind="stable")
    labels = []
    for _, row in shown.iterrows():
        big = row["place_id"] in emphasised
        labels.append((row["name"], row.geometry.x, row.geometry.y,
                       dict(fontsize=11 if big else maps.SMALLEST_MAP_TEXT_PT, fontweight="bold" if big else "normal",
                            zorder=7, bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))))
    maps.place_labels(ax, labels)


def _measured_gap(ax: Axes, pocket: facts.PocketMap) -> None:
    """The front where the build has a store; else, while the city's centre was outside the occupied
    area, a ring at the measured distance to the nearest occupied ground (where that ground lies on
    the ring is not measured: the ring says how far, not where)."""
    if pocket.occupied is not None:
        maps.occupied_area(ax, pocket.occupied)
        ax.fill([], [], label=_say("map.occupied_legend", date=pocket.occupied_date), **maps.OCCUPIED_FILL)
        return
    measured = pocket.measurement
    if measured is None or measured.nearest_occupied_km <= 0:
        return
    ring = maps.area_of_interest(measured.centre, measured.nearest_occupied_km).to_crs(maps.WEB_MERCATOR)
    ring.boundary.plot(ax=ax, color=PALETTE["vermillion"], linewidth=1.6, linestyle=(0, (5, 3)), zorder=4,
                       label=_say("map.gap_legend", km=measured.nearest_occupied_km, date=measured.date))


def _plot_network(ax: Axes, links: gpd.GeoDataFrame, highlight: str | None = None, highlight_label: str = "") -> None:
    links = links.to_crs(maps.WEB_MERCATOR)
    highlighted = links["designation"].eq(highlight) if highlight else pd.Series(False, index=links.index)
    for mode, style in LINK_STYLE.items():
        subset = links[links["mode"].eq(mode) & ~highlighted]
        if not subset.empty:  # rail above the highlighted road: the line north shares its course
            subset.plot(ax=ax, zorder=4.5 if mode == "rail" else 3, label=_say("map.link_legend", mode=mode), **style)
    if highlighted.any():
        links[highlighted].plot(ax=ax, zorder=4, color=PALETTE["blue"], linewidth=4.5, label=highlight_label)


def _held(places: gpd.GeoDataFrame) -> list[tuple[str, tuple[str, ...]]]:
    """(holder code or 'unknown', the names of the places it held), for the long descriptions."""
    holder = places["holder"].where(places["holder"].notna(), "unknown")
    return [(side, tuple(places.loc[holder.eq(side), "name"])) for side in ("russia", "ukraine", "unknown")]


def _towns_held(layers: facts.MapLayers) -> list[tuple[str, str]]:
    """(name, measured date by which it was Russian-held) for each emphasised town that was."""
    towns = layers.places.set_index("place_id").loc[list(layers.emphasised)]
    taken = towns[towns["holder"].eq("russia") & towns["held_since"].notna()]
    return list(zip(taken["name"], taken["held_since"]))


def _map_axes(window, book: Chapter, size: tuple[float, float]) -> tuple[Figure, Axes, list[str], list[str]]:
    """A figure framed on ``window`` (web-mercator bounds) with the book's basemap under it; also
    the notes saying which basemap that was, and the source ids of what it drew."""
    oblasts = boundaries.load_oblasts(download=book.params.basemap != "offline")
    fig, ax = maps.new_map(maps.phone_size(size))
    ax.set_xlim(window[0], window[2])
    ax.set_ylim(window[1], window[3])
    basemap = maps.add_basemap(ax, data.load_countries(book.data_dir), oblasts.frame,
                               mode=book.params.basemap, timeout_s=book.params.tile_timeout_s)
    ax.set_xlim(window[0], window[2])
    ax.set_ylim(window[1], window[3])
    drawn_from = ["natural-earth", *([oblasts.source_id] if oblasts.source_id else [])]
    return fig, ax, [basemap.note, oblasts.message], drawn_from


def _map_figure(name: str, words_key: str, fields: dict, layers: facts.MapLayers, drawn: tuple, book: Chapter,
                extra_source_ids=()) -> render.BookFigure:
    """A map's figure: its places and legend drawn over what is already on it, its words, and
    the sources of everything it shows."""
    fig, ax, notes, basemap_ids, scale_km, labelled = drawn
    maps.held_markers(ax, layers.places, layers.emphasised, _holder_legend)
    maps.scale_bar(ax, scale_km)
    ax.set_axis_off()
    # The legend below the map, where it covers no place; labels last, around everything drawn.
    handles, entries = ax.get_legend_handles_labels()
    ax.legend(handles, ["\n".join(textwrap.wrap(entry, LEGEND_CHARACTERS)) for entry in entries], loc="upper center",
              bbox_to_anchor=(0.5, 0), ncol=1, frameon=False, fontsize=maps.SMALLEST_MAP_TEXT_PT)
    fig.tight_layout()
    _label_places(ax, layers.places, layers.emphasised, labelled)
    fields = fields | dict(others=layers.others, as_of=book.as_of,
                           link_text=_say("map.links", links=layers.link_list))
    return render.BookFigure(
        name=name, title=_say(f"{words_key}.title", **fields), alt=_say(f"{words_key}.alt", **fields),
        long_description=_say(f"{words_key}.long_description", **fields),
        caption=_say(f"{words_key}.caption", **fields),
        citations=book.cite([*layers.source_ids, *extra_source_ids, *basemap_ids]),
        data_date=book.as_of, data=layers.places, image=fig, notes=notes)


def pocket_map(pocket: facts.PocketMap, book: Chapter) -> render.BookFigure:
    """The pocket around the two towns: roads, railways, the road north, who held each place and
    the measured front (the occupied area from a store, else the distance to it)."""
    corridor = pocket.corridor
    fields = dict(towns=pocket.towns, road=corridor.road, via=corridor.stops[1], widths=corridor.widths,
                  link_count=pocket.layers.links["designation"].nunique(), radius_km=pocket.radius_km,
                  held=_held(pocket.layers.places), measurement=pocket.measurement,
                  towns_held=_towns_held(pocket.layers),
                  occupied_drawn=pocket.occupied is not None, occupied_date=pocket.occupied_date)
    frame = maps.area_of_interest(pocket.centre, pocket.radius_km + FRAME_MARGIN_KM)
    fig, ax, notes, basemap_ids = _map_axes(frame.to_crs(maps.WEB_MERCATOR).total_bounds, book, (8, 11))
    _plot_network(ax, pocket.layers.links, corridor.road, _say("pocket.road_legend", **fields))
    _measured_gap(ax, pocket)
    return _map_figure("what-next-encirclement-map", "pocket", fields, pocket.layers,
                       (fig, ax, notes, basemap_ids, 10, None), book,
                       [i for width in corridor.widths for i in width.source_ids])


def onward_map(onward: facts.OnwardMap, book: Chapter) -> render.BookFigure:
    """The cities beyond Pokrovsk on the ground: straight measuring lines over the road network."""
    measured = onward.distances
    fields = dict(origin=onward.origin, cities=measured.cities, scale=measured.scale,
                  farthest=measured.cities[-1], north_south_km=onward.north_south_km,
                  held=_held(onward.layers.places))
    window = gpd.GeoSeries([onward.frame], crs="EPSG:4326").to_crs(maps.WEB_MERCATOR).total_bounds
    fig, ax, notes, basemap_ids = _map_axes(window, book, (7.5, 12.5))
    _plot_network(ax, onward.layers.links)
    points = onward.layers.places.set_index("place_id").to_crs(maps.WEB_MERCATOR).geometry
    start = points[facts.ORIGIN]
    shares = [min(0.8, km / line.km) for km, line in zip(MEASURE_LABEL_KM, measured.cities)] + [SCALE_LABEL_AT]
    for line, share in zip((*measured.cities, measured.scale), shares):
        end, colour = points[line.place_id], MEASURE_COLOURS[line.role]
        ax.plot([start.x, end.x], [start.y, end.y], color=colour, linewidth=2.5, linestyle=(0, (1, 1.5)), zorder=4)
        at = (start.x + (end.x - start.x) * share, start.y + (end.y - start.y) * share)
        ax.annotate(words.amount(round(line.km), "km"), at, fontsize=maps.SMALLEST_MAP_TEXT_PT, fontweight="bold", ha="center",
                    va="center", zorder=6, color="#1a1a1a", bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=colour, lw=1.2))
    for role, colour in MEASURE_COLOURS.items():
        ax.plot([], [], color=colour, linewidth=2.5, linestyle=(0, (1, 1.5)),
                label=_say(f"onward_map.{role}_legend", **fields))
    return _map_figure("what-next-onward-map", "onward_map", fields, onward.layers,
                       (fig, ax, notes, basemap_ids, 20, (facts.ORIGIN, *measured.table["to_place"])), book)


# --- Charts --------------------------------------------------------------------------------------

def _chart_figure(name: str, words_key: str, fields: dict, book: Chapter, source_ids, table: pd.DataFrame,
                  chart: go.Figure, data_date=None) -> render.BookFigure:
    """A chart's figure: its words from the catalog entry ``words_key``, its sources and data."""
    return render.BookFigure(
        name=name, title=_say(f"{words_key}.title", **fields), alt=_say(f"{words_key}.alt", **fields),
        caption=_say(f"{words_key}.caption", **fields), citations=book.cite(source_ids),
        data_date=data_date or book.as_of, data=table, chart=chart)


def _row_label(side: str) -> str:
    return "<br>".join(textwrap.wrap(words.label("claimant_long", side), ROW_LABEL_CHARACTERS))


def _hover(row: pd.Series) -> str:
    return _say("timeline.hover", title=row["title"], date=row["date"], precise=row["date_precision"] == "day",
                place=row["place_name"], claimant=row["claimant"], verification=row["verification"],
                description=row["description"])


def _date_range(statements: pd.DataFrame, as_of) -> list[pd.Timestamp]:
    """The statements' span with a fortnight either side, so no marker sits on the frame; never
    past as_of, so the axis shows no day the edition cannot know."""
    margin = pd.Timedelta(days=15)
    return [statements["date_start"].min() - margin, min(statements["date_end"].max() + margin, pd.Timestamp(as_of))]


def _claims_chart(timeline: facts.ClaimsTimeline, as_of) -> go.Figure:
    """Who said what when: one row per side, verification by colour and marker shape; the key
    moments numbered, in date order, as in the list under the chart."""
    statements = timeline.statements
    rows = statements["claimant"].map(_row_label)
    fig = go.Figure()
    imprecise = statements["date_precision"] != "day"
    if imprecise.any():
        xs, ys = [], []
        for (_, row), label in zip(statements[imprecise].iterrows(), rows[imprecise]):
            xs += [row["date_start"], row["date_end"], None]
            ys += [label, label, None]
        fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color=PALETTE["grey"], width=3),
                        name=_say("timeline.month_legend"), hoverinfo="skip")
    for verification, (colour, symbol, _) in VERIFICATION_STYLE.items():
        chosen = statements["verification"] == verification
        if chosen.any():
            group = statements[chosen]
            fig.add_scatter(
                x=facts.midpoint(group), y=rows[chosen].tolist(), mode="markers",
                name=words.label("verification", verification),
                marker=dict(color=colour, symbol=symbol, size=14, line=dict(color="white", width=1)),
                hovertext=[_hover(row) for _, row in group.iterrows()], hovertemplate="%{hovertext}<extra></extra>")
    keys = statements.set_index("event_id", drop=False).loc[list(timeline.key_moments)]
    number_key_moments(fig, facts.midpoint(keys), keys["claimant"].map(_row_label))
    claim = timeline.latest_claim
    if claim is not None:
        x = facts.midpoint(statements.set_index("event_id").loc[claim.event_id])
        fig.add_shape(type="line", x0=x, x1=x, yref="paper", y0=0, y1=1,
                      line=dict(color=PALETTE["vermillion"], dash="dot", width=1.5))
        # A short label on the side of the line with more room: the claim itself is in the title.
        start, end = _date_range(statements, as_of)
        later_half = pd.Timestamp(x) > start + (end - start) / 2
        fig.add_annotation(x=x, yref="paper", y=0, yanchor="bottom", text=_say("timeline.marked_claim"),
                           showarrow=False, xanchor="right" if later_half else "left", font=dict(size=12),
                           xshift=-4 if later_half else 4)
    order = [_row_label(side) for side in facts.SIDES]
    fig.update_layout(
        xaxis=dict(DATE_TICKS, title=None, range=_date_range(statements, as_of)),
        yaxis=dict(title=None, categoryorder="array", categoryarray=order[::-1], range=[-0.6, len(order) - 0.4],
                   automargin=True),
        hoverlabel=dict(align="left"), height=420, margin=dict(t=60),
    )
    return fig


def claims_timeline(timeline: facts.ClaimsTimeline, book: Chapter) -> render.BookFigure | Markdown:
    """The timeline of claims and statements about the pocket, or a sentence while there is none."""
    fields = {field: getattr(timeline, field) for field in
              ("origin", "towns", "places", "counts", "towns_claimed", "latest_claim", "answers", "latest_answer")}
    fields |= dict(statement_count=len(timeline.statements), verifications=list(VERIFICATION_STYLE), as_of=book.as_of)
    if timeline.statements.empty:
        return book.write(f"{facts.CHAPTER}.timeline.not_yet", **fields)
    columns = ["event_id", "date", "date_precision", "place_id", "claimant", "verification", "verification_note",
               "title", "description", "source_ids"]
    return _chart_figure("what-next-claims-timeline", "timeline", fields, book, timeline.source_ids,
                         timeline.statements[columns], _claims_chart(timeline, book.as_of),
                         data_date=timeline.statements["date"].iloc[-1])


def claims_key_moments(timeline: facts.ClaimsTimeline, book: Chapter) -> Markdown:
    """The numbered key moments of the claims timeline, with every statement one fold away."""
    statements = timeline.statements.set_index("event_id", drop=False)
    return book.write(f"{facts.CHAPTER}.key_moments", chosen=[statements.loc[i] for i in timeline.key_moments],
                      every=[row for _, row in timeline.statements.iterrows()])


def _distances_chart(measured: facts.Distances) -> go.Figure:
    rows = sorted((*measured.cities, measured.scale))
    fig = go.Figure(go.Bar(
        x=[row.km for row in rows], orientation="h",
        y=[_say(f"distances.{row.role}_bar", origin=measured.origin, name=row.name) for row in rows],
        marker=dict(color=[PALETTE["blue"] if row.role == "next_city" else PALETTE["grey"] for row in rows]),
        marker_pattern_shape=["" if row.role == "next_city" else "/" for row in rows],
        text=[words.amount(round(row.km), "km") for row in rows], textposition="outside", cliponaxis=False,
        hovertemplate=_say("distances.hover"),
    ))
    fig.update_layout(xaxis=dict(title=_say("distances.axis"), range=[0, max(row.km for row in rows) * 1.3]),
                      yaxis=dict(title=None, automargin=True), showlegend=False, height=340)
    return fig


def distances(measured: facts.Distances, book: Chapter) -> render.BookFigure:
    """Straight-line distances to the cities beyond, beside the ground already covered."""
    fields = dict(origin=measured.origin, cities=measured.cities, scale=measured.scale,
                  withdrawal=measured.withdrawal)
    return _chart_figure("what-next-distances", "distances", fields, book, measured.source_ids, measured.table,
                         _distances_chart(measured))
