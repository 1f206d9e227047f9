"""Citations: source ids → the short lines under figures and the bibliography entries."""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import pandas as pd

from pokrovsk.markup import md_text, safe_url

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def split_ids(value: str | float | None) -> list[str]:
    """``"a;b"`` → ``["a", "b"]``; missing → ``[]``."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


def human_date(value: str | dt.date | None) -> str:
    """``2024-12-18`` → ``18 Dec 2024``; ``2024-12`` → ``Dec 2024``; ``2024`` → ``2024``."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)) or value == "":
        return "undated"
    if isinstance(value, dt.date):
        value = value.isoformat()
    parts = str(value).split("-")
    if len(parts) == 1:
        return parts[0]
    month = MONTHS[int(parts[1]) - 1]
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"


def ids_in(frame: pd.DataFrame, column: str = "source_ids") -> list[str]:
    """Every source id a table's rows cite, in first-seen order, without repeats."""
    seen: dict[str, None] = {}
    for value in frame[column]:
        for source_id in split_ids(value):
            seen.setdefault(source_id, None)
    return list(seen)


def bibliography_entry(row: pd.Series) -> str:
    """Full Markdown entry: publisher, title, date, link, access date and route (all as text)."""
    text = f"{md_text(row['publisher'])}. “{md_text(row['title'])}”. {human_date(row.get('date_published'))}."
    url = safe_url(row.get("url"))
    if url:
        text += f" <{url}>."
    if pd.notna(row.get("date_accessed")):
        text += f" Accessed {human_date(row['date_accessed'])}"
        if isinstance(row.get("accessed_via"), str) and row["accessed_via"]:
            text += f" via {md_text(row['accessed_via'])}"
        text += "."
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
        dates = [d for d in dict.fromkeys(human_date(table.loc[i].get("date_published")) for i in ids) if d != "undated"]
        cited.append((f"{publisher} ({', '.join(dates)})" if dates else publisher, ids[0]))
    return cited


def cite(source_ids: Iterable[str], sources: pd.DataFrame) -> str:
    """Short plain-text form: ``Reuters (18 Dec 2024); ISW (Feb 2026)``, publishers merged."""
    return "; ".join(label for label, _ in cited_sources(source_ids, sources))
