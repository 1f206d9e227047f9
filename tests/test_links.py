"""Every internal link, image and anchor in the built book resolves."""

from __future__ import annotations

import html.parser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from browsing import site_html

pytestmark = pytest.mark.slow


class LinkCollector(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        for attribute in ("href", "src"):
            if values.get(attribute) and not (tag == "link" and values.get("rel") in ("canonical",)):
                self.links.append(values[attribute])


def parse(page: Path) -> LinkCollector:
    collector = LinkCollector()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector


def test_internal_links_and_anchors_resolve(built_book):
    html = site_html(built_book).resolve()  # every edition, and the links between them
    # Theme template fragments under _static are not pages (they hold unrendered {{ }} macros).
    pages = {page: parse(page) for page in html.rglob("*.html")
             if not any(part.startswith("_") for part in page.relative_to(html).parts)}
    broken = []
    for page, collected in pages.items():
        for link in collected.links:
            parsed = urlparse(link)
            if parsed.scheme or link.startswith(("//", "mailto:", "javascript:", "data:")):
                continue
            target_path, anchor = urldefrag(link)
            target_path = urlparse(target_path).path  # cache-busting queries (?v=...) name no file
            target = (page.parent / unquote(target_path)).resolve() if target_path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(html)} -> {link} (no such file)")
                continue
            if anchor and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(anchor) not in ids:
                    broken.append(f"{page.relative_to(html)} -> {link} (no anchor #{anchor})")
    assert broken == [], "\n".join(broken[:40])


def test_external_links_are_only_citations(built_book):
    """Off-site links are fine as citations (a reader may follow them), but nothing the page
    loads may come from outside: scripts, styles, images, fonts and frames are all local."""
    html = site_html(built_book).resolve()
    for page in html.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for marker in ('<script src="http', '<link rel="stylesheet" href="http', '<img src="http', '<iframe'):
            assert marker not in text, f"{page.relative_to(html)} has {marker}"
