"""Records the chapters share: small typed copies of data rows, without English."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Event:
    """One dated event as known at as_of: a claim, a military statement, an assessment."""

    event_id: str
    date: str
    date_precision: str
    claimant: str
    verification: str
    title: str
    description: str
    source_ids: tuple[str, ...]
    place_id: str | None = None
    place_name: str | None = None
    """The place's English name from places.csv, where the chapter needs it."""
