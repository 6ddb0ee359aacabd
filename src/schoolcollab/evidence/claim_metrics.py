"""What the rating rules measure for one claim: independence of its studies, their limitations, fit to scope.

Everything here is a fact about the evidence (who wrote what, which study fits which scope); the
thresholds that turn these facts into concerns live in :mod:`schoolcollab.evidence.rating_rules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import pandas as pd

from .codebook import EMPIRICAL_TIERS

BEARING = ("supports", "mixed")


def author_ids(author_field: str) -> list[str]:
    """'Chapman, C. and Muijs, D.' -> ['chapman c', 'muijs d']; a corporate author is kept whole."""
    out = []
    for name in re.split(r"\s+and\s+", author_field.strip()):
        name = name.strip()
        if not name or name == "others":
            continue
        if name.startswith("{") and name.endswith("}"):  # {Department for Education}
            out.append(re.sub(r"[^a-z ]", "", name.lower()).strip())
            continue
        family, comma, given = name.partition(",")
        if not comma:  # "Daniel Muijs"
            parts = name.split()
            family, given = parts[-1], " ".join(parts[:-1])
        initial = re.sub(r"[^a-z]", "", given.lower())[:1]
        out.append(f"{re.sub(r'[^a-z]', '', family.lower())} {initial}".strip())
    return out


def independent_groups(
    keys: list[str],
    authors: dict[str, str],
    rule: str = "shared_author",
    programmes: dict[str, str | None] | None = None,
) -> list[list[str]]:
    """The keys grouped into independent teams.

    ``shared_author``: two works are by the same team when any author appears in both author lists, or
    when both report on the same named programme for the same commissioning body (``programmes``: key ->
    'initiative for institution'), directly or through a chain of works; ``first_author``: only when their
    first authors are the same (the rule this book used before).
    """
    ids = {k: author_ids(authors.get(k, k)) or [k] for k in keys}
    if rule == "first_author":
        ids = {k: v[:1] for k, v in ids.items()}
    else:
        programmes = programmes or {}
        ids = {k: v + ([f"programme: {programmes[k]}"] if programmes.get(k) else []) for k, v in ids.items()}
    parent = {k: k for k in keys}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    owner: dict[str, str] = {}
    for k in keys:
        for a in ids[k]:
            if a in owner:
                parent[find(k)] = find(owner[a])
            else:
                owner[a] = k
    groups: dict[str, list[str]] = {}
    for k in keys:
        groups.setdefault(find(k), []).append(k)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def fit_to_scope(source: dict[str, Any], scope: dict[str, Any]) -> tuple[str, list[str]]:
    """('direct' | 'unclear' | 'indirect', the dimensions that do not fit or are unclear) for one source."""
    outside, unclear = [], []

    def judge(name: str, have: tuple[str, ...], want: Any, also: tuple[str, ...] = ()) -> None:
        if want == "all":  # a claim about every phase (or form, or country) fits every source on that count
            return
        if not have or set(have) <= {"not_reported"}:
            unclear.append(name)
        elif not (set(have) & set(want)) and not (set(have) & set(also)):
            outside.append(name)

    judge("country", source["countries"], scope["countries"], ("international",))
    judge("phase", source["phases"], scope["phases"], ("all_through",))
    judge("form", source["families"], scope["families"])
    year, period = source["year"], scope["period"]
    if year is None or pd.isna(year):
        unclear.append("period")
    elif not period["from"] <= int(year) <= period["to"]:
        outside.append("period")
    if outside:
        return "indirect", outside
    return ("unclear", unclear) if unclear else ("direct", [])


@dataclass
class ClaimEvidence:
    """The facts about one claim's evidence that the rules read, with the keys behind each."""

    n_sources: int
    supports: int
    mixed: int
    against: int
    bearing: list[str]
    studies: list[str]  # bearing sources that are appraised or empirical studies
    groups: list[list[str]]  # independent teams among the studies
    comparative_groups: list[list[str]]
    limitation: dict[str, str]  # bearing key -> study limitation level
    fit: dict[str, tuple[str, list[str]]]  # bearing key -> fit to the claim's scope
    metrics: dict[str, Fraction] = field(default_factory=dict)


def share(part: int, whole: int) -> Fraction:
    """part/whole exactly, so that 1 of 3 meets a threshold of 1/3 (0 when there is nothing to share)."""
    return Fraction(part, whole) if whole else Fraction(0)


def claim_evidence(
    links: pd.DataFrame,
    sources: dict[str, dict[str, Any]],
    authors: dict[str, str],
    limitation: dict[str, str],
    scope: dict[str, Any],
    independence: str,
) -> ClaimEvidence:
    """The facts of one claim: ``links`` are its rows of the evidence table; ``sources`` bib key -> the
    record's tier, countries, phases, families and year; ``limitation`` bib key -> study limitation level."""
    # plain lists: pandas' per-call overhead, paid for every claim, was most of the time of a check
    stances, keys = links["stance"].tolist(), links["key"].tolist()
    n_sup, n_mix, n_against = (stances.count(s) for s in ("supports", "mixed", "against"))
    bearing = list(dict.fromkeys(k for k, s in zip(keys, stances, strict=True) if s in BEARING))
    unknown = {"tier": "unknown", "countries": (), "phases": (), "families": (), "year": None}
    rec = {k: sources.get(k, unknown) for k in bearing}
    studies = [
        k for k in bearing if rec[k]["tier"] in EMPIRICAL_TIERS or limitation.get(k, "not a study") != "not a study"
    ]
    programmes = {k: rec[k].get("programme") for k in bearing}
    groups = independent_groups(studies, authors, independence, programmes)
    comparative = independent_groups(
        [k for k in studies if rec[k]["tier"] == "comparative"], authors, independence, programmes
    )
    lim = {k: limitation.get(k, "not a study") for k in bearing}
    fit = {k: fit_to_scope(rec[k], scope) for k in bearing}
    n = len(bearing)
    metrics = {
        "limited_share": share(sum(v in ("serious", "not a study") for v in lim.values()), n) if n else Fraction(1),
        "weak_share": share(sum(v != "minor" for v in lim.values()), n) if n else Fraction(1),
        "against_share": share(n_against, len(links)),
        "mixed_share": share(n_against + n_mix, len(links)),
        "independent_studies": Fraction(len(groups)),
        "indirect_share": share(sum(f[0] == "indirect" for f in fit.values()), n),
        "unclear_share": share(sum(f[0] == "unclear" for f in fit.values()), n),
        "comparative_studies": Fraction(len(comparative)),
    }
    return ClaimEvidence(len(links), n_sup, n_mix, n_against, bearing, studies, groups, comparative, lim, fit, metrics)
