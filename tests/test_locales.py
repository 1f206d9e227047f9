"""The page catalogs: every entry of a fresh extraction of the pages' text is in each translated
language's catalog, translated, and not fuzzy; `pokrovsk locales` keeps them up to date."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog

from conftest import REPO
from pokrovsk import locales
from pokrovsk.params import LANGUAGES
from pokrovsk.paths import Project

TRANSLATED = [language for language in LANGUAGES if language != locales.SOURCE_LANGUAGE]


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    return locales.extract_templates(Project(REPO), tmp_path_factory.mktemp("templates"))


def test_templates_hold_the_prose_of_every_committed_page_and_no_generated_one(templates):
    assert {"book/intro", "book/about", "book/teachers/care", "book/chapters/01_where"} <= set(templates)
    assert not any(docname.startswith(("book/data/", "book/edition/", "book/front/")) for docname in templates)
    intro = {message.id for message in templates["book/intro"] if message.id}
    assert "For teachers" in intro  # the table of contents' part captions belong to the root page


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_page_catalog_is_complete(templates, language):
    """Fails while a page's text lacks a translation: run `make locales`, then translate the
    empty and fuzzy entries it reports."""
    assert locales.problems(templates, language, locales.catalogs_dir(Project(REPO), language)) == []


def template(*messages: tuple[str, str | None]) -> dict[str, Catalog]:
    catalog = Catalog(locale="en")
    for message, context in messages:
        catalog.add(message, context=context)
    return {"book/page": catalog}


def test_merge_creates_catalogs_then_marks_changed_text_fuzzy_and_drops_what_is_gone(tmp_path):
    first = locales.merge(template(("The city lies on the steppe.", None), ("Sources", None)), "uk", tmp_path)
    assert [(m.created, m.untranslated, m.fuzzy) for m in first] == [(True, 2, 0)]
    assert locales.problems(template(("Sources", None)), "uk", tmp_path) == [
        f"{tmp_path / 'book/page.po'}: msgid 'Sources' is not translated"]

    catalog = locales.read_catalog(tmp_path / "book" / "page.po", "uk")
    catalog.get("The city lies on the steppe.").string = "Місто лежить у степу."
    catalog.get("Sources").string = "Джерела"
    from babel.messages.pofile import write_po
    with (tmp_path / "book" / "page.po").open("wb") as handle:
        write_po(handle, catalog)
    changed = template(("The city lies on the open steppe.", None), ("Sources", None))
    second = locales.merge(changed, "uk", tmp_path)
    assert [(m.created, m.untranslated, m.fuzzy) for m in second] == [(False, 0, 1)]
    assert locales.problems(changed, "uk", tmp_path) == [
        f"{tmp_path / 'book/page.po'}: msgid 'The city lies on the open steppe.' is fuzzy "
        "(its English changed; check the translation, then remove the flag)"]
    text = (tmp_path / "book" / "page.po").read_text(encoding="utf-8")
    assert "Джерела" in text and "lies on the steppe" not in text.split("#~")[0]

    (tmp_path / "book" / "gone.po").write_text("", encoding="utf-8")
    locales.merge(changed, "uk", tmp_path)
    assert not (tmp_path / "book" / "gone.po").exists()


def test_a_missing_catalog_is_named(tmp_path):
    assert locales.problems(template(("Sources", None)), "uk", tmp_path) == [
        f"{tmp_path / 'book/page.po'}: missing (1 entries to translate)"]
