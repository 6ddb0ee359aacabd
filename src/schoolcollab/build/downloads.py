"""Write the book's downloads into the site being published, and link the PDF edition when it is current.

Called by :func:`schoolcollab.build.publish.publish` on the fresh copy of the site, before it is swapped into
place, so the files are new at every build and a failed build publishes none of them. ``downloads/`` holds
the evidence tables (CSV, one workbook, ``datapackage.json``, :mod:`schoolcollab.present.downloads`), the
references (:mod:`schoolcollab.bib_export`) and, when the PDF was built from exactly the sources of this
build, the PDF; only then does every page link to it and carry ``citation_pdf_url``.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..paths import Project
from ..yamlio import file_mode

PDF_LINK_CLASS = "sc-pdf-link"
HEADER_BUTTONS = '<div class="article-header-buttons">'  # the theme's row of buttons above every article


def _write(path: Path, data: bytes) -> None:
    """All at once: a temporary file in the same folder, then a rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, file_mode(path))  # readable like the rest of the site, not private as mkstemp makes it
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def download_files(project: Project, ev: Any = None) -> dict[str, bytes]:
    """The bytes of every file of :data:`schoolcollab.present.downloads.DOWNLOADS`, by file name, from
    the evidence base ``ev`` (loaded from the book's files when None)."""
    from ..bib_export import bibtex_text, csl_items, ris_text
    from ..citation import book_citation
    from ..load import evidence
    from ..present.downloads import DOWNLOADS, datapackage, evidence_tables, to_csv, workbook_bytes
    from .provenance import build_date

    if ev is None:
        ev = evidence(project.root)
    cite = book_citation(project)
    tables = evidence_tables(ev)
    files: dict[str, bytes] = {f"{name}.csv": to_csv(frame).encode() for name, frame in tables.items()}
    files["evidence.xlsx"] = workbook_bytes(tables, cite.title, cite.label)
    created = f"{build_date().isoformat()}T00:00:00Z"  # the Data Package profile wants a date and time
    files["datapackage.json"] = json.dumps(
        datapackage(cite.title, cite.label, created), indent=2, ensure_ascii=False
    ).encode()
    files["references.bib"] = bibtex_text(ev.bib).encode()
    files["references.ris"] = ris_text(ev.bib).encode()
    files["references.json"] = json.dumps(csl_items(ev.bib), indent=2, ensure_ascii=False).encode()
    listed = {d.file for d in DOWNLOADS}
    if listed != set(files):  # the page lists DOWNLOADS: each must be written, and only those
        raise RuntimeError(f"the downloads listed and those written differ: {sorted(listed ^ set(files))}")
    return files


def write_downloads(
    project: Project, site: Path, pdf: Path | None = None, files: dict[str, bytes] | None = None
) -> list[Path]:
    """Every file of :data:`schoolcollab.present.downloads.DOWNLOADS` (``files`` if already computed by
    :func:`download_files`) and ``pdf``, if given, into ``site/downloads/``, emptied first; returns the
    files written."""
    from ..present.downloads import FOLDER

    folder = site / FOLDER
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if files is None:
        files = download_files(project)
    written = []
    for name, data in files.items():
        _write(folder / name, data)
        written.append(folder / name)
    if pdf is not None:
        target = folder / pdf.name
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(pdf, partial)
        os.replace(partial, target)
        written.append(target)
        link_pdf(site, target)
    return written


def _pdf_markup(href: str) -> tuple[str, str]:
    """(meta tag, header link) pointing at the PDF, ``href`` relative to the page."""
    ref = html.escape(href, quote=True)
    meta = f'<meta name="citation_pdf_url" content="{ref}" />\n'
    link = (
        f'<a class="btn btn-sm pst-navbar-icon {PDF_LINK_CLASS}" href="{ref}" title="The PDF edition" '
        'aria-label="Download the PDF edition" data-bs-placement="bottom" data-bs-toggle="tooltip">'
        '<span class="btn__icon-container"><i class="fa-solid fa-file-pdf"></i></span> PDF</a>'
    )
    return meta, link


def link_pdf(site: Path, pdf: Path) -> list[Path]:
    """Give every page of ``site`` (with the theme's article header) a link to ``pdf`` and its meta tag."""
    changed = []
    for page in sorted(site.rglob("*.html")):
        if "_static" in page.parts:
            continue
        text = page.read_text(encoding="utf-8")
        if HEADER_BUTTONS not in text or "</head>" not in text:
            continue  # Jupyter Book's redirect page has no article
        meta, link = _pdf_markup(os.path.relpath(pdf, page.parent).replace(os.sep, "/"))
        text = text.replace("</head>", meta + "</head>", 1).replace(HEADER_BUTTONS, HEADER_BUTTONS + link, 1)
        _write(page, text.encode("utf-8"))
        changed.append(page)
    return changed


def current_pdf(digest: str, stamp: Path, pdf: Path) -> Path | None:
    """``pdf`` if it exists and was built from the sources whose digest is ``digest`` (recorded in ``stamp``)."""
    if pdf.is_file() and stamp.is_file() and stamp.read_text() == digest:
        return pdf
    return None
