"""Named facts for the running text of the chapters on the review's themes: structure, impact, formation,
challenges and sustainability.

Each function returns ``{glue name: value}`` for one chapter, which the chapter glues in a loop; the
text then cites a fact by its name (``{glue:}`structure-n-findings```). A number the text gives about one
named study (its sample size) or one named initiative (its start year) is looked up here by the
source's key or the initiative's id, so that a changed record changes the sentence and a removed one
fails the build with a message naming what is missing.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..errors import Problems
from ..evidence import synthesis as syn
from ..load import Evidence, case_partnerships, count_sources, initiatives, project, system_leadership
from .style import listing

# glue name -> the source whose sample size the sentence gives
STRUCTURE_SAMPLES = {
    "structure-cm-schools": "chapman2014school",
    "structure-hh-feds": "hopkins2007system",
    "structure-sb-systems": "sandals2014evolving",
    "structure-sbm-schools": "woods2010school",
}
IMPACT_SAMPLES = {"impact-cm-schools": "chapman2014school", "impact-sbm-schools": "woods2010school"}
SUSTAINABILITY_SAMPLES = {"sustainability-hl-n": "hayes2013local"}
# glue name -> (theme, family): sources on a structural theme that concern one family of partnership
STRUCTURE_BY_FAMILY = {
    "structure-n-type-fed": ("structure_type", "federation"),
    "structure-n-type-chain": ("structure_type", "academy_chain"),
    "structure-n-leadership-support": ("structure_leadership", "school_support"),
    "structure-n-governance-fed": ("structure_governance", "federation"),
}
# glue name -> the initiative whose start year the sentence gives
STRUCTURE_STARTS = {
    "structure-fed-start": "federations_programme",
    "structure-nle-start": "nle_programme",
    "structure-ts-start": "teaching_schools",
}


def sample_size(ev: Evidence, key: str) -> int:
    """The number of schools (or other units) the coded source ``key`` studied."""
    sizes = ev.sources.set_index("key")["sample_size"]
    if key not in sizes.index or pd.isna(sizes[key]):
        problems = Problems()
        problems.add(
            project().sources / f"{key}.yaml",
            "the book's text gives this study's size",
            code="text.missing_value",
            field="sample_size",
            expected="the number of schools the study covered",
        )
        problems.raise_if_any()
    return int(sizes[key])


def start_year(initiative: str) -> int:
    """The year the named government initiative started."""
    inits = initiatives().set_index("id")
    if initiative not in inits.index or pd.isna(inits.at[initiative, "start_year"]):
        problems = Problems()
        problems.add(
            project().input("initiatives"),
            "the book's text gives this initiative's start",
            code="text.missing_value",
            field=f"{initiative}.start_year",
            expected="the year it started",
        )
        problems.raise_if_any()
    return int(inits.at[initiative, "start_year"])


def factor_sources(ev: Evidence, kind: str) -> dict[str, int]:
    """Factor id -> the number of sources reporting it, for every driver, condition or barrier of the codebook."""
    counts = syn.factor_frequency(ev.tables, ev.codebook, kind).set_index("factor")["sources"]
    return {factor: int(n) for factor, n in counts.items()}


def _most_reported(ev: Evidence, kind: str, prefix: str) -> dict[str, Any]:
    """The most often reported factors of ``kind`` (ties together) as a phrase, and how many sources report each."""
    table = syn.factor_frequency(ev.tables, ev.codebook, kind)
    top = table[table["sources"] == table["sources"].max()]
    return {
        f"{prefix}-top": listing(list(top["label"])),
        f"{prefix}-top-n": int(top["sources"].iloc[0]),
        f"{prefix}-n-top": len(top),
        f"{prefix}-n-kinds": int((table["sources"] > 0).sum()),
    }


def _per_factor(ev: Evidence, kind: str, prefix: str) -> dict[str, int]:
    return {f"{prefix}-{factor.replace('_', '-')}": n for factor, n in factor_sources(ev, kind).items()}


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    """One chapter's facts; two parts giving the same name would make one sentence silently wrong."""
    merged: dict[str, Any] = {}
    for part in parts:
        clash = merged.keys() & part.keys()
        if clash:
            raise ValueError(f"two facts are both called {', '.join(sorted(clash))}")
        merged.update(part)
    return merged


def structure_facts(ev: Evidence) -> dict[str, Any]:
    """Counts of the sources and findings on how partnerships are structured, led, managed and governed."""
    themes = [t for t in ev.codebook.ids("themes") if t.startswith("structure_")]
    findings = ev.findings[ev.findings["theme"].isin(themes)]
    return _merge(
        {f"structure-n-{t.removeprefix('structure_')}": count_sources(ev, theme=t) for t in themes},
        {
            "structure-n-findings": len(findings),
            "structure-n-descriptive": int((findings["direction"] == "descriptive").sum()),
            "structure-n-roles": len(system_leadership()),
        },
        {name: count_sources(ev, theme=t, family=f) for name, (t, f) in STRUCTURE_BY_FAMILY.items()},
        {name: sample_size(ev, key) for name, key in STRUCTURE_SAMPLES.items()},
        {name: start_year(i) for name, i in STRUCTURE_STARTS.items()},
    )


def impact_facts(ev: Evidence) -> dict[str, Any]:
    """Counts of the sources on the impact of collaboration on pupils, staff, leadership and finance."""
    attainment = {"theme": "impact_students", "domain": "attainment"}
    return _merge(
        {f"impact-att-{d}": count_sources(ev, **attainment, direction=d) for d in ev.codebook.ids("directions")},
        {
            "impact-att-all": count_sources(ev, **attainment),
            "impact-n-teachers": count_sources(ev, theme="impact_teachers"),
            "impact-n-leadership": count_sources(ev, theme="impact_leadership", domain="leadership_capacity"),
            "impact-n-finance": count_sources(ev, theme="impact_finance"),
            "impact-n-cases": len(case_partnerships()),
        },
        {name: sample_size(ev, key) for name, key in IMPACT_SAMPLES.items()},
    )


def formation_facts(ev: Evidence) -> dict[str, Any]:
    """How partnerships come about (drivers) and the conditions for success the sources report."""
    top = _most_reported(ev, "conditions", "formation")
    return _merge(
        _per_factor(ev, "drivers", "formation-n"),
        _per_factor(ev, "conditions", "formation-n"),
        {
            "formation-n-driver-sources": count_sources(ev, theme="formation_drivers"),
            "formation-n-cond-sources": count_sources(ev, theme="formation_conditions"),
            "formation-top-conditions": top["formation-top"],
            "formation-top-n": top["formation-top-n"],
            "formation-n-top-conditions": top["formation-n-top"],
            "formation-n-condition-kinds": top["formation-n-kinds"],
        },
    )


def challenges_facts(ev: Evidence) -> dict[str, Any]:
    """The barriers to collaboration the sources report: the commonest, and how many sources report each."""
    from IPython.display import Markdown

    top = _most_reported(ev, "barriers", "challenges")
    counts = factor_sources(ev, "barriers")
    return _merge(
        _per_factor(ev, "barriers", "challenges-n"),
        {  # "1 source", "3 sources": for sentences that name the count with its noun
            f"challenges-sources-{f.replace('_', '-')}": Markdown(f"{n} source{'' if n == 1 else 's'}")
            for f, n in counts.items()
        },
        {name: top[name] for name in ("challenges-top", "challenges-top-n", "challenges-n-kinds")},
        {
            "challenges-n-sources": count_sources(ev, theme="challenges"),
            "challenges-n-cond-sources": count_sources(ev, theme="formation_conditions"),
        },
    )


def sustainability_facts(ev: Evidence) -> dict[str, Any]:
    """Sources on whether partnerships last: in all, on the end of funding, on threats and on enablers."""
    sus = ev.findings[ev.findings["theme"] == "sustainability"]
    return _merge(
        {
            "sustainability-n-sources": count_sources(ev, theme="sustainability"),
            "sustainability-n-funding": int(sus.loc[sus["factor"] == "funding_cessation", "key"].nunique()),
            "sustainability-n-threat": int(sus.loc[sus["direction"] == "negative", "key"].nunique()),
            "sustainability-n-enabling": int(sus.loc[sus["direction"] == "positive", "key"].nunique()),
        },
        {name: sample_size(ev, key) for name, key in SUSTAINABILITY_SAMPLES.items()},
    )
