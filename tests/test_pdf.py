"""The print edition: build a copy of the book as a PDF and read it back as text, as a reader would.

Needs TeX Live and poppler-utils (`python3 dev.py test` installs both from Debian's packages).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from schoolcollab.bib import cited_keys, parse_bibliography
from schoolcollab.editions import evidence_fingerprint
from schoolcollab.errors import Problems
from schoolcollab.paths import Project

from conftest import HOSTILE, HOSTILE_NAME, HOSTILE_TERM, ROOT

pytestmark = pytest.mark.slow
ARTEFACTS = ROOT / "_build" / "test-artifacts" / "pdf"


def normalise(text: str) -> str:
    """PDF text with LaTeX's hyphenation and line breaks undone, one space between words."""
    text = re.sub(r"-\n(?=[a-z])", "", text)
    # Sphinx typesets straight quotes in running text as curly ones (its smartquotes): same characters to a reader
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'}))
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def pdf(hostile_book) -> tuple[Project, str, Path]:
    """The hostile copy's PDF (see conftest.hostile_book) and its text."""
    missing = [tool for tool in ("pdftotext", "pdftoppm", "pdfimages") if shutil.which(tool) is None]
    assert not missing, f"{missing} not installed: run the tests with `python3 dev.py test`, which installs them"
    path = hostile_book.build_dir / "latex" / "schoolcollab.pdf"
    assert path.is_file()
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return hostile_book, text, path


def chapter_titles(project: Project) -> list[str]:
    toc = yaml.safe_load((project.root / "_toc.yml").read_text())
    titles = []
    for doc in [toc["root"], *(c["file"] for part in toc["parts"] for c in part["chapters"])]:
        body = (project.root / f"{doc}.md").read_text(encoding="utf-8")
        titles.append(re.search(r"^# (.+)$", body, re.M).group(1).strip())
    return titles


def test_every_chapter_title_is_in_the_pdf(pdf) -> None:
    project, text, _ = pdf
    flat = normalise(text).lower()
    missing = [t for t in chapter_titles(project)[1:] if normalise(t).lower() not in flat]
    assert not missing


def test_the_bibliography_lists_every_cited_entry_in_apa_form(pdf) -> None:
    project, text, _ = pdf
    bib = parse_bibliography(project.bib, Problems())
    cited = {
        key for chapter in project.chapters.rglob("*.md") for _, key in cited_keys(chapter.read_text(encoding="utf-8"))
    }
    # the whole text: a title's first words appear nowhere else, and running heads repeat "Bibliography"
    back = re.sub(r"[^a-z0-9 ]", "", normalise(text).lower())
    assert len(cited) > 80
    missing = []
    for key in sorted(cited):
        shown = bib.entries[key].get("title") or "[Title not known]"  # APA's bracketed description
        words = re.sub(r"[^a-z0-9 ]", "", re.sub(r"[{}\\]", "", shown.lower())).split()[:5]
        if " ".join(words) not in back:
            missing.append(key)
    assert not missing
    flat = normalise(text)
    assert "(Armstrong, 2015)" in flat and flat.count("[Armstrong, 2015]") <= 1  # at most the list's label
    assert "Hill et al. (2012)" in flat  # a narrative citation: {cite:t}
    # APA 7 entries: authors, (year). title, italics aside; journal, volume(issue), pages with an en dash
    assert (
        "Hopkins, D., & Higham, R. (2007). System leadership: Mapping the landscape. School Leadership and "
        "Management, 27(2), 147–166." in flat
    )
    assert "Chapman, C., Muijs, D., Sammons, P., Armstrong, P., & Collins, A. (2009a)." in flat


def test_no_unresolved_reference_object_repr_or_raw_markup(pdf) -> None:
    _, text, _ = pdf
    flat = normalise(text)
    for planted in (HOSTILE, HOSTILE_NAME):  # the test's own entries hold markup on purpose
        assert normalise(planted) in flat
        flat = flat.replace(normalise(planted), "")
    # in narrow table columns pdftotext interleaves the planted text with the next cell's, so its markup
    # tokens are also removed one by one (a leak of any other citation or directive is still caught)
    for token in ("{cite}`nobody`", ":::{warning}", "boom :::", "{glue}`y`"):
        flat = flat.replace(token, "")
    leaks = [
        "??",
        "object at 0x",
        "<IPython",
        "Styler",
        "{cite",
        "{glue",
        "{numref}",
        "```",
        ":::",
        "\\begin{",
        "\\textbf",
        "\\caption",
        "{code-cell}",
        "$$",
    ]
    found = {leak: flat[max(0, flat.find(leak) - 60) : flat.find(leak) + 60] for leak in leaks if leak in flat}
    assert not found


def test_page_count_is_that_of_a_book_not_a_stub_or_a_runaway(pdf) -> None:
    _, _, path = pdf
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert 50 <= pages <= 250, pages
    assert "595.28 x 841.89" in info  # A4


def test_special_characters_from_the_data_print_as_written(pdf) -> None:
    _, text, _ = pdf
    flat = normalise(text)
    assert HOSTILE_TERM in flat
    assert flat.count(normalise(HOSTILE)) >= 2  # the glossary entry and the claim, character for character


def test_title_page_names_the_edition_and_the_evidence_fingerprint(pdf) -> None:
    project, text, _ = pdf
    first = normalise(text.split("\f", 1)[0])
    assert "School partnerships and collaboration" in first
    for label in ("Edition", "Built", "Evidence fingerprint", evidence_fingerprint(project)):
        assert label in first
    assert re.search(r"\b20\d\d-\d\d-\d\d\b", first)  # the build date


def test_figures_are_vector_or_at_least_200_dpi(pdf) -> None:
    _, _, path = pdf
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    low = [row for row in rows if row[2] == "image" and min(int(row[12]), int(row[13])) < 200]
    assert not low


def test_pages_render_and_are_kept_for_a_human_to_look_at(pdf) -> None:
    _, _, path = pdf
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTEFACTS.glob("page-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "20", str(path), str(ARTEFACTS / "page")], check=True
    )
    assert len(list(ARTEFACTS.glob("page-*.png"))) == 20
