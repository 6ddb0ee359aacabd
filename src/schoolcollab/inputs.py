"""Every read of the book's input goes through here, so a build knows what each chapter used.

When a chapter executes during a build, the build sets ``SCHOOLCOLLAB_INPUTS_MANIFEST`` to a file
for that chapter; each input read here is appended to it. The next build fingerprints exactly those
files, so the chapter re-executes when (and only when) something it read has changed.
"""
from __future__ import annotations

import os
from pathlib import Path

MANIFEST_ENV = "SCHOOLCOLLAB_INPUTS_MANIFEST"
_recorded: set[str] = set()


def record(path: Path) -> None:
    """Note that ``path`` was read while building the current chapter (no-op outside a build)."""
    manifest = os.environ.get(MANIFEST_ENV)
    if not manifest:
        return
    resolved = str(Path(path).resolve())
    if resolved in _recorded:
        return
    _recorded.add(resolved)
    with open(manifest, "a", encoding="utf-8") as fh:
        fh.write(resolved + "\n")


def read_text(path: Path) -> str:
    """Read an input file as UTF-8 and record it."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    record(path)
    return text


def list_dir(folder: Path, pattern: str) -> list[Path]:
    """Files in an input folder, sorted; the folder itself is recorded so added files count as a change."""
    folder = Path(folder)
    record(folder)
    return sorted(folder.glob(pattern))
