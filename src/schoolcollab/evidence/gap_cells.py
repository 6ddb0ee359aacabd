"""The evidence gap map cell by cell, under a reader's filters.

The interactive map on the web filters in the browser; this module states the same filters in Python,
so the tests can check what the page lists against the synthesis, and so the map's meaning (which
source counts in which cell) is written once here and mirrored, not invented, in the page's script.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .codebook import Codebook
from .records import SourceTables
from .synthesis import UNSPECIFIED, WEAK_BELOW, cell_status, findings_by_family


@dataclass(frozen=True)
class GapFilter:
    """What a reader keeps. ``None`` keeps everything; years are inclusive bounds of publication."""

    design: str | None = None
    country: str | None = None
    phase: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    direction: str | None = None

    def keeps_source(self, source: pd.Series) -> bool:
        """Whether a source (a row of ``SourceTables.sources``) passes the source-level filters."""
        if self.design is not None and source["design"] != self.design:
            return False
        if self.country is not None and self.country not in source["countries"]:
            return False
        if self.phase is not None and self.phase not in source["phases"]:
            return False
        year = source["year"]
        if self.year_from is not None and (pd.isna(year) or int(year) < self.year_from):
            return False
        return not (self.year_to is not None and (pd.isna(year) or int(year) > self.year_to))


def gap_map_rows(tables: SourceTables, codebook: Codebook) -> pd.DataFrame:
    """One row per (theme, family, source, direction) the map can show: findings on the themes the map
    crosses (not 'context'), each joined to every family its source studied."""
    joined = findings_by_family(tables)
    joined = joined[joined["theme"].isin(map_themes(codebook))]
    return (
        joined[["theme", "family", "key", "direction"]]
        .drop_duplicates()
        .sort_values(["theme", "family", "key", "direction"], ignore_index=True)
    )


def map_themes(codebook: Codebook) -> list[str]:
    """The rows of the map, in codebook order."""
    return [t for t in codebook.ids("themes") if t != "context"]


def map_families(tables: SourceTables, codebook: Codebook) -> list[str]:
    """The columns of the map: the families some source studied, in codebook order, then 'unspecified'."""
    used = set(gap_map_rows(tables, codebook)["family"])
    return [f for f in [*codebook.ids("families"), UNSPECIFIED] if f in used]


def gap_map_cells(
    tables: SourceTables, codebook: Codebook, keep: GapFilter = GapFilter(), weak_below: int = WEAK_BELOW
) -> pd.DataFrame:
    """Every cell of the map with the sources that count in it once ``keep`` is applied.

    Columns: theme, family, keys (sorted tuple), sources, empirical_sources (appraised studies),
    comparative_sources (a comparison-group design) and status (see :func:`synthesis.cell_status`).
    A source counts in a cell when it passes the source filters and has a finding on that theme, for a
    family it studied, in the chosen direction (any direction when none is chosen).
    """
    src = tables.sources.set_index("key")
    kept = {k for k, row in src.iterrows() if keep.keeps_source(row)}
    rows = gap_map_rows(tables, codebook)
    rows = rows[rows["key"].isin(kept)]
    if keep.direction is not None:
        rows = rows[rows["direction"] == keep.direction]
    by_cell = rows.groupby(["theme", "family"])["key"].apply(lambda k: tuple(sorted(set(k)))).to_dict()
    out = []
    for theme in map_themes(codebook):
        for family in map_families(tables, codebook):
            keys = by_cell.get((theme, family), ())
            empirical = sum(src.at[k, "appraisal"] == "appraised" for k in keys)
            comparative = sum(src.at[k, "tier"] == "comparative" for k in keys)
            out.append(
                {
                    "theme": theme,
                    "family": family,
                    "keys": keys,
                    "sources": len(keys),
                    "empirical_sources": empirical,
                    "comparative_sources": comparative,
                    "status": cell_status(len(keys), empirical, weak_below),
                }
            )
    return pd.DataFrame(out)
