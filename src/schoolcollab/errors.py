"""Problems in the author's input, collected so that every one is reported at once."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an input file, said so an author can fix it."""

    file: str
    line: int | None
    field: str
    message: str
    expected: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        return f"{text} (expected {self.expected})" if self.expected else text


class InputError(Exception):
    """Raised when the author's input has one or more problems; carries all of them."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.field, p.message))
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the book's input:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


@dataclass
class Problems:
    """A collector: add problems as they are found, raise once at the end."""

    items: list[Problem] = field(default_factory=list)

    def add(self, file: Path | str, message: str, *, field: str = "", line: int | None = None,
            expected: str = "") -> None:
        self.items.append(Problem(display_path(file), line, field, message, expected))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


def display_path(path: Path | str) -> str:
    """A path relative to the working directory where possible: shorter messages, same meaning."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def one_of(values: Iterable[str], limit: int = 12) -> str:
    """Say which values would be valid, without flooding the message."""
    vals = sorted(values)
    shown = ", ".join(vals[:limit])
    more = f", … ({len(vals) - limit} more)" if len(vals) > limit else ""
    return f"one of: {shown}{more}"
