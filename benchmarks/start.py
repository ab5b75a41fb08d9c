"""Cheap good starts for the planning MILP: a primal heuristic, then the warm-started proof, against
the cold solve, side by side (issue 18, case S).

    python benchmarks/start.py [--portfolio sites/us-miners.yaml] [--repeat 2] [--gap 0.001]
                               [--cases cold rens-suboff+prove ...] [--plan] [--out benchmarks/RESULTS.md]

Each case is the first planning MILP of `dcplan plan` (no whole-CDU step, no business as usual)
solved in two stages: a heuristic that returns a plan (column values) which the full MILP accepts
as a MIP start, then the full MILP from that start ("prove": HiGHS's RINS, RENS and root
reduced-cost sub-MIPs off, every node allowed, the gap asked; "prove-root": the re-plan's quick
try of planner.solve.warm_start, the root node alone at half the gap; "prove-rins": RINS on, RENS
and root reduced cost off; "start-default": HiGHS's defaults from the start). "cold" is HiGHS's
defaults without a start, "cold-suboff" without a start and without the sub-MIPs. The heuristics:

- lp: the LP relaxation alone, the input of the others (its seconds are counted in each);
- rens: every integer whose LP value is whole is fixed at it, every other one held between the
  floor and the ceiling of its LP value; that restricted MILP is solved to the gap
  (the neighbourhood of HiGHS's RENS, outside HiGHS, from dcplan's LP); "-suboff": without
  HiGHS's own sub-MIPs inside it;
- halls-ceil: hall modules fixed at the ceiling of their LP value (enough halls for the LP's IT),
  every other integer free;
- shift: RENS widened by one period (shifted_neighbourhood);
- starts: tenant starts with LP value >= 0.99 fixed at 1, <= 0.01 at 0, every other integer free;
- rf<N>: relax-and-fix over time in N windows of periods: integers of the first window integer
  (the later ones relaxed), then fixed, the next window integer, and so on.

With --plan, each case is planner.plan() end to end (business as usual off) with its first solve
(planner.solve.planning._first_solve) replaced by the case's heuristic and proof ("cold": plan() as
it is): the whole-CDU step, and the exact-CDU solve where the plan then misses the gap, included.

Every case is run in turn, round-robin, in this one process (the model is built once, untimed);
wall and process CPU seconds (HiGHS's threads included) are recorded for each stage: 2 shared
cores, so compare within a table, not across tables.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from planner.model import Model  # noqa: E402
from solvers import SolveOptions, SolveResult, get_solver  # noqa: E402
from solvers.problem import MatrixProblem  # noqa: E402

SUB_MIPS_OFF = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
}
"""HiGHS's root sub-MIP heuristics, off (as planner.solve.warm_start.QUICK_OPTIONS)."""
HEURISTIC_LIMIT_S = 60.0
"""Time limit of each MILP inside a heuristic."""
PROOFS: dict[str, tuple[float, dict]] = {
    "prove": (1.0, SUB_MIPS_OFF),
    "prove-root": (0.5, {**SUB_MIPS_OFF, "mip_max_nodes": 1}),
    "prove-rins": (1.0, {"mip_heuristic_run_rens": False, "mip_heuristic_run_root_reduced_cost": False}),
    "start-default": (1.0, {}),
}
"""Each proof's share of the gap asked and HiGHS options (module docstring)."""
CASES = (
    "cold",
    "cold-suboff",
    "rens-suboff+prove",
    "rens-suboff+prove-root",
    "rens-suboff+prove-rins",
    "rens-suboff+start-default",
    "rens+prove",
    "shift-suboff+prove",
    "halls-ceil+prove",
    "starts+prove",
    "rf3+prove",
)


def _solve(problem: MatrixProblem, gap: float, start=None, options: dict | None = None) -> SolveResult:
    return get_solver("highs").solve(
        problem, SolveOptions(rel_gap=gap, warm_start=start, highs_options=options, time_limit_s=HEURISTIC_LIMIT_S)
    )


def integer_periods(model: Model) -> np.ndarray:
    """[columns] the period of each integer column (its start period for a tenant start, 0 for a
    tenant's choice of sites), -1 for the continuous ones."""
    period = np.full(model.problem.num_cols, -1)
    for var in (model.halls.modules, model.halls.hosts, model.power.upgrade, model.cooling.liquid):
        t = np.indices(var.shape)[var.dims.index("period")]
        period[var.index[var.exists]] = t[var.exists]
    start = model.leases.start
    j = np.indices(start.shape)[1]
    period[start.index[start.exists]] = np.maximum(model.inputs.paths.periods[j[start.exists]], 0)
    period[model.leases.uses.columns()] = 0
    return period


def lp_neighbourhood(model: Model, lp_x: np.ndarray, kind: str) -> MatrixProblem:
    """The MILP restricted around the LP solution lp_x (module docstring: rens, halls-ceil, starts)."""
    p = model.problem
    lower, upper = p.col_lower.copy(), p.col_upper.copy()
    if kind == "rens":
        cols = np.flatnonzero(p.integer)
        v = lp_x[cols]
        lower[cols] = np.maximum(lower[cols], np.floor(v + 1e-6))
        upper[cols] = np.minimum(upper[cols], np.ceil(v - 1e-6))
    elif kind == "halls-ceil":
        cols = model.halls.modules.columns()
        lower[cols] = upper[cols] = np.minimum(np.ceil(lp_x[cols] - 1e-6), p.col_upper[cols])
    elif kind == "starts":
        cols = model.leases.start.columns()
        lower[cols[lp_x[cols] >= 0.99]] = 1.0
        upper[cols[lp_x[cols] <= 0.01]] = 0.0
    elif kind == "shift":
        return shifted_neighbourhood(model, lp_x)
    else:
        raise ValueError(f"unknown neighbourhood {kind!r}")
    return p.with_bounds(lower, upper)


def _spread(a: np.ndarray, axis: int, op) -> np.ndarray:
    """op of a with a shifted by one period either way along `axis` (edges held)."""
    before = np.concatenate([a.take([0], axis), a.take(range(a.shape[axis] - 1), axis)], axis)
    after = np.concatenate([a.take(range(1, a.shape[axis]), axis), a.take([-1], axis)], axis)
    return op(op(a, before), after)


def shifted_neighbourhood(model: Model, lp_x: np.ndarray) -> MatrixProblem:
    """RENS widened by one period: each time-indexed integer (halls, conversions, upgrades, liquid
    cooling) between the floor and the ceiling of its LP values in t-1, t, t+1; a tenant may start
    along a path whose LP value is positive or one start period earlier or later; its sites as RENS."""
    p = model.problem
    lower, upper = p.col_lower.copy(), p.col_upper.copy()
    for var in (model.halls.modules, model.halls.hosts, model.power.upgrade, model.cooling.liquid):
        axis, v, e = var.dims.index("period"), var.value(lp_x), var.exists
        cols = var.index[e]
        lower[cols] = np.maximum(lower[cols], _spread(np.floor(v + 1e-6), axis, np.minimum)[e])
        upper[cols] = np.minimum(upper[cols], _spread(np.ceil(v - 1e-6), axis, np.maximum)[e])
    start = model.leases.start
    near = _spread((start.value(lp_x) > 1e-6).astype(float), 1, np.maximum) > 0
    upper[start.index[start.exists & ~near]] = 0.0
    cols = model.leases.uses.columns()
    lower[cols] = np.maximum(lower[cols], np.floor(lp_x[cols] + 1e-6))
    upper[cols] = np.minimum(upper[cols], np.ceil(lp_x[cols] - 1e-6))
    return p.with_bounds(lower, upper)


def relax_and_fix(model: Model, windows: int, gap: float) -> np.ndarray | None:
    """Relax-and-fix over `windows` windows of periods (module docstring); None where a window
    finds no plan."""
    p = model.problem
    period = integer_periods(model)
    edges = np.linspace(0, model.inputs.T, windows + 1).astype(int)[1:]
    lower, upper, x = p.col_lower.copy(), p.col_upper.copy(), None
    for end in edges:
        integer = p.integer & (period < end)
        result = _solve(dataclasses.replace(p, integer=integer, col_lower=lower, col_upper=upper), gap)
        if result.x is None:
            return None
        x = result.x
        lower, upper = lower.copy(), upper.copy()
        lower[integer] = upper[integer] = np.rint(x[integer])
    return x


def heuristic(model: Model, name: str, gap: float) -> np.ndarray | None:
    """The plan of heuristic `name` (module docstring), or None."""
    if name.startswith("rf"):
        return relax_and_fix(model, int(name[2:]), gap)
    kind = name.removesuffix("-suboff")
    lp = _solve(model.problem.relaxed(), gap)
    if lp.x is None:
        return None
    restricted = lp_neighbourhood(model, lp.x, kind)
    return _solve(restricted, gap, options=SUB_MIPS_OFF if name.endswith("-suboff") else None).x


def violation(problem: MatrixProblem, x: np.ndarray) -> float:
    """Largest violation of a row, a bound or an integrality by the column values x."""
    a = problem.activity(x)
    rows = np.maximum(problem.row_lower - a, a - problem.row_upper)
    cols = np.maximum(problem.col_lower - x, x - problem.col_upper)
    whole = np.abs(x - np.rint(x))[problem.integer]
    return float(max(rows.max(initial=0.0), cols.max(initial=0.0), whole.max(initial=0.0)))


def prove(problem: MatrixProblem, start: np.ndarray, gap: float, proof: str) -> SolveResult:
    """The full MILP from `start` (PROOFS, module docstring)."""
    share, options = PROOFS[proof]
    return _solve(problem, gap * share, start, options)


def _clock(f: Callable):
    cpu, wall = time.process_time(), time.perf_counter()
    out = f()
    return out, time.process_time() - cpu, time.perf_counter() - wall


def run_case(model: Model, case: str, gap: float) -> dict:
    """One case: its heuristic's and its proof's seconds, the heuristic's NPV, the final result."""
    p = model.problem
    row: dict = {"case": case, "h_cpu": 0.0, "h_wall": 0.0, "h_npv": None}
    if case.startswith("cold"):
        options = SUB_MIPS_OFF if case == "cold-suboff" else None
        opts = SolveOptions(rel_gap=gap, highs_options=options)
        result, cpu, wall = _clock(lambda: get_solver("highs").solve(p, opts))
    else:
        name, _, proof = case.partition("+")
        x, row["h_cpu"], row["h_wall"] = _clock(lambda: heuristic(model, name, gap))
        if x is None:
            return {**row, "status": "no start", "p_cpu": 0.0, "p_wall": 0.0, "npv": None, "bound": None}
        row["h_npv"], row["h_violation"] = p.objective_at(x), violation(p, x)
        result, cpu, wall = _clock(lambda: prove(p, x, gap, proof))
    return {
        **row,
        "p_cpu": cpu,
        "p_wall": wall,
        "status": result.status.value,
        "npv": result.objective,
        "bound": result.bound,
    }


def run_plan(portfolio, case: str, gap: float) -> dict:
    """plan() on `portfolio` with its first solve replaced by `case` (module docstring, --plan)."""
    from unittest import mock

    from planner import plan
    from planner.solve import planning

    def first_solve(model: Model, opts, deadline, method, warm_start) -> tuple[SolveResult, bool]:
        name, _, proof = case.partition("+")
        t0 = time.perf_counter()
        x = heuristic(model, name, opts.rel_gap)
        if x is None:
            raise RuntimeError(f"{case}: no start")
        result = prove(model.problem, x, opts.rel_gap, proof)
        return dataclasses.replace(result, solve_seconds=time.perf_counter() - t0), False

    patch = mock.patch.object(planning, "_first_solve", first_solve) if case != "cold" else mock.MagicMock()
    with patch:
        result, cpu, wall = _clock(lambda: plan(portfolio, gap=gap, bau=False))
    facts = result.solve
    return {
        "case": case,
        "h_cpu": 0.0,
        "h_wall": 0.0,
        "h_npv": facts["first_solve_objective"],
        "p_cpu": cpu,
        "p_wall": wall,
        "status": result.status,
        "npv": facts["objective"],
        "bound": facts["bound"],
    }


def _m(x: float | None, spec: str = ",.1f") -> str:
    return "-" if x is None else format(x / 1e6, spec)


def table(run: Callable[[str], dict], cases: list[str], repeat: int) -> list[str]:
    """Markdown rows: each case's median seconds over `repeat` round-robin runs of `run(case)`, the
    last run's results."""
    runs: dict[str, list[dict]] = {c: [] for c in cases}
    for _ in range(repeat):
        for case in cases:
            row = run(case)
            print(json.dumps(row), flush=True)
            runs[case].append(row)
    lines = [
        "| case | heuristic CPU s | heuristic NPV M USD | proof CPU s | total CPU s (each run) | total wall s "
        "| status | NPV M USD | bound M USD | gap |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case, rs in runs.items():
        last = rs[-1]
        totals = " / ".join(f"{r['h_cpu'] + r['p_cpu']:.1f}" for r in rs)
        med = {k: statistics.median(r[k] for r in rs) for k in ("h_cpu", "p_cpu", "h_wall", "p_wall")}
        npv, bound = last["npv"], last["bound"]
        gap_s = "-" if npv is None or bound is None else f"{(bound - npv) / abs(npv):.3%}"
        lines.append(
            f"| {case} | {med['h_cpu']:.1f} | {_m(last['h_npv'])} | {med['p_cpu']:.1f} | {totals} "
            f"| {med['h_wall'] + med['p_wall']:.1f} | {last['status']} | {_m(npv)} | {_m(bound)} | {gap_s} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the table and append it, with its command, to --out."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portfolio", type=Path, default=ROOT / "sites" / "us-miners.yaml")
    ap.add_argument("--cases", nargs="+", default=list(CASES))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--gap", type=float, default=1e-3)
    ap.add_argument("--plan", action="store_true", help="plan() end to end (module docstring)")
    ap.add_argument("--out", type=Path, default=None, help="markdown file to append the table to")
    args = ap.parse_args(argv)
    from benchmarks.run import _versions, emit
    from planner import load_portfolio
    from planner.inputs import prepare
    from planner.model import build_model

    portfolio = load_portfolio(args.portfolio)
    if args.plan:
        body = table(lambda case: run_plan(portfolio, case, args.gap), args.cases, args.repeat)
        body[0] = body[0].replace("proof CPU s", "plan() CPU s").replace("heuristic NPV", "first solve NPV")
    else:
        model = build_model(prepare(portfolio), "plan")
        body = table(lambda case: run_case(model, case, args.gap), args.cases, args.repeat)
    command = "python benchmarks/start.py " + " ".join(argv if argv is not None else sys.argv[1:])
    what = "plan() with the first solve" if args.plan else "first MILP:"
    title = f"{args.portfolio.stem}: {what} heuristic start + proof vs cold, {args.repeat} round-robin runs"
    title += f", gap {args.gap:g}"
    lines = [f"\n## {_versions()} | {title}\n", f"`{command}`\n", *body]
    emit(lines, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
