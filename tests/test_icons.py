"""The theme's icons drawn from CSS, without Font Awesome's 1.5 MB script."""

from pathlib import Path

import pytest

from browsing import EDITIONS, edition_html

from pokrovsk import icons

FONTAWESOME_LIKE = (
    'x;a({"magnifying-glass":[512,512,[],"f002","M1 1REGULAR"]});d("far",p);'
    'b({bars:[448,512,["navicon"],"f0c9","M0 96SOLID"],"magnifying-glass":[512,512,[],"f002","M416 208SOLID"]});'
    'd("fas",p);'
)


def test_paths_come_from_the_solid_pack_only():
    paths = icons.icon_paths(FONTAWESOME_LIKE, {"bars", "magnifying-glass", "unknown"})
    assert paths == {"bars": (448, 512, "M0 96SOLID"), "magnifying-glass": (512, 512, "M416 208SOLID")}


def test_css_has_one_rule_per_icon_and_masks_with_the_text_colour():
    css = icons.icons_css({"bars": (448, 512, "M0 96SOLID")})
    assert ".fa-bars { --pk-icon: url(\"data:image/svg+xml;base64," in css
    assert "background-color: currentColor" in css
    assert ".fa-solid::before, .fa-solid::after { content: none !important; }" in css


THEME_CSS_LIKE = (
    'html{--pst-icon-download:"\uf019";--pst-icon-info-circle:"\\f05a";--pst-icon-admonition-note:var(--pst-icon-info-circle)}'
    'a.reference.download:before{color:grey;content:var(--pst-icon-download);font:var(--fa-font-solid)}'
    '.admonition.note>.admonition-title:after,div.admonition.note>.admonition-title:after'
    '{content:var(--pst-icon-admonition-note)}'
    'span.versionmodified:before{content:var(--pst-icon-download)}'
)


def test_theme_pseudo_element_icons_are_found_for_the_classes_pages_use():
    found = icons.theme_pseudo_icons(THEME_CSS_LIKE, {"reference", "download", "admonition", "admonition-title", "note"})
    assert found == {"a.reference.download:before": "f019", ".admonition.note>.admonition-title:after": "f05a",
                     "div.admonition.note>.admonition-title:after": "f05a"}


def test_pseudo_element_icons_are_masks_that_need_no_font():
    paths = icons.icon_paths_by_code_point(FONTAWESOME_LIKE, {"f002", "f0c9", "f999"})
    assert paths == {"f002": (512, 512, "M416 208SOLID"), "f0c9": (448, 512, "M0 96SOLID")}
    css = icons.icons_css({}, {"a.reference.download:before": paths["f002"]})
    rule = next(line for line in css.splitlines() if line.startswith("a.reference.download:before"))
    assert 'content: "" !important' in rule and "font-family: inherit !important" in rule
    assert "mask: url(\"data:image/svg+xml;base64," in rule


def test_used_icons_are_read_from_pages(tmp_path: Path):
    page = tmp_path / "p.html"
    page.write_text('<i class="fa-solid fa-magnifying-glass fa-lg"></i><span class="fa-other"></span>')
    assert icons.used_icons([page]) == {"magnifying-glass"}


def test_the_script_tag_is_removed_from_the_theme_macros():
    macros = ('  <script defer src="{{ pathto(\'_static/scripts/fontawesome.js\', 1) }}?digest=1"></script>\n'
              '  <link rel="preload" as="script" href="bootstrap.js" />\n')
    assert icons.macros_without_fontawesome(macros) == '  <link rel="preload" as="script" href="bootstrap.js" />\n'


@pytest.mark.parametrize("language", EDITIONS)
def test_the_built_book_loads_no_fontawesome_and_styles_every_icon(built_book, language):
    html = edition_html(built_book, language)
    css = (html / "_static" / "pokrovsk" / "icons.css").read_text()
    pages = [p for p in html.rglob("*.html") if not p.relative_to(html).parts[0].startswith("_")]
    for name in icons.used_icons(pages):
        assert f".fa-{name} " in css, name
    assert not any("fontawesome.js" in p.read_text() for p in pages)
