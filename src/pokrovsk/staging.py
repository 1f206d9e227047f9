"""Each language edition's own Sphinx source tree, beside the project.

Both editions are built from the same committed pages, notebooks and data, but each needs its
own executed notebooks, generated pages and Sphinx configuration (``language``, translated
titles). So each edition gets a staging tree under the cache::

    <cache>/editions/<language>/
        _config.yml      the project's, with the edition's language and translated titles
        _toc.yml         -> the project's
        notebooks        -> the project's (offered for download beside the chapters)
        book/<committed> -> each committed entry of book/ (pages, teachers/, locales/)
        book/chapters/   the edition's executed notebooks      } written by the build
        book/data/, book/front/, book/edition/  generated pages  } for this edition only

and its own Sphinx work folder (``_build/.work/<language>``), so each edition's incremental
build only re-reads what changed in it.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from pathlib import Path

import yaml

from pokrovsk import words
from pokrovsk.paths import Project

GENERATED = ("chapters", "data", "edition", "front")
"""Folders of book/ that the build writes for each edition; everything else in book/ is committed."""
LINKED = ("_toc.yml", "notebooks")
LOCALE_DIRS = ["book/locales"]
"""Sphinx catalogs of the pages, ``book/locales/<language>/LC_MESSAGES/<docname>.po`` (and
``sphinx.po`` for the theme's strings), relative to the source tree."""
COMPILED_CATALOG = ".mo"
"""Sphinx compiles each .po beside itself; the compiled files are not sources of the book."""


def committed_book_files(project: Project, language: str) -> list[Path]:
    """The committed files of book/ an edition's pages depend on: its own catalogs, not the others'."""
    book = project.root / "book"
    locales = book / "locales"
    return sorted(path for path in book.rglob("*") if path.is_file()
                  and path.relative_to(book).parts[0] not in GENERATED
                  and path.suffix != COMPILED_CATALOG
                  and (not path.is_relative_to(locales) or path.is_relative_to(locales / language)))


def edition_config(project_config: dict, language: str) -> dict:
    """The project's ``_config.yml`` for one edition: its language, the book's title and the
    site's own strings from the word catalogs (site.yml), its catalogs, its own address."""
    config = copy.deepcopy(project_config)
    with words.speaking(language):
        config["title"] = words.say("site.title")
        config["author"] = words.say("site.author")
        sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx.update(language=language, locale_dirs=LOCALE_DIRS, gettext_compact=False,
                      nb_code_prompt_show=words.say("site.solution.show"),
                      nb_code_prompt_hide=words.say("site.solution.hide"))
        options = sphinx.setdefault("html_theme_options", {})
        options.update(extra_footer=words.say("site.extra_footer"), search_bar_text=words.say("site.search_placeholder"))
    html = config.setdefault("html", {})
    if html.get("baseurl"):
        html["baseurl"] = html["baseurl"].rstrip("/") + f"/{language}/"
    return config


@dataclasses.dataclass(frozen=True)
class EditionTree:
    """Where one edition is put together and built."""

    language: str
    root: Path
    work_dir: Path

    @classmethod
    def of(cls, project: Project, language: str) -> "EditionTree":
        return cls(language, project.cache_dir / "editions" / language, project.sphinx_work_dir / language)

    @property
    def chapters_dir(self) -> Path:
        return self.root / "book" / "chapters"

    def chapter_docname(self, stem: str) -> str:
        """How Sphinx names the chapter page of a notebook."""
        return (self.chapters_dir / stem).relative_to(self.root).as_posix()

    @property
    def config_file(self) -> Path:
        return self.root / "_config.yml"

    def prepare(self, project: Project) -> None:
        """Link the committed files in and write the edition's configuration (only when it
        changes, so an unchanged edition stays a no-op for Sphinx)."""
        book = self.root / "book"
        book.mkdir(parents=True, exist_ok=True)
        wanted = {name: project.root / name for name in LINKED}
        wanted |= {f"book/{entry.name}": entry for entry in (project.root / "book").iterdir()
                   if entry.name not in GENERATED}
        for name, target in wanted.items():
            _link(self.root / name, target)
        for entry in book.iterdir():
            if entry.is_symlink() and f"book/{entry.name}" not in wanted:
                entry.unlink()
        config = yaml.safe_load((project.root / "_config.yml").read_text(encoding="utf-8"))
        text = ("# Written by `pokrovsk build` from the project's _config.yml for this edition: edit that one.\n"
                + yaml.safe_dump(edition_config(config, self.language), allow_unicode=True, sort_keys=False))
        if not self.config_file.is_file() or self.config_file.read_text(encoding="utf-8") != text:
            self.config_file.write_text(text, encoding="utf-8")


def _link(link: Path, target: Path) -> None:
    if link.is_symlink() and os.readlink(link) == str(target):
        return
    if link.is_symlink() or link.is_file():
        link.unlink()
    link.symlink_to(target, target_is_directory=target.is_dir())
