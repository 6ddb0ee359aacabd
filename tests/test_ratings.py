"""The four GRADE-CERQual components, the overall rules and the effect cap, on hand-made evidence with known answers.

Each test builds a tiny evidence base directly as :class:`RatingInputs` (no files), so the answer follows
from the rules alone.
"""

from __future__ import annotations

import random
import re
from fractions import Fraction

import pandas as pd
import pytest

from schoolcollab.evidence.appraisal import APPRAISAL_COLUMNS
from schoolcollab.evidence.claim_metrics import ClaimEvidence, author_ids, fit_to_scope, independent_groups
from schoolcollab.evidence.rating_rules import (
    ALTERNATIVES,
    CAPS,
    COMPONENTS,
    CONCERNS,
    MAIN,
    METRICS,
    OPS,
    OVERALL,
    RULES,
    component_rules_table,
    overall_rules_table,
)
from schoolcollab.evidence.ratings import RatingInputs, _component, rate_claims
from schoolcollab.evidence.sensitivity import sensitivity

CRITERIA = {
    "independence": "all",
    "comparison": "effects",
    "sample": "all",
    "voices": "all",
    "time_span": "all",
    "reporting": "all",
}
ENGLAND = {"countries": ["england"], "phases": "all", "families": "all", "period": {"from": 1999, "to": 2015}}


def study(
    tier: str = "empirical", countries=("england",), phases=("primary",), families=("network",), year: int | None = 2010
) -> dict:
    return {
        "tier": tier,
        "countries": tuple(countries),
        "phases": tuple(phases),
        "families": tuple(families),
        "year": year,
    }


def appraised(key: str, judgement: str = "yes", **overrides: str) -> list[dict]:
    return [
        {
            "key": key,
            "criterion": c,
            "applies_to": a,
            "judgement": overrides.get(c, judgement),
            "reason": "r",
            "where": "w",
        }
        for c, a in CRITERIA.items()
    ]


def inputs(
    links: list[tuple[str, str]],
    sources: dict[str, dict],
    authors: dict[str, str],
    theme: str = "formation_conditions",
    scope: dict | None = None,
    appraisals: list[dict] | None = None,
    status: dict[str, str] | None = None,
) -> RatingInputs:
    """One claim 'c' linked to the given (key, stance) pairs; every source appraised 'yes' throughout unless told."""
    claims = pd.DataFrame(
        [{"id": "c", "kind": "key_finding", "theme": theme, "statement": "s", "scope": scope or ENGLAND}]
    )
    link_df = pd.DataFrame([{"claim": "c", "key": k, "stance": s, "why": "", "via": "ledger"} for k, s in links])
    if appraisals is None:
        appraisals = [row for k in sources for row in appraised(k)]
    status = status or {k: "appraised" for k in sources}
    return RatingInputs(claims, link_df, sources, authors, pd.DataFrame(appraisals, columns=APPRAISAL_COLUMNS), status)


def rated(inp: RatingInputs, method=MAIN) -> pd.Series:
    return rate_claims(inp, method).set_index("claim").loc["c"]


NAMES = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf")
SIX = {f"s{i}": study() for i in range(6)}
SIX_AUTHORS = {f"s{i}": f"{NAMES[i]}, A." for i in range(6)}


# ------------------------------------------------------------------ independence (adequacy)
def test_author_ids_handle_both_name_orders_and_corporate_authors() -> None:
    assert author_ids("Chapman, C. and Muijs, D.") == ["chapman c", "muijs d"]
    assert author_ids("Daniel Muijs and others") == ["muijs d"]
    assert author_ids("{Department for Education}") == ["department for education"]


def test_a_shared_author_anywhere_in_the_lists_makes_one_team() -> None:
    authors = {"chapman2014": "Chapman, C. and Muijs, D.", "muijs2015": "Muijs, D.", "hill2012": "Hill, R."}
    assert independent_groups(list(authors), authors) == [["chapman2014", "muijs2015"], ["hill2012"]]
    # the rule the book used to apply: first authors differ, so two teams
    assert len(independent_groups(["chapman2014", "muijs2015"], authors, "first_author")) == 2


def test_reports_on_one_programme_for_one_commissioner_are_one_team() -> None:
    authors = {"stoll": "Stoll, L.", "rea": "Rea, S. and Gu, Q.", "other": "Hill, R."}
    programmes = {"stoll": "teaching_schools for DfE", "rea": "teaching_schools for DfE", "other": None}
    assert independent_groups(list(authors), authors, programmes=programmes) == [["other"], ["rea", "stoll"]]
    assert len(independent_groups(list(authors), authors, "first_author", programmes)) == 3


def test_teams_chain_through_shared_authors() -> None:
    authors = {"a": "Alpha, A. and Beta, B.", "b": "Beta, B. and Gamma, G.", "c": "Gamma, G.", "d": "Delta, D."}
    assert independent_groups(list(authors), authors) == [["a", "b", "c"], ["d"]]


def test_adequacy_counts_independent_studies_not_sources() -> None:
    sources = {k: study() for k in "abcd"}
    authors = {"a": "Alpha, A.", "b": "Alpha, A. and Beta, B.", "c": "Beta, B.", "d": "Delta, D."}
    r = rated(inputs([(k, "supports") for k in "abcd"], sources, authors))
    assert r["studies"] == 4 and r["independent"] == 2
    assert r["adequacy"] == "moderate" and r["adequacy_why"].startswith("A2: 2 independent empirical studies")
    assert "a + b + c count as one team" in r["adequacy_why"]


def test_adequacy_levels_by_number_of_independent_studies() -> None:
    for n, level in ((1, "serious"), (2, "moderate"), (3, "moderate"), (4, "minor"), (5, "minor"), (6, CONCERNS[0])):
        keys = [f"s{i}" for i in range(n)]
        r = rated(
            inputs(
                [(k, "supports") for k in keys],
                {k: SIX.get(k, study()) for k in keys},
                {k: f"{NAMES[int(k[1:])]}, A." for k in keys},
            )
        )
        assert r["adequacy"] == level, n


def test_works_that_are_not_studies_give_no_adequacy() -> None:
    sources = {"a": study(), "b": study(tier="opinion"), "c": study(tier="opinion")}
    r = rated(
        inputs(
            [(k, "supports") for k in sources],
            sources,
            {k: k for k in sources},
            appraisals=appraised("a"),
            status={"a": "appraised", "b": "not_applicable", "c": "not_applicable"},
        )
    )
    assert r["studies"] == 1 and r["adequacy"] == "serious"
    # and they count as limitations: 2 of 3 supporting sources are not studies
    assert r["methods"] == "moderate" and r["methods_why"].startswith("M2: 2 of 3 supporting sources")


# ------------------------------------------------------------------ methodological limitations
def test_weak_appraisals_raise_methodological_concerns() -> None:
    rows = [row for k in SIX for row in appraised(k, "no")]
    r = rated(inputs([(k, "supports") for k in SIX], SIX, SIX_AUTHORS, appraisals=rows))
    assert r["methods"] == "serious" and r["methods_why"].startswith("M1: 6 of 6")
    # left unclear by the documents counts half: five unclear criteria make moderate limitations (M3, minor)
    rows = [row for k in SIX for row in appraised(k, "not_reported")]
    assert rated(inputs([(k, "supports") for k in SIX], SIX, SIX_AUTHORS, appraisals=rows))["methods"] == "minor"
    assert r["rating"] == "low"  # serious methods (O1, two levels), nothing else


def test_comparison_counts_only_for_claims_about_effects() -> None:
    # every study lacks a comparison group and fails two criteria besides: 2 concerns for a claim about
    # conditions (moderate limitations), 3 for a claim about effects (serious)
    rows = [row for k in SIX for row in appraised(k, comparison="no", voices="no", time_span="no")]
    links = [(k, "supports") for k in SIX]
    conditions = rated(inputs(links, SIX, SIX_AUTHORS, appraisals=rows))
    effects = rated(inputs(links, SIX, SIX_AUTHORS, theme="impact_teachers", appraisals=rows))
    assert conditions["methods"] == "minor"  # M3: every study has moderate limitations
    assert effects["methods"] == "serious"  # M1: every study has serious limitations


def test_partly_counts_half() -> None:
    rows = [row for k in SIX for row in appraised(k, voices="partly", time_span="partly")]  # weight 1.0: minor
    assert rated(inputs([(k, "supports") for k in SIX], SIX, SIX_AUTHORS, appraisals=rows))["methods"] == CONCERNS[0]
    rows = [row for k in SIX for row in appraised(k, voices="partly", time_span="partly", sample="partly")]
    assert rated(inputs([(k, "supports") for k in SIX], SIX, SIX_AUTHORS, appraisals=rows))["methods"] == "minor"


# ------------------------------------------------------------------ coherence
@pytest.mark.parametrize(
    "stances, level, rule",
    [
        (["supports"] * 6, CONCERNS[0], None),
        (["supports"] * 5 + ["mixed"], "minor", "C3"),
        (["supports"] * 4 + ["mixed"] * 2, "moderate", "C2"),
        (["supports"] * 4 + ["against"] * 2, "serious", "C1"),
    ],
)
def test_coherence_follows_the_directions_of_findings(stances, level, rule) -> None:
    r = rated(inputs(list(zip(SIX, stances, strict=False)), SIX, SIX_AUTHORS))
    assert r["coherence"] == level
    assert (rule in r["applied"]) if rule else not any(a.startswith("C") for a in r["applied"])


# ------------------------------------------------------------------ relevance
def test_fit_to_scope_per_dimension() -> None:
    primary = {**ENGLAND, "phases": ["primary"], "families": ["federation"]}
    assert fit_to_scope(study(families=("federation",)), primary) == ("direct", [])
    assert fit_to_scope(study(countries=("finland",), families=("federation",)), primary) == ("indirect", ["country"])
    assert fit_to_scope(study(phases=("secondary",), families=("network",)), primary) == ("indirect", ["phase", "form"])
    assert fit_to_scope(study(year=1995, families=("federation",)), primary) == ("indirect", ["period"])
    assert fit_to_scope(study(phases=("not_reported",), families=()), primary) == ("unclear", ["phase", "form"])
    assert fit_to_scope(study(phases=("all_through",), families=("federation",)), primary) == ("direct", [])


def test_relevance_levels() -> None:
    def with_foreign(n: int) -> pd.Series:
        sources = {k: (study(countries=("usa",)) if i < n else study()) for i, k in enumerate(SIX)}
        return rated(inputs([(k, "supports") for k in SIX], sources, SIX_AUTHORS))

    assert with_foreign(0)["relevance"] == CONCERNS[0]
    assert with_foreign(1)["relevance"] == "minor"
    assert with_foreign(2)["relevance"] == "moderate"
    assert with_foreign(3)["relevance"] == "serious"
    assert "by country" in with_foreign(3)["relevance_why"]


def test_sources_of_unclear_fit_raise_minor_concerns() -> None:
    sources = {k: (study(countries=("not_reported",)) if i < 3 else study()) for i, k in enumerate(SIX)}
    r = rated(inputs([(k, "supports") for k in SIX], sources, SIX_AUTHORS))
    assert r["relevance"] == "minor" and r["relevance_why"].startswith("R4: 3 of 6")


# ------------------------------------------------------------------ overall and the effect cap
def test_two_minor_concerns_cost_one_level_and_one_costs_none() -> None:
    one = rated(inputs([(k, "supports") for k in list(SIX)[:5]], {k: SIX[k] for k in list(SIX)[:5]}, SIX_AUTHORS))
    assert one["adequacy"] == "minor" and one["rating"] == "high"
    two = rated(
        inputs(
            [(k, s) for k, s in zip(list(SIX)[:5], ["supports"] * 4 + ["mixed"], strict=False)],
            {k: SIX[k] for k in list(SIX)[:5]},
            SIX_AUTHORS,
        )
    )
    assert two["coherence"] == "minor" and two["adequacy"] == "minor" and two["rating"] == "moderate"
    assert set(two["applied"]) == {"C3", "A3", "O3"}


def test_claims_about_effects_need_two_independent_comparative_studies() -> None:
    links = [(k, "supports") for k in SIX]
    none = rated(inputs(links, SIX, SIX_AUTHORS, theme="impact_students"))
    assert none["rating"] == "low" and "E1" in none["applied"]
    one = {**SIX, "s0": study(tier="comparative")}
    assert rated(inputs(links, one, SIX_AUTHORS, theme="impact_students"))["rating"] == "low"
    # two comparative studies, but by one team (a shared author): still one
    same_team = {**SIX, "s0": study(tier="comparative"), "s1": study(tier="comparative")}
    shared = {**SIX_AUTHORS, "s1": "Alpha, A. and Other, O."}
    r = rated(inputs(links, same_team, shared, theme="impact_students"))
    assert r["comparative"] == 1 and r["rating"] == "low"
    r = rated(inputs(links, same_team, SIX_AUTHORS, theme="impact_students"))
    assert r["comparative"] == 2 and r["rating"] == "high" and "E1" not in r["applied"]
    # the cap never concerns claims that are not about effects
    assert rated(inputs(links, SIX, SIX_AUTHORS))["rating"] == "high"


def test_gaps_are_not_rated() -> None:
    inp = inputs([("s0", "supports")], SIX, SIX_AUTHORS)
    inp.claims.loc[0, "kind"] = "gap"
    r = rate_claims(inp).iloc[0]
    assert r["rating"] == "gap" and r["applied"] == ()


# ------------------------------------------------------------------ the printed rules are the applied rules
def _printed_rules() -> list[tuple[str, str, str, str, Fraction]]:
    """The component rules read back from the table the book prints: (id, component, concern, metric, test)."""
    by_label = {v: k for k, v in METRICS.items()}
    comp_by_label = {v: k for k, v in COMPONENTS.items()}
    out = []
    for row in component_rules_table().itertuples(index=False):
        m = re.fullmatch(r"(.+) (≤|≥|>) (\d+(?:/\d+)?)", row.When)
        assert m, row.When
        op = {v: k for k, v in OPS.items()}[m.group(2)]
        out.append(
            (
                row.Rule,
                comp_by_label[row.Component],
                row._2.removesuffix(" concerns"),
                by_label[m.group(1)],
                op,
                Fraction(m.group(3)),
            )
        )
    return out


def test_every_applied_component_rule_is_printed_and_every_printed_rule_applies() -> None:
    printed = _printed_rules()
    assert {p[0] for p in printed} == {r.id for r in RULES}
    rng = random.Random(20261201)
    for _ in range(2000):
        metrics = {
            m: (Fraction(rng.randint(0, 8)) if m.endswith("_studies") else Fraction(rng.randint(0, 12), 12))
            for m in METRICS
        }
        ce = ClaimEvidence(6, 6, 0, 0, [], [], [], [], {}, {}, metrics)
        for comp in COMPONENTS:
            holds = [
                (pid, concern)
                for pid, c, concern, metric, op, t in printed
                if c == comp and {"<=": metrics[metric] <= t, ">=": metrics[metric] >= t, ">": metrics[metric] > t}[op]
            ]
            want = max((CONCERNS.index(c) for _, c in holds), default=0)
            level, _, fired = _component(comp, RULES, ce)
            assert CONCERNS.index(level) == want, (comp, metrics)
            assert all(f in {pid for pid, _ in holds} for f in fired)


def test_every_overall_rule_and_cap_is_printed() -> None:
    printed = set(overall_rules_table()["Rule"])
    assert printed == {o.id for o in OVERALL} | {c.id for c in CAPS}


def test_ratings_of_the_book_apply_only_printed_rules(book_evidence) -> None:
    printed = set(component_rules_table()["Rule"]) | set(overall_rules_table()["Rule"])
    applied = {a for row in book_evidence.ratings["applied"] for a in row}
    assert applied <= printed
    assert {"A1", "O1", "O2"} <= applied  # the book's evidence exercises the main rules


# ------------------------------------------------------------------ sensitivity
def test_sensitivity_reruns_the_engine_under_each_alternative() -> None:
    sources = {"chapman": study(), "muijs": study(), "hill": study()}
    authors = {"chapman": "Chapman, C. and Muijs, D.", "muijs": "Muijs, D.", "hill": "Hill, R."}
    inp = inputs([(k, "supports") for k in sources], sources, authors)
    table = sensitivity(inp).set_index("claim").loc["c"]
    assert table["main"] == "moderate"  # two independent teams: A2
    assert table["first_author"] == "moderate"  # three first authors: still A2 (≤ 3)
    assert table["stricter"] == "low"  # A1 now fires at ≤ 2: serious
    assert table["looser"] == "moderate"  # A2 now fires at ≤ 2: still moderate
    assert set(table.index) >= {a.id for a in ALTERNATIVES} | {"robust", "down", "up"}


def test_sensitivity_finds_a_claim_that_depends_on_the_independence_rule() -> None:
    sources = {k: study() for k in "abcd"}
    authors = {
        "a": "Alpha, A. and Beta, B.",
        "b": "Beta, B. and Gamma, G.",
        "c": "Gamma, G. and Delta, D.",
        "d": "Delta, D.",
    }
    row = sensitivity(inputs([(k, "supports") for k in sources], sources, authors)).iloc[0]
    assert row["main"] == "low"  # one team: A1, serious adequacy
    assert row["first_author"] == "high"  # four first authors: A3, minor only
    assert not row["robust"] and row["up"] == 2
