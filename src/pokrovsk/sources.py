"""Citations: source ids → the short lines under figures and the bibliography entries."""

from __future__ import annotations

from typing import Iterable

import pandas as pd

from pokrovsk import words
from pokrovsk.markup import md_text, safe_url

def split_ids(value: str | float | None) -> list[str]:
    """``"a;b"`` → ``["a", "b"]``; missing → ``[]``."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


def ids_in(frame: pd.DataFrame, column: str = "source_ids") -> list[str]:
    """Every source id a table's rows cite, in first-seen order, without repeats."""
    seen: dict[str, None] = {}
    for value in frame[column]:
        for source_id in split_ids(value):
            seen.setdefault(source_id, None)
    return list(seen)


def _published(row: pd.Series) -> str | None:
    value = row.get("date_published")
    return None if value is None or pd.isna(value) or value == "" else str(value)


def bibliography_entry(row: pd.Series) -> str:
    """Full Markdown entry: publisher, title, date, link, access date and route (all as text)."""
    # The title stays in the language it was published in: marked, so a reader's tools (and the
    # editions' language checks) can tell it from the book's own words.
    text = (f"{md_text(row['publisher'])}. <span class=\"pk-source-title\">“{md_text(row['title'])}”</span>. "
            f"{words.date(_published(row))}.")
    url = safe_url(row.get("url"))
    if url:
        text += f" <{url}>."
    if pd.notna(row.get("date_accessed")):
        via = row["accessed_via"] if isinstance(row.get("accessed_via"), str) else ""
        text += " " + words.markdown("pages.bibliography.accessed", date=row["date_accessed"], via=via)
    return text


def cited_sources(source_ids: Iterable[str], sources: pd.DataFrame) -> list[tuple[str, str]]:
    """``[(label, first source id)]`` per publisher, for captions that link into the bibliography."""
    table = sources.set_index("source_id")
    by_publisher: dict[str, list[str]] = {}
    for source_id in dict.fromkeys(source_ids):
        if source_id not in table.index:
            raise KeyError(f"unknown source id {source_id!r}")
        by_publisher.setdefault(str(table.loc[source_id, "publisher"]), []).append(source_id)
    cited = []
    for publisher, ids in by_publisher.items():
        dates = list(dict.fromkeys(words.date(_published(table.loc[i])) for i in ids if _published(table.loc[i])))
        cited.append((f"{publisher} ({', '.join(dates)})" if dates else publisher, ids[0]))
    return cited


def cite(source_ids: Iterable[str], sources: pd.DataFrame) -> str:
    """Short plain-text form: ``Reuters (18 Dec 2024); ISW (Feb 2026)``, publishers merged."""
    return "; ".join(label for label, _ in cited_sources(source_ids, sources))
