"""The theme's navigation sidebar, worked out once for a group of sibling pages instead of once a page.

For every page, pydata-sphinx-theme resolves the book's whole table of contents, renders it and
parses it again to add its toggles: about a second for one edition, all of it spent after the
last notebook has run, while Sphinx writes the pages one by one. Yet two pages in the same folder
that are leaves under the same table of contents of the same parent page get the same sidebar,
links included, except for one thing: which entry is marked as the page itself. So the first
page of such a group gets the theme's own sidebar, and each other page a copy of it with the
mark moved to its own entry.

A copy is made only where the marks are where the theme puts them: the shown page's entry marked
once (or, for a page outside the table of contents, no entry marked) and the new page's entry
listed once as a plain link. Otherwise the page gets the theme's own sidebar. The tests build the
same books with and without sharing and compare every page byte for byte.

``pokrovsk_shared_sidebar = False`` in the Sphinx configuration gives every page the theme's own.
"""

from __future__ import annotations

import html
import re
from pathlib import Path, PurePosixPath

from sphinx import addnodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

THEME_TEMPLATE = "sbt-sidebar-nav.html"
THEME_CALL = "generate_toctree_html("
SHARED_CALL = "pokrovsk_sidebar_navigation("
CONFIG_VALUE = "pokrovsk_shared_sidebar"

# The theme's markup for the page's own entry, and for any other page's entry (a leaf).
OWN_ENTRY = re.compile(r'<li class="(toctree-l\d+) current active"><a class="current reference internal" href="#">')
OWN_ENTRY_MARKUP = '<li class="{level} current active"><a class="current reference internal" href="#">'
LINK_ENTRY = '<li class="(toctree-l\\d+)"><a class="reference internal" href="{href}">'
LINK_ENTRY_MARKUP = '<li class="{level}"><a class="reference internal" href="{href}">'


def _use_shared_template(app, config) -> None:
    """Templates in templates_path win over the theme's. (The doctree folder is the one folder
    of Sphinx's own that is never published.)"""
    templates = Path(app.doctreedir) / "pokrovsk-sidebar"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / THEME_TEMPLATE).write_text(shared_template(theme_template_path().read_text(encoding="utf-8")),
                                            encoding="utf-8")
    config.templates_path.insert(0, str(templates))


def shared_template(theme_template: str) -> str:
    """sphinx-book-theme's sidebar template, asking this module for the navigation."""
    shared, calls = theme_template.replace(THEME_CALL, SHARED_CALL), theme_template.count(THEME_CALL)
    if calls != 1:
        raise ValueError(f"sphinx-book-theme's {THEME_TEMPLATE} no longer calls {THEME_CALL}...) once: "
                         "update pokrovsk.sidebar_navigation")
    return shared


def theme_template_path() -> Path:
    import sphinx_book_theme

    return Path(sphinx_book_theme.__file__).parent / "theme" / "sphinx_book_theme" / "components" / THEME_TEMPLATE


def moved_mark(navigation: str, shown_href: str, page_href: str, listed: bool) -> str | None:
    """The sidebar ``navigation`` made for a sibling page (linked as ``shown_href`` from the new
    page), with the mark moved to the new page (linked as ``page_href``); None if the marks are
    not where the theme puts them. ``listed``: both pages are entries in the table of contents."""
    if html.escape(shown_href) != shown_href or html.escape(page_href) != page_href:
        return None
    own_entries = OWN_ENTRY.findall(navigation)
    page_entry = re.compile(LINK_ENTRY.format(href=re.escape(page_href)))
    page_entries = page_entry.findall(navigation)
    if len(own_entries) != listed or len(page_entries) != listed:
        return None
    if not listed:
        return navigation
    unmarked = OWN_ENTRY.sub(lambda entry: LINK_ENTRY_MARKUP.format(level=entry[1], href=shown_href), navigation)
    return page_entry.sub(lambda entry: OWN_ENTRY_MARKUP.format(level=entry[1]), unmarked)


class SharedSidebar:
    """One build's sidebars, by group of sibling pages."""

    def __init__(self) -> None:
        self._shown: dict[tuple, tuple[str, str]] = {}  # group -> (page, its sidebar)
        self._placements: dict[str, list[tuple[str, int]]] | None = None
        self.pages = self.worked_out = 0

    def _placement(self, env, page: str) -> tuple[str, int] | None | bool:
        """(parent page, which of its tables of contents) that lists ``page``; None if none
        does; False if the page has entries of its own or is listed more than once."""
        if self._placements is None:
            self._placements = {}
            for parent, toc in env.tocs.items():
                for index, toctree in enumerate(toc.findall(addnodes.toctree)):
                    for child in toctree["includefiles"]:
                        self._placements.setdefault(child, []).append((parent, index))
        if env.toctree_includes.get(page) or page == env.config.root_doc:
            return False
        placements = self._placements.get(page)
        if placements is None:
            return None
        return placements[0] if len(placements) == 1 else False

    def install(self, app, pagename, templatename, context, doctree) -> None:
        # The theme adds generate_toctree_html to the context after this runs: look it up when called.
        if not app.config[CONFIG_VALUE]:
            context["pokrovsk_sidebar_navigation"] = lambda *args, **kwargs: context["generate_toctree_html"](
                *args, **kwargs)
            return
        self.pages += 1
        made: dict[tuple, str] = {}  # the theme's template is rendered more than once a page

        def navigation(kind: str, startdepth: int = 1, show_nav_level: int = 1, **kwargs) -> str:
            arguments = (kind, startdepth, show_nav_level, tuple(sorted(kwargs.items())))
            if arguments not in made:
                made[arguments] = self._navigation(app, pagename, context, arguments)
            return made[arguments]

        context["pokrovsk_sidebar_navigation"] = navigation

    def _navigation(self, app, page: str, context, arguments: tuple) -> str:
        kind, startdepth, show_nav_level, kwargs = arguments
        placement = self._placement(app.env, page)
        group = (PurePosixPath(page).parent, placement, arguments)
        if kind == "sidebar" and placement is not False and group in self._shown:
            shown, navigation = self._shown[group]
            builder = app.builder
            copied = moved_mark(navigation, builder.get_relative_uri(page, shown),
                                builder.get_relative_uri(shown, page), listed=placement is not None)
            if copied is not None:
                return copied
        self.worked_out += 1
        navigation = str(context["generate_toctree_html"](kind, startdepth, show_nav_level, **dict(kwargs)))
        if kind == "sidebar" and placement is not False:
            self._shown.setdefault(group, (page, navigation))
        return navigation

    def report(self, app, exception) -> None:
        if exception is None and self.pages:
            logger.info(f"sidebar navigation: worked out {self.worked_out} times for {self.pages} pages")


def setup(app):
    app.add_config_value(CONFIG_VALUE, True, "html")
    app.connect("config-inited", _use_shared_template)
    shared = SharedSidebar()
    app.connect("html-page-context", shared.install)
    app.connect("build-finished", shared.report)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
