"""Sphinx extension: fill the placeholders chapters print (:mod:`.placeholders`) with what the build
recorded about the whole book, when each page is written.

- ``cited-in``: the chapters that cite a source, from sphinxcontrib-bibtex's own record of every
  citation and the page it is on, so ``{cite}`` roles in the text, in claim boxes and in any other
  output all count, however the chapter's code is written.
- ``simulated-section``: recorded, while its page is read, with the section it stands in; then removed.
- ``simulated-results``: the table of the sections so marked, in book order.
- ``see-section``: "See <section title>." linking the section with that label, from Sphinx's own record of
  every label; nothing when the book has no such section (the summary points to the theme sections it has).

A page that holds placeholders is written again whenever what fills them has changed (a chapter added a
citation, a section was renamed), without executing it again. A placeholder left unfilled, or a kind
this extension does not know, is a warning, which fails the book's build.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ..present.book_table import BookTable, latex_escape
from . import placeholders as ph

logger = logging.getLogger(__name__)
SIMULATED_COLUMNS = ("Chapter", "Sections computed from simulated data")


def _holders(env: BuildEnvironment) -> dict[str, set[str]]:
    """Docname -> the kinds of placeholder its page holds (pickled with the environment)."""
    if not hasattr(env, "schoolcollab_placeholders"):
        env.schoolcollab_placeholders = {}  # type: ignore[attr-defined]
    return env.schoolcollab_placeholders  # type: ignore[attr-defined]


def _simulated(env: BuildEnvironment) -> dict[str, list[str]]:
    """Docname -> the titles of its sections marked as showing simulated results, in page order."""
    if not hasattr(env, "schoolcollab_simulated"):
        env.schoolcollab_simulated = {}  # type: ignore[attr-defined]
    return env.schoolcollab_simulated  # type: ignore[attr-defined]


def _section_title(node: nodes.Node, doctree: nodes.document) -> str:
    section = next((a for a in _ancestors(node) if isinstance(a, nodes.section)), None)
    holder = section if section is not None else doctree
    title = next(iter(holder.findall(nodes.title)), None)
    return title.astext() if title is not None else ""


def _ancestors(node: nodes.Node) -> list[nodes.Node]:
    found = []
    while node.parent is not None:
        node = node.parent
        found.append(node)
    return found


def _cell(node: nodes.Node) -> nodes.Node:
    """The notebook cell an output belongs to (the node itself when it is not in one)."""
    cells = (a for a in _ancestors(node) if isinstance(a, nodes.Element) and a.get("nb_element") == "cell_code")
    return next(cells, node)


def on_doctree_read(app: Sphinx, doctree: nodes.document) -> None:
    """Note which placeholders the page holds; record simulated-section marks, then drop their cells."""
    docname = app.env.docname
    kinds: set[str] = set()
    marks: list[str] = []
    removed: list[nodes.Node] = []  # a mark's renderings (HTML, LaTeX, text) all sit in one cell
    for raw in list(doctree.findall(nodes.raw)):
        found = ph.find(raw.astext())
        if any(p.kind == ph.SIMULATED_SECTION for p in found):
            cell = _cell(raw)
            if not any(cell is gone for gone in removed) and cell.parent is not None:
                title = _section_title(cell, doctree)
                if title not in marks:
                    marks.append(title)
                cell.parent.remove(cell)
                removed.append(cell)
            continue
        kinds.update(p.kind for p in found)
    for text in doctree.findall(nodes.Text):
        if "@@sc:" in text:  # raw outputs' placeholders also reach text nodes (a table's plain-text form)
            kinds.update(p.kind for p in ph.find(str(text)) if p.kind in ph.IN_TEXT)
    if kinds:
        _holders(app.env)[docname] = kinds
    if marks:
        _simulated(app.env)[docname] = marks


def on_env_purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _holders(env).pop(docname, None)
    _simulated(env).pop(docname, None)


def on_env_merge_info(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    """Bring what a parallel reader recorded into the main environment."""
    holders, simulated = _holders(other), _simulated(other)
    _holders(env).update({doc: holders[doc] for doc in docnames if doc in holders})
    _simulated(env).update({doc: simulated[doc] for doc in docnames if doc in simulated})


def book_order(env: BuildEnvironment) -> list[str]:
    """Every page in reading order (the order of the table of contents), the root page first."""
    relations = env.collect_relations()
    order, doc = [], env.config.root_doc
    while doc is not None and doc not in order:
        order.append(doc)
        doc = relations.get(doc, (None, None, None))[2]
    return order + sorted(set(env.found_docs) - set(order))


def citing_pages(env: BuildEnvironment) -> dict[str, list[str]]:
    """Source key -> the pages that cite it, in book order; the root page (the book's front door) not counted."""
    domain = env.get_domain("cite")
    pages: dict[str, set[str]] = {}
    for ref in domain.citation_refs:  # type: ignore[attr-defined]
        for target in ref.targets:
            pages.setdefault(target.key, set()).add(ref.docname)
    position = {doc: i for i, doc in enumerate(book_order(env))}
    root = env.config.root_doc
    return {
        key: sorted((d for d in docs if d != root), key=lambda d: position.get(d, len(position)))
        for key, docs in pages.items()
    }


def title(env: BuildEnvironment, docname: str) -> str:
    """A page's title as the reader sees it."""
    found = env.titles.get(docname)
    return found.astext() if found is not None else docname


def simulated_rows(env: BuildEnvironment) -> list[tuple[str, str]]:
    """(chapter title, its marked sections) for each page with simulated results, in book order."""
    marked = _simulated(env)
    return [(title(env, doc), "; ".join(marked[doc])) for doc in book_order(env) if doc in marked]


def _digest(env: BuildEnvironment) -> str:
    """What the placeholders are filled from: a change to it means their pages must be written again."""
    cited = citing_pages(env)
    facts = {
        "cited": cited,
        "titles": {doc: title(env, doc) for docs in cited.values() for doc in docs},
        "simulated": simulated_rows(env),
        "sections": sorted(_labels(env).items()),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode("utf-8")).hexdigest()


def _written_path(app: Sphinx, docname: str) -> Path:
    """Where the digest a page was last written with is kept, per builder (HTML and LaTeX differ)."""
    return Path(app.doctreedir) / "schoolcollab-facts" / app.builder.name / (docname.replace("/", "__") + ".sha256")


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages holding placeholders that were last written from other facts than the book has now."""
    current = _digest(env)
    stale = []
    for doc in sorted(_holders(env)):
        path = _written_path(app, doc)
        if not path.is_file() or path.read_text(encoding="utf-8") != current:
            stale.append(doc)
    return stale


def _cited_in(app: Sphinx, fromdoc: str, key: str, fmt: str, cited: dict[str, list[str]]) -> str:
    docs = cited.get(key, [])
    env = app.env
    if fmt == "html":
        links = [
            f"<a href='{ph.json_safe_html(app.builder.get_relative_uri(fromdoc, d))}'>"
            f"{ph.json_safe_html(title(env, d))}</a>"
            for d in docs
        ]
        return "<br>".join(links) or "&#8212;"
    text = "; ".join(title(env, d) for d in docs) or "—"
    return latex_escape(text) if fmt == "latex" else text


def _simulated_table(env: BuildEnvironment, fmt: str) -> str:
    rows = simulated_rows(env) or [("none", "—")]
    table = BookTable(pd.DataFrame(rows, columns=list(SIMULATED_COLUMNS)))
    return table.to_html() if fmt == "html" else table.to_latex() if fmt == "latex" else repr(table)


def _labels(env: BuildEnvironment) -> dict[str, tuple[str, str, str]]:
    """Label -> (page, anchor, section title) of every labelled section, as Sphinx's std domain records them."""
    labels = env.get_domain("std").labels  # type: ignore[attr-defined]
    # str(): Sphinx's own labels (genindex, search) carry lazily translated titles
    return {label: (doc, anchor, str(section)) for label, (doc, anchor, section) in labels.items()}


def _see_section(app: Sphinx, fromdoc: str, label: str) -> list[nodes.Node]:
    """ "See <title>." as a cross-reference, built as Sphinx builds a ``{ref}`` (HTML and LaTeX alike)."""
    found = _labels(app.env).get(label)
    if found is None:
        return []
    docname, anchor, section = found
    std = app.env.get_domain("std")
    link = std.build_reference_node(fromdoc, app.builder, docname, anchor, section, "ref")  # type: ignore[attr-defined]
    return [nodes.Text("See "), link, nodes.Text(".")]


def _fill_text(app: Sphinx, docname: str, doctree: nodes.document) -> bool:
    """Replace the placeholders written in the page's text (see :data:`.placeholders.IN_TEXT`)."""
    filled = False
    for text in list(doctree.findall(nodes.Text)):
        found = [p for p in ph.find(str(text)) if p.kind in ph.IN_TEXT] if "@@sc:" in text else []
        if not found or text.parent is None:
            continue
        rest, parts = str(text), list[nodes.Node]()
        for p in found:
            before, rest = rest.split(p.text, 1)
            parts.append(nodes.Text(before))
            parts.extend(_see_section(app, docname, p.argument))
        parts.append(nodes.Text(rest))
        parent = text.parent
        index = parent.index(text)
        parent.remove(text)
        for offset, node in enumerate(part for part in parts if not isinstance(part, nodes.Text) or str(part)):
            parent.insert(index + offset, node)
        filled = True
    return filled


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Fill the page's placeholders for the output being written, and remember what they were filled from."""
    cited = citing_pages(app.env)
    filled = _fill_text(app, docname, doctree)
    for raw in list(doctree.findall(nodes.raw)):
        found = ph.find(raw.astext())
        if not found:
            continue
        fmt, text = raw.get("format", ""), raw.astext()
        for p in found:
            if p.kind == ph.CITED_IN:
                text = text.replace(p.text, _cited_in(app, docname, p.argument, fmt, cited))
            elif p.kind == ph.SIMULATED_RESULTS:
                text = text.replace(p.text, _simulated_table(app.env, fmt))
            else:
                logger.warning("%s: placeholder %s cannot be filled here", docname, p.text, location=raw)
        raw.replace(raw[0], nodes.Text(text))
        filled = True
    if filled:
        path = _written_path(app, docname)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_digest(app.env), encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-purge-doc", on_env_purge_doc)
    app.connect("env-merge-info", on_env_merge_info)
    app.connect("env-updated", on_env_updated)
    app.connect("doctree-resolved", on_doctree_resolved)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
