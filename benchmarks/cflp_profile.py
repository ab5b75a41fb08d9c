"""Where dcplan's CFLP solve time goes: the first MILP of each formulation, with HiGHS's log profile.

    python benchmarks/cflp_profile.py [--instances cap114 cap124 cap134] [--repeat 2]
                                      [--append benchmarks/RESULTS.md]

For each instance, in one process, round-robin, `repeat` times (HiGHS through dcplan's
adapter, solvers.highs, for all, at relative gap 1e-10):

- bare: the textbook strong formulation (planner.testing.cflp.bare_problem);
- dcplan: the MILP plan() solves first for the reduced portfolio (with hosts_power, the analogue
  of sum_j d_j x_ij <= s_i y_i, and no block rows for its one-period tenants: planner.model).

Presolve s is the time of HiGHS's first line of the root node, root LP the first with LP
iterations (benchmarks.speed.parse_log); the root LP gap is |optimum - root LP bound| over the
optimum, in the instance's cost (dcplan's bound in cost: revenue at par - bound); "-" where
HiGHS solved the root node at once and printed only a trivial bound on that line.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VARIANTS = ("bare", "dcplan")


def problems(name: str) -> tuple[dict, float]:
    """Each variant's problem for one instance, and dcplan's revenue at par."""
    from benchmarks.cflp import DATA
    from planner.inputs import prepare
    from planner.model import build_model
    from planner.testing.cflp import bare_problem, cflp_portfolio, read_instance
    from solvers.problem import from_pulp

    inst = read_instance(DATA / f"{name}.txt")
    portfolio, revenue_at_par = cflp_portfolio(inst)
    ins = prepare(portfolio)
    return {"bare": from_pulp(bare_problem(inst))[0], "dcplan": build_model(ins).problem}, revenue_at_par


def solve(problem, variant: str, revenue_at_par: float, optimum: float) -> dict:
    """One solve with its log's profile; objective and bound in the instance's cost."""
    from benchmarks.speed import parse_log
    from solvers import SolveOptions, get_solver

    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "highs.log"
        wall = time.perf_counter()
        r = get_solver("highs").solve(problem, SolveOptions(rel_gap=1e-10, log_path=str(log)))
        wall = time.perf_counter() - wall
        profile = parse_log(log.read_text())
    cost = (lambda v: v) if variant == "bare" else (lambda v: revenue_at_par - v)
    lp = profile["root_lp_bound"]
    gap = None if lp is None else abs(optimum - cost(lp)) / optimum
    return {
        "wall_s": wall,
        "status": r.status.value,
        "cost": None if r.objective is None else cost(r.objective),
        "root_lp_gap": gap if gap is not None and gap < 0.5 else None,  # else a trivial bound: see the docstring
        "size": f"{problem.num_rows:,} x {problem.num_cols:,} ({int(problem.integer.sum())})",
        **profile,
    }


def profile_table(names: list[str], repeat: int) -> list[str]:
    """Markdown rows: each instance's variants, medians over `repeat` round-robin solves."""
    from benchmarks.speed import _f, _median
    from planner.testing.cflp import read_optima

    optima = read_optima(ROOT / "tests" / "data" / "cflp" / "optima.txt")
    lines = [
        "| instance | variant | rows x cols (integer) | wall s (each run) | presolve s | root LP s | root LP gap "
        "| root end s | nodes | status | cost |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in names:
        probs, revenue = problems(name)
        runs: dict[str, list[dict]] = {v: [] for v in VARIANTS}
        for _ in range(repeat):
            for v in VARIANTS:
                runs[v].append(solve(probs[v], v, revenue, optima[name]))
        for v, rs in runs.items():
            last, walls = rs[-1], " / ".join(f"{r['wall_s']:.2f}" for r in rs)
            lines.append(
                f"| {name} | {v} | {last['size']} | {walls} "
                f"| {_f(_median(rs, 'presolve_s'), '.1f')} | {_f(_median(rs, 'root_lp_s'), '.1f')} "
                f"| {_f(_median(rs, 'root_lp_gap'), '.3%')} | {_f(_median(rs, 'root_end_s'), '.1f')} "
                f"| {_f(_median(rs, 'nodes'), ',.0f')} | {last['status']} | {_f(last['cost'], ',.3f')} |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the profile, print its table and append it to --append when given."""
    import os

    from benchmarks.run import _versions, emit

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--instances", nargs="+", default=["cap114", "cap124", "cap134"])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--append", type=Path, help="append the table to this markdown file")
    args = ap.parse_args(argv)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    body = profile_table(args.instances, args.repeat)
    command = "python benchmarks/cflp_profile.py " + " ".join(argv if argv is not None else sys.argv[1:])
    end = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"\n## {_versions()} | CFLP first MILP by formulation, {args.repeat} round-robin runs\n",
        f"`{command}`\n",
        f"Load average before: {load}; after: {end}.\n",
        *body,
    ]
    emit(lines, args.append)
    return 0


if __name__ == "__main__":
    sys.exit(main())
