"""Errors a user sees: bad input (exit 2) and a plan that cannot be made (exit 3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (file, field path), what (value) and why."""

    file: str
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.value}: {self.reason}"


class InputError(ValueError):
    """Every problem found in a portfolio's descriptors, listed together."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def short(value: object, limit: int = 80) -> str:
    """A value as shown in an error message: repr (dates as written: ISO), cut to `limit` characters."""
    text = value.isoformat() if isinstance(value, dt.date) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
