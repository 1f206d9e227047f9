"""The choices the teachers' exercises make, derived from the edition's ``as_of`` so that an
exercise never looks past the edition it belongs to."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd

from pokrovsk import data
from pokrovsk.chapter import Chapter
from pokrovsk.params import PERIOD_START, ParameterError

BOOK_BATTLE = "pokrovsk"
"""The battle the chapters themselves show; the variants exercise picks another one."""


@dataclasses.dataclass(frozen=True)
class Exercises:
    earlier: dt.date
    """An earlier edition's date for the 'as it stood then' exercises, inside the book's period."""
    battle: str
    """A battle (battles.csv) that had begun by as_of, for the start-and-end exercise."""
    battle_name: str


def _earlier(book: Chapter, chosen: str | dt.date | None) -> dt.date:
    if chosen is None:
        return PERIOD_START + (book.as_of - PERIOD_START) / 2
    day = pd.Timestamp(chosen).date()
    if not PERIOD_START <= day <= book.as_of:
        raise ParameterError(f"exercise_as_of: {day} is outside {PERIOD_START} .. {book.as_of} "
                             "(an exercise looks back from this edition, never past it)")
    return day


def _battle(book: Chapter, chosen: str | None) -> str:
    battles = data.load_battles(book.data_dir)
    primary = battles[battles["is_primary"] & battles["start"].notna()].copy()
    primary["first_day"] = [data.period_bounds(start)[0] for start in primary["start"]]
    begun = primary[primary["first_day"] <= book.as_of].sort_values("first_day")
    if chosen is None:
        others = begun[begun["battle_id"] != BOOK_BATTLE]
        return others["battle_id"].iloc[-1] if not others.empty else BOOK_BATTLE
    if chosen not in set(begun["battle_id"]):
        raise ParameterError(f"exercise_battle: {chosen!r} had not begun by {book.as_of} "
                             f"(begun: {', '.join(begun['battle_id'])})")
    return chosen


def exercises(book: Chapter, earlier: str | dt.date | None = None, battle: str | None = None) -> Exercises:
    """The exercises' date and battle: the ones given, checked against as_of, or by default the
    day halfway between the start of the book's period and as_of, and the most recent battle
    other than Pokrovsk's that had begun by as_of."""
    battle_id = _battle(book, battle)
    battles = data.load_battles(book.data_dir)
    name = battles.loc[battles["battle_id"] == battle_id, "battle_name"].iloc[0]
    return Exercises(_earlier(book, earlier), battle_id, name)
