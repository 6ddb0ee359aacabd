"""Where the book shows a rating it shows the four components and their reasons; the appraisals are shown
and complete."""

from __future__ import annotations

from pathlib import Path

import pytest

from schoolcollab.errors import Problems
from schoolcollab.evidence import synthesis as syn
from schoolcollab.evidence.codebook import EMPIRICAL_TIERS
from schoolcollab.load import collect_evidence
from schoolcollab.present import confidence_views as cv
from schoolcollab.present.evidence_views import summary_markdown
from schoolcollab.present.explorer import claims_explorer, sources_explorer

from minibook import make_minibook

LABELS = ("Methodological limitations", "Coherence", "Adequacy", "Relevance")


@pytest.fixture
def mini(tmp_path: Path):
    problems = Problems()
    ev = collect_evidence(make_minibook(tmp_path / "mini"), problems)
    assert not problems.items, [str(p) for p in problems]
    return ev


def plain(markdown: str) -> str:
    """Markdown as read: the escapes that keep data from being parsed removed."""
    return markdown.replace("\\", "")


def test_a_claim_box_shows_each_component_with_its_rule(mini) -> None:
    box = plain(cv.claim_box(mini, "federations-raise-attainment").data)
    assert "Confidence: very low" in box
    for label in LABELS:
        assert f"*{label}:*" in box
    assert "A1: 1 independent empirical study supports it" in box and "C1: 1 of 2 linked sources" in box
    assert "*Overall:* O1: serious concerns on coherence, adequacy" in box
    gap = plain(cv.claim_box(mini, "governance-gap").data)
    assert "Gap in the evidence" in gap and "Adequacy" not in gap


def test_the_summary_lists_the_components_under_each_claim(mini) -> None:
    text = plain(summary_markdown(mini).data)
    assert text.count("*Adequacy:*") == 2  # the two rated claims, not the gap
    assert "  - *Coherence:* serious concerns. C1:" in text


def test_the_explorer_shows_components_and_appraisals(mini) -> None:
    claims = claims_explorer(mini)
    assert set(LABELS) <= set(claims.cells_text.columns)
    row = claims.cells_text.set_index("Claim").loc["Leadership matters."]
    assert row["Adequacy"].startswith("moderate: A2: 2 independent empirical studies")
    sources = sources_explorer(mini).cells_text.set_index("Source")
    assert sources.loc["Alpha and Beta (2010)", "Appraisal"].startswith("Independent of the programme: yes;")
    assert sources.loc["Delta (2007)", "Appraisal"] == "not applicable (not a study)"


def test_the_appraisal_table_says_each_judgement_in_words_not_colour_alone(mini) -> None:
    shown = cv.appraisal_table(mini)
    assert len(shown.data) == 3  # the three appraised studies; the think piece is not a study
    assert set(shown.data["Comparison group"]) == {"✓ yes"}
    html = shown.to_html()
    assert '<td class="sc-j-yes">✓ yes</td>' in html
    assert "sc-j" not in shown.to_latex()  # print shows the words only


def test_rating_facts_and_evidence_base_counts_have_known_answers(mini) -> None:
    facts = cv.rating_facts(mini)
    assert facts["rated"] == 2 and facts["moderate"] == 1 and facts["very_low"] == 1 and facts["high"] == 0
    assert facts["appraised"] == 3 and facts["not_applicable"] == 1 and facts["undescribed"] == 0
    counts = syn.evidence_base_counts(mini.tables)
    assert counts == {
        "sources": 4,
        "studies": 3,
        "comparative": 1,
        "initiative_studies": 0,
        "not_studies": 1,
        "undescribed": 0,
        "from_documents": 0,
        "from_elsewhere": 4,
    }  # the mini book's own seed


def test_sensitivity_table_has_one_row_per_rated_claim(mini) -> None:
    shown = cv.sensitivity_table(mini)
    assert len(shown.data) == 2
    assert {"As rated in this book", "Independence by first author only", "Robust"} <= set(shown.data.columns)


def test_every_empirical_record_of_the_book_is_appraised(book_evidence) -> None:
    src = book_evidence.sources
    empirical = src[src["tier"].isin(EMPIRICAL_TIERS) | (src["publication_type"] == "empirical")]
    assert (empirical["appraisal"] == "appraised").all()
    assert set(src.loc[~src.index.isin(empirical.index), "appraisal"]) <= {"not_applicable", "not_reported"}
    # the matched comparison of the primary-school study counts as comparative
    assert src.set_index("key").loc["muijs2015improving", "tier"] == "comparative"
    counts = syn.evidence_base_counts(book_evidence.tables)
    assert counts["comparative"] >= 3 and counts["initiative_studies"] <= counts["studies"]


def test_every_rated_claim_of_the_book_states_its_scope_and_gets_four_reasons(book_evidence) -> None:
    rated = book_evidence.ratings[book_evidence.ratings["rating"] != "gap"]
    for comp in ("methods", "coherence", "adequacy", "relevance"):
        assert rated[f"{comp}_why"].str.len().gt(10).all()
    assert book_evidence.claims["scope"].map(lambda s: {"countries", "phases", "families", "period"} <= set(s)).all()


def test_the_added_evidence_box_is_absent_until_a_study_is_added(mini) -> None:
    from schoolcollab.present.edition_views import added_evidence

    # the mini book's records are coded from its own seed, not from the two source documents: all "added"
    box = added_evidence(mini, "impact")
    assert box is not None and "Evidence added since the review" in box.data and "alpha2010one" in box.data
    assert added_evidence(mini, "structure") is None  # no finding on structure: no output at all
