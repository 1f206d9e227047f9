"""The words layer: catalogs, formats and the vocabulary, in English and in a second language
made on the fly (so the mechanism is shown to carry one before the real translation exists)."""

import datetime as dt
import shutil

import pytest

from pokrovsk import words


@pytest.fixture(autouse=True)
def english():
    words.set_language("en")
    yield
    words.set_language("en")


@pytest.fixture
def catalogs(tmp_path, monkeypatch):
    """A copy of the English catalogs to add entries to; the module reads it instead."""
    folder = tmp_path / "words"
    shutil.copytree(words.CATALOG_DIR / "en", folder / "en")
    monkeypatch.setattr(words, "CATALOG_DIR", folder)
    words._catalog.cache_clear(), words._template.cache_clear()
    yield folder
    words._catalog.cache_clear(), words._template.cache_clear()


def test_dates_follow_their_precision():
    assert words.date("2024-12-18") == "18 Dec 2024"
    assert words.date(dt.date(2025, 1, 3)) == "3 Jan 2025"
    assert words.date("2025-10") == "Oct 2025"
    assert words.date("2001") == "2001"
    assert words.date(None) == "undated"
    assert words.on_date("2024-12-18") == "on 18 Dec 2024"
    assert words.on_date("2025-10") == "in Oct 2025"


def test_amounts_are_worded_for_their_unit():
    assert words.amount(10, "km", "less_than") == "under 10 km"
    assert words.amount(1500, "people", "less_than") == "fewer than 1,500 people"
    assert words.amount(1, "people") == "1 person"
    assert words.amount(32, "percent", "about") == "about 32%"
    assert words.amount(17804, "km2") == "17,804 km²"
    assert words.amount(30, "percent", "less_than") == "less than 30%"


def test_lists_plurals_compass_and_labels():
    assert words.listing(["Kramatorsk", "Sloviansk", "Dnipro"]) == "Kramatorsk, Sloviansk, and Dnipro"
    assert words.listing(["Kramatorsk", "Sloviansk"]) == "Kramatorsk and Sloviansk"
    assert words.listing(["A"]) == "A"
    assert words.plural(1, "day") == "1 day" and words.plural(653, "day") == "653 days"
    assert [words.compass(b) for b in (0, 44, 91, 180, 300, 359)] == [
        "north", "north-east", "east", "south", "north-west", "north"]
    assert words.label("claimant_in_text", "independent") == "independent observers"


def test_missing_keys_and_fields_are_named():
    with pytest.raises(words.MissingWords, match="common.yml.*no entry 'labels.claimant.nobody'"):
        words.label("claimant", "nobody")
    with pytest.raises(words.MissingWords, match="no unit 'furlongs'"):
        words.amount(3, "furlongs")


def test_sentences_render_fields_and_refuse_gaps(catalogs):
    (catalogs / "en" / "sample.yml").write_text(
        'distance: "{{ city }} lies {{ km | amount(\'km\') }} to the {{ bearing | compass }}, {{ day | on_date }}."\n',
        encoding="utf-8")
    assert words.say("sample.distance", city="Kramatorsk", km=82, bearing=30, day="2025-11-01") == \
        "Kramatorsk lies 82 km to the north-east, on 1 Nov 2025."
    with pytest.raises(words.MissingWords, match="'city' is undefined"):
        words.say("sample.distance", km=82, bearing=30, day="2025-11-01")
    with pytest.raises(words.MissingWords, match="sample.yml: no entry 'nothing'"):
        words.say("sample.nothing")


def test_markdown_escapes_data_but_keeps_citations(catalogs):
    (catalogs / "en" / "sample.yml").write_text(
        'event: "- **{{ title }}** {{ cite(ids) }}"\n', encoding="utf-8")
    text = words.markdown("sample.event", cite=lambda ids: "{ref}`R <source-" + ids[0] + ">`",
                          title="<script>*bold*</script>", ids="reuters-1;ap-2")
    assert text == r"- **\<script\>\*bold\*\<\/script\>** {ref}`R <source-reuters-1>`"
    with pytest.raises(words.MissingWords, match="no cite function"):
        words.markdown("sample.event", title="x", ids="a")


def test_a_second_language_needs_catalogs_not_code(catalogs):
    (catalogs / "uk").mkdir()
    (catalogs / "uk" / "common.yml").write_text("""
dates: {day: "d MMMM y", month: "LLLL y", on_day: "{date}", on_month: "у {date}", on_year: "у {date} р.", undated: "без дати"}
plurals:
  day: {one: "{n} день", few: "{n} дні", many: "{n} днів", other: "{n} дня"}
units: {km: "{n} км", days: {plural: day}}
qualifiers: {exact: "{amount}", about: "близько {amount}", less_than: {default: "менше ніж {amount}"}}
compass: [північ, північний схід, схід, південний схід, південь, південний захід, захід, північний захід]
labels: {claimant: {russia: Росія}}
""", encoding="utf-8")
    words.set_language("uk")
    assert words.date("2026-11-20") == "20 листопада 2026"
    assert words.number(60127) == "60\xa0127"
    assert [words.plural(n, "day") for n in (1, 3, 5)] == ["1 день", "3 дні", "5 днів"]
    assert words.amount(10, "km", "less_than") == "менше ніж 10 км"
    assert words.label("claimant", "russia") == "Росія"
    with pytest.raises(words.MissingWords, match="no catalogs for language 'xx'"):
        words.set_language("xx")


def test_a_chapter_writes_paragraphs_from_the_catalogs_with_linked_citations(catalogs):
    from pokrovsk.chapter import Chapter

    (catalogs / "en" / "sample.yml").write_text(
        'status: "As of {{ as_of | date }}, {{ count | amount(\'people\', \'less_than\') }} remained. {{ cite(ids) }}"\n',
        encoding="utf-8")
    book = Chapter.open(as_of="2025-11-01")
    first_source = book.cite(["wikipedia-en-pokrovsk"])[0][0]
    paragraph = book.write("sample.status", count=1500, ids="wikipedia-en-pokrovsk").data
    assert paragraph.startswith("As of 1 Nov 2025, fewer than 1\\,500 people remained. {ref}`")
    assert f"<source-wikipedia-en-pokrovsk>`" in paragraph and first_source.split(" ")[0] in paragraph


def test_reader_english_lives_in_the_catalogs_not_in_code():
    """Issue 13's measure: reader-facing English left in Python literals under src/ stays small
    (chapters hold none; the rest is page furniture of the data pages, editions and figures)."""
    from english_in_code import english_literals

    by_file: dict[str, int] = {}
    for file, _, count in english_literals():
        by_file[file] = by_file.get(file, 0) + count
    assert not any(file.startswith("pokrovsk/chapters/") for file in by_file), by_file
    assert sum(by_file.values()) < 1200, by_file


def test_words_sort_in_the_order_of_their_alphabet_not_of_code_points():
    with words.speaking("uk"):
        assert sorted(["логістичний вузол", "лінія фронту", "ґанок", "громада", "яма", "їжа", "іній", "DeepState"],
                      key=words.alphabetical_key) == [
            "DeepState", "громада", "ґанок", "іній", "їжа", "лінія фронту", "логістичний вузол", "яма"]
        assert sorted(["яма", "іній"]) == ["яма", "іній"]  # what code points alone would give
    with words.speaking("en"):
        assert sorted(["salient", "DeepState", "front line", "claim"], key=words.alphabetical_key) == [
            "claim", "DeepState", "front line", "salient"]
