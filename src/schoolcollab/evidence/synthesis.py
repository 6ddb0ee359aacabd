"""The synthesis behind every table: pure functions from the coded records to DataFrames.

Each function takes the tidy tables of :class:`~schoolcollab.evidence.records.SourceTables` (and the
codebook where labels or orders are needed) and returns a new DataFrame; nothing is cached or mutated.
"""

from __future__ import annotations

import pandas as pd

from .codebook import Codebook
from .records import SourceTables

UNSPECIFIED = "unspecified"
# the two documents the book was first built from (../shared/seeds): the review and the primary-school study
SOURCE_DOCUMENTS = ("armstrong2015effective", "muijs2015improving")


def findings_by_family(tables: SourceTables) -> pd.DataFrame:
    """Each finding joined to the collaboration families its source studied (or 'unspecified')."""
    fams = tables.types[["key", "family"]].drop_duplicates()
    merged = tables.findings.merge(fams, on="key", how="left")
    merged["family"] = merged["family"].fillna(UNSPECIFIED)
    return merged.merge(tables.sources[["key", "tier", "design", "year", "appraisal"]], on="key", how="left")


def evidence_matrix(tables: SourceTables, codebook: Codebook) -> pd.DataFrame:
    """Theme × collaboration family: number of sources, of findings and of empirical sources (long form)."""
    joined = findings_by_family(tables)
    grouped = joined.groupby(["theme", "family"])
    counts = pd.DataFrame(
        {
            "sources": grouped["key"].nunique(),
            "findings": grouped.size(),
            # an empirical study is an appraised record: the same definition as the ratings and the counts use
            "empirical_sources": grouped.apply(
                lambda g: g.loc[g["appraisal"] == "appraised", "key"].nunique(), include_groups=False
            ),
        }
    )
    themes = [t for t in codebook.ids("themes") if t != "context"]
    families = [*codebook.ids("families"), UNSPECIFIED]
    full = pd.MultiIndex.from_product([themes, families], names=["theme", "family"])
    return counts.reindex(full, fill_value=0).reset_index()


def matrix_wide(matrix: pd.DataFrame, value: str = "sources") -> pd.DataFrame:
    """The evidence matrix as a theme × family grid of ``value``."""
    return matrix.pivot(index="theme", columns="family", values=value).reindex(
        index=matrix["theme"].unique(), columns=matrix["family"].unique()
    )


WEAK_BELOW = 2  # a cell resting on fewer empirical studies than this is a weak spot of the map


def cell_status(sources: int, empirical_sources: int, weak_below: int = WEAK_BELOW) -> str:
    """'none' (no source), 'weak' (fewer than ``weak_below`` empirical studies) or 'evidence'."""
    if sources == 0:
        return "none"
    return "weak" if empirical_sources < weak_below else "evidence"


def gap_map(matrix: pd.DataFrame, weak_below: int = WEAK_BELOW) -> pd.DataFrame:
    """Cells with no evidence, or only weak evidence (fewer than ``weak_below`` empirical sources)."""
    out = matrix.copy()
    out["status"] = [
        cell_status(s, e, weak_below) for s, e in zip(out["sources"], out["empirical_sources"], strict=False)
    ]
    return out[out["status"] != "evidence"].reset_index(drop=True)


def design_profile(tables: SourceTables, codebook: Codebook) -> pd.DataFrame:
    """Number of sources by study design, in codebook order, with labels and tiers."""
    counts = tables.sources["design"].value_counts()
    rows = [
        {
            "design": d,
            "label": codebook.label("designs", d),
            "tier": codebook.vocab["designs"][d]["tier"],
            "sources": int(counts.get(d, 0)),
        }
        for d in codebook.ids("designs")
    ]
    return pd.DataFrame(rows).query("sources > 0").reset_index(drop=True)


def year_profile(tables: SourceTables, bin_years: int = 5) -> pd.DataFrame:
    """Number of sources by period of publication (periods of ``bin_years`` years)."""
    years = tables.sources["year"].dropna().astype(int)
    if years.empty:
        return pd.DataFrame(columns=["period", "start", "sources"])
    start = (years // bin_years) * bin_years
    counts = start.value_counts().sort_index()
    full = range(int(counts.index.min()), int(counts.index.max()) + 1, bin_years)
    counts = counts.reindex(full, fill_value=0)
    return pd.DataFrame(
        {
            "period": [f"{s}–{s + bin_years - 1}" for s in counts.index],
            "start": list(counts.index),
            "sources": counts.to_numpy(),
        }
    )


def country_profile(tables: SourceTables, codebook: Codebook) -> pd.DataFrame:
    """Number of sources by country studied (a source can count for several)."""
    exploded = tables.sources[["key", "countries"]].explode("countries")
    counts = exploded.groupby("countries")["key"].nunique().sort_values(ascending=False)
    return pd.DataFrame(
        {
            "country": counts.index,
            "label": [codebook.label("countries", c) for c in counts.index],
            "sources": counts.to_numpy(),
        }
    )


def factor_frequency(tables: SourceTables, codebook: Codebook, kind: str) -> pd.DataFrame:
    """How many sources report each condition for success (``kind='conditions'``) or barrier (``'barriers'``).

    Conditions come from formation_conditions findings and enabling sustainability findings; barriers
    from challenges findings and threatening sustainability findings.
    """
    theme = {"conditions": "formation_conditions", "barriers": "challenges", "drivers": "formation_drivers"}[kind]
    f = tables.findings
    vocab = codebook.ids(kind)
    picked = f[((f["theme"] == theme) | (f["theme"] == "sustainability")) & f["factor"].isin(vocab)]
    grouped = picked.groupby("factor")
    counts = pd.DataFrame({"sources": grouped["key"].nunique(), "findings": grouped.size()}).reindex(
        vocab, fill_value=0
    )
    counts["label"] = [codebook.label(kind, v) for v in counts.index]
    out = counts.rename_axis("factor").reset_index()[["factor", "label", "sources", "findings"]]
    return out.sort_values(["sources", "findings", "factor"], ascending=[False, False, True], ignore_index=True)


def impact_by_domain(tables: SourceTables, codebook: Codebook) -> pd.DataFrame:
    """Impact findings: number of sources per outcome domain and direction (long form)."""
    f = tables.findings[tables.findings["theme"].str.startswith("impact_")]
    grouped = f.groupby(["domain", "direction"])["key"].nunique().rename("sources").reset_index()
    grouped["domain_label"] = [codebook.label("domains", d) for d in grouped["domain"]]
    order = {d: i for i, d in enumerate(codebook.ids("domains"))}
    return grouped.sort_values(
        ["domain", "direction"], key=lambda s: s.map(order) if s.name == "domain" else s, ignore_index=True
    )


def sources_on(
    tables: SourceTables,
    *,
    theme: str | None = None,
    family: str | None = None,
    domain: str | None = None,
    direction: str | None = None,
) -> pd.DataFrame:
    """The sources with at least one finding matching every given filter (for counts in running text)."""
    joined = findings_by_family(tables)
    for col, val in (("theme", theme), ("family", family), ("domain", domain), ("direction", direction)):
        if val is not None:
            joined = joined[joined[col] == val]
    return tables.sources[tables.sources["key"].isin(joined["key"])].reset_index(drop=True)


def evidence_base_counts(tables: SourceTables) -> dict[str, int]:
    """Named counts that describe the evidence base in running text.

    ``studies``: records appraised as empirical studies; ``comparative``: studies whose design compares
    collaborating schools with a matched or constructed comparison group; ``initiative_studies``: studies
    that evaluate, or were done within, a named government initiative (policy papers, statistics and
    reviews about an initiative are not studies of it); ``from_documents``: records coded from the two
    source documents, ``from_elsewhere``: records coded from the works themselves or from later reviews.
    """
    src = tables.sources
    studies = src[src["appraisal"] == "appraised"]
    named = ~studies["initiative"].isin(["none", "not_reported"])
    from_documents = src["seeds"].map(lambda seeds: any(k in SOURCE_DOCUMENTS for k in seeds))
    return {
        "sources": len(src),
        "studies": len(studies),
        "comparative": int((src["tier"] == "comparative").sum()),
        "initiative_studies": int((named | (studies["design"] == "evaluation_report")).sum()),
        "not_studies": int((src["appraisal"] == "not_applicable").sum()),
        "undescribed": int((src["appraisal"] == "not_reported").sum()),
        "from_documents": int(from_documents.sum()),
        "from_elsewhere": int((~from_documents).sum()),
    }
