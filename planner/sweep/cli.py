"""`dcplan sweep` as one function the command line wraps: arguments in, exit code out.

Everything the user gives is checked (portfolio, scenario set or short form, factor values
against the portfolio, the scheduler's reachability) before any file is written; bad input
raises :class:`~planner.describe.errors.InputError` (file, field, value, reason), which the
command line prints with exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import pandas as pd

import planner
from planner.describe.errors import InputError, Problem
from planner.sweep.execute import CONNECT_TIMEOUT_S, dask_client, sweep
from planner.sweep.expand import ScenarioSet, expand, preflight, short_form_set
from planner.sweep.progress import make_progress
from planner.sweep.scenarios import load_scenario_set
from planner.sweep.stats import summary
from planner.sweep.task import PlanSettings

EXIT_OK = 0


def run_sweep_cli(
    portfolio: str | Path,
    scenario_set: str | Path | None = None,
    vary: Sequence[str] = (),
    samples: int | None = None,
    seed: int = 0,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    quiet: bool = False,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float = 1e-3,
    stream: TextIO | None = None,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
) -> int:
    """Run a sweep as ``dcplan sweep PORTFOLIO [SET] [--vary NAME=V,...] [--samples N --seed S]
    [--workers N | --scheduler ADDRESS] [--out DIR] [--quiet]`` does; returns the exit code
    (0: every scenario run, failures recorded in sweep.csv). Output goes to `out` (default
    ``dcplan-out/<portfolio name>-sweep``); progress and a summary to `stream` (default
    stderr) unless `quiet`. Raises InputError for bad input, with nothing written."""
    stream = stream or sys.stderr
    _check_arguments(scenario_set, vary, samples, workers, scheduler, time_limit, gap)
    pf = planner.load_portfolio(portfolio)
    spec = load_scenario_set(scenario_set) if scenario_set is not None else short_form_set(list(vary), samples, seed)
    label = str(scenario_set) if scenario_set is not None else "--vary"
    preflight(pf, expand(spec, pf), label)
    target = Path(out) if out is not None else Path("dcplan-out") / f"{pf.name}-sweep"
    settings = PlanSettings(solver=solver, time_limit=time_limit, gap=gap)
    with dask_client(workers, scheduler, connect_timeout_s) as client:
        frame = sweep(pf, spec, client=client, out_dir=target, settings=settings, progress=make_progress(quiet, stream))
    if not quiet:
        _report(frame, spec, target, stream)
    return EXIT_OK


def _check_arguments(
    scenario_set: str | Path | None,
    vary: Sequence[str],
    samples: int | None,
    workers: int | None,
    scheduler: str | None,
    time_limit: float | None,
    gap: float,
) -> None:
    problems = []
    if scenario_set is not None and (vary or samples is not None):
        problems.append(
            Problem(
                "<arguments>",
                "scenario set",
                str(scenario_set),
                "give a scenario-set file or --vary/--samples, not both",
            )
        )
    if workers is not None and workers < 1:
        problems.append(Problem("<arguments>", "--workers", str(workers), "must be at least 1"))
    if workers is not None and scheduler is not None:
        problems.append(
            Problem(
                "<arguments>",
                "--workers",
                str(workers),
                "--workers sizes the embedded cluster; an existing cluster (--scheduler) has its own",
            )
        )
    if time_limit is not None and not time_limit > 0:
        problems.append(Problem("<arguments>", "--time-limit", str(time_limit), "must be positive"))
    if not 0 <= gap < 1:
        problems.append(Problem("<arguments>", "--gap", str(gap), "must be in [0, 1)"))
    if problems:
        raise InputError(problems)


def _report(frame: pd.DataFrame, spec: ScenarioSet, target: Path, stream: TextIO) -> None:
    """A few summary lines: scenarios by status, NPV percentiles, where the files are."""
    s = summary(frame, spec)
    counts = ", ".join(f"{n} {k}" for k, n in sorted(s["status_counts"].items()))
    stream.write(f"sweep of {s['scenarios']} scenarios: {counts}\n")
    npv = s["npv_usd"]
    if npv is not None:
        stream.write(
            f"NPV P10 {npv['p10'] / 1e6:,.1f}  P50 {npv['p50'] / 1e6:,.1f}  P90 {npv['p90'] / 1e6:,.1f} M USD"
            f"  (mean {npv['mean'] / 1e6:,.1f})\n"
        )
    stream.write(f"files written to {target}\n")
