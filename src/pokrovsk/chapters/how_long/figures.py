"""Chapter 3's figures: builders that take the records of ``facts`` and return a
``render.BookFigure`` (plotly, with the house template), or, where the data had nothing yet on
``as_of``, the sentence that says so. Every word comes from ``words/en/how_long.yml``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown
from plotly.subplots import make_subplots

from pokrovsk import render, words
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.how_long import facts
from pokrovsk.charts import DATE_TICKS, PALETTE, hover_text as _hover_text
from pokrovsk.sources import ids_in

NAME_PREFIX = "how-long"

CATEGORY_STYLE = {
    "military": (PALETTE["blue"], ""), "claim": (PALETTE["vermillion"], "/"), "civilian": (PALETTE["green"], "."),
    "infrastructure": (PALETTE["orange"], "x"), "economy": (PALETTE["purple"], "-"), "context": (PALETTE["sky"], "+"),
    "analysis": (PALETTE["black"], "x"), "education": (PALETTE["yellow"], "|"), "history": (PALETTE["grey"], "\\"),
}
"""Colour and bar pattern per event category, in the order of the timeline's lanes."""
VERIFICATION_STYLE = {"established": (PALETTE["blue"], "circle"), "corroborated": (PALETTE["green"], "square"),
                      "claimed": (PALETTE["orange"], "diamond"), "disputed": (PALETTE["vermillion"], "x")}
"""Colour and marker per verification, firmest first (the legend's order)."""
END_KIND_STYLE = {"capture": (PALETTE["blue"], ""), "withdrawal": (PALETTE["green"], "."),
                  "claim": (PALETTE["orange"], "/"), "assessment": (PALETTE["purple"], "x"),
                  "ongoing": (PALETTE["grey"], "-")}
"""Colour and bar pattern per kind of end, in the legend's order."""
MEASURE_SYMBOL = {"to_city": "circle", "to_outskirts": "square", "to_centre": "diamond", "inside_city": "star",
                  "start_point": "triangle-up", "to_mine": "cross", "corridor_width": "hourglass"}
"""Marker per measure, in the legend's order."""
REPORTER_COLOUR = {"independent": PALETTE["black"], "ukraine": PALETTE["blue"], "russia": PALETTE["vermillion"]}
LABEL_POSITIONS = ["top center", "bottom center", "middle right", "middle left", "top right", "bottom right"]


def _say(key: str, **fields) -> str:
    return words.say(f"how_long.{key}", **fields)


def _write(book: Chapter, key: str, **fields) -> Markdown:
    return book.write(f"how_long.{key}", **fields)


def _figure(name: str, words_key: str, fields: dict, book: Chapter, source_ids, data_date, data: pd.DataFrame,
            chart: go.Figure) -> render.BookFigure:
    """A chart with its title, alt text and caption from the catalog entries under ``words_key``."""
    return render.BookFigure(
        name=f"{NAME_PREFIX}-{name}", title=_say(f"{words_key}.title", **fields), alt=_say(f"{words_key}.alt", **fields),
        caption=_say(f"{words_key}.caption", **fields), citations=book.cite(source_ids), data_date=data_date, data=data,
        chart=chart)


def _evidence(row: pd.Series) -> str:
    note = row["verification_note"] if pd.notna(row["verification_note"]) else ""
    return _hover_text(_say("evidence", verification=row["verification"], note=" ".join(str(note).split())))


def _groups(rows: pd.DataFrame, column: str, styles: dict):
    """(code, style, its rows) for each code of ``styles`` that has rows, in the styles' order."""
    for code, style in styles.items():
        group = rows[rows[column] == code]
        if not group.empty:
            yield code, style, group


def _pattern(shape: str) -> dict:
    """A white texture over the solid colour: a second cue besides colour that keeps text on
    the bar legible."""
    return dict(shape=shape, fillmode="overlay", fgcolor="white", solidity=0.3)


def distance_phrase(report: facts.DistanceReport) -> str:
    """'about 38 km away in Jan 2024', 'inside the city on 17 Jul 2025'."""
    return _say("distance_phrase", **dataclasses.asdict(report))


# ---------------------------------------------------------------- battle lengths

def _days_text(row: pd.Series) -> str:
    return _say("days", days=row["days"], ongoing=row["ongoing"])


def _span_hover(spans: pd.DataFrame, as_of: dt.date) -> list[list[str]]:
    """customdata for ``how_long.span_hover``."""
    return [[words.date(r["start_day"]), _hover_text(r["start_basis"]), words.date(r["end_day"]),
             _say(f"end_kind.{r['end_kind']}"),
             _say("still_fought", as_of=as_of) if r["cut_at_as_of"] else _hover_text(r["end_basis"]),
             _days_text(r), html.escape(r["city"])]
            for _, r in spans.iterrows()]


def _durations_chart(primary: pd.DataFrame, others: pd.DataFrame, highlight: str, as_of: dt.date) -> go.Figure:
    """Main counts as horizontal bars (end kind by colour and pattern); ticks for the other
    counts of the same battle."""
    order = primary.sort_values("days")["city"].tolist()
    hover = _say("span_hover")
    fig = go.Figure()
    for kind, (colour, pattern), group in _groups(primary, "end_kind", END_KIND_STYLE):
        fig.add_bar(y=group["city"], x=group["days"], orientation="h", name=_say(f"end_kind.{kind}"),
                    marker=dict(color=colour, pattern=_pattern(pattern),
                                line=dict(color=[PALETTE["black"] if b == highlight else colour
                                                 for b in group["battle_id"]], width=2)),
                    text=[_days_text(r) for _, r in group.iterrows()], textposition="auto", cliponaxis=False,
                    customdata=_span_hover(group, as_of), hovertemplate=hover)
    if not others.empty:
        fig.add_scatter(y=others["city"], x=others["days"], mode="markers", name=_say("durations.others"),
                        marker=dict(symbol="line-ns-open", size=18, color=PALETTE["black"], line=dict(width=2)),
                        customdata=_span_hover(others, as_of), hovertemplate=hover)
    highlighted = primary.loc[primary["battle_id"] == highlight, "city"].tolist()
    longest = max(primary["days"].max(), others["days"].max() if not others.empty else 0)
    fig.update_layout(
        height=140 + 36 * len(order), bargap=0.3, xaxis_title=_say("durations.x_axis"), legend_title_text=None,
        yaxis=dict(categoryorder="array", categoryarray=order, tickvals=order, fixedrange=True, automargin=True,
                   ticktext=[f"<b>{c}</b>" if c in highlighted else c for c in order]),
        xaxis=dict(range=[0, max(longest, 1) * 1.22]),
    )
    return fig


def durations(record: facts.Durations, book: Chapter) -> render.BookFigure | Markdown:
    """Every city battle's main count, the battle in focus outlined."""
    if record.longest is None:
        return _write(book, "durations.not_yet")
    spans = record.spans
    primary, others = spans[spans["is_primary"]], spans[~spans["is_primary"]]
    fields = dict(as_of=book.as_of, city=record.city, focus=record.focus, rank=record.rank, longer=record.longer,
                  compared=record.compared, longest=record.longest, left_out=record.left_out)
    return _figure("durations", "durations", fields, book, ids_in(spans), max(spans["end_day"]),
                   spans.drop(columns=["start_day"]), _durations_chart(primary, others, record.battle_id, book.as_of))


def _variants_chart(spans: pd.DataFrame, as_of: dt.date) -> go.Figure:
    """One bar per count of the battle on a date axis, coloured and patterned by end kind."""
    fig = go.Figure()
    order = spans["label"].tolist()[::-1]
    hover = _say("span_hover")
    for kind, (colour, pattern), group in _groups(spans, "end_kind", END_KIND_STYLE):
        # Each bar's length is written in its row label: a label beside a short bar late in the
        # period would run off a phone's screen.
        fig.add_bar(
            y=group["label"], base=[d.isoformat() for d in group["start_day"]],
            x=[(pd.Timestamp(e) - pd.Timestamp(s)) / pd.Timedelta(milliseconds=1)
               for s, e in zip(group["start_day"], group["end_day"])],
            orientation="h", name=_say(f"end_kind.{kind}"), marker=dict(color=colour, pattern=_pattern(pattern)),
            customdata=_span_hover(group, as_of), hovertemplate=hover)
    if spans["cut_at_as_of"].any():
        fig.add_shape(type="line", xref="x", yref="paper", x0=as_of, x1=as_of, y0=0, y1=1,
                      line=dict(color=PALETTE["black"], dash="dot", width=1))
        fig.add_annotation(x=as_of, y=1, xref="x", yref="paper", yanchor="bottom", showarrow=False,
                           text=_say("variants.as_of_line", as_of=as_of), font=dict(size=12))
    first, last = pd.Timestamp(min(spans["start_day"])), pd.Timestamp(max(spans["end_day"]))
    room = (last - first) * 0.04
    fig.update_layout(
        height=140 + 62 * len(order), bargap=0.25, legend_title_text=None,
        xaxis=dict(DATE_TICKS, title=None, range=[first - room, last + room * 3]),
        yaxis=dict(categoryorder="array", categoryarray=order, fixedrange=True, automargin=True),
    )
    return fig


def variants(record: facts.Variants, book: Chapter) -> render.BookFigure | Markdown:
    """Every start and end in the data for one battle, as bars on a date axis."""
    if record.longest_days == 0:
        return _write(book, "variants.not_yet", city=record.city, starting_today=record.starting_today)
    spans = record.spans.assign(label=[_say("variants.bar", start=r["start_day"], end=r["end_day"],
                                            main=r["is_primary"], days=_days_text(r))
                                       for _, r in record.spans.iterrows()])
    fields = dict(as_of=book.as_of, city=record.city, shortest=record.shortest_days, longest=record.longest_days,
                  not_over=record.not_over, count=len(spans), starts=record.starts)
    return _figure(f"{record.battle_id}-variants", "variants", fields, book, ids_in(spans), max(spans["end_day"]),
                   spans.drop(columns=["label"]), _variants_chart(spans, book.as_of))


# ---------------------------------------------------------------- events

def _lane_positions(events: pd.DataFrame, lanes: list[str]) -> pd.Series:
    """Lane number (top lane highest), nudged apart for events that share a lane and a date."""
    lane_number = events["category"].map({c: len(lanes) - i for i, c in enumerate(lanes)})
    same_day = events.groupby(["category", "date"])["event_id"]
    rank, size = same_day.cumcount(), same_day.transform("size")
    return lane_number + (rank - (size - 1) / 2) * 0.25


def _timeline_chart(events: pd.DataFrame, start: dt.date, end: dt.date, key_moments: tuple[str, ...] = ()) -> go.Figure:
    """Events in lanes by category; verification told apart by colour and marker shape; the key
    moments numbered, in date order, as in the list under the chart (above and below their
    markers in turn, so neighbours' numbers stay apart)."""
    lanes = [c for c in CATEGORY_STYLE if c in set(events["category"])]
    rows = events.assign(y=_lane_positions(events, lanes),
                         x=events["date_start"] + (events["date_end"] - events["date_start"]) / 2)
    hover = _say("timeline.hover")
    fig = go.Figure()
    for verification, (colour, symbol), group in _groups(rows, "verification", VERIFICATION_STYLE):
        fig.add_scatter(
            x=group["x"], y=group["y"], mode="markers", name=words.label("verification", verification),
            marker=dict(color=colour, symbol=symbol, size=11, line=dict(color="white", width=1)),
            customdata=[[_hover_text(r["title"]), words.date(r["date"]), _hover_text(r["description"]),
                         _hover_text(words.label("claimant_long", r["claimant"])), _evidence(r)]
                        for _, r in group.iterrows()],
            hovertemplate=hover,
        )
    keys = rows.set_index("event_id").loc[list(key_moments)]
    if not keys.empty:
        fig.add_scatter(x=keys["x"], y=keys["y"], mode="text", text=[str(n) for n in range(1, len(keys) + 1)],
                        textposition=["top center" if n % 2 else "bottom center" for n in range(len(keys))],
                        textfont=dict(size=13, color=PALETTE["black"]), showlegend=False, hoverinfo="skip",
                        cliponaxis=False)
    fig.update_layout(
        height=460, hovermode="closest", legend_title_text=_say("timeline.legend_title"),
        xaxis=dict(DATE_TICKS, range=[start, end], title=None),
        yaxis=dict(tickvals=[len(lanes) - i for i in range(len(lanes))],
                   ticktext=[_say(f"category.{c}") for c in lanes], range=[0.4, len(lanes) + 0.6],
                   showgrid=True, fixedrange=True, automargin=True),
    )
    return fig


TIMELINE_COLUMNS = ["event_id", "date", "date_precision", "title", "description", "category", "claimant",
                    "verification", "verification_note", "place_id", "source_ids"]


def timeline(record: facts.Timeline, book: Chapter) -> render.BookFigure | Markdown:
    """Every event of the battle known on ``as_of``, in lanes by kind."""
    events = record.events
    if events.empty:
        return _write(book, "timeline.not_yet", start=record.start)
    fields = dict(as_of=book.as_of, events=len(events), start=record.start, contested=record.contested,
                  russian_contested=record.russian_contested, earlier=record.earlier,
                  earlier_first=record.earlier_first, earlier_last=record.earlier_last)
    return _figure("timeline", "timeline", fields, book, ids_in(events), events["date"].iloc[-1],
                   events[TIMELINE_COLUMNS], _timeline_chart(events, record.start, book.as_of, record.key_moments))


def key_moments(record: facts.Timeline, book: Chapter) -> Markdown:
    """The numbered key moments of the timeline, with every event one fold away."""
    events = record.events.set_index("event_id", drop=False)
    return _write(book, "key_moments", chosen=[events.loc[i] for i in record.key_moments],
                  every=[row for _, row in record.events.iterrows()])


MOST_STACKED = 5
OTHER_CATEGORIES = "other"


def _stacked_layers(counts: pd.DataFrame) -> list[tuple[str, pd.Series, tuple[str, str]]]:
    """The stack's layers (category, monthly counts, style): the categories with the most events,
    the rest merged into one grey layer, so the legend keeps to five entries."""
    present = [c for c in CATEGORY_STYLE if c in counts.columns]
    if len(present) <= MOST_STACKED:
        return [(c, counts[c], CATEGORY_STYLE[c]) for c in present]
    biggest = set(counts[present].sum().sort_values(ascending=False, kind="stable").index[:MOST_STACKED - 1])
    rest = [c for c in present if c not in biggest]
    return ([(c, counts[c], CATEGORY_STYLE[c]) for c in present if c in biggest]
            + [(OTHER_CATEGORIES, counts[rest].sum(axis=1), (PALETTE["grey"], ""))])


def events_per_month(record: facts.MonthlyCounts, book: Chapter) -> render.BookFigure | Markdown:
    """Events recorded per month, stacked by kind."""
    counts = record.counts
    if not record.busiest:
        return _write(book, "timeline.not_yet", start=counts.index[0].start_time.date())
    fig = go.Figure()
    x = counts.index.to_timestamp()
    for category, monthly, (colour, pattern) in _stacked_layers(counts):
        name = _say(f"category.{category}")
        fig.add_bar(x=x, y=monthly, name=name, marker=dict(color=colour, pattern=_pattern(pattern)),
                    hovertemplate=_say("per_month.hover", category=name))
    fig.update_layout(barmode="stack", height=420, yaxis_title=_say("per_month.y_axis"), xaxis_title=None,
                      xaxis=DATE_TICKS, legend_title_text=None)
    download = counts.assign(total=counts.sum(axis=1)).reset_index()
    download["month"] = download["month"].astype(str)
    fields = dict(busiest=record.busiest, busiest_count=record.busiest_count, busiest_claims=record.busiest_claims,
                  first=str(counts.index[0]), last=str(counts.index[-1]))
    return _figure("events-per-month", "per_month", fields, book, record.source_ids, record.last_date,
                   download, fig)


# ---------------------------------------------------------------- reported distances

def _label_positions(dates: pd.Series, crowded_days: int = 21) -> list[str]:
    """Labels of reports close together in time take turns around their markers."""
    positions, turn, previous = [], 0, None
    for date in dates:
        turn = turn + 1 if previous is not None and (date - previous).days < crowded_days else 0
        positions.append(LABEL_POSITIONS[turn % len(LABEL_POSITIONS)])
        previous = date
    return positions


def _distance_trace(rows: pd.DataFrame, measure: str, positions: list[str]) -> go.Scatter:
    label = _say(f"measure.{measure}")
    disputed = rows["verification"] == "disputed"
    return go.Scatter(
        x=rows["x"], y=rows["distance_km"], showlegend=False,
        mode="markers+text", name=label, cliponaxis=False,
        text=[_say("distance.marker", measure=r["measure"], qualifier=r["qualifier"], km=r["distance_km"])
              for _, r in rows.iterrows()],
        textposition=positions, textfont=dict(size=11),
        marker=dict(symbol=[f"{MEASURE_SYMBOL[measure]}-open" if d else MEASURE_SYMBOL[measure] for d in disputed],
                    size=12, color=[REPORTER_COLOUR[r] for r in rows["claimant"]], line=dict(width=2)),
        customdata=[[words.date(r["date"]), words.amount(r["distance_km"], "km", r["qualifier"]),
                     _hover_text(r["description"]), words.label("claimant_long", r["claimant"]), _evidence(r)]
                    for _, r in rows.iterrows()],
        hovertemplate=_say("distance.hover", measure=html.escape(label)),
    )


def _distance_chart(distances: pd.DataFrame, start: dt.date, end: dt.date) -> go.Figure:
    """Distances to the city on top; the width of the gap between the pincers, a different
    measure, in its own panel below. Colour = who reported it, shape = what was measured,
    open marker = disputed."""
    distances = distances.assign(x=distances["date_start"] + (distances["date_end"] - distances["date_start"]) / 2)
    corridor = distances[distances["measure"] == facts.CORRIDOR]
    panels = 2 if not corridor.empty else 1
    fig = make_subplots(rows=panels, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                        row_heights=[0.75, 0.25][:panels],
                        subplot_titles=[_say("distance.panel_city"), _say("distance.panel_corridor")][:panels])
    for panel, rows in ((1, distances[distances["measure"] != facts.CORRIDOR]), (2, corridor)):
        positions = pd.Series(_label_positions(rows["x"].sort_values()), index=rows["x"].sort_values().index)
        for measure, _, group in _groups(rows, "measure", MEASURE_SYMBOL):
            fig.add_trace(_distance_trace(group, measure, positions[group.index].tolist()), row=panel, col=1)
    legend = [(_say(f"measure.{m}"), PALETTE["grey"], symbol) for m, symbol in MEASURE_SYMBOL.items()
              if m != facts.CORRIDOR and m in set(distances["measure"])]
    legend += [(_say("distance.reporter", claimant=c), colour, "square")
               for c, colour in REPORTER_COLOUR.items() if c in set(distances["claimant"])]
    if (distances["verification"] == "disputed").any():
        legend.append((_say("distance.disputed"), PALETTE["grey"], "circle-open"))
    for name, colour, symbol in legend:
        fig.add_scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                        marker=dict(color=colour, symbol=symbol, size=11, line=dict(width=2, color=colour)))
    top = distances.loc[distances["measure"] != facts.CORRIDOR, "distance_km"].max()
    # Headroom above the highest marker for its label; below zero for the labels of 'inside'.
    fig.update_yaxes(title_text=_say("distance.y_axis"), row=1, col=1, range=[-2, top * 1.18])
    if panels == 2:
        fig.update_yaxes(title_text=_say("distance.y_axis"), row=2, col=1,
                         range=[0, corridor["distance_km"].max() * 1.6])
    fig.update_xaxes(type="date", range=[start, end])
    fig.update_annotations(font_size=13, x=0, xanchor="left")
    fig.update_layout(height=640 if panels == 2 else 500, showlegend=True, legend=dict(y=1.06))
    return fig


DISTANCE_COLUMNS = ["distance_id", "date", "date_precision", "distance_km", "qualifier", "measure", "description",
                    "claimant", "verification", "verification_note", "source_ids"]


def distance(record: facts.Distances, book: Chapter) -> render.BookFigure | Markdown:
    """The reported distances between Russian forces and the city, as reported."""
    if record.first is None:
        return _write(book, "distance.not_yet", city=record.city)
    reports = record.reports
    fields = dict(city=record.city, first=distance_phrase(record.first), closest=distance_phrase(record.closest),
                  reports=len(reports), disputed=record.disputed, has_corridor=record.has_corridor,
                  first_date=reports["date"].iloc[0], last_date=reports["date"].iloc[-1])
    return _figure("distance", "distance", fields, book, ids_in(reports), reports["date"].iloc[-1],
                   reports[DISTANCE_COLUMNS], _distance_chart(reports, record.start, book.as_of))


# ---------------------------------------------------------------- why it took so long

def reason(record: facts.Reason, book: Chapter) -> Markdown:
    """One reason the battle took long: its events, and the figures that go with it."""
    return _write(book, "reason", after=[distance_phrase(r) for r in record.distances_after],
                      **vars(record))
