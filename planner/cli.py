"""The `dcplan` command line: plan, validate, explain, schema, catalog, compare.

Exit codes: 0 plan found (or input valid); 2 bad input; 3 infeasible (explained);
4 no solution within the time limit; 1 anything else (a bug: please report it).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import matplotlib
import typer
from pydantic import BaseModel
from rich.console import Console
from rich.logging import RichHandler
from rich.table import Table

from planner.describe.descriptors import Catalog, PortfolioSpec, Site
from planner.describe.errors import InputError
from planner.describe.loading import Portfolio, bundled_catalog, load_portfolio

matplotlib.use("Agg")  # the CLI draws to files only
EXIT_OK, EXIT_BUG, EXIT_INPUT, EXIT_INFEASIBLE, EXIT_NO_SOLUTION = 0, 1, 2, 3, 4
DEFAULT_PORTFOLIO = Path("sites") / "us-miners.yaml"

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Capacity planner for converting bitcoin-mining sites into AI/HPC datacenters.",
)
out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def _logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(message)s", handlers=[RichHandler(console=err, show_path=False)], force=True
    )


def _default_portfolio() -> Path:
    for base in (Path.cwd(), Path(__file__).resolve().parent.parent):
        if (base / DEFAULT_PORTFOLIO).exists():
            return base / DEFAULT_PORTFOLIO
    err.print(f"[red]no portfolio given and {DEFAULT_PORTFOLIO} not found here[/red]")
    raise typer.Exit(EXIT_INPUT)


def _load(path: Path) -> Portfolio:
    try:
        return load_portfolio(path)
    except InputError as exc:
        err.print(f"[red]invalid input: {len(exc.problems)} problem(s)[/red]")
        for p in exc.problems:
            err.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_INPUT) from None


def _money(x: float | None) -> str:
    return "-" if x is None else f"{x / 1e6:,.1f} M USD"


@app.command()
def plan(
    portfolio: Annotated[
        Path | None, typer.Argument(help="portfolio YAML (default: the bundled sites/us-miners.yaml)")
    ] = None,
    solver: Annotated[str, typer.Option(help="highs | cbc")] = "highs",
    time_limit: Annotated[float | None, typer.Option("--time-limit", help="seconds")] = None,
    gap: Annotated[float, typer.Option(help="relative optimality gap to stop at")] = 1e-3,
    threads: Annotated[int | None, typer.Option(help="solver threads")] = None,
    method: Annotated[str, typer.Option(help="auto | milp | decompose (by site; auto: past 60 sites)")] = "auto",
    out_dir: Annotated[Path | None, typer.Option("--out", help="output folder (default ./dcplan-out/<name>)")] = None,
    warm_start: Annotated[
        Path | None, typer.Option("--warm-start", help="folder of a previous plan to start from")
    ] = None,
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True, help="-v progress, -vv solver log")] = 0,
) -> None:
    """Plan a portfolio: solve, validate, compare with business as usual, write files."""
    from planner.report.files import write_json, write_plan
    from planner.solve.planning import METHODS
    from planner.solve.planning import plan as make_plan
    from planner.solve.run import PlanningError
    from solvers import SolveStatus

    _logging(verbose)
    if method not in METHODS:
        err.print(f"[red]--method: {method!r} is not one of {', '.join(METHODS)}[/red]")
        raise typer.Exit(EXIT_INPUT)
    path = portfolio or _default_portfolio()
    pf = _load(path)
    target = out_dir or Path("dcplan-out") / pf.name
    previous = _previous_plan(warm_start, pf) if warm_start else None
    try:
        with err.status(f"planning {pf.name}: {len(pf.sites)} sites, {len(pf.spec.tenants)} tenant offers..."):
            result = make_plan(
                pf,
                solver=solver,
                time_limit=time_limit,
                gap=gap,
                threads=threads,
                msg=verbose >= 2,
                warm_start=previous,
                method=method,
            )
    except PlanningError as exc:
        if exc.status is SolveStatus.INFEASIBLE:
            from planner.diagnose import diagnose

            diagnosis = diagnose(pf, solver=solver)
            err.print(f"[red]no feasible plan for {pf.name}[/red]")
            err.print(diagnosis.text(), highlight=False, markup=False)
            write_json(target, "diagnosis.json", diagnosis.to_dict())
            err.print(f"diagnosis written to {target / 'diagnosis.json'}")
            raise typer.Exit(EXIT_INFEASIBLE) from None
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(EXIT_NO_SOLUTION if exc.status is SolveStatus.NO_SOLUTION else EXIT_BUG) from None
    _summary(result)
    written = write_plan(result, target)
    out.print(f"files written to {written}")
    if result.violations:
        err.print(f"[red]the validator found {len(result.violations)} violation(s); see plan.json[/red]")
        raise typer.Exit(EXIT_BUG)


def _previous_plan(folder: Path, pf: Portfolio):
    from planner.inputs import prepare
    from planner.results.outcome import Plan

    try:
        return Plan.from_json((folder / "plan.json").read_text(), prepare(pf))
    except (OSError, KeyError, ValueError) as exc:
        err.print(f"[red]--warm-start {folder}: cannot use it: {exc}[/red]")
        raise typer.Exit(EXIT_INPUT) from None


def _summary(result) -> None:
    k = result.kpis()
    status = result.status
    colour = "green" if status == "optimal" else "yellow"
    out.print(
        f"[bold]{result.inputs.portfolio.name}[/bold]: status [{colour}]{status}[/{colour}] "
        f"(solver {result.solve['solver']}, {result.solve['solve_seconds']:.1f} s)"
    )
    gap = result.gap
    out.print(
        f"NPV {_money(k['npv_usd'])}   bound {_money(result.solve.get('bound'))}   "
        f"gap {'-' if gap is None else f'{gap:.3%}'}"
    )
    irr = "-" if k["irr_per_year"] is None else f"{k['irr_per_year']:.1%}"
    out.print(
        f"business as usual {_money(k['bau_npv_usd'])}   uplift {_money(k['npv_uplift_usd'])}   "
        f"IRR {irr}   HPC share of power {k['hpc_share_of_power']:.0%}"
    )
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


@app.command()
def validate(
    portfolio: Annotated[Path, typer.Argument(help="portfolio YAML")],
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True)] = 0,
) -> None:
    """Check a portfolio's descriptors, catalog and geometry; list every problem."""
    _logging(verbose)
    pf = _load(portfolio)
    out.print(
        f"{portfolio}: valid: {len(pf.sites)} sites, {len(pf.spec.tenants)} tenant offers, "
        f"{pf.spec.horizon.periods} {pf.spec.horizon.period}s from {pf.spec.horizon.start}"
    )


@app.command()
def explain(
    portfolio: Annotated[Path, typer.Argument(help="portfolio YAML")],
    solver: Annotated[str, typer.Option(help="highs | cbc")] = "highs",
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True)] = 0,
) -> None:
    """Explain why a portfolio has no feasible plan: the smallest shortfalls, in its terms."""
    from planner.diagnose import diagnose

    _logging(verbose)
    pf = _load(portfolio)
    diagnosis = diagnose(pf, solver=solver)
    out.print(diagnosis.text(), highlight=False, markup=False)
    raise typer.Exit(EXIT_INFEASIBLE if diagnosis.shortfalls else EXIT_OK)


@app.command()
def schema(
    kind: Annotated[str, typer.Option(help="portfolio | site | catalog")] = "portfolio",
) -> None:
    """Print the JSON Schema of the descriptor format (for editor autocompletion)."""
    models: dict[str, type[BaseModel]] = {"portfolio": PortfolioSpec, "site": Site, "catalog": Catalog}
    if kind not in models:
        err.print(f"[red]--kind must be one of {', '.join(models)}, not {kind!r}[/red]")
        raise typer.Exit(EXIT_INPUT)
    sys.stdout.write(json.dumps(models[kind].model_json_schema(), indent=2) + "\n")


@app.command()
def catalog() -> None:
    """List the bundled catalog: rack types, cooling units, ASICs, hall modules, with sources."""
    cat = bundled_catalog()
    sections = (
        ("GPU rack types", cat.racks, ("id", "it_kw", "gpus", "cooling", "capex_usd", "gpu_hour_usd")),
        ("cooling units", cat.cooling_units, ("id", "capacity_kw", "footprint_m2", "capex_usd", "redundancy")),
        ("ASIC models", cat.asics, ("id", "th_per_s", "watts", "price_usd")),
        (
            "hall modules",
            cat.hall_modules,
            ("id", "kind", "it_mw", "capex_usd_per_mw_it", "lead_time_months", "pue_liquid", "pue_air"),
        ),
    )
    for title, items, cols in sections:
        table = Table(title=title, show_lines=True)
        for c in (*cols, "source"):
            table.add_column(c, overflow="fold", max_width=60 if c == "source" else None)
        for item in items:
            table.add_row(
                *[
                    f"{getattr(item, c):,}" if isinstance(getattr(item, c), (int, float)) else str(getattr(item, c))
                    for c in cols
                ],
                item.source,
            )
        out.print(table)


@app.command()
def compare(
    plan_a: Annotated[Path, typer.Argument(help="plan.json or its folder")],
    plan_b: Annotated[Path, typer.Argument(help="plan.json or its folder")],
) -> None:
    """What changed between two plans: KPIs, per-site end state, tenants signed."""
    a, b = _read_plan_json(plan_a), _read_plan_json(plan_b)
    table = Table(title=f"{plan_a} -> {plan_b}")
    for c in ("figure", "A", "B", "B - A"):
        table.add_column(c, justify="right" if c != "figure" else "left")
    for key in (
        "npv_usd",
        "npv_uplift_usd",
        "hpc_it_mw_end",
        "mining_mw_end",
        "racks_end",
        "capex_usd",
        "hpc_share_of_power",
        "tenant_max_share",
    ):
        va, vb = a["kpis"].get(key), b["kpis"].get(key)
        diff = "-" if va is None or vb is None else f"{vb - va:,.3f}"
        table.add_row(key, f"{va:,.3f}" if va is not None else "-", f"{vb:,.3f}" if vb is not None else "-", diff)
    out.print(table)
    sa = {s["site_id"]: s for s in a["sites"]}
    sb = {s["site_id"]: s for s in b["sites"]}
    sites = Table(title="sites at the end of the horizon (A -> B)")
    for c in ("site", "mining MW", "HPC IT MW", "halls", "CDUs"):
        sites.add_column(c)
    for sid in sorted(set(sa) | set(sb)):
        ra, rb = sa.get(sid, {}), sb.get(sid, {})
        cells = [f"{ra.get(f, 0):.1f} -> {rb.get(f, 0):.1f}" for f in ("mining_mw", "hpc_it_mw")]
        cells += [f"{ra.get(f, 0)} -> {rb.get(f, 0)}" for f in ("halls", "cdus")]
        if any(ra.get(f) != rb.get(f) for f in ("mining_mw", "hpc_it_mw", "halls", "cdus")):
            sites.add_row(sid, *cells)
    out.print(sites)
    ta, tb = set(a["kpis"]["tenants_signed"]), set(b["kpis"]["tenants_signed"])
    out.print(
        f"tenants signed only in A: {', '.join(sorted(ta - tb)) or 'none'}; "
        f"only in B: {', '.join(sorted(tb - ta)) or 'none'}"
    )


def _read_plan_json(path: Path) -> dict:
    file = path / "plan.json" if path.is_dir() else path
    try:
        return json.loads(file.read_text())
    except (OSError, ValueError) as exc:
        err.print(f"[red]{file}: cannot read a plan: {exc}[/red]")
        raise typer.Exit(EXIT_INPUT) from None


if __name__ == "__main__":  # pragma: no cover
    app()
