"""The maps that shade occupied ground when the build has a front-line store: the Ukraine locator,
the pocket map and the front page's map, drawn from a small store made from the fixtures."""

from __future__ import annotations

import datetime as dt
import io

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from conftest import REPO  # noqa: E402
from fixtures_frontlines import square, write_daily  # noqa: E402
from pokrovsk import words  # noqa: E402
from pokrovsk.chapter import Chapter  # noqa: E402
from pokrovsk.chapters.front_page import facts as front_page_facts, figures as front_page_figures  # noqa: E402
from pokrovsk.chapters.what_next import facts as what_next_facts, figures as what_next_figures  # noqa: E402
from pokrovsk.chapters.where import facts as where_facts, figures as where_figures  # noqa: E402
from pokrovsk.frontlines.store import import_files  # noqa: E402

DATA = REPO / "data"
MAPPED_ON = dt.date(2025, 12, 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("store-maps")
    # 30 km square south-east of the centre: it covers Selydove and reaches past the pocket map's edge.
    write_daily(root / "files", MAPPED_ON, [square(1, -30, 30)])
    import_files([root / "files"], root / "store")
    return str(root / "store")


MAPS = {
    "ukraine locator": lambda book: where_figures.ukraine(where_facts.locator(book, "pokrovsk"), book),
    "pocket map": lambda book: what_next_figures.pocket_map(what_next_facts.pocket_map(book), book),
    "front page map": lambda book: front_page_figures.hero_map(front_page_facts.hero_map(book), book),
}


def png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.image.savefig(buffer, dpi=50, format="png", metadata={"Software": None})
    return buffer.getvalue()


@pytest.mark.parametrize("name", MAPS)
def test_a_store_shades_the_occupied_ground_and_the_words_say_so(name, store):
    without = MAPS[name](Chapter.open(data_dir=str(DATA), as_of="2026-01-15"))
    shaded = MAPS[name](Chapter.open(data_dir=str(DATA), as_of="2026-01-15", frontlines=store))
    assert png(shaded) != png(without)
    mapped_on = words.date(MAPPED_ON)
    assert mapped_on not in without.caption + (without.long_description or "")
    assert mapped_on in shaded.caption and mapped_on in (shaded.long_description or shaded.alt)


def legend(figure) -> list[str]:
    return [text.get_text() for text in figure.image.axes[0].get_legend().get_texts()]


@pytest.mark.parametrize("name", ["pocket map", "front page map"])  # the locator has no legend: its caption names the shading
def test_the_legend_names_the_shading(name, store):
    assert not any("Occupied" in entry for entry in legend(MAPS[name](Chapter.open(data_dir=str(DATA), as_of="2026-01-15"))))
    shaded = legend(MAPS[name](Chapter.open(data_dir=str(DATA), as_of="2026-01-15", frontlines=store)))
    assert any("Occupied" in entry for entry in shaded), shaded


def test_the_front_page_map_marks_where_the_stores_shading_stops(store):
    book = Chapter.open(data_dir=str(DATA), as_of="2026-01-15", frontlines=store)
    figure = front_page_figures.hero_map(front_page_facts.hero_map(book), book)
    assert "Edge of the shaded area: 60 km from Pokrovsk" in legend(figure)
    assert "within 60 km of Pokrovsk" in figure.caption and "dashed arc" in figure.long_description
