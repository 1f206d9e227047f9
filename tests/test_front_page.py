"""The front page and who held a place: the holder of each place is recomputed here from the CSV
files (csv module, not the project's loaders) and compared with ``pokrovsk.holders``; the front
page's facts agree with the data at several dates; and its page says nothing dated after as_of."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import re

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

from conftest import REPO  # noqa: E402
from later_dates import dates_after  # noqa: E402
from pokrovsk import holders, words  # noqa: E402
from pokrovsk.chapter import Chapter  # noqa: E402
from pokrovsk.chapters.front_page import facts, figures, page  # noqa: E402
from pokrovsk.params import BookParams  # noqa: E402

DATA = REPO / "data"
DATES = [dt.date(2024, 2, 17), dt.date(2024, 9, 15), dt.date(2025, 6, 1), dt.date(2025, 11, 20),
         dt.date(2025, 12, 1), dt.date(2025, 12, 15), dt.date(2026, 5, 31)]


@functools.lru_cache(maxsize=None)
def rows(name: str) -> tuple[dict[str, str], ...]:
    with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def measured_state(place: str, as_of: dt.date) -> bool | None:
    known = [row for row in rows("frontline_place_changes")
             if row["place_id"] == place and dt.date.fromisoformat(row["date"]) <= as_of]
    return None if not known else max(known, key=lambda row: row["date"])["occupied"] == "true"


def book_at(as_of: dt.date) -> Chapter:
    return Chapter.open(as_of=as_of.isoformat(), data_dir=str(DATA))


@pytest.mark.parametrize("as_of", DATES)
def test_measured_places_take_their_state_on_the_latest_measured_date(as_of):
    places = sorted({row["place_id"] for row in rows("frontline_place_changes")})
    held = holders.holdings(DATA, as_of, places).set_index("place_id")
    for place in places:
        occupied = measured_state(place, as_of)
        assert held.loc[place, "basis"] == "measured"
        assert held.loc[place, "holder"] == ("russia" if occupied else "ukraine"), place


def test_places_the_front_left_long_ago_are_russian_held_not_merely_unclaimed():
    held = holders.holdings(DATA, dt.date(2025, 6, 1), ["avdiivka", "yasynuvata"]).set_index("place_id")
    assert list(held["holder"]) == ["russia", "russia"]
    assert held.loc["avdiivka", "since"] <= dt.date(2024, 2, 29)
    assert held.loc["yasynuvata", "since"] is None  # occupied on the first measured date already


def test_an_unmeasured_place_is_russian_held_only_on_a_confirmed_claim():
    measured = {row["place_id"] for row in rows("frontline_place_changes")}
    as_of = dt.date(2026, 5, 31)
    claims = {}
    for row in rows("events"):
        if (row["claimant"] == "russia" and row["category"] in ("claim", "military") and row["place_id"]
                and row["place_id"] not in measured and row["date"][:10] <= as_of.isoformat()):
            claims.setdefault(row["place_id"], []).append(row)
    unmeasured = [row["place_id"] for row in rows("places") if row["place_id"] not in measured and row["lat"]]
    held = holders.holdings(DATA, as_of, unmeasured).set_index("place_id")
    assert not held["holder"].eq("ukraine").any()  # nothing but a measurement makes a place Ukrainian-held
    for place in unmeasured:
        if place not in claims:
            assert held.loc[place, "holder"] is None and held.loc[place, "basis"] == "none", place
    claimed = held[held["basis"].isin(["claimed", "disputed"])]
    assert claimed["holder"].isna().all()


@pytest.mark.parametrize("as_of", DATES)
def test_measurement_is_the_latest_on_or_before_as_of(as_of):
    known = [row for row in rows("frontline_metrics") if dt.date.fromisoformat(row["date"]) <= as_of]
    latest = max(known, key=lambda row: row["date"])
    measured = holders.measurement(DATA, as_of)
    assert measured.date.isoformat() == latest["date"]
    assert measured.nearest_occupied_km == pytest.approx(float(latest["min_distance_km_from_centre"]))


@pytest.mark.parametrize("as_of", [dt.date(2025, 6, 1), dt.date(2025, 11, 20), dt.date(2026, 5, 31)])
def test_bottom_line_reports_the_measured_state_of_the_city(as_of):
    line = facts.bottom_line(book_at(as_of))
    assert line.measured.holder == ("russia" if measured_state("pokrovsk", as_of) else "ukraine")
    for statement in (line.capture_claim, line.russia, *line.answers):
        assert statement is None or statement.date[:10] <= as_of.isoformat()


def capture_claim_day() -> str:
    """The end of the battle's count by Russia's claim (battles.csv), read from the CSV."""
    return min(row["end"] for row in rows("battles") if row["battle_id"] == "pokrovsk" and row["end_kind"] == "claim")


def ukrainian_statements_since(day: str, as_of: dt.date) -> list[str]:
    return [row["event_id"] for row in sorted(rows("events"), key=lambda row: (row["date"], row["event_id"]))
            if row["claimant"] == "ukraine" and row["place_id"] == "pokrovsk" and row["category"] in ("claim", "military")
            and day <= row["date"] <= as_of.isoformat()]


def test_bottom_line_weighs_russias_capture_claim_against_ukraines_answers():
    day = capture_claim_day()
    before = facts.bottom_line(book_at(dt.date.fromisoformat(day) - dt.timedelta(days=1)))
    assert before.capture_claim is None and before.answers == ()
    as_of = dt.date(2026, 5, 31)
    line = facts.bottom_line(book_at(as_of))
    assert line.capture_claim.date == day and line.capture_claim.claimant == "russia"
    assert line.capture_claim.verification == "disputed"
    said = ukrainian_statements_since(day, as_of)
    assert len(said) > 2
    assert [event.event_id for event in line.answers] == [said[0], said[-1]]
    assert line.battle.days == int(next(row["days"] for row in rows("battles")
                                        if row["battle_id"] == "pokrovsk" and row["is_primary"] == "true"))


def bottom_line_sentences(text: str) -> list[str]:
    """The sentences after the bottom line's heading, citations and links left out."""
    heading, body = text.split("\n", 1)
    body = re.sub(r"\{(?:ref|doc)\}`[^`]*`", "", body).replace("\\", "")
    body = re.sub(r"\s*\([\s;]*\)", "", body)
    return [sentence for sentence in re.split(r"(?<=[.!?])\s+", " ".join(body.split())) if sentence.strip(" ;")]


@pytest.mark.parametrize("as_of", sorted(DATES + [dt.date(2025, 11, 3), dt.date(2025, 12, 2), dt.date(2026, 1, 28),
                                             dt.date(2026, 2, 15)]))
def test_bottom_line_is_two_or_three_plain_sentences_as_of_its_date(as_of):
    book = book_at(as_of)
    text = figures.bottom_line(facts.bottom_line(book), book)
    assert text.startswith(f"**The bottom line, as of {words.date(as_of)}.**")
    sentences = bottom_line_sentences(text)
    assert 2 <= len(sentences) <= 3, sentences
    plain = " ".join(sentences)
    assert '"' not in plain and "\u201c" not in plain
    titles = [row["title"] for row in rows("events") if len(row["title"]) > 20]
    assert [title for title in titles if title in plain] == []
    assert dates_after(text, as_of) == []


def test_key_facts_come_from_the_data():
    record = facts.key_facts(book_at(dt.date(2026, 5, 31)))
    pokrovsk = next(row for row in rows("places") if row["place_id"] == "pokrovsk")
    assert record.prewar.population == int(pokrovsk["population"])
    main = next(row for row in rows("battles") if row["battle_id"] == "pokrovsk" and row["is_primary"] == "true")
    assert record.battle.days == int(main["days"])
    assert record.gateway.name == "Kramatorsk" and 50 < record.gateway.km < 65
    chosen = [row["event_id"] for row in rows("editorial") if row["chapter"] == "front_page" and row["role"] == "troops"]
    assert [event.event_id for event in record.troops] == chosen


def test_key_facts_before_the_battle_hold_no_later_report():
    record = facts.key_facts(book_at(dt.date(2024, 2, 17)))
    assert record.battle is None
    assert record.troops == ()


def test_the_latest_count_is_left_out_while_it_is_the_pre_war_figure_itself():
    early, later = facts.key_facts(book_at(dt.date(2024, 2, 17))), facts.key_facts(book_at(dt.date(2026, 5, 31)))
    assert early.prewar is not None and early.latest is None
    assert later.latest is not None and later.latest.population < later.prewar.population


@pytest.mark.parametrize("as_of", [dt.date(2024, 2, 17), dt.date(2025, 6, 1), dt.date(2025, 12, 15)])
def test_front_page_says_nothing_dated_after_as_of(as_of, tmp_path):
    params = dataclasses.replace(BookParams.from_mapping({}), as_of=as_of)
    written = page.write(tmp_path, params, DATA)
    text = (tmp_path / page.FOLDER / page.PAGE).read_text(encoding="utf-8")
    assert {path.name for path in written} >= {page.PAGE, "front-page-map.png", "front-page-map.geojson"}
    assert f"as of {as_of.day} " in text
    assert "```{admonition}" in text and "```{figure} front/front-page-map.png" in text
    assert dates_after(text, as_of) == []


def test_map_caption_names_the_maps_own_sources_and_folds_the_rest(tmp_path):
    params = dataclasses.replace(BookParams.from_mapping({}), as_of=dt.date(2026, 5, 31))
    page.write(tmp_path, params, DATA)
    text = (tmp_path / page.FOLDER / page.PAGE).read_text(encoding="utf-8")
    caption = next(line for line in text.splitlines() if "Sources: " in line)
    shown, folded = caption.split('<details class="pk-more-sources">')
    shown = shown.split("Sources: ", 1)[1]
    assert 2 <= shown.count("{ref}") <= 3
    assert "<source-geonames>" in shown and "<source-natural-earth>" in shown
    sources = folded.count("{ref}")
    assert f"All {sources} sources</summary>" in folded and sources > 10
