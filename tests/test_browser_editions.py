"""The two editions in Chromium: the site's root sends a reader to the edition in the browser's
language and shows both; every page links to the same page in the other edition and declares
its language; the Ukrainian edition's pages and charts are in Ukrainian."""

from __future__ import annotations

import csv
import html as html_text
import json
import re
from functools import cache
from pathlib import Path

import pytest

from pokrovsk import words

from browsing import EDITIONS, content_pages, pages_of, switch_targets, visit
from conftest import REPO, chart_specs

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]

START_PAGE = "book/intro.html"
LANGUAGE_SWITCH = "a.pk-language"
SAMPLE_PAGES = ["book/intro.html", "book/chapters/03_how_long.html", "book/data/bibliography.html", "search.html"]
LEAST_UKRAINIAN_SHARE = 0.98
"""Of the visible words on a Ukrainian page, source titles, proper names, URLs, code, numbers and units aside."""

# --- the measure -------------------------------------------------------------------------------

VISIBLE_TEXT = """() => {
  document.querySelectorAll('details').forEach(fold => { fold.open = true; });  // a reader may open any fold
  // Citations (links into the bibliography) name publishers and dates, which are names.
  const aside = 'script, style, noscript, template, code, pre, kbd, samp, .pk-source-title, a[href*="bibliography.html#source-"]';
  const pageLanguage = document.documentElement.lang;
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || element.closest(aside)) continue;
    const marked = element.closest('[lang]');  // text the page itself marks as another language
    if (marked && marked.lang && marked.lang.split('-')[0] !== pageLanguage.split('-')[0]) continue;
    if (!element.checkVisibility({visibilityProperty: true})) continue;
    parts.push(node.textContent);
  }
  return parts.join(' ');
}"""
NOT_WORDS = re.compile(r"\S*(?:https?://|www\.)\S*|\S*[/_@\\]\S*|\S+\.\w\S*|\S*\d\S*")
"""URLs, file names, paths, addresses, and anything holding a digit (numbers, dates, ids)."""
WORD = re.compile(r"[^\W\d_]+(?:['’ʼ-][^\W\d_]+)*")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
UNITS = {"km", "km²", "m", "s", "px", "KB", "MB", "h"}
ABBREVIATION = re.compile(r"[A-Z]{2,}|[A-Za-z]")
"""ISW, AFP, CSV, UTM: abbreviations are names (of organisations, formats, standards); a letter
alone (an index's heading, a coordinate's N or E) is no word."""
OTHER_NAMES = ("Creative Commons", "GitHub", "Jupyter Book", "JupyterLab", "Jupyter", "Python", "Binder",
               "Google Colab", "Colab", "Natural Earth", "Admin 0 — Countries", "GeoNames", "Wikidata",
               "Associated Press", "plotly", "geopandas", "contextily", "DeepState", "world-atlas")
"""Names of software, organisations, licences and datasets that the book names as they are."""


def _column_values(path: Path, columns: tuple[str, ...]) -> set[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row[column].strip() for row in csv.DictReader(handle) for column in columns
                if column in row and row[column] and row[column].strip()}


@cache
def proper_names() -> tuple[str, ...]:
    """Names of places (every spelling in places.csv and place_names.csv), of publishers (as the
    data and its Ukrainian catalog write them) and the data's own codes (the values a column may
    take, which both editions' downloads share), longest first, so that a long name is set aside
    before a short name inside it."""
    from babel.messages.pofile import read_po

    data = REPO / "data"
    names = (_column_values(data / "places.csv", ("name_en", "name_uk", "name_ru"))
             | _column_values(data / "place_names.csv", ("name",))
             | _column_values(data / "sources.csv", ("publisher",)) | set(OTHER_NAMES))
    with (data / "locales" / "uk" / "LC_MESSAGES" / "sources.po").open("rb") as handle:
        names |= {entry.string for entry in read_po(handle) if entry.id and entry.string}
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    names |= {str(code) for resource in descriptor["resources"]
              for field in resource.get("schema", {}).get("fields", [])
              for code in field.get("constraints", {}).get("enum", [])}
    return tuple(sorted(names, key=len, reverse=True))


@cache
def _names_pattern(names: tuple[str, ...]) -> re.Pattern:
    """Any of ``names`` as whole words (a code such as ``en`` never cuts a word in two)."""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(name) for name in names) + r")(?!\w)")


def latin_words(text: str, names: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    """How many words ``text`` holds, and those not written in Cyrillic: proper names, URLs,
    file names, numbers and units set aside."""
    text = NOT_WORDS.sub(" ", text)
    if names:
        text = _names_pattern(names).sub(" ", text)
    found = [word for word in WORD.findall(text) if word not in UNITS and not ABBREVIATION.fullmatch(word)]
    return len(found), [word for word in found if not CYRILLIC.search(word)]


def ukrainian_share(page, names: tuple[str, ...] = ()) -> tuple[float, list[str]]:
    """The share of a page's visible words that are Ukrainian (Cyrillic), and the others."""
    total, latin = latin_words(page.evaluate(VISIBLE_TEXT), names)
    return (1.0 if total == 0 else (total - len(latin)) / total), latin


HAND_MADE = """<!DOCTYPE html><html lang="uk"><head><meta charset="utf-8"><title>Перевірка</title></head><body>
<header><a class="pk-language" href="../en/x.html" hreflang="en" lang="en">English</a></header>
<main><h1>Де розташований Покровськ?</h1>
<p>Покровськ лежить за 70 км від Pokrovsk Kramatorsk, дані на 20 листопада 2026 року: 60 127 мешканців.</p>
<p>Джерело: Reuters. <span class="pk-source-title">“Russia says its forces captured the town”</span>,
<a href="https://example.org/a">https://example.org/a</a>, файл <code>data/events.csv</code>, events.csv.</p>
<details><summary>Усі джерела</summary><p>Дані з теки data/ книжки.</p></details>
<p hidden>Hidden words a reader never sees</p>
%s
</main></body></html>"""


def test_the_measure_counts_only_words_a_reader_sees_and_sets_aside_names_titles_urls_and_numbers(browser):
    page = browser.new_page()
    page.set_content(HAND_MADE % "")
    share, latin = ukrainian_share(page, ("Pokrovsk", "Kramatorsk", "Reuters"))
    assert (share, latin) == (1.0, [])
    page.close()


def test_the_measure_counts_english_left_on_a_ukrainian_page(browser):
    page = browser.new_page()
    page.set_content(HAND_MADE % "<p>Read more below</p>")  # 3 English words in a fold-free paragraph
    share, latin = ukrainian_share(page, ("Pokrovsk", "Kramatorsk", "Reuters"))
    total, _ = latin_words(page.evaluate(VISIBLE_TEXT), ("Pokrovsk", "Kramatorsk", "Reuters"))
    assert latin == ["Read", "more", "below"]
    assert share == pytest.approx((total - 3) / total) and share < LEAST_UKRAINIAN_SHARE
    page.close()


# --- the root page -----------------------------------------------------------------------------


@pytest.mark.parametrize(("browser_locale", "edition"), [("uk-UA", "uk"), ("uk", "uk"), ("en-GB", "en"), ("de-DE", "en")])
def test_the_root_sends_a_reader_to_the_edition_in_the_browsers_language(site_root, browser, browser_locale, edition):
    _, base = site_root
    context = browser.new_context(locale=browser_locale)
    page = context.new_page()
    foreign = []
    page.on("request", lambda request: foreign.append(request.url) if not request.url.startswith(base) else None)
    page.goto(f"{base}/index.html")
    page.wait_for_url(f"{base}/{edition}/{START_PAGE}")
    assert page.evaluate("document.documentElement.lang") == edition
    page.go_back()  # the root replaced itself in the history: back leaves the site, no loop
    assert not page.url.startswith(f"{base}/index.html")
    assert foreign == []
    context.close()


def test_the_root_shows_every_edition_without_javascript(site_root, browser):
    html, base = site_root
    context = browser.new_context(java_script_enabled=False, locale="uk-UA")
    page = context.new_page()
    page.goto(f"{base}/index.html")
    links = page.locator("main a")
    assert links.count() == len(EDITIONS)
    for language in EDITIONS:
        link = page.locator(f'main a[hreflang="{language}"]')
        assert link.is_visible() and link.get_attribute("lang") == language
        assert link.get_attribute("href") == f"{language}/{START_PAGE}"
        assert (html / language / START_PAGE).is_file()
    page.locator('main a[hreflang="uk"]').click()
    page.wait_for_url(f"{base}/uk/{START_PAGE}")
    context.close()


def test_the_root_stays_to_show_the_choice_when_asked(site_root, browser):
    _, base = site_root
    context = browser.new_context(locale="uk-UA")
    page = context.new_page()
    page.goto(f"{base}/index.html#choose")
    assert page.url == f"{base}/index.html#choose"
    assert page.locator('main a[hreflang="uk"]').inner_text() and page.locator('main a[hreflang="en"]').inner_text()
    context.close()


# --- every page: its language and the switch ---------------------------------------------------


SHEETS = "book/chapters/assets/"
"""Printable sheets the chapters write into the site: pages of their own, without the book's header."""


@pytest.mark.parametrize("language", EDITIONS)
def test_every_page_declares_its_language_and_links_to_the_same_page_in_the_other_edition(site_root, language):
    html, _ = site_root
    names = {"en": "Українська", "uk": "English"}
    pages = pages_of(html / language)
    assert START_PAGE in pages and len(pages) == len(pages_of(html / ("uk" if language == "en" else "en")))
    for name in pages:
        text = (html / language / name).read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text.lower():
            continue  # the edition's own index.html, which only forwards to its first page
        assert re.search(r'<html lang="([^"]+)"', text).group(1) == language, name
        if name.startswith(SHEETS):
            continue
        other = next(edition for edition in EDITIONS if edition != language)
        assert switch_targets(html, language, name) == [(f"{other}/{name}", other, other, names[language])], name
        assert (html / other / name).is_file(), name


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", EDITIONS)
def test_the_switch_is_in_view_at_the_top_and_leads_to_the_same_page_and_back(site_root, browser, language, width):
    _, base = site_root
    other = next(edition for edition in EDITIONS if edition != language)
    page = browser.new_page(viewport={"width": width, "height": 800})
    for name in SAMPLE_PAGES:
        page.goto(f"{base}/{language}/{name}", wait_until="load")
        switch = page.locator(LANGUAGE_SWITCH)
        assert switch.count() == 1 and switch.is_visible(), name
        box = switch.bounding_box()
        assert box["y"] + box["height"] <= 120 and box["x"] + box["width"] <= width, f"{name}: {box}"
        switch.click()
        page.wait_for_url(f"{base}/{other}/{name}")
        assert page.evaluate("document.documentElement.lang") == other
        page.locator(LANGUAGE_SWITCH).click()
        page.wait_for_url(f"{base}/{language}/{name}")
    page.close()


def test_the_search_page_and_theme_speak_ukrainian(site_root, browser):
    _, base = site_root
    page, response, foreign, errors = visit(browser, f"{base}/uk/search.html?q=Покровськ")
    assert response.ok and foreign == [] and errors == []
    assert page.locator(".skip-link").first.inner_text().strip() == "Перейти до основного змісту"
    assert page.locator("input[name=q]").first.get_attribute("placeholder") == "Пошук…"
    # The search script's own words, from Sphinx's catalog (the theme hides this heading, not its words).
    page.wait_for_function("() => document.querySelector('#search-results h2')?.textContent.trim()")
    assert CYRILLIC.search(page.locator("#search-results h2").text_content())
    assert page.locator("#search-results li").count() > 0  # a Ukrainian word finds Ukrainian pages
    page.close()


# --- the Ukrainian edition is in Ukrainian -----------------------------------------------------


def test_every_ukrainian_page_is_ukrainian(site_root, browser):
    html, base = site_root
    below = {}
    page = browser.new_page()
    for name in content_pages(html / "uk"):
        page.goto(f"{base}/uk/{name}", wait_until="load")
        share, latin = ukrainian_share(page, proper_names())
        if share < LEAST_UKRAINIAN_SHARE:
            below[name] = f"{share:.0%}: {' '.join(latin[:12])}"
    page.close()
    assert below == {}


def _titles(figure: dict) -> dict[str, str]:
    """A chart's title and axis titles, as plain text."""
    layout = figure.get("layout", {})
    found = {}
    for key, part in layout.items():
        if key == "title" or re.fullmatch(r"[xy]axis\d*", key):
            title = (part if key == "title" else part.get("title")) or {}
            text = title.get("text") if isinstance(title, dict) else title
            if text:
                found[key] = html_text.unescape(re.sub(r"<[^>]+>", " ", text))
    return found


FIGURE = re.compile(r'<figure class="pk-figure" id="([^"]+)"><p class="pk-figure-title">(.*?)</p>(.*?)</figure>', re.S)


def test_every_ukrainian_chart_has_ukrainian_titles(site_root):
    html, _ = site_root
    english = {}
    charts = 0
    for name in pages_of(html / "uk"):
        for figure, title, body in FIGURE.findall((html / "uk" / name).read_text(encoding="utf-8")):
            specs = chart_specs(body)
            if not specs:
                continue  # a map: its title is measured with the page's words
            charts += 1
            titles = {"title": html_text.unescape(re.sub(r"<[^>]+>", " ", title))}
            for spec in specs.values():
                titles |= _titles(json.loads(spec))
            for key, text in titles.items():
                _, latin = latin_words(text, proper_names())
                if latin:
                    english[f"{name} {figure} {key}"] = text
    assert charts > 0
    assert english == {}


@pytest.mark.parametrize("language", EDITIONS)
def test_the_glossary_lists_its_terms_in_the_order_of_the_editions_alphabet(site_root, language):
    html, _ = site_root
    page = (html / language / "book" / "glossary.html").read_text(encoding="utf-8")
    terms = [html_text.unescape(re.sub(r"<[^>]+>", "", re.sub(r'<a class="headerlink".*?</a>', "", term))).strip()
             for term in re.findall(r'<dt id="term-[^"]*">(.*?)</dt>', page, re.S)]
    assert len(terms) >= 15
    with words.speaking(language):
        assert terms == sorted(terms, key=words.alphabetical_key)
