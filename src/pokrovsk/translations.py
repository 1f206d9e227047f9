"""Reader-visible text from ``data/`` in another language: gettext catalogs beside the data.

The tables stay in English and are shared by every edition (the downloads are the same files);
a translator edits ``data/locales/<language>/LC_MESSAGES/<table>.po`` with any PO editor. An
entry's context is the column (``msgctxt "description"``), its ``msgid`` the English cell and
its ``msgstr`` the translation, so a cell whose English changes no longer matches its old
translation: it counts as missing until a translator looks at it again. ``pokrovsk locales``
writes the templates (``.pot``) and merges them into each language's catalogs.

The data loaders call :func:`localise` for the current language of the words catalogs; a cell
without a translation stays in English and is reported once, to the person running the build.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pandas as pd
from babel.messages.catalog import Catalog
from babel.messages.pofile import PoFileError, read_po, write_po

from pokrovsk.locales import entries_of

SOURCE_LANGUAGE = "en"
LOCALES_DIR = Path("locales")
"""Under the data folder: ``data/locales/<language>/LC_MESSAGES/<table>.po``."""
DATAPACKAGE = "datapackage"
"""The catalog of the data package's own titles and descriptions (the data pages)."""

TRANSLATED_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": ("title", "description", "verification_note"),
    "battles": ("battle_name", "city", "start_basis", "end_basis", "population_note", "verification_note"),
    "corrections": ("what_changed", "why"),
    "control": ("note", "verification_note"),
    "network_edges": ("designation", "leads_to", "note", "verification_note"),
    "place_names": ("name", "note"),
    "places": ("verification_note",),
    "populations": ("note", "verification_note"),
    "reported_distances": ("description", "verification_note"),
    "sources": ("publisher", "accessed_via"),
}
"""The columns a reader sees as sentences; names of places come from ``places.name_<language>``."""
DATAPACKAGE_KEYS = ("title", "description")
CATALOG_PROJECT = "The battle for Pokrovsk: data"
COPYRIGHT = "The Pokrovsk explainer contributors"


class TranslationsInvalid(ValueError):
    """A catalog that is not a valid PO file; the message names the file and the line."""


@dataclass(frozen=True)
class Message:
    """One English text to translate, and where it occurs (for the translator)."""

    context: str
    text: str
    location: str


def _table_messages(data_dir: Path, table: str) -> Iterator[Message]:
    path = data_dir / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column in TRANSLATED_COLUMNS[table]:
        if column not in frame.columns:
            continue
        for number, text in enumerate(frame[column], start=2):  # row 1 is the header
            if text.strip():
                yield Message(column, text, f"{path.name}:{number}")


def _datapackage_messages(data_dir: Path) -> Iterator[Message]:
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))

    def walk(node, pointer: str) -> Iterator[Message]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in DATAPACKAGE_KEYS and isinstance(value, str) and value.strip():
                    yield Message(key, value, f"datapackage.json#{pointer}/{key}")
                else:
                    yield from walk(value, f"{pointer}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{pointer}/{index}")

    yield from walk(descriptor, "")


def messages(data_dir: Path, catalog: str) -> list[Message]:
    """Every text of one catalog (a table's name, or ``datapackage``), in file order."""
    found = _datapackage_messages(data_dir) if catalog == DATAPACKAGE else _table_messages(data_dir, catalog)
    return list(found)


def catalog_names() -> list[str]:
    return [*TRANSLATED_COLUMNS, DATAPACKAGE]


def template(data_dir: Path, catalog: str) -> Catalog:
    """The catalog's template: every text with its locations, no translations."""
    result = Catalog(project=CATALOG_PROJECT, copyright_holder=COPYRIGHT, fuzzy=False)
    for message in messages(data_dir, catalog):
        file, _, line = message.location.rpartition(":")
        location = (file, int(line)) if line.isdigit() else (message.location, None)  # as PO files read back
        entry = result.get(message.text, context=message.context)
        if entry is None:
            result.add(message.text, context=message.context, locations=[location])
        else:
            entry.locations.append(location)
    return result


def catalog_path(data_dir: Path, language: str, catalog: str) -> Path:
    return data_dir / LOCALES_DIR / language / "LC_MESSAGES" / f"{catalog}.po"


def write_templates(data_dir: Path, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in catalog_names():
        path = folder / f"{name}.pot"
        with path.open("wb") as handle:
            write_po(handle, template(data_dir, name), width=100)
        written.append(path)
    return written


def merge_templates(data_dir: Path, language: str) -> list[Path]:
    """Bring ``language``'s catalogs up to date with the data: new texts are added untranslated,
    texts gone from the data are dropped, translations of unchanged texts are kept. Returns the
    catalogs rewritten (only those whose entries changed)."""
    written = []
    for name in catalog_names():
        path = catalog_path(data_dir, language, name)
        fresh = template(data_dir, name)
        if path.is_file():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=language)
            before = entries_of(catalog)
            catalog.update(fresh, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            if entries_of(catalog) == before:
                continue  # rewriting would only change the header's date
        else:
            catalog = Catalog(locale=language, project=CATALOG_PROJECT, copyright_holder=COPYRIGHT, fuzzy=False)
            catalog.update(fresh, no_fuzzy_matching=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100)
        written.append(path)
    return written



@functools.lru_cache(maxsize=32)
def _translations(path: Path, modified: int) -> dict[tuple[str | None, str], str]:
    """(column, English) → translation, for the entries a translator finished (not fuzzy)."""
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
    except PoFileError as error:
        raise TranslationsInvalid(f"{path}, line {error.lineno}: {error}") from None
    return {(message.context, message.id): message.string for message in catalog
            if message.id and message.string and not message.fuzzy}


def translations_of(data_dir: Path, language: str, catalog: str) -> dict[tuple[str | None, str], str]:
    path = catalog_path(data_dir, language, catalog)
    if not path.is_file():
        return {}
    return _translations(path, path.stat().st_mtime_ns)


def untranslated(data_dir: Path, language: str, catalog: str) -> list[Message]:
    """The texts of ``catalog`` that have no finished translation in ``language``."""
    done = translations_of(data_dir, language, catalog)
    return [message for message in messages(data_dir, catalog) if (message.context, message.text) not in done]


def localise(frame: pd.DataFrame, table: str, data_dir: Path, language: str) -> pd.DataFrame:
    """``frame`` with its reader-visible texts in ``language``; a text without a translation stays
    in English, and the person running the build is told once per table."""
    columns = [c for c in TRANSLATED_COLUMNS.get(table, ()) if c in frame.columns]
    if language == SOURCE_LANGUAGE or not columns or frame.empty:
        return frame
    done = translations_of(data_dir, language, table)
    missing = 0
    replaced = {}
    for column in columns:
        values = []
        for text in frame[column]:
            if isinstance(text, str) and text.strip():
                translated = done.get((column, text))
                missing += translated is None
                values.append(translated or text)
            else:
                values.append(text)
        replaced[column] = pd.array(values, dtype=frame[column].dtype)
    if missing:
        _report_missing(catalog_path(data_dir, language, table), missing)
    return frame.assign(**replaced)


def _report_missing(path: Path, count: int) -> None:
    from pokrovsk.buildnotes import tell_the_builder

    tell_the_builder(f"{path}: {count} text(s) have no translation yet and appear in English "
                     f"(run `pokrovsk locales`, then translate the empty entries)")


def datapackage_text(data_dir: Path, language: str, key: str, text: str) -> str:
    """A title or description of ``datapackage.json`` in ``language`` (English when untranslated)."""
    if language == SOURCE_LANGUAGE or not text:
        return text
    translated = translations_of(data_dir, language, DATAPACKAGE).get((key, text))
    if translated is None:
        _report_missing(catalog_path(data_dir, language, DATAPACKAGE), 1)
    return translated or text
