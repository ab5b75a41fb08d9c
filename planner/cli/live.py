"""Live progress of a plan on the terminal: one status line that moves while the model is built
and solved, from the progress events of planner.solve.planning.plan.

Events are {"phase"} at each phase (build, solve, whole racks, validate, business as usual) and,
while HiGHS searches, {"phase": "solve", "elapsed_s", "objective", "bound", "gap"} (incumbent
and bound in the problem's sense: USD of NPV). On a terminal the line is redrawn in place
(rich's status); elsewhere (a pipe, CI) each new phase is one plain line on stderr, and a search
ends with its last line (incumbent, bound, gap); `quiet` shows nothing.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

from rich.console import Console


def describe(event: dict[str, Any], elapsed_s: float) -> str:
    """The status line of one event, e.g. 'solve 12.3 s  incumbent 16,950.1 M USD  bound
    16,990.0 M USD  gap 0.235%'."""
    parts = [f"{event.get('phase', '')} {elapsed_s:.1f} s"]
    for key, label in (("objective", "incumbent"), ("bound", "bound")):
        if event.get(key) is not None:
            parts.append(f"{label} {event[key] / 1e6:,.1f} M USD")
    if event.get("gap") is not None:
        parts.append(f"gap {event['gap']:.3%}")
    return "  ".join(parts)


class LiveStatus:
    """A context manager whose `update(event)` is the plan's progress callback."""

    def __init__(self, console: Console, title: str, quiet: bool = False) -> None:
        self.console, self.title, self.quiet = console, title, quiet
        self.start = time.perf_counter()
        self.phase: str | None = None
        self.last: str | None = None  # the latest search line of the phase (not a terminal)
        self.status: Any = None

    def __enter__(self) -> LiveStatus:
        if not self.quiet and self.console.is_terminal:
            self.status = self.console.status(self.title)
            self.status.__enter__()
        elif not self.quiet:
            self.console.print(self.title, highlight=False)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self.status is not None:
            self.status.__exit__(kind, exc, tb)

    def update(self, event: dict[str, Any]) -> None:
        """Redraw the line (terminal), or print a line when the phase changes, after the last
        search line of the phase before (elsewhere)."""
        if self.quiet:
            return
        line = describe(event, time.perf_counter() - self.start)
        if self.status is not None:
            self.status.update(f"{self.title}  {line}")
            return
        if event.get("phase") != self.phase:
            if self.last is not None:
                self.console.print(f"  {self.last}", highlight=False)
            self.console.print(f"  {line}", highlight=False)
            self.last = None
        elif event.get("objective") is not None:
            self.last = line
        self.phase = event.get("phase")
