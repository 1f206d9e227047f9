"""Sharing and search: OpenGraph and Twitter-card metadata on every page, a sitemap and
canonical URLs; the buttons that take a reader from a page to its notebook and its source.

A chapter's share image is its first figure (the static chart image drawn at build time, or
the map); other pages share the first chapter's. Absolute URLs need the site's address: only
when ``_config.yml`` names it (``html.baseurl``) do the sitemap, canonical links and absolute
image URLs appear. Without it every link stays relative, so nothing points off the site.

Buttons at the top of a page: every chapter offers its notebook for download (the committed
one, without outputs, copied beside the chapter pages). When ``_config.yml`` names the book's
repository (``repository.url``, ``repository.branch``), chapters also get Binder and Colab
links (``launch_buttons.binderhub_url``, ``colab_url``) and every page made from a committed
file gets "Suggest an edit" and "Report an error" (``html.use_edit_page_button`` and
``use_issues_button`` set to false turn those off). The theme's own buttons cannot do this: they
would point at the page's source, ``book/chapters/NN.ipynb``, an executed copy that is not in
the repository, while the notebook readers should open is ``notebooks/NN.ipynb``; and Jupyter
Book hands them their settings inside ``html_theme_options``, which the book's own Sphinx
configuration replaces. Every button is a plain link: a page loads nothing from the internet.
"""

from __future__ import annotations

import dataclasses
import html
import posixpath
import re
import sys
import types
from pathlib import Path
from urllib.parse import quote, urlencode

import nbformat
import yaml

from pokrovsk import words
from pokrovsk.chart_files import NOTEBOOK_DOWNLOADS

FIRST_FIGURE_IMAGE = re.compile(
    r'<figure class="pk-figure"[^>]*>.*?<img class="pk-(?:static|map)" src="([^"]+)" alt="([^"]*)"', re.DOTALL)
CHAPTERS = Path("book") / "chapters"
SOCIAL_CARDS_MODULE = "sphinxext.opengraph._social_cards"
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


def _find_default_image(app, env) -> None:
    # Once every page is read: a build may start Sphinx before the chapters are in place
    # (pokrovsk.sphinx_head_start).
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


GENERATED_PAGES = ("book/data/", "book/edition/")
"""Pages written by the build from data/ and the git history: no committed file to edit."""
BINDER_INTERFACES = {"classic": "tree", "jupyterlab": "lab/tree"}
"""``launch_buttons.notebook_interface`` → the path Binder opens, as Jupyter Book spells them."""
HEADER_BUTTONS_AFTER_THEME = 510
"""sphinx-book-theme fills ``header_buttons`` at priority 501; ours follow its own."""


def book_config(root: Path) -> dict:
    """The book's ``_config.yml``."""
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}


@dataclasses.dataclass(frozen=True)
class Repository:
    """Where the book's sources live on GitHub, and what ``_config.yml`` asks to link to."""

    url: str
    branch: str = "main"
    binderhub_url: str = ""
    colab_url: str = ""
    binder_interface: str = "tree"
    edit_links: bool = True
    issue_links: bool = True

    @classmethod
    def from_book_config(cls, config: dict) -> "Repository | None":
        """None unless ``repository.url`` is set: without it, no button points off the site."""
        repository = config.get("repository") or {}
        if not repository.get("url"):
            return None
        launch = config.get("launch_buttons") or {}
        html_options = config.get("html") or {}
        interface = launch.get("notebook_interface") or "classic"
        if interface not in BINDER_INTERFACES:
            raise ValueError(f"_config.yml: launch_buttons.notebook_interface is {interface!r}; "
                             f"use one of {', '.join(BINDER_INTERFACES)}")
        return cls(url=repository["url"].rstrip("/"), branch=repository.get("branch") or "main",
                   binderhub_url=(launch.get("binderhub_url") or "").rstrip("/"),
                   colab_url=(launch.get("colab_url") or "").rstrip("/"),
                   binder_interface=BINDER_INTERFACES[interface],
                   edit_links=html_options.get("use_edit_page_button") is not False,
                   issue_links=html_options.get("use_issues_button") is not False)

    @property
    def github_path(self) -> str | None:
        """``owner/name`` of a GitHub repository (Binder's and Colab's GitHub links need it)."""
        found = re.fullmatch(r"https://github\.com/([^/]+/[^/]+?)(?:\.git)?", self.url)
        return found.group(1) if found else None

    def binder_link(self, path: str) -> str | None:
        if not self.binderhub_url:
            return None
        where = f"gh/{self.github_path}" if self.github_path else f"git/{quote(self.url, safe='')}"
        return f"{self.binderhub_url}/v2/{where}/{self.branch}?urlpath={self.binder_interface}/{path}"

    def colab_link(self, path: str) -> str | None:
        if not (self.colab_url and self.github_path):
            return None
        return f"{self.colab_url}/github/{self.github_path}/blob/{self.branch}/{path}"

    def edit_link(self, path: str) -> str:
        return f"{self.url}/edit/{self.branch}/{path}"

    def issue_link(self, page_title: str) -> str:
        return f"{self.url}/issues/new?" + urlencode({"title": words.say("sharing.repository.issue_title",
                                                                         page=page_title)})


def chapter_notebook(pagename: str) -> str | None:
    """The committed notebook a chapter page is executed from (``notebooks/NN.ipynb``)."""
    if posixpath.dirname(pagename) != CHAPTERS.as_posix():
        return None
    return f"notebooks/{posixpath.basename(pagename)}.ipynb"


def committed_source(pagename: str, source_suffix: str) -> str | None:
    """The repository file a page is made from, or None for a page the build writes."""
    if pagename.startswith(GENERATED_PAGES):
        return None
    return chapter_notebook(pagename) or f"{pagename}{source_suffix}"


def _link(text_key: str, url: str, icon: str) -> dict:
    return {"type": "link", "url": url, "icon": icon, "text": words.say(text_key),
            "tooltip": words.say(f"{text_key}_tip")}


def header_buttons(pagename: str, source_suffix: str, page_title: str, repository: Repository | None) -> list[dict]:
    """sphinx-book-theme's button records: a menu for the chapter's notebook, one for the repository."""
    buttons = []
    notebook = chapter_notebook(pagename)
    if notebook:
        runs = [_link("sharing.notebook.download",
                      f"{NOTEBOOK_DOWNLOADS}/{posixpath.basename(notebook)}", "fa-solid fa-download")]
        if repository:
            binder, colab = repository.binder_link(notebook), repository.colab_link(notebook)
            if binder:
                runs.append(_link("sharing.notebook.binder", binder, "_static/images/logo_binder.svg"))
            if colab:
                runs.append(_link("sharing.notebook.colab", colab, "_static/images/logo_colab.png"))
        buttons.append({"type": "group", "icon": "fa-solid fa-download", "buttons": runs,
                        "tooltip": words.say("sharing.notebook.menu"), "label": "pk-notebook-buttons"})
    source = committed_source(pagename, source_suffix)
    if repository:
        links = []
        if repository.edit_links and source:
            links.append(_link("sharing.repository.edit", repository.edit_link(source), "fa-solid fa-pencil"))
        if repository.issue_links:
            links.append(_link("sharing.repository.issue", repository.issue_link(page_title), "fa-solid fa-flag"))
        if links:
            buttons.append({"type": "group", "icon": links[0]["icon"], "buttons": links,
                            "tooltip": words.say("sharing.repository.menu"), "label": "pk-repository-buttons"})
    return buttons


def _read_repository(app) -> None:
    app.pokrovsk_repository = Repository.from_book_config(book_config(Path(app.srcdir)))


def _add_header_buttons(app, pagename, templatename, context, doctree) -> None:
    if doctree is None or "header_buttons" not in context:
        return
    title = html.unescape(re.sub(r"<[^>]+>", "", context.get("title", "")))
    context["header_buttons"].extend(header_buttons(pagename, context.get("page_source_suffix", ""), title,
                                                    app.pokrovsk_repository))


def without_social_cards() -> None:
    """sphinxext-opengraph imports matplotlib to draw social cards (0.3 s of every Sphinx start),
    which this book leaves off (_configure): instead of its drawing module, the extension finds
    one that says there are none, as it would if matplotlib were missing."""
    module = types.ModuleType(SOCIAL_CARDS_MODULE)
    module.DEFAULT_SOCIAL_CONFIG = {"enable": False}
    module.create_social_card = None
    sys.modules.setdefault(SOCIAL_CARDS_MODULE, module)


def setup(app) -> None:
    without_social_cards()
    app.setup_extension("sphinxext.opengraph")
    app.connect("config-inited", _configure)
    app.connect("env-updated", _find_default_image)
    app.connect("builder-inited", _read_repository)
    app.connect("html-page-context", _add_header_buttons, priority=HEADER_BUTTONS_AFTER_THEME)
    app.connect("html-page-context", _page_tags, priority=OPENGRAPH_BEFORE)
