"""Fingerprints of what a chapter reads, so the execution cache re-runs it exactly when they change."""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..paths import Project

MANIFEST_SUFFIX = ".inputs"


def _hash_path(h: "hashlib._Hash", path: Path, root: Path) -> None:
    try:
        name = str(path.relative_to(root))
    except ValueError:
        name = str(path)
    if path.is_dir():
        h.update(f"dir:{name}\n".encode())
        for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
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


def manifest_path(state_dir: Path, docname: str) -> Path:
    return state_dir / (docname.replace("/", "__") + MANIFEST_SUFFIX)


def recorded_inputs(state_dir: Path, docname: str) -> list[Path] | None:
    """The inputs the chapter read when it last executed, or None if it never has here."""
    manifest = manifest_path(state_dir, docname)
    if not manifest.is_file():
        return None
    return [Path(line) for line in manifest.read_text(encoding="utf-8").splitlines() if line.strip()]


def chapter_fingerprint(project: Project, state_dir: Path, docname: str) -> str:
    """Hash of the package's code and of every input the chapter read last time.

    With no record of a previous execution, all of ``data/`` and ``references.bib`` stand in: the
    fingerprint is then new, the chapter executes, and its real inputs are recorded.
    """
    inputs = recorded_inputs(state_dir, docname)
    if inputs is None:
        inputs = [project.data, project.bib]
    return digest([project.package, *inputs], project.root)
