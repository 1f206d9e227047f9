"""Static maps: geopandas layers over a contextily web-tile basemap, or over local vector data
when tiles cannot (or should not) be fetched. The map always says which basemap it used.
"""

from __future__ import annotations

import dataclasses
import itertools

import geopandas as gpd
import pandas as pd
import pyproj
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox
from shapely.geometry import box
from shapely.geometry import Point

from pokrovsk import paths, words
from pokrovsk.buildnotes import tell_the_builder
from pokrovsk.charts import PALETTE
from pokrovsk.render import PHONE_COLUMN_CSS_PX, SMALLEST_TEXT_CSS_PX

WEB_MERCATOR = "EPSG:3857"
METRIC_CRS = "EPSG:32637"  # UTM 37N: distances and areas around Pokrovsk
LAND = "#f2efe9"
WATER = "#d7e6f2"
UKRAINE = "#fbfaf7"
OCCUPIED_HATCH = "////"


@dataclasses.dataclass(frozen=True)
class Basemap:
    """What was drawn under the data, for the caption."""

    name: str
    attribution: str
    fallback_reason: str | None = None

    @property
    def note(self) -> str:
        """What lies under the map and whose it is; why web tiles were not used goes to the build's report."""
        return words.say("figures.basemap.credit", name=self.name, attribution=self.attribution)


def osm_provider():
    import xyzservices.providers as xyz

    return xyz.OpenStreetMap.Mapnik


class _DrawOnSaveCanvas(FigureCanvasAgg):
    """geopandas asks for a redraw after every layer it adds; a map is drawn once, when saved."""

    def draw_idle(self, *args, **kwargs) -> None:
        pass


SMALLEST_MAP_TEXT_PT = 9
MAP_WIDTH_IN = SMALLEST_MAP_TEXT_PT * PHONE_COLUMN_CSS_PX / (SMALLEST_TEXT_CSS_PX * 72)
"""The widest map whose 9 pt text still shows at 11 CSS px when the image fills a phone's column
(about 4 in); it is saved at pokrovsk.render.MAP_WIDTH_PX, sharp when opened at full size."""
LABEL_OFFSETS = [(5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"),
                 (-5, -4, "right", "top"), (0, 6, "center", "bottom"), (0, -6, "center", "top"),
                 (6, 0, "left", "center"), (-6, 0, "right", "center")]
"""Where a place's label may sit, in points from its marker: the first that overlaps no other label
wins, the corners before the sides."""


def new_map(size: tuple[float, float]):
    """A figure and its axes outside pyplot, so no global registry keeps or shows it. A map laid
    out wider than MAP_WIDTH_IN (see phone_size) is shrunk when saved (pokrovsk.render), text
    and all, and its labels then take more of it than they did when placed."""
    fig = Figure(figsize=size)
    _DrawOnSaveCanvas(fig)
    return fig, fig.add_subplot()


def phone_size(size: tuple[float, float]) -> tuple[float, float]:
    """``size`` in inches, scaled down to MAP_WIDTH_IN wide if wider: a map laid out at this size
    keeps its labels where they were placed, legible on a phone."""
    scale = min(1.0, MAP_WIDTH_IN / size[0])
    return size[0] * scale, size[1] * scale


def place_labels(ax, labels: list[tuple[str, float, float, dict]]) -> None:
    """Label points ``(text, x, y, text style)`` in order, each beside its point where it stays on
    the map and covers no label placed before it and no other point (else where it covers
    least): on a phone-sized map, near neighbours would otherwise hide each other."""
    renderer = ax.figure.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)  # a label outside the map would widen the image
    marker = 3 * ax.figure.dpi / 72  # a marker's half-width, in display pixels
    points = [Bbox.from_extents(px - marker, py - marker, px + marker, py + marker)
              for px, py in (ax.transData.transform((x, y)) for _, x, y, _ in labels)]
    placed: list[Bbox] = []
    for text, x, y, style in labels:
        candidates = []
        # A long name may break before its qualifier, "Shevchenko\n(Pokrovsk hromada)", to stay on the map.
        for wording, (dx, dy, ha, va) in itertools.product(dict.fromkeys([text, text.replace(" (", "\n(")]),
                                                           LABEL_OFFSETS):
            label = ax.annotate(wording, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **style)
            box_ = label.get_window_extent(renderer)
            inside = frame.x0 <= box_.x0 and box_.x1 <= frame.x1 and frame.y0 <= box_.y0 and box_.y1 <= frame.y1
            # Text over text leaves neither readable, so it costs more than text over a point.
            # A label off the map widens the image and so shrinks the whole map: worse than any
            # overlap. Among equals, the first position wins.
            overlaps = 2 * sum(box_.overlaps(other) for other in placed) + sum(box_.overlaps(p) for p in points)
            penalty = overlaps + (0 if inside else 2 * len(placed) + len(points) + 1)
            candidates.append((penalty, wording, (dx, dy, ha, va), box_))
            label.remove()
        _, wording, (dx, dy, ha, va), box_ = min(candidates, key=lambda candidate: candidate[0])
        ax.annotate(wording, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va, **style)
        placed.append(box_)


def area_of_interest(centre: tuple[float, float], radius_km: float) -> gpd.GeoSeries:
    """A circle of ``radius_km`` around ``centre`` (lat, lon), drawn in metres, returned in WGS84."""
    lat, lon = centre
    point = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326").to_crs(METRIC_CRS)
    return point.buffer(radius_km * 1000, quad_segs=64).to_crs("EPSG:4326")


def _offline_basemap(ax, countries: gpd.GeoDataFrame, oblasts: gpd.GeoDataFrame | None) -> list[str]:
    """Country outlines (and oblast lines when available) in web-mercator. Returns what it drew."""
    ax.set_facecolor(WATER)
    land = countries.to_crs(WEB_MERCATOR)
    occupied = land["status"].eq("occupied_since_2014")
    ukraine = land["name"].eq("Ukraine")
    land[~ukraine & ~occupied].plot(ax=ax, color=LAND, edgecolor="#9a948a", linewidth=0.6, zorder=0)
    land[ukraine].plot(ax=ax, color=UKRAINE, edgecolor="#4d4d4d", linewidth=1.2, zorder=0)
    land[occupied].plot(ax=ax, color=UKRAINE, edgecolor="#4d4d4d", linewidth=0.6, hatch=OCCUPIED_HATCH, zorder=0)
    drawn = [words.say("figures.basemap.countries")]
    if oblasts is not None:
        oblasts.to_crs(WEB_MERCATOR).boundary.plot(ax=ax, color="#8c8c8c", linewidth=0.5, linestyle="--", zorder=0)
        drawn.append(words.say("figures.basemap.oblasts"))
    return drawn


def add_basemap(ax, countries: gpd.GeoDataFrame, oblasts: gpd.GeoDataFrame | None = None,
                mode: str = "offline", timeout_s: float = 8.0, provider=None, zoom="auto") -> Basemap:
    """Web tiles through contextily when ``mode`` asks for them, else (or on any failure) local
    vector data. The axes must already be in web-mercator with their final extent."""
    if mode != "offline":
        import contextily

        provider = provider or osm_provider()
        tiles = paths.cache_dir("tiles")
        tiles.mkdir(parents=True, exist_ok=True)
        contextily.set_cache_dir(str(tiles))
        try:
            contextily.add_basemap(ax, source=provider, zoom=zoom, timeout=timeout_s,
                                   attribution=False, reset_extent=True)
            return Basemap(name=words.say("figures.basemap.tiles", provider=provider.name),
                           attribution=provider.get("attribution", words.say("figures.basemap.tile_provider")))
        except Exception as error:  # network down, slow, HTTP error or a broken image: all mean "fall back"
            reason = f"{type(error).__name__}: {str(error).splitlines()[0][:160] if str(error) else 'no detail'}"
            tell_the_builder(f"Map drawn over the offline basemap: {provider.name} tiles could not be fetched ({reason})")
            drawn = _offline_basemap(ax, countries, oblasts)
            return Basemap(name=words.say("figures.basemap.offline"), attribution="; ".join(drawn), fallback_reason=reason)
    drawn = _offline_basemap(ax, countries, oblasts)
    return Basemap(name=words.say("figures.basemap.offline"), attribution="; ".join(drawn))


def scale_bar(ax, length_km: float) -> None:
    """A plain scale bar in the lower left, true at the map's centre latitude."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    centre_lat = pyproj.Transformer.from_crs(WEB_MERCATOR, "EPSG:4326", always_xy=True).transform((x0 + x1) / 2, (y0 + y1) / 2)[1]
    import math

    metres_per_unit = math.cos(math.radians(centre_lat))
    length = length_km * 1000 / metres_per_unit
    x, y = x0 + 0.05 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([x, x + length], [y, y], color="black", linewidth=3, solid_capstyle="butt", zorder=6)
    ax.text(x + length / 2, y + 0.015 * (y1 - y0), words.amount(length_km, "km"), ha="center", va="bottom",
            fontsize=SMALLEST_MAP_TEXT_PT, zorder=6)


def distance_rings(ax, centre: tuple[float, float], radius_km: float, step_km: float | None = None) -> None:
    """Rings every ``step_km`` (default 5 km, 10 km on wider maps) around the centre, each labelled
    at its highest point inside the axes so labels stay on the map whatever its frame."""
    step = step_km or (5 if radius_km <= 25 else 10)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    frame = box(x0, y0, x1, y1)
    for km in range(int(step), int(radius_km) + 1, int(step)):
        ring = area_of_interest(centre, km).to_crs(WEB_MERCATOR).boundary.iloc[0]
        ax.plot(*ring.coords.xy, color="#7a7a7a", linewidth=0.7, linestyle=":", zorder=1)
        visible = ring.intersection(frame)
        if visible.is_empty:
            continue
        points = [p for part in getattr(visible, "geoms", [visible]) for p in part.coords]
        x, y = max(points, key=lambda p: (p[1], -p[0]))
        ax.text(x, y, words.amount(km, "km"), fontsize=SMALLEST_MAP_TEXT_PT, color="#4d4d4d", ha="center", va="top", zorder=1,
                bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.7))


def straight_line_km(places: gpd.GeoDataFrame, origin: str, targets) -> pd.Series:
    """Distances in km from the place ``origin`` to each target place id, measured in UTM 37N."""
    metric = places.set_index("place_id").to_crs(METRIC_CRS).geometry
    return pd.Series({target: metric[origin].distance(metric[target]) / 1000 for target in targets}, dtype=float)


def region_map(places: gpd.GeoDataFrame, network: gpd.GeoDataFrame, countries: gpd.GeoDataFrame,
               centre: tuple[float, float], radius_km: float, highlight: str,
               oblasts: gpd.GeoDataFrame | None = None, basemap: str = "offline", timeout_s: float = 8.0,
               provider=None) -> tuple[Figure, Basemap]:
    """Places and the schematic road/rail links within ``radius_km`` of ``centre``."""
    aoi = area_of_interest(centre, radius_km)
    window = aoi.to_crs(WEB_MERCATOR).total_bounds
    in_view = places[places.within(aoi.iloc[0])].to_crs(WEB_MERCATOR)
    links = network[network.intersects(aoi.iloc[0])].to_crs(WEB_MERCATOR)

    fig, ax = new_map(phone_size((8, 8)))
    ax.set_xlim(window[0], window[2])
    ax.set_ylim(window[1], window[3])
    used = add_basemap(ax, countries, oblasts, basemap, timeout_s, provider)
    ax.set_xlim(window[0], window[2])
    ax.set_ylim(window[1], window[3])
    distance_rings(ax, centre, radius_km)

    styles = {"road": dict(color=PALETTE["vermillion"], linewidth=2.2, linestyle="-"),
              "rail": dict(color=PALETTE["black"], linewidth=1.6, linestyle=(0, (4, 2)))}
    for mode, style in styles.items():
        subset = links[links["mode"] == mode]
        if not subset.empty:
            subset.plot(ax=ax, zorder=3, label=words.say("figures.schematic_link", mode=mode), **style)
    others = in_view[in_view["place_id"] != highlight]
    others.plot(ax=ax, color=PALETTE["blue"], markersize=28, zorder=4, edgecolor="white", linewidth=0.6)
    in_view[in_view["place_id"] == highlight].plot(ax=ax, color=PALETTE["orange"], markersize=120, marker="*",
                                                  zorder=5, edgecolor="black", linewidth=0.6)
    scale_bar(ax, 10 if radius_km > 20 else 5)
    ax.set_axis_off()
    if len(links):  # below the map, where it covers no place
        _lay_out_with_legend_below(fig, ax)
    else:
        fig.tight_layout()
    labelled = in_view[(in_view["kind"] != "station") | (in_view["place_id"] == highlight)]  # a station's label would hide its city's
    labelled = labelled.assign(first=labelled["place_id"].ne(highlight)).sort_values("first", kind="stable")
    place_labels(ax, [(row["name"], row.geometry.x, row.geometry.y,
                       dict(fontsize=11 if row["place_id"] == highlight else 10,
                            fontweight="bold" if row["place_id"] == highlight else "normal", zorder=6,
                            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.75)))
                      for _, row in labelled.iterrows()])
    return fig, used


def _lay_out_with_legend_below(fig, ax) -> None:
    """tight_layout, with the legend under the map: its entries side by side where the map stays
    at least as wide as they are, else one above the other. Side by side, longer names (the
    Ukrainian ones) were wider than the map, and the layout shrank the map to a strip to fit them."""
    style = dict(loc="upper center", bbox_to_anchor=(0.5, 0), frameon=False, fontsize=SMALLEST_MAP_TEXT_PT)
    for columns in (2, 1):
        legend = ax.legend(ncol=columns, **style)
        fig.tight_layout()
        renderer = fig.canvas.get_renderer()
        ax.apply_aspect()  # the map's drawn box, not the room it was given
        if legend.get_window_extent(renderer).width <= ax.get_window_extent(renderer).width:
            return


def locator_map(countries: gpd.GeoDataFrame, places: gpd.GeoDataFrame, highlight: str,
                bounds: tuple[float, float, float, float], label_places: list[str] = (),
                label_countries: list[str] = (), oblast: gpd.GeoDataFrame | None = None,
                frame_of_next: tuple[float, float, float, float] | None = None, label_crimea: bool = False,
                basemap: str = "offline", timeout_s: float = 8.0, provider=None,
                size: tuple[float, float] = (8, 6.5), seas: dict[str, tuple[float, float]] | None = None,
                occupied=None) -> tuple[Figure, Basemap]:
    """Where a place sits at a larger scale. ``bounds`` and ``frame_of_next`` are
    (west, south, east, north) in degrees; the next map's frame is drawn as a rectangle.
    ``seas`` names water at (lon, lat) points; ``occupied`` (a WGS84 shape) is shaded."""
    to_mercator = pyproj.Transformer.from_crs("EPSG:4326", WEB_MERCATOR, always_xy=True)
    west, south = to_mercator.transform(bounds[0], bounds[1])
    east, north = to_mercator.transform(bounds[2], bounds[3])
    fig, ax = new_map(phone_size(size))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    used = add_basemap(ax, countries, None, basemap, timeout_s, provider)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    if oblast is not None:
        oblast.to_crs(WEB_MERCATOR).plot(ax=ax, facecolor=PALETTE["sky"], alpha=0.35, edgecolor=PALETTE["blue"],
                                         linewidth=1.2, zorder=2)
    if occupied is not None and not occupied.is_empty:
        occupied_area(ax, occupied)
    for name, (lon, lat) in (seas or {}).items():
        x, y = to_mercator.transform(lon, lat)
        ax.text(x, y, name, fontsize=SMALLEST_MAP_TEXT_PT, color="#2b5d8a", ha="center", va="center", style="italic",
                zorder=3, clip_on=True)
    land = countries.to_crs(WEB_MERCATOR)
    frame = box(west, south, east, north)
    for name in label_countries:
        shape = land[land["name"] == name]
        visible = shape.geometry.iloc[0].intersection(frame) if not shape.empty else None
        if visible is not None and not visible.is_empty:
            point = visible.representative_point()  # inside the frame, so labels never widen the figure
            ax.text(point.x, point.y, words.entry("figures.countries").get(name, name), fontsize=10, color="#4d4d4d", ha="center", style="italic", zorder=3,
                    clip_on=True)
    crimea = land[land["status"] == "occupied_since_2014"]
    if label_crimea and not crimea.empty and crimea.intersects(frame).any():
        point = crimea.geometry.iloc[0].representative_point()
        ax.annotate(words.say("figures.crimea"), (point.x, point.y), xytext=(0, -28),
                    textcoords="offset points", fontsize=SMALLEST_MAP_TEXT_PT, ha="center", color="#333333", zorder=3,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    shown = places[places["place_id"].isin([*label_places, highlight])].to_crs(WEB_MERCATOR)
    shown = shown[~shown.geometry.is_empty]
    others = shown[shown["place_id"] != highlight]
    if not others.empty:
        others.plot(ax=ax, color=PALETTE["blue"], markersize=22, zorder=4, edgecolor="white", linewidth=0.5)
    star = shown[shown["place_id"] == highlight]
    star.plot(ax=ax, color=PALETTE["orange"], markersize=180, marker="*", zorder=5, edgecolor="black", linewidth=0.7)
    ax.set_axis_off()
    fig.tight_layout()
    shown = shown.assign(first=shown["place_id"].ne(highlight)).sort_values("first", kind="stable")
    place_labels(ax, [(row["name"], row.geometry.x, row.geometry.y,
                       dict(fontsize=11 if row["place_id"] == highlight else SMALLEST_MAP_TEXT_PT,
                            fontweight="bold" if row["place_id"] == highlight else "normal", zorder=6,
                            bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8)))
                      for _, row in shown.iterrows()])
    if frame_of_next is not None:
        x0, y0 = to_mercator.transform(frame_of_next[0], frame_of_next[1])
        x1, y1 = to_mercator.transform(frame_of_next[2], frame_of_next[3])
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="black", linewidth=1.2,
                               linestyle="--", zorder=6))
    return fig, used


HOLDER_COLOURS = {"russia": PALETTE["vermillion"], "ukraine": PALETTE["blue"]}
UNKNOWN_HOLDER_COLOUR = "white"
OCCUPIED_FILL = dict(facecolor=PALETTE["vermillion"], alpha=0.22, edgecolor=PALETTE["vermillion"], linewidth=0.8)
"""The occupied area of a front-line store: the colour of Russian-held towns, light enough to read through."""


def held_markers(ax, places: gpd.GeoDataFrame, emphasised=(), legend=None) -> None:
    """Places as markers coloured by who held them (``holder``: russia, ukraine or missing for
    not known), a circle where the holder was measured (``basis`` = measured) and a diamond where
    the verification rule decided; ``legend(holder, basis)`` names each group drawn (None: no entry)."""
    shown = places.to_crs(WEB_MERCATOR)
    holder = shown["holder"].where(shown["holder"].notna(), None)
    measured = shown["basis"].eq("measured")
    groups = shown.assign(_holder=holder.astype(object), _measured=measured).groupby(
        ["_holder", "_measured"], dropna=False, sort=False)
    for (side, is_measured), group in groups:
        side = None if pd.isna(side) else side
        ax.scatter(group.geometry.x, group.geometry.y,
                   s=[150 if place in emphasised else 60 for place in group["place_id"]],
                   c=HOLDER_COLOURS.get(side, UNKNOWN_HOLDER_COLOUR), marker="o" if is_measured or side is None else "D",
                   edgecolors="black", linewidths=0.8, zorder=6,
                   label=legend(side, bool(is_measured)) if legend else None)


def occupied_area(ax, shape) -> None:
    """An occupied area (a WGS84 shape) under the places."""
    gpd.GeoSeries([shape], crs="EPSG:4326").to_crs(WEB_MERCATOR).plot(ax=ax, zorder=2, **OCCUPIED_FILL)
