#!/usr/bin/env python3
"""Set up and run the book on a fresh machine with nothing but Python 3.11.

    python3 dev.py book     # create .venv, install the locked dependencies, build _build/html
    python3 dev.py pdf      # also install TeX Live from Debian (apt), then build HTML and _build/latex/*.pdf
    python3 dev.py test     # the set-up of both (plus Chromium for the browser tests), the lint gate, every test
    python3 dev.py lint     # set up, then only the gate: ruff check, ruff format --check, mypy
    python3 dev.py lock     # re-resolve the dependencies and rewrite requirements.lock

Only the standard library is used here, because nothing else is installed yet.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SCHOOLCOLLAB_VENV", ROOT / ".venv"))
LOCK = ROOT / "requirements.lock"
BIN = VENV / "bin"


def run(*cmd: str | Path, **kw) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def setup() -> None:
    """Create the virtual environment and install exactly the locked versions (skipped when current)."""
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"schoolcollab needs Python 3.11 (this is {sys.version.split()[0]}): run it with python3.11")
    if not (BIN / "python").exists():
        run(sys.executable, "-m", "venv", VENV)
    stamp = VENV / ".installed"
    want = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == want:
        return
    pip = [BIN / "python", "-m", "pip", "--disable-pip-version-check", "-q"]
    run(*pip, "install", "-r", LOCK)
    run(*pip, "install", "--no-deps", "-e", ROOT)
    stamp.write_text(want)


# Debian packages, installed only when the program that needs them is missing. TeX Live: the PDF
# edition (xelatex via latexmk, FreeFont, xindy for the index); poppler-utils: the PDF tests read the
# PDF with pdftotext; chromium: the browser tests drive Debian's Chromium (nothing is downloaded).
TEX = {"xelatex": "texlive-xetex", "latexmk": "latexmk", "xindy": "xindy"}
TEX_EXTRA = ["texlive-latex-recommended", "texlive-latex-extra", "texlive-fonts-recommended", "fonts-freefont-otf"]
TEST_TOOLS = {"pdftotext": "poppler-utils", "chromium": "chromium"}


def system_packages(programs: dict[str, str], extra: list[str] = ()) -> None:
    """Install, with apt, the Debian packages of any missing program (and ``extra`` with them)."""
    missing = sorted({pkg for prog, pkg in programs.items() if shutil.which(prog) is None})
    if not missing:
        return
    wanted = missing + list(extra)
    sudo = [] if os.geteuid() == 0 else ["sudo"] if shutil.which("sudo") else None
    if sudo is None or shutil.which("apt-get") is None:
        sys.exit(f"missing programs; install these Debian packages and run again: {' '.join(wanted)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(*sudo, "apt-get", "update", "-qq", env=env)
    run(*sudo, "apt-get", "install", "-y", "-qq", *wanted, env=env)


# The lint and type gate: each command must pass before any test runs (paths as in pyproject's tool configs).
LINTED = ["src", "tests", "benchmarks", "dev.py"]
GATE = [
    ["ruff", "check", *LINTED],
    ["ruff", "format", "--check", *LINTED],
    ["mypy"],  # files and settings: [tool.mypy] in pyproject.toml
]


def lint() -> int:
    """Run the gate, stopping at the first command that fails (its output says why)."""
    for cmd in GATE:
        print("+", " ".join(cmd), flush=True)
        code = subprocess.call([BIN / cmd[0], *cmd[1:]], cwd=ROOT)
        if code:
            print(f"lint gate failed: {' '.join(cmd)} (exit {code})", file=sys.stderr)
            return code
    return 0


def lock() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run(sys.executable, "-m", "venv", tmp)
        py = Path(tmp) / "bin" / "python"
        run(py, "-m", "pip", "-q", "install", f"{ROOT}[test]")
        frozen = subprocess.run(
            [py, "-m", "pip", "freeze", "--exclude", "schoolcollab"], check=True, capture_output=True, text=True
        ).stdout
    header = (
        "# Fully pinned dependency set (Python 3.11, Linux) resolved for schoolcollab and its tests.\n"
        "# Regenerate with: python3 dev.py lock\n"
    )
    LOCK.write_text(header + frozen)
    print(f"wrote {LOCK}")


def child_env() -> dict[str, str]:
    """The environment for the build and the tests: as this one, but with Python's bytecode caches on.

    Container images often set PYTHONDONTWRITEBYTECODE; then every chapter's kernel compiles the package
    from source again, and pytest rewrites every test module again on every run (about 5 s of each
    collection on 2 cores). The caches go to __pycache__ folders, which git ignores."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def main(argv: list[str]) -> int:
    task = argv[0] if argv else ""
    if task == "lock":
        lock()
        return 0
    if task not in ("book", "pdf", "test", "lint"):
        print(__doc__)
        return 2
    setup()
    if task == "lint":
        return lint()
    if task == "book":
        return subprocess.call([BIN / "schoolcollab", "build", *argv[1:]], cwd=ROOT, env=child_env())
    system_packages(TEX, TEX_EXTRA)
    if task == "pdf":
        return subprocess.call([BIN / "schoolcollab", "build", "--pdf", *argv[1:]], cwd=ROOT, env=child_env())
    system_packages(TEST_TOOLS)
    code = lint()
    if code:
        return code
    return subprocess.call([BIN / "python", "-m", "pytest", *parallel(argv[1:]), *argv[1:]], cwd=ROOT, env=child_env())


def parallel(args: list[str]) -> list[str]:
    """pytest-xdist's options for the whole suite unless ``args`` choose their own: two workers, as CI
    has two cores, each given whole test files, so a file's shared fixtures (a book built for its
    tests) are made once; the session's built books are made once for both (tests/conftest.py)."""
    chosen = any(a.startswith(("-n", "--numprocesses", "--dist", "no:xdist")) for a in args)
    return [] if chosen else ["-n", "2", "--dist", "loadfile"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
