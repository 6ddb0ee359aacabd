"""Confidence in each claim: four GRADE-CERQual components, then the overall level, by the rules of
:mod:`schoolcollab.evidence.rating_rules` and no others.

Every concern names the rule that raised it and the facts that made it hold, so a reader can retrace each
rating; the book prints the same rule objects the computation reads (``rule_tables``), and a test checks
that every rule applied is printed and every printed rule can apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .appraisal import NOT_A_STUDY, study_limitations
from .claim_metrics import ClaimEvidence, claim_evidence
from .codebook import IMPACT_THEMES
from .rating_rules import COMPONENTS, CONCERNS, LEVELS, MAIN, OVERALL, Method, Rule

RATING_COLUMNS = [
    "claim",
    "kind",
    "theme",
    "sources",
    "supports",
    "mixed",
    "against",
    "studies",
    "independent",
    "comparative",
    "rating",
    "steps",
    *[c for comp in COMPONENTS for c in (comp, f"{comp}_why")],
    "applied",
    "reasons",
]


@dataclass(frozen=True)
class RatingInputs:
    """Everything a rating is computed from, kept so that other methods can re-rate the same evidence."""

    claims: pd.DataFrame  # id, kind, theme, statement, scope
    links: pd.DataFrame  # claim, key, stance, why, via
    sources: dict[str, dict[str, Any]]  # bib key -> tier, countries, phases, families, year
    authors: dict[str, str]  # bib key -> author field
    appraisals: pd.DataFrame  # schoolcollab.evidence.appraisal.appraisal_rows
    status: dict[str, str]  # bib key -> appraised / not_applicable / not_reported
    labels: dict[str, str] = field(default_factory=dict)  # bib key -> short citation, for the reasons


def source_facts(
    sources: pd.DataFrame, types: pd.DataFrame, commissioners: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Bib key -> what the relevance, design and independence rules need to know of a coded source.

    ``commissioners``: bib key -> the institution or publisher of its entry; a report on a named initiative
    for the same body as another report on it counts as the same team's work.
    """
    families = types.groupby("key")["family"].agg(lambda f: tuple(dict.fromkeys(f)))
    facts = {}
    for r in sources.itertuples(index=False):
        named = r.initiative not in ("none", "not_reported") and commissioners.get(r.key)
        facts[r.key] = {
            "tier": r.tier,
            "countries": tuple(r.countries),
            "phases": tuple(r.phases),
            "families": families.get(r.key, ()),
            "year": None if pd.isna(r.year) else int(r.year),
            "programme": f"{r.initiative} for {commissioners[r.key]}" if named else None,
        }
    return facts


def _studies(n: int) -> str:
    return f"{n} independent {'study' if n == 1 else 'studies'}"


def _facts(metric: str, ce: ClaimEvidence, labels: dict[str, str]) -> str:
    """The facts behind one metric, in words, with the numbers."""
    n = len(ce.bearing)
    lim = list(ce.limitation.values())
    if metric == "limited_share":
        k = sum(v in ("serious", NOT_A_STUDY) for v in lim)
        return f"{k} of {n} supporting sources are not studies or have serious limitations"
    if metric == "weak_share":
        k = sum(v != "minor" for v in lim)
        return f"{k} of {n} supporting sources are not studies or have moderate or serious limitations"
    if metric == "against_share":
        return f"{ce.against} of {ce.n_sources} linked sources run against it"
    if metric == "mixed_share":
        return f"{ce.against + ce.mixed} of {ce.n_sources} linked sources are mixed or contrary"
    if metric == "independent_studies":
        merged = [g for g in ce.groups if len(g) > 1]
        teams = "; ".join(" + ".join(labels.get(k, k) for k in g) for g in merged)
        extra = f" ({teams} count as one team)" if merged else ""
        verb = "supports" if len(ce.groups) == 1 else "support"
        return f"{_studies(len(ce.groups)).replace('independent', 'independent empirical')} {verb} it{extra}"
    if metric in ("indirect_share", "unclear_share"):
        kind = "indirect" if metric == "indirect_share" else "unclear"
        hits = {k: dims for k, (fit, dims) in ce.fit.items() if fit == kind}
        dims = sorted({d for v in hits.values() for d in v})
        what = "outside the claim's scope" if kind == "indirect" else "of unclear fit to the claim's scope"
        return f"{len(hits)} of {n} supporting sources are {what}" + (f" (by {', '.join(dims)})" if dims else "")
    if metric == "comparative_studies":
        return _studies(len(ce.comparative_groups)).replace("independent", "independent comparative")
    raise KeyError(metric)


def _component(
    component: str, rules: tuple[Rule, ...], ce: ClaimEvidence, labels: dict[str, str] | None = None
) -> tuple[str, str, list[str]]:
    """(concern level, reason, ids of the rules that fired) of one component."""
    labels = labels or {}
    mine = [r for r in rules if r.component == component]
    fired = [r for r in mine if r.holds(ce.metrics[r.metric])]
    if not fired:  # say what was measured, each measure once
        metrics = list(dict.fromkeys(r.metric for r in mine))
        return CONCERNS[0], "; ".join(_facts(m, ce, labels) for m in metrics) + " (no rule applies)", []
    worst = max(fired, key=lambda r: CONCERNS.index(r.concern))
    return worst.concern, f"{worst.id}: {_facts(worst.metric, ce, labels)}", [worst.id]


def rate_claims(inputs: RatingInputs, method: Method = MAIN) -> pd.DataFrame:
    """One row per claim: evidence counts, the four components with their reasons, the overall rating."""
    rules = method.rules()
    limits = {}
    for effects in (False, True):
        limits[effects] = (
            study_limitations(inputs.appraisals, inputs.status, effects)
            if method.appraisal
            else {k: ("minor" if s == "appraised" else NOT_A_STUDY) for k, s in inputs.status.items()}
        )
    rows = []
    by_claim = dict(tuple(inputs.links.groupby("claim", sort=False)))  # one pass, not a filter per claim
    no_links = inputs.links.iloc[0:0]
    for claim in inputs.claims.itertuples(index=False):
        effects = claim.theme in IMPACT_THEMES
        ce = claim_evidence(
            by_claim.get(claim.id, no_links),
            inputs.sources,
            inputs.authors,
            limits[effects],
            claim.scope,
            method.independence,
        )
        row: dict[str, Any] = {
            "claim": claim.id,
            "kind": claim.kind,
            "theme": claim.theme,
            "sources": ce.n_sources,
            "supports": ce.supports,
            "mixed": ce.mixed,
            "against": ce.against,
            "studies": len(ce.studies),
            "independent": len(ce.groups),
            "comparative": len(ce.comparative_groups),
        }
        if claim.kind == "gap":
            row.update(
                {c: "not rated" for c in COMPONENTS},
                **{f"{c}_why": "" for c in COMPONENTS},
                rating="gap",
                steps=0,
                applied=(),
                reasons="a gap is an absence of evidence: not rated",
            )
            rows.append(row)
            continue
        applied: list[str] = []
        concerns = {}
        for comp in COMPONENTS:
            concern, why, fired = _component(comp, rules, ce, inputs.labels)
            concerns[comp] = concern
            row[comp], row[f"{comp}_why"] = concern, why
            applied += fired
        steps, said = 0, []
        for o in OVERALL:
            hit = [COMPONENTS[c].lower() for c, lvl in concerns.items() if lvl == o.concern]
            if o.each and hit:
                steps += o.steps * len(hit)
            elif not o.each and len(hit) >= o.at_least:
                steps += o.steps
            else:
                continue
            applied.append(o.id)
            said.append(f"{o.id}: {o.concern} concerns on {', '.join(hit)}")
        level = min(steps, len(LEVELS) - 1)
        if effects:
            for cap in method.caps():
                if cap.holds(ce.metrics[cap.metric]) and level < LEVELS.index(cap.at_most):
                    level = LEVELS.index(cap.at_most)
                    applied.append(cap.id)
                    said.append(
                        f"{cap.id}: a claim about effects with {_facts(cap.metric, ce, inputs.labels)} "
                        f"is at most {cap.at_most}"
                    )
        row.update(
            rating=LEVELS[level],
            steps=steps,
            applied=tuple(applied),
            reasons="; ".join(said) if said else "no concerns that lower it",
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=RATING_COLUMNS)
