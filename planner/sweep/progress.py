"""Progress of a sweep: a bar on a terminal, a plain line every N scenarios otherwise, or nothing.

The sweep calls ``start`` once (with how many scenarios were found in the cache), ``advance``
as each result arrives, and ``finish``. The estimate of the time left uses only scenarios
computed in this run: ``eta = elapsed / computed x (total - finished)``.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichBar

LOG_EVERY = 10
"""Scenarios between two plain progress lines when the output is not a terminal."""


class Progress(Protocol):
    """What a sweep reports its progress to."""

    def start(self, total: int, cached: int) -> None:
        """The sweep has `total` scenarios, `cached` of them found in the cache."""

    def advance(self, ok: bool, count: int, running: int) -> None:
        """`count` scenarios finished (with a plan when `ok`); `running` are being planned."""

    def finish(self) -> None:
        """The sweep is over."""


class NullProgress:
    """Reports nothing (--quiet, and the Python API by default)."""

    def start(self, total: int, cached: int) -> None:
        """Nothing to report."""

    def advance(self, ok: bool, count: int, running: int) -> None:
        """Nothing to report."""

    def finish(self) -> None:
        """Nothing to report."""


class _Counts:
    """Done, failed and running counts, and the time-left estimate."""

    def __init__(self) -> None:
        self.total = self.cached = self.done = self.failed = self.running = 0
        self.t0 = time.perf_counter()

    def start(self, total: int, cached: int) -> None:
        """Reset the counts and the clock."""
        self.total, self.cached, self.done = total, cached, cached
        self.t0 = time.perf_counter()

    def advance(self, ok: bool, count: int, running: int) -> None:
        """Count `count` finished scenarios as done (`ok`) or failed."""
        if ok:
            self.done += count
        else:
            self.failed += count
        self.running = running

    @property
    def finished(self) -> int:
        """Scenarios done or failed, cached ones included."""
        return self.done + self.failed

    def elapsed_s(self) -> float:
        """Seconds since the start."""
        return time.perf_counter() - self.t0

    def eta_s(self) -> float | None:
        """Estimated seconds left (None before the first scenario computed in this run)."""
        computed = self.finished - self.cached
        if computed <= 0:
            return None
        return self.elapsed_s() / computed * (self.total - self.finished)

    def text(self) -> str:
        """The counts, elapsed time and ETA as one line."""
        eta = self.eta_s()
        left = "-" if eta is None else _clock(eta)
        return (
            f"done {self.done} (cached {self.cached}), failed {self.failed}, running {self.running} "
            f"of {self.total}; elapsed {_clock(self.elapsed_s())}, ETA {left}"
        )


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}"


class LineProgress(_Counts):
    """A plain line every `every` finished scenarios, and at the end (for logs and CI)."""

    def __init__(self, stream: TextIO, every: int = LOG_EVERY) -> None:
        super().__init__()
        self.stream, self.every, self._last = stream, every, 0

    def start(self, total: int, cached: int) -> None:
        """Write the first line."""
        super().start(total, cached)
        self._last = cached
        self.stream.write(f"sweep: {total} scenarios, {cached} already computed\n")
        self.stream.flush()

    def advance(self, ok: bool, count: int, running: int) -> None:
        """Write a line each `every` finished scenarios."""
        super().advance(ok, count, running)
        if self.finished - self._last >= self.every:
            self._last = self.finished
            self.stream.write(f"sweep: {self.text()}\n")
            self.stream.flush()

    def finish(self) -> None:
        """Write the last line."""
        self.stream.write(f"sweep: {self.text()}\n")
        self.stream.flush()


class BarProgress(_Counts):
    """A rich progress bar: done / failed / running, elapsed, ETA."""

    def __init__(self, console: Console) -> None:
        super().__init__()
        self.bar = RichBar(
            TextColumn("sweep"),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self.task = self.bar.add_task("sweep", total=1, status="")

    def start(self, total: int, cached: int) -> None:
        """Show the bar."""
        super().start(total, cached)
        self.bar.start()
        self._refresh()

    def advance(self, ok: bool, count: int, running: int) -> None:
        """Move the bar."""
        super().advance(ok, count, running)
        self._refresh()

    def _refresh(self) -> None:
        eta = self.eta_s()
        status = (
            f"done {self.done} failed {self.failed} running {self.running} / {self.total}"
            f"  ETA {'-' if eta is None else _clock(eta)}"
        )
        self.bar.update(self.task, total=max(self.total, 1), completed=self.finished, status=status)

    def finish(self) -> None:
        """Leave the final bar on the terminal."""
        self._refresh()
        self.bar.stop()


def make_progress(quiet: bool, stream: TextIO | None = None) -> Progress:
    """Nothing when `quiet`; a bar when `stream` (default stderr) is a terminal; plain lines otherwise."""
    stream = stream or sys.stderr
    if quiet:
        return NullProgress()
    if stream.isatty():
        return BarProgress(Console(file=stream))
    return LineProgress(stream)
