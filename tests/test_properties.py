"""Property tests: whatever an author saves as an input file, the loaders report problems, never crash.

For arbitrary text and bytes written as a source record, references.bib, a CSV of the book and
data/findings.yaml, the loader either succeeds or records Problems (or raises the project's own
InputError); any other exception is a bug. Besides fully random text, the examples include the real file
with a random slice replaced, which reaches the validators behind the parsers.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schoolcollab import review
from schoolcollab.bib import load_bibliography, parse_bibliography
from schoolcollab.check import check_project
from schoolcollab.errors import InputError, Problem, Problems
from schoolcollab.evidence.claims import load_claims
from schoolcollab.evidence.codebook import load_codebook
from schoolcollab.evidence.records import load_records
from schoolcollab.paths import Project
from schoolcollab.study import cases, published

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "data" / "sources" / "ainscow2006collaboration.yaml"
BOOK_PARTS = ("_config.yml", "_toc.yml", "chapters", "data", "references.bib")
# examples are cheap (milliseconds) except the whole-book check; no database: nothing written into the repo
FAST = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SLOW = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

# pieces that mean something to YAML, BibTeX or CSV, so random text is not only plain words
SYNTAX = st.sampled_from(
    list(":-[]{}\"'#\n\t &*!|>,%@`=\\?~0123456789.")
    + ["\r\n", "\x00", "\ufeff", " - ", ": ", "---", "@article{", "key: ", "2015-13-45", "&a ", "*a"]
)
ANY_TEXT = st.lists(st.one_of(SYNTAX, st.text(max_size=6)), max_size=60).map("".join)


def mutated(base: str) -> st.SearchStrategy[str]:
    """``base`` with one random slice replaced by random text (or removed)."""
    n = len(base)
    return st.builds(
        lambda a, b, new: base[: min(a, b)] + new + base[max(a, b) :], st.integers(0, n), st.integers(0, n), ANY_TEXT
    )


def hostile(base: str) -> st.SearchStrategy[str | bytes]:
    """Text an author might save in place of ``base``: random, a mangled copy, or raw bytes."""
    return st.one_of(ANY_TEXT, mutated(base), st.binary(max_size=300))


_names = itertools.count()


def write(folder: Path, name: str, content: str | bytes) -> Path:
    """A new file each example (cached line lookups are keyed by path and mtime)."""
    path = folder / f"{next(_names)}" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode("utf-8", errors="surrogatepass") if isinstance(content, str) else content)
    return path


def assert_only_problems(problems: Problems) -> None:
    for p in problems:
        assert isinstance(p, Problem) and "\n" not in str(p), p


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def codebook():
    problems = Problems()
    book = load_codebook(ROOT / "data" / "codebook.yaml", problems)
    assert book is not None and not problems.items
    return book


@pytest.fixture(scope="module")
def bib_keys() -> set[str]:
    return load_bibliography(ROOT / "references.bib").keys()


@FAST
@given(content=hostile(RECORD.read_text(encoding="utf-8")))
def test_any_source_record_is_loaded_or_reported(content, work, codebook, bib_keys) -> None:
    path = write(work, "ainscow2006collaboration.yaml", content)
    problems = Problems()
    records = load_records(path.parent, codebook, ["beacon_schools"], bib_keys, problems, [path])
    assert_only_problems(problems)
    assert len(records) + bool(problems.items) == 1  # valid and kept, or reported


@FAST
@given(content=hostile((ROOT / "references.bib").read_text(encoding="utf-8")[:3000]))
def test_any_bibliography_is_parsed_or_reported(content, work) -> None:
    path = write(work, "references.bib", content)
    problems = Problems()
    bib = parse_bibliography(path, problems)
    assert_only_problems(problems)
    assert isinstance(bib.keys(), (set, frozenset))
    try:
        load_bibliography(path)
    except InputError as exc:
        assert exc.problems


CSV_LOADERS = {
    "initiatives.csv": lambda path, keys, problems: review.load_initiatives(path, keys, problems),
    "partnerships.csv": lambda path, keys, problems: cases.load_partnerships(path, problems),
    "published_coefficients.csv": lambda path, keys, problems: published.load_coefficients(path, problems),
    "published_variance.csv": lambda path, keys, problems: published.load_variance(path, problems),
}
CSV_FILES = {name: next(ROOT.joinpath("data").rglob(name)) for name in CSV_LOADERS}


@FAST
@given(data=st.data(), name=st.sampled_from(sorted(CSV_LOADERS)))
def test_any_csv_is_loaded_or_reported(data, name, work, bib_keys) -> None:
    base = CSV_FILES[name].read_text(encoding="utf-8")[:2000]
    content = data.draw(hostile(base), label="content")
    path = write(work, name, content)
    problems = Problems()
    CSV_LOADERS[name](path, bib_keys, problems)
    assert_only_problems(problems)


@FAST
@given(content=hostile((ROOT / "data" / "findings.yaml").read_text(encoding="utf-8")[:4000]))
def test_any_claim_ledger_is_loaded_or_reported(content, work, codebook, bib_keys) -> None:
    path = write(work, "findings.yaml", content)
    problems = Problems()
    load_claims(path, codebook, bib_keys, problems)
    assert_only_problems(problems)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("book") / "book"
    dest.mkdir()
    for part in BOOK_PARTS:
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / part)
    return dest


INPUTS = [
    "data/sources/ainscow2006collaboration.yaml",
    "references.bib",
    "data/findings.yaml",
    "data/codebook.yaml",
    "data/review/initiatives.csv",
    "data/review/glossary.yaml",
    "data/review/system_leadership.yaml",
    "data/review/search_strategy.yaml",
    "data/muijs2015/partnerships.csv",
    "data/muijs2015/processes.yaml",
    "data/muijs2015/study.yaml",
    "chapters/introduction.md",
]


@SLOW
@given(data=st.data(), rel=st.sampled_from(INPUTS))
def test_the_whole_check_survives_any_input_file(data, rel, book) -> None:
    path = book / rel
    original = (ROOT / rel).read_bytes()
    content = data.draw(hostile(original.decode("utf-8")[:3000]), label="content")
    try:
        path.write_bytes(content.encode("utf-8", errors="surrogatepass") if isinstance(content, str) else content)
        report = check_project(Project(book))
    finally:
        path.write_bytes(original)
    assert all(isinstance(p, Problem) and "\n" not in str(p) for p in report.problems)
