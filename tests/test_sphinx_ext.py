"""The book's Sphinx extension, function by function; the browser tests read the pages it makes."""

from __future__ import annotations

from types import SimpleNamespace

from pokrovsk.sphinx_ext import _code_break_points, _image_sizes


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


def test_images_sphinx_copied_get_their_size_in_pixels(tmp_path):
    from PIL import Image

    Image.new("P", (300, 200)).save(tmp_path / "map.png")
    (tmp_path / "notes.svg").write_text("<svg/>")
    app = SimpleNamespace(srcdir=str(tmp_path),
                          builder=SimpleNamespace(images={"map.png": "map.png", "notes.svg": "notes.svg"}))
    copied = '<img alt="A map" class="pk-hero-map" src="../_images/map.png" style="width: 100%;" />'
    sized = '<img class="pk-map" src="assets/f.png" alt="" width="9" height="9">'
    others = ['<img src="../_images/notes.svg" alt="" />',  # a file that states no size
              '<img src="../_images/elsewhere.png" alt="" />',  # not copied by this build
              '<img src="../_images/map.png" alt="" width="40" />']  # its size already given
    body = f"<p>{copied}</p>" + "".join(others) + sized
    assert _image_sizes(app, body) == (
        '<p><img alt="A map" class="pk-hero-map" src="../_images/map.png" width="300" height="200" '
        'style="width: 100%;" /></p>' + "".join(others) + sized)
