"""Confidence in each claim, computed from its evidence by rules written once, here.

In the spirit of GRADE-CERQual and the EEF's padlocks: every claim starts at *high* and is moved down
one or two levels for each concern, and each move is recorded with its reason. The book explains the
rules by printing :func:`rules_table`, so the text and the computation cannot drift apart.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

LEVELS = ("high", "moderate", "low", "very low")
BEARING = ("supports", "mixed")
EMPIRICAL_TIERS = ("comparative", "empirical")


@dataclass(frozen=True)
class Rule:
    concern: str
    test: str
    steps: int


RULES = (
    Rule("adequacy", "only one independent source supports the claim", 2),
    Rule("adequacy", "two or three independent sources support the claim", 1),
    Rule("methods", "a claim about effects has no comparative (quasi-experimental) source behind it", 1),
    Rule("methods", "fewer than half of the sources are empirical studies", 1),
    Rule("coherence", "a third or more of the sources run against the claim", 2),
    Rule("coherence", "a quarter or more of the sources are mixed or contrary", 1),
)


def rules_table() -> pd.DataFrame:
    """The rating rules as a table for the book."""
    return pd.DataFrame([{"Concern": r.concern, "Downgrade when": r.test, "Levels down": r.steps} for r in RULES])


def first_author(author_field: str) -> str:
    """'Chapman, C. and Muijs, D.' -> 'chapman c': the identity used to judge independence."""
    first = re.split(r"\s+and\s+", author_field.strip(), maxsplit=1)[0]
    family, _, given = first.partition(",")
    initial = given.strip()[:1].lower()
    return f"{re.sub(r'[^a-z]', '', family.lower())} {initial}".strip()


def rate_claims(claims: pd.DataFrame, evidence: pd.DataFrame, sources: pd.DataFrame,
                authors: dict[str, str]) -> pd.DataFrame:
    """One row per claim: counts, rating and the reasons for each downgrade.

    ``sources`` gives each source's design tier (coded records); a source linked to a claim without a
    coded record counts as tier 'unknown', so it is never treated as empirical by default.
    ``authors`` maps bib key -> author field, for independence.
    """
    tier = dict(zip(sources["key"], sources["tier"]))
    rows = []
    for claim in claims.itertuples(index=False):
        ev = evidence[evidence["claim"] == claim.id]
        stance = ev["stance"].value_counts()
        n_sup, n_mix, n_against = (int(stance.get(s, 0)) for s in ("supports", "mixed", "against"))
        bearing = ev[ev["stance"].isin(BEARING)]
        independent = {first_author(authors.get(k, k)) for k in bearing["key"]}
        tiers = [tier.get(k, "unknown") for k in ev["key"]]
        n_empirical = sum(t in EMPIRICAL_TIERS for t in tiers)
        comparative = any(tier.get(k) == "comparative" for k in bearing["key"])
        row = {"claim": claim.id, "kind": claim.kind, "theme": claim.theme, "sources": len(ev),
               "independent": len(independent), "supports": n_sup, "mixed": n_mix, "against": n_against,
               "empirical": n_empirical}
        if claim.kind == "gap":
            row.update(rating="gap", steps=0, reasons="a gap is an absence of evidence: not rated")
            rows.append(row)
            continue
        reasons: list[str] = []
        steps = 0

        def down(n: int, why: str) -> None:
            nonlocal steps
            steps += n
            reasons.append(f"−{n}: {why}")

        if len(independent) == 0:
            down(3, "no source supports the claim")
        elif len(independent) == 1:
            down(2, "only one independent source supports it")
        elif len(independent) <= 3:
            down(1, f"only {len(independent)} independent sources support it")
        if claim.theme.startswith("impact_") and not comparative:
            down(1, "no comparative study behind a claim about effects")
        if len(ev) and n_empirical / len(ev) < 0.5:
            down(1, f"only {n_empirical} of {len(ev)} sources are empirical studies")
        if len(ev) and n_against / len(ev) >= 1 / 3:
            down(2, f"{n_against} of {len(ev)} sources run against it")
        elif len(ev) and (n_against + n_mix) / len(ev) >= 1 / 4:
            down(1, f"{n_against + n_mix} of {len(ev)} sources are mixed or contrary")
        row.update(rating=LEVELS[min(steps, len(LEVELS) - 1)], steps=steps,
                   reasons="; ".join(reasons) if reasons else "no concerns")
        rows.append(row)
    return pd.DataFrame(rows, columns=["claim", "kind", "theme", "sources", "independent", "supports", "mixed",
                                       "against", "empirical", "rating", "steps", "reasons"])
