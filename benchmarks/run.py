"""The dcplan benchmark ladder: S (bundled portfolio), M, L, XL (synthetic, seeded).

    python benchmarks/run.py [--rungs S M L XL] [--time-limit 600] [--cbc-rungs S M] [--milp-rungs M]
                             [--out benchmarks/RESULTS.md]

Each rung is planned with method "auto" (one MILP up to 60 sites, the site decomposition
past that); --milp-rungs also plans those rungs as one MILP, for comparison.

Each rung runs in its own process (so peak RSS is the rung's own) and reports variables,
integer variables, constraints, nonzeros, build and solve seconds, status, gap, peak RSS
and NPV uplift over business as usual. Results are appended to RESULTS.md with the date,
machine, Python, PuLP and solver versions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNGS = {"S": None, "M": (100, 30), "L": (300, 80), "XL": (1000, 200)}


def _portfolio(rung: str):
    from planner import load_portfolio, portfolio_from_dict
    from planner.testing.synthetic import random_portfolio

    if RUNGS[rung] is None:
        return load_portfolio(ROOT / "sites" / "us-miners.yaml")
    sites, tenants = RUNGS[rung]  # type: ignore[misc]
    return portfolio_from_dict(random_portfolio(sites, tenants, seed=2026, name=f"ladder-{rung}"), ROOT)


def _run(rung: str, solver: str, method: str, time_limit: float, queue: mp.Queue) -> None:
    from planner import PlanningError, plan
    from planner.inputs import prepare
    from planner.model import build_model

    try:
        portfolio = _portfolio(rung)
        ins = prepare(portfolio)
        p = build_model(ins).problem
        size = {
            "variables": p.num_cols,
            "integer_variables": int(p.integer.sum()),
            "constraints": p.num_rows,
            "nonzeros": p.num_nonzeros,
        }
        del p
        start = time.perf_counter()
        try:
            result = plan(portfolio, solver=solver, time_limit=time_limit, method=method)
            k = result.kpis()
            out = {
                "status": result.status,
                "gap": result.gap,
                "npv_uplift_usd": k["npv_uplift_usd"],
                "npv_usd": k["npv_usd"],
                "bound_usd": result.solve["bound"],
                "method": "decompose" if "site decomposition" in result.solve["message"] else "milp",
                "build_seconds": result.build_seconds,
                "solve_seconds": result.solve["solve_seconds"],
                "violations": len(result.violations),
            }
        except PlanningError as exc:
            out = {
                "status": exc.status.value,
                "gap": None,
                "npv_uplift_usd": None,
                "build_seconds": None,
                "solve_seconds": None,
                "violations": None,
            }
        out["total_seconds"] = time.perf_counter() - start
        out.update(size)
    except Exception as exc:  # report, don't lose the other rungs
        out = {"status": f"error: {exc!r}"}
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(out)


def run_rung(rung: str, solver: str, method: str, time_limit: float) -> dict:
    queue: mp.Queue = mp.get_context("spawn").Queue()
    proc = mp.get_context("spawn").Process(target=_run, args=(rung, solver, method, time_limit, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return {"rung": rung, "solver": solver, "method": method, **result}


def emit(lines: list[str], append: Path | None) -> None:
    """Print a benchmark's markdown lines, and append them to `append` when given."""
    text = "\n".join(lines)
    if append is not None:
        with append.open("a") as f:
            f.write(text + "\n")
    print(text)


def _versions() -> str:
    import highspy
    import pulp

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    try:
        from importlib.metadata import version

        highs = version("highspy")
    except Exception:  # pragma: no cover
        highs = getattr(highspy, "__version__", "?")
    return (
        f"{dt.date.today()} | {os.cpu_count()} cores, {mem:.0f} GiB | Python {platform.python_version()} | "
        f"PuLP {pulp.__version__} | highspy {highs}"
    )


def _fmt(x, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def _musd(x) -> str:
    return _fmt(None if x is None else x / 1e6, ",.1f")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rungs", nargs="+", default=["S", "M", "L", "XL"], choices=list(RUNGS))
    ap.add_argument("--cbc-rungs", nargs="*", default=["S", "M"], choices=list(RUNGS))
    ap.add_argument("--milp-rungs", nargs="*", default=["M"], choices=list(RUNGS))
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--skip-auto", action="store_true", help="only the --milp-rungs runs, no method 'auto'")
    ap.add_argument("--label", default="", help="a label for the table's heading (e.g. the code measured)")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = ap.parse_args(argv)
    rows = []
    for rung in args.rungs:
        runs = [] if args.skip_auto else [("highs", "auto")] + ([("cbc", "auto")] if rung in args.cbc_rungs else [])
        runs += [("highs", "milp")] if rung in args.milp_rungs else []
        for solver, method in runs:
            row = run_rung(rung, solver, method, args.time_limit)
            print(json.dumps(row), flush=True)
            rows.append(row)
    lines = [
        f"\n## {_versions()} | time limit {args.time_limit:g} s{' | ' + args.label if args.label else ''}\n",
        f"`python benchmarks/run.py {' '.join(argv if argv is not None else sys.argv[1:])}`\n",
        "| rung | solver | method | variables (integer) | constraints | nonzeros | build s | solve s | total s "
        "| status | NPV M USD | bound M USD | gap | peak RSS MiB | NPV uplift M USD |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['rung']} | {r['solver']} | {r['method']} "
            f"| {_fmt(r.get('variables'), ',')} ({_fmt(r.get('integer_variables'), ',')}) "
            f"| {_fmt(r.get('constraints'), ',')} | {_fmt(r.get('nonzeros'), ',')} "
            f"| {_fmt(r.get('build_seconds'), '.2f')} "
            f"| {_fmt(r.get('solve_seconds'), '.1f')} | {_fmt(r.get('total_seconds'), '.1f')} | {r['status']} "
            f"| {_musd(r.get('npv_usd'))} | {_musd(r.get('bound_usd'))} | {_fmt(r.get('gap'), '.3%')} "
            f"| {_fmt(r.get('peak_rss_mib'), ',.0f')} | {_musd(r.get('npv_uplift_usd'))} |"
        )
    emit(lines, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
