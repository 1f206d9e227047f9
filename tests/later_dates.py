"""Finds dates in reader text that lie after an edition's ``as_of`` (issue 19: nothing later
leaks). Knows the book's date format ('18 Dec 2024', 'Dec 2024', '2024') and ISO dates."""

from __future__ import annotations

import calendar
import datetime as dt
import re

MONTHS = {name: number for number, name in enumerate(calendar.month_abbr) if name}
MONTHS |= {name: number for number, name in enumerate(calendar.month_name) if name}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_PATTERNS = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), lambda m: dt.date(int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(rf"\b(\d{{1,2}}) ({_MONTH})\.? (\d{{4}})\b"), lambda m: dt.date(int(m[3]), MONTHS[m[2]], int(m[1]))),
    (re.compile(rf"(?<!\d )\b({_MONTH})\.? (\d{{4}})\b"), lambda m: dt.date(int(m[2]), MONTHS[m[1]], 1)),
    (re.compile(r"(?<![\d-])\b(20\d{2})\b(?![-\d])"), lambda m: dt.date(int(m[1]), 1, 1)),
]


def dates_after(text: str, as_of: dt.date) -> list[str]:
    """Every date written in ``text`` whose first possible day is after ``as_of``."""
    found = []
    for pattern, first_day in _PATTERNS:
        for match in pattern.finditer(text):
            try:
                if first_day(match) > as_of:
                    found.append(match[0])
            except ValueError:  # '31 Feb 2025' is not a date at all; not ours to judge here
                continue
    return found
