"""The "Data and sources" part of the book, generated from ``data/datapackage.json``.

One page per dataset (what it is, its fields, sources, licence, a download of the file), the
bibliography, in which every source has an anchor ``source-<id>`` that chapters link to, the
Corrections page (from ``corrections.csv``) and the edition note the introduction opens with.
Pages are rewritten only when their text changes, so an unchanged book stays a no-op.

The data pages and the bibliography belong to an edition, as the chapters do: an edition as of a
date lists the sources published by then and counts the rows known by then. Timeless facts (a
place, its coordinates and names, a road) may rest on a later source: such a source is listed,
marked as later (the rule is written on the Limitations page).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pandas as pd

from markupsafe import Markup

from pokrovsk import data as datamodule, translations, words
from pokrovsk.markup import md_code, md_text
from pokrovsk.sources import bibliography_entry, ids_in, split_ids
from pokrovsk.validation import is_geojson

PAGES_DIR = Path("book") / "data"
CODE_SPAN = re.compile(r"`([^`]+)`")
TIMELESS_TABLES = ("places", "place_names", "network_edges")
"""Tables of facts that do not change with the war (places, coordinates, names, roads): an edition
may cite a later source for them when no earlier one records them."""
FIELD_TABLE_CLASS = "pk-fields"
"""The class of each table of fields: on a phone, static/pokrovsk-book.css shows each row as a card."""


def later_source_note() -> str:
    """Beside a source an edition lists though it was published later (a timeless fact's)."""
    return words.say("pages.bibliography.later_source")


def _code(text: str, in_table: bool = False) -> Markup:
    return Markup(md_code(text, in_table=in_table))


def _described(data_dir: Path | None, key: str, text: str, in_table: bool = False) -> str:
    """A title or description of the data package, in the reader's language, as Markdown: the
    text is escaped, except its `code` spans (column names, commands), which stay code."""
    if data_dir is not None:
        text = translations.datapackage_text(data_dir, words.language(), key, text)
    parts = CODE_SPAN.split(text)
    return "".join(md_code(part, in_table=in_table) if index % 2 else _between_code(part) for index, part in enumerate(parts))


def _between_code(text: str) -> str:
    """md_text, keeping a space at either end: it is the space between a word and a code span."""
    escaped = md_text(text)
    lead = " " if text[:1].isspace() else ""
    trail = " " if escaped and text[-1:].isspace() else ""
    return lead + escaped + trail


def _constraints(field: dict) -> str:
    """The field's constraints, for its cell in the table of fields."""
    parts = []
    for key, value in field.get("constraints", {}).items():
        if key == "enum":
            parts.append(words.markdown("pages.data.constraints.enum", values=_code(", ".join(str(v) for v in value), in_table=True)))
        elif key in ("required", "unique"):
            if value:
                parts.append(words.markdown(f"pages.data.constraints.{key}"))
        elif key in ("pattern", "minimum", "maximum"):
            parts.append(words.markdown(f"pages.data.constraints.{key}", value=_code(str(value), in_table=True)))
        else:
            parts.append(words.markdown("pages.data.constraints.other", key=_code(key, in_table=True), value=_code(str(value), in_table=True)))
    return "; ".join(parts)


def resource_page(resource: dict, relative_data: str, row_count: int, known_rows: int | None = None,
                  as_of: dt.date | None = None, data_dir: Path | None = None) -> str:
    """``known_rows`` of the file's ``row_count`` are known by ``as_of``; the page says what the
    later ones are, since the file holds them too. Titles and descriptions are read in the
    reader's language from ``data_dir``'s catalogs."""
    schema = resource.get("schema", {})
    download = Markup(f"{{download}}`{resource['path']} <{relative_data}/{resource['path']}>`")
    lines = [
        f"# {_described(data_dir, 'title', resource.get('title', resource['name']))}",
        "",
        _described(data_dir, "description", resource.get("description", "")),
        "",
        "- " + words.markdown("pages.data.file", download=download, count=words.number(row_count),
                              geojson=is_geojson(resource)),
    ]
    if known_rows is not None and known_rows < row_count:
        lines.append("- " + words.markdown("pages.data.known_rows", known=known_rows, as_of=as_of,
                                           later=row_count - known_rows))
    if schema.get("primaryKey"):
        key = schema["primaryKey"]
        lines.append("- " + words.markdown("pages.data.primary_key", key=_code(", ".join(key) if isinstance(key, list) else key)))
    for key in schema.get("foreignKeys", []):
        fields = key["fields"] if isinstance(key["fields"], list) else [key["fields"]]
        target = key["reference"].get("resource") or resource["name"]
        lines.append("- " + words.markdown("pages.data.refers_to", fields=_code(", ".join(fields)), target=_code(target)))
    licences = resource.get("licenses", [])
    if licences:
        titles = [_described(data_dir, "title", lic.get("title") or lic.get("name", "")) for lic in licences]
        lines.append("- " + words.markdown("pages.data.licence", licences=Markup("; ".join(titles))))
    if resource.get("sources"):
        titles = [_described(data_dir, "title", source.get("title", "")) for source in resource["sources"]]
        lines.append("- " + words.markdown("pages.data.sources", sources=Markup("; ".join(titles))))
    if schema.get("fields"):
        lines += ["", "```{table}", f":class: {FIELD_TABLE_CLASS}", "",
                  words.say("pages.data.table_head"), "| --- | --- | --- | --- |"]
        for field in schema["fields"]:
            meaning = _described(data_dir, "description", field.get("description", ""), in_table=True)
            lines.append(f"| {md_code(field['name'], in_table=True)} | {md_code(field.get('type', 'string'), in_table=True)} "
                         f"| {meaning} | {_constraints(field)} |")
        lines.append("```")
    if any(field["name"] == "source_ids" for field in schema.get("fields", [])):
        lines += ["", words.say("pages.data.cites")]
    return "\n".join(lines) + "\n"


def _cited_tables(data_dir: Path) -> list[str]:
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    return [resource["name"] for resource in descriptor["resources"]
            if any(field["name"] == "source_ids" for field in resource.get("schema", {}).get("fields", []))]


def _known_frame(name: str, data_dir: Path, as_of: dt.date) -> pd.DataFrame:
    """A table's rows as an edition as of ``as_of`` knows them, each citing the sources it may.
    Dated tables and timeless ones follow :func:`pokrovsk.data.known_by`; the rows of any other
    table (the battles compared) are known once a source published by then supports them."""
    if name in datamodule.DATED_TABLES:
        return datamodule.load_table(name, data_dir, as_of)
    frame = datamodule.load_table(name, data_dir)
    if name in TIMELESS_TABLES:
        return datamodule.known_by(frame, as_of, data_dir)
    known = [";".join(datamodule.sources_known_by(split_ids(ids), as_of, data_dir)) for ids in frame["source_ids"]]
    frame = frame.assign(source_ids=known)
    return frame[frame["source_ids"] != ""]


def edition_sources(data_dir: Path, as_of: dt.date) -> tuple[set[str], set[str]]:
    """The sources an edition lists: those published by ``as_of``, the undated ones (datasets such
    as Natural Earth, which figures cite directly) and those its rows may cite; and among them the
    ones published later, which only timeless facts cite."""
    sources = datamodule.load_sources(data_dir)
    dated = sources[sources["date_published"].notna()]
    undated = set(sources["source_id"]) - set(dated["source_id"])
    published_by = {source_id for source_id, published in zip(dated["source_id"], dated["date_published"])
                    if datamodule.period_bounds(published)[1] <= as_of}
    cited = {source_id for name in _cited_tables(data_dir) for source_id in ids_in(_known_frame(name, data_dir, as_of))}
    return published_by | undated | cited, cited & set(dated["source_id"]) - published_by


def bibliography_page(data_dir: Path, as_of: dt.date | None = None) -> str:
    """The sources of the edition as of ``as_of`` (see :func:`edition_sources`), later ones marked."""
    as_of = as_of or datamodule.latest_date(data_dir)
    listed, later = edition_sources(data_dir, as_of)
    sources = datamodule.load_sources(data_dir)
    sources = sources[sources["source_id"].isin(listed)].sort_values(["publisher", "source_id"])
    lines = [f"# {words.say('pages.bibliography.title')}", "", words.markdown("pages.bibliography.intro", as_of=as_of), ""]
    for _, row in sources.iterrows():
        entry = f"**{md_code(row['source_id'])}**: {bibliography_entry(row)}"
        if row["source_id"] in later:
            entry += " " + later_source_note()
        lines += [f"(source-{row['source_id']})=", entry, ""]
    return "\n".join(lines)


def corrections_page(data_dir: Path) -> str:
    """Newest first, one entry per correction: date, what changed, why and the rows concerned."""
    corrections = datamodule.load_table("corrections", data_dir).sort_values("date", ascending=False, kind="stable")
    lines = [f"# {words.say('pages.corrections.title')}", "", words.say("pages.corrections.intro"), ""]
    for _, row in corrections.iterrows():
        lines += [f"**{words.date(row['date'])}.** {md_text(row['what_changed'])}", "",
                  words.markdown("pages.corrections.why", why=row["why"])]
        if pd.notna(row["table"]):
            rows = _code(row["row_id"].replace(";", ", ")) if pd.notna(row["row_id"]) else ""
            lines.append(words.markdown("pages.corrections.where", tables=_code(row["table"].replace(";", ", ")), rows=rows))
        lines.append("")
    return "\n".join(lines)


def edition_note(data_dir: Path, as_of: dt.date | None) -> str:
    """The introduction's first lines: the edition's date, where the news reporting runs out and,
    apart from it, how far the DeepState maps this book measured go. An edition of an earlier
    date whose reporting reaches that date says nothing of reporting running out: the data go on."""
    latest = datamodule.latest_date(data_dir)
    as_of = as_of or latest
    last = datamodule.latest_report(data_dir, as_of)
    measured = datamodule.latest_measurement(data_dir, as_of)
    sentences = [words.markdown("pages.edition_note.as_of", as_of=as_of)]
    if datamodule.period_bounds(last)[1] < as_of:
        sentences.append(words.markdown("pages.edition_note.gap", last=last, measured=measured))
    else:
        if datamodule.latest_report(data_dir, latest) == last:  # the data stop where the edition does
            sentences.append(words.markdown("pages.edition_note.no_later_reporting", last=last))
        if measured:
            sentences.append(words.markdown("pages.edition_note.maps_sentence", measured=measured))
    return " ".join(sentences) + "\n"


def index_page(descriptor: dict, data_dir: Path | None = None) -> str:
    lines = [f"# {words.say('pages.data.index_title')}", "",
             _described(data_dir, "description", descriptor.get("description", "")), "",
             words.say("pages.data.index_intro"), ""]
    for resource in descriptor["resources"]:
        title = _described(data_dir, "title", resource.get("title", resource["name"]))
        lines.append(f"- [{title}](datasets/{resource['name']}.md)")
    lines += [f"- [{words.say('pages.data.bibliography')}](bibliography.md)",
              f"- [{words.say('pages.data.corrections')}](corrections.md)", ""]
    return "\n".join(lines)


def write_if_changed(path: Path, text: str) -> Path:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def known_row_count(name: str, data_dir: Path, as_of: dt.date) -> int:
    """How many rows of a table an edition as of ``as_of`` knows (all of an undated table's)."""
    if name == "sources":
        return len(edition_sources(data_dir, as_of)[0])
    if name in TIMELESS_TABLES or name not in _cited_tables(data_dir):
        return len(datamodule.load_table(name, data_dir))
    return len(_known_frame(name, data_dir, as_of))


def write_pages(root: Path, data_dir: Path, as_of: dt.date | None = None) -> list[Path]:
    as_of = as_of or datamodule.latest_date(data_dir)
    folder = root / PAGES_DIR
    datasets = folder / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    relative_data = Path(os.path.relpath(data_dir, datasets)).as_posix()
    written = [write_if_changed(folder / "index.md", index_page(descriptor, data_dir)),
               write_if_changed(folder / "bibliography.md", bibliography_page(data_dir, as_of)),
               write_if_changed(folder / "corrections.md", corrections_page(data_dir)),
               write_if_changed(folder / "edition.md", edition_note(data_dir, as_of))]
    for resource in descriptor["resources"]:
        if is_geojson(resource):
            rows = known = len(json.loads((data_dir / resource["path"]).read_text(encoding="utf-8"))["features"])
        else:
            rows = len(datamodule.load_table(resource["name"], data_dir))
            known = known_row_count(resource["name"], data_dir, as_of)
        page = resource_page(resource, relative_data, rows, known, as_of, data_dir)
        written.append(write_if_changed(datasets / f"{resource['name']}.md", page))
    for stale in set(folder.rglob("*.md")) - set(written):
        stale.unlink()
    return written
