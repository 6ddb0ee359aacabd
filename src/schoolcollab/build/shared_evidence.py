"""Load and validate the evidence base once per build and hand it to every chapter's kernel.

Each chapter that calls ``sc.evidence_base()`` used to parse and validate every source record itself
(about 0.6 s of each kernel). The build now loads it once, in a thread alongside the first kernels'
start, and writes it, with the list of files that load read and their fingerprint, to a file named by
``SCHOOLCOLLAB_SHARED_EVIDENCE``. A kernel uses it only when those files (and the package) still have
that fingerprint, and records them exactly as its own load would have, so the chapter's fingerprint is
unchanged; otherwise (an edit during the build, no file yet, anything unreadable) it loads as before.
"""

from __future__ import annotations

import os
import pickle
import threading
from pathlib import Path
from typing import Any

from ..inputs import VIA
from ..paths import Project
from .fingerprint import digest

SHARED_ENV = "SCHOOLCOLLAB_SHARED_EVIDENCE"


def shared_path(state_dir: Path) -> Path:
    return state_dir / f"evidence-{os.getpid()}.pickle"


def write_shared(project: Project, path: Path) -> bool:
    """Load the evidence base as a kernel would, and write it to ``path``; False if it does not load."""
    from ..errors import InputError
    from ..inputs import capture
    from ..load import bibliography, evidence

    try:
        with capture() as found:
            for loader in (evidence, bibliography):  # as in a fresh kernel: read now, not remembered
                loader.cache_clear()
            ev = evidence(project.root)
    except InputError:
        return False
    finally:
        evidence.cache_clear()
        bibliography.cache_clear()
    files = sorted({line.removeprefix(VIA) for line in found if line.startswith(VIA)})
    if not files:  # a kernel would then record nothing, and the chapter never re-run: do not share
        return False
    payload = {
        "root": str(project.root),
        "files": files,
        "fp": digest([project.package, *map(Path, files)], project.root),
        "evidence": ev,
    }
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(partial, path)
    return True


def share_in_background(project: Project, path: Path) -> threading.Thread:
    """Write the shared evidence base in a thread; kernels that ask before it is written load their own."""
    thread = threading.Thread(target=write_shared, args=(project, path), name="share-evidence", daemon=True)
    thread.start()
    return thread


def read_shared(project: Project) -> tuple[Any, list[str]] | None:
    """In a kernel: the build's evidence base and the files it was loaded from, if they are unchanged."""
    name = os.environ.get(SHARED_ENV)
    if not name or not Path(name).is_file():
        return None
    try:
        payload = pickle.loads(Path(name).read_bytes())
    except Exception:  # noqa: BLE001 - half-written or from another version: load as usual
        return None
    if payload.get("root") != str(project.root):
        return None
    files = payload["files"]
    if digest([project.package, *map(Path, files)], project.root) != payload["fp"]:
        return None
    return payload["evidence"], files
