"""Commands that read and check: validate, explain, schema, catalog, compare."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from planner.cli.common import EXIT_INFEASIBLE, EXIT_INPUT, EXIT_OK, err, load, out, setup_logging


def validate(
    portfolio: Annotated[Path, typer.Argument(help="portfolio YAML")],
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True)] = 0,
) -> None:
    """Check a portfolio's descriptors, catalog and geometry; list every problem."""
    setup_logging(verbose)
    pf = load(portfolio)
    segments = ", then ".join(f"{n} {kind}s" for kind, n in pf.spec.horizon.segment_list())
    out.print(
        f"{portfolio}: valid: {len(pf.sites)} sites, {len(pf.spec.tenants)} tenant offers, "
        f"{segments} from {pf.spec.horizon.start}"
    )


def explain(
    portfolio: Annotated[Path, typer.Argument(help="portfolio YAML")],
    solver: Annotated[str, typer.Option(help="highs | cbc")] = "highs",
    verbose: Annotated[int, typer.Option("-v", "--verbose", count=True)] = 0,
) -> None:
    """Explain why a portfolio has no feasible plan: the smallest shortfalls, in its terms."""
    from planner.diagnose import diagnose

    setup_logging(verbose)
    pf = load(portfolio)
    diagnosis = diagnose(pf, solver=solver)
    out.print(diagnosis.text(), highlight=False, markup=False)
    raise typer.Exit(EXIT_INFEASIBLE if diagnosis.shortfalls else EXIT_OK)


def schema(
    kind: Annotated[str, typer.Option(help="portfolio | site | catalog")] = "portfolio",
) -> None:
    """Print the JSON Schema of the descriptor format (for editor autocompletion)."""
    from pydantic import BaseModel

    from planner.describe.descriptors import Catalog, PortfolioSpec, Site

    models: dict[str, type[BaseModel]] = {"portfolio": PortfolioSpec, "site": Site, "catalog": Catalog}
    if kind not in models:
        err.print(f"[red]--kind must be one of {', '.join(models)}, not {kind!r}[/red]")
        raise typer.Exit(EXIT_INPUT)
    sys.stdout.write(json.dumps(models[kind].model_json_schema(), indent=2) + "\n")


def catalog_command() -> None:
    """List the bundled catalog: rack types, cooling units, ASICs, hall modules, with sources."""
    from planner.describe.loading import bundled_catalog

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
        "npv_without_terminal_usd",
        "terminal_value_share",
        "npv_uplift_usd",
        "irr_per_year",
        "equity_irr_per_year",
        "equity_multiple",
        "peak_funding_usd",
        "min_dscr",
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
