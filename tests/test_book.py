"""End to end: build a copy of the book as CI and authors do, then read the HTML as a browser would."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from schoolcollab.build.sphinx_process import jb_command
from schoolcollab.paths import Project

from conftest import copy_book

pytestmark = pytest.mark.slow
CLI = str(Path(sys.executable).with_name("schoolcollab"))
EXECUTED = re.compile(r"\((\d+) chapter\(s\) executed\)")


def build(project: Project, *args: str) -> tuple[subprocess.CompletedProcess, int]:
    result = subprocess.run([CLI, "build", *args], cwd=project.root, capture_output=True, text=True)
    m = EXECUTED.search(result.stdout)
    return result, int(m.group(1)) if m else -1


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Project:
    project = copy_book(tmp_path_factory.mktemp("built") / "book")
    # `python3 dev.py book` keeps its virtual environment inside the book: its files must not be read
    venv_doc = project.root / ".venv" / "lib" / "site-packages" / "pkg" / "README.md"
    venv_doc.parent.mkdir(parents=True)
    venv_doc.write_text("Text before a heading\n\n### Skipped heading level\n\n```{nosuchdirective}\n```\n")
    result, executed = build(project, "--force")
    assert result.returncode == 0, result.stdout + result.stderr
    toc = yaml.safe_load((project.root / "_toc.yml").read_text())
    notebooks = [
        f
        for f in [toc["root"], *(c["file"] for part in toc["parts"] for c in part["chapters"])]
        if "kernelspec" in (project.root / f"{f}.md").read_text()
    ]  # the root page runs its cite box
    assert executed == len(notebooks), result.stdout
    return project


def pages(project: Project) -> list[Path]:
    return sorted((project.build_dir / "html").rglob("*.html"))


def test_every_toc_chapter_is_rendered_without_error_output(built) -> None:
    toc = yaml.safe_load((built.root / "_toc.yml").read_text())
    files = [toc["root"], *(c["file"] for part in toc["parts"] for c in part["chapters"])]
    for f in files:
        html = (built.build_dir / "html" / f"{f}.html").read_text()
        assert "Traceback" not in html and "output_error" not in html and "stderr" not in html, f


def test_no_page_loads_anything_from_another_host(built) -> None:
    offenders = []
    for page in pages(built):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src")):
            for el in soup.find_all(tag):
                url = el.get(attr)
                if (
                    tag == "link"
                    and "stylesheet" not in (el.get("rel") or [])
                    and el.get("as") not in ("font", "style", "script")
                ):
                    continue
                if url and urlparse(url).scheme in ("http", "https") or (url or "").startswith("//"):
                    offenders.append(f"{page.name}: <{tag} {attr}={url}>")
        for css in re.findall(r"@import\s+url\(['\"]?(https?:[^)'\"]+)", page.read_text()):
            offenders.append(f"{page.name}: @import {css}")
    for css in (built.build_dir / "html" / "_static").rglob("*.css"):
        for url in re.findall(r"url\(['\"]?(https?://[^)'\"]+)", css.read_text(errors="replace")):
            offenders.append(f"{css.name}: url({url})")
    assert not offenders, "\n".join(offenders)


def test_every_internal_link_and_anchor_resolves(built) -> None:
    html_root = built.build_dir / "html"
    ids: dict[Path, set[str]] = {}
    broken = []
    for page in pages(built):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        ids[page.resolve()] = {el["id"] for el in soup.find_all(id=True)}
    for page in pages(built):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for a in soup.find_all("a", href=True):
            url = urlparse(a["href"])
            if url.scheme or a["href"].startswith(("mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(url.path)).resolve() if url.path else page.resolve()
            if not target.exists():
                broken.append(f"{page.relative_to(html_root)} -> {a['href']} (no such file)")
            elif url.fragment and target.suffix == ".html" and url.fragment not in ids.get(target, set()):
                broken.append(f"{page.relative_to(html_root)} -> {a['href']} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_figures_and_tables_are_numbered_with_captions(built) -> None:
    html = (built.build_dir / "html" / "chapters" / "appendix-initiatives.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    captions = [c.get_text(" ", strip=True) for c in soup.select("figure figcaption")]
    assert len(captions) == 2 and all(re.match(r"Exhibit [A-Z0-9.]+", c) for c in captions), captions
    assert soup.select("figure img") and soup.select("figure table")


def test_no_change_rebuild_executes_nothing(built) -> None:
    result, executed = build(built)
    assert result.returncode == 0, result.stdout + result.stderr
    assert executed == 0 and "up to date" in result.stdout, result.stdout
    # Below the up-to-date shortcut, Sphinx and the execution cache also find nothing to run.
    sphinx = subprocess.run(jb_command(built), cwd=built.root, capture_output=True, text=True)
    assert sphinx.returncode == 0, sphinx.stdout + sphinx.stderr
    assert "Executing notebook" not in sphinx.stdout
    assert "0 added, 0 changed, 0 removed" in sphinx.stdout


def test_changed_data_reaches_the_html_and_only_readers_reexecute(built) -> None:
    csv = built.data / "review" / "initiatives.csv"
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
    marker = "Zebra-striped partnership scheme"
    frame.loc[0, "summary"] = marker
    frame.to_csv(csv, index=False)
    result, executed = build(built)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (built.build_dir / "html" / "chapters" / "appendix-initiatives.html").read_text()
    assert marker in html
    ran = set(re.findall(r"executed (chapters/\S+\.md)", result.stdout))
    # the introduction reads the initiatives too; the glossary and search appendices do not
    assert {"chapters/appendix-initiatives.md", "chapters/introduction.md"} <= ran, result.stdout
    assert not ran & {"chapters/appendix-glossary.md", "chapters/appendix-search.md"}, result.stdout
    assert executed == len(ran)
    assert marker not in (built.build_dir / "html" / "chapters" / "appendix-glossary.html").read_text()


def test_unknown_citation_key_fails_the_build_naming_chapter_and_key(built) -> None:
    chapter = built.chapters / "appendix-glossary.md"
    original = chapter.read_text()
    chapter.write_text(original + "\nAs argued by {cite:t}`nobody1999unknown`.\n")
    try:
        result, _ = build(built)
        assert result.returncode == 1
        assert "chapters/appendix-glossary.md" in result.stderr and "nobody1999unknown" in result.stderr
        # Sphinx itself (bypassing our check) also refuses the key
        sphinx = subprocess.run(jb_command(built), cwd=built.root, capture_output=True, text=True)
        assert sphinx.returncode != 0
        assert "nobody1999unknown" in sphinx.stdout + sphinx.stderr
        assert "appendix-glossary" in sphinx.stdout + sphinx.stderr
    finally:
        chapter.write_text(original)


def test_a_chapter_that_raises_fails_the_build_and_keeps_the_published_book(built) -> None:
    chapter = built.chapters / "appendix-glossary.md"
    original = chapter.read_text()
    published = (built.build_dir / "html" / "chapters" / "appendix-glossary.html").read_text()
    chapter.write_text(original + "\n```{code-cell} ipython3\nraise RuntimeError('deliberate failure')\n```\n")
    try:
        result, _ = build(built)
        assert result.returncode == 1, result.stdout
        assert "build failed" in result.stderr and "Traceback" not in result.stderr
        # one line naming the chapter, the cell (its line in the .md file) and the error
        line = next(i for i, text in enumerate(chapter.read_text().splitlines(), 1) if "deliberate failure" in text)
        assert f"chapters/appendix-glossary.md:{line}: code cell " in result.stderr
        assert "raised RuntimeError: deliberate failure" in result.stderr
        assert (built.build_dir / "html" / "chapters" / "appendix-glossary.html").read_text() == published
    finally:
        chapter.write_text(original)


def _glued_sources(page: Path) -> int:
    text = BeautifulSoup(page.read_text(), "html.parser").get_text(" ", strip=True)
    return int(re.search(r"coded\s+findings\s+of\s+(\d+)\s+sources", text).group(1))


def _summary_rating(html: str, statement: str) -> str:
    def norm(text: str) -> str:  # Sphinx turns ' into ’ and the HTML wraps lines
        return " ".join(text.replace("\u2019", "'").split())

    soup = BeautifulSoup(html, "html.parser")
    for li in soup.find_all("li"):
        text = norm(li.get_text(" ", strip=True))
        if text.startswith(norm(statement)[:60]):
            m = re.search(r"Confidence: (high|moderate|low|very low)", text)
            return m.group(1) if m else ""
    raise AssertionError(f"claim not in summary: {statement[:60]}")


def _gap_map_data(page: str) -> dict:
    """The interactive gap map's data, as the page carries it for its script."""
    found = re.search(r'<script type="application/json" class="sc-gm-data">(.*?)</script>', page, re.S)
    assert found, "no gap map on the page"
    return json.loads(found.group(1))


def test_a_new_federation_study_changes_gap_map_counts_and_rating(built) -> None:
    from schoolcollab.errors import Problems
    from schoolcollab.load import collect_evidence

    ledger = yaml.safe_load(built.claims.read_text())["claims"]
    claim = next(
        c
        for c in ledger
        if c["theme"] == "impact_students"
        and c["kind"] != "gap"
        and any(e["key"] == "chapman2014school" and e["stance"] == "supports" for e in c["evidence"])
    )
    html_dir = built.build_dir / "html" / "chapters"
    n_sources_before = _glued_sources(html_dir / "summary.html")
    before = collect_evidence(built, Problems())
    n_fed_before = len(
        before.findings.merge(before.types, on="key")
        .query("theme == 'impact_students' and family == 'federation'")["key"]
        .unique()
    )

    with open(built.bib, "a") as fh:
        fh.write(
            "\n@article{newfed2026federated,\n  author = {Newfed, A.},\n  title = {Federated primary schools"
            " and attainment},\n  journal = {Journal of Tests},\n  year = {2026},\n}\n"
        )
    add = subprocess.run([CLI, "add", "newfed2026federated"], cwd=built.root, capture_output=True, text=True)
    assert add.returncode == 0, add.stderr
    record = yaml.safe_load((built.sources / "newfed2026federated.yaml").read_text())
    record.update(
        {
            "publication_type": "empirical",
            "design": "quasi_experimental",
            "aims": "Test a federation effect.",
            "sample": {"description": "40 federated and 40 matched schools", "unit": "schools", "size": 80},
            "country": ["england"],
            "country_reason": "The article studies federations in England.",
            "phase": ["primary"],
            "formality": "formal",
            "collaboration_types": ["hard_governance_federation"],
            "initiative": "none",
            "appraisal": {
                c: {"judgement": "yes", "reason": "Stated in the methods section.", "where": "Methods"}
                for c in ("independence", "comparison", "sample", "voices", "time_span", "reporting")
            },
            "findings": [
                {
                    "theme": "impact_students",
                    "domain": "attainment",
                    "direction": "positive",
                    "summary": "Pupils in federated schools gained more than matched peers.",
                    "where": "Results",
                    "claims": [{"id": claim["id"], "stance": "supports"}],
                }
            ],
        }
    )
    (built.sources / "newfed2026federated.yaml").write_text(yaml.safe_dump(record, sort_keys=False))
    result, executed = build(built)
    assert result.returncode == 0, result.stdout + result.stderr

    after = collect_evidence(built, Problems())
    rating_after = after.ratings.set_index("claim").loc[claim["id"], "rating"]
    # the summary shows the rating computed from the new evidence
    assert _summary_rating((html_dir / "summary.html").read_text(), claim["statement"]) == rating_after
    # the gap map's data on the page holds the new source, in the cell of its theme and family
    shown = _gap_map_data((html_dir / "conclusions.html").read_text())
    assert "newfed2026federated" in shown["sources"]
    assert any(row[:3] == ["impact_students", "federation", "newfed2026federated"] for row in shown["rows"])
    # the glued count of sources in the running text moved with the data
    assert _glued_sources(html_dir / "summary.html") == n_sources_before + 1
    n_fed_after = len(
        after.findings.merge(after.types, on="key")
        .query("theme == 'impact_students' and family == 'federation'")["key"]
        .unique()
    )
    assert n_fed_after == n_fed_before + 1
    assert "Newfed" in (html_dir / "references.html").read_text()
