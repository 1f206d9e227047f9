"""Chapter 4, "What happened next": the closing pocket around Pokrovsk and Myrnohrad, Russia's
claims against Ukraine's statements, where things stood at ``as_of``, and the cities beyond.

A statement counts as known at ``as_of`` only once it was published: the loaders cut events at
the date they refer to and drop rows whose every source appeared after ``as_of`` (a commander
describing in December what his troops did in November); see ``pokrovsk.data.known_by``.
"""

from __future__ import annotations

import datetime as dt
import html
import textwrap

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pokrovsk import boundaries, data, datapages, maps, render
from pokrovsk.chapter import Chapter, on_date
from pokrovsk.charts import PALETTE, QUALIFIER_PREFIX
from pokrovsk.markup import md_text
from pokrovsk.sources import human_date, ids_in, split_ids
from pokrovsk.vocabulary import CLAIMANT, VERIFICATION

TOWNS = ("pokrovsk", "myrnohrad")
NEXT_CITIES = ("kostiantynivka", "kramatorsk", "sloviansk")
ORIGIN = "pokrovsk"
SCALE_PLACE = "avdiivka"
"""Avdiivka → Pokrovsk: the ground Russia covered before reaching the city, shown for scale."""
SCALE_EVENT = "2024-02-17-avdiivka-withdrawal"
NORTHERN_ROAD = "T-05-15"
STATEMENT_CATEGORIES = ("claim", "military")
ONWARD_CATEGORIES = ("claim", "military", "infrastructure")
ENCIRCLEMENT_RADIUS_KM = 25.0
ONWARD_MARGIN_KM = 12.0
FRAME_MARGIN_KM = 4.0
"""Room between the outermost marker and the map's edge, for its label."""
EDGE_SHARE = 0.8
"""Labels of places this far across the map (as a share of its width) run inward."""

SIDES = ("russia", "ukraine", "independent")
"""The timeline's rows, top to bottom."""
VERIFICATION_STYLE = {
    # verification: (colour, plotly symbol, matplotlib marker)
    "established": (PALETTE["blue"], "circle", "o"),
    "corroborated": (PALETTE["green"], "square", "s"),
    "claimed": (PALETTE["orange"], "diamond", "D"),
    "disputed": (PALETTE["vermillion"], "x", "X"),
}
NO_CLAIM_STYLE = ("No Russian claim in our data", "white", "o")


# --- Selection -----------------------------------------------------------------------------

def edition_paragraph(chapter: Chapter) -> Markdown:
    """The chapter opens with the date it describes and where the reporting runs out."""
    return Markdown(datapages.edition_note(chapter.data_dir, chapter.as_of))


def sources_out_by(chapter: Chapter, source_ids: list[str]) -> list[str]:
    """The ids among ``source_ids`` published by as_of: an edition set earlier must not cite later
    publications. All of them if none qualifies, so a figure is never left without sources."""
    return data.sources_known_by(source_ids, chapter.as_of, chapter.data_dir) or source_ids


def known_events(chapter: Chapter) -> pd.DataFrame:
    return data.load_events(chapter.data_dir, chapter.as_of)


def town_statements(chapter: Chapter) -> pd.DataFrame:
    """Claims and military statements about Pokrovsk or Myrnohrad themselves, known at as_of."""
    events = known_events(chapter)
    return events[events["place_id"].isin(TOWNS) & events["category"].isin(STATEMENT_CATEGORIES)]


def midpoint(rows):
    """Where a row sits in time: its day, or the middle of its month (a table or one row)."""
    return rows["date_start"] + (rows["date_end"] - rows["date_start"]) / 2


def by_recency(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(_when=midpoint(rows)).sort_values(["_when", "event_id"]).drop(columns="_when")


def latest(rows: pd.DataFrame) -> pd.Series | None:
    return None if rows.empty else by_recency(rows).iloc[-1]


def latest_statements(rows: pd.DataFrame) -> pd.DataFrame:
    """The most recent row, with any row whose dates cannot be told apart from it (ISW's
    'February 2026' and a commentator's 20 February 2026 both count as the latest)."""
    newest = latest(rows)
    if newest is None:
        return rows
    return by_recency(rows[rows["date_end"] >= newest["date_start"]])


def latest_russian_claims(events: pd.DataFrame) -> pd.DataFrame:
    """Per place, Russia's most recent claim about it."""
    claims = events[events["claimant"].eq("russia") & events["category"].isin(STATEMENT_CATEGORIES)
                    & events["place_id"].notna()]
    return by_recency(claims).groupby("place_id").tail(1)


def corridor_widths(chapter: Chapter) -> pd.DataFrame:
    rows = data.load_reported_distances(chapter.data_dir, chapter.as_of)
    return rows[rows["measure"] == "corridor_width"].sort_values("date_start").reset_index(drop=True)


def located_places(chapter: Chapter) -> gpd.GeoDataFrame:
    places = data.load_places(chapter.data_dir)
    return places[places["lat"].notna() & places["kind"].ne("station")].reset_index(drop=True)


def _width_text(row: pd.Series) -> str:
    return f"{QUALIFIER_PREFIX[row['qualifier']]}{row['distance_km']:g} km"


def _and_list(items) -> str:
    """['a', 'b', 'c'] → 'a, b and c'."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _sentence_start(text: str) -> str:
    return text[:1].upper() + text[1:]


def _row_label(side: str) -> str:
    """A timeline row's label, broken so it fits beside the chart."""
    return "<br>".join(textwrap.wrap(CLAIMANT[side].long_label, 12))


def _row_of(row: pd.Series) -> str:
    return _row_label(row["claimant"])


# --- The pocket ----------------------------------------------------------------------------

def _claim_label(claim: pd.Series | None) -> str:
    """Second label line; the claim's verification is in the marker (see the legend)."""
    return "" if claim is None else f"\nRussian claim: {human_date(claim['date'])}"


def _label_placement(point, others: gpd.GeoSeries, window: tuple[float, float, float, float]) -> dict:
    """Where a place's label goes: diagonally away from its nearest neighbour (so the labels of
    Pokrovsk and Myrnohrad do not sit on each other), but never off the side of the map."""
    nearest = others.iloc[others.distance(point).argmin()] if not others.empty else point
    below = nearest.y > point.y
    share = (point.x - window[0]) / (window[2] - window[0])
    to_left = share > EDGE_SHARE or (nearest.x > point.x and share > 1 - EDGE_SHARE)
    return dict(xytext=(-4 if to_left else 4, -8 if below else 8), textcoords="offset points",
                ha="right" if to_left else "left", va="top" if below else "bottom")


def _plot_places(ax, places: gpd.GeoDataFrame, claims: pd.DataFrame, emphasised: tuple[str, ...],
                 with_claim_labels: bool) -> None:
    """Places as markers whose colour and shape give the verification of Russia's latest claim."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    window = (x0, y0, x1, y1)
    shown = places.to_crs(maps.WEB_MERCATOR).merge(
        claims[["place_id", "verification", "date"]].rename(columns={"verification": "claim_status",
                                                                     "date": "claim_date"}),
        on="place_id", how="left")
    styles = {verification: (f"Latest Russian claim: {VERIFICATION[verification].label.lower()}", colour, marker)
              for verification, (colour, _, marker) in VERIFICATION_STYLE.items()}
    for status, (label, colour, marker) in [(None, NO_CLAIM_STYLE), *styles.items()]:
        group = shown[shown["claim_status"].isna()] if status is None else shown[shown["claim_status"] == status]
        if group.empty:
            continue
        sizes = [150 if place in emphasised else 55 for place in group["place_id"]]
        ax.scatter(group.geometry.x, group.geometry.y, s=sizes, c=colour, marker=marker, edgecolors="black",
                   linewidths=0.8, zorder=6, label=label)
    claims_by_place = claims.set_index("place_id")
    for _, row in shown.iterrows():
        claim = claims_by_place.loc[row["place_id"]] if row["place_id"] in claims_by_place.index else None
        text = row["name_en"] + (_claim_label(claim) if with_claim_labels else "")
        placement = _label_placement(row.geometry, shown.geometry.drop(index=row.name), window)
        ax.annotate(text, (row.geometry.x, row.geometry.y), **placement,
                    fontsize=12 if row["place_id"] in emphasised else 10,
                    fontweight="bold" if row["place_id"] in emphasised else "normal", zorder=5,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))


def _plot_network(ax, links: gpd.GeoDataFrame, highlight: str | None = None, highlight_label: str = "") -> None:
    links = links.to_crs(maps.WEB_MERCATOR)
    highlighted = links["designation"].eq(highlight) if highlight else pd.Series(False, index=links.index)
    styles = [("road", dict(color=PALETTE["grey"], linewidth=1.8, linestyle="-"), "Road (schematic)"),
              ("rail", dict(color=PALETTE["black"], linewidth=1.4, linestyle=(0, (4, 2))), "Railway (schematic)")]
    for mode, style, label in styles:
        subset = links[links["mode"].eq(mode) & ~highlighted]
        if not subset.empty:  # rail above the highlighted road: the line north shares its course
            subset.plot(ax=ax, zorder=4.5 if mode == "rail" else 3, label=label, **style)
    if highlighted.any():
        links[highlighted].plot(ax=ax, zorder=4, color=PALETTE["blue"], linewidth=4.5, label=highlight_label)


def _map_axes(window: tuple[float, float, float, float], chapter: Chapter,
              size: tuple[float, float]) -> tuple[Figure, Axes, list[str], list[str]]:
    """A figure framed on ``window`` (web-mercator) with the book's basemap under it; also the
    notes saying which basemap that was, and the source ids of what it drew."""
    oblasts = boundaries.load_oblasts(download=chapter.params.basemap != "offline")
    fig, ax = maps.new_map(size)
    ax.set_xlim(window[0], window[2])
    ax.set_ylim(window[1], window[3])
    basemap = maps.add_basemap(ax, data.load_countries(chapter.data_dir), oblasts.frame,
                               mode=chapter.params.basemap, timeout_s=chapter.params.tile_timeout_s)
    ax.set_xlim(window[0], window[2])
    ax.set_ylim(window[1], window[3])
    drawn_from = ["natural-earth", *([oblasts.source_id] if oblasts.source_id else [])]
    return fig, ax, [basemap.note, oblasts.message], drawn_from


def _towns_centre(places: gpd.GeoDataFrame) -> tuple[float, float]:
    towns = places[places["place_id"].isin(TOWNS)]
    return float(towns["lat"].mean()), float(towns["lon"].mean())


def encirclement_map_figure(chapter: Chapter) -> render.BookFigure:
    places = located_places(chapter)
    network = data.load_network(chapter.data_dir)
    centre = _towns_centre(places)
    aoi = maps.area_of_interest(centre, ENCIRCLEMENT_RADIUS_KM)
    shown = places[places.within(aoi.iloc[0])]
    links = network[network.intersects(aoi.iloc[0])]
    claims = latest_russian_claims(known_events(chapter))
    claims = claims[claims["place_id"].isin(shown["place_id"])]
    widths = corridor_widths(chapter)

    names = dict(zip(places["place_id"], places["name_en"]))

    frame = maps.area_of_interest(centre, ENCIRCLEMENT_RADIUS_KM + FRAME_MARGIN_KM)
    fig, ax, notes, basemap_ids = _map_axes(frame.to_crs(maps.WEB_MERCATOR).total_bounds, chapter, (8, 8))
    _plot_network(ax, links, NORTHERN_ROAD, f"{NORTHERN_ROAD}, the road north via {names['rodynske']} (schematic)")
    _plot_places(ax, shown, claims, TOWNS, with_claim_labels=True)
    maps.scale_bar(ax, 10)
    ax.set_axis_off()
    ax.legend(loc="upper right", frameon=True, fontsize=9)
    fig.tight_layout()

    town_names = " and ".join(names[t] for t in TOWNS)
    if widths.empty:
        title = (f"{links['designation'].nunique()} roads and rail lines cross the area around {town_names}; "
                 f"the {NORTHERN_ROAD} leads north via {names['rodynske']}")
        width_caption = f"Our data holds no report of the corridor's width up to {human_date(chapter.as_of)}."
    else:
        first, last = widths.iloc[0], widths.iloc[-1]
        title = f"The way out of {town_names} was reported to be {_width_text(last)} wide {on_date(last['date'])}"
        if len(widths) > 1:
            title += f", down from {_width_text(first)} {on_date(first['date'])}"
        width_caption = " ".join(
            f"{_sentence_start(on_date(row['date']))}, {CLAIMANT[row['claimant']].a_source} put the gap between the "
            f"Russian pincers at {_width_text(row)}." for _, row in widths.iterrows())
    claim_lines = "; ".join(f"{names[row['place_id']]}: {row['title']} ({human_date(row['date'])}, {row['verification']})"
                            for _, row in claims.iterrows())
    source_ids = ids_in(shown) + ids_in(links) + ids_in(claims) + ids_in(widths) + basemap_ids
    return render.BookFigure(
        name="what-next-encirclement-map",
        title=title,
        alt=f"Map of the area within {ENCIRCLEMENT_RADIUS_KM:g} km of {town_names}, with the roads and railways "
            f"around them; the {NORTHERN_ROAD} road north through {names['rodynske']} is highlighted.",
        long_description=(
            f"{town_names} sit side by side near the centre. The {NORTHERN_ROAD} road, drawn thick, leaves "
            f"{names['pokrovsk']} northward through {names['rodynske']}. Other settlements on the map: "
            + ", ".join(shown.loc[~shown["place_id"].isin(TOWNS), "name_en"]) + ". Road and rail links are straight "
            "schematic lines between places: " + "; ".join(
                f"{row['designation']} ({row['mode']}) from {names[row['from_place']]} to {names[row['to_place']]}"
                for _, row in links.iterrows())
            + ". Markers show the latest Russian claim about each place, which is a claim and not a verified "
            + (f"fact: {claim_lines}." if claim_lines else "fact; there is none in our data for these places.")
            + " No front line is drawn, because the data holds none."),
        caption=f"{width_caption} No front line is drawn: our data has none. Place markers show only what Russia "
                "claimed, not who held the ground. Roads and railways are straight lines between the places they "
                "join, not their real courses.",
        citations=chapter.cite(sources_out_by(chapter, source_ids)),
        data_date=chapter.as_of,
        data=shown[["place_id", "name_en", "kind", "lat", "lon", "source_ids", "geometry"]].merge(
            claims[["place_id", "event_id", "date", "verification"]].rename(
                columns={"event_id": "latest_russian_claim", "date": "claim_date", "verification": "claim_status"}),
            on="place_id", how="left"),
        image=fig,
        notes=notes,
    )


def corridor_paragraph(chapter: Chapter) -> Markdown:
    """What the data says about the gap left between the pincers and the road north."""
    widths = corridor_widths(chapter)
    road = data.load_network(chapter.data_dir)
    road = road[road["designation"].eq(NORTHERN_ROAD)]
    names = dict(zip(*(data.load_places(chapter.data_dir)[c] for c in ("place_id", "name_en"))))
    stops = [names[p] for p in dict.fromkeys([*road["from_place"], *road["to_place"]])]
    sources = chapter.cite_markdown(sources_out_by(chapter, ids_in(road)))
    text = (f"The {md_text(NORTHERN_ROAD)} road runs north from {md_text(stops[0])} through "
            f"{md_text(_and_list(stops[1:-1]))} to {md_text(stops[-1])} ({sources}).")
    if widths.empty:
        return Markdown(text + f" Our data has no report of how wide the corridor was up to "
                               f"{human_date(chapter.as_of)}.")
    reports = [f"{on_date(row['date'])} it was put at {md_text(_width_text(row))} "
               f"({CLAIMANT[row['claimant']].a_source}, {VERIFICATION[row['verification']].phrase}; "
               f"{chapter.cite_markdown(split_ids(row['source_ids']))})"
               for _, row in widths.iterrows()]
    return Markdown(text + " Reports of the width of the gap between the two Russian pincers: "
                    + "; ".join(reports) + ". These are widths of the corridor, not distances from the city.")


# --- Claims against statements --------------------------------------------------------------

def _hover(row: pd.Series, place_names: dict[str, str]) -> str:
    precision = "" if row["date_precision"] == "day" else " (day not known)"
    return (f"<b>{html.escape(row['title'])}</b><br>{human_date(row['date'])}{precision} · "
            f"{html.escape(place_names[row['place_id']])}<br>Said by: {CLAIMANT[row['claimant']].long_label}<br>"
            f"Verification: {VERIFICATION[row['verification']].phrase}<br>"
            f"<i>{html.escape(row['description'])}</i>")


def _date_range(statements: pd.DataFrame) -> list[pd.Timestamp] | None:
    """The statements' span with a fortnight either side, so no marker sits on the frame."""
    if statements.empty:
        return None
    margin = pd.Timedelta(days=15)
    return [statements["date_start"].min() - margin, statements["date_end"].max() + margin]


def claims_chart(statements: pd.DataFrame, place_names: dict[str, str],
                 marked_claim: pd.Series | None) -> go.Figure:
    """Who said what when: one row per side, verification by colour and marker shape."""
    fig = go.Figure()
    order = [_row_label(side) for side in SIDES]
    imprecise = statements[statements["date_precision"] != "day"]
    if not imprecise.empty:
        xs, ys = [], []
        for _, row in imprecise.iterrows():
            xs += [row["date_start"], row["date_end"], None]
            ys += [_row_of(row)] * 2 + [None]
        fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color=PALETTE["grey"], width=3),
                        name="Date known only to the month", hoverinfo="skip")
    for verification, (colour, symbol, _) in VERIFICATION_STYLE.items():
        group = statements[statements["verification"] == verification]
        if group.empty:
            continue
        fig.add_scatter(
            x=midpoint(group), y=[_row_of(row) for _, row in group.iterrows()], mode="markers",
            name=VERIFICATION[verification].label,
            marker=dict(color=colour, symbol=symbol, size=14, line=dict(color="white", width=1)),
            hovertext=[_hover(row, place_names) for _, row in group.iterrows()],
            hovertemplate="%{hovertext}<extra></extra>",
        )
    if marked_claim is not None:
        x = midpoint(marked_claim)
        fig.add_shape(type="line", x0=x, x1=x, yref="paper", y0=0, y1=1,
                      line=dict(color=PALETTE["vermillion"], dash="dot", width=1.5))
        fig.add_annotation(x=x, yref="paper", y=1, text=f"Russia: {html.escape(marked_claim['title'])} ",
                           showarrow=False, xanchor="right", yanchor="top", font=dict(size=12),
                           bgcolor="rgba(255,255,255,0.85)")
    fig.update_layout(
        xaxis=dict(type="date", title="Date of the statement", range=_date_range(statements)),
        yaxis=dict(title=None, categoryorder="array", categoryarray=order[::-1], range=[-0.6, len(order) - 0.4]),
        hoverlabel=dict(align="left"), height=420, margin=dict(t=60, l=120),
    )
    return fig


def pocket_place_ids(chapter: Chapter) -> list[str]:
    """The two towns and every located place within the pocket map's radius of them."""
    places = located_places(chapter)
    area = maps.area_of_interest(_towns_centre(places), ENCIRCLEMENT_RADIUS_KM).iloc[0]
    return list(dict.fromkeys([*TOWNS, *places.loc[places.within(area), "place_id"]]))


def _russian_town_claims(statements: pd.DataFrame) -> pd.DataFrame:
    return statements[statements["claimant"].eq("russia") & statements["place_id"].isin(TOWNS)]


def timeline_statements(chapter: Chapter) -> pd.DataFrame:
    """Claims and military statements about the pocket, from Russia's first claim about either
    town onward (or all of them, while Russia has made none)."""
    events = known_events(chapter)
    statements = events[events["place_id"].isin(pocket_place_ids(chapter))
                        & events["category"].isin(STATEMENT_CATEGORIES)]
    town_claims = _russian_town_claims(statements)
    if not town_claims.empty:
        statements = statements[statements["date_start"] >= town_claims["date_start"].min()]
    return statements.sort_values(["date_start", "event_id"]).reset_index(drop=True)


def _timeline_title(statements: pd.DataFrame, origin: str, as_of: dt.date) -> str:
    russian = statements[statements["claimant"].eq("russia") & statements["place_id"].eq(ORIGIN)]
    last_claim = latest(russian)
    if last_claim is None:
        return (f"Russia had made no claim about {origin} by {human_date(as_of)}; our data holds "
                f"{len(statements)} statement{'s' if len(statements) != 1 else ''} about the places around it")
    answers = statements[statements["claimant"].eq("ukraine") & statements["place_id"].eq(ORIGIN)
                         & (statements["date_start"] >= last_claim["date_start"])]
    title = f"Russia's latest claim about {origin} came {on_date(last_claim['date'])}"
    if answers.empty:
        return title + f"; no Ukrainian statement about the city followed up to {human_date(as_of)}"
    return title + (f"; {len(answers)} Ukrainian statement{'s' if len(answers) != 1 else ''} about the city "
                    f"followed, the latest {on_date(latest(answers)['date'])}")


def claims_timeline_figure(chapter: Chapter) -> render.BookFigure:
    statements = timeline_statements(chapter)
    places = data.load_places(chapter.data_dir)
    place_names = dict(zip(places["place_id"], places["name_en"]))
    origin = place_names[ORIGIN]
    russian_on_origin = statements[statements["claimant"].eq("russia") & statements["place_id"].eq(ORIGIN)]
    counts = statements["claimant"].value_counts()
    where = ", ".join(dict.fromkeys(place_names[p] for p in statements["place_id"])) or origin
    return render.BookFigure(
        name="what-next-claims-timeline",
        title=_timeline_title(statements, origin, chapter.as_of),
        alt=(f"Timeline of statements about {where}, one row each for Russia, Ukraine and independent observers: "
             + ", ".join(f"{counts.get(side, 0)} by {CLAIMANT[side].label}" for side in SIDES)
             + ". Marker colour and shape show whether each is established, corroborated, only claimed or "
               "disputed."),
        caption=f"Claims and military statements about {where}, published by {human_date(chapter.as_of)}, "
                + (f"from Russia's first claim about {origin} or {place_names['myrnohrad']} onward. "
                   if not _russian_town_claims(statements).empty
                   else f"all of them: Russia had not yet made a claim about {origin} or {place_names['myrnohrad']}. ")
                + " ".join(f"'{VERIFICATION[v].label}': {VERIFICATION[v].meaning}." for v in VERIFICATION)
                + " Hover over a marker for what was said.",
        citations=chapter.cite(ids_in(statements)),
        data_date=statements["date"].iloc[-1] if not statements.empty else chapter.as_of,
        data=statements[["event_id", "date", "date_precision", "place_id", "claimant", "verification",
                         "verification_note",
                         "title", "description", "source_ids"]],
        chart=claims_chart(statements, place_names, latest(russian_on_origin)),
    )


def _statement_line(chapter: Chapter, row: pd.Series) -> str:
    return (f"  - **{CLAIMANT[row['claimant']].label}**, {md_text(human_date(row['date']))}, "
            f"*{md_text(row['title'])}*: {md_text(row['description'])} "
            f"({VERIFICATION[row['verification']].phrase}; {chapter.cite_markdown(split_ids(row['source_ids']))})")


def _conflict_sentence(by_side: dict[str, pd.DataFrame]) -> str:
    missing = [CLAIMANT[side].label for side in ("russia", "ukraine") if side not in by_side]
    if missing:
        return f"  - Our data holds no statement by {' or '.join(missing)} about this town up to this date."
    disputed_dates = {side: rows.loc[rows["verification"] == "disputed", "date"] for side, rows in by_side.items()}
    disputed = [f"{CLAIMANT[side].in_text} ({', '.join(human_date(d) for d in dates)})"
                for side, dates in disputed_dates.items() if not dates.empty]
    if not disputed:
        return ("  - None of these latest statements is marked as disputed in our data; each is still only its "
                "author's word.")
    return (f"  - **These accounts conflict.** Our data marks the latest statements of "
            f"{md_text(_and_list(disputed))} as disputed: the other side or other evidence contradicts them.")


def status_paragraph(chapter: Chapter) -> Markdown:
    """The latest statement from each side about each town, known at as_of, cited; and whether
    the accounts conflict."""
    statements = town_statements(chapter)
    places = data.load_places(chapter.data_dir).set_index("place_id")
    lines = [f"Where things stood on **{human_date(chapter.as_of)}**, going by the latest statement from each "
             "side in our data. Every line is what its author said or judged, not a settled fact."]
    for town in TOWNS:
        about_town = statements[statements["place_id"] == town]
        by_side = {side: latest_statements(about_town[about_town["claimant"] == side]) for side in SIDES}
        by_side = {side: rows for side, rows in by_side.items() if not rows.empty}
        lines.append(f"\n- **{md_text(places.loc[town, 'name_en'])}**")
        if not by_side:
            lines.append("  - Our data holds no statement about this town up to this date.")
            continue
        lines += [_statement_line(chapter, row) for rows in by_side.values() for _, row in rows.iterrows()]
        lines.append(_conflict_sentence(by_side))
    return Markdown("\n".join(lines))


# --- What lies beyond ----------------------------------------------------------------------

def _scale_event(chapter: Chapter) -> pd.Series | None:
    events = known_events(chapter)
    rows = events[events["event_id"] == SCALE_EVENT]
    return rows.iloc[0] if not rows.empty else None


def distance_table(chapter: Chapter) -> pd.DataFrame:
    places = located_places(chapter)
    names = places.set_index("place_id")
    distances = maps.straight_line_km(places, ORIGIN, [*NEXT_CITIES, SCALE_PLACE])
    return pd.DataFrame({
        "from_place": ORIGIN,
        "to_place": distances.index,
        "to_name": [names.loc[p, "name_en"] for p in distances.index],
        "straight_line_km": distances.values,  # rounded where shown: rounding twice can shift a title by 1 km
        "role": ["next city" if p in NEXT_CITIES else "for scale" for p in distances.index],
        "crs": maps.METRIC_CRS,
        "source_ids": [";".join(dict.fromkeys(split_ids(names.loc[ORIGIN, "source_ids"])
                                              + split_ids(names.loc[p, "source_ids"]))) for p in distances.index],
    })


def distances_chart(table: pd.DataFrame, origin: str) -> go.Figure:
    rows = table.sort_values("straight_line_km")
    colours = [PALETTE["blue"] if role == "next city" else PALETTE["grey"] for role in rows["role"]]
    labels = [f"{origin} → {name}" if role == "next city" else f"For scale: {name} → {origin}"
              for name, role in zip(rows["to_name"], rows["role"])]
    fig = go.Figure(go.Bar(
        x=rows["straight_line_km"], y=labels, orientation="h", marker=dict(color=colours),
        marker_pattern_shape=["" if role == "next city" else "/" for role in rows["role"]],
        text=[f"{km:.0f} km" for km in rows["straight_line_km"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:.1f} km in a straight line<extra></extra>",
    ))
    fig.update_layout(xaxis=dict(title="Straight-line distance (km)", range=[0, rows["straight_line_km"].max() * 1.2]),
                      yaxis=dict(title=None), showlegend=False, height=340, margin=dict(l=230, r=40))
    return fig


def distances_figure(chapter: Chapter) -> render.BookFigure:
    table = distance_table(chapter)
    origin = chapter.place(ORIGIN)["name_en"]
    cities = table[table["role"] == "next city"].sort_values("straight_line_km")
    scale = table[table["role"] == "for scale"].iloc[0]
    names = _and_list(cities["to_name"])
    low, high = cities["straight_line_km"].min(), cities["straight_line_km"].max()
    title = f"{names} lie {low:.0f}–{high:.0f} km from {origin} in a straight line"
    withdrawal = _scale_event(chapter)
    left = f", which Ukraine left {on_date(withdrawal['date'])}," if withdrawal is not None else ""
    title += f"; {scale['to_name']}{left} is {scale['straight_line_km']:.0f} km away"
    source_ids = ids_in(table) + (split_ids(withdrawal["source_ids"]) if withdrawal is not None else [])
    return render.BookFigure(
        name="what-next-distances",
        title=title,
        alt=f"Bar chart of straight-line distances from {origin}: " + "; ".join(
            f"{row['to_name']} {row['straight_line_km']:.0f} km" for _, row in table.iterrows()) + ".",
        caption=f"Distances between city centres, measured on a flat map in metres (UTM zone 37N), not along "
                f"roads. The grey, hatched bar is the ground between {scale['to_name']} and {origin}, for scale. "
                "This is geometry, not a forecast.",
        citations=chapter.cite(sources_out_by(chapter, source_ids)),
        data_date=chapter.as_of,
        data=table,
        chart=distances_chart(table, origin),
    )


def _north_south_km(frame) -> float:
    """North–south extent of a WGS84 rectangle, in km."""
    bounds = gpd.GeoSeries([frame], crs="EPSG:4326").to_crs(maps.METRIC_CRS).total_bounds
    return (bounds[3] - bounds[1]) / 1000


def onward_map_figure(chapter: Chapter) -> render.BookFigure:
    places = located_places(chapter)
    network = data.load_network(chapter.data_dir)
    table = distance_table(chapter)
    ends = places[places["place_id"].isin([ORIGIN, *table["to_place"]])]
    window_area = ends.to_crs(maps.METRIC_CRS).buffer(ONWARD_MARGIN_KM * 1000).to_crs("EPSG:4326")
    frame = window_area.union_all().envelope
    shown = places[places.within(frame)]
    links = network[network.intersects(frame)]
    claims = latest_russian_claims(known_events(chapter))
    claims = claims[claims["place_id"].isin(shown["place_id"])]
    names = dict(zip(places["place_id"], places["name_en"]))

    window = gpd.GeoSeries([frame], crs="EPSG:4326").to_crs(maps.WEB_MERCATOR).total_bounds
    fig, ax, notes, basemap_ids = _map_axes(window, chapter, (7.5, 10))
    _plot_network(ax, links)
    origin_point = places.set_index("place_id").to_crs(maps.WEB_MERCATOR).geometry
    origin = chapter.place(ORIGIN)["name_en"]
    line_colours = {"next city": PALETTE["sky"], "for scale": PALETTE["purple"]}
    # Where along each line its length is written: clear of the towns the lines pass.
    label_at = {"next city": 0.45, "for scale": 0.65}
    for _, row in table.iterrows():
        start, end = origin_point[ORIGIN], origin_point[row["to_place"]]
        colour = line_colours[row["role"]]
        ax.plot([start.x, end.x], [start.y, end.y], color=colour, linewidth=2.5, linestyle=(0, (1, 1.5)), zorder=4)
        share = label_at[row["role"]]
        at = (start.x + (end.x - start.x) * share, start.y + (end.y - start.y) * share)
        ax.annotate(f"{row['straight_line_km']:.0f} km", at, fontsize=10, fontweight="bold", ha="center",
                    va="center", zorder=6, color="#1a1a1a",
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec=colour, lw=1.2))
    for role, colour in line_colours.items():
        label = (f"Straight line from {origin} (measured, not a route)" if role == "next city"
                 else f"{names[SCALE_PLACE]} to {origin}, for scale")
        ax.plot([], [], color=colour, linewidth=2.5, linestyle=(0, (1, 1.5)), label=label)
    _plot_places(ax, shown, claims, (ORIGIN, *NEXT_CITIES), with_claim_labels=False)
    maps.scale_bar(ax, 20)
    ax.set_axis_off()
    ax.legend(loc="upper left", frameon=True, fontsize=9)
    fig.tight_layout()

    cities = table[table["role"] == "next city"]
    source_ids = ids_in(shown) + ids_in(links) + ids_in(claims) + basemap_ids
    farthest = cities.loc[cities["straight_line_km"].idxmax()]
    return render.BookFigure(
        name="what-next-onward-map",
        title=f"{farthest['to_name']}, the farthest of the cities beyond {origin}, is "
              f"{farthest['straight_line_km']:.0f} km away in a straight line",
        alt=f"Map of about {_north_south_km(frame):.0f} km from south to north, from {origin} to "
            + _and_list(cities["to_name"]) + ", with straight measuring lines and their lengths.",
        long_description=(
            f"{origin} lies in the south-west of the map. Dotted straight lines run from it to "
            + "; ".join(f"{row['to_name']} ({row['straight_line_km']:.0f} km)" for _, row in table.iterrows())
            + ". Also shown: " + ", ".join(shown.loc[~shown["place_id"].isin([ORIGIN, *table['to_place']]), "name_en"])
            + ". Roads and railways are schematic straight lines: " + "; ".join(
                f"{row['designation']} ({row['mode']}) from {names[row['from_place']]} to {names[row['to_place']]}"
                for _, row in links.iterrows())
            + ". Markers show the latest Russian claim about each place, where there is one: "
            + ("; ".join(f"{names[row['place_id']]}, {human_date(row['date'])} ({row['verification']})"
                         for _, row in claims.iterrows()) or "none") + "."),
        caption="Measuring lines are straight, not roads; roads and railways are drawn schematically between "
                "the places they join. Markers give the verification of Russia's latest claim about a place, not who "
                "held it. No front line is drawn: our data has none.",
        citations=chapter.cite(sources_out_by(chapter, source_ids)),
        data_date=chapter.as_of,
        data=shown[["place_id", "name_en", "kind", "lat", "lon", "source_ids", "geometry"]].merge(
            table[["to_place", "straight_line_km"]].rename(columns={"to_place": "place_id",
                                                                     "straight_line_km": "km_from_pokrovsk"}),
            on="place_id", how="left"),
        image=fig,
        notes=notes,
    )


def onward_paragraph(chapter: Chapter) -> Markdown:
    """Dated, cited events on the way from Pokrovsk toward the cities to the north and north-east."""
    places = located_places(chapter).set_index("place_id")
    watched_names = [places.loc[p, "name_en"] for p in ("rodynske", "dobropillia", *NEXT_CITIES)]
    events = known_events(chapter)
    campaign_start = events.loc[events["event_id"] == SCALE_EVENT, "date_start"]
    events = events[events["category"].isin(ONWARD_CATEGORIES)]
    if not campaign_start.empty:
        events = events[events["date_start"] >= campaign_start.iloc[0]]
    text = events["title"] + " " + events["description"]
    mentions = text.apply(lambda t: any(name in t for name in watched_names))
    rows = events[mentions]
    cities = _and_list(places.loc[p, "name_en"] for p in NEXT_CITIES)
    if rows.empty:
        return Markdown(f"Our data records no event on the roads toward {md_text(cities)} up to "
                        f"{human_date(chapter.as_of)}.")
    lines = [f"What our data records, up to {human_date(chapter.as_of)}, on the roads from "
             f"{md_text(places.loc[ORIGIN, 'name_en'])} toward {md_text(cities)}:\n"]
    lines += [f"- **{md_text(human_date(row['date']))}**, {md_text(row['title'])}: {md_text(row['description'])} "
              f"(said by: {CLAIMANT[row['claimant']].label}; {VERIFICATION[row['verification']].phrase}; "
              f"{chapter.cite_markdown(split_ids(row['source_ids']))})" for _, row in rows.iterrows()]
    return Markdown("\n".join(lines))


def expectations_paragraph(chapter: Chapter) -> Markdown:
    """What analysts expected, from the events marked as analysis: opinions, shown as such."""
    events = known_events(chapter)
    rows = events[events["category"] == "analysis"]
    if rows.empty:
        return Markdown(f"Our data records no analyst's expectation up to {human_date(chapter.as_of)}.")
    lines = [f"Assessments by analysts recorded in our data up to {human_date(chapter.as_of)}. They are "
             f"judgements and forecasts, not events, and nobody can yet say whether they will prove right:\n"]
    lines += [f"- **{md_text(human_date(row['date']))}**, {md_text(row['title'])}: {md_text(row['description'])} "
              f"({chapter.cite_markdown(split_ids(row['source_ids']))})" for _, row in rows.iterrows()]
    return Markdown("\n".join(lines))
