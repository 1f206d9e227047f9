"""Citations: source ids → the short lines under figures and the bibliography entries."""

from __future__ import annotations

import datetime as dt
from typing import Iterable

import pandas as pd

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


def cite(source_ids: Iterable[str], sources: pd.DataFrame) -> str:
    """Short form for a caption: ``Reuters (18 Dec 2024); ISW (Feb 2026)``, publishers merged."""
    table = sources.set_index("source_id")
    by_publisher: dict[str, list[str]] = {}
    for source_id in dict.fromkeys(source_ids):
        if source_id not in table.index:
            raise KeyError(f"unknown source id {source_id!r}")
        row = table.loc[source_id]
        by_publisher.setdefault(str(row["publisher"]), []).append(human_date(row.get("date_published")))
    parts = []
    for publisher, dates in by_publisher.items():
        dated = [d for d in dict.fromkeys(dates) if d != "undated"]
        parts.append(f"{publisher} ({', '.join(dated)})" if dated else publisher)
    return "; ".join(parts)


def bibliography_entry(row: pd.Series) -> str:
    """Full Markdown entry: publisher, title, date, link, access date and route."""
    text = f"{row['publisher']}. “{row['title']}”. {human_date(row.get('date_published'))}."
    if isinstance(row.get("url"), str) and row["url"]:
        text += f" <{row['url']}>."
    if pd.notna(row.get("date_accessed")):
        text += f" Accessed {human_date(row['date_accessed'])}"
        if isinstance(row.get("accessed_via"), str) and row["accessed_via"]:
            text += f" via {row['accessed_via']}"
        text += "."
    return text
