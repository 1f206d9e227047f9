"""Sharing and search: OpenGraph and Twitter-card metadata on every page, a sitemap and
canonical URLs.

A chapter's share image is its first figure (the static chart image drawn at build time, or
the map); other pages share the first chapter's. Absolute URLs need the site's address: only
when ``_config.yml`` names it (``html.baseurl``) do the sitemap, canonical links and absolute
image URLs appear. Without it every link stays relative, so nothing points off the site.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path

import nbformat

FIRST_FIGURE_IMAGE = re.compile(
    r'<figure class="pk-figure"[^>]*>.*?<img class="pk-(?:static|map)" src="([^"]+)" alt="([^"]*)"', re.DOTALL)
CHAPTERS = Path("book") / "chapters"
OPENGRAPH_BEFORE = 400
"""Our page hook runs before sphinxext-opengraph's (priority 500), which reads the image we set."""


def first_figure_image(markup: str) -> tuple[str, str] | None:
    """The image of the first figure in a page's HTML (relative to the page) and its alt text."""
    found = FIRST_FIGURE_IMAGE.search(markup)
    return (html.unescape(found.group(1)), html.unescape(found.group(2))) if found else None


def notebook_html(path: Path) -> str:
    notebook = nbformat.read(path, as_version=4)
    return "".join(output.get("data", {}).get("text/html", "") for cell in notebook.cells
                   if cell.cell_type == "code" for output in cell.get("outputs", []))


def site_default_image(srcdir: Path) -> tuple[str, str] | None:
    """The first chapter's share image, relative to the site root, and its alt text."""
    for notebook in sorted((srcdir / CHAPTERS).glob("*.ipynb")):
        image = first_figure_image(notebook_html(notebook))
        if image:
            return posixpath.normpath(posixpath.join(CHAPTERS.as_posix(), image[0])), image[1]
    return None


def absolute(baseurl: str, site_path: str) -> str:
    return baseurl.rstrip("/") + "/" + site_path.lstrip("/")


def _configure(app, config) -> None:
    config.ogp_social_cards = {"enable": False}  # matplotlib-drawn cards: we share real figures
    config.ogp_site_name = config.html_title
    config.ogp_custom_meta_tags = [*config.ogp_custom_meta_tags,
                                   '<meta name="twitter:card" content="summary_large_image" />']
    if config.html_baseurl:
        config.ogp_site_url = config.html_baseurl.rstrip("/") + "/"
        app.setup_extension("sphinx_sitemap")
        config.sitemap_url_scheme = "{link}"


def _find_default_image(app) -> None:
    app.pokrovsk_share_default = site_default_image(Path(app.srcdir))


def _page_tags(app, pagename, templatename, context, doctree) -> None:
    """og:image: this page's first figure, else the site default; og:url: the page itself,
    absolute only when the site's address is known."""
    if doctree is None:
        return
    target = app.builder.get_target_uri(pagename)
    page_dir = posixpath.dirname(target)
    baseurl = app.config.html_baseurl
    tags = {"og:url": absolute(baseurl, target) if baseurl else posixpath.basename(target)}
    own = first_figure_image(context.get("body", ""))
    image = (posixpath.normpath(posixpath.join(page_dir, own[0])), own[1]) if own else app.pokrovsk_share_default
    if image is not None:
        tags["og:image"] = absolute(baseurl, image[0]) if baseurl else posixpath.relpath(image[0], page_dir or ".")
        tags["og:image:alt"] = image[1]
    context["meta"] = {**(context.get("meta") or {}), **tags}


def setup(app) -> None:
    app.setup_extension("sphinxext.opengraph")
    app.connect("config-inited", _configure)
    app.connect("builder-inited", _find_default_image)
    app.connect("html-page-context", _page_tags, priority=OPENGRAPH_BEFORE)
