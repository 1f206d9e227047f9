"""Editorial choices live in data/editorial.csv: the chapters read them, validation guards them."""

import csv
import shutil
from pathlib import Path

from pokrovsk import data
from pokrovsk.validation import validate_data_dir

DATA = Path(__file__).resolve().parents[1] / "data"


def test_choices_come_in_the_editors_order():
    with (DATA / "editorial.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["chapter"] == "where" and r["role"] == "key_fact"]
    expected = [r["event_id"] for r in sorted(rows, key=lambda r: int(r["rank"]))]
    assert expected and data.editorial_ids("where", "key_fact") == expected


def test_a_choice_naming_no_event_is_refused(tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(DATA, copy)
    with (copy / "editorial.csv").open("a", encoding="utf-8") as handle:
        handle.write("where,key_fact,no-such-event,9,A typo in an id\n")
    errors = validate_data_dir(copy)
    assert any("editorial.csv" in e and "event_id" in e for e in errors), errors
