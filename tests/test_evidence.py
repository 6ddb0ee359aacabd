"""The evidence layer on a hand-made base whose answers are known."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from schoolcollab.errors import InputError, Problems
from schoolcollab.evidence import synthesis as syn
from schoolcollab.load import collect_evidence

from minibook import make_minibook


@pytest.fixture
def mini(tmp_path: Path):
    return make_minibook(tmp_path / "mini")


def load(project):
    problems = Problems()
    ev = collect_evidence(project, problems)
    assert not problems.items, [str(p) for p in problems]
    return ev


def test_evidence_matrix_counts_sources_and_findings(mini) -> None:
    ev = load(mini)
    m = syn.evidence_matrix(ev.tables, ev.codebook).set_index(["theme", "family"])
    # alpha2010one and alpha2012two both report leadership as a condition and both study federations
    assert m.loc[("formation_conditions", "federation"), "sources"] == 2
    assert m.loc[("formation_conditions", "federation"), "findings"] == 3
    assert m.loc[("formation_conditions", "network"), "sources"] == 1
    assert m.loc[("impact_students", "network"), "sources"] == 1
    assert m.loc[("structure_governance", "federation"), "sources"] == 0


def test_gap_map_marks_empty_and_weak_cells(mini) -> None:
    ev = load(mini)
    gaps = syn.gap_map(syn.evidence_matrix(ev.tables, ev.codebook)).set_index(["theme", "family"])
    assert gaps.loc[("structure_governance", "federation"), "status"] == "none"
    assert gaps.loc[("impact_students", "federation"), "status"] == "weak"  # one empirical source
    assert ("formation_conditions", "federation") not in gaps.index  # two empirical sources


def test_factor_frequency_counts_sources_not_findings(mini) -> None:
    ev = load(mini)
    cond = syn.factor_frequency(ev.tables, ev.codebook, "conditions").set_index("factor")
    assert cond.loc["strong_leadership", "sources"] == 2
    assert cond.loc["trust_relationships", "sources"] == 1
    assert cond.index[0] == "strong_leadership"
    barriers = syn.factor_frequency(ev.tables, ev.codebook, "barriers").set_index("factor")
    assert barriers.loc["power_imbalance", "sources"] == 1
    assert barriers.loc["funding_cessation", "sources"] == 1  # from a sustainability finding


def test_profiles(mini) -> None:
    ev = load(mini)
    designs = syn.design_profile(ev.tables, ev.codebook).set_index("design")["sources"].to_dict()
    assert designs == {"quasi_experimental": 1, "case_study": 2, "think_piece": 1}
    years = syn.year_profile(ev.tables)
    assert years.set_index("period")["sources"].to_dict() == {"2005–2009": 1, "2010–2014": 3}
    impact = syn.impact_by_domain(ev.tables, ev.codebook)
    assert set(zip(impact["direction"], impact["sources"], strict=False)) == {("positive", 1), ("no_effect", 1)}


def test_ratings_follow_the_rules(mini) -> None:
    ev = load(mini)
    r = ev.ratings.set_index("claim")
    # three supporting studies by two teams (Alpha in both author lists): moderate adequacy concerns (A2),
    # well appraised, consistent, in scope: one level down (O2)
    assert r.loc["leadership-matters", "independent"] == 2
    assert r.loc["leadership-matters", "adequacy"] == "moderate"
    assert r.loc["leadership-matters", "rating"] == "moderate"
    # one supporter (A1, serious) and half the sources against (C1, serious): four levels down, floor very low
    assert r.loc["federations-raise-attainment", "rating"] == "very low"
    assert r.loc["federations-raise-attainment", "coherence_why"].startswith("C1: 1 of 2 linked sources run against")
    assert set(r.loc["federations-raise-attainment", "applied"]) == {"C1", "A1", "M3", "R4", "O1", "O3"} or {
        "C1",
        "A1",
        "O1",
    } <= set(r.loc["federations-raise-attainment", "applied"])
    assert r.loc["governance-gap", "rating"] == "gap"


def test_new_sources_linking_to_a_claim_change_its_counts_and_rating(mini) -> None:
    before = load(mini).ratings.set_index("claim").loc["leadership-matters"]
    assert before["rating"] == "moderate" and before["independent"] == 2
    rec = yaml.safe_load((mini.sources / "gamma2014three.yaml").read_text())
    rec["design"] = "survey"
    rec["findings"] = [
        {
            "theme": "formation_conditions",
            "direction": "positive",
            "factor": "strong_leadership",
            "summary": "s",
            "where": "w",
            "claims": [{"id": "leadership-matters", "stance": "supports"}],
        }
    ]
    for key in ("delta2007four", "epsilon2013five"):
        rec["key"] = key
        (mini.sources / f"{key}.yaml").write_text(yaml.safe_dump(rec))
    after = load(mini).ratings.set_index("claim").loc["leadership-matters"]
    assert after["independent"] == 4 and after["sources"] == 5
    assert after["adequacy"] == "minor" and after["rating"] == "high"
    assert after["reasons"] == "no concerns that lower it"


def test_all_record_problems_are_reported_at_once(mini) -> None:
    path = mini.sources / "alpha2012two.yaml"
    text = path.read_text().replace("case_study", "case_stud").replace("- network", "- netwrok")
    text = text.replace("formality: formal\n", "")
    path.write_text(text)
    (mini.sources / "nobody2020x.yaml").write_text(
        (mini.sources / "gamma2014three.yaml").read_text().replace("gamma2014three", "nobody2020x")
    )
    problems = Problems()
    collect_evidence(mini, problems)
    msgs = [str(p) for p in problems]
    assert any("alpha2012two.yaml" in m and "design" in m and "'case_stud'" in m and "case_study" in m for m in msgs)
    assert any("collaboration_types[1]" in m and "'netwrok'" in m for m in msgs)
    assert any("formality" in m and "missing" in m for m in msgs)
    assert any("nobody2020x.yaml" in m and "not in references.bib" in m for m in msgs)
    # the line of a bad value is given
    bad = next(p for p in problems if p.field == "design")
    assert bad.line == next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("design:"))


def test_claim_ledger_problems_name_the_claim(mini) -> None:
    claims = yaml.safe_load(mini.claims.read_text())
    claims["claims"][0]["evidence"][0]["key"] = "missing2000key"
    claims["claims"][1]["kind"] = "finding"
    mini.claims.write_text(yaml.safe_dump(claims, sort_keys=False))
    problems = Problems()
    collect_evidence(mini, problems)
    msgs = [str(p) for p in problems]
    assert any("findings.yaml" in m and "claims[1].kind" in m and "key_finding" in m for m in msgs)
    claims["claims"][1]["kind"] = "key_finding"
    mini.claims.write_text(yaml.safe_dump(claims, sort_keys=False))
    problems = Problems()
    collect_evidence(mini, problems)
    assert any("claims[0].evidence[0].key" in str(p) and "missing2000key" in str(p) for p in problems)


def test_input_error_lists_every_problem() -> None:
    from schoolcollab.errors import Problem

    err = InputError(
        [
            Problem("b.yaml", None, "", "worse", code="file.empty"),
            Problem("a.yaml", 3, "design", "bad", "one of: case_study", code="vocab.unknown_term"),
        ]
    )
    assert str(err).splitlines() == [
        "2 problems in the book's input:",
        "  - a.yaml:3: design: bad (expected one of: case_study) [vocab.unknown_term]",
        "  - b.yaml: worse [file.empty]",
    ]


def test_codebook_value_split_by_an_unquoted_comma_is_caught(mini) -> None:
    text = mini.codebook.read_text().replace(
        'conditions:\n  strong_leadership: {label: "Strong, committed leadership"}',
        "conditions:\n  strong_leadership: {label: Strong, committed leadership}",
    )
    assert "committed leadership}" in text
    mini.codebook.write_text(text)
    problems = Problems()
    collect_evidence(mini, problems)
    assert any("strong_leadership" in str(p) and "unknown attribute" in str(p) and "quote" in str(p) for p in problems)
    assert any(p.field == "conditions.strong_leadership" and p.code == "codebook.unknown_attribute" for p in problems)
