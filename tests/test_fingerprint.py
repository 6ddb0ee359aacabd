"""The cache tokens that make the execution cache aware of a chapter's inputs and of the edition."""

from __future__ import annotations

from pathlib import Path

import pytest

from schoolcollab.build.fingerprint import (
    PRINT_MARK,
    cache_token,
    forget_executions,
    pending_path,
    record_execution,
)
from schoolcollab.paths import Project

DOC = "chapters/appendix-glossary"


def executed(project: Project, state: Path, token: str, reads: list[Path]) -> None:
    """What a build does after a chapter ran: its kernel listed what it read; keep the record."""
    pending_path(state, DOC).write_text("".join(f"{p}\n" for p in reads), encoding="utf-8")
    record_execution(project, state, DOC, token)


def test_a_chapter_keeps_its_token_until_what_it_read_changes(project: Project, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    token, changed = cache_token(project, state, DOC)
    assert changed
    glossary = project.data / "review" / "glossary.yaml"
    executed(project, state, token, [glossary])
    assert cache_token(project, state, DOC) == (token, False)
    (project.data / "review" / "initiatives.csv").write_text("not read by this chapter\n", encoding="utf-8")
    assert cache_token(project, state, DOC) == (token, False)
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    new, changed = cache_token(project, state, DOC)
    assert changed and new != token


def test_a_chapter_that_ran_while_a_file_was_saved_runs_again(project: Project, tmp_path: Path) -> None:
    """Its record fingerprints the files after it ran, so it may hold bytes the chapter never read."""
    state = tmp_path / "state"
    state.mkdir()
    token, _ = cache_token(project, state, DOC)
    executed(project, state, token, [project.data / "review" / "glossary.yaml"])
    assert cache_token(project, state, DOC) == (token, False)
    forget_executions(state, [DOC])
    assert cache_token(project, state, DOC)[1]


def test_the_print_edition_needs_a_print_execution_which_serves_the_web_too(project: Project, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    web, _ = cache_token(project, state, DOC)
    assert not web.endswith(PRINT_MARK)
    executed(project, state, web, [project.data / "review" / "glossary.yaml"])
    printed, changed = cache_token(project, state, DOC, for_print=True)
    assert changed and printed.endswith(PRINT_MARK)  # figures lack their PDF: execute again
    executed(project, state, printed, [project.data / "review" / "glossary.yaml"])
    assert cache_token(project, state, DOC, for_print=True) == (printed, False)
    assert cache_token(project, state, DOC) == (printed, False)  # the web edition reuses it


def run_chapter(project: Project, state: Path, doc: str, monkeypatch: pytest.MonkeyPatch, use: list[str]) -> str:
    """What a build does for a chapter that loads the evidence base and uses the fields ``use``: its
    kernel (a fresh process) records what it read and used; the build keeps the record. Returns the token."""
    import schoolcollab as sc
    from schoolcollab import inputs

    token, changed = cache_token(project, state, doc)
    assert changed
    pending = pending_path(state, doc)
    pending.write_text("", encoding="utf-8")
    monkeypatch.setenv(inputs.MANIFEST_ENV, str(pending))
    for loader in (sc.evidence_base, sc.bibliography):  # a kernel starts with nothing loaded or recorded
        loader.cache_clear()
    monkeypatch.setattr(inputs, "_recorded", set())
    monkeypatch.setattr(inputs, "_facets", set())
    ev = sc.evidence_base(project.root)
    for name in use:
        getattr(ev, name)
    monkeypatch.delenv(inputs.MANIFEST_ENV)
    record_execution(project, state, doc, token)
    return token


def set_direction(project: Project, key: str, old: str, new: str) -> None:
    record = project.sources / f"{key}.yaml"
    text = record.read_text(encoding="utf-8")
    assert f"    direction: {old}\n" in text
    record.write_text(text.replace(f"    direction: {old}\n", f"    direction: {new}\n", 1), encoding="utf-8")


def test_an_edit_to_the_evidence_reruns_only_chapters_that_used_what_it_changed(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    boxes = run_chapter(project, state, "chapters/boxes", monkeypatch, ["claims", "ratings", "links"])
    counts = run_chapter(project, state, "chapters/counts", monkeypatch, ["findings", "codebook"])
    whole = run_chapter(project, state, "chapters/whole", monkeypatch, ["tables"])
    set_direction(project, "ainscow2006collaboration", "positive", "mixed")  # a finding's direction
    assert cache_token(project, state, "chapters/boxes") == (boxes, False)  # claims and ratings did not change
    assert cache_token(project, state, "chapters/counts")[1]  # the findings did
    assert cache_token(project, state, "chapters/whole")[1]
    # the skipped chapter's record now matches the files as they are: the next check is the quick one
    assert cache_token(project, state, "chapters/boxes") == (boxes, False)
    assert counts and whole


def test_a_chapter_reruns_when_its_direct_inputs_change_or_the_evidence_no_longer_loads(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    boxes = run_chapter(project, state, "chapters/boxes", monkeypatch, ["claims"])
    bib = project.bib
    bib.write_text(bib.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # read directly: bytes count
    assert cache_token(project, state, "chapters/boxes")[1]
    boxes = run_chapter(project, state, "chapters/boxes", monkeypatch, ["claims"])
    set_direction(project, "ainscow2006collaboration", "positive", "sideways")  # not in the codebook
    assert cache_token(project, state, "chapters/boxes")[1]  # executing it reports the problem
    assert boxes


def test_facet_digests_are_the_same_in_every_process(project: Project) -> None:
    """A chapter's kernel records digests and the build, another process, computes them again: of every
    field, and of calls (schoolcollab.call_facets) whose results hold tables, text, dicts and figures' data."""
    import json
    import os
    import subprocess
    import sys

    from schoolcollab.call_facets import call_name
    from schoolcollab.facets import FACETS

    calls = [
        ("schoolcollab.present", "claim_box", ("pupil-impact-limited-mixed",), {}),
        ("schoolcollab.present", "summary_markdown", (), {}),
        ("schoolcollab.present", "sources_explorer", (), {}),
        ("schoolcollab.present.gap_map_view", "gap_map_page_data", (), {"static": True}),
        ("schoolcollab.present.evidence_views", "impact_data", (), {}),
        ("schoolcollab", "prisma_flow", (), {}),
    ]
    names = [*FACETS, *(call_name(*call) for call in calls)]
    code = (
        "import sys, json; from pathlib import Path; from schoolcollab.paths import Project;"
        "from schoolcollab.build.fingerprint import current_facets;"
        "f = current_facets(Project(Path(sys.argv[1]))); print(json.dumps([f(n) for n in json.loads(sys.argv[2])]))"
    )
    seen = [
        subprocess.run(
            [sys.executable, "-c", code, str(project.root), json.dumps(names)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert seen[0] == seen[1] and "unstable" not in seen[0]
    assert len(set(json.loads(seen[0]))) == len(names)


FRONT = (
    "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
    "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n"
)


def chapter(title: str, code: str) -> str:
    cell = f"```{{code-cell}} ipython3\n:tags: [remove-input]\nimport schoolcollab as sc\n\n{code}\n```\n"
    return f"{FRONT}# {title}\n\n{cell}"


@pytest.mark.slow
def test_a_build_skips_a_chapter_an_edit_does_not_affect_and_reruns_one_it_does(tmp_path: Path) -> None:
    """Three chapters load the evidence base: one shows the claims, one counts positive findings, one draws
    the conditions for success (a figure from counts of sources, which a finding's direction leaves as they
    are). Changing a finding's direction re-executes the second (its page shows the new count) only."""
    import subprocess
    import sys

    from conftest import copy_book

    book = copy_book(tmp_path / "book")
    for page in book.chapters.glob("*.md"):
        page.unlink()
    (book.root / "_toc.yml").write_text(
        "format: jb-book\nroot: chapters/index\nchapters:\n  - file: chapters/claims\n  - file: chapters/counts\n"
        "  - file: chapters/factors\n",
        encoding="utf-8",
    )
    (book.chapters / "index.md").write_text("# Mini book\n\nTwo chapters.\n", encoding="utf-8")
    (book.chapters / "claims.md").write_text(
        chapter("Claims", 'print(f"claims: {len(sc.evidence_base().claims)}")'), encoding="utf-8"
    )
    (book.chapters / "counts.md").write_text(
        chapter(
            "Counts", "print(f\"positive findings: {(sc.evidence_base().findings.direction == 'positive').sum()}\")"
        ),
        encoding="utf-8",
    )
    (book.chapters / "factors.md").write_text(
        chapter("Factors", 'sc.present.factor_figure(sc.evidence_base(), "conditions")'), encoding="utf-8"
    )
    cli = str(Path(sys.executable).with_name("schoolcollab"))

    def build() -> str:
        done = subprocess.run([cli, "build"], cwd=book.root, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def shown(page: str, what: str) -> int:
        html = (book.build_dir / "html" / "chapters" / f"{page}.html").read_text(encoding="utf-8")
        return int(html.split(f"{what}: ", 1)[1].split("<", 1)[0].split()[0])

    first = build()
    assert "(3 chapter(s) executed)" in first, first
    assert "<img" in (book.build_dir / "html" / "chapters" / "factors.html").read_text(encoding="utf-8")
    before, claims = shown("counts", "positive findings"), shown("claims", "claims")
    set_direction(book, "ainscow2006collaboration", "positive", "mixed")
    again = build()
    assert "(1 chapter(s) executed)" in again and "chapters/counts.md" in again, again
    assert shown("counts", "positive findings") == before - 1  # the new value, not the old one
    assert shown("claims", "claims") == claims
    claims_file = book.data / "findings.yaml"
    claims_file.write_text(claims_file.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # same claims
    assert "(0 chapter(s) executed)" in build()


def test_a_capture_in_one_thread_leaves_every_other_thread_unrecorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build loads the evidence base to share in a thread while its main thread plans and starts
    kernels: the main thread must not record into that load's manifest (which is deleted when it ends)."""
    import threading

    from schoolcollab import inputs

    monkeypatch.delenv(inputs.MANIFEST_ENV, raising=False)
    mine, other = tmp_path / "mine.yaml", tmp_path / "other.yaml"
    mine.write_text("a: 1\n", encoding="utf-8")
    other.write_text("b: 2\n", encoding="utf-8")
    inside, leave = threading.Event(), threading.Event()
    seen: dict[str, list[str]] = {}

    def load() -> None:
        with inputs.capture() as found:
            inputs.read_text(mine)
            inside.set()
            leave.wait(10)
        seen["found"] = found

    thread = threading.Thread(target=load)
    thread.start()
    assert inside.wait(10)
    assert not inputs.recording()
    inputs.read_text(other)  # the main thread's read, while the capture is open in the other thread
    leave.set()
    thread.join(10)
    assert seen["found"] == [str(mine.resolve())]
    assert not inputs.recording()


def test_the_evidence_base_shared_by_the_build_is_recorded_as_a_kernels_own_load_and_never_stale(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import schoolcollab as sc
    from schoolcollab import inputs
    from schoolcollab.build.shared_evidence import SHARED_ENV, read_shared, write_shared

    def state_of_a_kernel(doc: str) -> dict:
        state = tmp_path / doc
        state.mkdir()
        run_chapter(project, state, doc, monkeypatch, ["claims", "findings"])
        return json.loads(next(state.glob("*.json")).read_text(encoding="utf-8"))

    own = state_of_a_kernel("own")
    shared = tmp_path / "shared.pickle"
    assert write_shared(project, shared)
    monkeypatch.setenv(SHARED_ENV, str(shared))
    ev = read_shared(project)
    assert ev is not None and len(ev[1]) > 2
    assert state_of_a_kernel("shared") == own  # the same inputs, facets and fingerprints as its own load
    mixed = (ev[0].findings["direction"] == "mixed").sum()
    set_direction(project, "ainscow2006collaboration", "positive", "mixed")  # an edit after it was shared
    assert read_shared(project) is None  # so the kernel loads the files as they are now
    sc.evidence_base.cache_clear()
    monkeypatch.setattr(inputs, "_recorded", set())
    assert (sc.evidence_base(project.root).findings["direction"] == "mixed").sum() == mixed + 1


@pytest.mark.slow
def test_a_copy_of_a_built_book_builds_again_without_executing_a_chapter(built_copy: Project) -> None:
    """Each chapter's record names its inputs relative to the book and the package by its own folder, so
    a copy elsewhere (a test's, a colleague's checkout with its _build) is current; an edit still runs."""
    import subprocess
    import sys

    cli = str(Path(sys.executable).with_name("schoolcollab"))
    again = subprocess.run([cli, "build"], cwd=built_copy.root, capture_output=True, text=True)
    assert again.returncode == 0 and "(0 chapter(s) executed)" in again.stdout, again.stdout + again.stderr
    csv = built_copy.input("initiatives")
    csv.write_text(
        csv.read_text(encoding="utf-8").replace("Specialist Schools Programme", "Specialist Schools Plan", 1)
    )
    edited = subprocess.run([cli, "build"], cwd=built_copy.root, capture_output=True, text=True)
    assert edited.returncode == 0 and "(0 chapter(s) executed)" not in edited.stdout, edited.stdout
    page = built_copy.build_dir / "html" / "chapters" / "appendix-initiatives.html"
    assert "Specialist Schools Plan" in page.read_text(encoding="utf-8")


def test_one_look_hashes_each_file_once_and_every_look_sees_the_files_as_they_are(tmp_path: Path) -> None:
    from schoolcollab.build.fingerprint import digest, one_look

    folder = tmp_path / "inputs"
    folder.mkdir()
    record = folder / "a.yaml"
    record.write_text("direction: positive\n", encoding="utf-8")
    before = digest([folder], tmp_path)
    with one_look():
        assert digest([folder], tmp_path) == before
        record.write_text("direction: negative\n", encoding="utf-8")  # during the look: not read again
        assert digest([folder], tmp_path) == before
    after = digest([folder], tmp_path)
    assert after != before
    with one_look():
        assert digest([folder], tmp_path) == after  # a new look reads the files anew


def test_the_plan_uses_the_evidence_the_check_loaded_only_while_the_files_are_unchanged(project: Project) -> None:
    from types import SimpleNamespace

    from schoolcollab.build.fingerprint import current_facets, offer_evidence
    from schoolcollab.facets import digest_value

    offer_evidence(project, SimpleNamespace(claims="as the check loaded it"))
    assert current_facets(project)("claims") == digest_value("as the check loaded it")
    set_direction(project, "ainscow2006collaboration", "positive", "mixed")
    now = current_facets(project)("claims")
    assert now not in (digest_value("as the check loaded it"), "unstable")  # loaded from the files again
