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
from pokrovsk.charts import DATE_TICKS, PALETTE, hover_text as _hover_text, number_key_moments
from pokrovsk.frontlines.metrics import DISTANCE_COLUMN
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
REPORTER_COLOUR = {"independent": PALETTE["black"], "ukraine": PALETTE["blue"], "russia": PALETTE["vermillion"]}
FIRM = ("established", "corroborated")
"""Verification levels drawn as filled points; a claim alone, or a disputed one, is an open point."""
MEASURED_COLOUR = PALETTE["grey"]
"""The distance measured on DeepState's maps: neither side's report, so no side's colour."""
PHONE_PLOT_PX = (300, 300)
"""Width and height of the distance chart's plot area on a 390 px phone, where its labels are placed."""
LABEL_PX = dict(char=6.5, height=14, gap=7)
"""Size of an 11 px label: width per character, height, and its distance from the point."""
LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left")


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
    moments numbered, in date order, as in the list under the chart."""
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
    number_key_moments(fig, keys["x"], keys["y"])
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


# ---------------------------------------------------------------- measured and reported distances

def _label_box(x: float, y: float, width: float, position: str) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) in phone pixels of a label at ``position`` beside the point (x, y)."""
    height, gap = LABEL_PX["height"], LABEL_PX["gap"]
    vertical, horizontal = position.split()
    left = {"center": x - width / 2, "right": x + gap, "left": x - gap - width}[horizontal]
    bottom = {"top": y + gap, "bottom": y - gap - height, "middle": y - height / 2}[vertical]
    return left, bottom, left + width, bottom + height


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label_positions(points: pd.DataFrame, labels: list[str], x_range, y_range) -> list[str | None]:
    """Where each point's label goes on a phone: the first place beside it that overlaps no other
    point or label placed before it; None when there is none (its hover still says it all)."""
    (x0, x1), (y0, y1) = [pd.Timestamp(v) for v in x_range], y_range
    width, height = PHONE_PLOT_PX
    xy = [((pd.Timestamp(x) - x0) / (x1 - x0) * width, (y - y0) / (y1 - y0) * height)
          for x, y in zip(points["x"], points["distance_km"])]
    taken = [(x - 5, y - 5, x + 5, y + 5) for x, y in xy]
    positions = []
    for (x, y), label in zip(xy, labels):
        boxes = {position: _label_box(x, y, LABEL_PX["char"] * len(label), position) for position in LABEL_POSITIONS}
        free = [position for position, box in boxes.items()
                if 0 <= box[0] and box[2] <= width and not any(_overlaps(box, other) for other in taken)]
        positions.append(free[0] if free else None)
        if free:
            taken.append(boxes[free[0]])
    return positions


def _marker_label(row: pd.Series) -> str:
    return _say("distance.marker", measure=row["measure"], qualifier=row["qualifier"], km=row["distance_km"])


def _reported_trace(rows: pd.DataFrame, claimant: str, positions: list[str | None]) -> go.Scatter:
    """One side's reports: its colour; a filled mark when corroborated or established, open otherwise."""
    colour = REPORTER_COLOUR[claimant]
    return go.Scatter(
        x=rows["x"], y=rows["distance_km"], mode="markers+text", cliponaxis=False,
        name=_say("distance.reporter", claimant=claimant),
        text=[_marker_label(r) if position else "" for (_, r), position in zip(rows.iterrows(), positions)],
        textposition=[position or "top center" for position in positions], textfont=dict(size=11, color=colour),
        marker=dict(symbol=["circle" if r in FIRM else "circle-open" for r in rows["verification"]],
                    size=10, color=colour, line=dict(width=2, color=colour)),
        customdata=[[words.date(r["date"]), words.amount(r["distance_km"], "km", r["qualifier"]),
                     _hover_text(r["description"]), words.label("claimant_long", r["claimant"]), _evidence(r),
                     _say(f"measure.{r['measure']}")]
                    for _, r in rows.iterrows()],
        hovertemplate=_say("distance.hover"),
    )


def _distance_chart(measured: pd.DataFrame | None, near: pd.DataFrame, start: dt.date, end: dt.date) -> go.Figure:
    """The distance measured on DeepState's maps as a line; the distances reported at the time as
    points labelled with their figure. No legend: the line and the sides are labelled on the chart."""
    fig = go.Figure()
    top = 0.0
    if measured is not None:
        when = pd.to_datetime(measured["date"])
        fig.add_scatter(x=when, y=measured[DISTANCE_COLUMN], mode="lines", name=_say("distance.measured_name"),
                        line=dict(color=MEASURED_COLOUR, width=2.5, shape="hv"),
                        hovertemplate=_say("distance.measured_hover"))
        fig.add_annotation(x=when.iloc[0], y=float(measured[DISTANCE_COLUMN].iloc[0]), xanchor="left",
                           yanchor="bottom", showarrow=False, text=_say("distance.measured_label"),
                           font=dict(size=12, color=MEASURED_COLOUR))
        top = float(measured[DISTANCE_COLUMN].max())
        start = min(start, measured["date"].iloc[0])
    if not near.empty:
        top = max(top, float(near["distance_km"].max()))
    # Headroom above the highest point for its label; below zero for the labels of 'inside'.
    y_range = [-3.5, top * 1.12 + 1]
    near = near.assign(x=near["date_start"] + (near["date_end"] - near["date_start"]) / 2).sort_values("x")
    labels = [_marker_label(r) for _, r in near.iterrows()]
    positions = pd.Series(_label_positions(near, labels, (start, end), y_range), index=near.index, dtype=object)
    for claimant in REPORTER_COLOUR:
        rows = near[near["claimant"] == claimant]
        if not rows.empty:
            fig.add_trace(_reported_trace(rows, claimant, positions[rows.index].tolist()))
    fig.update_yaxes(title_text=_say("distance.y_axis"), range=y_range)
    fig.update_xaxes(type="date", range=[start, end], tickformat="%b<br>%Y")
    fig.update_layout(height=420, showlegend=False, hovermode="closest", margin=dict(r=16))
    return fig


def _distance_data(record: facts.Distances) -> pd.DataFrame:
    """The download: the measured series, then the reports it is set against."""
    near = record.near[DISTANCE_COLUMNS].assign(series="reported")
    if record.measured is None:
        return near
    measured = record.measured.series.rename(columns={DISTANCE_COLUMN: "distance_km"})
    measured = measured.assign(series="measured", date=measured["date"].map(str), measure="to_centre",
                               source_ids=";".join(record.measured.source_ids))[["series", "date", "distance_km",
                                                                                 "measure", "source_ids"]]
    return pd.concat([measured, near], ignore_index=True)


DISTANCE_COLUMNS = ["distance_id", "date", "date_precision", "distance_km", "qualifier", "measure", "description",
                    "claimant", "verification", "verification_note", "source_ids"]


def distance(record: facts.Distances, book: Chapter) -> render.BookFigure | Markdown:
    """The distance measured on DeepState's maps, with the distances reported at the time."""
    near, measured = record.near, record.measured
    if measured is None and near.empty:
        return _write(book, "distance.not_yet", city=record.city)
    fields = dict(city=record.city, measured=measured is not None, reports=len(near), disputed=record.disputed,
                  others=len(record.reports) - len(near),
                  first=distance_phrase(record.first) if record.first else None,
                  closest=distance_phrase(record.closest) if record.closest else None)
    if measured is not None:
        fields |= dict(first_date=measured.first, first_km=measured.first_km, last_date=measured.last,
                       last_km=measured.last_km, reached=measured.reached)
    source_ids = [*(measured.source_ids if measured else ()), *ids_in(near)]
    data_date = max(filter(None, [measured.last if measured else None,
                                  record.near["date_end"].max().date() if not near.empty else None]))
    return _figure("distance", "distance", fields, book, list(dict.fromkeys(source_ids)), data_date,
                   _distance_data(record), _distance_chart(measured.series if measured else None, near,
                                                           record.start, book.as_of))


# ---------------------------------------------------------------- why it took so long

def reason(record: facts.Reason, book: Chapter) -> Markdown:
    """One reason the battle took long: its events, and the figures that go with it."""
    return _write(book, "reason", after=[distance_phrase(r) for r in record.distances_after],
                      **vars(record))
