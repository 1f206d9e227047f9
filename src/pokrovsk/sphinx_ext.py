"""Sphinx extension for the book: offline plotly.js, chapter files, small theme fixes.

- plotly.js is copied ONCE into ``_static`` (the smallest bundle that draws every chart in the
  book, see pokrovsk.plotlyjs) and added only to pages that contain a chart, as a blocking
  script in <head>, so it is defined before the charts' inline scripts run.
- Files that chapters write (maps, data downloads) are copied next to their pages.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.util import logging

from pokrovsk import plotlyjs

logger = logging.getLogger(__name__)
TRACE_TYPES = re.compile(r'data-trace-types="([^"]*)"')

STATIC_DIR = Path(__file__).parent / "static"
PLOTLY_STATIC = "pokrovsk/plotly.min.js"
BOOK_CSS = "pokrovsk-book.css"
# The book executes nothing in the browser, so sphinx-thebe (which jupyter-book always loads)
# only adds a duplicate inline config script, a console error and a reference to unpkg.com.
THEBE_MARKERS = ("THEBE_JS_URL", "sphinx-thebe")
CHART_MARKER = "plotly-graph-div"
CHAPTER_ASSETS = Path("book") / "chapters" / "assets"


def _register_static(app, config) -> None:
    config.html_static_path.append(str(STATIC_DIR))
    config.html_favicon = str(STATIC_DIR / "favicon.svg")


def _is_thebe(asset) -> bool:
    text = " ".join(str(part) for part in (asset, getattr(asset, "filename", ""), getattr(asset, "attributes", {}).get("body", "")))
    return any(marker in text for marker in THEBE_MARKERS)


def _page_assets(app, pagename, templatename, context, doctree) -> None:
    if CHART_MARKER in context.get("body", ""):
        app.add_js_file(PLOTLY_STATIC, priority=200)
    for key in ("script_files", "css_files"):
        if key in context:
            context[key][:] = [asset for asset in context[key] if not _is_thebe(asset)]


def _copy_files(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    static = outdir / "_static" / "pokrovsk"
    static.mkdir(parents=True, exist_ok=True)
    # Every page, not only those rewritten by this (possibly incremental) build.
    used = {kind for page in outdir.rglob("*.html") for found in TRACE_TYPES.findall(page.read_text(encoding="utf-8"))
            for kind in found.split()}
    bundle = plotlyjs.choose(used)
    if bundle.note:
        logger.info(bundle.note)
    shutil.copyfile(bundle.path, static / "plotly.min.js")
    assets = Path(app.srcdir) / CHAPTER_ASSETS
    if assets.is_dir():
        shutil.copytree(assets, outdir / CHAPTER_ASSETS, dirs_exist_ok=True)


def setup(app):
    app.connect("config-inited", _register_static)
    app.add_css_file(BOOK_CSS)
    app.connect("html-page-context", _page_assets)
    app.connect("build-finished", _copy_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
