"""One registry of the book's inputs: check, the façade and the fingerprint all follow it."""

from __future__ import annotations

import inspect

import pytest

from schoolcollab import book_inputs, load
from schoolcollab.book_inputs import INPUTS, BookInput, input_paths, undeclared
from schoolcollab.build.fingerprint import inputs_fingerprint
from schoolcollab.check import check_project
from schoolcollab.paths import INPUT_PATHS, Project


def test_every_file_under_data_belongs_to_a_declared_input(real: Project) -> None:
    paths = input_paths(real)
    # READMEs describe their folder; data/editions/ is the record of the book's output, not an input of it
    files = [
        p
        for p in real.data.rglob("*")
        if p.is_file() and p.name != "README.md" and real.data / "editions" not in p.parents
    ]
    orphans = [str(p.relative_to(real.root)) for p in files if not any(p == q or q in p.parents for q in paths)]
    assert files and not orphans


def test_every_declared_path_is_read_by_an_input_and_exists(real: Project) -> None:
    assert undeclared(real) == []
    assert all(real.input(name).exists() for name in INPUT_PATHS)


def test_the_facade_has_one_loader_per_input_and_it_is_the_registry_loader(real: Project) -> None:
    for spec in INPUTS:
        facade = getattr(load, spec.name)
        assert inspect.signature(facade).parameters["root"].default is None, spec.name
        assert f'load_input("{spec.name}", root)' in inspect.getsource(facade), spec.name
    assert type(load.glossary(real.root)) is type(load.load_input("glossary", real.root))


def test_an_input_added_to_the_registry_is_checked_without_touching_check(
    book: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(project, problems, got):
        problems.add(project.root / "data" / "new.yaml", "nothing here is valid", field="x", code="schema.wrong_type")

    monkeypatch.setattr(book_inputs, "INPUTS", (*INPUTS, BookInput("new_input", "a test input", broken)))
    report = check_project(book)
    assert any("nothing here is valid" in p.message for p in report.problems)


def test_a_chapter_whose_reads_are_unknown_depends_on_every_input(book: Project) -> None:
    before = inputs_fingerprint(book, None)
    glossary = book.input("glossary")
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert inputs_fingerprint(book, None) != before
