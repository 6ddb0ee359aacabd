"""Run Jupyter Book's HTML build with Sphinx reading, and so executing, chapters in parallel.

``jb build`` reads pages one at a time, so the chapters' kernels run one after another even on a
machine with more cores. Jupyter Book's own ``build_sphinx`` accepts a job count that its CLI does not
expose; this module resolves the configuration exactly as ``jb build`` does and passes ``jobs``.

    python -m schoolcollab.build.jb_parallel SOURCE STAGE JOBS
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import sphinx_jupyterbook_latex
import sphinx_multitoc_numbering
from jupyter_book.cli.main import build as jb_build
from jupyter_book.sphinx import build_sphinx
from jupyter_cache import get_cache


def _declare_parallel_safe(module: Any) -> None:
    """Two extensions Jupyter Book always loads do not say whether they are parallel-safe, so Sphinx
    falls back to a serial read. Neither keeps state between documents while reading:
    sphinx-multitoc-numbering only renumbers sections after reading (it replaces
    ``TocTreeCollector.assign_section_numbers``), and sphinx-jupyterbook-latex only adds nodes,
    per-document transforms and LaTeX settings. Declare what they do not."""
    original = module.setup

    def setup(app: Any) -> dict[str, Any]:
        meta = original(app) or {}
        return {**meta, "parallel_read_safe": True, "parallel_write_safe": True}

    module.setup = setup


def main(source: str, stage: str, jobs: int) -> int:
    for module in (sphinx_multitoc_numbering, sphinx_jupyterbook_latex):
        _declare_parallel_safe(module)
    path_config, src, overrides = jb_build.callback(
        path_source=source, path_output=stage, config=None, toc=None, warningiserror=True, nitpick=True,
        keep_going=True, freshenv=False, builder="html", custom_builder=None, verbose=0, quiet=0,
        individualpages=False, get_config_only=True)
    # Create the execution cache's database before the readers start: two processes creating its
    # tables at once collide.
    get_cache(Path(stage) / "_build" / ".jupyter_cache").list_cache_records()
    return build_sphinx(src, Path(stage) / "_build" / "html", use_external_toc=True, noconfig=True,
                        path_config=path_config, confoverrides=overrides, builder="html", warningiserror=True,
                        keep_going=True, freshenv=False, verbosity=0, quiet=False, really_quiet=False,
                        jobs=jobs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
