"""Side-by-side solver profiles: one portfolio's planning MILP under several formulations and
HiGHS settings, in one run, each repeated; and plan() end to end on several portfolios.

    python benchmarks/speed.py settings [--portfolio sites/us-miners.yaml] [--repeat 2]
                                        [--variants default restart-off ...] [--trees main=/path branch=.]
                                        [--out benchmarks/RESULTS.md]
    python benchmarks/speed.py plans [--portfolios sites/*.yaml] [--trees main=/path/to/main branch=.]
                                     [--out benchmarks/RESULTS.md]

`settings` solves the first MILP of `dcplan plan` (no whole-CDU step, no business as usual) and
reads HiGHS's log for where the time goes: presolve, the root LP (its bound and the time it
is solved), the root node (its bound after cuts, when it ends), nodes, LP iterations. The
variant "exact-cdus" is the model with CDUs integer and spares binary inside the MILP, as
before the whole-CDU step (planner.solve.whole_cdus); the DIAGNOSTICS variants change the
problem (a family relaxed or fixed, a MIP start) to show where the time goes; every other
variant is today's model with HiGHS options over HiGHS's defaults. With `--trees`, each variant
is solved by the planner of each source tree (a formulation change, before and after), each
solve in a fresh process. Variants are run in turn, round-robin, so that a load on the
machine falls on all of them alike; wall and process CPU seconds are both recorded (2 shared
cores: compare within a table, not across tables).

`plans` runs planner.plan() (prepare, build, solve, whole-CDU and whole-rack steps, validation,
business as usual) on each portfolio and records its phases' seconds, status, NPV, bound, gap.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
TREE = Path(os.environ.get("DCPLAN_TREE", ROOT))
"""The source tree whose planner is measured (`plans --trees`: another checkout, e.g. main)."""
sys.path.insert(0, str(TREE))

VARIANTS: dict[str, dict] = {
    "default": {},
    "exact-cdus": {},
    "restart-off": {"mip_allow_restart": False},
    "rins-off": {"mip_heuristic_run_rins": False},
    "restart-rins-off": {"mip_allow_restart": False, "mip_heuristic_run_rins": False},
    "heuristics-0.01": {"mip_heuristic_effort": 0.01},
    "heuristics-0.2": {"mip_heuristic_effort": 0.2},
    "heuristics-0.5": {"mip_heuristic_effort": 0.5},
    "presolve-off": {"presolve": "off"},
    "root-ipm": {"mip_lp_solver": "ipm"},
    "threads-1": {"threads": 1},
    "objective-scaled": {"user_objective_scale": -12},
    "symmetry-off": {"mip_detect_symmetry": False},
    "rens-off": {"mip_heuristic_run_rens": False},
    "scaled-rens-off": {"user_objective_scale": -12, "mip_heuristic_run_rens": False},
}
"""HiGHS options of each variant, over HiGHS's defaults ("exact-cdus": see the docstring)."""

SUB_MIPS_OFF = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
}
"""HiGHS's root sub-MIP heuristics (RINS, RENS, root reduced cost), off."""

DIAGNOSTICS: dict[str, tuple[str, dict]] = {
    "liquid-continuous": ("relax cdu_liquid", {}),
    "warm-opt": ("start at optimum", {}),
    "warm-opt-submips-off": ("start at optimum", SUB_MIPS_OFF),
    "warm-opt-integers-submips-off": ("start at optimum's integers", SUB_MIPS_OFF),
    "fix-halls-opt": ("fix halls", {}),
    "fix-upgrade-hosts-opt": ("fix upgrade hosts", {}),
}
"""Diagnostic variants of today's model: (what is done to the problem, HiGHS options). "relax X"
makes family X continuous (a relaxation); "start at optimum" hands HiGHS the plan of an earlier,
untimed default solve of the same problem as a MIP start (the best a warm start could do; its
"integers" only the integer columns, HiGHS completing the rest); "fix X" fixes those families
at that plan (which integers make the search hard). None is a model to plan with."""
VARIANTS.update({name: options for name, (_, options) in DIAGNOSTICS.items()})
_OPTIMUM: dict[str, np.ndarray] = {}


def _diagnostic(model, name: str, gap: float) -> tuple:
    """(problem, MIP start or None) of a diagnostic variant (DIAGNOSTICS)."""
    from solvers import SolveOptions, get_solver

    what, _ = DIAGNOSTICS[name]
    problem = model.problem
    families = {
        "cdu_liquid": model.cooling.liquid,
        "halls": model.halls.modules,
        "upgrade": model.power.upgrade,
        "hosts": model.halls.hosts,
    }
    if what.startswith("relax"):
        integer = problem.integer.copy()
        integer[families[what.split()[1]].columns()] = False
        return dataclasses.replace(problem, integer=integer), None
    if problem.name not in _OPTIMUM:  # untimed: the plan a warm start would bring
        found = get_solver("highs").solve(problem, SolveOptions(rel_gap=gap)).x
        if found is None:
            raise RuntimeError(f"{problem.name}: no plan to start from")
        _OPTIMUM[problem.name] = found
    x = _OPTIMUM[problem.name]
    if what == "start at optimum":
        return problem, x
    if what == "start at optimum's integers":
        return problem, np.where(problem.integer, np.rint(x), np.nan)
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    for family in what.split()[1:]:
        cols = families[family].columns()
        lower[cols] = upper[cols] = np.rint(x[cols])
    return problem.with_bounds(lower, upper), None


ROW = re.compile(
    r"^\s*(?P<src>[A-Za-z]?)\s+(?P<proc>\d+)\s+\d+\s+\d+\s+[\d.]+%\s+(?P<bound>[-+\d.e]+|-?inf)\s+"
    r"(?P<sol>[-+\d.e]+|-?inf)\s+(?P<gap>[\d.]+%|inf|Large)\s+\d+\s+\d+\s+\d+\s+(?P<iters>\d+)\s+(?P<time>[\d.]+)s"
)


def parse_log(text: str) -> dict:
    """Root LP (bound, seconds), root node end (bound, seconds), seconds in sub-MIP heuristics,
    nodes and LP iterations from a HiGHS MIP log."""
    rows = [m.groupdict() for m in map(ROW.match, text.splitlines()) if m]
    root = [r for r in rows if r["proc"] == "0"]
    lp = next((r for r in root if int(r["iters"]) > 0), None)
    out: dict = {"presolve_s": float(root[0]["time"]) if root else None}
    out["root_lp_bound"] = float(lp["bound"]) if lp else None
    out["root_lp_s"] = float(lp["time"]) if lp else None
    out["root_bound"] = float(root[-1]["bound"]) if root else None
    out["root_end_s"] = float(root[-1]["time"]) if root else None
    nodes = re.search(r"^\s*Nodes\s+(\d+)", text, re.M)
    iters = re.search(r"^\s*LP iterations\s+(\d+)", text, re.M)
    sub_mips = re.findall(r"subMIP time \[calls\] = ([\d.]+) \[(\d+)\]", text)
    out["sub_mip_s"] = sum(float(t) for t, _ in sub_mips) if sub_mips else None
    out["nodes"] = int(nodes.group(1)) if nodes else None
    out["lp_iterations"] = int(iters.group(1)) if iters else None
    return out


def solve_variant(portfolio: Path, variant: str, gap: float) -> dict:
    """One solve of the portfolio's planning MILP under `variant`, with its log's profile."""
    from planner import load_portfolio
    from planner.inputs import prepare
    from planner.model import build_model
    from planner.solve.whole_cdus import exact_problem
    from solvers import SolveOptions, get_solver

    model = build_model(prepare(load_portfolio(portfolio)), "plan")
    problem, start = exact_problem(model) if variant == "exact-cdus" else model.problem, None
    if variant in DIAGNOSTICS:
        problem, start = _diagnostic(model, variant, gap)
    options = dict(VARIANTS[variant])
    threads = options.pop("threads", None)
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "highs.log"
        cpu, wall = time.process_time(), time.perf_counter()
        result = get_solver("highs").solve(
            problem,
            SolveOptions(rel_gap=gap, threads=threads, log_path=str(log), highs_options=options, warm_start=start),
        )
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        profile = parse_log(log.read_text())
    return {
        "variant": variant,
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.bound,
        "wall_s": wall,
        "cpu_s": cpu,
        "integers": int(problem.integer.sum()),
        **profile,
    }


def _median(runs: list[dict], key: str):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def _f(x, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def _variant_in(tree: Path, portfolio: Path, variant: str, gap: float) -> dict:
    """solve_variant in a fresh process on the planner of `tree`."""
    env = {**os.environ, "DCPLAN_TREE": str(tree), "PYTHONPATH": str(tree)}
    command = [sys.executable, __file__, "_variant", str(portfolio), "--variants", variant, "--gap", str(gap)]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def settings_table(
    portfolio: Path, variants: list[str], repeat: int, gap: float, trees: dict[str, Path] | None = None
) -> list[str]:
    """Markdown rows: each variant's (of each tree's planner, when given) median over `repeat`
    round-robin solves."""
    cases = [(None, v) for v in variants] if not trees else [(t, v) for v in variants for t in trees]
    runs: dict[str, list[dict]] = {v if t is None else f"{t}: {v}": [] for t, v in cases}
    for _ in range(repeat):
        for (t, v), key in zip(cases, runs):
            row = solve_variant(portfolio, v, gap) if t is None else _variant_in(trees[t], portfolio, v, gap)  # type: ignore[index]
            print(json.dumps(row), flush=True)
            runs[key].append(row)
    lines = [
        "| variant | integers | wall s (each run) | CPU s | presolve s | root LP s | root LP bound M USD | root end s "
        "| root bound M USD | sub-MIP s | nodes | LP iterations | status | NPV M USD (MILP) | bound M USD |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for v, rs in runs.items():
        last = rs[-1]
        walls = " / ".join(f"{r['wall_s']:.1f}" for r in rs)
        musd = {k: None if _median(rs, k) is None else _median(rs, k) / 1e6 for k in ("root_lp_bound", "root_bound")}
        lines.append(
            f"| {v} | {last['integers']:,} | {walls} | {_f(_median(rs, 'cpu_s'), '.1f')} "
            f"| {_f(_median(rs, 'presolve_s'), '.1f')} | {_f(_median(rs, 'root_lp_s'), '.1f')} "
            f"| {_f(musd['root_lp_bound'], ',.1f')} | {_f(_median(rs, 'root_end_s'), '.1f')} "
            f"| {_f(musd['root_bound'], ',.1f')} | {_f(_median(rs, 'sub_mip_s'), '.1f')} "
            f"| {_f(_median(rs, 'nodes'), ',.0f')} "
            f"| {_f(_median(rs, 'lp_iterations'), ',.0f')} | {last['status']} "
            f"| {_f(None if last['objective'] is None else last['objective'] / 1e6, ',.1f')} "
            f"| {_f(None if last['bound'] is None else last['bound'] / 1e6, ',.1f')} |"
        )
    return lines


class PhaseClock:
    """A plan() progress listener that adds up the wall seconds of each phase in `phases`, from
    its creation (phase `first`) until the event of phase "end"."""

    def __init__(self, first: str = "load") -> None:
        self.phases: dict[str, float] = {}
        self.current, self.since = first, time.perf_counter()

    def __call__(self, event: dict) -> None:
        """Close the current phase when an event names another (MIP search events are ignored)."""
        if "elapsed_s" in event or event.get("phase") == self.current:
            return
        now = time.perf_counter()
        self.phases[self.current] = self.phases.get(self.current, 0.0) + now - self.since
        self.current, self.since = event["phase"], now


def plan_row(portfolio: Path) -> dict:
    """plan() on one portfolio: load, plan (every phase), with the seconds of each."""
    from planner import load_portfolio, plan

    start = time.perf_counter()
    clock = PhaseClock()
    loaded = load_portfolio(portfolio)
    clock({"phase": "prepare"})
    result = plan(loaded, progress=clock)
    clock({"phase": "end"})
    phases = clock.phases
    return {
        "portfolio": portfolio.stem,
        "sites": len(result.inputs.site.ids),
        "total_s": time.perf_counter() - start,
        "solve_s": result.solve["solve_seconds"],
        "phases": phases,
        "status": result.status,
        "npv": result.solve["objective"],
        "bound": result.solve["bound"],
        "gap": result.gap,
        "violations": len(result.violations),
    }


def _row_in(tree: Path, portfolio: Path) -> dict:
    """plan_row in a fresh process on the planner of `tree` (imports counted out, as in a sweep)."""
    env = {**os.environ, "DCPLAN_TREE": str(tree), "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, __file__, "_row", str(portfolio)], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def plans_table(portfolios: list[Path], trees: dict[str, Path]) -> list[str]:
    """Markdown rows of plan() end to end on each portfolio, for each source tree in turn."""
    lines = [
        "| portfolio | code | sites | plan() s | load s | first solve s | whole-CDU steps s | BAU s | status "
        "| NPV M USD | bound M USD | gap | violations |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in portfolios:
        for name, tree in trees.items():
            r = _row_in(tree, p)
            print(json.dumps(r), flush=True)
            ph = r["phases"]
            whole = sum(ph.get(k, 0) for k in ("whole CDUs", "exact CDUs"))
            lines.append(
                f"| {r['portfolio']} | {name} | {r['sites']} | {r['total_s']:.1f} | {ph.get('load', 0):.2f} "
                f"| {r['solve_s']:.1f} | {whole:.2f} | {ph.get('business as usual', 0):.2f} | {r['status']} "
                f"| {r['npv'] / 1e6:,.1f} | {_f(None if r['bound'] is None else r['bound'] / 1e6, ',.1f')} "
                f"| {_f(r['gap'], '.3%')} | {r['violations']} |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run one table and append it to --out (the command line is recorded with it)."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("table", choices=("settings", "plans", "_row", "_variant"))
    ap.add_argument("portfolio_path", nargs="?", type=Path, help="(_row) the portfolio of one plans row")
    ap.add_argument("--portfolio", type=Path, default=ROOT / "sites" / "us-miners.yaml")
    ap.add_argument("--portfolios", type=Path, nargs="+", default=sorted((ROOT / "sites").glob("*.yaml")))
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--gap", type=float, default=1e-3)
    ap.add_argument("--out", type=Path, default=Path(__file__).with_name("RESULTS.md"))
    ap.add_argument("--trees", nargs="+", default=[f"branch={ROOT}"], help="NAME=PATH source trees to compare")
    args = ap.parse_args(argv)
    from benchmarks.run import _versions

    if args.table == "_row":
        print(json.dumps(plan_row(args.portfolio_path)))
        return 0
    if args.table == "_variant":
        print(json.dumps(solve_variant(args.portfolio_path, args.variants[0], args.gap)))
        return 0
    trees = {k: Path(v) for k, v in (t.split("=", 1) for t in args.trees)}
    if args.table == "settings":
        several = None if args.trees == ap.get_default("trees") else trees
        body = settings_table(args.portfolio, args.variants, args.repeat, args.gap, several)
        title = f"{args.portfolio.stem}: first MILP by variant, {args.repeat} round-robin runs, gap {args.gap:g}"
    else:
        body = plans_table(args.portfolios, trees)
        title = "plan() end to end by portfolio"
    command = "python benchmarks/speed.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [f"\n## {_versions()} | {title}\n", f"`{command}`\n", *body]
    with args.out.open("a") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
