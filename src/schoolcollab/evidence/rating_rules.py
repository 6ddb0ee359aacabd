"""The rating rules, written once, as data: the same objects compute every rating and are printed in the book.

The scheme follows GRADE-CERQual (Lewin et al. 2018, *Implementation Science* 13(Suppl 1):2, a source
outside the two source documents): confidence in each claim is judged on four components, each with no or
very minor, minor, moderate or serious concerns, and the overall confidence follows from the four. Claims
about effects also need comparative designs, in the spirit of the Education Endowment Foundation's padlocks.
The thresholds are this book's own choices; :mod:`schoolcollab.evidence.sensitivity` shows what changes
under other reasonable choices.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

import pandas as pd

LEVELS = ("high", "moderate", "low", "very low")
CONCERNS = ("no or very minor", "minor", "moderate", "serious")
COMPONENTS = {
    "methods": "Methodological limitations",
    "coherence": "Coherence",
    "adequacy": "Adequacy",
    "relevance": "Relevance",
}
# what each metric measures, in a reader's words (the engine computes them in claim_metrics)
METRICS = {
    "limited_share": "share of supporting sources that are not studies or have serious limitations",
    "weak_share": "share of supporting sources that are not studies or have moderate or serious limitations",
    "against_share": "share of linked sources that run against the claim",
    "mixed_share": "share of linked sources that are mixed or run against the claim",
    "independent_studies": "independent empirical studies supporting the claim",
    "indirect_share": "share of supporting sources outside the claim's scope (country, phase, period or form)",
    "unclear_share": "share of supporting sources whose fit to the claim's scope the documents leave unclear",
    "comparative_studies": "independent comparative (quasi-experimental) studies supporting the claim",
}
OPS = {"<=": "≤", ">=": "≥", ">": ">"}

# How much each appraisal judgement counts against a study: a criterion not met counts fully, one met in part
# or left unclear by the source documents counts half (CERQual counts what cannot be assessed as a concern,
# though a lesser one than a known flaw). The study's limitation follows from the sum over the criteria that
# apply to the claim: (at least, level).
CONCERN_WEIGHT = {"yes": Fraction(0), "partly": Fraction(1, 2), "no": Fraction(1), "not_reported": Fraction(1, 2)}
STUDY_LIMITATIONS = ((Fraction(3), "serious"), (Fraction(3, 2), "moderate"), (Fraction(0), "minor"))
NOT_A_STUDY = "not a study"


@dataclass(frozen=True)
class Rule:
    """A component has at least ``concern`` when ``metric op threshold`` holds."""

    id: str
    component: str
    concern: str
    metric: str
    op: str
    threshold: Fraction

    def holds(self, value: Fraction) -> bool:
        t = self.threshold
        return {"<=": value <= t, ">=": value >= t, ">": value > t}[self.op]

    def condition(self) -> str:
        return f"{METRICS[self.metric]} {OPS[self.op]} {self.threshold}"

    def shifted(self, direction: int) -> Rule:
        """The rule made stricter (``direction`` +1: it fires more often) or looser (-1)."""
        if self.metric.endswith("_studies"):  # counts: one study more or fewer
            return replace(self, threshold=Fraction(max(0, int(self.threshold) + direction)))
        factor = Fraction(3, 4) if direction > 0 else Fraction(5, 4)
        if self.op == ">" and self.threshold == 0:  # "any at all" cannot get stricter; looser asks for a tenth
            return self if direction > 0 else replace(self, op=">=", threshold=Fraction(1, 10))
        return replace(self, threshold=min(Fraction(1), self.threshold * factor))


F = Fraction
RULES = (
    Rule("M1", "methods", "serious", "limited_share", ">=", F(3, 4)),
    Rule("M2", "methods", "moderate", "limited_share", ">=", F(1, 2)),
    Rule("M3", "methods", "minor", "weak_share", ">=", F(1, 2)),
    Rule("C1", "coherence", "serious", "against_share", ">=", F(1, 3)),
    Rule("C2", "coherence", "moderate", "mixed_share", ">=", F(1, 3)),
    Rule("C3", "coherence", "minor", "mixed_share", ">", F(0)),
    Rule("A1", "adequacy", "serious", "independent_studies", "<=", F(1)),
    Rule("A2", "adequacy", "moderate", "independent_studies", "<=", F(3)),
    Rule("A3", "adequacy", "minor", "independent_studies", "<=", F(5)),
    Rule("R1", "relevance", "serious", "indirect_share", ">=", F(1, 2)),
    Rule("R2", "relevance", "moderate", "indirect_share", ">=", F(1, 4)),
    Rule("R3", "relevance", "minor", "indirect_share", ">", F(0)),
    Rule("R4", "relevance", "minor", "unclear_share", ">=", F(1, 2)),
)


@dataclass(frozen=True)
class OverallRule:
    """Move the overall confidence down ``steps`` levels for every component at ``concern`` (``each``), or
    once when at least ``at_least`` components are at it."""

    id: str
    concern: str
    steps: int
    each: bool
    at_least: int = 1

    def condition(self) -> str:
        if self.each:
            return f"each component with {self.concern} concerns"
        return f"{self.at_least} or more components with {self.concern} concerns"


OVERALL = (
    OverallRule("O1", "serious", 2, each=True),
    OverallRule("O2", "moderate", 1, each=True),
    OverallRule("O3", "minor", 1, each=False, at_least=2),
)


@dataclass(frozen=True)
class Cap:
    """A claim of ``applies_to`` can be rated at most ``at_most`` when ``metric op threshold`` holds."""

    id: str
    applies_to: str
    metric: str
    op: str
    threshold: Fraction
    at_most: str

    def holds(self, value: Fraction) -> bool:
        return Rule(self.id, "", "", self.metric, self.op, self.threshold).holds(value)

    def condition(self) -> str:
        return f"{METRICS[self.metric]} {OPS[self.op]} {self.threshold}"


EFFECT_CLAIMS = "claims about effects (the impact themes)"
CAPS = (Cap("E1", EFFECT_CLAIMS, "comparative_studies", "<=", F(1), "low"),)


@dataclass(frozen=True)
class Method:
    """A way of rating: the main method, or one of the alternatives of the sensitivity analysis."""

    id: str
    label: str
    independence: str = "shared_author"  # or "first_author"
    appraisal: bool = True  # False: every empirical study counts as having minor limitations
    shift: int = 0  # +1: every threshold one notch stricter; -1: looser

    def rules(self) -> tuple[Rule, ...]:
        return tuple(r.shifted(self.shift) for r in RULES) if self.shift else RULES

    def caps(self) -> tuple[Cap, ...]:
        if not self.shift:
            return CAPS
        return tuple(
            replace(c, threshold=Rule(c.id, "", "", c.metric, c.op, c.threshold).shifted(self.shift).threshold)
            for c in CAPS
        )


MAIN = Method("main", "As rated in this book")
ALTERNATIVES = (
    Method("first_author", "Independence by first author only", independence="first_author"),
    Method("looser", "Every threshold one notch looser", shift=-1),
    Method("stricter", "Every threshold one notch stricter", shift=1),
    Method("no_appraisal", "Without the per-study appraisal", appraisal=False),
)


def component_rules_table(method: Method = MAIN) -> pd.DataFrame:
    """The component rules as the book prints them."""
    return pd.DataFrame(
        [
            {
                "Rule": r.id,
                "Component": COMPONENTS[r.component],
                "At least": f"{r.concern} concerns",
                "When": r.condition(),
            }
            for r in method.rules()
        ]
    )


def overall_rules_table(method: Method = MAIN) -> pd.DataFrame:
    """How the components make the overall confidence (from *high*), and the caps, as the book prints them."""
    rows = [
        {
            "Rule": o.id,
            "Applies to": "every rated claim",
            "When": o.condition(),
            "Effect": f"{o.steps} level{'s' if o.steps > 1 else ''} down",
        }
        for o in OVERALL
    ]
    rows += [
        {"Rule": c.id, "Applies to": c.applies_to, "When": c.condition(), "Effect": f"at most {c.at_most}"}
        for c in method.caps()
    ]
    return pd.DataFrame(rows)


def study_rules_table() -> pd.DataFrame:
    """How an appraisal makes a study's limitations, as the book prints it."""
    weights = ", ".join(f"{j.replace('_', ' ')} {w}" for j, w in CONCERN_WEIGHT.items())
    rows, above = [], None
    for floor, level in STUDY_LIMITATIONS:
        span = (
            f"at least {floor}"
            if above is None
            else (f"from {floor} to less than {above}" if floor else f"less than {above}")
        )
        rows.append(
            {"Study limitations": level, "When the weights of the criteria that apply add up to": f"{span} ({weights})"}
        )
        above = floor
    rows.append(
        {
            "Study limitations": NOT_A_STUDY,
            "When the weights of the criteria that apply add up to": (
                "the work is not appraised: not a study, or not described in the source documents"
            ),
        }
    )
    return pd.DataFrame(rows)
