"""The classroom kit on paper: the function `make pdf` calls prints every worksheet and answer
sheet of the built book, each with its questions, no code, and answers true at the book's as_of."""

import re
import unicodedata

import pytest
from pypdf import PdfReader

from pokrovsk import pdf
from pokrovsk.chapter import Chapter
from pokrovsk.chapters.teachers import lessons

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]


def plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def printed(built_book, monkeypatch_module):
    monkeypatch_module.setenv("POKROVSK_PROJECT", str(built_book))
    files = pdf.make_worksheets(built_book)
    texts = {path.stem: plain(" ".join(page.extract_text() for page in PdfReader(path).pages)) for path in files}
    book = Chapter.open(as_of=None, data_dir=str(built_book / "data"))
    return texts, {found.lesson: found for found in lessons.sheets(book)}


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_every_sheet_is_printed_with_its_questions(built_book, printed):
    texts, sheets = printed
    expected = {lessons.sheet_file(lesson, kind) for lesson in lessons.LESSONS for kind in lessons.SHEET_KINDS}
    assert set(texts) == expected
    assert {p.stem for p in (built_book / "_build" / "pdf" / "en" / "worksheets").glob("*.pdf")} == expected
    for lesson, found in sheets.items():
        for kind in lessons.SHEET_KINDS:
            text = texts[lessons.sheet_file(lesson, kind)]
            assert plain(found.title) in text
            for question in found.questions:
                assert plain(question.text) in text, f"{lesson} {kind}: {question.text!r} missing"
            assert not re.search(r"exercise_|\w\(\)|import |\{\{|def ", text), f"{lesson} {kind} shows code"


def test_answer_sheets_hold_the_answers_of_the_books_as_of(printed):
    texts, sheets = printed
    for lesson, found in sheets.items():
        worksheet = texts[lessons.sheet_file(lesson, "worksheet")]
        answer_sheet = texts[lessons.sheet_file(lesson, "answers")]
        for question in found.questions:
            assert plain(question.answer) in answer_sheet, f"{lesson}: {question.answer[:60]!r} not on the answer sheet"
            assert plain(question.answer)[:60] not in worksheet, f"{lesson}: the worksheet shows an answer"
