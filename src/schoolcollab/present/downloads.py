"""The evidence base as files a reader can take away: CSV tables, one Excel workbook, a Frictionless Data Package.

Each table is described once, in :data:`TABLES` (its fields with their Table Schema types and meanings, its
primary and foreign keys); the CSV columns, the workbook's sheets and ``datapackage.json`` all follow that one
description, so they cannot disagree. :data:`DOWNLOADS` lists every file the build writes into the site's
``downloads/`` folder, and :func:`downloads_list` shows that list, linked, on the downloads page.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..bib import plain_text, short_citation
from ..evidence.rating_rules import COMPONENTS
from ..load import Evidence
from .book_table import LATEX_MIME, latex_escape

FOLDER = "downloads"  # beside chapters/ in the built site; pages link to ../downloads/<file>
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class Field:
    """One column: its name, its Table Schema type, what it means, and whether every row has a value."""

    name: str
    type: str
    description: str
    required: bool = True


@dataclass(frozen=True)
class TableSpec:
    """One downloadable table, as Frictionless Data's Table Schema describes it."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()  # (fields, table, its fields)

    @property
    def path(self) -> str:
        return f"{self.name}.csv"

    def schema(self) -> dict[str, Any]:
        """The table's Table Schema (field types, descriptions, keys)."""
        fields = [
            {
                "name": f.name,
                "type": f.type,
                "description": f.description,
                **({"constraints": {"required": True}} if f.required else {}),
            }
            for f in self.fields
        ]
        out: dict[str, Any] = {"fields": fields, "missingValues": [""], "primaryKey": list(self.primary_key)}
        if self.foreign_keys:
            out["foreignKeys"] = [
                {"fields": list(mine), "reference": {"resource": table, "fields": list(theirs)}}
                for mine, table, theirs in self.foreign_keys
            ]
        return out


def _listed(what: str) -> str:
    return f"{what}, separated by '{LIST_SEPARATOR.strip()}'"


KEY = Field("key", "string", "the source's key in references.bib")
COMPONENT_FIELDS = tuple(
    f
    for comp, label in COMPONENTS.items()
    for f in (
        Field(
            comp,
            "string",
            f"GRADE-CERQual component '{label}': no or very minor, minor, moderate or serious "
            "concerns (not rated for a gap)",
        ),
        Field(
            f"{comp}_why",
            "string",
            f"why the '{label}' concerns are what they are, naming the rule applied",
            required=False,
        ),
    )
)

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "sources",
        "Sources",
        "Every coded source of the evidence base, one row each (data/sources/).",
        (
            KEY,
            Field("citation", "string", "short author-year citation"),
            Field("title", "string", "title from references.bib (or its note, for a work cited without a title)"),
            Field("year", "integer", "year of publication", required=False),
            Field("publication_type", "string", "codebook term (publication_types)"),
            Field("tier", "string", "kind of evidence the design gives: empirical, non-empirical or unknown"),
            Field("design", "string", "codebook term (designs)"),
            Field("formality", "string", "codebook term (formality) of the collaboration studied"),
            Field(
                "initiative",
                "string",
                "government initiative studied (data/review/initiatives.csv), none or not_reported",
            ),
            Field("sample_unit", "string", "what the sample counts (schools, partnerships, ...)"),
            Field("sample_size", "integer", "how many, when the source reports it", required=False),
            Field("countries", "string", _listed("codebook terms (countries)")),
            Field("phases", "string", _listed("codebook terms (phases)")),
            Field("collaboration_types", "string", _listed("codebook terms (collaboration_types)"), required=False),
            Field("appraisal", "string", "appraised, not_applicable (not a study) or not_reported"),
            Field("coded_from", "string", _listed("keys of the source documents the record was coded from")),
        ),
        ("key",),
    ),
    TableSpec(
        "findings",
        "Findings",
        "What each source found, one row per finding (data/sources/, findings:).",
        (
            KEY,
            Field("finding", "integer", "number of the finding within its source, from 0"),
            Field("theme", "string", "codebook term (themes)"),
            Field("domain", "string", "codebook term (domains) within the theme", required=False),
            Field(
                "factor", "string", "codebook term (factors), for findings about what helps or hinders", required=False
            ),
            Field("direction", "string", "codebook term (directions): positive, mixed, no_effect, negative, ..."),
            Field("summary", "string", "the finding in the coder's words"),
            Field("where", "string", "where in the source documents the finding is reported"),
            Field("claims", "string", _listed("ids of the claims the finding bears on"), required=False),
        ),
        ("key", "finding"),
        ((("key",), "sources", ("key",)),),
    ),
    TableSpec(
        "claims",
        "Claims and their confidence",
        "Every claim of the ledger (data/findings.yaml) with the "
        "confidence computed from its sources, the four GRADE-CERQual components and their reasons.",
        (
            Field("id", "string", "the claim's id in data/findings.yaml"),
            Field("kind", "string", "key_finding, concluding_point or gap"),
            Field("theme", "string", "codebook term (themes)"),
            Field("statement", "string", "the claim"),
            Field("scope_countries", "string", _listed("countries the claim is about") + ", or all"),
            Field("scope_phases", "string", _listed("phases the claim is about") + ", or all"),
            Field("scope_families", "string", _listed("forms of collaboration the claim is about") + ", or all"),
            Field("scope_from", "integer", "first year of the period the claim is about", required=False),
            Field("scope_to", "integer", "last year of the period the claim is about", required=False),
            Field("rating", "string", "overall confidence: high, moderate, low, very low, or gap (not rated)"),
            Field("sources", "integer", "linked sources"),
            Field("supports", "integer", "linked sources that support the claim"),
            Field("mixed", "integer", "linked sources with mixed findings"),
            Field("against", "integer", "linked sources that run against the claim"),
            Field("independent", "integer", "independent empirical studies among the supporting sources"),
            Field("comparative", "integer", "independent comparative studies among the supporting sources"),
            *COMPONENT_FIELDS,
            Field("reasons", "string", "how the components combine into the overall rating"),
            Field("rules", "string", _listed("ids of the rating rules applied"), required=False),
        ),
        ("id",),
    ),
    TableSpec(
        "claim_sources",
        "Sources behind each claim",
        "Which source bears on which claim, and how.",
        (
            Field("claim", "string", "the claim's id"),
            KEY,
            Field("stance", "string", "supports, mixed or against"),
            Field("why", "string", "how the source bears on the claim", required=False),
            Field("via", "string", "ledger (linked in data/findings.yaml) or finding (a finding names the claim)"),
        ),
        ("claim", "key"),
        ((("claim",), "claims", ("id",)), (("key",), "sources", ("key",))),
    ),
    TableSpec(
        "appraisals",
        "Appraisals",
        "Each empirical study judged on the codebook's appraisal criteria.",
        (
            KEY,
            Field("criterion", "string", "codebook term (appraisal criteria)"),
            Field("applies_to", "string", "the kind of claim the criterion counts for"),
            Field("judgement", "string", "yes, partly, no or not_reported"),
            Field("reason", "string", "why, in the coder's words"),
            Field("where", "string", "where in the source documents the judgement comes from", required=False),
        ),
        ("key", "criterion"),
        ((("key",), "sources", ("key",)),),
    ),
)


def _joined(values: Any) -> str:
    if isinstance(values, str):
        return values
    return LIST_SEPARATOR.join(str(v) for v in values)


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("")


def _claims(ev: Evidence) -> pd.DataFrame:
    merged = ev.claims.merge(ev.ratings, left_on="id", right_on="claim", suffixes=("", "_r"))
    scope = merged["scope"]
    period = scope.map(lambda s: s.get("period") or {})
    out = pd.DataFrame(
        {
            "id": merged["id"],
            "kind": merged["kind"],
            "theme": merged["theme"],
            "statement": merged["statement"],
            **{
                f"scope_{part}": scope.map(lambda s, p=part: _joined(s.get(p, "all")))
                for part in ("countries", "phases", "families")
            },
            "scope_from": period.map(lambda p: p.get("from")).astype("Int64"),
            "scope_to": period.map(lambda p: p.get("to")).astype("Int64"),
        }
    )
    for column in (
        "rating",
        "sources",
        "supports",
        "mixed",
        "against",
        "independent",
        "comparative",
        *[f.name for f in COMPONENT_FIELDS],
        "reasons",
    ):
        out[column] = merged[column]
    out["rules"] = merged["applied"].map(_joined)
    return out


def evidence_tables(ev: Evidence) -> dict[str, pd.DataFrame]:
    """Every table of :data:`TABLES`, computed from the evidence base, columns in the schema's order."""
    src = ev.sources.sort_values("key")
    sources = pd.DataFrame(
        {
            "key": src["key"],
            "citation": [short_citation(ev.bib, k) for k in src["key"]],
            "title": [
                plain_text(ev.bib.entries.get(k, {}).get("title", ev.bib.entries.get(k, {}).get("note", "")))
                for k in src["key"]
            ],
            **{
                c: src[c]
                for c in (
                    "year",
                    "publication_type",
                    "tier",
                    "design",
                    "formality",
                    "initiative",
                    "sample_unit",
                    "sample_size",
                )
            },
            **{c: src[c].map(_joined) for c in ("countries", "phases", "collaboration_types")},
            "appraisal": src["appraisal"],
            "coded_from": src["seeds"].map(_joined),
        }
    )
    findings = ev.findings.sort_values(["key", "finding"]).assign(claims=lambda f: f["claims"].map(_joined))
    tables = {
        "sources": sources,
        "findings": findings,
        "claims": _claims(ev),
        "claim_sources": ev.links.sort_values(["claim", "key"]),
        "appraisals": ev.appraisals.sort_values(["key", "criterion"]),
    }
    out = {}
    for spec in TABLES:
        frame = tables[spec.name][[f.name for f in spec.fields]].reset_index(drop=True)
        out[spec.name] = frame.apply(lambda c: c if pd.api.types.is_integer_dtype(c) else _text(c))
    return out


def to_csv(frame: pd.DataFrame) -> str:
    """A table as UTF-8 CSV text (missing values as empty cells, as the schema's missingValues say)."""
    return frame.to_csv(index=False, lineterminator="\n")


def datapackage(title: str, edition: str, created: str) -> dict[str, Any]:
    """``datapackage.json``: every table of :data:`TABLES` as a tabular data resource with its schema
    (``created``: an RFC 3339 date and time, as the Data Package profile requires)."""
    return {
        "profile": "tabular-data-package",
        "name": "schoolcollab-evidence",
        "title": f"{title}: the evidence base",
        "description": f"The coded evidence base of the book, {edition}: sources, their findings and appraisals, "
        "and the claims with their computed confidence.",
        "created": created,
        "keywords": ["school collaboration", "evidence review", "GRADE-CERQual", edition],
        "resources": [
            {
                "profile": "tabular-data-resource",
                "name": spec.name,
                "path": spec.path,
                "title": spec.title,
                "description": spec.description,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": spec.schema(),
            }
            for spec in TABLES
        ],
    }


def workbook_bytes(tables: dict[str, pd.DataFrame], title: str, edition: str) -> bytes:
    """One Excel workbook: a sheet saying what each column means, then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    if about is None:  # a new (not write-only) Workbook always starts with one worksheet
        raise RuntimeError("openpyxl made a workbook without a sheet")
    about.title = "About"
    about.append([f"{title}: the evidence base ({edition})"])
    about["A1"].font = Font(bold=True)
    about.append(["sheet", "column", "type", "meaning"])
    for spec in TABLES:
        for f in spec.fields:
            about.append([spec.name, f.name, f.type, f.description])
    for spec in TABLES:
        sheet = book.create_sheet(spec.name)
        frame = tables[spec.name]
        sheet.append(list(frame.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            sheet.append([None if pd.isna(v) else v.item() if hasattr(v, "item") else v for v in row])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Download:
    """One file of the site's ``downloads/`` folder and what a reader gets from it."""

    file: str
    what: str


DOWNLOADS: tuple[Download, ...] = (
    *(Download(spec.path, f"{spec.title} (CSV)") for spec in TABLES),
    Download("evidence.xlsx", "All of these tables in one Excel workbook, with a sheet saying what each column means"),
    Download("datapackage.json", "Frictionless Data Package: the CSV tables' schemas (types, meanings, keys)"),
    Download("references.bib", "The references as BibTeX"),
    Download("references.ris", "The references as RIS (EndNote, Zotero, Mendeley)"),
    Download("references.json", "The references as CSL-JSON (Zotero, Pandoc, citeproc)"),
)


class DownloadsList:
    """The downloads as a linked list on the web; in the PDF, the file names and where to find them."""

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        items = "".join(
            f'<li><a class="reference download" href="../{FOLDER}/{html.escape(d.file, quote=True)}" '
            f'download><span class="sc-file">{html.escape(d.file)}</span></a>: {html.escape(d.what)}</li>'
            for d in DOWNLOADS
        )
        items_tex = "".join(f"\\item \\texttt{{{latex_escape(d.file)}}}: {latex_escape(d.what)}\n" for d in DOWNLOADS)
        latex = (
            f"In the folder \\texttt{{{FOLDER}/}} of the HTML edition:\n\\begin{{itemize}}\n{items_tex}"
            "\\end{itemize}\n"
        )
        return {
            "text/html": f'<ul class="sc-downloads sc-themed">{items}</ul>',
            LATEX_MIME: latex,
            "text/plain": "\n".join(f"{d.file}: {d.what}" for d in DOWNLOADS),
        }


def downloads_list() -> DownloadsList:
    """The list of downloadable files, for the downloads page."""
    return DownloadsList()
