"""Digests of the parts of the evidence base a chapter used, so an edit it never sees does not re-run it.

The evidence base is loaded from every source record, the codebook, the claim ledger and initiatives.csv,
so a byte-level fingerprint re-executes every chapter that calls ``sc.evidence_base()`` whenever any of
them changes. While a chapter executes in a build, each field of the :class:`~schoolcollab.load.Evidence`
bundle it touches (``ev.findings``, ``ev.ratings``, ...) is recorded with a digest of its value
(:func:`schoolcollab.inputs.record_facet`). When those files later change, the build loads the evidence
base once and compares the digests of just those fields: equal digests mean the chapter would compute
exactly what it showed, so it keeps its cache entry; any difference (or an evidence base that no longer
loads) executes it again. The digest is of a canonical form of the value, the same in every process.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import fields, is_dataclass
from pathlib import PurePath
from typing import Any

# The fields of the Evidence bundle that are tracked, and the SourceTables fields its properties expose.
EVIDENCE_FIELDS = (
    "codebook",
    "bib",
    "tables",
    "claims",
    "links",
    "ratings",
    "initiatives",
    "appraisals",
    "rating_inputs",
)
TABLE_FIELDS = ("sources", "findings", "types")
FACETS = EVIDENCE_FIELDS + TABLE_FIELDS


class Unstable(Exception):
    """A value with no canonical form: its digest would differ between processes."""


def _canon(obj: Any) -> Any:
    """A JSON-able form of ``obj`` that depends only on its value (and types), never on the process."""
    import numpy as np
    import pandas as pd

    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return ["float", repr(obj)] if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, np.generic):
        return ["np", type(obj).__name__, _canon(obj.item())]
    if isinstance(obj, pd.DataFrame):
        return [
            "frame",
            [_canon(c) for c in obj.columns],
            [str(t) for t in obj.dtypes],
            _canon(obj.index.tolist()),
            _canon(obj.to_numpy(dtype=object).tolist()),
            _canon(dict(obj.attrs)),
        ]
    if isinstance(obj, pd.Series):
        return ["series", _canon(obj.name), str(obj.dtype), _canon(obj.index.tolist()), _canon(obj.tolist())]
    if is_dataclass(obj) and not isinstance(obj, type):
        return [type(obj).__qualname__, [[f.name, _canon(object.__getattribute__(obj, f.name))] for f in fields(obj)]]
    if isinstance(obj, dict):
        return ["dict", [[_canon(k), _canon(v)] for k, v in obj.items()]]  # order kept: tables follow it
    if isinstance(obj, (set, frozenset)):
        return [type(obj).__name__, sorted(json.dumps(_canon(x), sort_keys=True) for x in obj)]
    if isinstance(obj, (list, tuple)):
        return [type(obj).__name__, [_canon(x) for x in obj]]
    if isinstance(obj, PurePath):
        return ["path", str(obj)]
    if obj is pd.NA or obj is pd.NaT:
        return ["missing", repr(obj)]
    if isinstance(obj, pd.Timestamp):
        return ["timestamp", obj.isoformat()]
    if type(obj).__module__.startswith("IPython.") and hasattr(obj, "data"):  # Markdown, HTML: their text
        return ["display", type(obj).__qualname__, _canon(obj.data), _canon(getattr(obj, "metadata", None))]
    raise Unstable(f"no canonical form for a {type(obj).__qualname__}")


def digest_value(obj: Any) -> str:
    """A digest of ``obj``'s value, equal in every process for equal values; "unstable" when it has
    no canonical form (then it matches nothing, so a chapter that used it always executes again)."""
    try:
        text = json.dumps(_canon(obj), sort_keys=True, separators=(",", ":"))
    except Unstable:
        return "unstable"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def facet_value(ev: Any, name: str) -> Any:
    """The value of facet ``name`` of an Evidence bundle, read without recording it."""
    if name in TABLE_FIELDS:
        return getattr(object.__getattribute__(ev, "tables"), name)
    return object.__getattribute__(ev, name)
