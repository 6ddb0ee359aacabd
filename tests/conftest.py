"""Shared fixtures: a throwaway copy of the book, so tests can break it without touching the real one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

from schoolcollab.paths import Project
from schoolcollab.serve import make_server

ROOT = Path(__file__).resolve().parents[1]
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "_build", "__pycache__", ".pytest_cache", "*.egg-info", ".ipynb_checkpoints"
)


def copy_book(dest: Path) -> Project:
    shutil.copytree(ROOT, dest, ignore=COPY_IGNORE)
    return Project(dest)


@pytest.fixture
def book(tmp_path: Path) -> Project:
    """A fresh copy of the whole book (chapters, data, bibliography) in a temporary folder."""
    return copy_book(tmp_path / "book")


@pytest.fixture
def real() -> Project:
    return Project(ROOT)


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    """A copy of the book's data, bibliography, configuration and package, without its chapters."""
    for part in ("data", "src/schoolcollab"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("references.bib", "_config.yml", "_toc.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return Project(tmp_path)


# What an author could paste into the evidence: HTML that would run, MyST that would be parsed, every
# LaTeX special, a maths dollar and accents. The hostile build (HTML and PDF) must show it as text.
HOSTILE = (
    "Zz <script>alert('x')</script> <img src=x onerror=\"alert(1)\"> {cite}`nobody` "
    ":::{warning} boom ::: **not bold** & 100% #1 _u_ ~ ^ $5 \\relax café"
)
HOSTILE_TERM = "Zz: R&D_unit 100% #1 ~ ^ $5"
HOSTILE_NAME = "Independent-State <b onmouseover=alert(2)>$x$</b> & 50% {glue}`y`"  # an initiative's name


def made_once(request, tmp_path_factory, name: str, make: Callable[[Path], Project]) -> Project:
    """``make(folder)`` once per test run: with pytest-xdist, the first worker to ask makes it under a
    file lock and the others use what it made (every user only reads it, or copies it first)."""
    if not hasattr(request.config, "workerinput"):  # not an xdist worker (or xdist not loaded)
        return make(tmp_path_factory.mktemp(name))
    folder = tmp_path_factory.getbasetemp().parent / name
    made = folder.with_name(f"{name}.made")  # written only once make() has returned
    with FileLock(str(folder.with_name(f"{name}.lock"))):
        if made.is_file():
            return Project(Path(made.read_text(encoding="utf-8")))
        if folder.exists():  # a worker's make() failed midway: start again
            shutil.rmtree(folder)
        folder.mkdir()
        project = make(folder)
        made.write_text(str(project.root), encoding="utf-8")
        return project


@pytest.fixture(scope="session")
def hostile_book(request, tmp_path_factory, built_book) -> Project:
    """A copy of the book with hostile text in a glossary entry, a claim, an initiative and a bibliography
    title, built as HTML and PDF (the PDF needs TeX Live: `python3 dev.py test` installs it)."""
    return made_once(request, tmp_path_factory, "hostile", lambda folder: _make_hostile(built_book, folder))


def _make_hostile(built_book: Project, folder: Path) -> Project:
    import re

    import yaml

    project = copy_built(built_book, folder / "book")
    glossary = project.data / "review" / "glossary.yaml"
    entries = yaml.safe_load(glossary.read_text(encoding="utf-8"))
    entries.append(
        {"term": HOSTILE_TERM, "definition": HOSTILE, "source": "armstrong2015effective", "seed_location": "test entry"}
    )
    glossary.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), encoding="utf-8")
    ledger = project.claims.read_text(encoding="utf-8")
    first = re.search(r"^  statement: .*(\n    .*)*", ledger, re.M)
    ledger = (
        ledger[: first.start()]
        + "  statement: "
        + yaml.safe_dump(HOSTILE, allow_unicode=True, width=10_000).strip().removesuffix("...").strip()
        + ledger[first.end() :]
    )
    project.claims.write_text(ledger, encoding="utf-8")
    initiatives = project.data / "review" / "initiatives.csv"
    text = initiatives.read_text(encoding="utf-8")
    initiatives.write_text(
        text.replace("Independent-State School Partnerships", f'"{HOSTILE_NAME}"', 1), encoding="utf-8"
    )
    bib = project.bib.read_text(encoding="utf-8")
    project.bib.write_text(
        bib.replace(
            "title       = {Evaluation of the {City Challenge} Programme}",
            "title       = {Evaluation <script>alert('t')</script> <img src=x onerror=alert(3)>}",
            1,
        ),
        encoding="utf-8",
    )
    cli = str(Path(sys.executable).with_name("schoolcollab"))
    # as an author would: the web edition first (figures as PNG only), then the print edition, whose
    # chapters must execute again to store their figures as PDF (test_pdf checks they are vector)
    for args in (["build"], ["build", "--pdf"]):
        result = subprocess.run([cli, *args], cwd=project.root, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    return project


@pytest.fixture(scope="session")
def book_evidence():
    """The book's own evidence base, loaded once (read-only)."""
    from schoolcollab.load import evidence

    return evidence(ROOT)


@pytest.fixture(scope="session")
def built_book(request, tmp_path_factory) -> Project:
    """One copy of the book, built once per test run. Tests that only read a built book use it as it is;
    tests that change one start from :func:`copy_built`, so their first build executes nothing."""
    return made_once(request, tmp_path_factory, "built", _make_built)


def _make_built(folder: Path) -> Project:
    project = copy_book(folder / "book")
    cli = str(Path(sys.executable).with_name("schoolcollab"))
    result = subprocess.run([cli, "build"], cwd=project.root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return project


def copy_built(built: Project, dest: Path) -> Project:
    """A copy of a built book with its ``_build`` (site, execution cache and each chapter's record of its
    inputs, which are kept relative to the book), so building it again executes only what the test changes."""
    shutil.copytree(built.root, dest, symlinks=True)
    return Project(dest)


@pytest.fixture
def built_copy(built_book: Project, tmp_path: Path) -> Project:
    """A copy of the session's built book for one test to change and build again."""
    return copy_built(built_book, tmp_path / "book")


@pytest.fixture(scope="session")
def site(built_book):
    """The session's built book, served on 127.0.0.1 for every browser test (they only read it)."""
    from browser_support import CHROMIUM

    assert Path(CHROMIUM).exists(), "Chromium is not installed: run the tests with `python3 dev.py test`"
    project: Project = built_book
    server = make_server(project.build_dir / "html", port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield project, f"http://{host}:{port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright (nothing downloaded)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        from browser_support import CHROMIUM

        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()
