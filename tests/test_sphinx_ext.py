"""The book's Sphinx extension, function by function; the browser tests read the pages it makes."""

from __future__ import annotations

from pokrovsk.sphinx_ext import _code_break_points


def code(*words: str) -> str:
    return ('<code class="docutils literal notranslate">'
            + " ".join(f'<span class="pre">{word}</span>' for word in words) + "</code>")


def test_code_words_may_wrap_after_underscores_slashes_and_hyphens_and_nowhere_else():
    body = ("<p>place_id and a-b stay as they are in text, " + code("date_published_precision", "--as-of")
            + " " + code(r"^\d{4}(-\d{2})?$", "https://example.org/a_b/", "_x_", "&lt;a-b&gt;") + "</p>")
    assert _code_break_points(body) == (
        "<p>place_id and a-b stay as they are in text, "
        + code("date_<wbr>published_<wbr>precision", "--as-<wbr>of") + " "
        + code(r"^\d{4}(-<wbr>\d{2})?$", "https://<wbr>example.org/<wbr>a_<wbr>b/", "_x_", "&lt;a-<wbr>b&gt;") + "</p>")
    assert _code_break_points(body).replace("<wbr>", "") == body  # what a reader copies is unchanged
