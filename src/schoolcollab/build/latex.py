"""The print edition: tables as LaTeX long tables, a title page with the edition's provenance,
and the one style file Debian's TeX Live lacks.

Registered by :mod:`.sphinx_ext`; the MyST-NB renderer plugin is registered through the
``myst_nb.mime_renderers`` entry point in ``pyproject.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.writers.latex import LaTeXTranslator

from ..editions import evidence_fingerprint
from ..paths import find_project
from ..present.book_table import LATEX_MIME, latex_escape
from .provenance import build_date, edition

TEXMF = Path(__file__).with_name("texmf")
PREAMBLE = r"""
% schoolcollab: tables that break across pages and share the text width
\usepackage{xltabular}
\usepackage{booktabs}
\setlength{\emergencystretch}{3em}
% APA reference list: no bracketed label before an entry (its first words already are the citation), and a
% hanging indent of 2em; \@openbib@code is the standard classes' hook into the bibliography's list set-up
\makeatletter
\renewcommand\@biblabel[1]{}
\def\@openbib@code{\setlength{\labelwidth}{0pt}\setlength{\labelsep}{0pt}\setlength{\leftmargin}{2em}%
  \setlength{\itemindent}{-2em}}
\makeatother
"""


class LatexTableRenderer:
    """MyST-NB mime renderer: a book table's LaTeX goes into the print edition as it is.

    The web edition never selects this mime type (it is not in the HTML builders' priorities), and
    in print it outranks ``text/html`` and ``text/plain``, so a table never prints as an object repr.
    """

    mime_priority_overrides: ClassVar[Sequence[tuple[str, str, int | None]]] = (("latex", LATEX_MIME, 1),)

    @staticmethod
    def handle_mime(renderer: Any, data: Any, inline: bool) -> list[nodes.Element] | None:
        if data.mime_type != LATEX_MIME or inline:
            return None
        return [nodes.raw(text=data.string, format="latex", classes=["output", "sc_latex_table"])]


def _holds_long_table(node: nodes.Element) -> bool:
    return any(
        raw.get("format") == "latex" and "sc_latex_table" in raw.get("classes", []) for raw in node.findall(nodes.raw)
    )


class BookLaTeXTranslator(LaTeXTranslator):
    """Sphinx's translator, except that a numbered exhibit holding a long table does not float:
    a float cannot break across pages, so the table is set in the text flow with a
    ``\\captionof`` caption (the same path Sphinx uses for figures inside minipages)."""

    def visit_figure(self, node: nodes.Element) -> None:
        if not self.table and not self.in_minipage and _holds_long_table(node):
            node["sc_in_flow"] = True
            self.in_minipage += 1
        super().visit_figure(node)

    def visit_caption(self, node: nodes.Element) -> None:
        if not isinstance(node.parent, nodes.figure) or self.table:
            super().visit_caption(node)
            return
        # A figure's caption also goes to the list of figures and the PDF outline, where links and
        # citations break LaTeX: give it the caption's plain text as the short form.
        self.in_caption += 1
        command = r"\captionof{figure}" if self.in_minipage else r"\caption"
        self.body.append(command + "[{" + latex_escape(node.astext()) + "}]{")  # braces: the text may hold ]

    def depart_figure(self, node: nodes.Element) -> None:
        super().depart_figure(node)
        if node.get("sc_in_flow"):
            self.in_minipage -= 1


def title_page(config: Config, project_root: Path) -> str:
    """The title page: title, author, edition, build date and the fingerprint of the evidence."""
    project = find_project(project_root)
    title = config.html_title or config.project  # Jupyter Book puts _config.yml's title in html_title
    facts = [
        ("Edition", edition(project)),
        ("Built", build_date().isoformat()),
        ("Evidence fingerprint", evidence_fingerprint(project) + " (data/ and references.bib)"),
    ]
    rows = "\n".join(f"{latex_escape(k)} & {latex_escape(v)} \\\\" for k, v in facts)
    return rf"""
\begin{{titlepage}}
\centering
\vspace*{{0.18\textheight}}
{{\sffamily\bfseries\huge {latex_escape(title)}\par}}
\vspace{{1.5cm}}
{{\Large {latex_escape(config.author)}\par}}
\vfill
{{\small\begin{{tabular}}{{rl}}
{rows}
\end{{tabular}}\par}}
\vspace{{1cm}}
{{\footnotesize Every table, figure, count and rating in this edition was computed from the evidence base
when the book was built.\par}}
\end{{titlepage}}
"""


def on_config_inited(app: Sphinx, config: Config) -> None:
    """Add the style-file stand-in, the table packages, A4 paper and the title page."""
    config.latex_additional_files = [*config.latex_additional_files, str(TEXMF / "bbm.sty")]
    elements = dict(config.latex_elements or {})
    elements["preamble"] = elements.get("preamble", "") + PREAMBLE
    elements.setdefault("papersize", "a4paper")
    elements.setdefault("figure_align", "H")  # exhibits stay in reading order (tables cannot float)
    elements["maketitle"] = title_page(config, Path(app.srcdir))
    config.latex_elements = elements


def setup_latex(app: Sphinx) -> None:
    app.set_translator("latex", BookLaTeXTranslator, override=True)
    app.connect("config-inited", on_config_inited)
