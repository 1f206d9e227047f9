"""The drawing of chapter 2's network map (matplotlib, over :mod:`pokrovsk.maps`' basemap): the
schematic roads and railways around Pokrovsk, labels placed so they do not overlap, and the
places beyond the map's edge named where their line leaves it. ``figures.network_map`` makes
the book's figure of it; its legend's words come from ``words/en/why.yml``."""

from __future__ import annotations

import textwrap

import geopandas as gpd
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from shapely.geometry import LineString, box

from pokrovsk import data, maps, words
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.why.facts import HOME, Network
from pokrovsk.charts import PALETTE
from pokrovsk.vocabulary import SUPPORTED

MODE_STYLE = {"road": dict(color=PALETTE["vermillion"], linewidth=3.0, linestyle="-", zorder=3),
              "rail": dict(color=PALETTE["black"], linewidth=1.5, linestyle=(0, (5, 2)), zorder=4)}
UNCERTAIN_DASH = (0, (1, 1.5))
LABELLED_POPULATION = 20_000
"""Towns this large (pre-war) are named on the map; smaller ones are named in its long description."""
LEGEND_HEIGHT_IN = 2.0
"""Room under the map for its legend: six entries in one column and a two-line title."""
LEGEND_TITLE_CHARACTERS = 40
"""The legend's title is broken into lines this long, to stay within a phone-sized map."""


def short_designation(designation: str) -> str:
    """'M-30 / E50 (former M-04)' → 'M-30 / E50': the label drawn on the map."""
    return designation.split(" (")[0]


def _say(key: str, /, **fields) -> str:
    """The map's words: the entry ``network_map.key`` of ``words/en/why.yml``."""
    return words.say(f"why.network_map.{key}", **fields)


def _legend(ring_km: int) -> list[Line2D]:
    def say(key: str, **fields) -> str:
        return _say(f"legend.{key}", **fields)

    return [
        Line2D([], [], color=MODE_STYLE["road"]["color"], linewidth=3, linestyle="-", label=say("road")),
        Line2D([], [], color=MODE_STYLE["rail"]["color"], linewidth=1.5, linestyle=MODE_STYLE["rail"]["linestyle"],
               label=say("rail")),
        Line2D([], [], color=PALETTE["grey"], linewidth=2, linestyle=UNCERTAIN_DASH, label=say("uncertain")),
        Line2D([], [], color=PALETTE["orange"], marker="*", markersize=15, markeredgecolor="black", linestyle="none",
               label=say("home")),
        Line2D([], [], color=PALETTE["blue"], marker="o", markersize=7, markeredgecolor="white", linestyle="none",
               label=say("town")),
        Line2D([], [], color=PALETTE["grey"], linewidth=0.8, linestyle=":", label=say("rings", ring_km=ring_km)),
    ]


def draw(network: Network, book: Chapter, radius_km: float, ring_km: int
         ) -> tuple[Figure, maps.Basemap, pd.DataFrame, list[str]]:
    """The schematic network around Pokrovsk: roads solid and vermillion, railways dashed and
    black, links no independent source supports dotted. Returns the figure, its basemap and the
    places beyond the map's edge (``place_id``, ``name``, ``distance_km``, ``x``, ``y``, ``mode``) and
    the roads whose numbers found no room on it."""
    places = network.places
    home = places.loc[HOME]
    lines = network.edges.to_crs(maps.WEB_MERCATOR)
    nodes = network.nodes.to_crs(maps.WEB_MERCATOR)
    west, south, east, north = _map_window((home["lat"], home["lon"]), radius_km)
    frame = box(west, south, east, north)

    # Laid out at the size a phone shows it, with room below for the legend (one column).
    width, height = maps.phone_size((maps.MAP_WIDTH_IN, maps.MAP_WIDTH_IN * (north - south) / (east - west)))
    fig, ax = maps.new_map((width, height + LEGEND_HEIGHT_IN))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    basemap = maps.add_basemap(ax, data.load_countries(book.data_dir), None, mode=book.params.basemap,
                               timeout_s=book.params.tile_timeout_s)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    maps.distance_rings(ax, (home["lat"], home["lon"]), radius_km, ring_km)

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
    ax.legend(handles=_legend(ring_km), loc="upper center", bbox_to_anchor=(0.5, 0), ncol=1,
              fontsize=maps.SMALLEST_MAP_TEXT_PT, frameon=False,
              title="\n".join(textwrap.wrap(_say("legend_title"), LEGEND_TITLE_CHARACTERS)),
              title_fontsize=maps.SMALLEST_MAP_TEXT_PT)
    ax.set_axis_off()
    fig.tight_layout()  # before labels are placed: their collision test works in final pixels

    off_map = _off_map_destinations(lines, nodes, frame, places)
    # Only the roads' far ends are named on the map: railway ends crowd a phone-sized frame, and the
    # long description names every place beyond it.
    for _, row in off_map[off_map["mode"].eq("road")].iterrows():
        left = row["x"] < (west + east) / 2
        text = _say("off_map_" + ("left" if left else "right"), name=row["name"],
                         km=row["distance_km"])
        ax.annotate(text, (row["x"], row["y"]), xytext=(4 if left else -4, 0), textcoords="offset points",
                    ha="left" if left else "right", va="center", fontsize=maps.SMALLEST_MAP_TEXT_PT, fontstyle="italic",
                    zorder=7, bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="#4d4d4d", lw=0.6))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    # Everything written so far (the rings' distances, the places beyond the edge) and the star stay clear.
    taken = [_extent(label, renderer) for label in ax.texts] + [_point_extent(ax, inside.geometry[HOME], 12)]
    # On a phone-sized map only the larger towns can be named legibly; the long description names every one.
    named = places.loc[inside.index, "population"].fillna(0).ge(LABELLED_POPULATION) | (inside.index == HOME)
    labelled = inside[named].assign(distance=places.loc[inside.index[named], "distance_km"]).sort_values("distance")
    _place_labels(ax, fig, [(p.geometry.x, p.geometry.y, p["name"], p.name == HOME)
                            for _, p in labelled.iterrows()], taken)
    # Road numbers last: a town's name must not vanish, a number may (the caption lists every road).
    unnumbered = _road_labels(ax, lines[lines["mode"] == "road"], frame, taken)
    return fig, basemap, off_map, unnumbered


ROAD_LABEL_SPOTS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8)
"""Where along a road's visible stretches (longest first) its number may sit, tried in turn."""


def _extent(label, renderer):
    """A label's window extent with its white box, which covers more than its letters."""
    extent, box_patch = label.get_window_extent(renderer), label.get_bbox_patch()
    if box_patch is None:
        return extent
    return extent.padded(box_patch.get_boxstyle().pad * label.get_fontsize() * label.figure.dpi / 72)


def _inside(ax, extent) -> bool:
    """Whether a label's window extent lies within the map: one reaching past it widens the image,
    which then shrinks on a phone until labels that were apart overlap."""
    frame = ax.get_window_extent()
    return frame.x0 <= extent.x0 and extent.x1 <= frame.x1 and frame.y0 <= extent.y0 and extent.y1 <= frame.y1


def _point_extent(ax, point, radius_pt: float):
    """The window extent of a marker of ``radius_pt`` at ``point`` (web mercator)."""
    from matplotlib.transforms import Bbox

    x, y = ax.transData.transform((point.x, point.y))
    r = radius_pt * ax.figure.dpi / 72
    return Bbox([[x - r, y - r], [x + r, y + r]])


def _road_labels(ax, roads: gpd.GeoDataFrame, frame, taken: list) -> list[str]:
    """Each road's number on a stretch inside the frame, at the first spot along it (longest
    stretch first) that covers no label already placed. Returns the roads left without a number
    (near Pokrovsk a phone has too little room for all), for the caption to name."""
    renderer = ax.figure.canvas.get_renderer()
    unnumbered = []
    for designation, group in roads.groupby("designation"):
        stretches = sorted((piece for piece in group.geometry.intersection(frame) if not piece.is_empty),
                           key=lambda piece: -piece.length)
        for point in (stretch.interpolate(share, normalized=True) for stretch in stretches for share in ROAD_LABEL_SPOTS):
            label = ax.text(point.x, point.y, short_designation(designation), fontsize=maps.SMALLEST_MAP_TEXT_PT,
                            color=PALETTE["vermillion"], fontweight="bold", ha="center", va="center", zorder=6,
                            bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=PALETTE["vermillion"], lw=0.6))
            extent = _extent(label, renderer)
            if not any(extent.overlaps(other) for other in taken) and _inside(ax, extent):
                taken.append(extent)
                break
            label.remove()
        else:
            unnumbered.append(short_designation(designation))
    return unnumbered


def _place_labels(ax, fig, labels: list[tuple[float, float, str, bool]], taken: list) -> None:
    """Greedy placement: each label takes the first spot around its point that no earlier label
    (or anything already in ``taken``, as window extents) covers."""
    offsets = [((6, 4), "left", "bottom"), ((6, -4), "left", "top"), ((-6, 4), "right", "bottom"),
               ((-6, -4), "right", "top"), ((0, 9), "center", "bottom"), ((0, -9), "center", "top")]
    renderer = fig.canvas.get_renderer()
    for x, y, text, bold in labels:
        for (dx, dy), ha, va in offsets:
            label = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va,
                                fontsize=12 if bold else maps.SMALLEST_MAP_TEXT_PT, fontweight="bold" if bold else "normal", zorder=7,
                                bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
            extent = _extent(label, renderer)
            free = not any(extent.overlaps(other) for other in taken) and _inside(ax, extent)
            if free or (dx, dy) == offsets[-1][0]:
                taken.append(extent)  # the last spot is kept even if crowded: a name must not vanish
                break
            label.remove()


def _map_window(centre: tuple[float, float], radius_km: float) -> tuple[float, float, float, float]:
    """A square ``radius_km`` either side of ``centre`` (web-mercator bounds): the routes that
    matter near Pokrovsk at a scale a phone can label; farther places are named at the edge."""
    return tuple(maps.area_of_interest(centre, radius_km).to_crs(maps.WEB_MERCATOR).total_bounds)


def _off_map_destinations(lines: gpd.GeoDataFrame, nodes: gpd.GeoDataFrame, frame,
                          places: gpd.GeoDataFrame) -> pd.DataFrame:
    """Places outside the frame, each at the point where (the mean of) its links cross the frame's
    edge, with the mode of the link (``road`` where any road leads there)."""
    outside = set(nodes.index[~nodes.within(frame)])
    crossings = []
    for _, edge in lines.iterrows():
        for end in {edge["from_place"], edge["to_place"]} & outside:
            crossing = LineString(edge.geometry.coords).intersection(frame.exterior)
            if not crossing.is_empty:
                point = crossing if crossing.geom_type == "Point" else crossing.geoms[0]
                crossings.append({"place_id": end, "x": point.x, "y": point.y, "mode": edge["mode"]})
    if not crossings:
        return pd.DataFrame(columns=["place_id", "x", "y", "mode", "name", "distance_km"])
    # A place reached by road and by rail counts as a road's end: the road is what the map labels.
    table = (pd.DataFrame(crossings).sort_values("mode", key=lambda m: m.ne("road"), kind="stable")
             .groupby("place_id", as_index=False).agg(x=("x", "mean"), y=("y", "mean"), mode=("mode", "first")))
    return table.assign(name=places.loc[table["place_id"], "name"].to_numpy(),
                        distance_km=places.loc[table["place_id"], "distance_km"].to_numpy())
