"""From a chapter page to its notebook, in Chromium on a phone-sized screen: the menu at the top
opens, and its link leads to the committed notebook in the site itself."""

from __future__ import annotations

import json
from urllib.parse import urljoin

import pytest

from browsing import visit
from conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("chromium")]


def test_a_chapter_page_hands_over_its_notebook_on_a_phone(english_site, browser):
    html, base = english_site
    page, response, foreign, errors = visit(browser, f"{base}/book/chapters/02_why.html")
    try:
        assert response.ok
        page.set_viewport_size({"width": 390, "height": 800})
        menu = page.locator(".dropdown-pk-notebook-buttons")
        link = menu.get_by_role("link", name="Download the notebook")
        assert not link.is_visible()
        menu.get_by_role("button", name="Run this chapter yourself").click()
        link.wait_for(state="visible", timeout=5000)
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box  # the open menu stays on screen
        served = page.request.get(urljoin(page.url, link.get_attribute("href")))
        assert served.ok
        saved = json.loads(served.text())
        committed = json.loads((REPO / "notebooks" / "02_why.ipynb").read_text(encoding="utf-8"))
        assert saved == committed
        assert foreign == [] and errors == []
    finally:
        page.close()
