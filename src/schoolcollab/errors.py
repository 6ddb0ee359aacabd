"""Problems in the author's input, collected so that every one is reported at once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field  # Problem has a field named 'field'
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from .problem_codes import check_code


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an input file, said so an author can fix it, with its reason code."""

    file: str
    line: int | None
    field: str
    message: str
    expected: str = ""
    # last, so that problems still sort by file, line, field and message; keyword-only, so no call forgets it
    code: str = dataclass_field(kw_only=True)

    def __post_init__(self) -> None:
        check_code(self.code)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        text = f"{text} (expected {self.expected})" if self.expected else text
        return f"{text} [{self.code}]"


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

    items: list[Problem] = dataclass_field(default_factory=list)

    def add(
        self,
        file: Path | str,
        message: str,
        *,
        code: str,
        field: str = "",
        line: int | None = None,
        expected: str = "",
    ) -> None:
        """Record one problem; ``code`` must be declared in :data:`~schoolcollab.problem_codes.CODES`."""
        # one line per problem, whatever a parser's message holds
        self.items.append(
            Problem(display_path(file), line, _one_line(field), _one_line(message), _one_line(expected), code=code)
        )

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


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters: a whole mis-shaped record is no help in a message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def did_you_mean(value: Any, options: Iterable[Any]) -> str:
    """'; did you mean 'case_study'?' when ``value`` is a near miss of one of ``options``, else ''."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return ""
    by_lower = {str(o).lower(): str(o) for o in options}
    close = get_close_matches(str(value).lower(), list(by_lower), n=1, cutoff=0.65)
    return f"; did you mean '{by_lower[close[0]]}'?" if close and by_lower[close[0]] != str(value) else ""


def one_of(values: Iterable[str]) -> str:
    """Say which values would be valid: all of them, since the list is the author's only guide."""
    return f"one of: {', '.join(sorted(values))}"
