"""What every command shares: the consoles, exit codes, logging, loading a portfolio.

Exit codes: 0 plan found (or input valid); 2 bad input; 3 infeasible (explained);
4 no solution within the time limit; 1 anything else (a bug: please report it).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.logging import RichHandler

from planner.describe.errors import InputError

if TYPE_CHECKING:
    from planner.describe.loading import Portfolio

EXIT_OK, EXIT_BUG, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4

out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def setup_logging(verbose: int) -> None:
    """Warnings only; -v progress (INFO); -vv everything (DEBUG), on stderr."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(message)s", handlers=[RichHandler(console=err, show_path=False)], force=True
    )


def default_portfolio() -> Path:
    """The bundled us-miners portfolio, installed with the package (any working directory)."""
    from planner.describe.bundled import bundled_portfolio

    try:
        return bundled_portfolio()
    except (FileNotFoundError, ValueError) as exc:
        err.print(f"[red]no portfolio given and the bundled one is not installed: {exc}[/red]")
        raise typer.Exit(EXIT_INPUT) from None


def fail_input(problems: list) -> typer.Exit:
    """Print every problem of a bad input; the exit to raise."""
    err.print(f"[red]invalid input: {len(problems)} problem(s)[/red]")
    for p in problems:
        err.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(EXIT_INPUT)


def load(path: Path) -> Portfolio:
    """The portfolio at `path`, or exit 2 listing every problem (file, field, value, reason)."""
    from planner.describe.loading import load_portfolio

    try:
        return load_portfolio(path)
    except InputError as exc:
        raise fail_input(exc.problems) from None


def money(x: float | None) -> str:
    """M USD with thousands separators ('-' for None)."""
    return "-" if x is None else f"{x / 1e6:,.1f} M USD"
