"""The book's words for its coded values: who says something (``claimant``), how well it is
established (``verification``) and what kind of publication a source is (``kind``, with the side
it speaks for). Kept in one place so every chapter, chart and data page words them alike.

The verification rule itself is written out in ``data/README.md`` and on the Limitations page;
``pokrovsk.validation`` enforces the part of it that can be checked mechanically.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTIES = ("ukraine", "russia")
"""Claimants that are a side in the war; the third claimant, ``independent``, is neither."""


@dataclass(frozen=True)
class Claimant:
    label: str
    """In legends, tables and 'said by: …'."""
    long_label: str
    """Where the reader needs to know who counts as independent."""
    in_text: str
    """Inside a sentence: 'said by the Ukrainian side'."""
    a_source: str
    """'a Ukrainian source put the gap at …'."""
    by: str
    """'Reported by Ukraine', 'By independents' in legends."""


CLAIMANT = {
    "ukraine": Claimant("Ukraine", "Ukraine", "the Ukrainian side", "a Ukrainian source", "by Ukraine"),
    "russia": Claimant("Russia", "Russia", "the Russian side", "a Russian source", "by Russia"),
    "independent": Claimant("Independent", "Independent (ISW, media, analysts)", "independent observers",
                            "an independent source", "by independents"),
}


@dataclass(frozen=True)
class Verification:
    label: str
    """Legend entry."""
    phrase: str
    """Inside a sentence or a hover: '(claimed, not independently verified)'."""
    meaning: str
    """The rule, for captions, the Limitations page and the data pages."""


VERIFICATION = {
    "established": Verification(
        "Established", "established",
        "independent sources agree and nobody credible disputes it"),
    "corroborated": Verification(
        "Corroborated", "corroborated by an independent source",
        "supported by someone independent of the claimant: geolocated footage, independent analysts such as "
        "ISW or DeepState, or the other side's acknowledgement"),
    "claimed": Verification(
        "Claimed", "claimed, not independently verified",
        "one party's statement, however widely repeated"),
    "disputed": Verification(
        "Disputed", "disputed",
        "contradicted by the other side or by independents"),
}
"""In order from firmest to weakest, the order of legends."""

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

KIND_LABEL = {
    "ukrainian_official": "Ukrainian official",
    "ukrainian_media": "Ukrainian media",
    "russian_official": "Russian official",
    "russian_state_media": "Russian state media",
    "pro_russian_blogger": "Pro-Russian blogger",
    "russian_independent_media": "Russian independent media",
    "international_media": "International media",
    "analysts_osint": "Analysts and open-source investigators",
    "reference_work": "Reference work",
    "dataset": "Dataset",
    "company": "Company",
    "other_official": "Other official body",
    "printed_work": "Printed work",
}
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
