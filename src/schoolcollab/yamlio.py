"""YAML written by people: parse fast, and re-read only a failing file's node tree to point at a line."""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import stat
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import Problems
from .inputs import read_input

if TYPE_CHECKING:  # the stubs give CSafeLoader and SafeLoader the same interface; mypy reads this one
    _Loader = yaml.SafeLoader
else:
    try:  # libyaml is ten times faster; fall back only where it was not compiled in
        _Loader = yaml.CSafeLoader
    except AttributeError:  # pragma: no cover - depends on the PyYAML wheel
        _Loader = yaml.SafeLoader

SYNTAX_HINT = "'field: value' pairs, lists as '- item', strings with ': ' quoted"
MAX_DEPTH = 50  # the book's deepest input nests 5 levels
MAX_NODES = 200_000  # values after expanding aliases; the largest input has a few thousand


class _StrictLoader(_Loader):
    """The fast loader, but a repeated field is noted (PyYAML keeps the last silently), field names are
    always text (``2006:`` or ``no:`` would be a number or a boolean), and dates stay text."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[tuple[str, int, int]] = []  # (field, line, line of its first occurrence)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                if not isinstance(key_node, yaml.ScalarNode):
                    raise yaml.constructor.ConstructorError(
                        None, None, "a field name must be plain text, not a list or mapping", key_node.start_mark
                    )
                key_node.tag = "tag:yaml.org,2002:str"  # the name as typed: '2006', 'no', '~'
                line = key_node.start_mark.line + 1
                if key_node.value in seen:
                    self.duplicates.append((key_node.value, line, seen[key_node.value]))
                else:
                    seen[key_node.value] = line
        return super().construct_mapping(node, deep)


# a date in a text field is text: '2015-13-45' must not crash, and a date is no JSON type
# (the stubs bound the callback's first argument to the Loader classes, not the SafeConstructor that defines it)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)  # type: ignore[type-var]

# YAML 1.2 booleans: only true/false. YAML 1.1 also reads yes/no/on/off as booleans, which would turn an
# appraisal judgement `yes` or `no` into True/False.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


# Documents already parsed in this process, by the SHA-256 of their text, as pickles: a check, the
# build's shared evidence and its facet comparison read the same unchanged files, and a pickle loads
# several times faster than PyYAML constructs. Each caller gets its own copy, so none sees another's edits.
_PARSED: dict[bytes, bytes] = {}
_PARSED_LIMIT = 4096


def load_yaml(path: Path, problems: Problems) -> Any | None:
    """The parsed document, or None with a problem naming the line if it is not usable YAML data.

    Unreadable, too large, not UTF-8, not valid YAML, a field given twice, or empty: each is a problem.
    """
    text = read_input(path, problems)
    if text is None:
        return None
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    if key in _PARSED:
        return pickle.loads(_PARSED[key])
    data = _parse(path, text, problems)
    if data is not None:
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[key] = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    return data


def _parse(path: Path, text: str, problems: Problems) -> Any | None:
    """:func:`load_yaml` for a text not parsed before."""
    loader = _StrictLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problems.add(
            path,
            f"not valid YAML: {exc.problem or exc}{_context(exc, line)}{_quote_hint(text, line)}",
            line=line,
            expected=SYNTAX_HINT,
            code="yaml.syntax",
        )
        return None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        what = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        problems.add(
            path,
            f"not valid YAML: the control character {what} is not allowed",
            line=line,
            expected="plain text (was a binary file saved under this name?)",
            code="yaml.control_character",
        )
        return None
    except yaml.YAMLError as exc:
        problems.add(path, f"not valid YAML: {exc}", expected=SYNTAX_HINT, code="yaml.syntax")
        return None
    finally:
        loader.dispose()
    for key, line, first in loader.duplicates:
        problems.add(
            path,
            f"'{key}' is given twice (also on line {first}); YAML would keep only the last",
            field=key,
            line=line,
            expected="each field once in a mapping",
            code="yaml.duplicate_key",
        )
    if loader.duplicates:
        return None
    if data is None:
        problems.add(
            path,
            "the file is empty" if not text.strip() else "the file holds no data (only comments?)",
            expected="the data described in the README in its folder",
            code="file.empty",
        )
        return None
    shape = _shape_problem(data)
    if shape:
        problems.add(
            path, shape, expected="plain nested data (no alias that refers back to itself)", code="yaml.too_complex"
        )
        return None
    return data


def _context(exc: yaml.MarkedYAMLError, line: int | None) -> str:
    """' (while parsing a flow sequence started on line 13)' when that is not the error's own line."""
    mark = exc.context_mark
    if exc.context and mark is not None and mark.line + 1 != line:
        return f" ({exc.context} started on line {mark.line + 1})"
    return ""


def _quote_hint(text: str, line: int | None) -> str:
    """Point at the first line above the error with an odd number of double quotes (an unclosed quote
    makes YAML report a later line)."""
    if line is None:
        return ""
    for number, content in enumerate(text.splitlines()[:line], start=1):
        code = content.split(" #", 1)[0]
        if (code.count('"') - code.count('\\"')) % 2:
            return f'; is the " on line {number} closed?' if number != line else ""
    return ""


def _shape_problem(data: Any) -> str | None:
    """Refuse data no author writes by hand: nested absurdly deep, or aliases expanding to millions of values."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            return f"the data are nested more than {MAX_DEPTH} levels deep"
        if count > MAX_NODES:
            return f"the data hold more than {MAX_NODES} values (aliases repeating one another?)"
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return None


def line_of(path: Path, where: Sequence[str | int]) -> int | None:
    """The 1-based line of the value at ``where`` (keys and list indices) in ``path``.

    Walks the YAML node tree, which keeps positions and builds no values (so no value can fail to be
    built); the line of the deepest step found is given, 1 for the file itself.
    """
    path = Path(path)
    try:
        node: Any = _nodes(str(path), path.stat().st_mtime_ns)
    except OSError:
        return None
    if node is None:
        return None
    line = 0
    for step in where:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            found = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == step]
            if not found:
                break
            line, node = found[-1][0].start_mark.line, found[-1][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
            node = node.value[step]
            line = node.start_mark.line
        else:
            break
    return line + 1


@lru_cache(maxsize=32)
def _nodes(path: str, mtime_ns: int) -> Any:
    """The file's YAML node tree (cached per file version), or None if it cannot be composed."""
    try:
        return yaml.compose(Path(path).read_text(encoding="utf-8-sig"), Loader=_Loader)
    except (yaml.YAMLError, UnicodeDecodeError):
        return None


def file_mode(path: Path) -> int:
    """The permissions a rewritten file keeps, or a new one gets (what ``open`` would give under the umask):
    ``mkstemp`` makes its file private, which a rename would otherwise pass on to the author's file or the site."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` all at once: readers see the old file or the new one, never half."""
    path = Path(path)
    mode = file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, mode)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
