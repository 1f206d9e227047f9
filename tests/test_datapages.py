"""The generated reader pages: Corrections and the edition note."""

from __future__ import annotations

import csv

from conftest import REPO
from pokrovsk import data as datamodule
from pokrovsk import datapages

DATA = REPO / "data"


def plain(markdown: str) -> str:
    return markdown.replace("\\", "")


def field_rows(markdown: str) -> list[str]:
    """The rows of a data page's table of fields, as HTML."""
    from markdown_it import MarkdownIt

    assert f"```{{table}}\n:class: {datapages.FIELD_TABLE_CLASS}\n" in markdown
    table = "\n".join(line for line in markdown.splitlines() if line.startswith("|"))
    return MarkdownIt("commonmark").enable("table").render(table).split("<tbody>")[1].split("</tr>")[:-1]


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


def test_an_earlier_edition_does_not_say_the_reporting_ran_out_on_its_date():
    import datetime as dt

    # 17 Feb 2024, the fall of Avdiivka: the edition's last report falls on its own date.
    assert datamodule.latest_report(DATA, dt.date(2024, 2, 17)) == "2024-02-17"
    note = datapages.edition_note(DATA, dt.date(2024, 2, 17))
    assert "We found no reporting" not in note and "Our data hold no reporting" not in note
    assert "Nothing published after that date is shown." in note and "measures run to 31 Jan 2024" in note


def test_an_early_bibliography_lists_later_sources_only_for_timeless_facts_and_marks_them():
    import datetime as dt

    as_of = dt.date(2024, 2, 17)
    listed, later = datapages.edition_sources(DATA, as_of)
    with (DATA / "sources.csv").open(encoding="utf-8", newline="") as handle:
        published = {row["source_id"]: row["date_published"] for row in csv.DictReader(handle)}
    assert "reuters-2025-11-03-pokrovsk-factbox" in published and "reuters-2025-11-03-pokrovsk-factbox" not in listed
    assert later and all(published[source_id] > "2024-02-17" for source_id in later)
    timeless_ids = set()
    for table in datapages.TIMELESS_TABLES:
        with (DATA / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
            timeless_ids |= {i for row in csv.DictReader(handle) for i in row["source_ids"].split(";")}
    assert later <= timeless_ids
    page = plain(datapages.bibliography_page(DATA, as_of))
    assert page.count(datapages.later_source_note()) == len(later)
    assert page.count("(source-") == len(listed)


def test_a_data_page_counts_the_rows_an_edition_knows_and_names_the_later_ones():
    import datetime as dt
    import json

    events = next(r for r in json.loads((DATA / "datapackage.json").read_text())["resources"] if r["name"] == "events")
    known = datapages.known_row_count("events", DATA, dt.date(2024, 2, 17))
    with (DATA / "events.csv").open(encoding="utf-8", newline="") as handle:
        total = sum(1 for _ in csv.DictReader(handle))
    assert 0 < known < total
    page = plain(datapages.resource_page(events, "../../data", total, known, dt.date(2024, 2, 17)))
    assert f"the {known} rows known by 17 Feb 2024" in page and f"{total - known} later rows" in page
    assert "later rows" not in datapages.resource_page(events, "../../data", total, total, dt.date(2026, 5, 31))


def test_a_bar_in_a_field_table_stays_inside_its_cell(tmp_path):
    """In a Markdown table a "|" ends the cell, even inside code, unless it is escaped: the
    places page showed the pattern of ``gazetteer_id`` cut off at its "|", with a stray backtick."""
    field = {"name": "either|or", "type": "string", "description": "A `b|c` code or d|e text.",
             "constraints": {"pattern": "^([0-9]+|Q[0-9]+)$", "enum": ["x|y", "z"], "other|key": "1|2"}}
    row, = field_rows(datapages.resource_page({"name": "t", "path": "t.csv", "schema": {"fields": [field]}}, "..", 1))
    assert row.count("<td>") == 4
    assert "<code>either|or</code>" in row and "<code>b|c</code> code or d|e text." in row
    assert "<code>^([0-9]+|Q[0-9]+)$</code>" in row and "<code>x|y, z</code>" in row
    assert "<code>other|key</code>" in row and "<code>1|2</code>" in row

    datapages.write_pages(tmp_path, DATA)
    places = (tmp_path / datapages.PAGES_DIR / "datasets" / "places.md").read_text(encoding="utf-8")
    gazetteer_id, = [row for row in field_rows(places) if "<code>gazetteer_id</code>" in row]
    assert gazetteer_id.count("<td>") == 4 and "<code>^([0-9]+|Q[0-9]+)$</code>" in gazetteer_id


def test_the_words_around_a_code_span_keep_their_spaces(tmp_path):
    """A description such as "Year of `population`." kept its words but lost the space before the
    code: readers of the places page (and anyone who copied it) got "Year ofpopulation"."""
    field = {"name": "f", "description": "Year of `population`, or `a` `b` and `c`."}
    page = datapages.resource_page({"name": "t", "path": "t.csv", "schema": {"fields": [field]}}, "..", 1)
    row, = field_rows(page)
    assert "Year of <code>population</code>, or <code>a</code> <code>b</code> and <code>c</code>." in row

    datapages.write_pages(tmp_path, DATA)
    places = (tmp_path / datapages.PAGES_DIR / "datasets" / "places.md").read_text(encoding="utf-8")
    assert any("Year of <code>population</code>." in row for row in field_rows(places))
