"""The front page's hero map (pokrovsk.maps) and its Markdown: the bottom line, the key-facts box
and the map, every word from ``words/<language>/front_page.yml``."""

from __future__ import annotations

import geopandas as gpd
import pyproj

from pokrovsk import boundaries, data, maps, render, words
from pokrovsk.chapter import Chapter, _role_text
from pokrovsk.chapters.front_page import facts
from pokrovsk.charts import PALETTE

HOLDER_ORDER = ("russia", "ukraine", None)
LINE_LABEL_AT = 0.8
"""Where along the line to the gateway its length is written: past the towns around the city."""


def _say(key: str, **fields) -> str:
    return words.say(f"{facts.CHAPTER}.{key}", **fields)


def _publisher_links(book: Chapter, source_ids) -> str:
    """Sources as links into the bibliography named by their publisher alone: short enough for
    a phone, where each sentence of the bottom line and each key fact cites one or two sources
    (the chapters give the full citations)."""
    publishers = data.load_sources(book.data_dir).set_index("source_id")["publisher"]
    return "; ".join(f"{{ref}}`{_role_text(publishers[source_id])} <source-{source_id}>`"
                     for source_id in dict.fromkeys(source_ids))


def bottom_line(record: facts.BottomLine, book: Chapter) -> str:
    return words.markdown(f"{facts.CHAPTER}.bottom_line", cite=lambda ids: _publisher_links(book, ids),
                          as_of=book.as_of, **vars(record))


def key_facts(record: facts.KeyFacts, book: Chapter) -> str:
    """The key facts as a box (a MyST admonition) with its title."""
    body = words.markdown(f"{facts.CHAPTER}.key_facts", cite=lambda ids: _publisher_links(book, ids),
                          as_of=book.as_of, **vars(record))
    title = _say("key_facts_title", as_of=book.as_of)
    return f"```{{admonition}} {title}\n:class: pk-key-facts\n{body}\n```\n"


def _legend(holder: str | None, measured: bool) -> str:
    if holder is None:
        return _say("map.unknown_legend")
    return _say(f"map.{holder}_legend", measured=measured)


def hero_map(record: facts.HeroMap, book: Chapter) -> render.BookFigure:
    """The city among its neighbours, each coloured by who held it, and the line to the gateway."""
    to_mercator = pyproj.Transformer.from_crs("EPSG:4326", maps.WEB_MERCATOR, always_xy=True)
    west, south = to_mercator.transform(record.frame[0], record.frame[1])
    east, north = to_mercator.transform(record.frame[2], record.frame[3])
    # Room under the map for its legend: three or four lines.
    fig, ax = maps.new_map(maps.phone_size((7, 7 * (north - south) / (east - west) + 1.6)))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    oblasts = boundaries.load_oblasts(download=book.params.basemap != "offline")
    basemap = maps.add_basemap(ax, data.load_countries(book.data_dir), oblasts.frame, book.params.basemap,
                               book.params.tile_timeout_s)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    if record.occupied is not None and not record.occupied.is_empty:
        maps.occupied_area(ax, record.occupied)
        ax.fill([], [], label=_say("map.occupied_legend"), **maps.OCCUPIED_FILL)
        # The store holds front lines only within this circle: its edge, where it crosses the map,
        # must not pass for a front.
        edge = gpd.GeoSeries([record.measured_area], crs="EPSG:4326").to_crs(maps.WEB_MERCATOR).boundary
        edge.plot(ax=ax, color=PALETTE["grey"], linewidth=1.2, linestyle=(0, (4, 2)), zorder=3,
                  label=_say("map.measured_edge_legend", radius_km=record.measured_radius_km,
                             place=record.places.set_index("place_id").loc[record.place_id, "name"]))
    points = record.places.set_index("place_id").to_crs(maps.WEB_MERCATOR).geometry
    start, end = points[record.place_id], points[record.gateway.place_id]
    ax.plot([start.x, end.x], [start.y, end.y], color=PALETTE["black"], linewidth=2, linestyle=(0, (1, 1.5)), zorder=4)
    ax.annotate(_say("map.gateway_line", km=record.gateway.km), (start.x + (end.x - start.x) * LINE_LABEL_AT, start.y + (end.y - start.y) * LINE_LABEL_AT),
                fontsize=maps.SMALLEST_MAP_TEXT_PT, fontweight="bold", ha="center", va="center", zorder=7,
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=PALETTE["black"], lw=1))
    maps.held_markers(ax, record.places, (record.place_id,), _legend)
    maps.scale_bar(ax, 20)
    ax.set_axis_off()
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0), ncol=1, frameon=False, fontsize=maps.SMALLEST_MAP_TEXT_PT)
    fig.tight_layout()
    shown = record.places.to_crs(maps.WEB_MERCATOR)
    shown = shown.assign(first=shown["place_id"].ne(record.place_id)).sort_values("first", kind="stable")
    maps.place_labels(ax, [(row["name"], row.geometry.x, row.geometry.y,
                            dict(fontsize=11 if row["place_id"] == record.place_id else maps.SMALLEST_MAP_TEXT_PT,
                                 fontweight="bold" if row["place_id"] == record.place_id else "normal", zorder=8,
                                 bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8)))
                           for _, row in shown.iterrows()])
    held = [(holder or "unknown", tuple(record.places.loc[record.places["holder"].isna() if holder is None
                                                          else record.places["holder"].eq(holder), "name"]))
            for holder in HOLDER_ORDER]
    holder = record.places.set_index("place_id")["holder"]
    fields = dict(place=record.places.set_index("place_id").loc[record.place_id, "name"], gateway=record.gateway,
                  place_holder=holder[record.place_id], gateway_holder=holder[record.gateway.place_id],
                  nearest_km=record.measurement.nearest_occupied_km if record.measurement else None,
                  held=held, measured_on=record.measurement.date if record.measurement else None,
                  occupied_drawn=record.occupied is not None, occupied_date=record.occupied_date,
                  measured_radius_km=record.measured_radius_km, as_of=book.as_of)
    return render.BookFigure(
        name="front-page-map",
        title=_say("map.title", **fields), alt=_say("map.alt", **fields),
        long_description=_say("map.long_description", **fields), caption=_say("map.caption", **fields),
        citations=book.cite([*record.layer_source_ids, "natural-earth", *([oblasts.source_id] if oblasts.source_id else []),
                             *record.source_ids]),
        data_date=book.as_of, data=record.places, image=fig, notes=[basemap.note, oblasts.message])


def layer_source_ids(record: facts.HeroMap, figure: render.BookFigure) -> tuple[str, ...]:
    """The sources the map is drawn from: the towns' gazetteers and the basemap's and boundaries'
    sources (every cited source that backs no single town or claim)."""
    return tuple(source_id for _, source_id in figure.citations
                 if source_id in record.layer_source_ids or source_id not in record.source_ids)
