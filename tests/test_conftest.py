"""The test suite's own guards: what happens when the browser the tests need is missing."""

from __future__ import annotations

import pytest

from conftest import require_chromium


def test_a_missing_chromium_fails_under_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires it"):
        require_chromium(tmp_path / "no-chromium")


def test_a_missing_chromium_skips_outside_ci_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        require_chromium(tmp_path / "no-chromium")


def test_a_present_chromium_is_returned_under_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("CI", "true")
    browser = tmp_path / "chromium"
    browser.write_text("")
    assert require_chromium(browser) == browser
