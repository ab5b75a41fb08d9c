"""`dcplan plan PORTFOLIO --scenarios SET`: the two-stage stochastic plan (planner.sweep.stochastic),
printed in the planner's terms and written to stochastic.json (with each scenario's plan.json)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from planner.cli.common import EXIT_BUG, EXIT_INFEASIBLE, EXIT_NO_SOLUTION, err, fail_input, money, out

ScenariosOption = Annotated[
    Path | None, typer.Option(help="scenario-set YAML: a two-stage stochastic plan across its futures")
]
DecisionDateOption = Annotated[
    str | None, typer.Option(help="with --scenarios: first-stage decisions before this date (default 2 years)")
]
CvarAlphaOption = Annotated[float | None, typer.Option(help="with --scenarios: CVaR level in (0, 1)")]
CvarWeightOption = Annotated[float, typer.Option(help="with --scenarios: weight of the CVaR term")]
SchedulerOption = Annotated[str | None, typer.Option(help="with --scenarios: a running Dask scheduler")]


@dataclass(frozen=True)
class StochasticArgs:
    """What `dcplan plan` passes on when --scenarios is given."""

    scenarios: Path
    decision_date: str | None
    cvar_alpha: float | None
    cvar_weight: float
    scheduler: str | None
    gap: float
    time_limit: float | None
    quiet: bool


def run_stochastic(pf, args: StochasticArgs, target: Path) -> None:
    """Solve, print the summary (unless quiet), write stochastic.json and plans/<scenario>/plan.json."""
    from planner.describe.errors import InputError
    from planner.report.files import write_atomically
    from planner.solve.run import PlanningError
    from planner.sweep.stochastic import plan_stochastic
    from solvers import SolveStatus

    try:
        sp = plan_stochastic(
            pf,
            args.scenarios,
            decision_date=args.decision_date,
            cvar_alpha=args.cvar_alpha,
            cvar_weight=args.cvar_weight,
            client=args.scheduler,
            gap=args.gap,
            time_limit=args.time_limit,
        )
    except InputError as exc:
        raise fail_input(exc.problems) from None
    except PlanningError as exc:
        err.print(f"[red]{exc}[/red]")
        code = {SolveStatus.INFEASIBLE: EXIT_INFEASIBLE, SolveStatus.NO_SOLUTION: EXIT_NO_SOLUTION}
        raise typer.Exit(code.get(exc.status, EXIT_BUG)) from None

    def write(tmp: Path) -> None:
        (tmp / "stochastic.json").write_text(json.dumps(sp.to_dict(), indent=2, default=str))
        for sid, plan in zip(sp.scenario_ids, sp.plans):
            (tmp / "plans" / sid).mkdir(parents=True)
            (tmp / "plans" / sid / "plan.json").write_text(plan.to_json())

    written = write_atomically(target, write)
    if not args.quiet:
        _print(sp)
        out.print(f"files written to {written}", highlight=False)
    if any(sp.violations.values()):
        err.print("[red]the validator found violations in some scenario plans; see stochastic.json[/red]")
        raise typer.Exit(EXIT_BUG)


def _print(sp) -> None:
    """Status, expected NPV, bound, gap, VSS and EVPI with their inputs, NPV percentiles, the first stage."""
    gap = "-" if sp.gap is None else f"{sp.gap:.3%}"
    out.print(
        f"stochastic plan ({sp.method}, {len(sp.plans)} scenarios, first stage before {sp.decision_period}): "
        f"status {sp.status}"
    )
    out.print(f"objective {money(sp.objective_usd)}   bound {money(sp.bound_usd)}   gap {gap}")
    for value in (sp.vss, sp.evpi):
        (a, va), (b, vb) = value.minuend, value.subtrahend
        a, b = (x.removesuffix("_usd").upper() for x in (a, b))
        note = f" ({value.note})" if value.note else ""
        out.print(f"{value.name.upper()} {money(value.value_usd)} = {a} {money(va)} - {b} {money(vb)}{note}")
    import numpy as np

    p10, p50, p90 = np.percentile(sp.npv_usd.to_numpy(), [10, 50, 90])
    out.print(f"NPV across scenarios: P10 {money(p10)}   P50 {money(p50)}   P90 {money(p90)}")
    for name, frame in sp.first_stage.items():
        if len(frame):
            table = Table(title=f"first stage: {name}")
            for col in frame.columns:
                table.add_column(str(col))
            for row in frame.itertuples(index=False):
                table.add_row(*(f"{v:,.1f}" if isinstance(v, float) else str(v) for v in row))
            out.print(table)
