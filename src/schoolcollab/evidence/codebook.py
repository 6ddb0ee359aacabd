"""The controlled vocabularies (``data/codebook.yaml``) and the record schemas built from them.

The schema is generated from the codebook so that the vocabularies are defined in one place: the
validator, its error messages and the book's description of the coding all read the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import Problems, did_you_mean, one_of, short
from ..validation import NOT_REPORTED
from ..yamlio import line_of, load_yaml

VOCABULARIES = (
    "typologies",
    "families",
    "collaboration_types",
    "themes",
    "domains",
    "drivers",
    "conditions",
    "barriers",
    "designs",
    "publication_types",
    "phases",
    "countries",
    "formality",
    "directions",
    "stances",
    "claim_kinds",
    "sample_units",
    "appraisal_criteria",
    "judgements",
)
TERM_ATTRIBUTES = {"label", "definition", "typology", "family", "source", "group", "tier", "applies_to"}
# attributes the book computes with, beyond the label every term has: vocabulary -> attribute -> the
# vocabulary its value must come from (None: any text)
NEEDED: dict[str, dict[str, str | None]] = {
    "designs": {"tier": None},
    "themes": {"group": None},
    "collaboration_types": {"family": "families", "typology": "typologies"},
    "appraisal_criteria": {"applies_to": None},
}
EMPIRICAL_TIERS = ("comparative", "empirical")
# what a record without an appraisal block says instead
NOT_APPRAISED = ("not_applicable", NOT_REPORTED)
IMPACT_THEMES = ("impact_students", "impact_teachers", "impact_leadership", "impact_finance")


@dataclass(frozen=True)
class Codebook:
    """Vocabulary name -> {term id -> attributes (label, definition, ...)}."""

    path: Path
    vocab: dict[str, dict[str, dict[str, Any]]]

    def ids(self, name: str) -> list[str]:
        return list(self.vocab[name])

    def label(self, name: str, term: str) -> str:
        return str(self.vocab[name].get(term, {}).get("label", term))

    def frame(self, name: str) -> pd.DataFrame:
        """One vocabulary as a table, in codebook order."""
        rows = [{"id": k, **v} for k, v in self.vocab[name].items()]
        return pd.DataFrame(rows)

    def empirical_designs(self) -> list[str]:
        """Designs whose records must be appraised (their tier is comparative or empirical)."""
        return [d for d, a in self.vocab["designs"].items() if a["tier"] in EMPIRICAL_TIERS]

    def appraisal_schema(self) -> dict[str, Any]:
        """One judgement with its reason and where it comes from, for every criterion of the codebook."""
        text = {"type": "string", "minLength": 1}
        judgement = {
            "type": "object",
            "required": ["judgement", "reason", "where"],
            "additionalProperties": False,
            "properties": {"judgement": {"enum": self.ids("judgements")}, "reason": text, "where": text},
        }
        criteria = self.ids("appraisal_criteria")
        return {
            "type": "object",
            "required": criteria,
            "additionalProperties": False,
            "properties": {c: judgement for c in criteria},
        }

    def factor_terms(self) -> dict[str, str]:
        """Term -> where it belongs, e.g. 'barriers (theme challenges)', for every factor term."""
        themes = {v: t for t, v in self.factor_vocab.items()}
        return {
            term: f"{vocab} (theme {themes[vocab]})"
            for vocab in ("drivers", "conditions", "barriers")
            for term in self.ids(vocab)
        }

    def factor_lists(self) -> dict[str, tuple[str, ...]]:
        """Theme -> the vocabularies its findings' ``factor`` comes from (sustainability: conditions or barriers)."""
        return {
            **{theme: (vocab,) for theme, vocab in self.factor_vocab.items()},
            "sustainability": ("conditions", "barriers"),
        }

    @property
    def factor_vocab(self) -> dict[str, str]:
        """Which vocabulary a finding's ``factor`` comes from, by theme."""
        return {"formation_drivers": "drivers", "formation_conditions": "conditions", "challenges": "barriers"}

    def source_schema(self, initiatives: list[str] | None) -> dict[str, Any]:
        """JSON Schema of one source record (``initiatives`` None: initiatives.csv could not be read, so
        any initiative id is let through rather than reported in every record)."""
        enum = lambda name, extra=(): {"enum": [*self.ids(name), *extra]}  # noqa: E731
        listed = lambda name: {"type": "array", "minItems": 1, "items": enum(name)}  # noqa: E731
        text = {"type": "string", "minLength": 1}
        conditional = [
            {
                "if": {"required": ["theme"], "properties": {"theme": {"enum": list(IMPACT_THEMES)}}},
                "then": {
                    "required": ["domain"],
                    "properties": {"domain": enum("domains")},
                    "not": {"required": ["factor"]},
                },
                "else": {"not": {"required": ["domain"]}},
            },
        ]
        for theme, vocab in self.factor_vocab.items():
            conditional.append(
                {
                    "if": {"required": ["theme"], "properties": {"theme": {"const": theme}}},
                    "then": {"required": ["factor"], "properties": {"factor": enum(vocab)}},
                }
            )
        conditional.append(
            {
                "if": {"required": ["theme"], "properties": {"theme": {"const": "sustainability"}}},
                "then": {
                    "properties": {
                        "factor": {"enum": [t for v in self.factor_lists()["sustainability"] for t in self.ids(v)]}
                    }
                },
            }
        )
        conditional.append(
            {
                "if": {
                    "required": ["theme"],
                    "properties": {
                        "theme": {
                            "enum": [t for t in self.ids("themes") if t not in (*self.factor_vocab, "sustainability")]
                        }
                    },
                },
                "then": {"not": {"required": ["factor"]}},
            }
        )
        finding = {
            "type": "object",
            "required": ["theme", "direction", "summary", "where"],
            "additionalProperties": False,
            "properties": {
                "theme": enum("themes"),
                "domain": enum("domains"),
                "factor": {"type": "string"},
                "direction": enum("directions"),
                "summary": text,
                "where": text,
                "claims": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "stance"],
                        "additionalProperties": False,
                        "properties": {"id": text, "stance": enum("stances")},
                    },
                },
            },
            "allOf": conditional,
        }
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": False,
            "required": [
                "key",
                "coded_from",
                "publication_type",
                "design",
                "aims",
                "sample",
                "country",
                "phase",
                "formality",
                "collaboration_types",
                "initiative",
                "findings",
                "appraisal",
            ],
            # an empirical record is appraised; any other says why not. A coded country gives its reason.
            "allOf": [
                {
                    "if": {
                        "anyOf": [
                            {"properties": {"design": {"enum": self.empirical_designs()}}},
                            {"properties": {"publication_type": {"const": "empirical"}}},
                        ]
                    },
                    "then": {"properties": {"appraisal": self.appraisal_schema()}},
                    "else": {"properties": {"appraisal": {"enum": list(NOT_APPRAISED)}}},
                },
                {
                    "if": {"properties": {"country": {"const": [NOT_REPORTED]}}},
                    "else": {"required": ["country_reason"]},
                },
            ],
            "properties": {
                "key": text,
                "coded_from": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["seed", "sections"],
                        "additionalProperties": False,
                        "properties": {"seed": text, "sections": {"type": "array", "minItems": 1, "items": text}},
                    },
                },
                "publication_type": enum("publication_types"),
                "design": enum("designs"),
                "aims": text,
                "sample": {
                    "type": "object",
                    "required": ["description", "unit", "size"],
                    "additionalProperties": False,
                    "properties": {
                        "description": text,
                        "unit": enum("sample_units"),
                        "size": {"anyOf": [{"type": "integer", "minimum": 1}, {"const": NOT_REPORTED}]},
                    },
                },
                "country": listed("countries"),
                "country_reason": text,
                "appraisal": {"anyOf": [self.appraisal_schema(), {"enum": list(NOT_APPRAISED)}]},
                "phase": listed("phases"),
                "formality": enum("formality"),
                "collaboration_types": {"type": "array", "items": enum("collaboration_types", (NOT_REPORTED,))},
                "initiative": {"enum": [*initiatives, "none", NOT_REPORTED]} if initiatives is not None else text,
                "findings": {"type": "array", "minItems": 1, "items": finding},
                "notes": {"type": "string"},
                # chapters (theme groups) whose text discusses a study added after the source documents
                "discussed_in": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"enum": sorted({a["group"] for a in self.vocab["themes"].values()} - {"context"})},
                },
            },
        }

    def scope_schema(self) -> dict[str, Any]:
        """What a claim is about: countries, phases and forms of collaboration (a list, or ``all``) and a
        period of years; the relevance of each source is judged against it."""

        def either(name: str) -> dict[str, Any]:
            return {
                "anyOf": [
                    {"const": "all"},
                    {"type": "array", "minItems": 1, "items": {"enum": self.ids(name)}},
                ]
            }

        year = {"type": "integer", "minimum": 1500, "maximum": 2100}
        return {
            "type": "object",
            "required": ["countries", "phases", "families", "period"],
            "additionalProperties": False,
            "properties": {
                "countries": either("countries"),
                "phases": either("phases"),
                "families": either("families"),
                "period": {
                    "type": "object",
                    "required": ["from", "to"],
                    "additionalProperties": False,
                    "properties": {"from": year, "to": year},
                },
            },
        }

    def claims_schema(self) -> dict[str, Any]:
        """JSON Schema of the claim ledger."""
        text = {"type": "string", "minLength": 1}
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "required": ["claims"],
            "additionalProperties": False,
            "properties": {
                "claims": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["id", "kind", "theme", "statement", "scope", "evidence"],
                        "properties": {
                            "scope": self.scope_schema(),
                            "id": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                            "kind": {"enum": self.ids("claim_kinds")},
                            "theme": {"enum": self.ids("themes")},
                            "statement": text,
                            "evidence": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["key", "stance"],
                                    "additionalProperties": False,
                                    "properties": {"key": text, "stance": {"enum": self.ids("stances")}, "why": text},
                                },
                            },
                        },
                    },
                }
            },
        }


def load_codebook(path: Path, problems: Problems) -> Codebook | None:
    """The codebook, or None with problems if it is unreadable or lacks a vocabulary."""
    raw = load_yaml(path, problems)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.add(
            path,
            "the codebook must be a mapping of vocabularies",
            expected=", ".join(VOCABULARIES),
            code="codebook.not_a_mapping",
        )
        return None
    ok = True
    for name in VOCABULARIES:
        terms = raw.get(name)
        if not isinstance(terms, dict) or not terms:
            problems.add(
                path,
                f"vocabulary '{name}' is missing or empty",
                field=name,
                expected="a mapping of term ids to {label: ..., definition: ...}",
                code="codebook.missing_vocabulary",
            )
            ok = False
        elif not all(isinstance(v, dict) and "label" in v for v in terms.values()):
            problems.add(
                path,
                f"every term of '{name}' needs a label",
                field=name,
                expected="{label: ...}",
                code="codebook.term_without_label",
            )
            ok = False
        else:
            for term, attrs in terms.items():
                for attr, vocab in NEEDED.get(name, {}).items():
                    value = attrs.get(attr)
                    others = raw.get(vocab) if vocab else None
                    others = others if isinstance(others, dict) else {}
                    if not isinstance(value, str) or not value or (others and value not in others):
                        valid = f"'{attr}' set to {one_of(others) if others else 'a non-empty text'}"
                        said = (
                            f"no '{attr}'"
                            if not value
                            else f"{attr} {short(value)}, which is not text"
                            if not isinstance(value, str)
                            else f"{attr} '{value}', not a term of '{vocab}'"
                        )
                        problems.add(
                            path,
                            f"term '{term}' has {said}{did_you_mean(value, others)}",
                            field=f"{name}.{term}",
                            line=line_of(path, [name, term]),
                            expected=valid,
                            code="codebook.bad_term_link",
                        )
                        ok = False
                extra = sorted(set(attrs) - TERM_ATTRIBUTES)
                if extra:  # usually a comma in an unquoted value, which YAML splits into a new key
                    problems.add(
                        path,
                        f"term '{term}' has unknown attribute(s) {', '.join(map(repr, extra))}",
                        field=f"{name}.{term}",
                        line=line_of(path, [name, term]),
                        expected=f"only {', '.join(sorted(TERM_ATTRIBUTES))}; quote values containing commas",
                        code="codebook.unknown_attribute",
                    )
                    ok = False
    return Codebook(path, {n: raw[n] for n in VOCABULARIES}) if ok else None
