"""Static chart images: requested by chapters, drawn in one batch by the build."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest
from PIL import Image
from browsing import edition_html

from pokrovsk import render


def request(folder: Path, name: str, size=(640, 360)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    render.request_static_png(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), folder / f"{name}.png", size)
    return folder / f"{name}{render.PENDING_SUFFIX}"


@pytest.mark.usefixtures("chromium")
def test_pending_charts_are_drawn_in_one_batch_at_their_size(tmp_path):
    pending = [request(tmp_path / "a", "one"), request(tmp_path / "b", "two", (300, 300))]
    assert render.draw_pending_images([tmp_path / "a", tmp_path / "b"]) == 2
    assert not any(p.exists() for p in pending)
    with Image.open(tmp_path / "b" / "two.png") as image:
        assert image.size == (300, 300)
    assert render.draw_pending_images([tmp_path]) == 0  # nothing left to draw


@pytest.mark.usefixtures("chromium")
def test_charts_the_basic_bundle_can_draw_use_it_once_cached_and_others_the_full_bundle(tmp_path, monkeypatch):
    from pokrovsk import paths, plotlyjs

    monkeypatch.setenv(paths.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(plotlyjs, "installed_plotlyjs_version", lambda: plotlyjs.BASIC_VERSION)
    # A stand-in for the cached partial bundle: every chart it draws is one 2 x 3 pixel image.
    tiny = Image.new("RGB", (2, 3), "red")
    tiny.save(tmp_path / "tiny.png")
    stand_in = __import__("base64").b64encode((tmp_path / "tiny.png").read_bytes()).decode()
    cached = tmp_path / "cache" / "plotlyjs" / f"plotly-basic-{plotlyjs.BASIC_VERSION}.min.js"
    cached.parent.mkdir(parents=True)
    cached.write_text(f"window.Plotly = {{toImage: () => Promise.resolve('data:image/png;base64,{stand_in}')}};")
    request(tmp_path / "basic", "bars", (300, 200))
    beyond = tmp_path / "full"
    beyond.mkdir()
    render.request_static_png(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])), beyond / "heat.png", (300, 200))
    assert render.draw_pending_images([tmp_path / "basic", beyond]) == 2
    with Image.open(tmp_path / "basic" / "bars.png") as image:
        assert image.size == (2, 3)
    with Image.open(beyond / "heat.png") as image:
        assert image.size == (300, 200)
    cached.unlink()  # not cached: the full bundle draws everything, and nothing is fetched
    request(tmp_path / "again", "bars", (300, 200))
    assert render.draw_pending_images([tmp_path / "again"]) == 1
    with Image.open(tmp_path / "again" / "bars.png") as image:
        assert image.size == (300, 200)
    assert not cached.exists()


def test_without_a_browser_a_placeholder_says_so(tmp_path, monkeypatch):
    from pokrovsk import browser

    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "no-chromium")
    request(tmp_path, "chart")
    assert render.draw_pending_images([tmp_path]) == 1
    with Image.open(tmp_path / "chart.png") as image:
        assert image.size == (640, 360)
        assert len(image.convert("L").getcolors(maxcolors=256 * 256)) > 1  # it carries the explanation


def test_built_book_has_every_static_image_and_no_pending_requests(built_book):
    html = edition_html(built_book)
    for page in (html / "book" / "chapters").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for source in __import__("re").findall(r'<img class="pk-static" src="([^"]+)"', text):
            assert (page.parent / source).is_file(), f"{page.name}: {source}"
    assert not list(html.rglob(f"*{render.PENDING_SUFFIX}"))


def test_a_static_image_keeps_the_charts_own_height(tmp_path):
    """A tall chart squeezed into the default image would overlap its row labels."""
    import datetime as dt
    import json

    import pandas as pd

    def pending_size(chart: go.Figure, name: str, **size) -> tuple[int, int]:
        figure = render.BookFigure(name=name, title="t", alt="a chart", caption="c", citations=[],
                                   data_date=dt.date(2025, 1, 1), data=pd.DataFrame({"x": [1]}), chart=chart, **size)
        render.figure_html(figure, "assets", tmp_path)
        spec = json.loads((tmp_path / f"{name}{render.PENDING_SUFFIX}").read_text())
        return spec["width"], spec["height"]

    tall = go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h"), layout={"height": 760})
    assert pending_size(tall, "tall") == (render.STATIC_WIDTH, 760)
    assert pending_size(go.Figure(go.Bar(x=[1])), "plain") == (render.STATIC_WIDTH, render.STATIC_HEIGHT)
    assert pending_size(tall, "square", static_size=(800, 800)) == (800, 800)


def test_a_chromium_that_will_not_start_gives_placeholders(tmp_path, monkeypatch):
    from pokrovsk import browser

    broken = tmp_path / "chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setattr(browser, "CHROMIUM", broken)
    request(tmp_path, "chart")
    assert render.draw_pending_images([tmp_path]) == 1
    with Image.open(tmp_path / "chart.png") as image:
        assert image.size == (640, 360)


def figure_of(**fields) -> render.BookFigure:
    import pandas as pd

    return render.BookFigure(**{"name": "f", "title": "t", "alt": "a chart", "caption": "c", "citations": [],
                                "data_date": dt.date(2025, 1, 1), "data": pd.DataFrame({"x": [1]}),
                                "chart": go.Figure(go.Bar(x=[1]))} | fields)


def made_by_a_chapter(**fields) -> render.BookFigure:
    """A figure created two calls deep inside a chapter module, as chapter helpers do."""
    import types

    module = types.ModuleType("pokrovsk.chapters.example")
    exec("def population_figure(make):\n    return _draw(make)\n"
         "def _draw(make):\n    return make()\n", module.__dict__)
    return module.population_figure(lambda: figure_of(**fields))


def test_a_figure_names_the_package_function_the_notebook_called():
    assert made_by_a_chapter().builder == "pokrovsk.chapters.example:population_figure"
    assert made_by_a_chapter(builder="pokrovsk.maps:region_map").builder == "pokrovsk.maps:region_map"
    assert figure_of().builder is None  # made outside the package


def test_the_caption_links_to_the_code_and_the_notebook(tmp_path):
    markup = render.figure_html(made_by_a_chapter(), "assets/01_where", tmp_path)
    assert ('How this was made: <a href="../../_modules/pokrovsk/chapters/example.html#population_figure">'
            'the function that drew it</a> and <a href="notebooks/01_where.ipynb" download>the chapter notebook</a>.'
            ) in markup
    assert "How this was made" not in render.figure_html(figure_of(), "assets", tmp_path)


def test_a_map_opens_at_full_size_and_keeps_only_notes_with_words(tmp_path):
    import matplotlib.figure

    image = matplotlib.figure.Figure(figsize=(4, 3))
    image.add_subplot().text(0.5, 0.5, "Pokrovsk", fontsize=9)
    markup = render.figure_html(figure_of(chart=None, image=image, notes=["", "Map data: Natural Earth."]),
                                "assets/01_where", tmp_path)
    assert '<a class="pk-map-full" href="assets/01_where/f.png" title="Open the map at full size"><img class="pk-map"' in markup
    assert markup.count('class="pk-note"') == 1


def test_a_map_states_its_size_so_the_page_keeps_its_room_while_it_loads(tmp_path):
    import re

    import matplotlib.figure
    from PIL import Image

    image = matplotlib.figure.Figure(figsize=(4, 3))
    image.add_subplot().text(0.5, 0.5, "Pokrovsk", fontsize=9)
    markup = render.figure_html(figure_of(chart=None, image=image), "assets", tmp_path)
    with Image.open(tmp_path / "f.png") as written:
        width, height = written.size
    assert width > height > 0  # drawn 4 by 3
    assert re.search(rf'<img class="pk-map" [^>]*width="{width}" height="{height}" loading="lazy">', markup)


@pytest.mark.parametrize("width_in, font_pt", [(8, 8), (4, 9), (11, 12)])
def test_map_text_shows_at_11_css_px_or_more_on_a_phone(tmp_path, width_in, font_pt):
    import matplotlib.figure

    image = matplotlib.figure.Figure(figsize=(width_in, width_in * 0.8))
    axes = image.add_subplot()
    axes.text(0.1, 0.5, "Myrnohrad", fontsize=font_pt)
    axes.text(0.6, 0.5, "Pokrovsk", fontsize=font_pt + 3)
    axes.set_axis_off()
    render.figure_html(figure_of(chart=None, image=image), "assets", tmp_path)
    with Image.open(tmp_path / "f.png") as png:
        width_px, dpi = png.size[0], png.info["dpi"][0]
    shown_on_phone = font_pt / 72 * dpi * render.PHONE_COLUMN_CSS_PX / width_px
    assert shown_on_phone >= render.SMALLEST_TEXT_CSS_PX
    assert width_px >= 2 * render.PHONE_COLUMN_CSS_PX  # a click still opens a sharper image


def test_labels_of_an_axis_switched_off_do_not_shrink_a_map():
    """geopandas names a projected map's axes ("Easting [metre]"); switched off, they are never
    drawn, so their smaller size must not shrink the map on a phone."""
    import matplotlib.figure

    def width_after(axis_labels: bool) -> float:
        image = matplotlib.figure.Figure(figsize=(render.MAP_WIDTH_PX / 300, 3))
        axes = image.add_subplot()
        axes.text(0.1, 0.5, "Myrnohrad", fontsize=9)
        if axis_labels:
            axes.set_xlabel("Easting [metre]", fontsize=6)
        axes.set_axis_off()
        render.legible_on_phones(image)
        return image.get_figwidth()

    assert width_after(axis_labels=True) == pytest.approx(width_after(axis_labels=False))


READER_MUST_NOT_SEE = re.compile(r"Show code cell|offline build|--param [a-z_]+=")


def chapter_text(page: Path) -> str:
    return re.sub(r"<script.*?</script>", "", page.read_text(encoding="utf-8"), flags=re.S)


def test_chapter_pages_show_no_code_toggles_or_build_commands(built_book):
    pages = sorted((edition_html(built_book) / "book" / "chapters").glob("*.html"))
    assert len(pages) == 6
    found = {page.name: READER_MUST_NOT_SEE.findall(chapter_text(page)) for page in pages}
    assert found == {page.name: [] for page in pages}


def test_chapter_pages_carry_no_notes_to_ourselves(built_book):
    pages = sorted((edition_html(built_book) / "book" / "chapters").glob("*.html"))
    assert [page.name for page in pages if "our data has none" in chapter_text(page)] == []


def test_each_figure_links_to_its_code_and_notebook(built_book):
    import nbformat

    html = edition_html(built_book)
    page = html / "book" / "chapters" / "01_where.html"
    links = re.findall(r'<span class="pk-how"[^>]*>How this was made: <a href="([^"]+)">the function that drew it</a> '
                       r'and <a href="([^"]+)" download>', page.read_text(encoding="utf-8"))
    figures = page.read_text(encoding="utf-8").count('<figure class="pk-figure"')
    assert figures and len(links) == figures
    for code, notebook in links:
        source, anchor = code.split("#")
        assert f'<div class="viewcode-block" id="{anchor}">' in (page.parent / source).read_text(encoding="utf-8")
        downloaded = nbformat.read(page.parent / notebook, as_version=4)
        assert all(not cell.get("outputs") for cell in downloaded.cells if cell.cell_type == "code")
    module_page = html / "_modules" / "pokrovsk" / "chapters" / "where" / "figures.html"
    back = re.findall(r'class="viewcode-back" href="([^"#]+)#([^"]+)"', module_page.read_text(encoding="utf-8"))
    assert back and all(f'id="{anchor}"' in (module_page.parent / target).resolve().read_text(encoding="utf-8")
                        for target, anchor in back)


@pytest.mark.parametrize("data_date, shown", [(dt.date(2025, 12, 9), "Data as of 9 Dec 2025."),
                                              ("2025-10", "Data as of Oct 2025.")])
def test_the_caption_dates_its_data_in_the_books_one_date_format(tmp_path, data_date, shown):
    markup = render.figure_html(figure_of(data_date=data_date), "assets", tmp_path)
    assert f'<span class="pk-date">{shown}</span>' in markup


def test_a_caption_names_the_sources_most_rows_rest_on_and_folds_the_rest(tmp_path):
    import pandas as pd

    citations = [(f"Publisher {n}", f"s{n}") for n in range(1, 6)]
    data = pd.DataFrame({"source_ids": ["s1", "s4;s5", "s4", "s5;s2", "s4"]})
    markup = render.figure_html(figure_of(citations=citations, data=data), "assets", tmp_path)
    short = re.search(r'<span class="pk-source">(.*?)</span>', markup).group(1)
    assert re.findall(r">(Publisher \d)<", short) == ["Publisher 1", "Publisher 4", "Publisher 5"]
    assert "and 2 more." in short
    fold = re.search(r'<details class="pk-all-sources"><summary>All 5 sources</summary>(.*?)</details>', markup)
    assert fold and re.findall(r">(Publisher \d)<", fold.group(1)) == [label for label, _ in citations]
    few = render.figure_html(figure_of(citations=citations[:2], data=data), "assets", tmp_path)
    assert "pk-all-sources" not in few and "more." not in few


def test_charts_name_months_and_separate_numbers_in_the_readers_language(tmp_path):
    import json as json_module

    import plotly.graph_objects as go

    from pokrovsk import render, words

    figure = go.Figure(go.Scatter(x=["2025-11-01", "2025-12-01"], y=[1500, 60127]))
    english = render.plotly_html(figure, "chart-en")
    assert '"locale"' not in english
    try:
        words.set_language("uk")
        ukrainian = render.plotly_html(figure, "chart-uk")
        render.request_static_png(figure, tmp_path / "chart.png", (342, 300))
    finally:
        words.set_language("en")
    spec = json_module.loads(ukrainian.split('id="chart-uk-figure">')[1].split("</script>")[0])
    formats = spec["config"]["locales"]["uk"]["format"]
    assert spec["config"]["locale"] == "uk"
    assert formats["months"][10] == "листопад" and formats["shortMonths"][11] == "груд."
    assert formats["days"][0] == "неділя" and formats["decimal"] == ","
    pending = json_module.loads((tmp_path / "chart.static.json").read_text(encoding="utf-8"))
    assert pending["figure"]["config"]["locales"]["uk"]["format"] == formats


def test_a_drawer_started_from_a_shell_leaves_the_priority_of_the_shells_session_alone(chromium):
    """Only the sessions that the drawer or its browser lead give way: a session's priority stays
    lowered for every process in it, such as the shell of whoever ran `python -m pokrovsk.render -`."""
    import os
    import subprocess
    import sys
    import time

    shell = subprocess.Popen([sys.executable, "-c", "import subprocess, sys; "
                              "sys.exit(subprocess.call([sys.executable, '-m', 'pokrovsk.render', '-']))"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    try:
        # Asked of the shell, which leads a session of its own: this test's process may be in the
        # first session, for which Linux lists no group even where it schedules by session (CI).
        if render.session_niceness(shell.pid) is None:
            pytest.skip("Linux does not schedule by session here (no autogroups)")

        def leads_a_lowered_session(pid: int) -> bool:
            try:  # a helper process may end between listing and reading it
                return os.getsid(pid) == pid and render.session_niceness(pid) == render.DRAWER_NICENESS
            except OSError:
                return False

        deadline = time.monotonic() + 60
        browser = None
        while browser is None and time.monotonic() < deadline:
            time.sleep(0.05)
            browser = next((pid for pid in render.descendants(shell.pid) if leads_a_lowered_session(pid)), None)
        assert browser is not None  # the browser's session gave way ...
        assert render.session_niceness(shell.pid) == 0  # ... the shell's did not
    finally:
        shell.stdin.close()
        assert shell.wait(timeout=60) == 0, shell.stdout.read()


def test_the_builds_drawer_and_its_browser_give_way_to_the_notebooks_and_sphinx(tmp_path, chromium):
    """Both at DRAWER_NICENESS, and so is each of their sessions where Linux schedules by session
    (autogroups): a process's niceness alone would not order it against the kernels or Sphinx.
    (Chromium sets some of its helper processes' priorities itself, within its session.)"""
    import os
    import time

    from pokrovsk.execute import ChartImageDrawing

    def command(pid: int) -> str:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace").replace("\0", " ")

    def priorities(pid: int) -> tuple[int, set[int], set[int]]:
        """The drawer's niceness, its browser's, and the niceness of each of their sessions."""
        browsers, sessions = set(), set()
        for process in render.descendants(pid):
            with contextlib.suppress(OSError):
                if "chromium" in command(process) and "--type=" not in command(process):
                    browsers.add(os.getpriority(os.PRIO_PROCESS, process))
                sessions |= {render.session_niceness(process)} - {None}  # None: it has ended, or no autogroups
        return os.getpriority(os.PRIO_PROCESS, pid), browsers, sessions

    drawing = ChartImageDrawing()
    try:
        drawing.add(tmp_path)  # starts the drawer, which starts its browser and waits for more folders
        pid = drawing._process.pid
        assert os.getsid(pid) == pid  # a session of its own, whose priority it may lower
        niceness = render.DRAWER_NICENESS
        # The drawer leads a session (asserted above): where Linux lists no group for it, it
        # does not schedule by session, and there is no session priority to check.
        wanted = (niceness, {niceness}, {niceness} if render.session_niceness(pid) is not None else set())
        deadline = time.monotonic() + 60
        while priorities(pid) != wanted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert priorities(pid) == wanted
        assert drawing.finish() == "0 static chart image(s) drawn"
    finally:
        drawing.stop()
