"""The site's root page, ``_build/html/index.html``: it sends a reader to the edition in the
browser's language and shows the choice of every edition.

Its script reads ``navigator.languages``: any Ukrainian ("uk", "uk-UA") leads to ``uk/``,
anything else to ``en/``. It replaces the root in the history (the back button does not return
to a page that would send the reader on again), and no edition page links back to it, so there is
no loop. Without JavaScript, or at ``index.html#choose``, the page stays and shows a link to
each edition, named in its own language from the word catalogs (``site.edition.read``).
Everything is inline: the page loads nothing.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from pokrovsk import words

PAGE = "index.html"
DEFAULT = "en"
STAY = "#choose"
"""The root's address with this fragment shows the choice instead of sending the reader on."""
CHOOSE_BY_BROWSER = """(function () {
  if (location.hash === %(stay)s) return;
  var editions = %(editions)s;
  var preferred = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""];
  var chosen = %(default)s;
  preferred.forEach(function (tag) {
    var language = String(tag).toLowerCase().split("-")[0];
    if (language !== %(default)s && editions[language] && chosen === %(default)s) chosen = language;
  });
  location.replace(editions[chosen] || editions[%(default)s]);
})();"""
STYLE = """body { font-family: system-ui, sans-serif; margin: 0; padding: 2rem 1rem; color: #1a1a1a; background: #fff; }
main { max-width: 36rem; margin: 0 auto; }
h1 { font-size: 1.6rem; line-height: 1.3; }
ul { list-style: none; padding: 0; }
li { margin: 0.75rem 0; }
a { display: inline-block; padding: 0.75rem 1rem; border: 2px solid #0a5ca8; border-radius: 0.4rem;
    color: #0a5ca8; font-size: 1.15rem; text-decoration: none; min-width: 16rem; }
a:hover, a:focus { background: #0a5ca8; color: #fff; }"""


def page(languages: list[str], start_page: str) -> str:
    """The root page for the editions in ``languages``; each link leads to ``<language>/<start_page>``."""
    targets = {language: f"{language}/{start_page}" for language in languages}
    default = DEFAULT if DEFAULT in languages else languages[0]
    titles, headings, links = [], [], []
    for language in languages:
        with words.speaking(language):
            titles.append(words.say("site.title"))
            headings.append(f'<span lang="{language}">{html.escape(titles[-1])}</span>')
            links.append(f'<li><a href="{html.escape(targets[language])}" hreflang="{language}" lang="{language}">'
                         f'{html.escape(words.say("site.edition.read"))}</a></li>')
    script = CHOOSE_BY_BROWSER % {"stay": json.dumps(STAY), "editions": json.dumps(targets),
                                  "default": json.dumps(default)}
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{default}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(' · '.join(titles))}</title>",
        f"<script>{script}</script>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{' · '.join(headings)}</h1>",
        "<ul>", *links, "</ul>",
        "</main>",
        "</body>",
        "</html>",
        ""])


def write(site: Path, languages: list[str], start_page: str) -> Path:
    path = site / PAGE
    path.write_text(page(languages, start_page), encoding="utf-8")
    return path
