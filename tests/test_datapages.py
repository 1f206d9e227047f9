"""The generated reader pages: Corrections and the edition note."""

from __future__ import annotations

import csv

from conftest import REPO
from pokrovsk import datapages

DATA = REPO / "data"


def plain(markdown: str) -> str:
    return markdown.replace("\\", "")


def test_the_corrections_page_lists_every_correction_with_its_reason():
    page = plain(datapages.corrections_page(DATA))
    with (DATA / "corrections.csv").open(encoding="utf-8", newline="") as handle:
        corrections = list(csv.DictReader(handle))
    assert len(corrections) >= 6  # at least the six errors the fact-check listed
    for row in corrections:
        assert row["what_changed"] in page and row["why"] in page
    assert page.count("*Why:*") == len(corrections)
    assert "myrnohrad 2024" in page and "2025-10-28-special-forces-landing" in page


def test_the_edition_note_names_the_as_of_date(tmp_path):
    import datetime as dt

    note = datapages.edition_note(DATA, dt.date(2025, 11, 15))
    assert note.startswith("**This edition describes the battle as of 15 Nov 2025.**")
