"""What a chapter notebook calls: open the book with its parameters, then ask for figures and
facts. Each figure function joins data (pokrovsk.data), a builder (charts or maps) and the
citation (pokrovsk.sources) into one BookFigure; prose that carries numbers is generated here
from the data, so no number is ever typed into a notebook.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from pokrovsk import boundaries, charts, data, maps, render
from pokrovsk.params import BookParams
from pokrovsk.markup import md_text
from pokrovsk.sources import cited_sources, human_date, ids_in


def _role_text(text: str) -> str:
    """Role content is raw text: only the characters that would end or retarget it go."""
    return "".join(ch for ch in text if ch not in "<>`")


@dataclasses.dataclass(frozen=True)
class Chapter:
    params: BookParams
    as_of: dt.date

    @classmethod
    def open(cls, **notebook_parameters) -> "Chapter":
        """Validate the notebook's parameters and fix ``as_of`` (default: latest date in the data)."""
        params = BookParams.from_mapping(notebook_parameters)
        render.use_book_renderer()
        charts.use_house_template()
        as_of = params.as_of or data.latest_date(params.data_dir)
        return cls(params, as_of)

    @property
    def data_dir(self) -> Path:
        return data.resolve_data_dir(self.params.data_dir)

    def cite(self, source_ids) -> list[tuple[str, str]]:
        return cited_sources(source_ids, data.load_sources(self.data_dir))

    def cite_markdown(self, source_ids) -> str:
        """Sources as MyST references into the bibliography (a missing one fails the strict build)."""
        return "; ".join(f"{{ref}}`{_role_text(label)} <source-{source_id}>`" for label, source_id in self.cite(source_ids))

    def place(self, place_id: str) -> pd.Series:
        places = data.load_places(self.data_dir).set_index("place_id")
        if place_id not in places.index:
            raise KeyError(f"no place {place_id!r} in {self.data_dir / 'places.csv'}")
        return places.loc[place_id]


def population_figure(chapter: Chapter, place_id: str = "pokrovsk") -> render.BookFigure:
    place = chapter.place(place_id)
    rows = data.load_populations(chapter.data_dir, chapter.as_of)
    rows = rows[rows["place_id"] == place_id].sort_values("date_start")
    if rows.empty:
        raise ValueError(f"no population figures for {place_id!r} up to {chapter.as_of}")
    first, last = rows.iloc[0], rows.iloc[-1]
    prewar = rows[rows["basis"] != "wartime_estimate"].iloc[-1]
    wartime = rows[rows["basis"] == "wartime_estimate"]
    title = f"{place['name_en']} had {prewar['population']:,} people {on_date(prewar['date'])}"
    if not wartime.empty:
        low = wartime.loc[wartime["population"].idxmin()]
        title += (f"; wartime estimates fell to {charts.QUALIFIER_PREFIX[low['qualifier']]}{low['population']:,} "
                  f"{on_date(low['date'])}")
    alt = (f"Chart of {place['name_en']}'s population from {human_date(first['date'])} to "
           f"{human_date(last['date'])}: {first['population']:,} at the first count, {prewar['population']:,} before "
           f"the full-scale invasion, then wartime estimates down to the latest, {last['population']:,}.")
    downloads = rows[["place_id", "date", "date_precision", "population", "basis", "qualifier", "confidence", "source_ids"]]
    return render.BookFigure(
        name=f"population-{place_id}",
        title=title,
        alt=alt,
        caption="Censuses and official estimates before the war; wartime figures are estimates by local officials "
                "and are rounded.",
        citations=chapter.cite(ids_in(rows)),
        data_date=last["date"],
        data=downloads.reset_index(drop=True),
        chart=charts.population_chart(rows, place["name_en"]),
    )


def region_figure(chapter: Chapter, highlight: str = "pokrovsk", radius_km: float | None = None,
                  provider=None) -> render.BookFigure:
    radius = radius_km or chapter.params.radius_km
    places = data.load_places(chapter.data_dir)
    network = data.load_network(chapter.data_dir)
    countries = data.load_countries(chapter.data_dir)
    oblasts = boundaries.load_oblasts() if chapter.params.basemap != "offline" else None
    fig, basemap = maps.region_map(
        places, network, countries, chapter.params.centre, radius, highlight,
        oblasts=oblasts.frame if oblasts is not None else None,
        basemap=chapter.params.basemap, timeout_s=chapter.params.tile_timeout_s, provider=provider,
    )
    aoi = maps.area_of_interest(chapter.params.centre, radius).iloc[0]
    shown = places[places.within(aoi)]
    links = network[network.intersects(aoi)]
    centre = chapter.place(highlight)
    names = ", ".join(shown.loc[shown["place_id"] != highlight, "name_en"])
    notes = [basemap.note] + ([oblasts.message] if oblasts is not None else [])
    source_ids = ids_in(shown) + ids_in(links) + ["natural-earth"]
    return render.BookFigure(
        name=f"region-{highlight}-{radius:g}km",
        title=f"{centre['name_en']} sits where {links['designation'].nunique()} roads and rail lines meet, "
              f"{len(shown) - 1} settlements within {radius:g} km",
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


def on_date(value: str) -> str:
    """'on 1 Jan 2022', 'in Oct 2025', 'in 2001': the preposition follows the precision."""
    return ("on " if len(str(value)) == 10 else "in ") + human_date(value)


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
