"""Each chapter's notebook as MyST-NB reads it from the chapter's text, parsed again only when the text changes.

Every build turns every MyST Markdown chapter into a notebook, to ask the execution cache whether it is
up to date. MyST-NB's reader parses the Markdown and validates each cell against nbformat's schema:
0.6 s of a rebuild in which one record changed and no chapter's text did. The notebook is kept, as
JSON, in the build's state folder under a digest of the chapter's text and the reader's version; any
change to either parses the chapter afresh. A kept file that cannot be read is parsed afresh too.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import myst_nb
import nbformat
from myst_nb.core.read import read_myst_markdown_notebook

FOLDER = "parsed-chapters"


def _key(path: Path, text: str) -> str:
    return hashlib.sha256(f"myst-nb {myst_nb.__version__}\n{path}\n{text}".encode()).hexdigest()


def read_chapter(docname: str, path: Path, text: str, state_dir: Path) -> nbformat.NotebookNode:
    """The notebook of chapter ``docname`` at ``path`` whose text is ``text`` (with its source map)."""
    kept = state_dir / FOLDER / (docname.replace("/", "__") + ".json")
    key = _key(path, text)
    try:
        stored = json.loads(kept.read_text(encoding="utf-8"))
        if stored["key"] == key:
            return nbformat.from_dict(stored["notebook"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not kept yet, or for other text, or unreadable: parse it
    nb = read_myst_markdown_notebook(text, add_source_map=True, path=path)
    kept.parent.mkdir(parents=True, exist_ok=True)
    partial = kept.with_name(f".{kept.name}.partial")
    partial.write_text(json.dumps({"key": key, "notebook": nb}), encoding="utf-8")
    os.replace(partial, kept)
    return nb
