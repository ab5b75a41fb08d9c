"""dcplan against a bare formulation on the published capacitated facility location cases.

    python benchmarks/cflp.py [--instances cap41 cap131 ...] [--repeat 1] [--gap 1e-10]
                              [--before TREE] [--append benchmarks/RESULTS.md]

Each OR-Library instance (cap41 .. cap134, tests/data/cflp, with Beasley's proven optima) is
solved each way below, each in a fresh process (imports done before the clock starts), rotating
which goes first from one instance (and repeat) to the next so that a load on the shared
machine falls on all alike:

- bare: the textbook strong formulation in PuLP (planner.testing.cflp.bare_problem: min
  sum f_i y_i + sum c_ij x_ij, sum_i x_ij = 1, sum_j d_j x_ij <= s_i y_i, x_ij <= y_i), solved by
  PuLP's own HiGHS adapter (pulp.HiGHS) at the same relative gap; timed: the PuLP build, the solve;
- dcplan: the instance reduced to a portfolio (planner.testing.cflp.cflp_portfolio), then
  plan(bau=False); timed: load (descriptors to a Portfolio), prepare (inputs), build (the MILP),
  solve (the first solve), post-solve (whole CDUs, the exact-CDU re-solve where the rounding
  misses the gap, funding, whole racks, validation). Its cost is revenue at par - NPV;
- before (with --before TREE): the same with the code of another source tree (e.g. a
  `git worktree` of an earlier commit), its own benchmarks/cflp.py run there.

The ratio is dcplan's end-to-end seconds over the bare formulation's (build + solve); the
target (dcplan issue 18) is 1.3. Threads: HiGHS's default for both. The load average
(1, 5, 15 minutes) is recorded before and after the table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "tests" / "data" / "cflp"
WAYS = ("bare", "dcplan", "before")
MATCH_RTOL = 1e-6


def run_bare(name: str, gap: float) -> dict:
    """Build and solve the bare strong formulation of one instance, timing each."""
    import pulp

    from planner.testing.cflp import bare_problem, read_instance, solve_bare

    inst = read_instance(DATA / f"{name}.txt")
    start = time.perf_counter()
    prob = bare_problem(inst)
    built = time.perf_counter()
    optimal, cost = solve_bare(prob, gap)
    end = time.perf_counter()
    return {
        "status": "optimal" if optimal else "not optimal",
        "cost": cost,
        "build_s": built - start,
        "solve_s": end - built,
        "total_s": end - start,
        "integers": sum(v.cat == pulp.LpInteger for v in prob.variables()),
    }


def run_dcplan(name: str, gap: float) -> dict:
    """Reduce one instance to a portfolio and plan it, timing each phase of plan()."""
    from benchmarks.speed import PhaseClock
    from planner import plan
    from planner.inputs import prepare
    from planner.model import build_model
    from planner.testing.cflp import cflp_portfolio, read_instance

    inst = read_instance(DATA / f"{name}.txt")
    start = time.perf_counter()
    clock = PhaseClock("load")
    portfolio, revenue_at_par = cflp_portfolio(inst)
    clock({"phase": "prepare"})
    result = plan(portfolio, gap=gap, bau=False, progress=clock)
    clock({"phase": "end"})
    total = time.perf_counter() - start
    problem = build_model(prepare(portfolio), "plan").problem  # its size, off the clock
    ph = clock.phases
    first = ("load", "prepare", "build", "solve")
    return {
        "status": result.status,
        "cost": revenue_at_par - result.npv_usd,
        **{f"{k}_s": ph.get(k, 0.0) for k in first},
        "post_s": sum(v for k, v in ph.items() if k not in first),
        "post_phases": {k: v for k, v in ph.items() if k not in first},
        "total_s": total,
        "violations": len(result.violations),
        "integers": int(problem.integer.sum()),
        "columns": problem.num_cols,
        "rows": problem.num_rows,
    }


def run_way(way: str, name: str, gap: float) -> dict:
    """`way` on one instance twice in this process: the first run's seconds are the cold start
    (first calls of the libraries: projections, HiGHS's threads), the second's are reported."""
    if way == "bare":
        first, second = run_bare(name, gap), run_bare(name, gap)
    else:
        first, second = run_dcplan(name, gap), run_dcplan(name, gap)
    return {**second, "cold_s": first["total_s"]}


def _in_process(way: str, name: str, gap: float, before: Path | None) -> dict:
    """run_way in a fresh Python process: "before" is "dcplan" with the code of the tree `before`."""
    tree = before if way == "before" and before is not None else ROOT
    out = subprocess.run(
        [sys.executable, tree / "benchmarks" / "cflp.py", "_run", "dcplan" if way == "before" else way, name]
        + ["--gap", repr(gap)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(names: list[str], repeat: int, gap: float, before: Path | None) -> dict[str, dict[str, list[dict]]]:
    """Every instance solved every way `repeat` times, the order rotating from one round to the next."""
    ways = WAYS if before is not None else WAYS[:2]
    runs: dict[str, dict[str, list[dict]]] = {n: {w: [] for w in ways} for n in names}
    turn = 0
    for name in names:
        for _ in range(repeat):
            for way in ways[turn % len(ways) :] + ways[: turn % len(ways)]:
                row = _in_process(way, name, gap, before)
                print(json.dumps({"instance": name, "way": way, **row}), flush=True)
                runs[name][way].append(row)
            turn += 1
    return runs


HEADER = (
    "| instance | m x n | optimum | bare cost | dcplan cost | match 1e-6 | bare build s | bare solve s | bare s "
    "| dcplan load s | prepare s | build s | solve s | post-solve s | dcplan s | dcplan / bare | cold s: bare / dcplan "
    "| integers bare / dcplan | dcplan status |"
)
BEFORE = " before cost | before load s | before solve s | before s | before / bare |"


def _med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def table(runs: dict[str, dict[str, list[dict]]], optima: dict[str, float], shapes: dict[str, str]) -> list[str]:
    """Markdown rows: per instance, medians over the repeats of each way."""
    before = "before" in next(iter(runs.values()))
    head = HEADER + (BEFORE if before else "")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, ways in runs.items():
        b, d, opt = ways["bare"], ways["dcplan"], optima[name]
        match = all(abs(r["cost"] - opt) <= MATCH_RTOL * abs(opt) for w in ways.values() for r in w)
        row = (
            f"| {name} | {shapes[name]} | {opt:,.3f} | {b[-1]['cost']:,.3f} | {d[-1]['cost']:,.3f} "
            f"| {'yes' if match else 'NO'} | {_med(b, 'build_s'):.2f} | {_med(b, 'solve_s'):.2f} "
            f"| {_med(b, 'total_s'):.2f} | {_med(d, 'load_s'):.2f} | {_med(d, 'prepare_s'):.2f} "
            f"| {_med(d, 'build_s'):.2f} | {_med(d, 'solve_s'):.2f} | {_med(d, 'post_s'):.2f} "
            f"| {_med(d, 'total_s'):.2f} | {_med(d, 'total_s') / _med(b, 'total_s'):.2f} "
            f"| {_med(b, 'cold_s'):.2f} / {_med(d, 'cold_s'):.2f} | {b[-1]['integers']} / {d[-1]['integers']} "
            f"| {d[-1]['status']} |"
        )
        if before:
            k = ways["before"]
            row += (
                f" {k[-1]['cost']:,.3f} | {_med(k, 'load_s'):.2f} | {_med(k, 'solve_s'):.2f} "
                f"| {_med(k, 'total_s'):.2f} | {_med(k, 'total_s') / _med(b, 'total_s'):.2f} |"
            )
        lines.append(row)
    return lines


def _totals(runs: dict[str, dict[str, list[dict]]]) -> str:
    """Sum over the instances of each way's median seconds, and their ratios to the bare one."""
    ways = list(next(iter(runs.values())))
    total = {w: sum(_med(r[w], "total_s") for r in runs.values()) for w in ways}
    cold = {w: sum(_med(r[w], "cold_s") for r in runs.values()) for w in ways}
    parts = [f"{w} {total[w]:.1f}" + ("" if w == "bare" else f" ({total[w] / total['bare']:.2f}x)") for w in ways]
    return (
        f"All instances, seconds: {', '.join(parts)}; cold starts: "
        + ", ".join(f"{w} {cold[w]:.1f}" for w in ways)
        + "."
    )


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """Run the comparison, print its table and append it to --append when given."""
    from planner.testing.cflp import read_instance, read_optima

    optima = read_optima(DATA / "optima.txt")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table", nargs="*", help="(_run WAY NAME: one solve, internal)")
    ap.add_argument("--instances", nargs="+", default=sorted(optima, key=lambda n: (len(n), n)))
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--gap", type=float, default=1e-10)
    ap.add_argument("--before", type=Path, help="also plan each instance with the code of this source tree")
    ap.add_argument("--append", type=Path, help="append the table to this markdown file")
    args = ap.parse_args(argv)
    if args.table[:1] == ["_run"]:
        print(json.dumps(run_way(args.table[1], args.table[2], args.gap)))
        return 0
    from benchmarks.run import _versions, emit

    before = _load()
    runs = measure(args.instances, args.repeat, args.gap, args.before)
    shapes = {n: "x".join(map(str, read_instance(DATA / f"{n}.txt").cost.shape)) for n in args.instances}
    command = "python benchmarks/cflp.py " + " ".join(argv if argv is not None else sys.argv[1:])
    title = f"CFLP cap41-cap134: bare strong formulation vs dcplan, gap {args.gap:g}, {args.repeat} run(s) each"
    lines = [f"\n## {_versions()} | {title}\n", f"`{command}`\n", f"Load average before: {before}; after: {_load()}.\n"]
    lines += [*table(runs, optima, shapes), "", _totals(runs)]
    emit(lines, args.append)
    return 0


if __name__ == "__main__":
    sys.exit(main())
