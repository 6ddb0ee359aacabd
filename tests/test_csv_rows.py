"""CSV rows typed by their declared schema, then judged by it: one way for every CSV input."""

from __future__ import annotations

from pathlib import Path

import pytest

from schoolcollab.csv_rows import check_rows, typed_row, worded
from schoolcollab.errors import Problems
from schoolcollab.inputs import read_csv

SCHEMA = {
    "type": "object",
    "properties": {
        "n": {"type": "integer", "minimum": 1},
        "share": {"type": ["number", "null"], "maximum": 100},
        "done": {"anyOf": [{"type": "boolean"}, {"const": "not_reported"}]},
        "kind": {
            "enum": ["a", "b"],
            "x-problem": worded("kind {value!r}{suggestion}", "a or b", code="schema.unknown_value"),
        },
    },
}


def test_cells_become_the_first_kind_their_column_allows() -> None:
    row = typed_row({"n": " 3 ", "share": "", "done": "TRUE", "kind": "a", "note": " x "}, SCHEMA)
    assert row == {"n": 3, "share": None, "done": True, "kind": "a", "note": "x"}
    # what fits no kind stays text, for the schema to name
    assert typed_row({"n": "3.5", "share": "nan", "done": "not_reported"}, SCHEMA) == {
        "n": "3.5",
        "share": "nan",
        "done": "not_reported",
    }


def _check(tmp_path: Path, text: str) -> tuple[Problems, object]:
    path = tmp_path / "rows.csv"
    path.write_text(text, encoding="utf-8")
    problems = Problems()
    frame = read_csv(path, ["n", "share", "done", "kind"], problems)
    assert frame is not None
    return problems, check_rows(path, frame, SCHEMA, problems)


def test_each_bad_cell_is_one_problem_on_its_line_with_its_column(tmp_path: Path) -> None:
    problems, checked = _check(tmp_path, "n,share,done,kind\n1,50,false,a\n0,120,maybe,c\nx,1,true,bb\n")
    found = sorted((p.line, p.field, p.code) for p in problems)
    assert found == [
        (3, "done", "schema.wrong_type"),
        (3, "kind", "schema.unknown_value"),
        (3, "n", "schema.out_of_range"),
        (3, "share", "schema.out_of_range"),
        (4, "kind", "schema.unknown_value"),
        (4, "n", "schema.wrong_type"),
    ]
    assert checked.bad_lines == {3, 4} and not checked.ok
    assert checked.rows[2] == {"n": 1, "share": 50.0, "done": False, "kind": "a"}
    # the column's own words, with a close allowed value
    assert any(p.message == "kind 'bb'; did you mean 'b'?" for p in problems)


def test_a_ragged_row_is_left_unchecked_but_counts_as_bad(tmp_path: Path) -> None:
    problems, checked = _check(tmp_path, "n,share,done,kind\n1,50,false\n2,5,true,a\n")
    assert checked.ragged == [2] and checked.bad_lines == {2}
    assert list(checked.rows) == [3]
    assert [p.line for p in problems] == [2]


def test_an_undeclared_code_in_a_column_annotation_is_refused() -> None:
    with pytest.raises(ValueError, match="declare it"):
        worded("x", "y", code="no.such_code")
