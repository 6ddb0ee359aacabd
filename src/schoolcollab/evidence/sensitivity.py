"""How the ratings move under other reasonable rating methods, claim by claim.

Each alternative of :data:`~schoolcollab.evidence.rating_rules.ALTERNATIVES` re-rates the same evidence with
the same engine (:func:`~schoolcollab.evidence.ratings.rate_claims`); a claim whose rating holds under every
one of them is robust to the rating method.
"""

from __future__ import annotations

import pandas as pd

from .rating_rules import ALTERNATIVES, LEVELS, MAIN, Method
from .ratings import RatingInputs, rate_claims


def sensitivity(inputs: RatingInputs, methods: tuple[Method, ...] = ALTERNATIVES) -> pd.DataFrame:
    """One row per rated claim: its rating under the main method and under each alternative, whether it
    holds under all of them, and the widest move (levels up or down)."""
    main = rate_claims(inputs, MAIN)
    rated = main[main["rating"] != "gap"]
    out = rated[["claim", "theme", "rating"]].rename(columns={"rating": MAIN.id}).reset_index(drop=True)
    for m in methods:
        other = rate_claims(inputs, m).set_index("claim")["rating"]
        out[m.id] = out["claim"].map(other)
    rank = {lvl: i for i, lvl in enumerate(LEVELS)}
    moves = pd.DataFrame({m.id: out[m.id].map(rank) - out[MAIN.id].map(rank) for m in methods})
    out["robust"] = (moves == 0).all(axis=1)
    out["down"] = moves.max(axis=1).clip(lower=0).astype(int)  # higher rank = lower confidence
    out["up"] = (-moves.min(axis=1)).clip(lower=0).astype(int)
    return out


def sensitivity_counts(table: pd.DataFrame, methods: tuple[Method, ...] = ALTERNATIVES) -> pd.DataFrame:
    """Per alternative: how many claims it rates higher, the same, and lower than the main method."""
    rank = {lvl: i for i, lvl in enumerate(LEVELS)}
    rows = []
    for m in methods:
        diff = table[m.id].map(rank) - table[MAIN.id].map(rank)
        rows.append(
            {
                "method": m.id,
                "label": m.label,
                "higher": int((diff < 0).sum()),
                "same": int((diff == 0).sum()),
                "lower": int((diff > 0).sum()),
            }
        )
    return pd.DataFrame(rows)
