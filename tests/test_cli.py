"""The command line: exit codes and messages an author can act on."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from cli_runner import cli as run
from cli_runner import real_cli


def test_check_passes_on_the_real_book(real) -> None:
    for result in (run("check", cwd=real.root), real_cli("check", cwd=real.root)):
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("0 problems")


def test_usage_error_exits_2(real) -> None:
    assert real_cli("build", "--no-such-flag", cwd=real.root).returncode == 2
    assert run("build", "--no-such-flag", cwd=real.root).returncode == 2
    assert run("check", cwd=Path("/")).returncode == 2


def test_check_reports_every_problem_with_file_field_and_line(book) -> None:
    source = next(book.sources.glob("*.yaml"))
    text = source.read_text()
    rec = yaml.safe_load(text)
    bad_design = text.replace(f"design: {rec['design']}", "design: casestudy", 1)
    source.write_text(bad_design)
    chapter = book.chapters / "introduction.md"
    chapter.write_text(chapter.read_text() + "\nSee {cite:p}`nobody1999unknown`.\n")
    result = run("check", cwd=book.root)
    assert result.returncode == 1
    err = result.stderr
    assert "Traceback" not in err
    line = next(i for i, text in enumerate(bad_design.splitlines(), 1) if text.startswith("design:"))
    assert f"data/sources/{source.name}:{line}: design: 'casestudy' is not a term of the codebook" in err
    assert "case_study" in err  # the valid values are named
    assert "chapters/introduction.md" in err and "nobody1999unknown" in err


def test_bad_yaml_names_the_line(book) -> None:
    source = next(book.sources.glob("*.yaml"))
    source.write_text("key: [unclosed\ndesign: x\n")
    result = run("check", cwd=book.root)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"data/sources/{source.name}:" in result.stderr and "not valid YAML" in result.stderr


def test_add_creates_a_record_refuses_to_overwrite_and_says_what_to_fill(book) -> None:
    bib = book.bib.read_text()
    book.bib.write_text(
        bib + "\n@article{newcomer2026new,\n  author = {Newcomer, N.},\n  title = {New evidence},\n"
        "  journal = {Journal of Tests},\n  year = {2026},\n}\n"
    )
    result = run("add", "newcomer2026new", cwd=book.root)
    assert result.returncode == 0, result.stderr
    path = book.sources / "newcomer2026new.yaml"
    assert "New evidence" in path.read_text() and "findings" in result.stdout
    again = run("add", "newcomer2026new", cwd=book.root)
    assert again.returncode == 1 and "already exists" in again.stderr
    unknown = run("add", "ghost2026none", cwd=book.root)
    assert unknown.returncode == 1 and "not in references.bib" in unknown.stderr
    assert not (book.sources / "ghost2026none.yaml").exists()
    # until it is filled in, check names the empty findings of the new file
    check = run("check", cwd=book.root)
    assert check.returncode == 1 and "newcomer2026new.yaml" in check.stderr and "findings" in check.stderr


def test_snapshot_records_a_new_edition_and_never_overwrites_one(book) -> None:
    editions = book.data / "editions"
    first = (editions / "2026.1" / "ratings.csv").read_bytes()
    draft = run("report", cwd=book.root)
    assert "Draft of the edition after 2026.1" in draft.stdout and "since edition 2026.1" in draft.stdout
    made = run("snapshot", "2026.2", "--note", "Test.", "--search-date", "2026-11-30", cwd=book.root)
    assert made.returncode == 0, made.stderr
    assert (editions / "2026.2" / "ratings.csv").is_file() and (editions / "2026.2" / "sources.csv").is_file()
    assert (editions / "2026.1" / "ratings.csv").read_bytes() == first  # the earlier edition is kept
    same = run("report", cwd=book.root)
    assert "(Edition 2026.2)" in same.stdout and "since edition 2026.1" in same.stdout
    for name, why in (
        ("2026.2", "already exists"),
        ("2026.1", "already exists"),
        ("2025.9", "sort before"),
        ("next", "not an edition name"),
    ):
        refused = run("snapshot", name, cwd=book.root)
        assert refused.returncode == 1 and why in refused.stderr, (name, refused.stderr)
    assert "2025.9" not in (editions / "editions.yaml").read_text()
    # a change to the evidence after the snapshot makes the book a draft of the next edition again
    record = book.sources / "ainscow2006collaboration.yaml"
    record.write_text(record.read_text() + "# an author's note\n")
    after = run("report", cwd=book.root)
    assert "Draft of the edition after 2026.2" in after.stdout and "1 recoded" in after.stdout


def test_add_lists_every_placeholder_and_its_template_is_honest(book) -> None:
    book.bib.write_text(
        book.bib.read_text() + "\n@article{nouveau2026schools,\n  author = {Nouveau, N.},\n"
        "  title = {Schools in {England} working ``together''},\n  journal = {Journal of Tests},\n"
        "  year = {2026},\n}\n"
    )
    result = run("add", "nouveau2026schools", cwd=book.root)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    path = book.sources / "nouveau2026schools.yaml"
    text = path.read_text()
    # the header is plain text: no BibTeX braces, LaTeX quotes as quotation marks
    assert text.startswith("# Source record for nouveau2026schools: Schools in England working “together”\n")
    # the example claim is a claim of the ledger
    example = re.search(r"\{id: ([a-z0-9-]+), stance", text).group(1)
    assert example in {c["id"] for c in yaml.safe_load(book.claims.read_text())["claims"]}
    # coded_from says what seed and sections mean for a work coded from itself; appraisal and country_reason
    assert "  - seed: nouveau2026schools\n" in text
    assert (
        "# seed: the bib key of the document this record was coded from. You are coding the work from itself" in text
        and "the seed is the work's own key" in text
        and "# sections: where in that document" in text
    )
    assert "\nappraisal: not_reported\n" in text and "a work that is not a study says not_applicable" in text
    assert "add country_reason: where the work says it was done" in text
    # what check rejects, then every placeholder it lets through, each with its line and what to write
    must = out.index(
        "1 problem(s) to fix before `schoolcollab check` passes:\n  - data/sources/nouveau2026schools.yaml:"
    )
    left = out.index(
        "13 placeholder(s) to replace with what the work says (check accepts them, but each says the "
        "work does not report it):\n"
    )
    assert must < left
    assert "findings: the list is empty (expected at least one finding: theme, direction, summary and where" in out
    assert "as in data/sources/README.md) [schema.empty_list]\n" in out
    lines = {line.split(": ")[1]: line for line in out[left:].splitlines()[1:]}
    assert set(lines) == {
        "coded_from[0].sections",
        "publication_type",
        "design",
        "aims",
        "sample.description",
        "sample.unit",
        "sample.size",
        "country",
        "phase",
        "formality",
        "collaboration_types",
        "initiative",
        "appraisal",
    }, out
    line_no = {f: i for i, f in enumerate(text.splitlines(), 1)}
    assert lines["design"].startswith(
        f"  - data/sources/nouveau2026schools.yaml:"
        f"{next(i for text, i in line_no.items() if text.startswith('design:'))}: design: "
        "still not_reported: the work's design, one of: book, case_study,"
    )
    assert lines["design"].endswith("(or keep not_reported if the work does not say) [record.placeholder]")
    assert "still [whole work]: name the parts of the work you read" in lines["coded_from[0].sections"]
    assert "then add country_reason" in lines["country"]
    assert (
        "not_applicable if it is not a study" in lines["appraisal"] and "keep not_reported if" not in lines["appraisal"]
    )
    # with a finding it passes; check warns (exit 0) that the record is still mostly not_reported
    path.write_text(
        text.replace(
            "findings: []", "findings:\n  - {theme: context, direction: descriptive, summary: A test., where: p. 1}"
        )
    )
    check = run("check", cwd=book.root)
    assert check.returncode == 0, check.stderr
    head, warning = check.stdout.splitlines()
    assert head.startswith("0 problems (")
    assert warning == (
        "warning: data/sources/nouveau2026schools.yaml: 12 of the 12 fields that may be not_reported "
        "still are (publication_type, design, aims, sample.description, sample.unit, sample.size, "
        "country, phase, formality, collaboration_types, initiative, appraisal); is the record filled "
        "in? Replace each with what the work says, or keep it where the work does not say"
    )
    # half or fewer left: no warning
    filled = path.read_text()
    for old, new in (
        ("publication_type: not_reported", "publication_type: commentary"),
        ("design: not_reported", "design: think_piece"),
        ("aims: not_reported", "aims: To argue."),
        ("formality: not_reported", "formality: informal"),
        ("appraisal: not_reported", "appraisal: not_applicable"),
        ("description: not_reported", "description: None; an essay."),
        ("collaboration_types: [not_reported]", "collaboration_types: [network]"),
    ):
        filled = filled.replace(old, new, 1)
    path.write_text(filled)
    quiet = run("check", cwd=book.root)
    assert quiet.returncode == 0 and quiet.stdout.startswith("0 problems") and "warning" not in quiet.stdout, (
        quiet.stdout + quiet.stderr
    )
