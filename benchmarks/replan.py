"""Re-planning from a previous plan: plan() cold and plan(warm_start=the base plan) on what-ifs of
one portfolio, for one or more source trees, side by side.

    python benchmarks/replan.py [--portfolio sites/us-miners.yaml] [--cases same lease_rate=0.95 ...]
                                [--trees main=/path/to/main branch=.] [--out benchmarks/RESULTS.md]

For each tree (in a fresh process): the base plan of the portfolio (untimed), then for each case
(a what-if: sweep factors applied to the portfolio, planner.sweep.factors; "same": none) the
case planned cold and from the base plan, in turn. Recorded: the first solve's seconds (wall;
the whole-CDU and whole-rack steps follow it and are in plan() seconds), plan() wall and
process CPU seconds without business as usual, status, NPV of the plan written and gap.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = Path(os.environ.get("DCPLAN_TREE", ROOT))
sys.path.insert(0, str(TREE))

CASES = ["same", "lease_rate=0.95", "power_price=1.1", "capex=1.1"]
"""What-ifs by default: the base portfolio, rents 5% lower, power 10% dearer, capex 10% higher."""


def _case(portfolio, case: str):
    """The portfolio of a case: sweep factors NAME=VALUE[,NAME=VALUE] applied, "same" unchanged."""
    from planner.sweep.factors import apply_factors

    if case == "same":
        return portfolio
    values = {k: float(v) for k, v in (item.split("=") for item in case.split(","))}
    return apply_factors(portfolio, values, case)


def rows(portfolio_path: Path, cases: list[str]) -> list[dict]:
    """Cold and warm-started plan() of each case, on the planner of this process's tree."""
    from planner import load_portfolio, plan

    base_portfolio = load_portfolio(portfolio_path)
    base = plan(base_portfolio, bau=False)
    out = []
    for case in cases:
        pf = _case(base_portfolio, case)
        for start in ("cold", "warm"):
            t0, cpu = time.perf_counter(), time.process_time()
            result = plan(pf, bau=False, warm_start=base if start == "warm" else None)
            out.append(
                {
                    "case": case,
                    "start": start,
                    "plan_s": time.perf_counter() - t0,
                    "cpu_s": time.process_time() - cpu,
                    "solve_s": result.solve["solve_seconds"],
                    "status": result.status,
                    "npv": result.solve["objective"],
                    "gap": result.gap,
                }
            )
    return out


def table(portfolio: Path, cases: list[str], trees: dict[str, Path]) -> list[str]:
    """Markdown rows of every case, start and tree."""
    lines = [
        "| case | code | start | first solve s | plan() s (no BAU) | plan() CPU s | status | NPV M USD | gap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, tree in trees.items():
        env = {**os.environ, "DCPLAN_TREE": str(tree), "PYTHONPATH": str(tree)}
        command = [sys.executable, __file__, "_rows", str(portfolio), "--cases", *cases]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        for r in json.loads(done.stdout.strip().splitlines()[-1]):
            print(json.dumps({"code": name, **r}), flush=True)
            gap = "-" if r["gap"] is None else f"{r['gap']:.3%}"
            lines.append(
                f"| {r['case']} | {name} | {r['start']} | {r['solve_s']:.1f} | {r['plan_s']:.1f} | {r['cpu_s']:.1f} "
                f"| {r['status']} "
                f"| {r['npv'] / 1e6:,.1f} | {gap} |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the table and append it to --out with its command line."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table", nargs="?", default="replan", choices=("replan", "_rows"))
    ap.add_argument("portfolio_path", nargs="?", type=Path, help="(_rows) the portfolio")
    ap.add_argument("--portfolio", type=Path, default=ROOT / "sites" / "us-miners.yaml")
    ap.add_argument("--cases", nargs="+", default=CASES)
    ap.add_argument("--trees", nargs="+", default=[f"branch={ROOT}"], help="NAME=PATH source trees to compare")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    args = ap.parse_args(argv)
    if args.table == "_rows":
        print(json.dumps(rows(args.portfolio_path, args.cases)))
        return 0
    from benchmarks.run import _versions, emit

    trees = {k: Path(v) for k, v in (t.split("=", 1) for t in args.trees)}
    body = table(args.portfolio, args.cases, trees)
    command = "python benchmarks/replan.py " + " ".join(argv if argv is not None else sys.argv[1:])
    title = f"{args.portfolio.stem}: re-planning what-ifs cold and from the base plan"
    lines = [f"\n## {_versions()} | {title}\n", f"`{command}`\n", *body]
    emit(lines, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
