"""Writes the front page's generated part, ``book/front/page.md`` (included by book/intro.md),
with the hero map's image and data beside it, for the edition's parameters.

It is drawn again only when what it depends on changed (the parameters, the data, the package,
the front-line store): a no-op build stays a no-op, and a build that fails here leaves the last
page in place, since every file is written to a temporary name and renamed when complete.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from pathlib import Path

from pokrovsk import data, render, words
from pokrovsk.cache_keys import package_fingerprint
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.front_page import facts, figures
from pokrovsk.content import content_hash
from pokrovsk.markup import md_text
from pokrovsk.params import BookParams

FOLDER = Path("book") / "front"
PAGE = "page.md"
KEY_FILE = ".key"
FROM_INTRO = "front"
"""The folder as book/intro.md (which includes the page) sees it."""


def _key(params: BookParams, as_of, data_dir: Path) -> str:
    store = Path(params.frontlines) / "store.parquet" if params.frontlines else None
    digest = hashlib.sha256()
    digest.update(json.dumps(params.for_notebook() | {"as_of": as_of.isoformat()}, sort_keys=True).encode())
    digest.update(content_hash(data_dir).encode())
    digest.update(package_fingerprint().encode())
    if store is not None and store.is_file():
        digest.update(str(store.stat().st_mtime_ns).encode())
    return digest.hexdigest()


def _say(key: str, **fields) -> str:
    return words.say(f"{facts.CHAPTER}.{key}", **fields)


def _links(citations) -> str:
    return "; ".join(f"{{ref}}`{label.replace('`', '')} <source-{source_id}>`" for label, source_id in citations)


def map_markdown(figure: render.BookFigure, image: str, download: str, layer_source_ids) -> str:
    """The map as a MyST figure: Sphinx copies the image and, the figure being scaled to the
    column, links it to the full-size file; the caption cites into the bibliography the sources
    the map is drawn from (``layer_source_ids``), every source one click away in a fold."""
    main = [(label, source_id) for label, source_id in figure.citations if source_id in layer_source_ids]
    notes = " ".join(md_text(note) for note in figure.notes if note)
    caption = _say("map.figure_caption", caption=md_text(figure.caption), main_sources=_links(main),
                   more_sources=_links(figure.citations) if len(main) < len(figure.citations) else "",
                   count=len(figure.citations), date=figure.data_date, notes=notes, download=f"{FROM_INTRO}/{download}")
    return "\n".join([
        f"**{md_text(figure.title)}**", "",
        f"```{{figure}} {FROM_INTRO}/{image}",
        f":alt: {' '.join(figure.alt.split())}",
        ":width: 100%",
        f":name: {figure.name}",
        ":class: pk-map pk-hero-map", "",
        caption,
        "```", "",
        f"```{{admonition}} {_say('map.describe')}",
        ":class: dropdown pk-long-description", "",
        md_text(figure.long_description or ""),
        "```", ""])


def page_markdown(book: Chapter, folder: Path) -> str:
    """The bottom line, the key facts and the hero map; the map's files are written to ``folder``."""
    record = facts.hero_map(book)
    figure = figures.hero_map(record, book)
    image = render._write_image(figure, folder)
    download = render._write_download(figure, folder)
    return "\n".join([figures.bottom_line(facts.bottom_line(book), book), "",
                      figures.key_facts(facts.key_facts(book), book),
                      map_markdown(figure, image, download, figures.layer_source_ids(record, figure))])


def write(root: Path, params: BookParams, data_dir: Path, pages_root: Path | None = None) -> list[Path]:
    """The page and its files under ``<pages_root>/book/front`` (default: the project at ``root``,
    whose folders the parameters name), redrawn only when their inputs changed."""
    as_of = params.as_of or data.latest_date(data_dir)
    pages_root = pages_root or root
    folder = pages_root / FOLDER
    key = _key(params, as_of, data_dir)
    page = folder / PAGE
    if page.is_file() and (folder / KEY_FILE).is_file() and (folder / KEY_FILE).read_text() == key:
        return sorted(p for p in folder.iterdir() if p.is_file())
    work = pages_root / FOLDER.parent / f".front-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    book = Chapter(dataclasses.replace(params, data_dir=str(data_dir)).resolved(root), as_of)
    try:
        (work / PAGE).write_text(page_markdown(book, work), encoding="utf-8")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    (work / KEY_FILE).write_text(key)
    if folder.exists():
        old = pages_root / FOLDER.parent / f".front-old-{os.getpid()}"
        os.replace(folder, old)
        os.replace(work, folder)
        for stale in old.iterdir():
            stale.unlink()
        old.rmdir()
    else:
        os.replace(work, folder)
    return sorted(p for p in folder.iterdir() if p.is_file())
