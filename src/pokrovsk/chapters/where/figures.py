"""Chapter 1's figures, built from ``facts`` records: three locator maps (pokrovsk.maps) and the
population chart (house template). Every title, alt text, caption and hover label comes from the
catalog ``words/en/where.yml``."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from IPython.display import Markdown

from pokrovsk import boundaries, data, holders, maps, render, words
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.where.facts import Locator, Population, Region
from pokrovsk.charts import DATE_TICKS, PALETTE
from pokrovsk.sources import ids_in

EUROPE = (-11.0, 35.0, 50.0, 62.0)
UKRAINE = (21.5, 44.0, 42.0, 53.0)
"""Map frames as (west, south, east, north) in degrees."""
EUROPE_COUNTRIES = ["Ukraine", "Russia", "Poland", "Belarus", "Germany", "Turkey"]
UKRAINE_NEIGHBOURS = ["Russia", "Belarus", "Poland", "Moldova", "Romania"]
"""Countries each map labels, by their name in data/geo/countries.geojson."""
CAPITAL = "kyiv"
"""Named on the map of Ukraine for orientation (not measured to)."""
SEAS = {"black_sea": (30.6, 44.9), "sea_of_azov": (36.4, 45.95)}
"""Where the map of Ukraine names each sea, (lon, lat): open water inside its frame."""
BASIS_MARKS = {
    "census": dict(color=PALETTE["blue"], symbol="circle", size=11, line=dict(color="white", width=1)),
    "estimate": dict(color=PALETTE["green"], symbol="square", size=11, line=dict(color="white", width=1)),
    "wartime_estimate": dict(color=PALETTE["vermillion"], symbol="diamond", size=11,
                             line=dict(color="white", width=1)),
    "disputed": dict(color=PALETTE["vermillion"], symbol="circle-open", size=11, line=dict(width=2)),
}
"""Population markers: each kind of count by colour and shape (not colour alone); a disputed
figure hollow."""


def _say(key: str, book: Chapter, **fields) -> str:
    return words.say(f"where.{key}", **({"as_of": book.as_of} | fields))


def _texts(figure: str, book: Chapter, parts=("title", "alt", "long_description", "caption"), **fields) -> dict:
    """A figure's reader text from the catalog entry ``where.<figure>``, filled from ``fields``."""
    return {part: _say(f"{figure}.{part}", book, **fields) for part in parts}


def _map_options(book: Chapter) -> dict:
    return dict(basemap=book.params.basemap, timeout_s=book.params.tile_timeout_s)


def europe(record: Locator, book: Chapter) -> render.BookFigure:
    """Europe, with the place starred and the next map's frame drawn."""
    fig, basemap = maps.locator_map(data.load_countries(book.data_dir), record.places, record.place_id, EUROPE,
                                    label_countries=EUROPE_COUNTRIES, frame_of_next=UKRAINE, **_map_options(book))
    return render.BookFigure(
        name=f"where-europe-{record.place_id}",
        **_texts("europe", book, place=record.place),
        citations=book.cite(["natural-earth", *record.source_ids]),
        data_date=book.as_of,
        data=record.places[record.places["place_id"] == record.place_id][
            ["place_id", "name", "lat", "lon", "source_ids", "geometry"]],
        image=fig,
        notes=[basemap.note],
    )


def ukraine(record: Locator, book: Chapter) -> render.BookFigure:
    """Ukraine, with Donetsk oblast shaded (when the build has its outline), the place starred,
    the cities it is measured to, and the region map's frame."""
    oblasts = boundaries.load_oblasts(download=book.params.basemap != "offline")
    donetsk = boundaries.donetsk_oblast(oblasts)
    west, south, east, north = maps.area_of_interest(book.params.centre, book.params.radius_km).total_bounds
    places = data.load_places(book.data_dir)
    capital = places[places["place_id"] == CAPITAL]
    occupied, occupied_date = holders.occupied_area(book)
    fig, basemap = maps.locator_map(data.load_countries(book.data_dir), pd.concat([record.places, capital]),
                                    record.place_id, UKRAINE,
                                    label_places=[city.place_id for city in record.cities] + [CAPITAL],
                                    label_countries=UKRAINE_NEIGHBOURS, oblast=donetsk,
                                    frame_of_next=(west, south, east, north), label_crimea=True,
                                    seas={_say(f"seas.{sea}", book): at for sea, at in SEAS.items()},
                                    occupied=occupied, **_map_options(book))
    fields = dict(place=record.place, cities=record.cities, nearest=record.cities[0], oblast_drawn=donetsk is not None,
                  capital=capital["name"].iloc[0], occupied_date=occupied_date if occupied is not None else None)
    return render.BookFigure(
        name=f"where-ukraine-{record.place_id}",
        **_texts("ukraine", book, **fields),
        citations=book.cite(["natural-earth", *[i for city in record.cities for i in city.source_ids],
                             *record.source_ids, *ids_in(capital), *([oblasts.source_id] if oblasts.source_id else [])]),
        data_date=book.as_of,
        data=record.places,
        image=fig,
        notes=[basemap.note, oblasts.message],
    )


def region(record: Region, book: Chapter, provider=None) -> render.BookFigure:
    """The places and schematic road and rail links within the record's radius; ``provider``
    replaces the web tiles' source (tests)."""
    oblasts = boundaries.load_oblasts(download=book.params.basemap != "offline")
    fig, basemap = maps.region_map(record.places, record.network, data.load_countries(book.data_dir), record.centre,
                                   record.radius_km, record.place_id, oblasts=oblasts.frame, provider=provider,
                                   **_map_options(book))
    return render.BookFigure(
        name=f"region-{record.place_id}-{record.radius_km:g}km",
        **_texts("region", book, **vars(record)),
        citations=book.cite([*record.source_ids, "natural-earth"]),
        data_date=book.as_of,
        data=record.places,
        image=fig,
        notes=[basemap.note, oblasts.message],
    )


def population_chart(record: Population, book: Chapter) -> go.Figure:
    """The figures over time on a line; a disputed one stands apart as a hollow marker, off the
    line, so the line never runs through a figure that others contradict."""
    rows = record.table
    disputed = rows["verification"] == "disputed"
    fig = go.Figure()
    fig.add_scatter(x=rows.loc[~disputed, "date_start"], y=rows.loc[~disputed, "population"], mode="lines",
                    line=dict(color="#9a9a9a", width=1), hoverinfo="skip", showlegend=False)
    for kind, marker in BASIS_MARKS.items():
        group = rows[disputed] if kind == "disputed" else rows[(rows["basis"] == kind) & ~disputed]
        if group.empty:
            continue
        hover = "population.hover_disputed" if kind == "disputed" else "population.hover"
        fig.add_scatter(
            x=group["date_start"], y=group["population"], mode="markers", name=_say(f"labels.basis.{kind}", book),
            marker=marker, hoverinfo="text+name",
            hovertext=[_say(hover, book, date=date, population=population, qualifier=qualifier)
                       for date, population, qualifier in zip(group["date"], group["population"], group["qualifier"])],
        )
    fig.update_layout(yaxis_title=_say("population.y_axis", book, place=record.place), xaxis_title=None,
                      yaxis_rangemode="tozero", xaxis=DATE_TICKS)
    return fig


def population(record: Population, book: Chapter) -> render.BookFigure | Markdown:
    """The population chart, or a sentence when no figure had been published by ``as_of``."""
    if record.latest is None:
        return book.write("where.population.none", place=record.place)
    return render.BookFigure(
        name=f"population-{record.place_id}",
        **_texts("population", book, ("title", "alt", "caption"), **vars(record)),
        citations=book.cite(ids_in(record.table)),
        data_date=record.latest.date,
        data=record.table[["place_id", "date", "date_precision", "population", "basis", "qualifier", "claimant",
                           "verification", "verification_note", "source_ids"]],
        chart=population_chart(record, book),
    )
