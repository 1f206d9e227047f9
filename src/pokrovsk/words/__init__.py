"""The book's reader-facing words, kept apart from computation.

Every data-driven sentence and every reader label for a coded value lives in a YAML catalog
beside this module: ``words/<language>/common.yml`` (labels, units, qualifiers, date formats)
and one file per chapter. A writer or translator edits those files without reading Python;
code passes small records in and gets text out::

    say("why.distance_title", city="Kramatorsk", km=82)          # plain text: titles, alt text
    markdown("why.lines", cite=book.cite_markdown, lines=records)  # a paragraph for the page
    label("verification", "corroborated")
    amount(10, "km", "less_than")          # 'under 10 km'

Templates are Jinja2 with StrictUndefined (a missing field is an error, never an empty gap).
In Markdown, every value from the data reaches the reader as text: it is escaped unless it is
markup the book made itself (citations).
Dates, numbers, lists and plurals are formatted by Babel for the current language, so a second
language adds a folder of catalogs, not code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import unicodedata
from pathlib import Path
from typing import Any, Iterable, Iterator

import jinja2
import yaml
from markupsafe import Markup
from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal

CATALOG_DIR = Path(__file__).resolve().parent
DEFAULT_LANGUAGE = "en"
_language = DEFAULT_LANGUAGE


class MissingWords(KeyError):
    """A key the catalogs do not hold; the message names the file it was looked up in."""

    def __str__(self) -> str:
        return str(self.args[0])


def set_language(language: str) -> None:
    """Switch every later lookup and format to ``language`` (a folder under ``words/``)."""
    global _language
    if not (CATALOG_DIR / language).is_dir():
        raise MissingWords(f"no catalogs for language {language!r} in {CATALOG_DIR}")
    _language = language


def language() -> str:
    return _language


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """Words in ``language`` inside the block, the language before it afterwards (the build
    writes each edition's generated pages in turn)."""
    before = _language
    set_language(language)
    try:
        yield
    finally:
        set_language(before)


_CATALOGS_READ: set[Path] = set()


@functools.cache
def _catalog(language: str, name: str) -> dict:
    path = CATALOG_DIR / language / f"{name}.yml"
    _CATALOGS_READ.add(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise MissingWords(f"{path}: missing (a catalog named {name!r})") from None


def catalogs_read() -> list[str]:
    """The catalog files looked up so far: a notebook's words, which its cache record keeps."""
    return sorted(str(path) for path in _CATALOGS_READ)


def _lookup(key: str) -> Any:
    """``why.distance_title`` → the entry ``distance_title`` of ``words/<language>/why.yml``."""
    name, _, path = key.partition(".")
    entry: Any = _catalog(_language, name)
    for part in path.split("."):
        if not isinstance(entry, dict) or part not in entry:
            raise MissingWords(f"{CATALOG_DIR / _language / (name + '.yml')}: no entry {path!r}")
        entry = entry[part]
    return entry


def entry(key: str) -> Any:
    """The raw entry ``key`` of the catalogs: a list or a mapping of entries that code walks
    through (a lesson's questions, its key words), where ``say`` renders one sentence."""
    return _lookup(key)


# --- Formats: Babel, for the current language ------------------------------------------------

def _as_date(value: dt.date | str) -> tuple[dt.date, str]:
    """A date or a ``YYYY``/``YYYY-MM``/``YYYY-MM-DD`` string → (first day, precision)."""
    if isinstance(value, dt.datetime):
        return value.date(), "day"
    if isinstance(value, dt.date):
        return value, "day"
    parts = [int(p) for p in str(value).split("-")]
    precision = ("year", "month", "day")[len(parts) - 1]
    return dt.date(*(parts + [1] * (3 - len(parts)))), precision


def date(value: dt.date | str | None) -> str:
    """The book's one date format, at the precision known: '18 Dec 2024', 'Dec 2024', '2024'."""
    if value is None or value == "":
        return _lookup("common.dates.undated")
    day, precision = _as_date(value)
    if precision == "year":
        return str(day.year)
    return format_date(day, _lookup(f"common.dates.{precision}"), locale=_language)


def short_date(value: dt.date | str | None) -> str:
    """A date as short as the language writes it, for labels on a chart: '17 Jul 2024', '17 лип. 2024'."""
    if value is None or value == "" or _as_date(value)[1] != "day":
        return date(value)
    return format_date(_as_date(value)[0], _lookup("common.dates.short_day"), locale=_language)


def on_date(value: dt.date | str) -> str:
    """'on 18 Dec 2024', 'in Dec 2024', 'in 2024': the preposition follows the precision."""
    precision = _as_date(value)[1]
    return _lookup(f"common.dates.on_{precision}").format(date=date(value))


def number(value: float) -> str:
    """60,127 in English, 60 127 in Ukrainian; whole numbers without decimals."""
    return format_decimal(value, locale=_language)


def plural(count: float, forms: str) -> str:
    """``plural(3, 'day')`` → '3 days', with the language's plural rules (``common.plurals``)."""
    variants = _lookup(f"common.plurals.{forms}")
    category = Locale.parse(_language).plural_form(count)
    template = variants.get(category, variants["other"])
    return template.format(n=number(count))


def listing(items: Iterable[str], style: str = "standard") -> str:
    """'Kramatorsk, Sloviansk and Dnipro': the language's own list punctuation."""
    items = [str(i) for i in items]
    return format_list(items, style=style, locale=_language) if items else ""


def amount(value: float, unit: str, qualifier: str = "exact") -> str:
    """A figure as its source stated it, in words that fit the unit: 'under 10 km', 'fewer than
    1,500 people', 'about 32%'."""
    units = _lookup("common.units")
    if unit not in units:
        raise MissingWords(f"{CATALOG_DIR / _language / 'common.yml'}: no unit {unit!r}")
    shown = units[unit]
    figure = plural(value, shown["plural"]) if isinstance(shown, dict) else shown.format(n=number(value))
    phrasing = _lookup(f"common.qualifiers.{qualifier}")
    if isinstance(phrasing, dict):
        phrasing = phrasing.get(unit, phrasing["default"])
    return phrasing.format(amount=figure)


def compass(bearing_degrees: float) -> str:
    """The nearest of eight compass points for a bearing measured clockwise from north."""
    points = _lookup("common.compass")
    return points[round((bearing_degrees % 360) / 45) % 8]


def label(vocabulary: str, code: str) -> str:
    """The reader's word for a coded value: ``label('claimant', 'russia')`` → 'Russia'."""
    return _lookup(f"common.labels.{vocabulary}.{code}")


def alphabetical_key(text: str) -> tuple:
    """Sort key for ``text`` in the order of the language's alphabet (``site.alphabet``), which
    code points do not follow: Ukrainian ґ, є, і and ї sit after я among them. Letters outside
    the alphabet (a Latin name in Ukrainian, digits) come before its letters, by code point."""
    alphabet = {letter: position for position, letter in enumerate(_lookup("site.alphabet"))}
    return tuple((1, alphabet[character]) if character in alphabet else (0, ord(character))
                 for character in unicodedata.normalize("NFC", text.casefold()))


# --- Sentences -------------------------------------------------------------------------------

def _markdown_value(value: Any) -> str:
    """Every ``{{ value }}`` in a Markdown template: book-made markup passes, data is escaped."""
    from pokrovsk.markup import md_text

    return str(value) if hasattr(value, "__html__") else md_text(value)


@functools.cache
def _environment(markdown: bool) -> jinja2.Environment:
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False,
                                     finalize=_markdown_value if markdown else None)
    environment.filters.update(date=date, short_date=short_date, on_date=on_date, number=number, plural=plural,
                               listing=listing, amount=amount, compass=compass)
    environment.globals.update(label=label, amount=amount, plural=plural)
    return environment


@functools.cache
def _template(language: str, key: str, markdown: bool) -> jinja2.Template:
    text = _lookup(key)
    if not isinstance(text, str):
        raise MissingWords(f"{CATALOG_DIR / language / (key.partition('.')[0] + '.yml')}: "
                           f"{key.partition('.')[2]!r} is not a sentence")
    return _environment(markdown).from_string(text.strip())


def _render(key: str, markdown: bool, fields: dict) -> str:
    try:
        return _template(_language, key, markdown).render(**fields)
    except jinja2.UndefinedError as error:
        raise MissingWords(f"words {key!r}: {error.message}") from None


def say(key: str, /, **fields: Any) -> str:
    """The sentence ``key`` as plain text (titles, alt text, captions, hover labels)."""
    return _render(key, False, fields)


def markdown(key: str, /, cite=None, **fields: Any) -> str:
    """The paragraph ``key`` as MyST Markdown for the page. ``cite`` turns source ids into
    citation markup (``{{ cite(row.source_ids) }}``); values from the data are escaped."""
    def cite_filter(source_ids) -> Markup:
        if cite is None:
            raise MissingWords(f"words {key!r} cites sources, but no cite function was given")
        ids = source_ids.split(";") if isinstance(source_ids, str) else list(source_ids)
        return Markup(cite([i for i in ids if i]))

    return _render(key, True, fields | {"cite": cite_filter})
