"""Every read of the book's input goes through here, so a build knows what each chapter used.

When a chapter executes during a build, the build sets ``SCHOOLCOLLAB_INPUTS_MANIFEST`` to a file
for that chapter; each input read here is appended to it. The next build fingerprints exactly those
files, so the chapter re-executes when (and only when) something it read has changed.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Problems, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

MANIFEST_ENV = "SCHOOLCOLLAB_INPUTS_MANIFEST"
# Set to "1" by a build of the print edition: chapters then store each figure as vector PDF as well.
PRINT_ENV = "SCHOOLCOLLAB_PRINT"
# A manifest line is a path read directly, or one of these prefixes (see schoolcollab.facets):
VIA = "via-evidence:"  # a path read only to load the evidence base, which the chapter sees through its facets
FACET = "facet:"  # facet:<name>:<digest>, a field of the evidence base the chapter used, and its value's digest
# call-uses:<JSON [call facet, [facet, ...]]>, the fields of the evidence base a tracked call read
USES = "call-uses:"
# What a kernel (or a Sphinx page) records, for the whole process: the manifest named in the environment.
_recorded: set[str] = set()
_via: list[str] = []
_facets: set[str] = set()
# While a tracked call runs (schoolcollab.call_facets), the facets it uses are held here, not written:
# if its result has a digest, that digest stands for all of them; if not, they are written after all.
_frames: list[dict[str, Any]] = []


class _Capture:
    """What one :func:`capture` records: its own manifest and state, seen only by the thread running it.

    The build loads the evidence base in a thread while its main thread plans and starts kernels; a
    capture set in the process's environment would make those record into it too (and write to its
    manifest after it was deleted)."""

    def __init__(self, manifest: str) -> None:
        self.manifest = manifest
        self.recorded: set[str] = set()
        self.facets: set[str] = set()
        self.via: list[str] = []
        self.frames: list[dict[str, Any]] = []


_captures = threading.local()


def _active() -> _Capture | None:
    return getattr(_captures, "active", None)


def _manifest() -> str | None:
    active = _active()
    return active.manifest if active is not None else os.environ.get(MANIFEST_ENV)


def _state() -> tuple[set[str], set[str], list[str], list[dict[str, Any]]]:
    """This thread's recorded lines, facets written, evidence loads under way and held frames."""
    active = _active()
    if active is not None:
        return active.recorded, active.facets, active.via, active.frames
    return _recorded, _facets, _via, _frames


def _write(line: str) -> None:
    manifest = _manifest()
    recorded = _state()[0]
    if not manifest or line in recorded:
        return
    recorded.add(line)
    with open(manifest, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def record(path: Path) -> None:
    """Note that ``path`` was read while building the current chapter (no-op outside a build)."""
    if not _manifest():
        return
    resolved = str(Path(path).resolve())
    _write((VIA if _state()[2] else "") + resolved)


@contextmanager
def loading_evidence() -> Iterator[None]:
    """Reads in this block load the evidence base: they are recorded as such, and the chapter's
    dependency on them is the facets it then uses (:func:`record_facet`), not their bytes."""
    via = _state()[2]
    via.append("evidence")
    try:
        yield
    finally:
        via.pop()


@contextmanager
def capture() -> Iterator[list[str]]:
    """Record the inputs read in this block (in this thread, as a kernel would) into the list it yields."""
    import tempfile

    found: list[str] = []
    outer = _active()
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "manifest"
        manifest.touch()
        _captures.active = _Capture(str(manifest))
        try:
            yield found
            found.extend(manifest.read_text(encoding="utf-8").splitlines())
        finally:
            _captures.active = outer


def recording() -> bool:
    """Whether this process is a chapter's kernel in a build (its reads are being recorded)."""
    return bool(_manifest())


def record_facet(name: str, value: Any) -> None:
    """Note that the current chapter used field ``name`` of the evidence base, with a digest of its value."""
    if not recording():
        return
    _, facets, _, frames = _state()
    if frames:  # digested only if the call's own result has no digest (see call_facets)
        frames[-1].setdefault(name, value)
    elif name not in facets:
        from .facets import digest_value

        record_facet_digest(name, digest_value(value))


def record_facet_digest(name: str, digest: str) -> None:
    """Note a facet whose digest is already known: a tracked call and its result's digest."""
    if not recording():
        return
    _, facets, _, frames = _state()
    if frames:
        frames[-1][name] = Digested(digest)
    elif name not in facets:
        facets.add(name)
        _write(f"{FACET}{name}:{digest}")


def record_call_uses(name: str, used: list[str]) -> None:
    """Note the facets the tracked call ``name`` read (see :mod:`.call_facets`)."""
    if not recording():
        return
    import json

    _write(USES + json.dumps([name, sorted(used)], separators=(",", ":"), ensure_ascii=True))


class Digested(str):
    """A facet's digest held in a frame, as opposed to a value still to be digested."""


def holding_facets() -> bool:
    """Whether a tracked call is running (its facets are held, see :func:`held_facets`)."""
    return bool(_state()[3])


@contextmanager
def held_facets() -> Iterator[dict[str, Any]]:
    """Hold the facets used in this block in the dict it yields, for the caller to keep or drop
    (:func:`release_facets`); they are not written unless released."""
    frame: dict[str, Any] = {}
    frames = _state()[3]
    frames.append(frame)
    try:
        yield frame
    finally:
        frames.pop()


def release_facets(frame: dict[str, Any]) -> None:
    """Record the facets held in ``frame`` as if they had been used outside it."""
    for name, value in frame.items():
        if isinstance(value, Digested):
            record_facet_digest(name, str(value))
        else:
            record_facet(name, value)


def read_text(path: Path) -> str:
    """Read an input file as UTF-8 and record it."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    record(path)
    return text


def list_dir(folder: Path, pattern: str) -> list[Path]:
    """Files in an input folder, sorted; the folder itself is recorded so added files count as a change."""
    folder = Path(folder)
    record(folder)
    return sorted(folder.glob(pattern))


# An input is text typed by people; the largest (references.bib) is tens of kB. A file above this is a
# mistake (a data dump saved under an input's name) and is refused unread rather than parsed for minutes.
MAX_BYTES = 5 * 1024 * 1024
UTF8_HINT = "a file saved as UTF-8 (in the editor's 'Save with encoding' or 'Save as CSV UTF-8')"


def read_input(
    path: Path, problems: Problems, *, missing: str = "this file (see the README in its folder)"
) -> str | None:
    """The text of an input file, or None with a problem: missing, too large, or not UTF-8 (with its line)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            problems.add(
                path,
                f"the file is {size / 2**20:.1f} MB, too large to be an input of the book, so it was not read",
                expected=f"a file under {MAX_BYTES // 2**20} MB",
                code="file.too_large",
            )
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        problems.add(path, "the file is missing", expected=missing, code="file.missing")
        return None
    except OSError as exc:
        problems.add(
            path,
            f"the file cannot be read ({exc.strerror or exc.__class__.__name__})",
            expected=missing,
            code="file.unreadable",
        )
        return None
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark (Excel, Notepad) is dropped
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.add(
            path,
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} ({exc.reason})",
            line=line,
            expected=UTF8_HINT,
            code="file.not_utf8",
        )
        return None
    record(path)
    return text


def read_csv(
    path: Path, columns: list[str], problems: Problems, *, missing: str = "this file (see the README in its folder)"
) -> pd.DataFrame | None:
    """A CSV input as text cells, indexed by the line each row starts on; None (with problems) if unusable.

    A row with too many or too few cells is reported and padded or cut to the header, and its line is
    listed in ``frame.attrs["ragged"]`` so that callers skip checking its (shifted) cells.
    """
    import pandas as pd  # here, not at the top: the build's Sphinx extension imports this module too

    text = read_input(path, problems, missing=missing)
    if text is None:
        return None
    header_hint = f"a header row: {', '.join(columns)}"
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    end = 0
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in row):
                rows.append((start, row))
    except csv.Error as exc:
        if "end of data" in str(exc):
            problems.add(
                path,
                "a quoted cell starting on this line is never closed",
                line=end + 1,
                expected='a closing " for every opening one (a " inside a quoted cell is written "")',
                code="csv.unclosed_quote",
            )
        else:
            problems.add(
                path,
                f"not valid CSV: {exc}",
                line=reader.line_num,
                expected='cells separated by commas; a cell with a comma or " inside "in quotes"',
                code="csv.syntax",
            )
        return None
    if not rows:
        problems.add(
            path,
            "the file is empty" if not text.strip() else "the file has no header row (only blank cells)",
            expected=header_hint,
            code="file.empty" if not text.strip() else "csv.no_header",
        )
        return None
    header = [c.strip() for c in rows[0][1]]
    ok = True
    for name in sorted({c for c in header if header.count(c) > 1}):
        problems.add(
            path,
            f"column '{name}' appears more than once",
            line=rows[0][0],
            expected="each column once",
            code="csv.duplicate_column",
        )
        ok = False
    missing_cols = [c for c in columns if c not in header]
    if missing_cols:
        hints = "".join(
            f"; the header has '{c}':{did_you_mean(c, missing_cols).removeprefix(';')}"
            for c in header
            if c not in columns and did_you_mean(c, missing_cols)
        )
        problems.add(
            path,
            f"missing column(s): {', '.join(missing_cols)}{hints}",
            line=rows[0][0],
            expected=header_hint,
            code="csv.missing_column",
        )
        ok = False
    if not ok:
        return None
    ragged = []
    for line, row in rows[1:]:
        if len(row) != len(header):
            problems.add(
                path,
                f"the row has {len(row)} cells but the header has {len(header)}",
                line=line,
                expected='one cell per column; put a cell that contains a comma "in quotes"',
                code="csv.ragged_row",
            )
            ragged.append(line)
    cells = [(row + [""] * len(header))[: len(header)] for _, row in rows[1:]]
    frame = pd.DataFrame(cells, columns=header, index=[line for line, _ in rows[1:]], dtype=str)
    frame.attrs["ragged"] = ragged
    return frame
