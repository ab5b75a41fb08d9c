"""`dcplan plan`: solve a portfolio with live progress, print its summary, write its files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from planner.cli.common import (
    EXIT_BUG,
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_NO_SOLUTION,
    default_portfolio,
    err,
    load,
    money,
    out,
    setup_logging,
)
from planner.cli.live import LiveStatus
from planner.cli.stochastic import (
    CvarAlphaOption,
    CvarWeightOption,
    DecisionDateOption,
    ScenariosOption,
    SchedulerOption,
)

PortfolioArgument = Annotated[
    Path | None, typer.Argument(help="portfolio YAML (default: the bundled sites/us-miners.yaml)")
]

CLASS_LABELS = {"base": "costs and capex (base rate)", "investment_grade": "investment-grade"}

if TYPE_CHECKING:
    from planner.describe.loading import Portfolio


def plan_command(
    portfolio: PortfolioArgument = None,
    solver: Annotated[str, typer.Option(help="highs | cbc")] = "highs",
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="seconds")] = None,
    gap: Annotated[float, typer.Option(help="relative optimality gap to stop at")] = 1e-3,
    threads: Annotated[int | None, typer.Option(help="solver threads")] = None,
    method: Annotated[str, typer.Option(help="auto | milp | decompose (by site; auto: past 60 sites)")] = "auto",
    out_dir: Annotated[Path | None, typer.Option("--out", help="output folder (default ./dcplan-out/<name>)")] = None,
    warm_start: Annotated[Path | None, typer.Option("--warm-start", help="folder of a previous plan")] = None,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="-v progress, -vv solver log")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress and no summary (errors only)")] = False,
    png: Annotated[
        bool, typer.Option("--png", help="also write the figures as PNG (report.html has them as SVG)")
    ] = False,
    scenarios: ScenariosOption = None,
    decision_date: DecisionDateOption = None,
    cvar_alpha: CvarAlphaOption = None,
    cvar_weight: CvarWeightOption = 0.0,
    scheduler: SchedulerOption = None,
) -> None:
    """Plan a portfolio: solve, validate, compare with business as usual, write files."""
    from planner.solve.planning import METHODS
    from planner.solve.planning import plan as make_plan
    from planner.solve.run import PlanningError

    setup_logging(verbose)
    if method not in METHODS:
        err.print(f"[red]--method: {method!r} is not one of {', '.join(METHODS)}[/red]")
        raise typer.Exit(EXIT_INPUT)
    path = portfolio or default_portfolio()
    pf = load(path)
    target = out_dir or Path("dcplan-out") / pf.name
    if scenarios is not None:
        from planner.cli.stochastic import StochasticArgs, run_stochastic

        args = StochasticArgs(scenarios, decision_date, cvar_alpha, cvar_weight, scheduler, gap, time_limit, quiet)
        return run_stochastic(pf, args, target)
    previous = _previous_plan(warm_start, pf) if warm_start else None
    try:
        title = f"planning {pf.name}: {len(pf.sites)} sites, {len(pf.spec.tenants)} tenant offers"
        with LiveStatus(err, title, quiet=quiet) as live:
            result = make_plan(
                pf,
                solver=solver,
                time_limit=time_limit,
                gap=gap,
                threads=threads,
                msg=verbose >= 2,
                warm_start=previous,
                method=method,
                progress=live.update,
            )
    except PlanningError as exc:
        raise _no_plan(exc, pf, solver, target) from None
    _write(result, target, quiet, png)


def _write(result, target: Path, quiet: bool, png: bool) -> None:
    """The plan's files (PNG figures if `png`), its summary (unless quiet), and exit 1 if the
    validator found violations."""
    from planner.report.files import write_plan

    if png:
        import matplotlib

        matplotlib.use("Agg")  # the figures go to files only
    written = write_plan(result, target, figures=png)
    if not quiet:
        _summary(result)
        out.print(f"files written to {written}")
    if result.violations:
        err.print(f"[red]the validator found {len(result.violations)} violation(s); see plan.json[/red]")
        raise typer.Exit(EXIT_BUG)


def _no_plan(exc, pf: Portfolio, solver: str, target: Path) -> typer.Exit:
    """Why no plan was written: an infeasible portfolio explained (and diagnosis.json written),
    or the solver's status; the exit to raise."""
    from planner.report.files import write_json
    from solvers import SolveStatus

    if exc.status is SolveStatus.INFEASIBLE:
        from planner.diagnose import diagnose

        diagnosis = diagnose(pf, solver=solver)
        err.print(f"[red]no feasible plan for {pf.name}[/red]")
        err.print(diagnosis.text(), highlight=False, markup=False)
        write_json(target, "diagnosis.json", diagnosis.to_dict())
        err.print(f"diagnosis written to {target / 'diagnosis.json'}")
        return typer.Exit(EXIT_INFEASIBLE)
    err.print(f"[red]{exc}[/red]")
    return typer.Exit(EXIT_NO_SOLUTION if exc.status is SolveStatus.NO_SOLUTION else EXIT_BUG)


def _previous_plan(folder: Path, pf: Portfolio):
    from planner.inputs import prepare
    from planner.results.outcome import Plan

    try:
        return Plan.from_json((folder / "plan.json").read_text(), prepare(pf))
    except (OSError, KeyError, ValueError) as exc:
        err.print(f"[red]--warm-start {folder}: cannot use it: {exc}[/red]")
        raise typer.Exit(EXIT_INPUT) from None


def _summary(result) -> None:
    """What the terminal shows of a plan: headline figures, the end state per site, the tenants."""
    _headline(result, result.kpis())
    _end_state(result)
    _tenants(result)


def _pct(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:.{digits}%}"


def _times(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def _headline(result, k: dict) -> None:
    """Status, NPV with bound and gap, what lies after the horizon, NPV by risk class, BAU, funding."""
    status = result.status
    colour = "green" if status == "optimal" else "yellow"
    out.print(
        f"[bold]{result.inputs.portfolio.name}[/bold]: status [{colour}]{status}[/{colour}] "
        f"(solver {result.solve['solver']}, {result.solve['solve_seconds']:.1f} s)"
    )
    out.print(f"NPV {money(k['npv_usd'])}   bound {money(result.solve.get('bound'))}   gap {_pct(result.gap, 3)}")
    out.print(
        f"of which after the horizon {money(k.get('terminal_value_usd'))} ({_pct(k.get('terminal_value_share'))}); "
        f"within it {money(k.get('npv_without_terminal_usd'))}"
    )
    by_class = k.get("npv_by_class_usd") or {}
    out.print(
        "NPV by risk class: "
        + ", ".join(f"{CLASS_LABELS.get(cls, cls)} {money(v)}" for cls, v in by_class.items() if v),
        highlight=False,
    )
    out.print(
        f"business as usual {money(k['bau_npv_usd'])}   uplift {money(k['npv_uplift_usd'])}   "
        f"IRR {_pct(k['irr_per_year'])}   HPC share of power {_pct(k['hpc_share_of_power'], 0)}"
    )
    if k.get("peak_funding_usd") is not None and k.get("debt_peak_usd") is None:
        out.print(
            f"funding: peak need {money(k['peak_funding_usd'])} (no financing section: debt and equity not planned)"
        )
    elif k.get("peak_funding_usd") is not None:
        dscr = k.get("min_dscr")
        out.print(
            f"funding: peak need {money(k['peak_funding_usd'])}   debt peak {money(k.get('debt_peak_usd'))}   "
            f"min DSCR {'-' if dscr is None else f'{dscr:.2f}x'}   equity NPV {money(k.get('equity_npv_usd'))}   "
            f"equity IRR {_pct(k.get('equity_irr_per_year'))}   equity multiple {_times(k.get('equity_multiple'))}"
        )


def _end_state(result) -> None:
    """One row per site at the end of the horizon."""
    sp = result.frames()["site_period"]
    end = sp[sp["period"] == result.inputs.time.labels[-1]]
    table = Table(title=f"end of horizon ({result.inputs.time.labels[-1]})")
    for col in ("site", "mining MW", "HPC IT MW", "rack positions", "CDUs", "halls", "gross/contracted MW"):
        table.add_column(col, justify="right" if col != "site" else "left")
    for _, row in end.iterrows():
        racks = sum(v for c, v in row.items() if str(c).startswith("racks_"))
        table.add_row(
            row["site_id"],
            f"{row['mining_mw']:.1f}",
            f"{row['hpc_it_mw']:.1f}",
            str(racks),
            str(row["cdus"]),
            str(row["halls"]),
            f"{row['gross_mw']:.0f}/{row['contracted_mw']:.0f}",
        )
    out.print(table)


def _tenants(result) -> None:
    """The offers signed (site, IT MW, start) and those declined."""
    tenants = result.frames()["tenants"]
    signed = tenants[tenants["signed"]] if len(tenants) else tenants
    if len(signed):
        tt = Table(title="tenants signed")
        for col in ("tenant", "site", "IT MW", "start", "committed"):
            tt.add_column(col)
        for _, row in signed.iterrows():
            tt.add_row(
                row["tenant_id"],
                str(row["site_id"]),
                f"{row['it_mw']:.1f}",
                str(row["start"]),
                "yes" if row["committed"] else "no",
            )
        out.print(tt)
    declined = [t for t in result.inputs.tenant.ids if t not in set(signed["tenant_id"] if len(signed) else [])]
    if declined:
        out.print(f"offers declined: {', '.join(declined)}")
