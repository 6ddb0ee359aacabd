"""The fast validator never lets through what jsonschema rejects.

:class:`schoolcollab.validation.Schema` trusts the Rust validator's "valid" and asks jsonschema only about
data it rejects. That is sound only if every value the Rust validator accepts, jsonschema accepts too; here
both judge the book's real records and claims, and those records with one field replaced by an arbitrary
value (a key removed, a term misspelt, a number where text goes), so most examples are invalid near a valid one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schoolcollab.errors import Problems
from schoolcollab.evidence.codebook import load_codebook
from schoolcollab.paths import Project
from schoolcollab.validation import Schema
from schoolcollab.yamlio import load_yaml

BOOK = Project(Path(__file__).resolve().parents[1])
RECORDS = sorted(BOOK.sources.glob("*.yaml"))


def _codebook():
    problems = Problems()
    codebook = load_codebook(BOOK.codebook, problems)
    assert codebook is not None and not problems.items, problems.items
    return codebook


CODEBOOK = _codebook()
INITIATIVES = list(pd.read_csv(BOOK.input("initiatives"), dtype=str)["id"])
SCHEMAS = {
    "source record": Schema(CODEBOOK.source_schema(INITIATIVES)),
    "claim ledger": Schema(CODEBOOK.claims_schema()),
}
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 3000) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _paths(data: Any, here: tuple = ()) -> list[tuple]:
    """Every place in ``data`` a value can be replaced or removed."""
    out = [here] if here else []
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*here, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, (*here, i))
    return out


def _changed(data: Any, where: tuple, value: Any, remove: bool) -> Any:
    """A copy of ``data`` with the value at ``where`` replaced by ``value`` (or removed)."""
    if not where:
        return value
    head, rest = where[0], where[1:]
    if isinstance(data, dict):
        out = dict(data)
        if rest:
            out[head] = _changed(data[head], rest, value, remove)
        elif remove:
            del out[head]
        else:
            out[head] = value
        return out
    out_list = list(data)
    if rest:
        out_list[head] = _changed(data[head], rest, value, remove)
    elif remove:
        del out_list[head]
    else:
        out_list[head] = value
    return out_list


def _read(path: Path) -> Any:
    """A YAML input as the book reads it (YAML 1.2: `no` is text, not false)."""
    problems = Problems()
    data = load_yaml(path, problems)
    assert data is not None and not problems.items, problems.items
    return data


LEDGER = _read(BOOK.claims)


def _agree(schema: Schema, data: Any) -> None:
    full_says_valid = not list(schema.full.iter_errors(data))
    assert (not schema.errors(data)) == full_says_valid, f"the two validators disagree on {data!r}"


@pytest.mark.parametrize("record", RECORDS, ids=[p.stem for p in RECORDS])
def test_both_accept_every_real_record(record: Path) -> None:
    data = _read(record)
    schema = SCHEMAS["source record"]
    assert schema.errors(data) == [], record.name
    assert not list(schema.full.iter_errors(data)), record.name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), value=VALUES, remove=st.booleans())
def test_a_record_with_one_field_changed_is_judged_alike(data: st.DataObject, value: Any, remove: bool) -> None:
    path = data.draw(st.sampled_from(RECORDS), label="record")
    record = _read(path)
    where = data.draw(st.sampled_from(_paths(record)), label="where")
    _agree(SCHEMAS["source record"], _changed(record, where, value, remove))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), value=VALUES, remove=st.booleans())
def test_the_ledger_with_one_field_changed_is_judged_alike(data: st.DataObject, value: Any, remove: bool) -> None:
    ledger = LEDGER
    where = data.draw(st.sampled_from(_paths(ledger)[:400]), label="where")
    _agree(SCHEMAS["claim ledger"], _changed(ledger, where, value, remove))
