"""The reason code each check gives, for the checks the hostile-input corpus (tests/bad_inputs/) does not reach.

Each case writes one bad file (most of them an edit of the book's own), runs the loader that reads it and
compares the codes of the problems it reports; the message is checked too, so that a code stays attached to
the check it names.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from schoolcollab import review
from schoolcollab.bib import parse_bibliography
from schoolcollab.citation import check_cff
from schoolcollab.errors import Problems
from schoolcollab.evidence.codebook import load_codebook
from schoolcollab.inputs import read_csv
from schoolcollab.paths import Project
from schoolcollab.prisma import load_searches
from schoolcollab.study import cases, published
from schoolcollab.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "data" / "muijs2015"
INITIATIVES_HEADER = "id,name,abbreviation,start_year,end_year,ongoing,summary,source,seed_location,note\n"


def edited(source: Path, old: str, new: str) -> str:
    """The text of one of the book's files with its first ``old`` replaced (which must occur)."""
    text = source.read_text(encoding="utf-8")
    assert old in text, f"{source.name}: {old!r} not found"
    return text.replace(old, new, 1)


def csv_ab(path: Path, problems: Problems) -> object:
    return read_csv(path, ["a", "b"], problems)


def initiatives(path: Path, problems: Problems) -> object:
    return review.load_initiatives(path, {"armstrong2015effective"}, problems)


def glossary_without_bib(path: Path, problems: Problems) -> object:
    return review.load_glossary(path, set(), problems)


def processes(path: Path, problems: Problems) -> object:
    return cases.load_processes(path, cases.load_partnerships(STUDY / "partnerships.csv", problems), problems)


def coefficient(old: str, new: str) -> Callable[[], str]:
    return lambda: edited(STUDY / "published_coefficients.csv", old, new)


def processes_with_first_item_twice() -> str:
    """processes.yaml with its first item's partnerships not reported (its types kept), then that item again."""
    text = (STUDY / "processes.yaml").read_text(encoding="utf-8")
    first = "\n- id:" + text.split("\n- id:")[1]
    changed = first.replace("  partnerships: [4]\n", "  partnerships: not_reported\n")
    assert changed != first
    return text.replace(first, changed, 1) + first


FIRST_ROW = "2,empty,supported,0,constant,5.813,0.471,"
# (case, loader, file name, file text, the codes, a phrase of the message)
CASES: list[tuple[str, Callable[[Path, Problems], object], str, Callable[[], str], set[str], str]] = [
    ("csv_repeated_column", csv_ab, "x.csv", lambda: "a,a,b\n1,2,3\n", {"csv.duplicate_column"}, "more than once"),
    ("csv_blank_header", csv_ab, "x.csv", lambda: " , \n", {"csv.no_header"}, "no header row"),
    # strict CSV: a quoted cell must end at its closing quote
    ("csv_text_after_quote", csv_ab, "x.csv", lambda: 'a,b\n"1"x,2\n', {"csv.syntax"}, "',' expected after"),
    ("csv_header_only", initiatives, "initiatives.csv", lambda: INITIATIVES_HEADER, {"csv.no_rows"}, "no initiatives"),
    (
        "initiative_ongoing_without_start",
        initiatives,
        "initiatives.csv",
        lambda: INITIATIVES_HEADER + "x,X,,,2005,true,Did things.,armstrong2015effective,p. 1,\n",
        {"initiative.no_start_year", "initiative.ongoing_with_end"},
        "no start_year and no note",
    ),
    ("yaml_nested_too_deep", load_yaml, "x.yaml", lambda: "[" * 60 + "]" * 60 + "\n", {"yaml.too_complex"}, "nested"),
    ("yaml_list_document", review.load_yaml_document, "x.yaml", lambda: "- a\n", {"yaml.not_a_mapping"}, "mapping"),
    ("codebook_list", load_codebook, "codebook.yaml", lambda: "- a\n", {"codebook.not_a_mapping"}, "vocabularies"),
    (
        "codebook_term_without_label",
        load_codebook,
        "codebook.yaml",
        lambda: "designs:\n  survey: {definition: Asks people.}\n",
        {"codebook.term_without_label", "codebook.missing_vocabulary"},
        "needs a label",
    ),
    (
        "bib_bad_key",
        parse_bibliography,
        "references.bib",
        lambda: "@misc{Smith_2001,\n  author = {Smith, A.},\n  title = {Good},\n  year = {2001},\n  note = {n}\n}\n",
        {"bib.key_convention"},
        "key convention",
    ),
    (
        "bib_comment_only",
        parse_bibliography,
        "references.bib",
        lambda: "% nothing yet\n",
        {"bib.no_entries"},
        "@entries",
    ),
    (
        "search_strategy_last_count_missing",
        review.load_search_strategy,
        "search_strategy.yaml",
        lambda: edited(ROOT / "data" / "review" / "search_strategy.yaml", "count: 55", "count: not_reported"),
        {"review.no_included_count"},
        "no count",
    ),
    (
        "glossary_source_not_in_bib",
        glossary_without_bib,
        "glossary.yaml",
        lambda: (ROOT / "data" / "review" / "glossary.yaml").read_text(encoding="utf-8"),
        {"review.unknown_source"},
        "not in references.bib",
    ),
    ("study_without_counts", cases.load_study, "study.yaml", lambda: "programme: {}\n", {"study.not_a_count"}, "count"),
    (
        "process_id_twice_and_types_without_partnerships",
        processes,
        "processes.yaml",
        processes_with_first_item_twice,
        {"process.duplicate_id", "process.types_without_partnerships"},
        "used twice",
    ),
    (
        "coefficient_table_5",
        published.load_coefficients,
        "published_coefficients.csv",
        coefficient(FIRST_ROW, "5,empty,supported,0,constant,5.813,0.471,"),
        {"published.unknown_table"},
        "unknown table",
    ),
    (
        "coefficient_wrong_model",
        published.load_coefficients,
        "published_coefficients.csv",
        coefficient(FIRST_ROW, "2,full,supported,0,constant,5.813,0.471,"),
        {"published.model_mismatch"},
        "model",
    ),
    (
        "coefficient_year_7",
        published.load_coefficients,
        "published_coefficients.csv",
        coefficient(FIRST_ROW, "2,empty,supported,7,constant,5.813,0.471,"),
        {"published.unknown_year"},
        "unknown year",
    ),
    (
        "coefficient_cell_twice",
        published.load_coefficients,
        "published_coefficients.csv",
        coefficient("2,empty,supported,1,constant,", "2,empty,supported,0,constant,"),
        {"published.duplicate_cell"},
        "more than once",
    ),
    (
        "coefficient_empty_without_note",
        published.load_coefficients,
        "published_coefficients.csv",
        coefficient(FIRST_ROW, "2,empty,supported,0,constant,,,"),
        {"published.empty_without_note"},
        "needs a note",
    ),
]


@pytest.mark.parametrize(
    ("loader", "name", "text", "codes", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_check_reports_its_code(
    loader: Callable[[Path, Problems], object],
    name: str,
    text: Callable[[], str],
    codes: set[str],
    phrase: str,
    tmp_path: Path,
) -> None:
    path = tmp_path / name
    path.write_text(text(), encoding="utf-8")
    problems = Problems()
    loader(path, problems)
    shown = "\n".join(map(str, problems))
    assert {p.code for p in problems} == codes, shown
    assert any(phrase in p.message for p in problems), shown


def test_search_file_named_for_another_edition(tmp_path: Path) -> None:
    searches = tmp_path / "data" / "searches"
    searches.mkdir(parents=True)
    edition = sorted((ROOT / "data" / "searches").glob("*.yaml"))[0]
    shutil.copyfile(edition, searches / "2099.1.yaml")
    problems = Problems()
    load_searches(Project(tmp_path), problems)
    assert [(p.code, p.field) for p in problems] == [("search.edition_mismatch", "edition")], list(map(str, problems))


def test_stale_and_unreadable_citation_file(book: Project) -> None:
    cff = book.root / "CITATION.cff"
    text = cff.read_text(encoding="utf-8")
    cff.write_text(re.sub(r"^version: .*$", "version: '0.1'", text, count=1, flags=re.MULTILINE), encoding="utf-8")
    problems = Problems()
    check_cff(book, problems)
    assert [(p.code, p.field) for p in problems] == [("citation.stale", "version")], list(map(str, problems))
    cff.write_text("title: [unclosed\n", encoding="utf-8")
    problems = Problems()
    check_cff(book, problems)
    assert [p.code for p in problems] == ["citation.unreadable"], list(map(str, problems))
