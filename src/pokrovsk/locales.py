"""The page catalogs: the prose of book/*.md, book/teachers/*.md and the chapter notebooks'
Markdown cells, for Sphinx's own i18n (``book/locales/<language>/LC_MESSAGES/<docname>.po``).

``pokrovsk locales`` extracts fresh templates (.pot) from the committed sources, as Sphinx's
gettext builder sees them: the chapters are the committed notebooks (no outputs), the generated
pages are left out (they are written in each language by the build), and the generated pieces
the introduction includes are empty. Each language's catalogs are then brought up to date with
Babel: new entries are added untranslated, entries whose text changed are marked fuzzy beside
their old translation, and entries gone from the pages are dropped. A translator fills the empty
and fuzzy ones; tests/test_locales.py fails while any is left.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from pokrovsk.params import LANGUAGES
from pokrovsk.paths import Project
from pokrovsk.staging import GENERATED, LOCALE_DIRS, edition_config

SOURCE_LANGUAGE = "en"
EMPTY_INCLUDES = ("front/page.md", "data/edition.md")
"""Generated files book/intro.md includes: empty in the templates, written per edition by the build."""
TEMPLATE_DOCUMENTS = re.compile(r"^book/(?!(?:" + "|".join(g for g in GENERATED if g != "chapters") + r")/)")
"""Documents with a page catalog: everything in book/ but the generated pages (chapters are the
committed notebooks' prose)."""


class LocalesError(RuntimeError):
    """The templates could not be extracted; the message says why."""


def catalogs_dir(project: Project, language: str) -> Path:
    return project.root / LOCALE_DIRS[0] / language / "LC_MESSAGES"


def _source_tree(project: Project, folder: Path) -> None:
    """A copy of the book's committed sources as Sphinx's gettext builder should read them."""
    book = folder / "book"
    book.mkdir(parents=True)
    for entry in (project.root / "book").iterdir():
        if entry.name not in GENERATED and entry.name != "locales":
            (book / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    (book / "chapters").mkdir()
    for notebook in project.chapter_notebooks():
        (book / "chapters" / notebook.name).symlink_to(notebook)
    for include in EMPTY_INCLUDES:
        (book / include).parent.mkdir(parents=True, exist_ok=True)
        (book / include).write_text("", encoding="utf-8")
    (book / "edition").mkdir()
    (book / "edition" / "edition.json").write_text(json.dumps({"id": "templates", "data_date": "2024-02-17"}))
    (folder / "_toc.yml").symlink_to(project.root / "_toc.yml")
    (folder / "notebooks").symlink_to(project.notebooks_dir)
    config = edition_config(yaml.safe_load((project.root / "_config.yml").read_text(encoding="utf-8")), SOURCE_LANGUAGE)
    (folder / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def extract_templates(project: Project, output: Path) -> dict[str, Catalog]:
    """Fresh templates of every page with a catalog, by docname (``book/about``), also written
    under ``output`` as ``<docname>.pot``."""
    with tempfile.TemporaryDirectory(prefix="pokrovsk-locales-") as temporary:
        source = Path(temporary) / "source"
        _source_tree(project, source)
        command = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", str(source),
                   "--path-output", str(Path(temporary) / "work"), "--builder", "custom",
                   "--custom-builder", "gettext", "--quiet"]
        completed = subprocess.run(command, cwd=source, capture_output=True, text=True)
        built = Path(temporary) / "work" / "_build" / "gettext"
        if completed.returncode != 0 or not built.is_dir():
            raise LocalesError(f"extracting the page templates failed:\n{(completed.stdout + completed.stderr)[-2000:]}")
        templates = {}
        for path in sorted(built.rglob("*.pot")):
            docname = path.relative_to(built).with_suffix("").as_posix()
            if TEMPLATE_DOCUMENTS.match(docname):
                with path.open("rb") as handle:
                    templates[docname] = read_po(handle)
                target = output / f"{docname}.pot"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    return templates


def read_catalog(path: Path, language: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


@dataclasses.dataclass(frozen=True)
class Merged:
    path: Path
    created: bool
    untranslated: int
    fuzzy: int


def entries_of(catalog: Catalog) -> list[tuple]:
    """What a catalog says, its header aside: a merge that changes none of it rewrites nothing."""
    return [(m.context, m.id, m.string, sorted(m.flags), sorted((file, line or 0) for file, line in m.locations))
            for m in catalog if m.id]  # a location without a line reads back as None, is kept as 0


def merge(templates: dict[str, Catalog], language: str, folder: Path) -> list[Merged]:
    """Bring the catalogs of ``language`` in ``folder`` up to date with ``templates``; a catalog
    whose page is gone is removed."""
    merged = []
    for docname, template in templates.items():
        path = folder / f"{docname}.po"
        created = not path.is_file()
        catalog = Catalog(locale=language, project="pokrovsk") if created else read_catalog(path, language)
        before = None if created else entries_of(catalog)
        catalog.update(template)
        if entries_of(catalog) != before:  # unchanged entries: leave the file (and its dates) alone
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=0, ignore_obsolete=True, omit_header=False)
        entries = [message for message in catalog if message.id]
        merged.append(Merged(path, created, sum(not message.string for message in entries),
                             sum(message.fuzzy for message in entries)))
    for stale in set((folder / "book").rglob("*.po")) - {folder / f"{docname}.po" for docname in templates}:
        stale.unlink()
    return merged


def update(project: Project, languages: list[str] | None = None) -> list[Merged]:
    """``pokrovsk locales``: fresh templates, merged into every translated language's catalogs.
    The templates are kept in the cache (``<cache>/locales/templates``) for tools that want them."""
    templates = extract_templates(project, project.cache_dir / "locales" / "templates")
    merged = []
    translated = [language for language in LANGUAGES if language != SOURCE_LANGUAGE]
    for language in translated if languages is None else languages:
        merged += merge(templates, language, catalogs_dir(project, language))
    return merged


def problems(templates: dict[str, Catalog], language: str, folder: Path) -> list[str]:
    """Every way the catalogs of ``language`` fall short of ``templates``: a missing catalog, a
    missing entry, an empty or a fuzzy one."""
    found = []
    for docname, template in templates.items():
        path = folder / f"{docname}.po"
        if not path.is_file():
            found.append(f"{path}: missing ({len([m for m in template if m.id])} entries to translate)")
            continue
        catalog = read_catalog(path, language)
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id, message.context)
            where = f"{path}: msgid {str(message.id)[:60]!r}"
            if entry is None:
                found.append(f"{where} is missing")
            elif not entry.string:
                found.append(f"{where} is not translated")
            elif entry.fuzzy:
                found.append(f"{where} is fuzzy (its English changed; check the translation, then remove the flag)")
    return found
