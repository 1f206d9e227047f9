"""Chapter 1, "Where is Pokrovsk": the region map, the names, the population."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from IPython.display import Markdown

from pokrovsk import boundaries, charts, data, maps, render
from pokrovsk.chapter import Chapter, on_date
from pokrovsk.markup import md_text
from pokrovsk.sources import human_date, ids_in


EUROPE = (-11.0, 35.0, 50.0, 62.0)
UKRAINE = (21.5, 44.0, 42.0, 53.0)
"""Map frames as (west, south, east, north) in degrees."""
UKRAINE_CITIES = ["kramatorsk", "donetsk", "dnipro", "zaporizhzhia", "mariupol"]
KEY_FACT_EVENTS = [
    "2016-05-12-rada-renames-pokrovsk",
    "1990-pokrovske-mine-opens",
    "2025-01-14-metinvest-suspends-mine",
    "2025-11-03-reuters-factbox",
    "2014-10-03-donntu-relocation-order",
    "2022-04-donntu-to-lutsk",
]
"""Events whose descriptions make the chapter's key facts (shown only once they happened by as_of)."""


def _region_frame(chapter: Chapter, radius_km: float | None = None) -> tuple[float, float, float, float]:
    west, south, east, north = maps.area_of_interest(chapter.params.centre, radius_km or chapter.params.radius_km).total_bounds
    return (west, south, east, north)


def europe_figure(chapter: Chapter, highlight: str = "pokrovsk") -> render.BookFigure:
    places = data.load_places(chapter.data_dir)
    countries = data.load_countries(chapter.data_dir)
    fig, basemap = maps.locator_map(countries, places, highlight, EUROPE,
                                    label_countries=["Ukraine", "Russia", "Poland", "Belarus", "Germany", "Turkey"],
                                    frame_of_next=UKRAINE, basemap=chapter.params.basemap,
                                    timeout_s=chapter.params.tile_timeout_s)
    place = chapter.place(highlight)
    return render.BookFigure(
        name=f"where-europe-{highlight}",
        title=f"{place['name_en']} lies in eastern Ukraine, on the far eastern side of Europe",
        alt=f"Map of Europe with Ukraine in the east and {place['name_en']} marked by a star in its east.",
        long_description=(f"A map of Europe from the Atlantic to the Caspian. Ukraine is outlined in the east, "
                          f"bordered by Russia, Belarus, Poland, Slovakia, Hungary, Romania and Moldova; Crimea is "
                          f"shown as part of Ukraine and hatched as occupied since 2014. A star marks "
                          f"{place['name_en']} in eastern Ukraine. A dashed rectangle shows the area of the next map."),
        caption="Borders as internationally recognised.",
        citations=chapter.cite(["natural-earth", *place["source_ids"].split(";")]),
        data_date=chapter.as_of,
        data=places[places["place_id"] == highlight][["place_id", "name_en", "lat", "lon", "source_ids", "geometry"]],
        image=fig,
        notes=[basemap.note],
    )


def ukraine_figure(chapter: Chapter, highlight: str = "pokrovsk") -> render.BookFigure:
    places = data.load_places(chapter.data_dir)
    countries = data.load_countries(chapter.data_dir)
    oblasts = boundaries.load_oblasts(download=chapter.params.basemap != "offline")
    donetsk = boundaries.donetsk_oblast(oblasts)
    fig, basemap = maps.locator_map(countries, places, highlight, UKRAINE, label_places=UKRAINE_CITIES,
                                    label_countries=["Russia", "Belarus", "Poland", "Moldova", "Romania"],
                                    oblast=donetsk, frame_of_next=_region_frame(chapter), label_crimea=True,
                                    basemap=chapter.params.basemap, timeout_s=chapter.params.tile_timeout_s)
    place = chapter.place(highlight)
    shown = places[places["place_id"].isin(UKRAINE_CITIES)]
    km = maps.straight_line_km(places, highlight, shown["place_id"])
    distances = {row["name_en"]: km[row["place_id"]] for _, row in shown.iterrows()}
    nearest = min(distances, key=distances.get)
    described = "; ".join(f"{name} {km:.0f} km" for name, km in sorted(distances.items(), key=lambda item: item[1]))
    oblast_text = ("Donetsk oblast is shaded." if donetsk is not None
                   else "Oblast boundaries are not drawn in this build (see the note below).")
    return render.BookFigure(
        name=f"where-ukraine-{highlight}",
        title=f"{place['name_en']} is in Donetsk oblast, {distances[nearest]:.0f} km in a straight line from {nearest}",
        alt=f"Map of Ukraine with {place['name_en']} starred in the east and nearby cities marked.",
        long_description=(f"Ukraine within its internationally recognised borders, with Crimea hatched as occupied "
                          f"since 2014 and Russia to the east. {oblast_text} A star marks {place['name_en']}. "
                          f"Straight-line distances from it: {described}. A dashed rectangle shows the next map's area."),
        caption="Distances are straight lines between city centres, not road distances.",
        citations=chapter.cite(["natural-earth", *ids_in(shown), *place["source_ids"].split(";"),
                                *([oblasts.source_id] if oblasts.source_id else [])]),
        data_date=chapter.as_of,
        data=places[places["place_id"].isin([highlight, *UKRAINE_CITIES])][
            ["place_id", "name_en", "lat", "lon", "population", "population_year", "source_ids", "geometry"]],
        image=fig,
        notes=[basemap.note, oblasts.message],
    )


def key_facts(chapter: Chapter, place_id: str = "pokrovsk") -> Markdown:
    """Population and the facts the chapter's events data holds, as a list built from the rows."""
    place = chapter.place(place_id)
    populations = data.load_populations(chapter.data_dir, chapter.as_of)
    censuses = populations[(populations["place_id"] == place_id) & (populations["basis"] == "census")]
    lines = [f"- **Population before the full-scale invasion:** {place['population']:,} ({place['population_year']}). "
             f"{chapter.cite_markdown(place['source_ids'].split(';'))}"]
    if not censuses.empty:
        last = censuses.sort_values("date_start").iloc[-1]
        lines.append(f"- **At the census of {last['date']}:** {last['population']:,}. "
                     f"{chapter.cite_markdown(last['source_ids'].split(';'))}")
    events = data.load_events(chapter.data_dir, chapter.as_of).set_index("event_id")
    for event_id in KEY_FACT_EVENTS:
        if event_id in events.index:
            row = events.loc[event_id]
            lines.append(f"- **{md_text(row['title'])}** ({human_date(row['date'])}): {md_text(row['description'])} "
                         f"{chapter.cite_markdown(row['source_ids'].split(';'))}")
    return Markdown("\n".join(lines))


def population_figure(chapter: Chapter, place_id: str = "pokrovsk") -> render.BookFigure:
    place = chapter.place(place_id)
    rows = data.load_populations(chapter.data_dir, chapter.as_of)
    rows = rows[rows["place_id"] == place_id].sort_values("date_start")
    if rows.empty:
        raise ValueError(f"no population figures for {place_id!r} up to {chapter.as_of}")
    undisputed = rows[rows["verification"] != "disputed"]
    first, last = undisputed.iloc[0], undisputed.iloc[-1]
    prewar = undisputed[undisputed["basis"] != "wartime_estimate"].iloc[-1]
    wartime = undisputed[undisputed["basis"] == "wartime_estimate"]
    title = f"{place['name_en']} had {prewar['population']:,} people {on_date(prewar['date'])}"
    if not wartime.empty:
        low = wartime.loc[wartime["population"].idxmin()]
        title += (f"; wartime estimates fell to {charts.QUALIFIER_PREFIX[low['qualifier']]}{low['population']:,} "
                  f"{on_date(low['date'])}")
    alt = (f"Chart of {place['name_en']}'s population from {human_date(first['date'])} to "
           f"{human_date(last['date'])}: {first['population']:,} at the first count, {prewar['population']:,} before "
           f"the full-scale invasion, then wartime estimates down to the latest, "
           f"{charts.QUALIFIER_PREFIX[last['qualifier']]}{last['population']:,} {on_date(last['date'])}."
           + "".join(f" A figure of {r['population']:,} {on_date(r['date'])} is disputed and drawn apart, off the line."
                     for _, r in rows[rows["verification"] == "disputed"].iterrows()))
    downloads = rows[["place_id", "date", "date_precision", "population", "basis", "qualifier", "claimant", "verification",
                     "verification_note", "source_ids"]]
    return render.BookFigure(
        name=f"population-{place_id}",
        title=title,
        alt=alt,
        caption="Censuses and official estimates before the war; wartime figures are estimates by local officials "
                "and are rounded. All are official statements, not independent counts. A hollow marker off the line "
                "is a figure that other reports contradict.",
        citations=chapter.cite(ids_in(rows)),
        data_date=last["date"],
        data=downloads.reset_index(drop=True),
        chart=charts.population_chart(rows, place["name_en"]),
    )


def _lines_meeting(network, place_id: str) -> str:
    """'4 roads and 3 railway lines': the lines with an end at the place, counted as chapter 2 counts them."""
    at_place = data.lines_at(network, place_id)
    roads = at_place.loc[at_place["mode"] == "road", "designation"].nunique()
    rails = at_place.loc[at_place["mode"] == "rail", "designation"].nunique()
    return f"{roads} roads and {rails} railway lines"


def region_figure(chapter: Chapter, highlight: str = "pokrovsk", radius_km: float | None = None,
                  provider=None) -> render.BookFigure:
    radius = radius_km or chapter.params.radius_km
    places = data.load_places(chapter.data_dir)
    network = data.load_network(chapter.data_dir)
    countries = data.load_countries(chapter.data_dir)
    oblasts = boundaries.load_oblasts(download=chapter.params.basemap != "offline")
    fig, basemap = maps.region_map(
        places, network, countries, chapter.params.centre, radius, highlight,
        oblasts=oblasts.frame,
        basemap=chapter.params.basemap, timeout_s=chapter.params.tile_timeout_s, provider=provider,
    )
    aoi = maps.area_of_interest(chapter.params.centre, radius).iloc[0]
    shown = places[places.within(aoi)]
    links = network[network.intersects(aoi)]
    centre = chapter.place(highlight)
    names = ", ".join(shown.loc[shown["place_id"] != highlight, "name_en"])
    notes = [basemap.note, oblasts.message]
    source_ids = ids_in(shown) + ids_in(links) + ["natural-earth"]
    return render.BookFigure(
        name=f"region-{highlight}-{radius:g}km",
        title=f"{centre['name_en']} sits where {_lines_meeting(network, highlight)} meet, "
              f"{int((~shown['kind'].isin(data.NON_SETTLEMENT_KINDS) & (shown['place_id'] != highlight)).sum())} "
              f"settlements within {radius:g} km",
        alt=f"Map of the area within {radius:g} km of {centre['name_en']}, showing {names} and the roads "
            f"and railways between them.",
        long_description=(
            f"{centre['name_en']} is marked with a star near the centre. Other settlements within {radius:g} km: "
            f"{names}. Lines show road and rail links as straight schematic segments between places, not their "
            f"real courses: " + "; ".join(f"{r['designation']} ({r['mode']}) from {r['from_place']} to {r['to_place']}"
                                          for _, r in links.iterrows()) + "."),
        caption="Links are drawn as straight lines between the places they connect (schematic, not to the "
                "road's real course).",
        citations=chapter.cite(source_ids),
        data_date=chapter.as_of,
        data=shown[["place_id", "name_en", "name_uk", "name_ru", "kind", "lat", "lon", "population",
                    "population_year", "source_ids", "geometry"]],
        image=fig,
        notes=notes,
    )


def names_paragraph(chapter: Chapter, place_id: str = "pokrovsk") -> Markdown:
    """The place's names through history, one period per line, built from the data."""
    names = data.load_place_names(chapter.data_dir)
    names = names[names["place_id"] == place_id].copy()
    names["start"] = [data.period_bounds(v)[0] if pd.notna(v) else dt.date.min for v in names["valid_from"]]
    language_order = {"en": 0, "uk": 1, "ru": 2}
    names["language_rank"] = names["language"].map(language_order)
    lines = []
    for (valid_from, valid_to), group in names.sort_values(["start", "language_rank"]).groupby(
            ["valid_from", "valid_to"], sort=False, dropna=False):
        forms = " / ".join(f"**{md_text(n)}** ({lang})" for n, lang in zip(group["name"], group["language"]))
        period = f"{human_date(valid_from)} to {human_date(valid_to) if pd.notna(valid_to) else 'today'}"
        lines.append(f"- {period}: {forms}")
    sources = chapter.cite_markdown(ids_in(names))
    return Markdown(f"The names {md_text(chapter.place(place_id)['name_en'])} has carried (en = English, uk = Ukrainian, "
                    f"ru = Russian):\n\n" + "\n".join(lines) + f"\n\nSources: {sources}.")
