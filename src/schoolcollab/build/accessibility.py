"""Accessible HTML from the book's writers: fixes at the source of markup the theme and docutils emit.

The audit (``tests/test_accessibility.py``, axe-core's WCAG 2.2 A/AA rules) found three faults that come
from the HTML writer rather than from anything the chapters say:

- the sidebar's part captions are ``<p role="heading">`` without ``aria-level`` (a heading with no
  level is invalid ARIA). pydata-sphinx-theme adds the level in its translator mixin, but it applies
  the mixin only to translators that are registered with Sphinx when any is: the print edition
  registers one for LaTeX (``build.latex``), so the HTML builders were left with Sphinx's plain one;
- docutils gives each bibliography entry ``role="doc-biblioentry"``, which DPUB-ARIA 1.1 deprecates;
- with that role ignored, the ``role="list"`` around the entries owns their links instead of list
  items, which breaks the list's required children.

Registering our own HTML translator for every HTML builder puts the theme's mixin back (it wraps
every registered translator) and lets the entries be plain list items, as DPUB-ARIA now advises.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.writers.html5 import HTML5Translator

HTML_BUILDERS = ("html", "dirhtml", "singlehtml")
DEPRECATED_ENTRY = 'role="doc-biblioentry"'
ENTRY = 'role="listitem"'


class BookHTMLTranslator(HTML5Translator):
    """Sphinx's HTML5 translator, except that a bibliography entry is a list item."""

    def visit_citation(self, node: nodes.citation) -> None:
        super().visit_citation(node)
        # the entry's start tag is the last thing written (after the list's own start tag, if any)
        self.body[-1] = self.body[-1].replace(DEPRECATED_ENTRY, ENTRY, 1)


def register_html_translators(app: Sphinx) -> None:
    """Use ``BookHTMLTranslator`` for every HTML builder (unless a theme or extension set its own)."""
    for name in HTML_BUILDERS:
        if name not in app.registry.translators:
            app.set_translator(name, BookHTMLTranslator)


def setup_accessibility(app: Sphinx) -> dict[str, Any]:
    """Called from ``sphinx_ext.setup``: before ``builder-inited``, when the theme wraps translators."""
    register_html_translators(app)
    return {}
