"""What the built pages print agrees with data/, and every figure carries what a reader needs."""

from __future__ import annotations

import csv
import datetime as dt
import html.parser
import re
from pathlib import Path

import pyproj
import pytest

from conftest import REPO
from browsing import edition_html

pytestmark = pytest.mark.slow
DATA = REPO / "data"
CHAPTERS = ["01_where", "02_why", "03_how_long", "04_what_next"]


def rows(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def page_text(built_book: Path, chapter: str) -> str:
    raw = (edition_html(built_book) / "book" / "chapters" / f"{chapter}.html").read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", raw))


class FigureAudit(html.parser.HTMLParser):
    """Collects every <img> alt and, per <figure class="pk-figure">, what its caption holds."""

    def __init__(self) -> None:
        super().__init__()
        self.image_alts: list[str | None] = []
        self.figures: list[dict] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "figure" and "pk-figure" in (values.get("class") or ""):
            self.figures.append({"id": values.get("id"), "sources": 0, "download": None, "date": False})
            self._depth = 1
        elif self._depth and tag == "figure":
            self._depth += 1
        if tag == "img":
            self.image_alts.append(values.get("alt"))
        if self._depth and tag == "a":
            href = values.get("href") or ""
            if "bibliography.html#source-" in href:
                self.figures[-1]["sources"] += 1
            if "pk-download" in (values.get("class") or ""):
                self.figures[-1]["download"] = href
        if self._depth and tag == "span" and "pk-date" in (values.get("class") or ""):
            self.figures[-1]["date"] = True

    def handle_endtag(self, tag):
        if self._depth and tag == "figure":
            self._depth -= 1


def audit(page: Path) -> FigureAudit:
    collector = FigureAudit()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector


def test_every_image_has_alt_text_and_every_figure_a_source_date_and_download(built_book):
    html_root = edition_html(built_book)
    charts = maps = 0
    for page in html_root.rglob("*.html"):
        if page.relative_to(html_root).parts[0].startswith("_"):
            continue
        found = audit(page)
        assert all(alt and alt.strip() for alt in found.image_alts), f"{page.name}: an <img> without alt text"
        for figure in found.figures:
            assert figure["sources"] > 0, f"{page.name} {figure['id']}: no source"
            assert figure["date"], f"{page.name} {figure['id']}: no data date"
            assert figure["download"] and (page.parent / figure["download"]).is_file(), f"{page.name} {figure['id']}"
        if page.parent.name == "chapters" and page.stem in CHAPTERS:
            text = page.read_text(encoding="utf-8")
            charts += text.count('class="pk-chart"')
            maps += text.count('class="pk-map"')
    assert charts >= 12 and maps >= 6, (charts, maps)


def test_key_figures_on_the_pages_match_the_data(built_book):
    where = page_text(built_book, "01_where")
    pokrovsk = next(r for r in rows("places") if r["place_id"] == "pokrovsk")
    census = next(r for r in rows("populations") if r["place_id"] == "pokrovsk" and r["date"] == "2001")
    assert f"{int(pokrovsk['population']):,}" in where and f"{int(census['population']):,}" in where

    how_long = page_text(built_book, "03_how_long")
    main = next(r for r in rows("battles") if r["battle_id"] == "pokrovsk" and r["is_primary"] == "true")
    days = (dt.date.fromisoformat(main["end"]) - dt.date.fromisoformat(main["start"])).days
    assert f"{days} days" in how_long

    why = page_text(built_book, "02_why")
    places = {r["place_id"]: r for r in rows("places")}
    geod = pyproj.Geod(ellps="WGS84")
    for city in ("kramatorsk", "sloviansk"):
        km = geod.inv(float(pokrovsk["lon"]), float(pokrovsk["lat"]),
                      float(places[city]["lon"]), float(places[city]["lat"]))[2] / 1000
        stated = re.search(rf"(\d+) km to {places[city]['name_en']}", why)
        assert stated and abs(int(stated.group(1)) - km) <= 1.5, (city, km)

    what_next = page_text(built_book, "04_what_next")
    claim = next(r for r in rows("events") if r["event_id"].startswith("2025-12-01") and r["claimant"] == "russia")
    assert "1 Dec 2025" in what_next and claim["verification"] in ("claimed", "disputed")
