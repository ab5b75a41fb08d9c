"""dcplan against a bare formulation on the published capacitated facility location cases.

    python benchmarks/cflp.py [--instances cap41 cap131 ...] [--repeat 1] [--gap 1e-10]
                              [--append benchmarks/RESULTS.md]

Each OR-Library instance (cap41 .. cap134, tests/data/cflp, with Beasley's proven optima) is
solved two ways, each in a fresh process (imports done before the clock starts), alternating
which goes first from one instance (and repeat) to the next so that a load on the shared
machine falls on both alike:

- bare: the textbook strong formulation in PuLP (planner.testing.cflp.bare_problem: min
  sum f_i y_i + sum c_ij x_ij, sum_i x_ij = 1, sum_j d_j x_ij <= s_i y_i, x_ij <= y_i), solved by
  PuLP's own HiGHS adapter (pulp.HiGHS) at the same relative gap; timed: the PuLP build, the solve;
- dcplan: the instance reduced to a portfolio (planner.testing.cflp.cflp_portfolio), then
  plan(bau=False); timed: load (descriptors to a Portfolio), prepare (inputs), build (the MILP),
  solve (the first solve), post-solve (whole CDUs, the exact-CDU re-solve where the rounding
  misses the gap, funding, whole racks, validation). Its cost is revenue at par - NPV.

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
WAYS = ("bare", "dcplan", "dcplan+link")
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


def with_capacity_link() -> None:
    """Add to every model built in this process the rows a new site's running IT needs its
    conversion for, sum_r it[s,r,t] <= peak_it_mw[s] hosts[s,t] (peak_it_mw: peak contracted or
    interconnect MW over the best PUE): the analogue of the bare sum_j d_j x_ij <= s_i y_i, which
    dcplan's model lacks (its capacity rows do not hold hosts). They are filed under the family
    "hall_it" (same grid), as the registry has no family of their own."""
    import planner.model as pm
    from planner.model.algebra import P
    from planner.model.halls import peak_it_mw

    seen: dict = {}
    define_halls, define_power = pm.define_halls, pm.define_power

    def halls(m, ins, mode):
        seen["halls"] = define_halls(m, ins, mode)
        return seen["halls"]

    def power(m, ins, mining, it, it_pt):
        hosts = seen["halls"].hosts
        lhs = it.sum("rack") - hosts * P(peak_it_mw(ins), "site")
        m.constrain("hall_it", lhs, "<=", 0.0, where=P(hosts.exists, "site period"))
        return define_power(m, ins, mining, it, it_pt)

    pm.define_halls, pm.define_power = halls, power


def run_dcplan(name: str, gap: float, link: bool = False) -> dict:
    """Reduce one instance to a portfolio and plan it, timing each phase of plan(); `link`: with
    the capacity link rows (with_capacity_link)."""
    from benchmarks.speed import PhaseClock
    from planner import plan
    from planner.inputs import prepare
    from planner.model import build_model
    from planner.testing.cflp import cflp_portfolio, read_instance

    if link:
        with_capacity_link()
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
        link = way == "dcplan+link"
        first, second = run_dcplan(name, gap, link), run_dcplan(name, gap, link)
    return {**second, "cold_s": first["total_s"]}


def _in_process(way: str, name: str, gap: float) -> dict:
    """run_way in a fresh Python process."""
    out = subprocess.run(
        [sys.executable, __file__, "_run", way, name, "--gap", repr(gap)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(names: list[str], repeat: int, gap: float) -> dict[str, dict[str, list[dict]]]:
    """Every instance solved every way `repeat` times, the order rotating from one round to the next."""
    runs: dict[str, dict[str, list[dict]]] = {n: {w: [] for w in WAYS} for n in names}
    turn = 0
    for name in names:
        for _ in range(repeat):
            for way in WAYS[turn % 3 :] + WAYS[: turn % 3]:
                row = _in_process(way, name, gap)
                print(json.dumps({"instance": name, "way": way, **row}), flush=True)
                runs[name][way].append(row)
            turn += 1
    return runs


HEADER = [
    "| instance | m x n | optimum | bare cost | dcplan cost | +link cost | match 1e-6 | bare build s | bare solve s "
    "| bare s | dcplan load s | prepare s | build s | solve s | post-solve s | dcplan s | dcplan / bare "
    "| +link solve s | +link s | +link / bare | cold s: bare / dcplan / +link | integers bare / dcplan "
    "| dcplan status |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]


def _med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def table(runs: dict[str, dict[str, list[dict]]], optima: dict[str, float], shapes: dict[str, str]) -> list[str]:
    """Markdown rows: per instance, medians over the repeats of each way."""
    lines = list(HEADER)
    for name, ways in runs.items():
        b, d, k, opt = ways["bare"], ways["dcplan"], ways["dcplan+link"], optima[name]
        match = all(abs(r["cost"] - opt) <= MATCH_RTOL * abs(opt) for r in b + d + k)
        cold = " / ".join(f"{_med(w, 'cold_s'):.2f}" for w in (b, d, k))
        lines.append(
            f"| {name} | {shapes[name]} | {opt:,.3f} | {b[-1]['cost']:,.3f} | {d[-1]['cost']:,.3f} "
            f"| {k[-1]['cost']:,.3f} | {'yes' if match else 'NO'} | {_med(b, 'build_s'):.2f} "
            f"| {_med(b, 'solve_s'):.2f} | {_med(b, 'total_s'):.2f} | {_med(d, 'load_s'):.2f} "
            f"| {_med(d, 'prepare_s'):.2f} | {_med(d, 'build_s'):.2f} | {_med(d, 'solve_s'):.2f} "
            f"| {_med(d, 'post_s'):.2f} | {_med(d, 'total_s'):.2f} | {_med(d, 'total_s') / _med(b, 'total_s'):.2f} "
            f"| {_med(k, 'solve_s'):.2f} | {_med(k, 'total_s'):.2f} | {_med(k, 'total_s') / _med(b, 'total_s'):.2f} "
            f"| {cold} | {b[-1]['integers']} / {d[-1]['integers']} | {d[-1]['status']} |"
        )
    return lines


def _totals(runs: dict[str, dict[str, list[dict]]]) -> str:
    """Sum over the instances of each way's median seconds, and their ratios to the bare one."""
    total = {w: sum(_med(r[w], "total_s") for r in runs.values()) for w in WAYS}
    cold = {w: sum(_med(r[w], "cold_s") for r in runs.values()) for w in WAYS}
    return (
        f"All instances, seconds: bare {total['bare']:.1f}, dcplan {total['dcplan']:.1f} "
        f"({total['dcplan'] / total['bare']:.2f}x), dcplan+link {total['dcplan+link']:.1f} "
        f"({total['dcplan+link'] / total['bare']:.2f}x); cold starts: bare {cold['bare']:.1f}, "
        f"dcplan {cold['dcplan']:.1f}, dcplan+link {cold['dcplan+link']:.1f}."
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
    ap.add_argument("--append", type=Path, help="append the table to this markdown file")
    args = ap.parse_args(argv)
    if args.table[:1] == ["_run"]:
        print(json.dumps(run_way(args.table[1], args.table[2], args.gap)))
        return 0
    from benchmarks.run import _versions, emit

    before = _load()
    runs = measure(args.instances, args.repeat, args.gap)
    shapes = {n: "x".join(map(str, read_instance(DATA / f"{n}.txt").cost.shape)) for n in args.instances}
    command = "python benchmarks/cflp.py " + " ".join(argv if argv is not None else sys.argv[1:])
    title = f"CFLP cap41-cap134: bare strong formulation vs dcplan, gap {args.gap:g}, {args.repeat} run(s) each"
    lines = [f"\n## {_versions()} | {title}\n", f"`{command}`\n", f"Load average before: {before}; after: {_load()}.\n"]
    lines += [*table(runs, optima, shapes), "", _totals(runs)]
    emit(lines, args.append)
    return 0


if __name__ == "__main__":
    sys.exit(main())
