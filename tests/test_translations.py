"""Reader-visible data text in another language (pokrovsk.translations): catalogs beside the data,
applied by the loaders, stale or unfinished entries left in English and reported."""

import logging
import shutil

import pytest
from babel.messages.pofile import read_po, write_po

from conftest import REPO, edit_cell
from pokrovsk import data, translations, words

DATA = REPO / "data"


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    words.set_language("en")


@pytest.fixture
def data_copy(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DATA, folder)
    return folder


def _catalog(folder, name):
    with translations.catalog_path(folder, "uk", name).open("rb") as handle:
        return read_po(handle)


def _save(folder, name, catalog):
    with translations.catalog_path(folder, "uk", name).open("wb") as handle:
        write_po(handle, catalog)


def _event(frame, event_id):
    return frame.set_index("event_id").loc[event_id]


def test_every_text_a_reader_sees_from_the_data_has_a_finished_ukrainian_translation():
    missing = {name: [f"{m.location} {m.context}" for m in translations.untranslated(DATA, "uk", name)]
               for name in translations.catalog_names()}
    assert {name: rows for name, rows in missing.items() if rows} == {}


def test_the_loaders_give_the_tables_in_the_language_of_the_words(data_copy):
    events_en = data.load_events(data_copy)
    first = events_en.iloc[0]
    words.set_language("uk")
    events_uk = data.load_events(data_copy)
    translated = _catalog(data_copy, "events").get(first["title"], context="title").string
    assert translated and translated != first["title"]
    assert _event(events_uk, first["event_id"])["title"] == translated
    assert list(events_uk["event_id"]) == list(events_en["event_id"])  # same rows, same order


def test_places_are_named_in_the_readers_language(data_copy):
    places_en = data.load_places(data_copy).set_index("place_id")
    assert places_en.loc["pokrovsk", "name"] == "Pokrovsk"
    words.set_language("uk")
    places_uk = data.load_places(data_copy).set_index("place_id")
    assert places_uk.loc["pokrovsk", "name"] == "Покровськ"
    assert places_uk.loc["myrnohrad", "name"] == places_uk.loc["myrnohrad", "name_uk"] == "Мирноград"


def test_a_changed_english_text_falls_back_to_english_and_is_reported(data_copy, caplog):
    first = data.load_events(data_copy).iloc[0]
    edit_cell(data_copy / "events.csv", {"event_id": first["event_id"]}, "title", "A new English title")
    words.set_language("uk")
    with caplog.at_level(logging.WARNING, logger="pokrovsk"):
        events = data.load_events(data_copy)
    assert _event(events, first["event_id"])["title"] == "A new English title"
    assert _event(events, first["event_id"])["description"] != first["description"]  # the rest stays translated
    assert any("events.po: 1 text(s) have no translation yet" in line for line in caplog.messages)
    assert [m.location for m in translations.untranslated(data_copy, "uk", "events")] == ["events.csv:2"]


def test_a_fuzzy_or_empty_entry_counts_as_untranslated(data_copy):
    first = data.load_events(data_copy).iloc[0]
    catalog = _catalog(data_copy, "events")
    catalog.get(first["title"], context="title").flags.add("fuzzy")
    catalog.get(first["description"], context="description").string = ""
    _save(data_copy, "events", catalog)
    words.set_language("uk")
    row = _event(data.load_events(data_copy), first["event_id"])
    assert (row["title"], row["description"]) == (first["title"], first["description"])
    assert {m.context for m in translations.untranslated(data_copy, "uk", "events")} == {"title", "description"}


def test_merging_adds_new_texts_drops_gone_ones_and_keeps_translations(data_copy):
    events = data.load_events(data_copy)
    first, second = events.iloc[0], events.iloc[1]
    kept = _catalog(data_copy, "events").get(second["title"], context="title").string
    edit_cell(data_copy / "events.csv", {"event_id": first["event_id"]}, "title", "A new English title")
    translations.merge_templates(data_copy, "uk")
    catalog = _catalog(data_copy, "events")
    assert catalog.get("A new English title", context="title").string == ""
    assert catalog.get(first["title"], context="title") is None
    assert catalog.get(second["title"], context="title").string == kept
    assert not catalog.obsolete


def test_the_data_pages_describe_the_tables_in_the_readers_language(data_copy, tmp_path):
    from pokrovsk import datapages

    words.set_language("uk")
    datapages.write_pages(tmp_path, data_copy)
    page = (tmp_path / datapages.PAGES_DIR / "datasets" / "events.md").read_text(encoding="utf-8")
    catalog = _catalog(data_copy, "datapackage")
    descriptor = data._resource(data_copy, "events")
    assert page.startswith(f"# {catalog.get(descriptor['title'], context='title').string}")
    assert "| Поле | Тип | Значення | Обмеження |" in page
    corrections = (tmp_path / datapages.PAGES_DIR / "corrections.md").read_text(encoding="utf-8")
    assert corrections.startswith("# Виправлення") and "*Чому:*" in corrections


def test_a_broken_catalog_is_named_with_its_line(data_copy):
    path = translations.catalog_path(data_copy, "uk", "events")
    path.write_text(path.read_text(encoding="utf-8") + '\nmsgctxt "title"\nmsgid "Unclosed\n', encoding="utf-8")
    words.set_language("uk")
    with pytest.raises(translations.TranslationsInvalid, match=r"events\.po, line \d+: missing msgstr"):
        data.load_events(data_copy)


def test_merging_up_to_date_catalogs_rewrites_nothing(data_copy):
    before = {path: path.read_bytes() for path in (data_copy / "locales").rglob("*.po")}
    assert translations.merge_templates(data_copy, "uk") == []
    assert {path: path.read_bytes() for path in (data_copy / "locales").rglob("*.po")} == before
