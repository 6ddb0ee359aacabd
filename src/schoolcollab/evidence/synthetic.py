"""Valid synthetic source records, for scale benchmarks and property tests (never for the book)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from .codebook import IMPACT_THEMES, Codebook


def synthetic_record(key: str, codebook: Codebook, rng: np.random.Generator, seed_key: str) -> dict[str, Any]:
    """One record that passes validation, with 1–6 findings drawn from the codebook."""
    pick = lambda name, k=1: [str(x) for x in rng.choice(codebook.ids(name), size=k, replace=False)]  # noqa: E731
    themes = [t for t in codebook.ids("themes")]
    findings = []
    for _ in range(int(rng.integers(1, 7))):
        theme = str(rng.choice(themes))
        f: dict[str, Any] = {
            "theme": theme,
            "direction": str(rng.choice(codebook.ids("directions"))),
            "summary": "Synthetic finding.",
            "where": "synthetic",
        }
        if theme in IMPACT_THEMES:
            f["domain"] = pick("domains")[0]
        elif theme in codebook.factor_vocab:
            f["factor"] = pick(codebook.factor_vocab[theme])[0]
        findings.append(f)
    return {
        "key": key,
        "coded_from": [{"seed": seed_key, "sections": ["synthetic"]}],
        "publication_type": "empirical",
        "design": pick("designs")[0],
        "aims": "Synthetic.",
        "sample": {"description": "synthetic", "unit": "schools", "size": int(rng.integers(1, 500))},
        "country": pick("countries"),
        "phase": pick("phases", 2),
        "formality": pick("formality")[0],
        "collaboration_types": pick("collaboration_types", int(rng.integers(1, 4))),
        "initiative": "not_reported",
        "findings": findings,
    }


def write_synthetic_base(
    dest: Path, n: int, codebook: Codebook, rng: np.random.Generator, seed_key: str = "seed2015review"
) -> list[str]:
    """Write ``n`` records into ``dest`` (a sources folder) and return their keys (for a matching .bib)."""
    dest.mkdir(parents=True, exist_ok=True)
    keys = []
    for i in range(n):
        key = f"synthetic{2000 + i % 20}study{i}"
        rec = synthetic_record(key, codebook, rng, seed_key)
        (dest / f"{key}.yaml").write_text(yaml.safe_dump(rec, sort_keys=False), encoding="utf-8")
        keys.append(key)
    return keys
