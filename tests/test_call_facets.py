"""A chapter's calls of the package, recorded by what they returned: an edit that leaves a call's result
unchanged leaves the chapter as it is, and one that changes it (or makes it fail) runs the chapter."""

from __future__ import annotations

import json
import subprocess
import sys
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


def test_a_call_whose_fields_are_unchanged_is_not_made_again_and_one_whose_fields_changed_is(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A finding's direction changes the findings (and the tables built from them); a claim box reads the
    claims, their links and their ratings, unchanged by it, so the build knows the box without making it.
    A factor table reads the findings: it is made again (and counts the same). A claim's wording changes
    the claims: the box is made again, and differs."""
    from schoolcollab import call_facets

    state = tmp_path / "state"
    state.mkdir()
    box = "pupil-impact-limited-mixed"
    run_chapter(project, state, "box", monkeypatch, lambda sc, ev: sc.present.claim_box(ev, box))
    run_chapter(project, state, "table", monkeypatch, lambda sc, ev: sc.present.factor_table(ev, "conditions"))
    recorded = {doc: read_state(state, doc) for doc in ("box", "table")}
    (box_call,) = recorded["box"].facets  # type: ignore[union-attr]
    (table_call,) = recorded["table"].facets  # type: ignore[union-attr]
    assert set(recorded["box"].call_uses[box_call]) == {"claims", "links", "ratings"}  # type: ignore[union-attr]
    assert "findings" in recorded["table"].call_uses[table_call]  # type: ignore[union-attr]
    made: list[str] = []
    real = call_facets.call_again

    def watched(name: str, ev: Any, root: str) -> str:
        made.append(name)
        return real(name, ev, root)

    monkeypatch.setattr(call_facets, "call_again", watched)
    set_direction(project, "ainscow2006collaboration", "positive", "mixed")
    assert cache_token(project, state, "box") == (recorded["box"].token, False)  # type: ignore[union-attr]
    assert made == []
    assert cache_token(project, state, "table") == (recorded["table"].token, False)  # type: ignore[union-attr]
    assert made == [table_call]
    # found to hold on the edited files: the next plan compares the table's fields with them
    refreshed = read_state(state, "table").call_uses[table_call]  # type: ignore[union-attr]
    assert refreshed["findings"] != recorded["table"].call_uses[table_call]["findings"]  # type: ignore[union-attr]

    text = project.claims.read_text(encoding="utf-8")
    old = "statement: Few studies test whether"
    project.claims.write_text(text.replace(old, "statement: Only a few studies test whether", 1), encoding="utf-8")
    assert cache_token(project, state, "box")[1]
    assert made[-1] == box_call


def test_a_kept_derived_attribute_counts_as_a_use_of_what_it_is_computed_from(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ev.sensitivity`` is computed from the rating inputs once and then kept: a call that reads it after
    that has still read the rating inputs, or an edit to them would leave its result taken as unchanged."""
    state = tmp_path / "state"
    state.mkdir()
    body = lambda sc, ev: (ev.sensitivity, sc.present.sensitivity_summary(ev))  # noqa: E731 - as the others
    run_chapter(project, state, "kept", monkeypatch, body)
    recorded = read_state(state, "kept")
    assert recorded is not None
    (call,) = [name for name in recorded.facets if name.startswith(CALL)]
    assert "rating_inputs" in recorded.call_uses[call]


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


@pytest.mark.slow
def test_after_an_edit_the_book_built_again_is_the_book_built_from_scratch(built_copy: Project) -> None:
    """The guarantee behind every shortcut: after edits, the pages of the incremental build (some chapters
    kept, some executed) read exactly as those of a build that executes every chapter. The provenance page
    is left out: it shows when and how fast each chapter executed."""
    import re

    cli = str(Path(sys.executable).with_name("schoolcollab"))

    def build(*flags: str) -> tuple[dict[str, str], str]:
        done = subprocess.run([cli, "build", *flags], cwd=built_copy.root, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        site = built_copy.build_dir / "html" / "chapters"
        return {
            page.name: re.sub(r"\?v=[0-9a-f]+", "", page.read_text(encoding="utf-8"))  # Sphinx's cache-busting
            for page in sorted(site.glob("*.html"))
            if page.name != "provenance.html"
        }, done.stdout

    set_direction(built_copy, "ainscow2006collaboration", "positive", "mixed")  # a finding: its counts
    claims = built_copy.claims  # and a claim's wording: one box on one page
    text = claims.read_text(encoding="utf-8")
    old = "statement: Few studies test whether collaboration raises pupils' outcomes directly"
    assert old in text
    claims.write_text(text.replace(old, old.replace("Few studies", "Only a few studies"), 1), encoding="utf-8")

    incremental, log = build()
    executed = int(re.search(r"\((\d+) chapter\(s\) executed\)", log).group(1))  # type: ignore[union-attr]
    assert 0 < executed < len(incremental) - 4, log  # most chapters kept: the comparison below means something
    assert "Only a few studies" in incremental["impact.html"]
    scratch, _ = build("--force")
    assert scratch.keys() == incremental.keys()
    assert [name for name in scratch if scratch[name] != incremental[name]] == []


def test_a_chapter_that_shows_the_edition_depends_on_which_edition_not_on_every_file(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status (an edition, or a draft after one) is found by hashing every data file; a chapter that
    shows it runs again when the status changes, not at every edit that leaves it a draft."""
    import yaml

    from schoolcollab.editions import STATUS_FACET, evidence_fingerprint

    record = project.sources / "ainscow2006collaboration.yaml"
    before = record.read_text(encoding="utf-8")
    set_direction(project, "ainscow2006collaboration", "positive", "mixed")
    matching = evidence_fingerprint(project)  # of the data as they will be after the second edit
    record.write_text(before, encoding="utf-8")
    editions = project.data / "editions" / "editions.yaml"
    listed = yaml.safe_load(editions.read_text(encoding="utf-8"))
    listed["editions"][-1]["fingerprint"] = matching
    editions.write_text(yaml.safe_dump(listed, sort_keys=False), encoding="utf-8")

    state = tmp_path / "state"
    state.mkdir()
    run_chapter(project, state, "status", monkeypatch, lambda sc, ev: sc.edition_status(project.root))
    token = read_state(state, "status").token  # type: ignore[union-attr]
    assert STATUS_FACET in facets_of(state, "status")
    set_direction(project, "ainscow2006collaboration", "positive", "no_effect")  # still a draft
    assert cache_token(project, state, "status") == (token, False)
    record.write_text(before, encoding="utf-8")
    set_direction(project, "ainscow2006collaboration", "positive", "mixed")  # now the last edition itself
    assert cache_token(project, state, "status")[1]
