"""Put a finished build in place: a file under a temporary name then renamed, a site swapped whole and
without the files of earlier builds that none of its pages use."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote


def publish_file(made: Path, target: Path) -> Path:
    """Copy a finished file into place under a temporary name, then rename: never half a PDF."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(made, partial)
    os.replace(partial, target)
    return target


ASSET_DIRS = ("_images", "_downloads")
SPECIAL_PAGES = {"genindex", "search", "py-modindex"}


def stale_files(built: Path) -> set[Path]:
    """Files of an earlier build that no page of this one uses.

    Sphinx's incremental builder writes the images of the pages it rewrites and the pages of the documents
    it knows, but never deletes: an image replaced by a new one, or the page of a chapter taken out of the
    book, stays in its output. The staging folder keeps them (Sphinx may reuse them); the published site
    does not. The documents of this build are those of its search index.
    """
    index = built / "searchindex.js"
    docnames: set[str] | None = None
    if index.is_file():
        found = re.search(r'"docnames":\s*(\[[^\]]*\])', index.read_text(encoding="utf-8"))
        if found is None:  # Sphinx writes the list of documents into every search index
            raise ValueError(f"{index} has no list of documents (docnames)")
        docnames = set(json.loads(found.group(1)))
    pages = [p for p in built.rglob("*.html") if p.is_file()]
    stale: set[Path] = set()
    if docnames is not None:
        for page in pages:
            rel = page.relative_to(built)
            name = rel.with_suffix("").as_posix()
            if rel.parts[0].startswith("_") or name == "index":  # theme files; Jupyter Book's redirect page
                continue
            if name not in docnames and name not in SPECIAL_PAGES:
                stale.add(page)
        sources = built / "_sources"
        for src in sources.rglob("*") if sources.is_dir() else ():
            name = src.relative_to(sources).as_posix()
            if src.is_file() and not any(name.startswith(d + ".") for d in docnames):
                stale.add(src)
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in pages if p not in stale)
    for folder in ASSET_DIRS:
        for asset in (built / folder).rglob("*") if (built / folder).is_dir() else ():
            if asset.is_file() and asset.name not in text and quote(asset.name) not in text:
                stale.add(asset)
    return stale


def publish(built: Path, target: Path, finish: Callable[[Path], object] | None = None) -> Path:
    """Swap the fresh site into place: readers see the old site or the new one, never a mixture, and
    never a file of an earlier build that no page uses (:func:`stale_files`). ``finish`` adds to the fresh
    copy what Sphinx does not make (the downloads) before the swap."""
    fresh = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    for leftover in (fresh, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    stale = stale_files(built)
    shutil.copytree(built, fresh, ignore=lambda folder, names: {n for n in names if Path(folder, n) in stale})
    if finish is not None:
        finish(fresh)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    if old.exists():
        shutil.rmtree(old)
    return target
