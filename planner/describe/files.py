"""Paths a descriptor names (site files, catalog, land files): inside the portfolio's folder
and present, or a problem naming the file, the field and the path."""

from __future__ import annotations

from pathlib import Path

from planner.describe.errors import Problem


def inside(base: Path, target: Path, file: str, fld: str, value: str, problems: list[Problem]) -> Path | None:
    """`target` resolved, when it lies within `base` and exists; else None with the reason
    appended to `problems` (`file`, `fld`, `value` name it there)."""
    resolved = target.resolve()
    if not resolved.is_relative_to(base):
        problems.append(Problem(file, fld, value, f"path is outside the portfolio's folder {base}"))
        return None
    if not resolved.exists():
        problems.append(Problem(file, fld, value, "file not found"))
        return None
    return resolved
