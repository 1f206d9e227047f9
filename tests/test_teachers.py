"""The teachers' exercises follow the edition's as_of: their dates and battles derive from it."""

import datetime as dt

import pytest

from pokrovsk.chapter import Chapter
from pokrovsk.chapters.teachers import facts
from pokrovsk.params import PERIOD_START, ParameterError


def edition(as_of: str) -> Chapter:
    return Chapter.open(as_of=as_of)


@pytest.mark.parametrize("as_of, battle", [("2024-02-17", "avdiivka"), ("2024-08-15", "toretsk"),
                                           ("2025-06-01", "kurakhove"), ("2025-12-05", "myrnohrad")])
def test_defaults_look_back_from_the_edition(as_of, battle):
    book = edition(as_of)
    chosen = facts.exercises(book)
    assert PERIOD_START <= chosen.earlier <= book.as_of
    assert chosen.earlier == PERIOD_START + (book.as_of - PERIOD_START) / 2
    assert chosen.battle == battle


def test_a_given_date_or_battle_past_the_edition_is_refused():
    book = edition("2025-06-01")
    assert facts.exercises(book, earlier="2024-12-31").earlier == dt.date(2024, 12, 31)
    with pytest.raises(ParameterError, match="exercise_as_of: 2025-07-01 is outside"):
        facts.exercises(book, earlier="2025-07-01")
    with pytest.raises(ParameterError, match="exercise_battle: 'myrnohrad' had not begun by 2025-06-01"):
        facts.exercises(book, battle="myrnohrad")
