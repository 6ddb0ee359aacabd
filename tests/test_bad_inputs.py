"""The hostile-input corpus (tests/bad_inputs/): every mistake an author can make is reported, never a crash.

Each folder under tests/bad_inputs/ is one case (see its README.md). The test copies the book, applies the
case, runs ``schoolcollab check`` and asserts: exit code 1, no traceback, every expected text present, every
problem printed as one ``  - file:line: field: message (expected ...) [code]`` line, and the reason codes of the
problems exactly those the case lists.

Most cases run the check in-process (same function and same rendering as the CLI, much faster); cases with
``cli: true`` run the real command as a subprocess, and are marked slow for that.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from schoolcollab.check import check_project
from schoolcollab.errors import InputError
from schoolcollab.paths import Project
from schoolcollab.problem_codes import CODES

ROOT = Path(__file__).resolve().parents[1]
CASES = Path(__file__).resolve().parent / "bad_inputs"
CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "case.yaml").is_file())
BOOK_PARTS = ("_config.yml", "_toc.yml", "chapters", "data", "references.bib")
CLI = str(Path(sys.executable).with_name("schoolcollab"))
CASE_FIELDS = {
    "description",
    "expect",
    "expect_regex",
    "codes",
    "edits",
    "generate",
    "min_problems",
    "cli",
    "command",
}

HEAD = re.compile(r"^(\d+) problems? in the book's input:$")
# "  - file: message [code]", "  - file:12: message [code]", "  - file:12: field: message (expected ...) [code]"
PROBLEM = re.compile(r"^  - (?P<file>[^\s:]+)(?::(?P<line>\d+))?: (?P<rest>\S.*) \[(?P<code>[a-z0-9]+\.[a-z0-9_]+)\]$")


def read_case(folder: Path) -> dict[str, Any]:
    case = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    assert isinstance(case, dict), f"{folder.name}/case.yaml must be a mapping"
    unknown = set(case) - CASE_FIELDS
    assert not unknown, f"{folder.name}/case.yaml: unknown field(s) {sorted(unknown)}"
    assert isinstance(case.get("description"), str) and case["description"].strip(), f"{folder.name}: no description"
    assert case.get("expect") and all(isinstance(e, str) for e in case["expect"]), f"{folder.name}: no expect list"
    codes = case.get("codes")
    assert isinstance(codes, list) and codes, f"{folder.name}: no codes list (the reason codes of its problems)"
    assert len(set(codes)) == len(codes), f"{folder.name}: codes lists a code twice"
    unknown_codes = [c for c in codes if c not in CODES]
    assert not unknown_codes, f"{folder.name}: codes not in schoolcollab.problem_codes.CODES: {unknown_codes}"
    command = case.get("command", "check").split()
    assert command == ["check"] or (len(command) == 2 and command[0] == "import"), (
        f"{folder.name}: command must be 'check' or 'import <file>'"
    )
    return case


def build_case(folder: Path, case: dict[str, Any], dest: Path) -> Path:
    """A copy of the book with the case applied: overlay files, then edits, then generated files."""
    dest.mkdir()
    for part in BOOK_PARTS:
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / part)
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and rel != Path("case.yaml"):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for edit in case.get("edits", []):
        target = dest / edit["file"]
        if edit.get("delete"):
            target.unlink()
            continue
        text = target.read_text(encoding="utf-8")
        if "old" in edit:
            assert edit["old"] in text, f"{folder.name}: edit of {edit['file']}: old text not found: {edit['old']!r}"
            text = text.replace(edit["old"], edit["new"], 1)
        if "append" in edit:
            text += edit["append"]
        # encoding: save the edited file in another encoding (characters it lacks become '?')
        target.write_bytes(text.encode(edit.get("encoding", "utf-8"), errors="replace"))
    for gen in case.get("generate", []):
        target = dest / gen["file"]
        chunk = gen["text"].encode(gen.get("encoding", "utf-8"))
        size = int(gen.get("size_mb", 0) * 1024 * 1024)
        target.write_bytes(chunk * max(1, -(-size // len(chunk))))
    return dest


def run_import(root: Path, file: str, cli: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """(exit code, everything printed) of ``schoolcollab import file --root root``, run from ``root``."""
    if cli:
        result = subprocess.run(
            [CLI, "import", file, "--root", str(root)], cwd=root, capture_output=True, text=True, timeout=120
        )
        return result.returncode, result.stdout + result.stderr
    from schoolcollab.importing import import_references

    monkeypatch.chdir(root)
    try:
        return 0, "\n".join(import_references(Project(root), root / file).lines())
    except InputError as exc:
        return 1, exc.render()


def run_check(root: Path, cli: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """(exit code, everything printed) of ``schoolcollab check --root root``."""
    if cli:
        result = subprocess.run(
            [CLI, "check", "--root", str(root)], cwd=root, capture_output=True, text=True, timeout=120
        )
        return result.returncode, result.stdout + result.stderr
    monkeypatch.chdir(root)  # file names print relative to the working directory, as from the CLI
    report = check_project(Project(root))  # what cli.check does, minus the process start-up
    if report.problems:
        return 1, InputError(report.problems).render()
    return 0, "0 problems"


def _case_param(folder: Path) -> Any:
    """One case; those run through the real command start a process each, so they count as slow."""
    through_cli = bool(yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8")).get("cli"))
    return pytest.param(folder, id=folder.name, marks=[pytest.mark.slow] if through_cli else [])


@pytest.mark.parametrize("folder", [_case_param(p) for p in CASE_DIRS])
def test_bad_input_is_reported_not_crashed(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = read_case(folder)
    root = build_case(folder, case, tmp_path / "book")
    command = case.get("command", "check").split()
    bib_before = (root / "references.bib").read_bytes()
    if command[0] == "import":
        code, output = run_import(root, command[1], bool(case.get("cli")), monkeypatch)
        assert (root / "references.bib").read_bytes() == bib_before, "a bad import must write nothing"
    else:
        code, output = run_check(root, bool(case.get("cli")), monkeypatch)
    shown = f"\n--- output of schoolcollab {' '.join(command)} ---\n{output}"
    assert "Traceback" not in output, shown
    assert code == 1, shown
    lines = output.splitlines()
    head = HEAD.match(lines[0]) if lines else None
    assert head, f"first line is not the problem count{shown}"
    body = lines[1:]
    assert len(body) == int(head.group(1)), f"each problem must be exactly one line{shown}"
    codes = set()
    for line in body:
        match = PROBLEM.match(line)
        assert match, f"not a 'file:line: field: message [code]' line: {line!r}{shown}"
        assert not Path(match["file"]).is_absolute(), f"file should be named relative to the book: {line!r}"
        codes.add(match["code"])
    assert sorted(codes) == sorted(case["codes"]), (
        f"reason codes {sorted(codes)}, the case lists {case['codes']}{shown}"
    )
    for text in case["expect"]:
        assert text in output, f"expected text missing: {text!r}{shown}"
    for pattern in case.get("expect_regex", []):
        assert re.search(pattern, output, flags=re.MULTILINE), f"expected pattern missing: {pattern!r}{shown}"
    assert len(body) >= case.get("min_problems", 1), f"expected at least {case['min_problems']} problems{shown}"


def test_the_corpus_is_large_and_the_real_book_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(CASE_DIRS) >= 40
    assert sum(bool(read_case(p).get("cli")) for p in CASE_DIRS) >= 3  # a few go through the real command
    code, output = run_check(ROOT, False, monkeypatch)
    assert code == 0, output  # so every failure in the corpus is the case's doing
