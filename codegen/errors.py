"""Located spec problems: every mistake in a spec is reported as `file:line:col: message`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based position in a spec file, as editors count."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, order=True)
class Problem:
    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SpecError(Exception):
    """One or more problems found in the specs; nothing has been written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))


class Problems:
    """Collects problems so that one run reports all of them, not just the first."""

    def __init__(self) -> None:
        self._found: list[Problem] = []

    def add(self, location: Location, message: str) -> None:
        self._found.append(Problem(location, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self._found.extend(problems)

    def __bool__(self) -> bool:
        return bool(self._found)

    def problems(self) -> list[Problem]:
        return list(self._found)

    def __len__(self) -> int:
        return len(self._found)

    def raise_if_any(self) -> None:
        if self._found:
            raise SpecError(self._found)
