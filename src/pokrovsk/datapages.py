"""The "Data and sources" part of the book, generated from ``data/datapackage.json``.

One page per dataset (what it is, its fields, sources, licence, a download of the file) and
the bibliography, in which every source has an anchor ``source-<id>`` that chapters link to.
Pages are rewritten only when their text changes, so an unchanged book stays a no-op.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pokrovsk import data as datamodule
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


def index_page(descriptor: dict) -> str:
    lines = ["# Data and sources", "",
             md_text(descriptor.get("description", "")), "",
             "The book reads these tables and nothing else. Each page below describes one of them.", ""]
    for resource in descriptor["resources"]:
        lines.append(f"- [{md_text(resource.get('title', resource['name']))}](datasets/{resource['name']}.md)")
    lines += ["- [Bibliography](bibliography.md)", ""]
    return "\n".join(lines)


def write_if_changed(path: Path, text: str) -> Path:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def write_pages(root: Path, data_dir: Path) -> list[Path]:
    folder = root / PAGES_DIR
    datasets = folder / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    descriptor = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
    relative_data = Path(os.path.relpath(data_dir, datasets)).as_posix()
    written = [write_if_changed(folder / "index.md", index_page(descriptor)),
               write_if_changed(folder / "bibliography.md", bibliography_page(data_dir))]
    for resource in descriptor["resources"]:
        if is_geojson(resource):
            rows = len(json.loads((data_dir / resource["path"]).read_text(encoding="utf-8"))["features"])
        else:
            rows = len(datamodule.load_table(resource["name"], data_dir))
        written.append(write_if_changed(datasets / f"{resource['name']}.md", resource_page(resource, relative_data, rows)))
    for stale in set(folder.rglob("*.md")) - set(written):
        stale.unlink()
    return written
