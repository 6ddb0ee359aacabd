"""Fingerprints of what a chapter reads, so the execution cache re-runs it exactly when they change."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..paths import Project


def _hash_path(h: hashlib._Hash, path: Path, root: Path) -> None:
    try:
        name = str(path.relative_to(root))
    except ValueError:
        name = str(path)
    if path.is_dir():
        h.update(f"dir:{name}\n".encode())
        # bytecode caches change when Python writes them, not when the code changes
        for child in sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not p.name.startswith(".") and "__pycache__" not in p.parts and p.suffix != ".pyc"
        ):
            _hash_path(h, child, root)
    elif path.is_file():
        h.update(f"file:{name}\n".encode())
        h.update(path.read_bytes())
    else:
        h.update(f"missing:{name}\n".encode())


def digest(paths: list[Path], root: Path) -> str:
    """One hash over the names and contents of ``paths`` (folders: every file inside)."""
    h = hashlib.sha256()
    for path in sorted(set(paths)):
        _hash_path(h, path, root)
    return h.hexdigest()[:16]


def state_path(state_dir: Path, docname: str) -> Path:
    return state_dir / (docname.replace("/", "__") + ".json")


def pending_path(state_dir: Path, docname: str) -> Path:
    """Where a chapter's kernel appends the inputs it reads while it executes."""
    return state_dir / (docname.replace("/", "__") + ".pending")


@dataclass(frozen=True)
class ChapterState:
    """What a chapter read at its last execution, their fingerprint then, and the cache token used."""

    inputs: list[str]
    inputs_fp: str
    token: str


def read_state(state_dir: Path, docname: str) -> ChapterState | None:
    path = state_path(state_dir, docname)
    if not path.is_file():
        return None
    try:
        return ChapterState(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None  # unreadable state only costs a re-execution


def write_state(state_dir: Path, docname: str, state: ChapterState) -> None:
    state_path(state_dir, docname).write_text(json.dumps(asdict(state), indent=1), encoding="utf-8")


def inputs_fingerprint(project: Project, inputs: list[str] | None) -> str:
    """Hash of the package's code and of ``inputs`` (every input of schoolcollab.book_inputs when unknown)."""
    from ..book_inputs import input_paths

    paths = [Path(p) for p in inputs] if inputs is not None else input_paths(project)
    return digest([project.package, *paths], project.root)


PRINT_MARK = "+print"


def cache_token(project: Project, state_dir: Path, docname: str, for_print: bool = False) -> tuple[str, bool]:
    """The value to put in the chapter's cache key, and whether its inputs changed since it last ran.

    While the recorded inputs are unchanged the chapter keeps the token it executed under, so the
    execution cache finds it; any change yields a new token, hence a cache miss and a fresh run.
    A chapter executed for the print edition (``for_print``: its figures also stored as PDF) carries
    :data:`PRINT_MARK`; that execution serves the web edition too, but not the other way round.
    """
    state = read_state(state_dir, docname)
    current = inputs_fingerprint(project, state.inputs if state else None)
    if state is not None and current == state.inputs_fp and (state.token.endswith(PRINT_MARK) or not for_print):
        return state.token, False
    return current + (PRINT_MARK if for_print else ""), True


def printable(token: str) -> bool:
    """Whether a chapter executing under ``token`` stores its figures for print."""
    return token.endswith(PRINT_MARK)


def record_execution(project: Project, state_dir: Path, docname: str, token: str) -> None:
    """After a chapter executed: keep what it read, their fingerprint now, and the token it ran under."""
    pending = pending_path(state_dir, docname)
    inputs = sorted(set(pending.read_text(encoding="utf-8").split())) if pending.is_file() else []
    write_state(state_dir, docname, ChapterState(inputs, inputs_fingerprint(project, inputs), token))
    pending.unlink(missing_ok=True)


def is_outdated(project: Project, state_dir: Path, docname: str, for_print: bool = False) -> bool:
    return cache_token(project, state_dir, docname, for_print)[1]


def refreshed_path(state_dir: Path) -> Path:
    """Pages executed ahead of Sphinx since the last successful build: Sphinx must read them again."""
    return state_dir / "refreshed.txt"


def add_refreshed(state_dir: Path, docnames: list[str]) -> None:
    with open(refreshed_path(state_dir), "a", encoding="utf-8") as fh:
        fh.writelines(f"{doc}\n" for doc in docnames)


def read_refreshed(state_dir: Path) -> list[str]:
    path = refreshed_path(state_dir)
    return path.read_text(encoding="utf-8").split() if path.is_file() else []


def clear_refreshed(state_dir: Path) -> None:
    refreshed_path(state_dir).unlink(missing_ok=True)
