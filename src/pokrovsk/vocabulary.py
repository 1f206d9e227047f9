"""The logic of the book's coded values: who says something (``claimant``), how well it is
established (``verification``) and which side each kind of source (``kind``) speaks for. Their
reader labels are words, in ``pokrovsk/words/<language>/common.yml``.

The verification rule itself is written out in ``data/README.md`` and on the Limitations page;
``pokrovsk.validation`` enforces the part of it that can be checked mechanically.
"""

from __future__ import annotations

PARTIES = ("ukraine", "russia")
"""Claimants that are a side in the war; the third claimant, ``independent``, is neither."""


SUPPORTED = ("established", "corroborated")
"""Verifications that rest on more than the claimant's own word."""


KIND_SIDE = {
    "ukrainian_official": "ukraine",
    "ukrainian_media": "ukraine",
    "russian_official": "russia",
    "russian_state_media": "russia",
    "pro_russian_blogger": "russia",
    "russian_independent_media": "independent",
    "international_media": "independent",
    "analysts_osint": "independent",
    "reference_work": "independent",
    "dataset": "independent",
    "company": "independent",
    "other_official": "independent",
    "printed_work": "independent",
}
"""Every source kind and the side whose statements it carries."""

OFFLINE_KINDS = ("printed_work", "dataset")
"""Kinds that may lack a URL: a printed work gives a full citation instead, a dataset its file."""


def side_of(kind: str) -> str:
    """The side a source of this kind speaks for: ``ukraine``, ``russia`` or ``independent``."""
    try:
        return KIND_SIDE[kind]
    except KeyError:
        raise ValueError(f"unknown source kind {kind!r} (expected one of {', '.join(KIND_SIDE)})") from None


def independent_support(claimant: str, source_kinds: list[tuple[str, str]]) -> list[str]:
    """The ids among ``(source_id, kind)`` that count as independent of the claimant. For a party
    (Ukraine, Russia), sources on the other side or on neither, but no reference work: an
    encyclopaedia repeats what others said. For an independent claimant, every source, with all
    reference works together counting once."""
    others = [(i, k) for i, k in source_kinds if claimant not in PARTIES or side_of(k) != claimant]
    primary = [i for i, k in others if k != "reference_work"]
    references = [i for i, k in others if k == "reference_work"]
    return primary if claimant in PARTIES else primary + references[:1]


def verification_known(verification: str, claimant: str, source_kinds: list[tuple[str, str]]) -> str:
    """The verification a row can carry with only these sources: a rating that rests on a source
    not yet published falls back (an edition dated before the corroborating report shows the claim
    as a claim). 'disputed' and 'claimed' stay as they are."""
    if verification not in SUPPORTED:
        return verification
    support = independent_support(claimant, source_kinds)
    needed = 1 if claimant in PARTIES else 2
    if len(support) < needed:
        return "claimed"
    if verification == "established" and len(support) < 2:
        return "corroborated"
    return verification
