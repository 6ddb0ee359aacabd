"""Sphinx extension: make Jupyter Book's execution cache aware of the data a chapter reads.

jupyter-cache keys a notebook by its code cells and kernelspec only, and Sphinx re-reads a page only
when its own file changed. This extension (1) marks a notebook page outdated when the fingerprint
of its inputs changed, and (2) writes that fingerprint into the page's kernelspec metadata, which the
cache does hash, so a changed input means a cache miss and a fresh execution. While a page executes,
its kernel records every input it reads (``schoolcollab.inputs``) for the next fingerprint.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

import yaml
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ..inputs import MANIFEST_ENV, PRINT_ENV
from ..paths import find_project
from . import handoff
from .fingerprint import (
    STATE_DIR,
    cache_token,
    clear_refreshed,
    is_outdated,
    pending_path,
    read_refreshed,
    record_execution,
)

FP_KEY = "schoolcollab_inputs"
logger = logging.getLogger(__name__)
_PARENT = os.getppid()  # the build that started Sphinx; if it dies, nobody will release a page


def _state_dir(app: Sphinx) -> Path:
    path = Path(app.doctreedir).parent / STATE_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def _for_print() -> bool:
    """Whether this build makes the print edition (its chapters must store figures for print)."""
    return os.environ.get(PRINT_ENV) == "1"


def _tokens(env: BuildEnvironment) -> dict[str, str]:
    """Docname -> the cache token injected when the page was last read (pickled with the env)."""
    if not hasattr(env, "schoolcollab_tokens"):
        env.schoolcollab_tokens = {}  # type: ignore[attr-defined]
    return env.schoolcollab_tokens  # type: ignore[attr-defined]


def _handoff_timeout(app: Sphinx) -> float:
    """How long Sphinx waits for the build (:mod:`.handoff`) before working without it."""
    return max(600.0, 4.0 * float(app.config.nb_execution_timeout))


def _split_frontmatter(text: str) -> tuple[dict[str, Any], str] | None:
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    if end < 0:
        return None
    meta = yaml.safe_load(text[3:end]) or {}
    return (meta, text[end + 4 :]) if isinstance(meta, dict) else None


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    parts = _split_frontmatter(source[0])
    if parts is None or "kernelspec" not in parts[0]:
        return
    meta, body = parts
    # the build may still be executing this chapter, in parallel: read it once it is cached
    waited = handoff.wait_for(docname, _PARENT, timeout=_handoff_timeout(app))
    if waited > 0.5:
        logger.verbose("%s: waited %.1f s for its execution", docname, waited)
    state = _state_dir(app)
    token, _ = cache_token(find_project(Path(app.srcdir)), state, docname, _for_print())
    _tokens(app.env)[docname] = token
    meta["kernelspec"] = {**meta["kernelspec"], FP_KEY: token}
    # Keep the front matter's line count so that line numbers in warnings stay right.
    dumped = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    pad = source[0][: len(source[0]) - len(body)].count("\n") - dumped.count("\n") - 2
    source[0] = "---\n" + dumped + "\n" * max(pad, 0) + "---" + body
    pending = pending_path(state, docname)
    pending.unlink(missing_ok=True)
    pending.touch()
    os.environ[MANIFEST_ENV] = str(pending)


def on_doctree_read(app: Sphinx, doctree: Any) -> None:
    """After a page is parsed (and executed if it had to be), keep what its kernel read."""
    docname = app.env.docname
    os.environ.pop(MANIFEST_ENV, None)
    token = _tokens(app.env).get(docname)
    if token is None:
        return
    state = _state_dir(app)
    pending = pending_path(state, docname)
    if pending.is_file() and pending.stat().st_size > 0:  # it executed: its record replaces the old one
        record_execution(find_project(Path(app.srcdir)), state, docname, token)
    else:
        pending.unlink(missing_ok=True)


def on_env_get_outdated(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Pages whose code did not change but whose recorded inputs did, or that ran ahead of Sphinx."""
    project = find_project(Path(app.srcdir))
    state = _state_dir(app)
    # the chapters the build executes now are read again, not compared: their records are being replaced
    executing = handoff.announced(_PARENT, timeout=_handoff_timeout(app)) or []
    ahead = set(read_refreshed(state)) | set(executing)
    return [
        doc
        for doc in env.found_docs
        if doc not in changed
        and doc not in added
        and (doc in ahead or (doc in _tokens(env) and is_outdated(project, state, doc, _for_print())))
    ]


def on_env_before_read_docs(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Read the pages the build is not executing first, then the others in the order the build expects
    them to be done: each is then read as soon as it is cached, rather than Sphinx waiting for one still
    running while pages after it in name order are ready."""
    order = handoff.announced(_PARENT, timeout=_handoff_timeout(app))
    if order:
        rank = {doc: i for i, doc in enumerate(order)}
        docnames.sort(key=lambda doc: (doc in rank, rank.get(doc, 0)))  # stable: the rest keep their order


APA_KEPT = "apa-entries.pickle"  # the reference list's entries as this build formatted them
TEMPLATES_KEPT = "jinja-bytecode"  # the theme's page templates, compiled


def keep_compiled_templates(app: Sphinx) -> None:
    """Keep the page templates Jinja compiles between builds (0.15 s of each rebuild's writing went to
    compiling them again). Jinja stores each with a checksum of its source, so an edited template is
    compiled afresh; ``--force`` and ``clean`` remove the folder with the rest of the build."""
    from jinja2 import FileSystemBytecodeCache

    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is not None and environment.bytecode_cache is None:
        folder = Path(app.doctreedir) / TEMPLATES_KEPT
        folder.mkdir(parents=True, exist_ok=True)
        environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


def on_builder_inited(app: Sphinx) -> None:
    from . import apa_style

    apa_style.load_kept(Path(app.doctreedir) / APA_KEPT)
    keep_compiled_templates(app)
    gc.freeze()  # and the environment just loaded (see setup)


def on_build_finished(app: Sphinx, exception: Exception | None) -> None:
    """Pages executed ahead of Sphinx are now rendered: forget them, unless the build failed. The
    reference list's entries are kept for the next build."""
    if exception is None and app.statuscode == 0 and not getattr(app, "_warncount", 0):
        from . import apa_style

        clear_refreshed(_state_dir(app))
        apa_style.save_kept(Path(app.doctreedir) / APA_KEPT)


def on_env_merge_info(app: Sphinx, env: BuildEnvironment, docnames: set[str], other: BuildEnvironment) -> None:
    """Bring the tokens of pages read in a parallel worker into the main environment."""
    theirs = _tokens(other)
    _tokens(env).update({doc: theirs[doc] for doc in docnames if doc in theirs})


def on_env_purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    _tokens(env).pop(docname, None)


def register_bibtex_plugins() -> None:
    """Resolve once the pybtex plugin sphinxcontrib-bibtex looks up for every citation.

    Its ``resolve_xref`` asks pybtex for the "plaintext" backend at each of the book's ~400 citations,
    and pybtex scans every installed package's entry points on each request (about 2 s a build).
    Registering the class as a runtime plugin, pybtex's own API for this, makes the lookup a dict hit.
    """
    from pybtex.plugin import find_plugin, register_plugin

    register_plugin("pybtex.backends", "plaintext", find_plugin("pybtex.backends", "plaintext"), force=True)


STATIC = Path(__file__).with_name("static")


def on_config_inited(app: Sphinx, config: Any) -> None:
    """Serve the book's own stylesheet from the package (nothing is fetched from elsewhere), and give pages
    the edition as ``{{ edition }}``: 'Edition 2026.2', or a draft of the next one (a change re-reads pages)."""
    from ..editions import status
    from ..paths import Project

    config.html_static_path = [*config.html_static_path, str(STATIC)]
    config.myst_substitutions = {
        **(config.myst_substitutions or {}),
        "edition": status(Project(Path(app.srcdir))).label(),
    }


def on_html_page_context(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """Drop repeated scripts: sphinx-thebe registers its inline settings once per read phase, and the
    second copy re-declares a constant, which is an error in every reader's console."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for script in context.get("script_files", []):
        ident = (
            str(getattr(script, "filename", script) or ""),  # None and "" both mean an inline script
            str(getattr(script, "attributes", {}).get("body", "")),
        )
        if ident not in seen:
            seen.add(ident)
            kept.append(script)
    context["script_files"] = kept


def setup(app: Sphinx) -> dict[str, Any]:
    from .accessibility import setup_accessibility
    from .latex import setup_latex

    # Sphinx's modules and, once the builder starts, its loaded environment live as long as the process:
    # kept out of the garbage collector's full passes, which walked them four times a rebuild (0.45 s of
    # the 2.4 s from here to the end of a four-page rebuild; 0.08 s after)
    gc.freeze()
    register_bibtex_plugins()
    setup_latex(app)
    setup_accessibility(app)
    app.connect("config-inited", on_config_inited)
    app.add_css_file("schoolcollab.css")
    app.add_js_file("schoolcollab-explorer.js", loading_method="defer")  # DataTables: colour mode, keyboard
    app.connect("html-page-context", on_html_page_context, priority=900)
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read)
    app.connect("env-get-outdated", on_env_get_outdated)
    app.connect("env-before-read-docs", on_env_before_read_docs)
    app.connect("env-purge-doc", on_env_purge_doc)
    app.connect("env-merge-info", on_env_merge_info)
    app.connect("builder-inited", on_builder_inited)
    app.connect("build-finished", on_build_finished)
    # each parallel reader is its own process, so the manifest variable set for a page is its own;
    # env_version 2: the HTML translator changed (build.accessibility), so every page is written anew
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}
