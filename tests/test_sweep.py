"""The sweep (issue 19): the whole book, built by the real command line as it stood on a spread of
dates, at least one per quarter of its period, from the fall of Avdiivka to today. Every build
must succeed, and no page of an edition of the war may mention a date after its ``as_of``.

Which pages are editions of the war, and what they may cite, is the rule written on the
Limitations page ("What an edition may show"): the chapters, the introduction, the glossary, the
Limitations page itself and the data pages with the bibliography are checked; the pages about
the book itself (About, Corrections, What changed) are not, nor is the page chrome (footer,
navigation). In the bibliography, two things may be later than ``as_of``, exactly as the rule
allows: the note on when and through which copy the book's editors read a source ("Accessed
... via ..."), and the entries of sources
published later that only timeless facts (a place, its coordinates or names, a road) cite,
each marked as such.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import REPO, copy_repo, pokrovsk
from browsing import EDITIONS, edition_html
from later_dates import dates_after
from pokrovsk.datapages import TIMELESS_TABLES, later_source_note
from pokrovsk.params import PERIOD_START

pytestmark = pytest.mark.slow

DATA = REPO / "data"
BOOK_PAGES = {"book/about.html", "book/rerun.html", "book/data/corrections.html", "book/edition/changes.html"}
"""Pages that describe the book itself, not the war as of a date: they may carry later dates."""
SOURCE_CODE_PAGES = "_modules/"
"""The book's own code ("how this was made"), shown as source: it describes the book, not the war."""
EDITION_PAGES = {f"book/chapters/{stem}.html" for stem in
                 ("01_where", "02_why", "03_how_long", "04_what_next", "05_front_line", "06_teachers")} | {
    "book/intro.html", "book/glossary.html", "book/limitations.html", "book/data/index.html",
    "book/data/bibliography.html", *(f"book/data/datasets/{path.stem}.html" for path in
                                     (REPO / "data").glob("*.csv"))}
"""Pages of an edition of the war, each of which the sweep must find and check (more may exist)."""
ACCESS_NOTE = re.compile(r"Accessed [^“”]*$")
"""An entry's last sentence, "Accessed <date> via <copy>.": how the book's editors read the source."""
LATER_NOTE_TEXT = later_source_note().strip("*")
NOT_TEXT = {"script", "style", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def quarter_middles(start: dt.date, end: dt.date) -> list[dt.date]:
    """The 15th of each quarter's middle month from ``start``'s quarter to ``end``'s, within them."""
    days = []
    day = dt.date(start.year, (start.month - 1) // 3 * 3 + 2, 15)
    while day <= end:
        if day >= start:
            days.append(day)
        day = dt.date(day.year + 1, 2, 15) if day.month == 11 else day.replace(month=day.month + 3)
    return days


def sweep_dates(today: dt.date) -> list[str | None]:
    """The period's first day exactly, the middle of every quarter, today, and the default
    (``None``: the latest date in the data)."""
    days = sorted({PERIOD_START, *quarter_middles(PERIOD_START, today), today})
    return [day.isoformat() for day in days] + [None]


def test_the_sweep_covers_every_quarter_of_the_period():
    days = [dt.date.fromisoformat(day) for day in sweep_dates(dt.date(2026, 11, 29)) if day]
    quarters = {(day.year, (day.month - 1) // 3) for day in days}
    assert days[0] == PERIOD_START and days[-1] == dt.date(2026, 11, 29)
    assert quarters == {(year, quarter) for year in (2024, 2025, 2026) for quarter in range(4)}
    assert len(days) == 13


class ArticleText(HTMLParser):
    """The text a reader sees in a page's article (not its chrome), with image descriptions,
    gathered per bibliography entry (``<p id="source-...">``) as well."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.depth_of_article: int | None = None
        self.entry: str | None = None
        self.entry_depth = 0
        self.hidden = 0
        self.parts: list[str] = []
        self.entries: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in VOID:
            self._visible(attributes.get("alt") or "")
            return
        self.open.append(tag)
        if tag == "article" and "bd-article" in (attributes.get("class") or "").split():
            self.depth_of_article = len(self.open)
        if tag in NOT_TEXT:
            self.hidden += 1
        if (attributes.get("id") or "").startswith("source-"):
            self.entry, self.entry_depth = attributes["id"].removeprefix("source-"), len(self.open)
            self.entries[self.entry] = []
        self._visible(attributes.get("aria-label") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID or tag not in self.open:
            return
        while self.open:
            closed = self.open.pop()
            if closed in NOT_TEXT:
                self.hidden -= 1
            if self.depth_of_article is not None and len(self.open) < self.depth_of_article:
                self.depth_of_article = None
            if self.entry is not None and len(self.open) < self.entry_depth:
                self.entry = None
            if closed == tag:
                return

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._visible(data)

    def _visible(self, text: str) -> None:
        if self.depth_of_article is None or not text.strip():
            return
        (self.entries[self.entry] if self.entry is not None else self.parts).append(text)


def article(page: Path) -> ArticleText:
    parser = ArticleText()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_the_reader_text_leaves_out_chrome_scripts_and_styles_but_keeps_image_descriptions():
    parser = ArticleText()
    parser.feed('<footer>Built on 29 Nov 2026</footer><article class="bd-article"><h1>Title</h1>'
                '<script>var x = "3 Mar 2026";</script><style>p::after{content:"2027"}</style>'
                '<img alt="Map as of 1 Jun 2025"><p id="source-a">Reuters. 3 Nov 2025.</p><p>After 2024</p></article>'
                '<div>Edition 2026-05-31-abc</div>')
    assert " ".join(parser.parts) == "Title Map as of 1 Jun 2025 After 2024"
    assert parser.entries == {"a": ["Reuters. 3 Nov 2025."]}


def period_end(value: str) -> dt.date:
    year, *rest = (int(part) for part in value.split("-"))
    if not rest:
        return dt.date(year, 12, 31)
    if len(rest) == 1:
        return (dt.date(year + rest[0] // 12, rest[0] % 12 + 1, 1) - dt.timedelta(days=1))
    return dt.date(year, *rest)


def rows(table: str) -> list[dict[str, str]]:
    with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def published() -> dict[str, dt.date]:
    """Each dated source's last possible day of publication."""
    return {row["source_id"]: period_end(row["date_published"]) for row in rows("sources") if row["date_published"]}


def timeless_later_sources(as_of: dt.date) -> set[str]:
    """What the rule allows: sources published after ``as_of`` that a timeless row cites while
    none of its sources was out by then (an undated source counts as out)."""
    dates = published()
    allowed = set()
    for table in TIMELESS_TABLES:
        for row in rows(table):
            ids = [part.strip() for part in row["source_ids"].split(";") if part.strip()]
            if all(source_id in dates and dates[source_id] > as_of for source_id in ids):
                allowed.update(ids)
    return allowed


def test_the_rule_allows_later_sources_only_for_timeless_rows_that_lack_earlier_ones():
    allowed = timeless_later_sources(PERIOD_START)
    dates = published()
    assert allowed and all(dates[source_id] > PERIOD_START for source_id in allowed)
    assert not timeless_later_sources(max(dates.values()))


def leaks(html: Path, as_of: dt.date) -> dict[str, list[str]]:
    """Later dates on each edition page of the site, beyond what the rule allows."""
    allowed = timeless_later_sources(as_of)
    dates = published()
    found = {}
    for page in sorted(html.rglob("*.html")):
        name = page.relative_to(html).as_posix()
        if name in BOOK_PAGES or name.startswith(SOURCE_CODE_PAGES):
            continue
        text = article(page)
        later = dates_after(" ".join(text.parts), as_of)
        for source_id, parts in text.entries.items():
            entry = " ".join(parts)
            if source_id in allowed:
                if LATER_NOTE_TEXT not in entry:
                    later.append(f"{source_id}: a later source not marked as such")
                continue
            if dates.get(source_id, as_of) > as_of:
                later.append(f"{source_id}: published after {as_of}")
            later += dates_after(ACCESS_NOTE.sub("", entry), as_of)
        if later:
            found[name] = later
    return found


PRINTED_OBJECT = re.compile(r"<[\w.]+ object(?: at 0x[0-9a-f]+)?>")
"""How Python prints an object that has nothing to show, e.g. <IPython.core.display.Markdown object>."""


def printed_objects(html: Path) -> dict[str, list[str]]:
    """Python objects printed on the pages by name, where a cell's display came out empty."""
    found = {page.relative_to(html).as_posix(): PRINTED_OBJECT.findall(" ".join(article(page).parts))
             for page in sorted(html.rglob("*.html"))}
    return {name: shown for name, shown in found.items() if shown}


def test_a_printed_object_is_found_in_the_reader_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<main><article class="bd-article"><p>No timeline.</p>'
                    '<pre>&lt;IPython.core.display.Markdown object&gt;</pre></article></main>', encoding="utf-8")
    assert printed_objects(tmp_path) == {"page.html": ["<IPython.core.display.Markdown object>"]}


@pytest.fixture(scope="module")
def sweep_repo(tmp_path_factory) -> Path:
    """One copy of the repository for all the sweep's builds: each replaces the last edition,
    and Sphinx re-reads only the pages that changed."""
    return copy_repo(tmp_path_factory.mktemp("sweep") / "repo")


@pytest.mark.parametrize("as_of", sweep_dates(dt.date.today()), ids=lambda day: day or "latest")
def test_every_edition_builds_and_nothing_later_leaks(sweep_repo, as_of):
    result = pokrovsk("build", "--jobs", "2", *(["--param", f"as_of={as_of}"] if as_of else []), cwd=sweep_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    html = edition_html(sweep_repo)
    found = {page.relative_to(html).as_posix() for page in html.rglob("*.html")}
    assert EDITION_PAGES <= found, sorted(EDITION_PAGES - found)
    edition = dt.date.fromisoformat(as_of) if as_of else edition_date(html)
    assert leaks(html, edition) == {}
    for language in EDITIONS:
        assert printed_objects(edition_html(sweep_repo, language)) == {}, language


def edition_date(html: Path) -> dt.date:
    """The as_of of a default build, as its introduction states it."""
    note = " ".join(article(html / "book" / "intro.html").parts)
    match = re.search(r"as of (\d{1,2} [A-Z][a-z]{2} \d{4})", note)
    assert match, note[:300]
    return dt.datetime.strptime(match[1], "%d %b %Y").date()
