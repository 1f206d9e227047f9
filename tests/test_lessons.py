"""The classroom kit: every lesson's sheets hold their questions, and the model answers say what
the chapters' facts say at the edition's as_of."""

import re

import pytest

from pokrovsk import words
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.how_long import facts as how_long_facts
from pokrovsk.chapters.teachers import lessons
from pokrovsk.chapters.where import facts as where_facts
from pokrovsk.chapters.why import facts as why_facts

CODE = re.compile(r"exercise_|`|\w\(|\{\{|\{%|pokrovsk\.")


@pytest.fixture(scope="module", params=["2024-09-01", "2026-05-31"])
def edition(request):
    book = Chapter.open(as_of=request.param)
    return book, {found.lesson: found for found in lessons.sheets(book)}


def answers(found: lessons.Sheet) -> str:
    return " ".join(question.answer for question in found.questions)


def test_every_lesson_has_questions_words_and_answers(edition):
    _, sheets = edition
    assert list(sheets) == list(lessons.LESSONS)
    glossary = lessons.glossary()
    for found in sheets.values():
        assert len(found.questions) >= 3, found.lesson
        assert all(q.text.strip() and q.answer.strip() for q in found.questions), found.lesson
        assert found.vocabulary and set(found.vocabulary) <= set(glossary.values())
        for text in [found.title, found.task, *(q.text for q in found.questions), answers(found)]:
            assert not CODE.search(text), f"{found.lesson}: code in {text!r}"


def test_answers_follow_the_facts_at_as_of(edition):
    book, sheets = edition
    region = where_facts.region(book)
    assert f"{region.settlements} other settlements" in answers(sheets["where"])
    assert all(name in answers(sheets["where"]) for name in region.neighbours)
    for city in why_facts.gateway(book).cities:
        assert f"{city.name} is about {round(city.distance_km)} km" in answers(sheets["why"])
    main = how_long_facts.answer(book).main
    assert main is not None, "both editions fall after the main count's start"
    assert f"{words.date(main.start_day)} and gives {main.days} days" in " ".join(answers(sheets["how_long"]).split())
    first = how_long_facts.distances(book).first
    assert words.date(first.date) in answers(sheets["front_line"])


def test_answers_change_with_the_edition():
    early, late = (Chapter.open(as_of=day) for day in ("2024-09-01", "2026-05-31"))
    assert answers(lessons.sheet(early, "how_long")) != answers(lessons.sheet(late, "how_long"))


def test_worksheet_asks_and_answer_sheet_answers(edition):
    book, sheets = edition
    found = sheets["what_next"]
    worksheet = lessons.sheet_html(found, "worksheet", book.as_of, "../..")
    answer_sheet = lessons.sheet_html(found, "answers", book.as_of, "../..")
    for question in found.questions:
        text = question.text.replace('"', "&#34;")
        assert text in worksheet and text in answer_sheet
        assert question.answer[:40].replace('"', "&#34;") not in worksheet
    assert found.figure is not None
    image = f'src="../../{found.figure.chapter}/{found.figure.image}"'
    assert image in worksheet and image in answer_sheet
    assert found.figure.title not in worksheet, "the worksheet's figure line gives the finding away"


def test_glossary_terms_are_plain_text(tmp_path):
    glossary = tmp_path / "glossary.md"
    glossary.write_text("# Glossary\n\n```{glossary}\n:sorted:\n\nkettle\n  A pocket; see {term}`oblasts <oblast>`\n"
                        "  and [Limitations](limitations.md).\n\noblast\n  A region.\n```\n", encoding="utf-8")
    assert lessons.glossary(glossary) == {"kettle": ("kettle", "A pocket; see oblasts and Limitations."),
                                          "oblast": ("oblast", "A region.")}


def test_a_word_missing_from_the_glossary_is_named():
    with pytest.raises(KeyError, match="lesson 'where': oblast not in the glossary"):
        lessons._vocabulary("where", {"hromada": ("hromada", ""), "Donbas": ("Donbas", "")})


def test_a_front_line_edition_reads_its_daily_maps(tmp_path):
    import datetime as dt

    from fixtures_frontlines import square, write_daily
    from pokrovsk.chapters.front_line import facts as front_line_facts
    from pokrovsk.frontlines.store import import_files

    files, store = tmp_path / "files", tmp_path / "store"
    files.mkdir()
    for day, rings in {dt.date(2024, 8, 1): [square(10, -1, 2)], dt.date(2024, 9, 10): [square(1, 1, 2)]}.items():
        write_daily(files, day, rings)
    import_files([files], store)
    book = Chapter.open(frontlines=str(store), as_of="2024-12-31")
    front_line, map_reading = lessons.sheet(book, "front_line"), lessons.sheet(book, "map_reading")
    assert map_reading.figure.chapter == "05_front_line"
    assert front_line.figure.chapter == "03_how_long"  # the measured line with the reports beside it
    areas = front_line_facts.areas(book)
    assert f"grew from {words.amount(round(areas.outer_first_km2), 'km2')}" in " ".join(answers(front_line).split())
    assert words.date(areas.last) in answers(front_line)


def test_every_lesson_has_its_page_for_teachers():
    from pathlib import Path

    pages = Path(__file__).parents[1] / "book" / "teachers"
    for lesson in lessons.LESSONS:
        page = (pages / f"{lessons.lesson_page(lesson)}.md").read_text(encoding="utf-8")
        for kind in lessons.SHEET_KINDS:
            assert f"worksheets/{lessons.sheet_file(lesson, kind)}.html" in page, f"{lesson}: no link to its {kind}"
        assert "{doc}`teaching a current war with care <care>`" in page


def test_key_words_come_in_the_readers_language_from_the_glossarys_catalog():
    from pokrovsk import words

    english = lessons.glossary()["logistics hub"]
    try:
        words.set_language("uk")
        term, definition = lessons.glossary()["logistics hub"]
    finally:
        words.set_language("en")
    assert english[0] == "logistics hub" and term == "логістичний вузол"
    assert definition and definition != english[1] and "Покровськ" in definition
