"""Benchmark of the two-stage stochastic plan: deterministic equivalent against progressive hedging.

    python benchmarks/stochastic.py [--portfolio sites/terawulf.yaml] [--scenarios 4 8] [--workers 2]
                                    [--iterations 4] [--out benchmarks/STOCHASTIC.md]

For each number of Monte Carlo scenarios (seed 7; hashprice, lease rate, power price, capex and
GPU-hour price, triangular as in examples/06_uncertainty), the plan is made by the deterministic
equivalent (in this process) and by progressive hedging (on an embedded LocalCluster of
`--workers` processes); one row each: wall seconds, status, objective, bound, gap, VSS, EVPI. A
section is appended to `--out` with the machine and the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import planner
from planner.solve.stochastic import HedgingSettings
from planner.sweep import dask_client, plan_stochastic, scenario_set_from_dict

FACTORS = {
    "hashprice": {"dist": "triangular", "low": 0.5, "mode": 1.0, "high": 1.5},
    "lease_rate": {"dist": "triangular", "low": 0.8, "mode": 1.0, "high": 1.2},
    "power_price": {"dist": "triangular", "low": 0.8, "mode": 1.0, "high": 1.3},
    "capex": {"dist": "triangular", "low": 0.9, "mode": 1.0, "high": 1.4},
    "gpu_hour_price": {"dist": "triangular", "low": 0.6, "mode": 1.0, "high": 1.2},
}


def row(n: int, method: str, seconds: float, sp) -> str:
    """One table row."""
    gap = "-" if sp.gap is None else f"{100 * sp.gap:.3f}%"
    bound = "-" if sp.bound_usd is None else f"{sp.bound_usd / 1e6:,.1f}"
    return (
        f"| {n} | {method} | {seconds:.1f} | {sp.status} | {sp.objective_usd / 1e6:,.1f} | {bound} | {gap} "
        f"| {sp.vss.value_usd / 1e6:,.2f} | {sp.evpi.value_usd / 1e6:,.2f} |"
    )


def main() -> None:
    """Run the benchmark and append its section."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--portfolio", default="sites/terawulf.yaml")
    ap.add_argument("--scenarios", type=int, nargs="+", default=[4, 8])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--iterations", type=int, default=4)
    ap.add_argument("--gap", type=float, default=1e-3)
    ap.add_argument("--out", default="benchmarks/STOCHASTIC.md")
    args = ap.parse_args()
    pf = planner.load_portfolio(args.portfolio)
    lines = []
    with dask_client(workers=args.workers) as client:
        for n in args.scenarios:
            spec = scenario_set_from_dict({"kind": "monte_carlo", "samples": n, "seed": 7, "factors": FACTORS})
            for method in ("extensive", "hedging"):
                t = time.perf_counter()
                sp = plan_stochastic(
                    pf,
                    spec,
                    method=method,
                    client=client if method == "hedging" else None,
                    gap=args.gap,
                    hedging=HedgingSettings(iterations=args.iterations),
                )
                lines.append(row(n, method, time.perf_counter() - t, sp))
                sys.stderr.write(lines[-1] + "\n")
    head = (
        f"\n## {dt.date.today()} | {os.cpu_count()} cores | Python {platform.python_version()} | "
        f"{args.portfolio} | {args.workers} workers | PH {args.iterations} iterations | gap {args.gap:g}\n\n"
        f"`python benchmarks/stochastic.py {' '.join(sys.argv[1:])}`\n\n"
        "| scenarios | method | wall s | status | objective M USD | bound M USD | gap | VSS M USD | EVPI M USD |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    with Path(args.out).open("a") as f:
        f.write(head + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
