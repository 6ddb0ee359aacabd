"""Fingerprints of what a chapter reads, so the execution cache re-runs it exactly when they change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..inputs import FACET, USES, VIA
from ..paths import Project

# Within one look at the book (a build's plan of which chapters to execute), each file is read and hashed
# once, though many chapters and the package's own fingerprint name it; outside one, always afresh.
_seen: dict[tuple[Path, Path | None], bytes] | None = None


@contextmanager
def one_look() -> Iterator[None]:
    """Hash each file at most once in this block (the files are taken not to change meanwhile: a build
    that finds them changed after its chapters ran has them run again, see :func:`forget_executions`)."""
    global _seen
    outer, _seen = _seen, ({} if _seen is None else _seen)
    try:
        yield
    finally:
        _seen = outer


def _file_hash(path: Path) -> bytes:
    if _seen is None:
        return hashlib.sha256(path.read_bytes()).digest()
    if (path, None) not in _seen:
        _seen[(path, None)] = hashlib.sha256(path.read_bytes()).digest()
    return _seen[(path, None)]


def _folder_hash(path: Path, root: Path) -> bytes:
    """The names (relative to ``root``) and contents of every file in the folder ``path``."""
    if _seen is not None and (path, root) in _seen:
        return _seen[(path, root)]
    h = hashlib.sha256()
    # bytecode caches change when Python writes them, not when the code changes
    for child in sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and not p.name.startswith(".") and "__pycache__" not in p.parts and p.suffix != ".pyc"
    ):
        _hash_path(h, child, root)
    if _seen is not None:
        _seen[(path, root)] = h.digest()
    return h.digest()


def _hash_path(h: hashlib._Hash, path: Path, root: Path) -> None:
    try:
        name = str(path.relative_to(root))
    except ValueError:
        name = str(path)
    if path.is_dir():
        h.update(f"dir:{name}\n".encode())
        h.update(_folder_hash(path, root))
    elif path.is_file():
        h.update(f"file:{name}\n".encode())
        h.update(_file_hash(path))
    else:
        h.update(f"missing:{name}\n".encode())


def digest(paths: list[Path], root: Path) -> str:
    """One hash over the names and contents of ``paths`` (folders: every file inside)."""
    h = hashlib.sha256()
    for path in sorted(set(paths)):
        _hash_path(h, path, root)
    return h.hexdigest()[:16]


STATE_DIR = ".schoolcollab-inputs"  # under the staged _build: each chapter's record of what it read


def state_path(state_dir: Path, docname: str) -> Path:
    return state_dir / (docname.replace("/", "__") + ".json")


def pending_path(state_dir: Path, docname: str) -> Path:
    """Where a chapter's kernel appends the inputs it reads while it executes."""
    return state_dir / (docname.replace("/", "__") + ".pending")


@dataclass(frozen=True)
class ChapterState:
    """What a chapter read at its last execution, their fingerprint then, and the cache token used.

    ``loaded`` are the inputs it read only to load the evidence base, ``facets`` the fields of that
    evidence base it used with their digests (:mod:`schoolcollab.facets`), and ``direct_fp`` the
    fingerprint of the package and of its other inputs: when only ``loaded`` files changed, the
    chapter is current if the facets it used are unchanged. ``call_uses`` holds, for each call among
    the facets, the fields it read and their digests when its result was last known to hold.
    """

    inputs: list[str]
    inputs_fp: str
    token: str
    loaded: list[str] = field(default_factory=list)
    facets: dict[str, str] = field(default_factory=dict)
    direct_fp: str = ""
    call_uses: dict[str, dict[str, str]] = field(default_factory=dict)


def read_state(state_dir: Path, docname: str) -> ChapterState | None:
    path = state_path(state_dir, docname)
    if not path.is_file():
        return None
    try:
        return ChapterState(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None  # unreadable state only costs a re-execution


def write_state(state_dir: Path, docname: str, state: ChapterState) -> None:
    state_path(state_dir, docname).write_text(json.dumps(asdict(state), indent=1), encoding="utf-8")


def inputs_fingerprint(project: Project, inputs: list[str] | None) -> str:
    """Hash of the package's code and of ``inputs`` (every input of schoolcollab.book_inputs when unknown)."""
    from ..book_inputs import input_paths

    paths = [project.root / p for p in inputs] if inputs is not None else input_paths(project)
    # the package is named from its own folder, so a copy of the book built with the same code matches
    code = digest([project.package], project.package.parent)
    return hashlib.sha256(f"{code}\n{digest(paths, project.root)}".encode()).hexdigest()[:16]


def _book_relative(root: Path, recorded: str) -> str:
    """An input's path as recorded in a chapter's state: relative to the book's (resolved) ``root`` when it
    is inside it, so a copy of a built book (a test's, a colleague's) finds its chapters current."""
    try:
        return Path(recorded).relative_to(root).as_posix()
    except ValueError:
        return recorded


PRINT_MARK = "+print"


def cache_token(project: Project, state_dir: Path, docname: str, for_print: bool = False) -> tuple[str, bool]:
    """The value to put in the chapter's cache key, and whether its inputs changed since it last ran.

    While the recorded inputs are unchanged the chapter keeps the token it executed under, so the
    execution cache finds it; any change yields a new token, hence a cache miss and a fresh run.
    A chapter executed for the print edition (``for_print``: its figures also stored as PDF) carries
    :data:`PRINT_MARK`; that execution serves the web edition too, but not the other way round.
    """
    state = read_state(state_dir, docname)
    current = inputs_fingerprint(project, state.inputs if state else None)
    if state is not None and (state.token.endswith(PRINT_MARK) or not for_print):
        if current == state.inputs_fp:
            return state.token, False
        uses = facets_now(project, state)
        if uses is not None:  # only files it saw through unchanged facets changed
            write_state(state_dir, docname, replace(state, inputs_fp=current, call_uses=uses))
            return state.token, False
    return current + (PRINT_MARK if for_print else ""), True


def _direct(state: ChapterState) -> list[str]:
    return sorted(set(state.inputs) - set(state.loaded))


def facets_now(project: Project, state: ChapterState) -> dict[str, dict[str, str]] | None:
    """Whether the chapter, reading what it read last time, would see exactly the same values: its
    direct inputs and the package are unchanged, and so is every evidence facet it used. If so, the
    fields each of its calls read, with their digests now (see :attr:`ChapterState.call_uses`); else None.

    A call whose fields all have the digests they had is known to return what it returned; only the
    others are made again on the evidence base as it is now."""
    if not state.loaded or not state.direct_fp:
        return None
    if inputs_fingerprint(project, _direct(state)) != state.direct_fp:
        return None
    now = current_facets(project)
    if now is None:
        return None
    uses: dict[str, dict[str, str]] = {}
    for name, seen in state.facets.items():
        if seen == "unstable":
            return None
        read = state.call_uses.get(name)
        if read is not None:
            fields_now = {f: now(f) for f in read}
            uses[name] = fields_now
            if fields_now == read and "unstable" not in fields_now.values():
                continue  # what the call read is unchanged: so is what it returned
        if now(name) != seen:
            return None
    return uses


_evidence_cache: dict[tuple[str, str], Any] = {}


def offer_evidence(project: Project, ev: Any) -> None:
    """The evidence base just loaded from the book's files (by ``schoolcollab check``, say): the build's
    comparison of facets uses it while the files keep the fingerprint they have now, not loading it again."""
    _evidence_cache.clear()
    _evidence_cache[(str(project.root), inputs_fingerprint(project, None))] = (ev, {})


def _loaded(project: Project) -> tuple[Any, dict[str, str]] | None:
    """The evidence base as the files are now and the digests of its facets found so far (loaded once per
    state of the inputs, apart from the loaders' caches); None when it does not load."""
    from ..errors import Problems
    from ..load import collect_evidence

    key = (str(project.root), inputs_fingerprint(project, None))
    if key not in _evidence_cache:
        problems = Problems()
        try:
            ev = collect_evidence(project, problems)
        except Exception:  # noqa: BLE001 - whatever fails here fails in the chapter, with its message
            ev = None
        _evidence_cache.clear()
        _evidence_cache[key] = None if ev is None or problems else (ev, {})
    return _evidence_cache[key]


def evidence_as_now(project: Project) -> Any:
    """The evidence base as the files are now (the one the plan compared facets with), or None when it
    does not load."""
    loaded = _loaded(project)
    return None if loaded is None else loaded[0]


def current_facets(project: Project) -> Any:
    """A function giving the digest of a facet of the evidence base as the files are now (loaded once
    per state of the inputs); None when the evidence base does not load (the chapter must run and say why)."""
    from ..call_facets import call_again, is_call
    from ..editions import STATUS_FACET, status
    from ..facets import digest_value, facet_value

    loaded = _loaded(project)
    if loaded is None:
        return None
    ev, digests = loaded

    def facet(name: str) -> str:
        if name not in digests:
            if is_call(name):  # a package function the chapter called: call it again on the files as now
                digests[name] = call_again(name, ev, str(project.root))
                return digests[name]
            if name == STATUS_FACET:  # which edition the book is (draft or not), from the files as now
                try:
                    digests[name] = digest_value(status(project))
                except Exception:  # noqa: BLE001 - e.g. editions.yaml unreadable: the chapter runs and says why
                    digests[name] = "unstable"
                return digests[name]
            try:
                digests[name] = digest_value(facet_value(ev, name))
            except AttributeError:
                digests[name] = "unstable"
        return digests[name]

    return facet


def printable(token: str) -> bool:
    """Whether a chapter executing under ``token`` stores its figures for print."""
    return token.endswith(PRINT_MARK)


def record_execution(project: Project, state_dir: Path, docname: str, token: str) -> None:
    """After a chapter executed: keep what it read, their fingerprint now, and the token it ran under."""
    pending = pending_path(state_dir, docname)
    # one line per record: a path (or a call's arguments) may hold spaces
    lines = set(pending.read_text(encoding="utf-8").splitlines()) if pending.is_file() else set()
    facets = dict(line.removeprefix(FACET).rsplit(":", 1) for line in lines if line.startswith(FACET))
    read = dict(json.loads(line.removeprefix(USES)) for line in lines if line.startswith(USES))
    root = project.root.resolve()  # the kernel records resolved paths
    via = {_book_relative(root, line.removeprefix(VIA)) for line in lines if line.startswith(VIA)}
    direct = {_book_relative(root, line) for line in lines if not line.startswith((FACET, VIA, USES))}
    inputs = sorted(direct | via)
    state = ChapterState(inputs, inputs_fingerprint(project, inputs), token, sorted(via - direct), facets)
    calls = {name: fields for name, fields in read.items() if name in facets}
    if calls and (now := current_facets(project)) is not None:
        # the digests of the fields each call read, from the evidence base the plan loaded (the files it read
        # are unchanged, or the build forgets this execution: forget_executions), not digested in the kernel
        state = replace(state, call_uses={name: {f: now(f) for f in fields} for name, fields in calls.items()})
    write_state(state_dir, docname, replace(state, direct_fp=inputs_fingerprint(project, _direct(state))))
    pending.unlink(missing_ok=True)


def forget_executions(state_dir: Path, docnames: list[str]) -> None:
    """Make the chapters run again at the next build: their records may hold a file's new bytes although
    the chapter read the old ones (the file was saved while they executed)."""
    for docname in docnames:
        state = read_state(state_dir, docname)
        if state is not None:
            write_state(state_dir, docname, replace(state, inputs_fp="", direct_fp=""))


def is_outdated(project: Project, state_dir: Path, docname: str, for_print: bool = False) -> bool:
    return cache_token(project, state_dir, docname, for_print)[1]


def refreshed_path(state_dir: Path) -> Path:
    """Pages executed ahead of Sphinx since the last successful build: Sphinx must read them again."""
    return state_dir / "refreshed.txt"


def add_refreshed(state_dir: Path, docnames: list[str]) -> None:
    with open(refreshed_path(state_dir), "a", encoding="utf-8") as fh:
        fh.writelines(f"{doc}\n" for doc in docnames)


def read_refreshed(state_dir: Path) -> list[str]:
    path = refreshed_path(state_dir)
    return path.read_text(encoding="utf-8").split() if path.is_file() else []


def clear_refreshed(state_dir: Path) -> None:
    refreshed_path(state_dir).unlink(missing_ok=True)
