"""Sphinx extension for the book: offline plotly.js, chapter files, small theme fixes.

- plotly.js is copied ONCE into ``_static`` (the smallest bundle that draws every chart in the
  book, see pokrovsk.plotlyjs). Pages that contain a chart get the book's chart script
  (static/pokrovsk-charts.js, deferred), which shows each chart's static image at once and
  fetches plotly.js after the page has loaded, to draw the charts a reader comes to.
- Nothing in <head> holds back the first paint: the theme's scripts are deferred, the search
  index is loaded by the search page alone, and the first chart's image is preloaded.
- Files that chapters write (maps, data downloads) are copied next to their pages.
- The build may start Sphinx before its last chapters are executed (pokrovsk.sphinx_head_start).
- Sibling pages share the theme's sidebar navigation, worked out once (pokrovsk.sidebar_navigation).
- Code words (column names, source ids, patterns) wrap only after "_", "/" or "-", where each
  page gets a <wbr>, so a table's column is never squeezed into breaking them mid-word.
- Each image Sphinx copies (the front page's map) gets its width and height in pixels, so the
  page keeps its room while it loads.
- The footer tells the edition's date ("Data as of") apart from the day the pages were made
  ("Built on"): a build date is not the date of the information.
- Each edition speaks its language (``language`` in its configuration, see pokrovsk.staging):
  the book's own strings come from its word catalogs, Sphinx's and the theme's from their
  catalogs and ``book/locales/<language>/LC_MESSAGES/sphinx.po``; every page's header links to
  the same page in each other edition (templates/pokrovsk-language.html).
- "How this was made": each figure's caption names the function that drew it
  (``data-pk-builder``, see pokrovsk.render); Sphinx's viewcode builds a source page for every
  such function, whose "[docs]" link leads back to the first figure it drew on that page, and
  the committed notebooks (no outputs) are offered for download beside the chapter pages.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import json
import os
import re
import shutil
from pathlib import Path

import sphinx
from docutils import nodes
from sphinx import addnodes, locale
from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.images import get_image_size

from pokrovsk import editions, icons, plotlyjs, sharing, words
from pokrovsk.content import DATA_AS_OF_ENV, PUBLISHED_EDITIONS_ENV
from pokrovsk.params import LANGUAGES
from pokrovsk.chart_files import NOTEBOOK_DOWNLOADS, PREVIEW_IMAGE, UNFINISHED

logger = logging.getLogger(__name__)
TRACE_TYPES = re.compile(r'data-trace-types="([^"]*)"')

STATIC_DIR = Path(__file__).parent / "static"
PLOTLY_STATIC = "pokrovsk/plotly.min.js"
CHARTS_SCRIPT = "pokrovsk-charts.js"
BOOK_CSS = "pokrovsk-book.css"
ICONS_CSS = "pokrovsk/icons.css"
# The book executes nothing in the browser, so sphinx-thebe (which jupyter-book always loads)
# only adds a duplicate inline config script, a console error and a reference to unpkg.com.
THEBE_MARKERS = ("THEBE_JS_URL", "sphinx-thebe")
CHART_MARKER = "plotly-graph-div"
CHAPTER_ASSETS = Path("book") / "chapters" / "assets"
NOTEBOOKS = Path("notebooks")
BUILDER = re.compile(r'data-pk-builder="([\w.]+):([\w.]+)"')
HOW_IT_WAS_MADE = '<span class="pk-how" data-pk-builder="{module}:{name}">'
SOURCE_PAGES = "_modules/"
# The theme's sidebar toggles are <summary> elements holding only an icon: screen readers
# announce nothing. Give each one a name (axe: summary-name).
UNNAMED_TOGGLE = '<summary><span class="toctree-toggle" role="presentation">'
NAMED_TOGGLE = '<summary aria-label="{name}"><span class="toctree-toggle" role="presentation">'
LANGUAGE_SWITCH = "pokrovsk-language.html"
SPHINX_CATALOGS = Path(sphinx.__file__).parent / "locale"
SPHINX_LANGUAGE = "en"
"""The language Sphinx and the themes are written in: it needs no catalog (those of en_GB and the
like would only change its spelling)."""
SEARCH_TOOLS = re.compile(r"\{% if pagename == 'search' %\}.*?searchindex\.js.*?\{% endif %\}", re.S)
# Scripts in <head> hold back the first paint; none of the theme's is needed to show a page, so
# all wait until it is parsed (keeping their order), but the tiny documentation_options.js that
# the inline scripts after it write to. The search page keeps its scripts in order with its own.
UNDEFERRED_SCRIPT = "_static/documentation_options.js"
THEME_CSS_IMPORTING_BASIC = re.compile(r"_static/styles/theme\.css'")
SCRIPT_PRELOAD = re.compile(r'[ \t]*<link rel="preload" as="script"[^>]*>\n?')
SEARCH_PAGE = "search"
FIRST_PICTURE = re.compile(r'<picture><source media="([^"]+)" srcset="([^"]+)">' + re.escape(PREVIEW_IMAGE) + r' src="([^"]+)"')
# Code words (column names, source ids, patterns) may wrap only after "_", "/" or "-": breaking
# them anywhere squeezed "place_id" into "place_i/d" in the data tables of a wide screen.
CODE_LITERAL = re.compile(r'(<code class="docutils literal notranslate">)(.*?)(</code>)', re.S)
CODE_BREAK_AFTER = re.compile(r"(?<=[^\s_/-])([_/-]+)(?=[^\s_/-])")
TAG = re.compile(r"(<[^>]*>)")
COPIED_IMAGE = re.compile(r'<img (?![^>]*\bwidth=)[^>]*?\bsrc="[^"]*_images/([^"/]+)"')
"""An image Sphinx copied into _images/ (the front page's map), written without its size."""
# A control's name must contain the words it shows (WCAG 2.5.3, label in name; axe:
# label-content-name-mismatch), so speech users can say what they see. The theme's search
# button shows "Search Ctrl+K" but is named "Search", and MyST-NB's folds show "Show code cell
# source" but are named "Toggle hidden content": without the aria-label, each is named by the
# words it shows (a fold's hidden "Hide …" text is not part of its name).
NAME_HIDING_SHOWN_WORDS = (
    re.compile(r'(<button class="btn search-button-field search-button__button[^"]*" title="([^"]*)") aria-label="\2"'),
    re.compile(r'(<summary)\s+aria-label="Toggle hidden content"'),
)


def _speak_edition_language(app, config) -> None:
    """Every string this process takes from the word catalogs is in the edition's language; the
    header names the other editions the site will hold, each in its own language."""
    language = config.language or words.DEFAULT_LANGUAGE
    words.set_language(language)
    _add_regional_sphinx_messages(app, config, language)
    # Sphinx's own Ukrainian catalog leaves "Fig. %s" untranslated: the numbers' words are ours.
    config.numfig_format = {**words.entry("site.numbering"), **(config.numfig_format or {})}
    published = os.environ.get(PUBLISHED_EDITIONS_ENV)
    others = []
    for other in published.split(",") if published else LANGUAGES:
        if other != language:
            with words.speaking(other):
                others.append({"language": other, "name": words.say("site.edition.name"),
                               "tip": words.say("site.edition.language_tip")})
    config.html_context["pokrovsk_other_editions"] = others
    options = config.html_theme_options
    options["article_header_end"] = [LANGUAGE_SWITCH, *(options.get("article_header_end") or ["article-header-buttons.html"])]


def _toc_captions_in_edition_language(app, config) -> None:
    """The table of contents' part captions (``_toc.yml``) in the edition's language: Jupyter
    Book adds them to the pages after Sphinx has translated the pages, so no page catalog can."""
    site_map = getattr(config, "external_site_map", None)
    if site_map is None:
        return
    captions = words.entry("site.parts")
    for docname in site_map:
        for subtree in site_map[docname].subtrees:
            if subtree.caption:
                subtree.caption = captions.get(subtree.caption, subtree.caption)


def _add_regional_sphinx_messages(app, config, language: str) -> None:
    """Sphinx ships some languages under a region only (Ukrainian as ``uk_UA``), which it does not
    find for ``language = "uk"``: add them after the book's own catalog (``sphinx.po``), and offer
    their script messages (the search page's) where Sphinx looks for the language's own."""
    if language == SPHINX_LANGUAGE or (SPHINX_CATALOGS / language).is_dir():
        return
    for regional in sorted(SPHINX_CATALOGS.glob(f"{language}_*")):
        locale.init([str(SPHINX_CATALOGS)], regional.name)
        script = regional / "LC_MESSAGES" / "sphinx.js"
        if script.is_file():
            folder = Path(app.doctreedir).parent / "pokrovsk-locale"
            (folder / language / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
            (folder / language / "LC_MESSAGES" / "sphinx.js").write_text(_script_messages(script), encoding="utf-8")
            config.locale_dirs = [*config.locale_dirs, str(folder)]


def _script_messages(script: Path) -> str:
    """Sphinx's script catalog (the search page's words) with the messages it leaves blank in
    this language filled from the site's word catalog (``site.script_messages``)."""
    text = script.read_text(encoding="utf-8")
    catalog = json.loads(text[text.index("(") + 1:text.rindex(")")])
    ours = words.entry("site.script_messages")
    catalog["messages"] |= {message: ours[message] for message, said in catalog["messages"].items()
                            if not said and message in ours}
    return f"Documentation.addTranslations({json.dumps(catalog, ensure_ascii=False, indent=1)});\n"


def _link_other_editions(app, pagename, templatename, context, doctree) -> None:
    """Each edition lies beside this one at the site's root, with the same pages."""
    context["pokrovsk_site_root"] = "../" * (pagename.count("/") + 1)


def _theme_file(relative: str) -> Path:
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / relative


def _register_static(app, config) -> None:
    config.html_static_path.append(str(STATIC_DIR))
    config.html_favicon = str(STATIC_DIR / "favicon.svg")
    # Templates in templates_path win over the theme's: this copy of its script macros leaves
    # out fontawesome.js, whose icons icons.css draws instead.
    templates = Path(app.doctreedir).parent / "pokrovsk-templates"
    (templates / "static").mkdir(parents=True, exist_ok=True)
    macros = _macros_for_first_paint(icons.macros_without_fontawesome(
        _theme_file("static/webpack-macros.html").read_text(encoding="utf-8")))
    (templates / "static" / "webpack-macros.html").write_text(macros, encoding="utf-8")
    # ... and this copy of its page layout leaves out the search index (about 100 KB, parsed
    # before anything is painted) on every page but the search page, which loads it itself:
    # with search-as-you-type off, the search dialog only sends the words to the search page.
    (templates / "pydata_sphinx_theme").mkdir(exist_ok=True)
    (templates / "pydata_sphinx_theme" / "layout.html").write_text(
        _layout_without_search_tools(_theme_file("layout.html").read_text(encoding="utf-8")), encoding="utf-8")
    config.templates_path.insert(0, str(templates))
    _date_footer(config)


def _macros_for_first_paint(macros: str) -> str:
    """The theme's first stylesheet only @imports basic.css, a second round trip before the first
    paint: link basic.css itself. Its two scripts run deferred at the end of <body>; preloading
    them in <head> makes them compete with the stylesheets the first paint waits for."""
    macros, linked = THEME_CSS_IMPORTING_BASIC.subn("_static/basic.css'", macros)
    macros, unloaded = SCRIPT_PRELOAD.subn("", macros)
    if (linked, unloaded) != (1, 2):
        raise ValueError("pydata-sphinx-theme's webpack-macros.html no longer links styles/theme.css once and "
                         "preloads two scripts: update pokrovsk.sphinx_ext._macros_for_first_paint")
    return macros


def _layout_without_search_tools(layout: str) -> str:
    without, found = SEARCH_TOOLS.subn("", layout)
    if found != 1:
        raise ValueError("pydata-sphinx-theme's layout.html no longer loads the search tools in one "
                         "{% if pagename == 'search' %} block: update pokrovsk.sphinx_ext.SEARCH_TOOLS")
    return without


def _date_footer(config) -> None:
    """The footer's line "Data as of … · Built on … · Edition …" (templates/pokrovsk-edition.html)."""
    as_of = os.environ.get(DATA_AS_OF_ENV)
    config.html_context.update(
        pokrovsk_data_as_of=words.say("common.footer.data_as_of", date=as_of) if as_of else "",
        pokrovsk_built_on=words.say("common.footer.built_on", date=dt.date.today()),
        pokrovsk_edition_label=words.say("common.footer.edition"),
        pokrovsk_report_label=words.say("common.footer.report_error"))


def _is_thebe(asset) -> bool:
    text = " ".join(str(part) for part in (asset, getattr(asset, "filename", ""), getattr(asset, "attributes", {}).get("body", "")))
    return any(marker in text for marker in THEBE_MARKERS)


def _page_assets(app, pagename, templatename, context, doctree) -> None:
    if not pagename.startswith(SOURCE_PAGES) and "body" in context:
        context["body"] = _image_sizes(app, _code_break_points(_anchor_first_figures(context["body"])))
    if CHART_MARKER in context.get("body", ""):
        context["body"] = _first_chart_image_at_once(context["body"])
        context["metatags"] = context.get("metatags", "") + _first_chart_image_preload(context["body"])
        app.add_js_file(CHARTS_SCRIPT, priority=200, defer="defer",
                        **{"data-plotly": context["pathto"](f"_static/{PLOTLY_STATIC}", 1)})
    for key in ("script_files", "css_files"):
        if key in context:
            context[key][:] = [asset for asset in context[key] if not _is_thebe(asset)]


def _first_chart_image_at_once(body: str) -> str:
    """The first chart's static image is fetched with the page, wherever the chart sits: the
    others wait until the reader scrolls near them (render.chart_html makes them lazy)."""
    start = body.find(PREVIEW_IMAGE)
    if start < 0:
        return body
    end = body.find(">", start)
    return body[:start] + body[start:end].replace(' loading="lazy"', ' fetchpriority="high"') + body[end:]


def _first_chart_image_preload(body: str) -> str:
    """<link rel=preload> for the first chart's image, the phone or the wide one as its <picture>
    would choose: the browser starts fetching it with the page's head, before the text above it."""
    picture = FIRST_PICTURE.search(body)
    if picture is None:
        return ""
    media, phone, wide = picture.groups()
    return (f'\n<link rel="preload" as="image" href="{phone}" media="{media}" fetchpriority="high">'
            f'\n<link rel="preload" as="image" href="{wide}" media="not all and {media}" fetchpriority="high">')


class GlossaryInAlphabetOrder(SphinxTransform):
    """A sorted glossary in the order of the edition's alphabet. Sphinx sorts it by code point
    once its terms are translated (GlossarySorter, priority 500), which in Ukrainian puts
    "логістичний" before "лінія"."""

    default_priority = 501

    def apply(self, **kwargs) -> None:
        for glossary in self.document.findall(addnodes.glossary):
            if glossary["sorted"]:
                definitions = glossary[0]
                definitions[:] = sorted(definitions, key=lambda item: words.alphabetical_key(item[0].astext()))


def _defer_theme_scripts(app, pagename, templatename, context, doctree) -> None:
    if pagename == SEARCH_PAGE or "script_files" not in context:
        return
    context["script_files"][:] = [
        type(script)(script.filename, priority=script.priority, **{**script.attributes, "defer": "defer"})
        if getattr(script, "filename", None) and str(script.filename) != UNDEFERRED_SCRIPT
        and not {"defer", "async"} & set(script.attributes) else script
        for script in context["script_files"]]


def _register_builders(app, doctree) -> None:
    """Ask viewcode for a source page of every function that drew a figure on this page, as its
    own doctree_read does for documented objects."""
    env = app.builder.env
    modules = env.__dict__.setdefault("_viewcode_modules", {})
    for node in doctree.findall(nodes.raw):
        for module, name in BUILDER.findall(node.astext()):
            entry = modules.get(module)
            if entry is None:
                source = _module_source(app, module)
                if source is None:  # the caption would link to a page that cannot be made
                    logger.warning(f"{env.docname}: no source page for figure builder {module}.{name}: "
                                   "no Python source file found")
                    modules[module] = False
                    continue
                entry = modules[module] = (*source, {}, module)
            if entry and name in entry[1]:
                # "[docs]" leads back to the first chapter that draws it, whatever the reading order.
                entry[2][name] = min(entry[2].get(name, env.docname), env.docname)
            elif entry:
                logger.warning(f"{env.docname}: figure builder {name} is not a function or class of {module}")


def _module_source(app, module: str) -> tuple[str, dict] | None:
    """A module's code and the places of its functions and classes, read from its file (None when
    it has none). viewcode would import the module to find it, loading pandas, geopandas,
    matplotlib and plotly into the Sphinx process: about 1.3 s of a cold build, spent before the
    pages can be written."""
    try:
        spec = importlib.util.find_spec(module)  # imports the parent packages only
        if spec is None or not (spec.origin or "").endswith(".py"):
            return None
        analyzer = ModuleAnalyzer.for_file(spec.origin, module)
        analyzer.find_tags()
    except (ImportError, ValueError, OSError, PycodeError):
        return None
    return analyzer.code, analyzer.tags


def _anchor_first_figures(body: str) -> str:
    """An id on the first caption link of each builder, where viewcode's "[docs]" link lands."""
    for module, name in dict.fromkeys(BUILDER.findall(body)):
        span = HOW_IT_WAS_MADE.format(module=module, name=name)
        body = body.replace(span, span.replace('class="pk-how"', f'class="pk-how" id="{module}.{name}"'), 1)
    return body


def _code_break_points(body: str) -> str:
    """A <wbr> after each run of "_", "/" or "-" inside a code word (not at its start or end),
    where the line may wrap; the copied text stays the same."""
    def break_points(code: re.Match) -> str:
        parts = TAG.split(code[2])
        inner = "".join(part if index % 2 else CODE_BREAK_AFTER.sub(r"\1<wbr>", part) for index, part in enumerate(parts))
        return code[1] + inner + code[3]
    return CODE_LITERAL.sub(break_points, body)


def _image_sizes(app, body: str) -> str:
    """Each copied image's width and height in pixels, so that the page keeps its room while the
    image loads (its CSS scales it to the column and keeps its shape): the text below it does not
    jump."""
    if "_images/" not in body:
        return body
    copied = {Path(name).name: Path(app.srcdir) / source for source, name in app.builder.images.items()}

    def sized(image: re.Match) -> str:
        size = get_image_size(str(copied[image[1]])) if image[1] in copied else None
        if size is None:  # not a copy this build made, or a file that states no size
            return image[0]
        return f'{image[0]} width="{size[0]}" height="{size[1]}"'
    return COPIED_IMAGE.sub(sized, body)


def _name_controls_by_their_words(page: str) -> str:
    for pattern in NAME_HIDING_SHOWN_WORDS:
        page = pattern.sub(r"\1", page)
    return page


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
    plotlyjs.write_for_book(bundle, static / "plotly.min.js")
    pages = [p for p in outdir.rglob("*.html") if not p.relative_to(outdir).parts[0].startswith("_")]
    named_toggle = NAMED_TOGGLE.format(name=html.escape(words.say("site.sidebar_toggle")))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        named = _name_controls_by_their_words(text.replace(UNNAMED_TOGGLE, named_toggle))
        if named != text:
            page.write_text(named, encoding="utf-8")
    fontawesome = _theme_file("static/scripts/fontawesome.js").read_text(encoding="utf-8")
    pseudo_icons = icons.theme_pseudo_icons(_theme_file("static/styles/pydata-sphinx-theme.css").read_text(
        encoding="utf-8"), icons.used_classes(pages))
    pseudo_paths = icons.icon_paths_by_code_point(fontawesome, set(pseudo_icons.values()))
    (static / "icons.css").write_text(icons.icons_css(
        icons.icon_paths(fontawesome, icons.used_icons(pages)),
        {selector: pseudo_paths[code] for selector, code in pseudo_icons.items() if code in pseudo_paths}))
    (outdir / "_static" / "scripts" / "fontawesome.js").unlink(missing_ok=True)
    downloads = outdir / CHAPTER_ASSETS.parent / NOTEBOOK_DOWNLOADS
    downloads.mkdir(parents=True, exist_ok=True)
    for notebook in sorted((Path(app.srcdir) / NOTEBOOKS).glob("*.ipynb")):
        shutil.copyfile(notebook, downloads / notebook.name)  # as committed: without outputs
    assets = Path(app.srcdir) / CHAPTER_ASSETS
    if assets.is_dir():
        shutil.copytree(assets, outdir / CHAPTER_ASSETS, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(*UNFINISHED))  # copied again once drawn


def setup(app):
    app.setup_extension("sphinx.ext.viewcode")
    app.setup_extension("pokrovsk.sphinx_head_start")
    app.setup_extension("pokrovsk.sidebar_navigation")
    app.connect("config-inited", _speak_edition_language, priority=100)  # before anything says a word
    editions.setup(app)
    sharing.setup(app)
    app.connect("config-inited", _register_static)
    app.connect("config-inited", _toc_captions_in_edition_language, priority=950)  # after the toc is read
    app.add_css_file(BOOK_CSS)
    app.add_css_file(ICONS_CSS)
    app.connect("html-page-context", _page_assets)
    app.connect("html-page-context", _link_other_editions)
    app.connect("html-page-context", _defer_theme_scripts, priority=900)  # after every extension's scripts
    app.add_transform(GlossaryInAlphabetOrder)
    app.connect("doctree-read", _register_builders)
    app.connect("viewcode-find-source", _module_source)
    app.connect("build-finished", _copy_files)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
