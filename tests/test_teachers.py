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


def test_every_name_the_exercises_use_is_explained_on_the_page():
    """The solutions' code may use only names the page explains (teachers.exercise_values)."""
    import ast
    import builtins
    import json
    from pathlib import Path

    from pokrovsk import words

    notebook = json.loads((Path(__file__).parents[1] / "notebooks" / "06_teachers.ipynb").read_text(encoding="utf-8"))
    solutions = ["".join(cell["source"]) for cell in notebook["cells"]
                 if cell["cell_type"] == "code" and "hide-cell" in cell["metadata"].get("tags", [])]
    assert solutions
    used = {node.id for source in solutions for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Name) and not hasattr(builtins, node.id)}
    used |= {f"{node.value.id}.{node.attr}" for source in solutions for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "chosen"}
    explained = words.entry("teachers.exercise_values")
    missing = sorted(name for name in used - {"chosen"} if f"`{name}`" not in explained)
    assert missing == [], f"names the exercises use but the page does not explain: {missing}"
