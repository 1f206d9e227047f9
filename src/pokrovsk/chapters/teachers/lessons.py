"""The classroom kit: for each lesson a printable worksheet and an answer sheet, as standalone
HTML pages laid out for A4 (``pokrovsk.pdf`` prints them to PDF offline).

The words are in ``words/<language>/lessons.yml``; the key words and their definitions come from
``book/glossary.md``, through its page catalog in another language; the figure is the static image the lesson's chapter draws, and every value
in a model answer comes from the chapters' facts functions at the edition's ``as_of``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import jinja2
from IPython.display import Markdown

from pokrovsk import paths, render, words
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.front_line import animation, facts as front_line_facts
from pokrovsk.chapters.how_long import facts as how_long_facts, figures as how_long_figures
from pokrovsk.chapters.what_next import facts as what_next_facts, figures as what_next_figures
from pokrovsk.chapters.where import facts as where_facts, figures as where_figures
from pokrovsk.chapters.why import facts as why_facts, figures as why_figures

LESSONS = ("where", "why", "how_long", "what_next", "front_line", "map_reading")
"""In teaching order: one per chapter, then reading a front-line map."""
SHEET_KINDS = ("worksheet", "answers")
SHEETS_FOLDER = "worksheets"
"""Beside the For teachers page's other files (its assets folder)."""
LESSON_PAGES = "../../../../teachers"
"""From the sheets in the built book (book/chapters/assets/06_teachers/worksheets) to the
lessons' pages for teachers (book/teachers/lesson-N-name.html)."""
TEMPLATE = Path(__file__).with_name("sheet.html")
FIGURE_LABELS = {"worksheet": "figure_source", "answers": "figure_credit"}
"""The line under a sheet's figure: the worksheet's leaves out the title, which states the finding."""


def lesson_page(lesson: str) -> str:
    """The name of a lesson's page for teachers in book/teachers/, without its suffix."""
    if lesson not in LESSONS:
        raise KeyError(f"no lesson {lesson!r} (lessons: {', '.join(LESSONS)})")
    return f"lesson-{LESSONS.index(lesson) + 1}-{lesson.replace('_', '-')}"


def sheet_file(lesson: str, kind: str) -> str:
    """The file name of a lesson's sheet, without its suffix (.html in the site, .pdf on paper)."""
    if kind not in SHEET_KINDS:
        raise KeyError(f"no {kind!r} sheet (sheets: {', '.join(SHEET_KINDS)})")
    return f"{lesson_page(lesson)}-{kind}"


@dataclasses.dataclass(frozen=True)
class Illustration:
    """A chapter's figure as a sheet shows it: its static image, beside the chapter's page."""

    chapter: str
    """The notebook stem whose assets hold the image."""
    image: str
    title: str
    alt: str
    data_date: dt.date | str
    sources: tuple[str, ...]
    """Short labels of the figure's sources."""


@dataclasses.dataclass(frozen=True)
class Question:
    text: str
    answer: str


@dataclasses.dataclass(frozen=True)
class Sheet:
    """One lesson's worksheet and answer sheet: the same questions, with or without the answers."""

    lesson: str
    number: int
    title: str
    aim: str
    task: str
    figure: Illustration | None
    vocabulary: tuple[tuple[str, str], ...]
    """(word, definition) from the glossary."""
    questions: tuple[Question, ...]


# --- What each lesson shows and which values its answers use ----------------------------------

def _illustration(chapter: str, figure: render.BookFigure | Markdown | None) -> Illustration | None:
    """None when the chapter had nothing to draw by as_of (its builder returned a sentence)."""
    if not isinstance(figure, render.BookFigure):
        return None
    return Illustration(chapter, f"{figure.name}.png", figure.title, figure.alt, figure.data_date,
                        tuple(dict.fromkeys(label for label, _ in figure.citations)))


def _front_line_drawn(book: Chapter) -> bool:
    return front_line_facts.edition(book).status == "drawn"


def _where(book: Chapter) -> tuple[Illustration | None, dict]:
    region = where_facts.region(book)
    fields = dict(region=region, names=where_facts.names(book), population=where_facts.population(book))
    return _illustration("01_where", where_figures.region(region, book)), fields


def _why(book: Chapter) -> tuple[Illustration | None, dict]:
    fields = dict(lines=why_facts.lines(book), gateway=why_facts.gateway(book), control=why_facts.control(book, "share"))
    return _illustration("02_why", why_figures.distances(why_facts.distances(book), book)), fields


def _how_long(book: Chapter) -> tuple[Illustration | None, dict]:
    durations = how_long_facts.durations(book)
    fields = dict(answer=how_long_facts.answer(book), durations=durations)
    return _illustration("03_how_long", how_long_figures.durations(durations, book)), fields


def _what_next(book: Chapter) -> tuple[Illustration | None, dict]:
    status = what_next_facts.status(book)
    disputed = tuple(dict.fromkeys(side.claimant for town in status.towns for side in town.disputed))
    figure = what_next_figures.claims_timeline(what_next_facts.claims_timeline(book), book)
    return _illustration("04_what_next", figure), dict(status=status, disputed=disputed)


def _front_line(book: Chapter) -> tuple[Illustration | None, dict]:
    """Chapter 3's chart: the distance measured on DeepState's maps, with the distances reported
    at the time beside it."""
    reported = how_long_facts.distances(book)
    front = SimpleNamespace(distances=front_line_facts.measured_distance(book), areas=front_line_facts.areas(book))
    return _illustration("03_how_long", how_long_figures.distance(reported, book)), dict(front=front, reported=reported)


def _map_reading(book: Chapter) -> tuple[Illustration | None, dict]:
    """The day-by-day front-line map when this edition has one; otherwise chapter 4's map of the
    two towns, which a class reads the same way."""
    if _front_line_drawn(book):
        figure = _illustration("05_front_line", animation.map_figure(front_line_facts.monthly_map(book), book))
    else:
        figure = _illustration("04_what_next", what_next_figures.pocket_map(what_next_facts.pocket_map(book), book))
    return figure, dict(figure=figure)


LESSON_CONTENT = {"where": _where, "why": _why, "how_long": _how_long, "what_next": _what_next,
                  "front_line": _front_line, "map_reading": _map_reading}


# --- The glossary -------------------------------------------------------------------------------

_ROLE = re.compile(r"\{term\}`([^`<]+?)\s*(?:<[^>]*>)?`")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def glossary(path: Path | None = None) -> dict[str, tuple[str, str]]:
    """Every term of the book's glossary → (the term, its definition) as the reader reads them:
    plain text (roles and links reduced to their words), in the words' language through the
    glossary page's own catalog. Keyed by the English term, which ``lessons.yml`` names."""
    path = path or paths.project_root() / "book" / "glossary.md"
    text = path.read_text(encoding="utf-8")
    block = re.search(r"```\{glossary\}\n(.*?)\n```", text, re.S)
    if block is None:
        raise ValueError(f"{path}: no {{glossary}} block")
    terms: dict[str, list[str]] = {}
    current = None
    for line in block.group(1).splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if line[0].isspace():
            if current is None:
                raise ValueError(f"{path}: a definition line before any term: {line.strip()!r}")
            terms[current].append(line.strip())
        else:
            current = line.strip()
            terms[current] = []
    translated = _page_translations(path)

    def read(markup: str) -> str:
        shown = translated.get(" ".join(markup.split()), markup)
        return _LINK.sub(r"\1", _ROLE.sub(r"\1", " ".join(shown.split())))

    return {term: (read(term), read(" ".join(lines))) for term, lines in terms.items()}


def _page_translations(page: Path) -> dict[str, str]:
    """The finished entries of a page's catalog in the words' language (none in English), by
    their English text with its line breaks flattened."""
    from pokrovsk import locales

    language = words.language()
    catalog = locales.catalogs_dir(paths.Project(paths.project_root()), language) / "book" / f"{page.stem}.po"
    if language == words.DEFAULT_LANGUAGE or not catalog.is_file():
        return {}
    return {" ".join(entry.id.split()): entry.string for entry in locales.read_catalog(catalog, language)
            if entry.id and entry.string and not entry.fuzzy}


def _vocabulary(lesson: str, definitions: dict[str, tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    wanted = words.entry(f"lessons.lessons.{lesson}.vocabulary")
    missing = [term for term in wanted if term not in definitions]
    if missing:
        raise KeyError(f"lessons.yml, lesson {lesson!r}: {', '.join(missing)} not in the glossary (book/glossary.md)")
    return tuple(definitions[term] for term in wanted)


# --- Sheets -------------------------------------------------------------------------------------

def sheet(book: Chapter, lesson: str, definitions: dict[str, str] | None = None) -> Sheet:
    """One lesson's questions and model answers at the edition's as_of."""
    figure, fields = LESSON_CONTENT[lesson](book)
    fields = {"as_of": book.as_of} | fields
    key = f"lessons.lessons.{lesson}"
    questions = tuple(Question(words.say(f"{key}.questions.{name}.question", **fields),
                               words.say(f"{key}.questions.{name}.answer", **fields))
                      for name in words.entry(f"{key}.questions"))
    return Sheet(lesson, LESSONS.index(lesson) + 1, words.say(f"{key}.title"), words.say(f"{key}.aim"),
                 words.say(f"{key}.task"), figure, _vocabulary(lesson, definitions or glossary()), questions)


def sheets(book: Chapter) -> list[Sheet]:
    definitions = glossary()
    return [sheet(book, lesson, definitions) for lesson in LESSONS]


def sheet_html(found: Sheet, kind: str, as_of: dt.date, image_prefix: str, lesson_page: str | None = None) -> str:
    """The sheet as a standalone A4 page; ``image_prefix`` leads from it to the chapters' asset
    folders, ``lesson_page`` (on screen only) to the lesson's page for teachers."""
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = environment.from_string(TEMPLATE.read_text(encoding="utf-8"))
    labels = {name: words.say(f"lessons.sheet.{name}", as_of=as_of, number=found.number)
              for name in words.entry("lessons.sheet") if name not in FIGURE_LABELS.values()}
    credit = (words.say(f"lessons.sheet.{FIGURE_LABELS[kind]}", title=found.figure.title,
                        data_date=found.figure.data_date) if found.figure else "")
    image = f"{image_prefix}/{found.figure.chapter}/{found.figure.image}" if found.figure else ""
    return template.render(sheet=found, kind=kind, labels=labels, credit=credit, image=image,
                           lesson_page=lesson_page, language=words.language())


def write_sheets(book: Chapter, folder: Path | None = None) -> list[Path]:
    """Every lesson's worksheet and answer sheet as HTML in ``folder`` (default: the notebook's
    assets folder, beside the chapters' images). Returns the files written."""
    folder = folder or Path.cwd() / render.asset_prefix() / SHEETS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for found in sheets(book):
        for kind in SHEET_KINDS:
            path = folder / f"{sheet_file(found.lesson, kind)}.html"
            html = sheet_html(found, kind, book.as_of, image_prefix="../..",
                              lesson_page=f"{LESSON_PAGES}/{lesson_page(found.lesson)}.html")
            path.write_text(html, encoding="utf-8")
            written.append(path)
    return written
