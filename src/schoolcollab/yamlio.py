"""YAML written by people: parse fast, and re-parse only a failing file to point at a line."""
from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import yaml
from ruamel.yaml import YAML

from .errors import Problems
from .inputs import read_text

try:  # libyaml is ten times faster; fall back only where it was not compiled in
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML wheel
    _Loader = yaml.SafeLoader


def load_yaml(path: Path, problems: Problems) -> Any | None:
    """The parsed document, or None with a problem naming the line if it is not valid YAML."""
    try:
        return yaml.load(read_text(path), Loader=_Loader)  # noqa: S506 - CSafeLoader is the safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problems.add(path, f"not valid YAML: {exc.problem or exc}", line=line,
                     expected="'field: value' pairs, lists as '- item', strings with ': ' quoted")
    except yaml.YAMLError as exc:
        problems.add(path, f"not valid YAML: {exc}")
    except UnicodeDecodeError as exc:
        problems.add(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})", expected="a UTF-8 file")
    except FileNotFoundError:
        problems.add(path, "the file is missing", expected="this file (see the README in its folder)")
    return None


def line_of(path: Path, where: Sequence[str | int]) -> int | None:
    """The 1-based line of the value at ``where`` (keys and list indices) in ``path``.

    Uses ruamel's round-trip parser, which keeps positions but is slow: call it only for a file
    that has already failed validation.
    """
    path = Path(path)
    node: Any = _round_trip(str(path), path.stat().st_mtime_ns)
    if node is None:
        return None
    line: int | None = 0
    for step in where:
        try:
            if isinstance(step, str) and hasattr(node, "lc") and step in node:
                line = node.lc.key(step)[0]
            elif isinstance(step, int) and hasattr(node, "lc") and step < len(node):
                line = node.lc.item(step)[0]
            else:
                break
            node = node[step]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    return None if line is None else line + 1


@lru_cache(maxsize=32)
def _round_trip(path: str, mtime_ns: int) -> Any:
    """The file as ruamel's position-aware tree (cached per file version)."""
    try:
        return YAML(typ="rt").load(Path(path).read_text(encoding="utf-8"))
    except Exception:  # the fast parser accepted it; if ruamel cannot, no line is better than a crash
        return None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` all at once: readers see the old file or the new one, never half."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
