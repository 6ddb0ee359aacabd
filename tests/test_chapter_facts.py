"""The named facts the chapters glue (``present.theme_facts``, ``overview_facts``, ``matched_facts``),
checked against the data files read here directly, not through the package's loaders and synthesis."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from IPython.display import Markdown

import schoolcollab as sc
from schoolcollab.errors import InputError
from schoolcollab.present import theme_facts

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """The source records and the codebook as the YAML files hold them."""
    records = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((DATA / "sources").glob("*.yaml"))]
    codebook = yaml.safe_load((DATA / "codebook.yaml").read_text(encoding="utf-8"))
    return {"records": records, "codebook": codebook, "by_key": {r["key"]: r for r in records}}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def sources_with(
    raw: dict[str, Any], family: str | None = None, themes: tuple[str, ...] = (), **match: str
) -> set[str]:
    """Keys of the records with a finding matching ``match`` (and on one of ``themes``, when given), whose
    collaboration types include ``family`` (sources naming no type are 'unspecified')."""
    families = raw["codebook"]["collaboration_types"]
    keys = set()
    for r in raw["records"]:
        # a type outside the codebook's list ("not_reported") names no family
        fams = {families[t]["family"] for t in r.get("collaboration_types") or [] if t in families} or {"unspecified"}
        if family is not None and family not in fams:
            continue
        for f in r.get("findings") or []:
            if all(f.get(k) == v for k, v in match.items()) and (not themes or f["theme"] in themes):
                keys.add(r["key"])
    return keys


def _findings(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for r in raw["records"] for f in r.get("findings") or []]


def _factor_counts(raw: dict[str, Any], kind: str, theme: str) -> dict[str, int]:
    return {f: len(sources_with(raw, themes=(theme, "sustainability"), factor=f)) for f in raw["codebook"][kind]}


def test_structure_facts_count_the_records(book_evidence, raw) -> None:
    facts = sc.present.structure_facts(book_evidence)
    for theme in ("type", "leadership", "management", "governance"):
        assert facts[f"structure-n-{theme}"] == len(sources_with(raw, theme=f"structure_{theme}"))
    structural = [f for f in _findings(raw) if f["theme"].startswith("structure_")]
    assert facts["structure-n-findings"] == len(structural) > 0
    assert facts["structure-n-descriptive"] == sum(f["direction"] == "descriptive" for f in structural)
    assert facts["structure-n-type-fed"] == len(sources_with(raw, "federation", theme="structure_type"))
    assert facts["structure-n-type-chain"] == len(sources_with(raw, "academy_chain", theme="structure_type"))
    assert facts["structure-n-governance-fed"] == len(sources_with(raw, "federation", theme="structure_governance"))
    assert facts["structure-n-leadership-support"] == len(
        sources_with(raw, "school_support", theme="structure_leadership")
    )
    for name, key in theme_facts.STRUCTURE_SAMPLES.items():
        assert facts[name] == raw["by_key"][key]["sample"]["size"]
    starts = {
        row["id"]: int(row["start_year"]) for row in _csv(DATA / "review" / "initiatives.csv") if row["start_year"]
    }
    for name, initiative in theme_facts.STRUCTURE_STARTS.items():
        assert facts[name] == starts[initiative]
    roles = yaml.safe_load((DATA / "review" / "system_leadership.yaml").read_text(encoding="utf-8"))
    assert facts["structure-n-roles"] == len(roles)


def test_impact_facts_count_the_records(book_evidence, raw) -> None:
    facts = sc.present.impact_facts(book_evidence)
    attainment = {"theme": "impact_students", "domain": "attainment"}
    for direction in ("positive", "mixed", "no_effect"):
        assert facts[f"impact-att-{direction}"] == len(sources_with(raw, **attainment, direction=direction))
    assert facts["impact-att-all"] == len(sources_with(raw, **attainment)) >= facts["impact-att-positive"]
    assert facts["impact-n-teachers"] == len(sources_with(raw, theme="impact_teachers"))
    assert facts["impact-n-leadership"] == len(
        sources_with(raw, theme="impact_leadership", domain="leadership_capacity")
    )
    assert facts["impact-n-finance"] == len(sources_with(raw, theme="impact_finance"))
    assert facts["impact-n-cases"] == len(_csv(DATA / "muijs2015" / "partnerships.csv"))
    assert facts["impact-cm-schools"] == raw["by_key"]["chapman2014school"]["sample"]["size"]


@pytest.mark.parametrize(("fn", "kind", "theme", "prefix"), [
    (sc.present.formation_facts, "drivers", "formation_drivers", "formation-n"),
    (sc.present.formation_facts, "conditions", "formation_conditions", "formation-n"),
    (sc.present.challenges_facts, "barriers", "challenges", "challenges-n"),
])  # fmt: skip
def test_every_factor_is_counted_by_the_sources_reporting_it(book_evidence, raw, fn, kind, theme, prefix) -> None:
    facts = fn(book_evidence)
    counts = _factor_counts(raw, kind, theme)
    assert {f: facts[f"{prefix}-{f.replace('_', '-')}"] for f in counts} == counts
    assert any(counts.values())


def test_the_most_reported_conditions_and_barriers_are_named_with_their_count(book_evidence, raw) -> None:
    labels = {k: v["label"] for kind in ("conditions", "barriers") for k, v in raw["codebook"][kind].items()}
    formation = sc.present.formation_facts(book_evidence)
    conditions = _factor_counts(raw, "conditions", "formation_conditions")
    most = max(conditions.values())
    top = [f for f, n in conditions.items() if n == most]
    assert formation["formation-top-n"] == most and formation["formation-n-top-conditions"] == len(top)
    phrase = re.sub(r"\\(.)", r"\1", formation["formation-top-conditions"].data)  # Markdown escapes undone
    assert all(labels[f][0].lower() + labels[f][1:] in phrase for f in top)
    assert formation["formation-n-condition-kinds"] == sum(n > 0 for n in conditions.values())
    challenges = sc.present.challenges_facts(book_evidence)
    barriers = _factor_counts(raw, "barriers", "challenges")
    assert challenges["challenges-top-n"] == max(barriers.values())
    for factor, n in barriers.items():
        phrase = challenges[f"challenges-sources-{factor.replace('_', '-')}"]
        assert isinstance(phrase, Markdown) and phrase.data == (f"{n} source" if n == 1 else f"{n} sources")


def test_sustainability_facts_count_the_records(book_evidence, raw) -> None:
    facts = sc.present.sustainability_facts(book_evidence)
    assert facts["sustainability-n-sources"] == len(sources_with(raw, theme="sustainability"))
    assert facts["sustainability-n-funding"] == len(
        sources_with(raw, theme="sustainability", factor="funding_cessation")
    )
    assert facts["sustainability-n-threat"] == len(sources_with(raw, theme="sustainability", direction="negative"))
    assert facts["sustainability-n-enabling"] == len(sources_with(raw, theme="sustainability", direction="positive"))
    assert facts["sustainability-hl-n"] == raw["by_key"]["hayes2013local"]["sample"]["size"]


def test_summary_facts_count_the_ledger_and_every_claim_has_one_rating(book_evidence, raw) -> None:
    facts = sc.present.summary_facts(book_evidence)
    claims = yaml.safe_load((DATA / "findings.yaml").read_text(encoding="utf-8"))["claims"]
    assert facts["summary-n-sources"] == len(raw["records"])
    assert facts["summary-n-findings"] == len(_findings(raw))
    assert facts["summary-n-gaps"] == sum(c["kind"] == "gap" for c in claims)
    assert facts["summary-n-claims"] == sum(c["kind"] != "gap" for c in claims)
    levels = sum(facts[f"summary-n-{level}"] for level in ("high", "moderate", "low", "very-low"))
    assert levels == facts["summary-n-claims"]


def test_methods_facts_describe_the_search_and_the_records(book_evidence, raw) -> None:
    strategy = yaml.safe_load((DATA / "review" / "search_strategy.yaml").read_text(encoding="utf-8"))
    facts = sc.present.methods_facts(book_evidence, sc.search_strategy())
    assert facts["n_search_strings"] == len(strategy["keywords"])
    assert facts["n_included"] == strategy["screening"][-1]["count"]
    assert facts["methods-n-sources"] == len(raw["records"])
    assert facts["methods-n-from-documents"] + facts["methods-n-from-elsewhere"] == len(raw["records"])
    assert facts["methods-n-design-unknown"] == sum(r["design"] == "not_reported" for r in raw["records"])
    assert facts["methods-n-england"] == sum("england" in r["country"] for r in raw["records"])
    assert facts["methods-edition"].data == f"**{sc.edition_status()}**"
    assert {k.removeprefix("ratings-"): v for k, v in facts.items() if k.startswith("ratings-")} == (
        sc.present.rating_facts(book_evidence)
    )


def test_the_empty_impact_cells_are_those_no_source_addresses(book_evidence, raw) -> None:
    facts = sc.present.conclusions_facts(book_evidence)
    themes, families = raw["codebook"]["themes"], raw["codebook"]["families"]
    expected = [
        f"{themes[t]['label'].lower()} in {families[f]['label'].lower()}"
        for t in themes
        if t.startswith("impact_")
        for f in families
        if not sources_with(raw, f, theme=t)
    ]
    assert sorted(facts["gaps-empty-impact"].data.split("; ")) == sorted(expected or ["none"])
    assert facts["gaps-n-cells"] >= facts["gaps-n-empty"] + facts["gaps-n-weak"]
    assert facts["gaps-n-empty"] >= len(expected)


def test_the_appendices_and_editions_count_their_files() -> None:
    rows = _csv(DATA / "review" / "initiatives.csv")
    facts = sc.present.initiatives_facts(sc.initiatives())
    years = [int(r["start_year"]) for r in rows if r["start_year"]]
    assert facts == {
        "n_initiatives": len(rows),
        "first_initiative_year": min(years),
        "n_ongoing": sum(r["ongoing"] == "true" for r in rows),
        "n_undated": len(rows) - len(years),
    }
    glossary = yaml.safe_load((DATA / "review" / "glossary.yaml").read_text(encoding="utf-8"))
    assert sc.present.glossary_facts(sc.glossary()) == {"n_terms": len(glossary)}
    editions = sc.present.editions_facts(sc.edition_history())
    assert editions["editions-n"] >= 1 and editions["editions-status"].data == f"**{sc.edition_status()}**"


def test_changes_facts_say_what_changed_since_the_last_edition(book_evidence) -> None:
    changes = sc.edition_changes(book_evidence)
    facts = sc.present.changes_facts(changes)
    assert facts["changes-findings-now"] == len(book_evidence.findings)
    assert facts["changes-n-added"] == len(changes.added) and facts["changes-n-cells"] == len(changes.cells)
    since = facts["changes-since"].data
    assert since == (f"**{changes.since}**" if changes.since else "no earlier edition")


def test_matched_study_facts_are_the_published_figures() -> None:
    facts = sc.present.matched_study_facts()
    study = yaml.safe_load((DATA / "muijs2015" / "study.yaml").read_text(encoding="utf-8"))
    for key in ("schools_involved", "networks", "supported_schools", "supporting_schools"):
        assert facts[f"ms-{key}"] == study["programme"][key]
    assert facts["ms-interviews"] == study["qualitative"]["interviews"]["total"]
    types = [row["type"] for row in _csv(DATA / "muijs2015" / "partnerships.csv")]
    assert [facts[f"ms-cases-type-{t}"] for t in ("I", "II", "III")] == [types.count(t) for t in ("I", "II", "III")]
    coefs = _csv(DATA / "muijs2015" / "published_coefficients.csv")
    effects = [r for r in coefs if r["table"] == "4" and r["term"] == "partnership"]
    assert len(effects) == 8
    for r in effects:
        name = f"{r['sample']}-{r['year']}"
        assert facts[f"ms-eff-{name}"] == float(r["coefficient"]) and facts[f"ms-se-{name}"] == float(r["se"])
        assert facts[f"ms-z-{name}"] == pytest.approx(float(r["coefficient"]) / float(r["se"]))
    assert facts["ms-n-cells"] == sum(r["coefficient"] != "" for r in coefs)
    assert facts["ms-n-missing"] == sum(r["coefficient"] == "" for r in coefs)
    shares = [float(r["value"]) for r in _csv(DATA / "muijs2015" / "published_variance.csv")
              if r["table"] == "2" and r["quantity"] == "pct_level2"]  # fmt: skip
    assert (facts["ms-share-min"], facts["ms-share-max"]) == (min(shares), max(shares))


def test_replication_facts_summarise_the_simulated_studies() -> None:
    import schoolcollab.study.replication as rp

    rep = rp.replication(4)  # a small run: the facts' arithmetic, not the simulation's quality
    facts = sc.present.replication_facts(rep)
    assert facts["ms-reps"] == 4
    assert 0 <= facts["ms-cover-min"] <= facts["ms-cover-mean"] <= facts["ms-cover-max"] <= 100
    assert facts["ms-mc-se"] == pytest.approx(facts["ms-sim-sd"] / math.sqrt(4))
    assert facts["ms-pool"] == rep.calibrations["supported"].n_pool
    year3 = rep.runs[(rep.runs["sample"] == "supported") & (rep.runs["year"] == 3)]
    assert facts["ms-power-s3"] == pytest.approx(100 * year3["significant"].mean())
    assert facts["ms-max-bias"] == pytest.approx(float(rep.summary["bias"].abs().max()))


def test_a_missing_sample_size_names_the_record_and_the_field(book_evidence) -> None:
    with pytest.raises(InputError, match=r"nobody2000none\.yaml: sample_size"):
        theme_facts.sample_size(book_evidence, "nobody2000none")
    with pytest.raises(InputError, match=r"initiatives\.csv: no_such_programme\.start_year"):
        theme_facts.start_year("no_such_programme")


def test_two_facts_with_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="both called a-b"):
        theme_facts._merge({"a-b": 1}, {"a-b": 2})


CHAPTER_FACTS = {  # chapter -> the facts its top cell glues
    "structure": lambda ev: sc.present.structure_facts(ev),
    "impact": lambda ev: sc.present.impact_facts(ev),
    "formation": lambda ev: sc.present.formation_facts(ev),
    "challenges": lambda ev: sc.present.challenges_facts(ev),
    "sustainability": lambda ev: sc.present.sustainability_facts(ev),
    "summary": lambda ev: sc.present.summary_facts(ev),
    "methods": lambda ev: sc.present.methods_facts(ev, sc.search_strategy()),
    "conclusions": lambda ev: sc.present.conclusions_facts(ev),
    "explorer": lambda ev: sc.present.explorer_facts(ev),
    "introduction": lambda ev: sc.present.initiatives_facts(sc.initiatives()),
    "appendix-initiatives": lambda ev: sc.present.initiatives_facts(sc.initiatives()),
    "appendix-glossary": lambda ev: sc.present.glossary_facts(sc.glossary()),
    "editions": lambda ev: sc.present.editions_facts(sc.edition_history()),
    "changes": lambda ev: sc.present.changes_facts(sc.edition_changes(ev)),
    "matched-study": lambda ev: sc.present.matched_study_facts(),
}
GLUE_ROLE = re.compile(r"\{glue(?::text|:md|:)?\}`([^`:]+)")


@pytest.mark.parametrize("chapter", sorted(CHAPTER_FACTS))
def test_every_fact_a_chapter_cites_is_glued_by_its_facts_or_its_own_cell(book_evidence, chapter) -> None:
    text = (ROOT / "chapters" / f"{chapter}.md").read_text(encoding="utf-8")
    cited = set(GLUE_ROLE.findall(text))
    glued_here = set(re.findall(r"glue\(\"([^\"]+)\"", text))
    facts = set(CHAPTER_FACTS[chapter](book_evidence))
    if chapter == "matched-study":  # its second cell glues what the simulation found (a small run has the names)
        import schoolcollab.study.replication as rp

        facts |= set(sc.present.replication_facts(rp.replication(4)))
    missing = cited - facts - glued_here
    assert not missing, f"{chapter} cites facts nobody glues: {sorted(missing)}"
    assert "_facts(" in text, f"{chapter} should glue its facts from the package"
