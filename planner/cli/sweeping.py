"""`dcplan sweep`: one plan per scenario, in parallel on Dask (planner.sweep.cli)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from planner.cli.common import default_portfolio, fail_input, setup_logging


def sweep(
    portfolio: Annotated[Path | None, typer.Argument(help="portfolio YAML (default: the bundled one)")] = None,
    scenarios: Annotated[Path | None, typer.Argument(help="scenario-set YAML (or use --vary / --samples)")] = None,
    vary: Annotated[
        list[str] | None, typer.Option(help="FACTOR=V1,V2,... (repeat for a grid), e.g. hashprice=0.5,1,1.5")
    ] = None,
    samples: Annotated[int | None, typer.Option(help="Monte Carlo samples of the --vary ranges")] = None,
    seed: Annotated[int, typer.Option(help="seed of the Monte Carlo samples")] = 0,
    workers: Annotated[int | None, typer.Option(help="worker processes of the local Dask cluster")] = None,
    scheduler: Annotated[str | None, typer.Option(help="address of a running Dask scheduler")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="output folder (default ./dcplan-out/<name>-sweep)")
    ] = None,
    solver: Annotated[str, typer.Option(help="highs | cbc")] = "highs",
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="seconds per scenario")] = None,
    gap: Annotated[float, typer.Option(help="relative optimality gap per scenario")] = 1e-3,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar and no summary")] = False,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True)] = 0,
) -> None:
    """Plan every scenario of a set (or of --vary / --samples) on Dask; write sweep.csv and plots.
    A scenario that fails is recorded with its reason; a re-run resumes from the cache."""
    from planner.describe.errors import InputError
    from planner.sweep.cli import run_sweep_cli

    setup_logging(verbose)
    try:
        code = run_sweep_cli(
            portfolio or default_portfolio(),
            scenarios,
            vary=vary or (),
            samples=samples,
            seed=seed,
            workers=workers,
            scheduler=scheduler,
            out=out_dir,
            quiet=quiet,
            solver=solver,
            time_limit=time_limit,
            gap=gap,
        )
    except InputError as exc:
        raise fail_input(exc.problems) from None
    raise typer.Exit(code)
