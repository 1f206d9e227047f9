"""The "Data and sources" part of the book, generated from ``data/datapackage.json``.

One page per dataset (what it is, its fields, sources, licence, a download of the file), the
bibliography, in which every source has an anchor ``source-<id>`` that chapters link to, the
Corrections page (from ``corrections.csv``) and the edition note the introduction opens with.
Pages are rewritten only when their text changes, so an unchanged book stays a no-op.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pandas as pd

from pokrovsk import data as datamodule, words
from pokrovsk.markup import md_code, md_text
from pokrovsk.sources import bibliography_entry
from pokrovsk.validation import is_geojson

PAGES_DIR = Path("book") / "data"


def _constraints(field: dict) -> str:
    parts = []
    for key, value in field.get("constraints", {}).items():
        if key == "enum":
            parts.append("one of " + ", ".join(str(v) for v in value))
        elif key == "required" and value:
            parts.append("required")
        elif key == "unique" and value:
            parts.append("unique")
        elif key == "pattern":
            parts.append(f"pattern {value}")
        elif key not in ("required", "unique"):
            parts.append(f"{key} {value}")
    return "; ".join(parts)


def resource_page(resource: dict, relative_data: str, row_count: int) -> str:
    schema = resource.get("schema", {})
    kind = "features, GeoJSON" if is_geojson(resource) else "rows, CSV"
    lines = [
        f"# {md_text(resource.get('title', resource['name']))}",
        "",
        md_text(resource.get("description", "")),
        "",
        f"- File: {{download}}`{resource['path']} <{relative_data}/{resource['path']}>` ({row_count} {kind}, UTF-8)",
    ]
    if schema.get("primaryKey"):
        key = schema["primaryKey"]
        lines.append(f"- Primary key: `{', '.join(key) if isinstance(key, list) else key}`")
    for key in schema.get("foreignKeys", []):
        fields = key["fields"] if isinstance(key["fields"], list) else [key["fields"]]
        target = key["reference"]
        lines.append(f"- `{', '.join(fields)}` refers to `{target.get('resource') or resource['name']}`")
    licences = resource.get("licenses", [])
    if licences:
        lines.append("- Licence: " + "; ".join(md_text(lic.get("title") or lic.get("name", "")) for lic in licences))
    if resource.get("sources"):
        lines.append("- Sources: " + "; ".join(md_text(s.get("title", "")) for s in resource["sources"]))
    if schema.get("fields"):
        lines += ["", "| Field | Type | Meaning | Constraints |", "| --- | --- | --- | --- |"]
        for field in schema["fields"]:
            lines.append(f"| {md_code(field['name'])} | {md_text(field.get('type', 'string'))} | {md_text(field.get('description', ''))} "
                         f"| {md_text(_constraints(field))} |")
    if any(field["name"] == "source_ids" for field in schema.get("fields", [])):
        lines += ["", "Every row names its sources by id in `source_ids`; see the [bibliography](../bibliography.md)."]
    return "\n".join(lines) + "\n"


def bibliography_page(data_dir: Path) -> str:
    sources = datamodule.load_sources(data_dir).sort_values(["publisher", "source_id"])
    lines = ["# Bibliography", "",
             "Every source the book's data cites, by id. Where a source was read through a mirror or an",
             "aggregator, the entry says so.", ""]
    for _, row in sources.iterrows():
        lines += [f"(source-{row['source_id']})=", f"**{md_code(row['source_id'])}**: {bibliography_entry(row)}", ""]
    return "\n".join(lines)


def corrections_page(data_dir: Path) -> str:
    """Newest first, one entry per correction: date, what changed, why and the rows concerned."""
    corrections = datamodule.load_table("corrections", data_dir).sort_values("date", ascending=False, kind="stable")
    lines = ["# Corrections", "",
             "Every correction made to this book's data and text, newest first, as newsrooms publish theirs.",
             "Each names the table and rows it concerns, so the change can be checked in the",
             "[data](index.md). To report an error, see the end of [Limitations](../limitations.md).", ""]
    for _, row in corrections.iterrows():
        lines += [f"**{words.date(row['date'])}.** {md_text(row['what_changed'])}", "",
                  f"*Why:* {md_text(row['why'])}"]
        if pd.notna(row["table"]):
            rows = f", rows {md_text(row['row_id'].replace(';', ', '))}" if pd.notna(row["row_id"]) else ""
            lines.append(f"*Where:* {md_text(row['table'].replace(';', ', '))}{rows}.")
        lines.append("")
    return "\n".join(lines)


def edition_note(data_dir: Path, as_of: dt.date | None) -> str:
    """The introduction's first lines: the edition's date and where the reporting runs out."""
    as_of = as_of or datamodule.latest_date(data_dir)
    last = datamodule.latest_report(data_dir, as_of)
    gap = (f"We found no reporting after {words.date(last)}: where the data stop, so does the book."
           if datamodule.period_bounds(last)[1] >= as_of
           else f"Our data hold no reporting between {words.date(last)} and that date.")
    return f"**This edition describes the battle as of {words.date(as_of)}.** Nothing published after that date is shown. {gap}\n"


def index_page(descriptor: dict) -> str:
    lines = ["# Data and sources", "",
             md_text(descriptor.get("description", "")), "",
             "The book reads these tables and nothing else. Each page below describes one of them.", ""]
    for resource in descriptor["resources"]:
        lines.append(f"- [{md_text(resource.get('title', resource['name']))}](datasets/{resource['name']}.md)")
    lines += ["- [Bibliography](bibliography.md)", "- [Corrections](corrections.md)", ""]
    return "\n".join(lines)


def write_if_changed(path: Path, text: str) -> Path:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def write_pages(root: Path, data_dir: Path, as_of: dt.date | None = None) -> list[Path]:
    folder = root / PAGES_DIR
    datasets = folder / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    relative_data = Path(os.path.relpath(data_dir, datasets)).as_posix()
    written = [write_if_changed(folder / "index.md", index_page(descriptor)),
               write_if_changed(folder / "bibliography.md", bibliography_page(data_dir)),
               write_if_changed(folder / "corrections.md", corrections_page(data_dir)),
               write_if_changed(folder / "edition.md", edition_note(data_dir, as_of))]
    for resource in descriptor["resources"]:
        if is_geojson(resource):
            rows = len(json.loads((data_dir / resource["path"]).read_text(encoding="utf-8"))["features"])
        else:
            rows = len(datamodule.load_table(resource["name"], data_dir))
        written.append(write_if_changed(datasets / f"{resource['name']}.md", resource_page(resource, relative_data, rows)))
    for stale in set(folder.rglob("*.md")) - set(written):
        stale.unlink()
    return written
