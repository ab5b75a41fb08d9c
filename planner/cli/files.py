"""Commands that write files without solving: init (a bundled portfolio to start from) and
report (report.html again from a plan's folder)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import EXIT_INPUT, err, load, out


def init(
    folder: Annotated[Path, typer.Argument(help="folder to copy into (created if missing)")],
    operator: Annotated[
        str | None, typer.Option(help="one operator's portfolio, e.g. terawulf (default: every bundled site)")
    ] = None,
) -> None:
    """Copy a bundled portfolio (with its site files, parcels and SOURCES.md) as a starting point."""
    from planner.describe.bundled import copy_bundled

    try:
        copied = copy_bundled(folder, operator)
    except (ValueError, FileExistsError) as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(EXIT_INPUT) from None
    out.print(f"portfolio copied to {copied}; plan it with: dcplan plan {copied}", highlight=False)


def report(
    plan_dir: Annotated[Path, typer.Argument(help="folder written by dcplan plan (holding plan.json)")],
    portfolio: Annotated[
        Path | None, typer.Option(help="the plan's portfolio YAML (default: the file recorded in plan.json)")
    ] = None,
) -> None:
    """Write report.html again from a plan's folder (after editing the report or its styles)."""
    from planner.inputs import prepare
    from planner.report.html import render_report
    from planner.results.outcome import Plan

    text = _plan_text(plan_dir)
    pf = load(portfolio or _recorded_portfolio(plan_dir, json.loads(text)))
    try:
        plan = Plan.from_json(text, prepare(pf))
    except (KeyError, ValueError, IndexError) as exc:
        err.print(f"[red]{plan_dir / 'plan.json'} is not a plan of {pf.name}: {exc}[/red]", highlight=False)
        raise typer.Exit(EXIT_INPUT) from None
    page = plan_dir / "report.html"
    page.write_text(render_report(plan.to_dict(), plan.frames(), pf), encoding="utf-8")
    out.print(f"report written to {page}", highlight=False)


def _plan_text(plan_dir: Path) -> str:
    """plan.json of the folder, or exit 2 saying why not."""
    try:
        text = (plan_dir / "plan.json").read_text()
        json.loads(text)
    except (OSError, ValueError) as exc:
        err.print(f"[red]{plan_dir / 'plan.json'}: cannot read a plan: {exc}[/red]", highlight=False)
        raise typer.Exit(EXIT_INPUT) from None
    return text


def _recorded_portfolio(plan_dir: Path, data: dict) -> Path:
    """The portfolio file plan.json names, or exit 2 asking for --portfolio."""
    recorded = data.get("portfolio_file")
    if recorded is None or not Path(recorded).exists():
        err.print(
            f"[red]{plan_dir / 'plan.json'}: its portfolio file {recorded!r} is not here; give --portfolio[/red]",
            highlight=False,
        )
        raise typer.Exit(EXIT_INPUT)
    return Path(recorded)
