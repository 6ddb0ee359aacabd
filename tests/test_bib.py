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
