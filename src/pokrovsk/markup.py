"""Text from the data, made safe for the page: it must reach the reader as text, never as
markup. Data can hold anything (a title with "<script>", a name with "*"), so every value
placed into generated Markdown goes through :func:`md_text` and into HTML through html.escape.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")


def md_text(value) -> str:
    """Literal text inside CommonMark/MyST: every ASCII punctuation character backslash-escaped
    (CommonMark allows escaping any of them), newlines folded to spaces."""
    return _PUNCTUATION.sub(r"\\\1", " ".join(str(value).split()))


def md_code(value, *, in_table: bool = False) -> str:
    """An inline code span that holds any text (the fence grows past any backticks inside).
    ``in_table``: for a table cell, where a "|" would end the cell even inside code, unless it
    is escaped (the table reads "\\|" as "|" before the code span is read)."""
    text = " ".join(str(value).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    span = f"{fence} {text} {fence}" if text.startswith("`") or text.endswith("`") else f"{fence}{text}{fence}"
    return span.replace("|", "\\|") if in_table else span


def safe_url(value) -> str | None:
    """An http(s) URL usable as a Markdown autolink, or None."""
    text = value.strip() if isinstance(value, str) else ""
    if re.fullmatch(r"https?://[^\s<>\"'`]+", text):
        return text
    return None
