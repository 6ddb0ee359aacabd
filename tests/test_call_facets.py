"""A chapter's calls of the package, recorded by what they returned: an edit that leaves a call's result
unchanged leaves the chapter as it is, and one that changes it (or makes it fail) runs the chapter."""

from __future__ import annotations

import json
from collections import namedtuple
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_fingerprint import set_direction

from schoolcollab.build.fingerprint import cache_token, pending_path, read_state, record_execution
from schoolcollab.call_facets import CALL, _arguments, _revive, call_again, call_name, tracked
from schoolcollab.paths import Project


def run_chapter(project: Project, state: Path, doc: str, monkeypatch: pytest.MonkeyPatch, body: Callable) -> None:
    """What a build does for a chapter whose code is ``body(sc, ev)``: its kernel (a fresh process, with
    nothing loaded or recorded) records what it read, used and called; the build keeps the record."""
    import schoolcollab as sc
    from schoolcollab import inputs

    token, changed = cache_token(project, state, doc)
    assert changed
    pending = pending_path(state, doc)
    pending.write_text("", encoding="utf-8")
    monkeypatch.setenv(inputs.MANIFEST_ENV, str(pending))
    for loader in (sc.evidence_base, sc.bibliography):
        loader.cache_clear()
    monkeypatch.setattr(inputs, "_recorded", set())
    monkeypatch.setattr(inputs, "_facets", set())
    body(sc, sc.evidence_base(project.root))
    monkeypatch.delenv(inputs.MANIFEST_ENV)
    record_execution(project, state, doc, token)


def facets_of(state: Path, doc: str) -> dict[str, str]:
    recorded = read_state(state, doc)
    assert recorded is not None
    return recorded.facets


def test_a_chapter_depends_on_what_its_calls_returned_not_on_the_tables_they_read(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib

    matplotlib.use("agg")  # the figure below is drawn, as in a kernel, but nowhere shown
    state = tmp_path / "state"
    state.mkdir()
    chapters: dict[str, Callable[[Any, Any], Any]] = {
        "table": lambda sc, ev: sc.present.factor_table(ev, "conditions"),  # reads findings; counts sources
        "figure": lambda sc, ev: sc.present.factor_figure(ev, "conditions"),  # drawn from the same counts
        "explorer": lambda sc, ev: sc.present.sources_explorer(ev),  # shows each finding's direction
        "direct": lambda sc, ev: (sc.present.factor_table(ev, "conditions"), ev.findings),  # and the table itself
    }
    for doc, body in chapters.items():
        run_chapter(project, state, doc, monkeypatch, body)
    assert list(facets_of(state, "table")) == [
        f'{CALL}schoolcollab.present:factor_table:{{"args":["conditions"],"kwargs":{{}}}}'
    ]
    assert list(facets_of(state, "figure")) == [
        f'{CALL}schoolcollab.present.evidence_views:factor_data:{{"args":["conditions"],"kwargs":{{}}}}'
    ]
    assert "findings" in facets_of(state, "direct")
    tokens = {doc: read_state(state, doc).token for doc in chapters}  # type: ignore[union-attr]

    set_direction(project, "ainscow2006collaboration", "positive", "mixed")
    assert cache_token(project, state, "table") == (tokens["table"], False)  # the same counts
    assert cache_token(project, state, "figure") == (tokens["figure"], False)
    assert cache_token(project, state, "explorer")[1]  # its rows changed
    assert cache_token(project, state, "direct")[1]  # it read the findings outside any call


def test_a_call_that_cannot_be_made_again_records_the_fields_it_used(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An argument with no exact JSON form, or a result with no canonical form: the fields stand instead."""
    import pandas as pd

    frame_arg = tracked(lambda ev, frame: len(ev.claims) + len(frame), "tests", "frame_arg")
    no_digest = tracked(lambda ev: (ev.ratings, object())[1], "tests", "no_digest")
    state = tmp_path / "state"
    state.mkdir()
    run_chapter(project, state, "frame", monkeypatch, lambda sc, ev: frame_arg(ev, pd.DataFrame()))
    run_chapter(project, state, "object", monkeypatch, lambda sc, ev: no_digest(ev))
    assert list(facets_of(state, "frame")) == ["claims"]
    assert list(facets_of(state, "object")) == ["ratings"]


def test_a_call_that_fails_raises_in_the_chapter_and_keeps_what_it_used(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    state.mkdir()

    def body(sc: Any, ev: Any) -> None:
        with pytest.raises(KeyError, match="no-such-claim"):
            sc.present.claim_box(ev, "no-such-claim")

    run_chapter(project, state, "failed", monkeypatch, body)
    assert "claims" in facets_of(state, "failed")


def test_the_build_makes_a_recorded_call_again_on_the_files_as_they_are(project: Project) -> None:
    import schoolcollab as sc

    ev = sc.evidence_base(project.root)
    good = call_name("schoolcollab.present", "claim_box", ("pupil-impact-limited-mixed",), {})
    bad = call_name("schoolcollab.present", "claim_box", ("no-such-claim",), {})
    assert good is not None and bad is not None
    from schoolcollab.facets import digest_value

    expected = digest_value(sc.present.claim_box(ev, "pupil-impact-limited-mixed"))
    assert call_again(good, ev, str(project.root)) == expected != "unstable"
    assert call_again(bad, ev, str(project.root)) == "unstable"  # raises now: the chapter runs and says why
    assert call_again(f"{CALL}schoolcollab.present:no_such_function:[]", ev, str(project.root)) == "unstable"


Pair = namedtuple("Pair", "a b")


@pytest.mark.parametrize(
    "args",
    [
        ("conditions", 12, 0.5, True, None),
        (("key_finding", "concluding_point"),),
        (["a", ["b"]], {"source": "x", "n": 3, "nested": {"k": (1, 2)}}),
        ("text with spaces, colons: and ünïcode",),
    ],
)
def test_arguments_come_back_as_the_same_values_and_types(args: tuple) -> None:
    encoded = _arguments(args, {"top": 3})
    assert encoded is not None and "\n" not in encoded and encoded.isascii()
    spec = json.loads(encoded)
    revived = tuple(_revive(a) for a in spec["args"])
    assert revived == args and [type(a) for a in revived] == [type(a) for a in args]
    assert {k: _revive(v) for k, v in spec["kwargs"].items()} == {"top": 3}


@pytest.mark.parametrize("arg", [Pair(1, 2), np.int64(3), float("nan"), {1: "a"}, object(), {"a": [object()]}])
def test_an_argument_with_no_exact_form_is_not_recorded_as_a_call(arg: object) -> None:
    assert _arguments((arg,), {}) is None
