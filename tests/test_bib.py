from pathlib import Path

import pytest

from schoolcollab.bib import cited_keys, load_bibliography, parse_bibliography
from schoolcollab.errors import InputError, Problems

BROKEN = """\
@article{smith2001good,
  author = {Smith, A.},
  title = {Good},
  journal = {J},
  year = {2001},
}
@article{smith2001good,
  author = {Smith, A.}, title = {Again}, journal = {J}, year = {2001},
}
@book{jones2002open,
  title = {Unclosed
@techreport{brown2003report,
  author = {Brown, B.},
  title = {Report},
  year = {2003},
}
"""


def test_every_bib_problem_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "references.bib"
    path.write_text(BROKEN)
    problems = Problems()
    bib = parse_bibliography(path, problems)
    messages = {(p.line, p.field): p.message for p in problems}
    assert (7, "smith2001good") in messages and "duplicate key" in messages[(7, "smith2001good")]
    assert any(line == 10 and "could not be parsed" in m for (line, _), m in messages.items())
    assert "no institution" in messages[(12, "brown2003report")]
    assert "smith2001good" in bib and len(problems) == 3
    assert sorted(p.code for p in problems) == ["bib.duplicate_key", "bib.unparseable_entry", "ref.missing_field"]


def test_load_raises_input_error_naming_file(tmp_path: Path) -> None:
    path = tmp_path / "references.bib"
    path.write_text(BROKEN)
    with pytest.raises(InputError) as info:
        load_bibliography(path)
    assert "references.bib:7" in str(info.value)


def test_cited_keys_reads_every_cite_role() -> None:
    text = "As shown {cite:p}`a2000b, c2001d`.\nAnd {cite:t}`e2002f` and {cite}`g2003h`."
    assert cited_keys(text) == [(1, "a2000b"), (1, "c2001d"), (2, "e2002f"), (2, "g2003h")]


def test_real_bibliography_is_clean_and_holds_both_seeds(real) -> None:
    bib = load_bibliography(real.bib)
    assert {"armstrong2015effective", "muijs2015improving"} <= bib.keys()
    assert len(bib.keys()) >= 95


def test_latex_quotes_become_quotation_marks() -> None:
    from schoolcollab.bib import plain_text, typographic_quotes

    assert typographic_quotes("The Importance of `Weak' Relationships") == "The Importance of ‘Weak’ Relationships"
    assert typographic_quotes("A ``Temperature Check''") == "A “Temperature Check”"
    # an apostrophe inside a quotation stays one; a plain apostrophe is left alone
    assert (
        typographic_quotes("`the school's way' and children's ``own'' work")
        == "‘the school's way’ and children's “own” work"
    )
    assert plain_text("New {England}:  ``x'' \\& {Wales}") == "New England: “x” & Wales"


def test_the_package_reads_titles_with_quotation_marks_and_refuses_what_pybtex_prints_as_typed(tmp_path: Path) -> None:
    from pybtex.database import parse_string
    from pybtex.plugin import find_plugin

    text = (
        "@article{smith2001double,\n  author = {Smith, A.},\n  title = {A ``Temperature Check'' of {England}},\n"
        "  journal = {J},\n  year = {2001},\n}\n"
        "@article{smith2001single,\n  author = {Smith, A.},\n  title = {The Importance of `Weak' Ties},\n"
        "  journal = {J},\n  year = {2001},\n}\n"
    )
    # what the references page (sphinxcontrib-bibtex, through pybtex's plain style) makes of each title
    style = find_plugin("pybtex.style.formatting", "plain")()
    shown = [
        e.text.render(find_plugin("pybtex.backends", "text")())
        for e in style.format_entries(parse_string(text, "bibtex").entries.values())
    ]
    assert "“temperature check”" in shown[0].lower() and "`weak'" in shown[1].lower()
    path = tmp_path / "references.bib"
    path.write_text(text, encoding="utf-8")
    problems = Problems()
    bib = parse_bibliography(path, problems)
    # ``x'' passes (pybtex prints it right); `x' is reported, with the marks to write instead
    assert [(p.line, p.field, p.message, p.expected) for p in problems] == [
        (
            7,
            "smith2001single",
            "the title uses a LaTeX single quotation mark (`Weak'), which the references page "
            "prints as typed, backtick and all",
            "the quotation marks themselves: ‘Weak’",
        )
    ]
    # wherever the package turns the fields into text (the explorer's Title, add's header), they are marks
    assert bib.entries["smith2001double"]["title"] == "A “Temperature Check” of {England}"
    assert bib.entries["smith2001single"]["title"] == "The Importance of ‘Weak’ Ties"


def test_the_explorer_shows_quotation_marks_for_latex_quotes(book) -> None:
    from schoolcollab.load import evidence
    from schoolcollab.present.explorer import sources_explorer

    text = book.bib.read_text(encoding="utf-8")
    assert "A “Temperature Check”" in text
    book.bib.write_text(text.replace("A “Temperature Check”", "A ``Temperature Check''"), encoding="utf-8")
    titles = list(sources_explorer(evidence(book.root)).cells_text["Title"])
    assert "The Evolving Education System in England: A “Temperature Check”" in titles
    assert not any("`" in t or "''" in t for t in titles)
