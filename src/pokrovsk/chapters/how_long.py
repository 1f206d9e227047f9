"""Chapter 3, "How long it has taken": the timeline of the battle, the shrinking distance, the
battle's length next to other city battles (under every start and end in the data), and the
reasons it lasted so long, told from the events table.

Battle rows are cut at ``as_of`` here (``data.load_battles`` is not a dated table): a variant
that starts after ``as_of`` is dropped, and one that ends after it is shown as still being
fought on ``as_of``, with nothing about its later end.
"""

from __future__ import annotations

import datetime as dt
import html
import textwrap

import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown
from plotly.subplots import make_subplots

from pokrovsk import data, render
from pokrovsk.chapter import Chapter, on_date
from pokrovsk.charts import PALETTE, QUALIFIER_PREFIX
from pokrovsk.markup import md_text
from pokrovsk.sources import human_date, ids_in, split_ids
from pokrovsk.vocabulary import CLAIMANT, VERIFICATION

NAME_PREFIX = "how-long"
BATTLE_ID = "pokrovsk"

CATEGORY_STYLE = {
    "military": ("Fighting", PALETTE["blue"], ""),
    "claim": ("Claims", PALETTE["vermillion"], "/"),
    "civilian": ("Civilians", PALETTE["green"], "."),
    "infrastructure": ("Infrastructure", PALETTE["orange"], "x"),
    "economy": ("Economy", PALETTE["purple"], "-"),
    "context": ("Wider war", PALETTE["sky"], "+"),
    "analysis": ("Analysts' views", PALETTE["black"], "x"),
    "education": ("Education", PALETTE["yellow"], "|"),
    "history": ("History", PALETTE["grey"], "\\"),
}
"""Label, colour and bar pattern per event category, in the order of the timeline's lanes."""

VERIFICATION_STYLE = {
    "established": (PALETTE["blue"], "circle"),
    "corroborated": (PALETTE["green"], "square"),
    "claimed": (PALETTE["orange"], "diamond"),
    "disputed": (PALETTE["vermillion"], "x"),
}
"""Colour and marker per verification (labels in ``pokrovsk.vocabulary``)."""

END_KIND_STYLE = {
    "capture": ("City taken", PALETTE["blue"], ""),
    "withdrawal": ("Withdrawal", PALETTE["green"], "."),
    "claim": ("One side's claim", PALETTE["orange"], "/"),
    "assessment": ("Analysts' view", PALETTE["purple"], "x"),
    "ongoing": ("Not over yet", PALETTE["grey"], "-"),
}
"""What a battle's end date rests on: legend label (short, so the legend fits a phone in
columns), colour and bar pattern."""

MEASURE_STYLE = {
    "to_city": ("To the city", "circle"),
    "to_outskirts": ("To its edge", "square"),
    "to_centre": ("To its centre", "diamond"),
    "inside_city": ("Inside it", "star"),
    "start_point": ("At the start", "triangle-up"),
    "to_mine": ("To a mine shaft", "cross"),
    "corridor_width": ("Gap between pincers", "hourglass"),
}
"""Legend label and marker per measure; short, because a horizontal legend's columns are as
wide as its longest entry."""
CITY_MEASURES = ["to_city", "to_outskirts", "to_centre", "inside_city"]
"""Measures that say how close Russian forces were to Pokrovsk itself."""
REPORTER_COLOUR = {"independent": PALETTE["black"], "ukraine": PALETTE["blue"], "russia": PALETTE["vermillion"]}
DISTANCE_QUALIFIER = {"about": "about ", "less_than": "under ", "more_than": "over ", "exact": ""}
QUALIFIER_SIGN = {"about": "≈", "less_than": "<", "more_than": ">", "exact": ""}
DISTANCE_REFERENCE = {"to_city": "away", "to_outskirts": "from the city's edge", "to_centre": "from its centre",
                      "to_mine": "from a mine shaft", "start_point": "away at the start",
                      "corridor_width": "wide (the gap between the pincers)"}

ORDINALS = ["", "second ", "third ", "fourth ", "fifth ", "sixth ", "seventh ", "eighth ", "ninth ", "tenth ",
            "eleventh ", "twelfth "]

REASON_EVENTS = {
    "pincer": ["2025-08-11-dobropillia-breakthrough",
               "2025-10-29-11000-to-encircle", "2025-10-29-putin-encirclement-claim", "2025-11-04-no-encirclement",
               "2025-11-10-myrnohrad-nearly-encircled", "2025-11-27-putin-70-percent",
               "2025-12-03-myrnohrad-nearly-encircled"],
    "infiltration": ["2025-07-15-first-infiltration", "2025-07-25-zelensky-infiltration-groups", "2025-08-10-infiltration-numbers",
                     "2025-10-26-200-inside-city", "2025-11-07-314-russians"],
    "supply-routes": ["2024-06-23-near-kostiantynivka-highway", "2024-09-11-last-passenger-trains",
                      "2025-07-16-t0514-closed", "2025-08-13-pavlohrad-road-claim",
                      "2025-11-15-selydove-road-destroyed", "2026-02-01-7th-corps-myrnohrad"],
    "kursk": ["2024-08-06-kursk-incursion"],
    "pushback": ["2025-02-16-pishchane-retaken", "2025-02-26-kotlyne-retaken", "2025-04-western-villages-regained",
                 "2025-08-14-dobropillia-stabilised", "2025-09-02-udachne-cleared", "2025-10-28-special-forces-landing",
                 "2025-11-15-counter-actions", "2025-12-17-56-km2-retaken"],
    "cost": ["2024-09-05-evacuation-trains-to-pavlohrad", "2025-01-14-metinvest-suspends-mine",
             "2025-10-31-170000-troops", "2025-12-09-syrskyi-north-held",
             "2026-01-08-syrskyi-north-still-held"],
}
"""Which rows of events.csv illustrate each reason the battle took long (an editorial choice)."""


def _hover_text(value, width: int = 46) -> str:
    """Data text for a plotly hover label: escaped (plotly reads hover text as HTML) and wrapped
    so the label fits a phone screen."""
    if value is None or pd.isna(value) or not str(value).strip():
        return ""
    return "<br>".join(html.escape(line) for line in textwrap.wrap(" ".join(str(value).split()), width))


def _evidence(row: pd.Series) -> str:
    """'Claimed, not independently verified: the excerpt breaks off …' for a hover."""
    note = row["verification_note"]
    return VERIFICATION[row["verification"]].phrase.capitalize() + (": " + _hover_text(note) if pd.notna(note) else "")


def _pattern(shape: str) -> dict:
    """A white texture over the solid colour: a second cue besides colour that keeps text on
    the bar legible."""
    return dict(shape=shape, fillmode="overlay", fgcolor="white", solidity=0.3)


def _first_day(value: str) -> dt.date:
    return data.period_bounds(value)[0]


# ---------------------------------------------------------------- battle spans cut at as_of

def battle_spans(chapter: Chapter) -> pd.DataFrame:
    """Every battle variant with a start on or before ``as_of``: its start, the end as known on
    ``as_of`` (an end after it becomes 'ongoing' on ``as_of``) and the days between them."""
    battles = data.load_battles(chapter.data_dir)
    battles = battles[battles["start"].notna()].copy()
    battles["start_day"] = [_first_day(v) for v in battles["start"]]
    battles = battles[battles["start_day"] <= chapter.as_of].copy()
    reported_end = [_first_day(v) for v in battles["end"]]
    battles["cut_at_as_of"] = [end > chapter.as_of for end in reported_end]
    battles["end_day"] = [min(end, chapter.as_of) for end in reported_end]
    battles["days"] = [(end - start).days for start, end in zip(battles["start_day"], battles["end_day"])]
    cut = battles["cut_at_as_of"]
    battles.loc[cut, "end_kind"] = "ongoing"
    battles.loc[cut, "end_basis"] = f"Still being fought on {human_date(chapter.as_of)}, the date this book describes."
    battles.loc[cut, "verification_note"] = pd.NA
    # A span cut at as_of must not cite the reports of its later end.
    battles.loc[cut, "source_ids"] = [";".join(data.sources_known_by(split_ids(ids), chapter.as_of, chapter.data_dir))
                                      for ids in battles.loc[cut, "source_ids"]]
    battles["ongoing"] = battles["end_kind"] == "ongoing"
    columns = ["battle_id", "variant", "is_primary", "battle_name", "city", "start", "start_day", "start_basis",
               "end_day", "end_kind", "end_basis", "days", "ongoing", "cut_at_as_of", "verification",
               "verification_note", "source_ids"]
    return battles[columns].reset_index(drop=True)


def _days_text(row: pd.Series) -> str:
    """'560 days'; '596+ days' for a battle not over at its last known date."""
    return f"{row['days']:,}{'+' if row['ongoing'] else ''} days"


def _span_hover(spans: pd.DataFrame) -> list[list[str]]:
    return [[human_date(r["start_day"]), _hover_text(r["start_basis"]), human_date(r["end_day"]),
             END_KIND_STYLE[r["end_kind"]][0], _hover_text(r["end_basis"]), _days_text(r), html.escape(r["city"])]
            for _, r in spans.iterrows()]


SPAN_HOVER = ("<b>%{customdata[6]}: %{customdata[5]}</b><br>"
              "Start %{customdata[0]}: %{customdata[1]}<br>"
              "End %{customdata[2]} (%{customdata[3]}): %{customdata[4]}<extra></extra>")


# ---------------------------------------------------------------- the timeline

def timeline_start(chapter: Chapter, battle_id: str = BATTLE_ID) -> dt.date:
    """First day of the year in which the earliest definition of the battle starts."""
    battles = data.load_battles(chapter.data_dir)
    starts = [_first_day(v) for v in battles.loc[battles["battle_id"] == battle_id, "start"].dropna()]
    if not starts:
        raise ValueError(f"no start date for battle {battle_id!r} in battles.csv")
    return dt.date(min(starts).year, 1, 1)


def battle_events(chapter: Chapter, battle_id: str = BATTLE_ID) -> pd.DataFrame:
    """Events from the start of the battle's first year up to ``as_of``."""
    events = data.load_events(chapter.data_dir, chapter.as_of)
    events = events[events["date_start"] >= pd.Timestamp(timeline_start(chapter, battle_id))].reset_index(drop=True)
    if events.empty:
        raise ValueError(f"no events between {timeline_start(chapter, battle_id)} and {chapter.as_of}")
    return events


def _lane_positions(events: pd.DataFrame, lanes: list[str]) -> pd.Series:
    """Lane number (top lane highest), nudged apart for events that share a lane and a date."""
    lane_number = events["category"].map({c: len(lanes) - i for i, c in enumerate(lanes)})
    same_day = events.groupby(["category", "date"])["event_id"]
    rank, size = same_day.cumcount(), same_day.transform("size")
    return lane_number + (rank - (size - 1) / 2) * 0.25


def timeline_chart(events: pd.DataFrame, start: dt.date, end: dt.date) -> go.Figure:
    """Events in lanes by category; verification told apart by colour and marker shape."""
    lanes = [c for c in CATEGORY_STYLE if c in set(events["category"])]
    rows = events.assign(y=_lane_positions(events, lanes),
                         x=events["date_start"] + (events["date_end"] - events["date_start"]) / 2)
    fig = go.Figure()
    for verification, (colour, symbol) in VERIFICATION_STYLE.items():
        group = rows[rows["verification"] == verification]
        if group.empty:
            continue
        fig.add_scatter(
            x=group["x"], y=group["y"], mode="markers", name=VERIFICATION[verification].label,
            marker=dict(color=colour, symbol=symbol, size=11, line=dict(color="white", width=1)),
            customdata=[[_hover_text(r["title"]), human_date(r["date"]), _hover_text(r["description"]),
                         CLAIMANT[r["claimant"]].long_label, _evidence(r)] for _, r in group.iterrows()],
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<br>%{customdata[2]}<br>"
                          "Who says so: %{customdata[3]}<br>Evidence: %{customdata[4]}<extra>%{fullData.name}</extra>",
        )
    fig.update_layout(
        height=460, hovermode="closest", legend_title_text="Verification:",
        xaxis=dict(type="date", range=[start, end], title=None),
        yaxis=dict(tickvals=[len(lanes) - i for i in range(len(lanes))],
                   ticktext=[CATEGORY_STYLE[c][0] for c in lanes], range=[0.4, len(lanes) + 0.6],
                   showgrid=True, fixedrange=True, automargin=True),
    )
    return fig


def timeline_figure(chapter: Chapter, battle_id: str = BATTLE_ID) -> render.BookFigure:
    events = battle_events(chapter, battle_id)
    start = timeline_start(chapter, battle_id)
    contested = events[events["verification"].isin(["claimed", "disputed"])]
    russian = contested[contested["claimant"] == "russia"]
    earlier = data.load_events(chapter.data_dir, chapter.as_of)
    earlier = earlier[earlier["date_start"] < pd.Timestamp(start)]
    title = (f"Of {len(events)} events recorded from {start.year} to {human_date(chapter.as_of)}, "
             f"{len(contested)} are unverified or disputed claims, {len(russian)} of them Russia's")
    caption = ("Each marker is one dated event in the book's timeline, placed in a lane by kind; colour and shape "
               "say how well it is established: by independent sources (established or corroborated), only claimed by "
               "one side, or disputed. Tap or hover for what happened and who says so. "
               "Events known only to the month sit in the middle of that month.")
    if not earlier.empty:
        caption += (f" {len(earlier)} earlier events, from {human_date(earlier['date'].iloc[0])} to "
                    f"{human_date(earlier['date'].iloc[-1])}, are left out here.")
    columns = ["event_id", "date", "date_precision", "title", "description", "category", "claimant", "verification",
               "verification_note", "place_id", "source_ids"]
    return render.BookFigure(
        name=f"{NAME_PREFIX}-timeline",
        title=title,
        alt=(f"Timeline chart of {len(events)} events from {start.year} to {human_date(chapter.as_of)} in lanes for "
             f"fighting, claims, civilians and other kinds; {len(contested)} markers are claims or disputed."),
        caption=caption,
        citations=chapter.cite(ids_in(events)),
        data_date=events["date"].iloc[-1],
        data=events[columns],
        chart=timeline_chart(events, start, chapter.as_of),
    )


# ---------------------------------------------------------------- events per month

def monthly_counts(events: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Events per calendar month and category (dated at least to the month), with empty months."""
    dated = events[events["date_precision"] != "year"]
    months = pd.period_range(pd.Period(start, "M"), pd.Period(end, "M"), freq="M")
    counts = (dated.assign(month=dated["date_start"].dt.to_period("M"))
              .pivot_table(index="month", columns="category", values="event_id", aggfunc="count", fill_value=0)
              .reindex(months, fill_value=0))
    counts.index.name = "month"
    return counts[[c for c in CATEGORY_STYLE if c in counts.columns]]


def events_per_month_figure(chapter: Chapter, battle_id: str = BATTLE_ID) -> render.BookFigure:
    events = battle_events(chapter, battle_id)
    start = timeline_start(chapter, battle_id)
    counts = monthly_counts(events, start, chapter.as_of)
    totals = counts.sum(axis=1)
    busiest = totals[totals == totals.max()].index
    busiest_names = " and ".join(human_date(str(m)) for m in busiest)
    claims = int(counts.loc[busiest, "claim"].sum()) if "claim" in counts.columns else 0
    title = (f"{busiest_names} {'has' if len(busiest) == 1 else 'each have'} the most recorded events "
             f"({int(totals.max())}{' each' if len(busiest) > 1 else ''})")
    if claims:
        title += f", {claims} of them claims by one side"
    fig = go.Figure()
    x = counts.index.to_timestamp()
    for category in counts.columns:
        label, colour, pattern = CATEGORY_STYLE[category]
        fig.add_bar(x=x, y=counts[category], name=label, marker=dict(color=colour, pattern=_pattern(pattern)),
                    hovertemplate="%{x|%b %Y}: %{y} " + label.lower() + " events<extra></extra>")
    fig.update_layout(barmode="stack", height=420, yaxis_title="Events in the timeline", xaxis_title=None,
                      xaxis=dict(type="date"), legend_title_text=None)
    download = counts.assign(total=totals).reset_index()
    download["month"] = download["month"].astype(str)
    return render.BookFigure(
        name=f"{NAME_PREFIX}-events-per-month",
        title=title,
        alt=(f"Stacked bar chart of events per month from {human_date(str(counts.index[0]))} to "
             f"{human_date(str(counts.index[-1]))}, by kind; the tallest bar is {busiest_names}."),
        caption=("Counts what the book's timeline records each month, split by kind. It measures how much was "
                 "reported and collected, not how hard the fighting was."),
        citations=chapter.cite(ids_in(events[events["date_precision"] != "year"])),
        data_date=events["date"].iloc[-1],
        data=download,
        chart=fig,
    )


# ---------------------------------------------------------------- the reported distance

def _distance_label(row: pd.Series) -> str:
    if row["measure"] == "inside_city":
        return "inside"
    return f"{QUALIFIER_SIGN[row['qualifier']]}{row['distance_km']:g}"


def distance_phrase(row: pd.Series) -> str:
    """'about 38 km away in Jan 2024', 'about 10 km from the city's edge on 15 Aug 2024',
    'inside the city on 17 Jul 2025'."""
    if row["measure"] == "inside_city":
        return f"inside the city {on_date(row['date'])}"
    return (f"{DISTANCE_QUALIFIER[row['qualifier']]}{row['distance_km']:g} km {DISTANCE_REFERENCE[row['measure']]} "
            f"{on_date(row['date'])}")


def closest_report(near: pd.DataFrame) -> pd.Series:
    """The earliest report of the smallest distance, among reports not disputed (all reports if
    every one is)."""
    trusted = near[near["verification"] != "disputed"]
    rows = trusted if not trusted.empty else near
    return rows[rows["distance_km"] == rows["distance_km"].min()].iloc[0]


LABEL_POSITIONS = ["top center", "bottom center", "middle right", "middle left", "top right", "bottom right"]


def _label_positions(dates: pd.Series, crowded_days: int = 21) -> list[str]:
    """Labels of reports close together in time take turns around their markers."""
    positions, turn, previous = [], 0, None
    for date in dates:
        turn = turn + 1 if previous is not None and (date - previous).days < crowded_days else 0
        positions.append(LABEL_POSITIONS[turn % len(LABEL_POSITIONS)])
        previous = date
    return positions


def _distance_trace(rows: pd.DataFrame, measure: str, positions: list[str]) -> go.Scatter:
    label, symbol = MEASURE_STYLE[measure]
    disputed = rows["verification"] == "disputed"
    return go.Scatter(
        x=rows["x"], y=rows["distance_km"], showlegend=False,
        mode="markers+text", name=label, text=[_distance_label(r) for _, r in rows.iterrows()],
        textposition=positions, textfont=dict(size=11),
        marker=dict(symbol=[f"{symbol}-open" if d else symbol for d in disputed], size=12,
                    color=[REPORTER_COLOUR[r] for r in rows["claimant"]], line=dict(width=2)),
        customdata=[[human_date(r["date"]), f"{DISTANCE_QUALIFIER[r['qualifier']]}{r['distance_km']:g} km",
                     _hover_text(r["description"]), CLAIMANT[r["claimant"]].long_label, _evidence(r)]
                    for _, r in rows.iterrows()],
        hovertemplate="<b>%{customdata[1]}</b> (%{customdata[0]})<br>%{customdata[2]}<br>"
                      "Reported by: %{customdata[3]}<br>Evidence: %{customdata[4]}<extra>" + label + "</extra>",
    )


def distance_chart(distances: pd.DataFrame, start: dt.date, end: dt.date) -> go.Figure:
    """Distances to the city on top; the width of the gap between the pincers, a different
    measure, in its own panel below. Colour = who reported it, shape = what was measured,
    open marker = disputed."""
    distances = distances.assign(x=distances["date_start"] + (distances["date_end"] - distances["date_start"]) / 2)
    corridor = distances[distances["measure"] == "corridor_width"]
    panels = 2 if not corridor.empty else 1
    fig = make_subplots(rows=panels, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        row_heights=[0.75, 0.25][:panels],
                        subplot_titles=["Distance from the city",
                                        "Gap between the pincers (a different measure)"][:panels])
    for panel, rows in ((1, distances[distances["measure"] != "corridor_width"]), (2, corridor)):
        positions = pd.Series(_label_positions(rows["x"].sort_values()), index=rows["x"].sort_values().index)
        for measure in MEASURE_STYLE:
            group = rows[rows["measure"] == measure]
            if not group.empty:
                fig.add_trace(_distance_trace(group, measure, positions[group.index].tolist()), row=panel, col=1)
    legend = [(MEASURE_STYLE[m][0], PALETTE["grey"], MEASURE_STYLE[m][1]) for m in MEASURE_STYLE
              if m != "corridor_width" and m in set(distances["measure"])]
    legend += [(CLAIMANT[r].by.capitalize(), REPORTER_COLOUR[r], "square")
               for r in REPORTER_COLOUR if r in set(distances["claimant"])]
    if (distances["verification"] == "disputed").any():
        legend.append(("Open: disputed", PALETTE["grey"], "circle-open"))
    for name, colour, symbol in legend:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                        marker=dict(color=colour, symbol=symbol, size=11, line=dict(width=2, color=colour)))
    top = distances.loc[distances["measure"] != "corridor_width", "distance_km"].max()
    # Headroom above the highest marker for its label; below zero for the labels of 'inside'.
    fig.update_yaxes(title_text="km", row=1, col=1, range=[-2, top * 1.18])
    if panels == 2:
        fig.update_yaxes(title_text="km", row=2, col=1, range=[0, corridor["distance_km"].max() * 1.6])
    fig.update_xaxes(type="date", range=[start, end])
    fig.update_annotations(font_size=13, x=0, xanchor="left")
    fig.update_layout(height=640 if panels == 2 else 500, showlegend=True, legend=dict(y=1.06))
    return fig


def distance_figure(chapter: Chapter, battle_id: str = BATTLE_ID) -> render.BookFigure:
    distances = data.load_reported_distances(chapter.data_dir, chapter.as_of)
    if distances.empty:
        raise ValueError(f"no reported distances up to {chapter.as_of}")
    city = chapter.place(battle_id)["name_en"]
    near = distances[distances["measure"].isin(CITY_MEASURES)]
    first, closest = near.iloc[0], closest_report(near)
    title = f"Russian forces went from {distance_phrase(first)} to {distance_phrase(closest)}"
    disputed = distances[distances["verification"] == "disputed"]
    has_corridor = (distances["measure"] == "corridor_width").any()
    caption = (f"Figures as reported, each with what it measured: to {city}, to its edge or to its centre. "
               + ("The lower panel shows a different measure, the width of the gap left between the Russian "
                  "pincers, not a distance from the city. " if has_corridor else "")
               + "Labels give how the figure was stated (≈ about, < under, > over). "
               f"{len(disputed)} of the {len(distances)} reports are disputed (open markers). The title compares "
               "the first report with the closest one not disputed.")
    columns = ["distance_id", "date", "date_precision", "distance_km", "qualifier", "measure", "description",
               "claimant", "verification", "verification_note", "source_ids"]
    return render.BookFigure(
        name=f"{NAME_PREFIX}-distance",
        title=title,
        alt=(f"Scatter chart of {len(distances)} reported distances between Russian forces and {city} from "
             f"{human_date(distances['date'].iloc[0])} to {human_date(distances['date'].iloc[-1])}, from "
             f"{distance_phrase(first)} to {distance_phrase(closest)}"
             + (", with corridor widths in a separate panel." if has_corridor else ".")),
        caption=caption,
        citations=chapter.cite(ids_in(distances)),
        data_date=distances["date"].iloc[-1],
        data=distances[columns],
        chart=distance_chart(distances, timeline_start(chapter, battle_id), chapter.as_of),
    )


# ---------------------------------------------------------------- durations compared

def _ordinal_longest(rank: int) -> str:
    return f"the {ORDINALS[rank - 1] if rank <= len(ORDINALS) else f'{rank}th '}longest"


def durations_chart(primary: pd.DataFrame, others: pd.DataFrame, highlight: str) -> go.Figure:
    """Primary durations as horizontal bars (end kind by colour and pattern); ticks for the
    other definitions of the same battle."""
    order = primary.sort_values("days")["city"].tolist()
    fig = go.Figure()
    for kind, (label, colour, pattern) in END_KIND_STYLE.items():
        group = primary[primary["end_kind"] == kind]
        if group.empty:
            continue
        fig.add_bar(y=group["city"], x=group["days"], orientation="h", name=label,
                    marker=dict(color=colour, pattern=_pattern(pattern),
                                line=dict(color=[PALETTE["black"] if b == highlight else colour
                                                 for b in group["battle_id"]], width=2)),
                    text=[_days_text(r) for _, r in group.iterrows()], textposition="auto", cliponaxis=False,
                    customdata=_span_hover(group), hovertemplate=SPAN_HOVER)
    if not others.empty:
        fig.add_scatter(y=others["city"], x=others["days"], mode="markers", name="Other definitions",
                        marker=dict(symbol="line-ns-open", size=18, color=PALETTE["black"], line=dict(width=2)),
                        customdata=_span_hover(others), hovertemplate=SPAN_HOVER)
    highlighted = primary.loc[primary["battle_id"] == highlight, "city"].tolist()
    fig.update_layout(
        height=140 + 36 * len(order), bargap=0.3, xaxis_title="Days from start to end", legend_title_text=None,
        yaxis=dict(categoryorder="array", categoryarray=order, tickvals=order, fixedrange=True, automargin=True,
                   ticktext=[f"<b>{c}</b>" if c in highlighted else c for c in order]),
        xaxis=dict(range=[0, max(primary["days"].max(), others["days"].max() if not others.empty else 0) * 1.22]),
    )
    return fig


def durations_figure(chapter: Chapter, battle_id: str = BATTLE_ID) -> render.BookFigure:
    spans = battle_spans(chapter)
    primary = spans[spans["is_primary"]]
    if battle_id not in set(primary["battle_id"]):
        raise ValueError(f"battle {battle_id!r} had not started by {chapter.as_of}")
    others = spans[~spans["is_primary"]]
    focus = primary[primary["battle_id"] == battle_id].iloc[0]
    longer = primary[primary["days"] > focus["days"]].sort_values("days", ascending=False)
    age = f"{focus['days']:,} days" + (f" and still going on {human_date(chapter.as_of)}" if focus["ongoing"] else "")
    title = (f"At {age}, the battle for {focus['city']} is {_ordinal_longest(len(longer) + 1)} "
             f"of the {len(primary)} city battles compared")
    if 0 < len(longer) <= 2:
        title += ", after " + " and ".join(f"{r['city']} ({_days_text(r)})" for _, r in longer.iterrows())
    battles = data.load_battles(chapter.data_dir)
    left_out = battles.loc[battles["is_primary"] & ~battles["battle_id"].isin(primary["battle_id"]), "city"].tolist()
    caption = ("Each bar runs from the start to the end this book uses by default for that battle; the colour and "
               "pattern say what kind of end it is (a capture, a withdrawal, one side's claim or an analysts' "
               "judgement). Ticks mark other start or end dates found in the data for the same battle. Tap or "
               "hover for what each date marks.")
    if left_out:
        caption += (f" Left out: {', '.join(left_out)}, with no agreed start date or no start by "
                    f"{human_date(chapter.as_of)}.")
    shown = pd.concat([primary, others])
    return render.BookFigure(
        name=f"{NAME_PREFIX}-durations",
        title=title,
        alt=(f"Horizontal bar chart of how many days {len(primary)} city battles lasted, longest "
             f"{primary.loc[primary['days'].idxmax(), 'city']} at {primary['days'].max():,} days, "
             f"{focus['city']} at {focus['days']:,} days."),
        caption=caption,
        citations=chapter.cite(ids_in(shown)),
        data_date=max(shown["end_day"]),
        data=shown.drop(columns=["start_day"]).sort_values(["battle_id", "is_primary"], ascending=[True, False]),
        chart=durations_chart(primary, others, battle_id),
    )


# ---------------------------------------------------------------- Pokrovsk's start and end choices

def _merge_identical_spans(spans: pd.DataFrame) -> pd.DataFrame:
    """Variants that differ only in an end after ``as_of`` look the same on ``as_of``: one bar."""
    merged = spans.groupby(["start_day", "end_day", "end_kind"], as_index=False, sort=True).agg(
        variant=("variant", "; ".join), is_primary=("is_primary", "any"), city=("city", "first"),
        start=("start", "first"), start_basis=("start_basis", "first"), end_basis=("end_basis", "first"),
        days=("days", "first"), ongoing=("ongoing", "first"), cut_at_as_of=("cut_at_as_of", "first"),
        verification=("verification", "first"), verification_note=("verification_note", "first"),
        source_ids=("source_ids", lambda ids: ";".join(dict.fromkeys(i for v in ids for i in split_ids(v)))))
    merged["label"] = [f"{human_date(r['start_day'])} to<br>{human_date(r['end_day'])}"
                       + (" (main)" if r["is_primary"] else "") for _, r in merged.iterrows()]
    return merged


def variants_chart(spans: pd.DataFrame, as_of: dt.date) -> go.Figure:
    """One bar per definition of the battle on a date axis, coloured and patterned by end kind."""
    fig = go.Figure()
    order = spans["label"].tolist()[::-1]
    for kind, (label, colour, pattern) in END_KIND_STYLE.items():
        group = spans[spans["end_kind"] == kind]
        if group.empty:
            continue
        fig.add_bar(
            y=group["label"], base=[d.isoformat() for d in group["start_day"]],
            x=[(pd.Timestamp(e) - pd.Timestamp(s)) / pd.Timedelta(milliseconds=1)
               for s, e in zip(group["start_day"], group["end_day"])],
            orientation="h", name=label, marker=dict(color=colour, pattern=_pattern(pattern)),
            text=[_days_text(r) for _, r in group.iterrows()], textposition="auto", insidetextanchor="middle",
            cliponaxis=False, customdata=_span_hover(group), hovertemplate=SPAN_HOVER)
    if spans["cut_at_as_of"].any():
        fig.add_shape(type="line", xref="x", yref="paper", x0=as_of, x1=as_of, y0=0, y1=1,
                      line=dict(color=PALETTE["black"], dash="dot", width=1))
        fig.add_annotation(x=as_of, y=1, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                           text=f"As of {human_date(as_of)}", font=dict(size=12))
    first, last = pd.Timestamp(min(spans["start_day"])), pd.Timestamp(max(spans["end_day"]))
    room_for_labels = (last - first) * 0.2
    fig.update_layout(
        height=140 + 48 * len(order), bargap=0.25, legend_title_text=None,
        xaxis=dict(type="date", title=None, range=[first - room_for_labels / 8, last + room_for_labels]),
        yaxis=dict(categoryorder="array", categoryarray=order, fixedrange=True, automargin=True),
    )
    return fig


def variants_figure(chapter: Chapter, battle_id: str = BATTLE_ID) -> render.BookFigure:
    spans = battle_spans(chapter)
    spans = _merge_identical_spans(spans[spans["battle_id"] == battle_id])
    if spans.empty:
        raise ValueError(f"battle {battle_id!r} had not started by {chapter.as_of}")
    city = spans["city"].iloc[0]
    shortest, longest = spans.loc[spans["days"].idxmin()], spans.loc[spans["days"].idxmax()]
    not_over = int(spans["ongoing"].sum())
    span = f"{shortest['days']:,} to {longest['days']:,} days"
    if not_over == len(spans):
        title = (f"By {human_date(chapter.as_of)} the battle for {city} had lasted {span}, depending on when the "
                 "clock starts, and was not over")
    else:
        title = f"Depending on when the clock starts and stops, the battle for {city} lasted {span}"
        if not_over:
            title += (f"; {not_over} of the {len(spans)} definitions "
                      f"{'counts' if not_over == 1 else 'count'} it as not over")
    starts = "; ".join(f"{human_date(d)}: {b.rstrip('.')}" for d, b in
                       spans.drop_duplicates("start_day")[["start_day", "start_basis"]].itertuples(index=False))
    return render.BookFigure(
        name=f"{NAME_PREFIX}-{battle_id}-variants",
        title=title,
        alt=(f"Timeline bars for {len(spans)} ways of dating the battle for {city}, from {shortest['days']:,} "
             f"to {longest['days']:,} days."),
        caption=("There is no agreed start or end. Each bar is one pair of start and end dates found in the data; "
                 "the colour and pattern say what the end rests on, and grey bars had not ended at the last date "
                 f"known. The starts: {starts}."),
        citations=chapter.cite(ids_in(spans)),
        data_date=max(spans["end_day"]),
        data=spans.drop(columns=["label"]),
        chart=variants_chart(spans, chapter.as_of),
    )


def answer_paragraph(chapter: Chapter, battle_id: str = BATTLE_ID) -> Markdown:
    """The short answer: the main definition's days, and the range over all definitions."""
    spans = battle_spans(chapter)
    spans = spans[spans["battle_id"] == battle_id]
    if spans.empty:
        return Markdown(f"The battle had not begun by {human_date(chapter.as_of)} under any definition in the data.")
    main = spans[spans["is_primary"]].iloc[0]
    text = (f"**{main['days']:,} days{' so far' if main['ongoing'] else ''}** by this book's main count.\n\n"
            f"- Start, {human_date(main['start_day'])}: {md_text(main['start_basis'])}\n"
            f"- End, {human_date(main['end_day'])} ({END_KIND_STYLE[main['end_kind']][0].lower()}): "
            f"{md_text(main['end_basis'])}\n\n"
            f"All the start and end dates in the data give between {spans['days'].min():,} and "
            f"{spans['days'].max():,} days. {chapter.cite_markdown(ids_in(spans))}")
    return Markdown(text)


# ---------------------------------------------------------------- why it took so long

def _attribution(row: pd.Series) -> str:
    """'said by the Russian side; disputed'."""
    return f"said by {CLAIMANT[row['claimant']].in_text}; {VERIFICATION[row['verification']].phrase}"


def _event_line(chapter: Chapter, row: pd.Series) -> str:
    return (f"- **{human_date(row['date'])}**: {md_text(row['title'])}. {md_text(row['description'])} "
            f"*({md_text(_attribution(row))})* {chapter.cite_markdown(split_ids(row['source_ids']))}")


def _corridor_text(chapter: Chapter) -> str:
    distances = data.load_reported_distances(chapter.data_dir, chapter.as_of)
    corridor = distances[distances["measure"] == "corridor_width"]
    if corridor.empty:
        return ""
    widths = "; then ".join(f"{DISTANCE_QUALIFIER[r['qualifier']]}{r['distance_km']:g} km {on_date(r['date'])} "
                            f"(reported by {CLAIMANT[r['claimant']].in_text})" for _, r in corridor.iterrows())
    return (f"The gap left between the two arms of the pincer was put at {widths}. "
            f"{chapter.cite_markdown(ids_in(corridor))}")


def _distances_after_text(chapter: Chapter, events: pd.DataFrame) -> str:
    """The reported distances in the rest of the year after the (first) event."""
    if events.empty:
        return ""
    when = events["date_end"].iloc[0]
    distances = data.load_reported_distances(chapter.data_dir, chapter.as_of)
    after = distances[distances["measure"].isin(CITY_MEASURES) & (distances["date_start"] > when)
                      & (distances["date_start"].dt.year == when.year)]
    if after.empty:
        return ""
    listed = "; ".join(f"{distance_phrase(r)} ({CLAIMANT[r['claimant']].in_text})" for _, r in after.iterrows())
    return (f"Reports for the rest of {when.year} put Russian forces {listed}. "
            f"{chapter.cite_markdown(ids_in(after))}")


def _population_text(chapter: Chapter, place_id: str = BATTLE_ID) -> str:
    people = data.load_populations(chapter.data_dir, chapter.as_of)
    people = people[people["place_id"] == place_id].sort_values("date_start")
    prewar, wartime = people[people["basis"] != "wartime_estimate"], people[people["basis"] == "wartime_estimate"]
    if prewar.empty or wartime.empty:
        return ""
    before, low = prewar.iloc[-1], wartime.loc[wartime["population"].idxmin()]
    return (f"{md_text(chapter.place(place_id)['name_en'])} had {before['population']:,} residents "
            f"{on_date(before['date'])}; the lowest wartime estimate, {on_date(low['date'])}, was "
            f"{QUALIFIER_PREFIX[low['qualifier']]}{low['population']:,}. The data holds no count of soldiers killed or "
            f"wounded on either side; the entries below give the forces and the damage that were reported. "
            f"{chapter.cite_markdown(ids_in(pd.DataFrame([before, low])))}")


def reason_paragraph(chapter: Chapter, reason: str) -> Markdown:
    """One reason the battle took long, told from the events that illustrate it (and, where
    the data has them, the figures that go with it)."""
    if reason not in REASON_EVENTS:
        raise KeyError(f"unknown reason {reason!r} (known: {', '.join(REASON_EVENTS)})")
    every_event = data.load_events(chapter.data_dir)
    missing = set(REASON_EVENTS[reason]) - set(every_event["event_id"])
    if missing:
        raise KeyError(f"events.csv has no event {sorted(missing)[0]!r}")
    events = data.load_events(chapter.data_dir, chapter.as_of)
    rows = events[events["event_id"].isin(REASON_EVENTS[reason])]
    before = {"pincer": _corridor_text, "cost": _population_text}.get(reason)
    after = {"kursk": _distances_after_text}.get(reason)
    parts = [before(chapter) if before else "",
             "\n".join(_event_line(chapter, row) for _, row in rows.iterrows())
             or f"The timeline records nothing of this kind up to {human_date(chapter.as_of)}.",
             after(chapter, rows) if after else ""]
    return Markdown("\n\n".join(part for part in parts if part))
