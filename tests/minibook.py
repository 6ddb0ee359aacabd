"""A tiny hand-made evidence base whose answers are known, for testing the synthesis and ratings."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from schoolcollab.paths import Project

ROOT = Path(__file__).resolve().parents[1]

BIB = """\
@article{alpha2010one, author = {Alpha, A. and Beta, B.}, title = {One}, journal = {J}, year = {2010}}
@article{alpha2012two, author = {Alpha, A.}, title = {Two}, journal = {J}, year = {2012}}
@article{gamma2014three, author = {Gamma, G.}, title = {Three}, journal = {J}, year = {2014}}
@techreport{delta2007four, author = {Delta, D.}, title = {Four}, institution = {I}, year = {2007}}
@article{epsilon2013five, author = {Epsilon, E.}, title = {Five}, journal = {J}, year = {2013}}
@book{seed2015review, author = {Seed, S.}, title = {Review}, publisher = {P}, year = {2015}}
"""
INITIATIVES = """\
id,name,abbreviation,start_year,end_year,ongoing,summary,source,seed_location,note
city_challenge,City Challenge,,2008,2011,false,Area programme.,seed2015review,App 1,
"""


CRITERIA = ("independence", "comparison", "sample", "voices", "time_span", "reporting")


def appraisal(judgement: str = "yes", **overrides: str) -> dict:
    """An appraisal block judging every criterion ``judgement`` unless overridden."""
    return {c: {"judgement": overrides.get(c, judgement), "reason": "r", "where": "w"} for c in CRITERIA}


def record(key: str, design: str, types: list[str], findings: list[dict]) -> dict:
    study = design not in ("think_piece", "policy_document", "literature_review")
    return {
        "key": key,
        "coded_from": [{"seed": "seed2015review", "sections": ["Impact"]}],
        "publication_type": "empirical" if study else "commentary",
        "design": design,
        "aims": "not_reported",
        "sample": {"description": "not_reported", "unit": "not_reported", "size": "not_reported"},
        "country": ["england"],
        "country_reason": "The seed says so.",
        "phase": ["primary"],
        "formality": "formal",
        "collaboration_types": types,
        "initiative": "not_reported",
        "findings": findings,
        "appraisal": appraisal() if study else "not_applicable",
    }


def finding(theme: str, direction: str, **extra: str) -> dict:
    return {"theme": theme, "direction": direction, "summary": "s", "where": "w", **extra}


RECORDS = [
    record(
        "alpha2010one",
        "quasi_experimental",
        ["fed_performance"],
        [
            finding("impact_students", "positive", domain="attainment"),
            finding("formation_conditions", "positive", factor="strong_leadership"),
            finding("challenges", "negative", factor="power_imbalance"),
        ],
    ),
    record(
        "alpha2012two",
        "case_study",
        ["fed_performance", "network"],
        [
            finding("formation_conditions", "positive", factor="strong_leadership"),
            finding("formation_conditions", "positive", factor="trust_relationships"),
        ],
    ),
    record(
        "gamma2014three",
        "case_study",
        ["network"],
        [
            finding("impact_students", "no_effect", domain="attainment"),
            finding("sustainability", "negative", factor="funding_cessation"),
        ],
    ),
    record("delta2007four", "think_piece", [], [finding("context", "descriptive")]),
]
SCOPE = {"countries": ["england"], "phases": "all", "families": "all", "period": {"from": 1999, "to": 2015}}
CLAIMS = {
    "claims": [
        {
            "id": "leadership-matters",
            "kind": "key_finding",
            "theme": "formation_conditions",
            "statement": "Leadership matters.",
            "scope": SCOPE,
            "evidence": [
                {"key": "alpha2010one", "stance": "supports"},
                {"key": "alpha2012two", "stance": "supports"},
                {"key": "gamma2014three", "stance": "supports"},
            ],
        },
        {
            "id": "federations-raise-attainment",
            "kind": "key_finding",
            "theme": "impact_students",
            "statement": "Federations raise attainment.",
            "scope": SCOPE,
            "evidence": [{"key": "alpha2010one", "stance": "supports"}, {"key": "gamma2014three", "stance": "against"}],
        },
        {
            "id": "governance-gap",
            "kind": "gap",
            "theme": "structure_governance",
            "statement": "Little is known about governance.",
            "scope": SCOPE,
            "evidence": [],
        },
    ]
}


def make_minibook(dest: Path) -> Project:
    """Write the mini book into ``dest`` (with the real codebook) and return it."""
    (dest / "data" / "sources").mkdir(parents=True)
    (dest / "data" / "review").mkdir()
    (dest / "chapters").mkdir()
    shutil.copy(ROOT / "data" / "codebook.yaml", dest / "data" / "codebook.yaml")
    (dest / "_config.yml").write_text("title: mini\n")
    (dest / "_toc.yml").write_text("root: chapters/index\n")
    (dest / "references.bib").write_text(BIB)
    (dest / "data" / "review" / "initiatives.csv").write_text(INITIATIVES)
    for rec in RECORDS:
        (dest / "data" / "sources" / f"{rec['key']}.yaml").write_text(yaml.safe_dump(rec, sort_keys=False))
    (dest / "data" / "findings.yaml").write_text(yaml.safe_dump(CLAIMS, sort_keys=False))
    return Project(dest)
