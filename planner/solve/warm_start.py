"""A MIP solve from a warm start (the plan of a previous run): a quick proof first, else a cold solve.

With no plan to start from, HiGHS spends about half of the bundled 15-site solve in its root
sub-MIP heuristics (RENS, RINS, root reduced cost) to find one; handed a plan within the gap,
those same heuristics still run, trying to improve it, and make the solve slower than a cold
one (benchmarks/speed.py, variants warm-opt and warm-opt-submips-off). So a warm-started HiGHS
solve is first tried with them off and the search held to the root node (QUICK_OPTIONS): where
the start is within half the gap (QUICK_GAP_SHARE) of the bound that the root's cuts reach,
that proves it "optimal" in a few seconds. Otherwise (the start is far from optimal:
the portfolio changed since its plan; or the root's bound needs branching) the MILP is solved
again cold, with the caller's options and no start: HiGHS handed a start stops as soon as the
gap is met, leaving none for the whole-CDU step (planner.solve.whole_cdus), and its sub-MIPs
from the start are slow (benchmarks/replan.py: cipher re-planned from its own plan took 7.9 s
against 2.3 s cold). So a start that cannot be proven at the root costs that root, never the
plan or the status.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from planner.solve.run import PlanOptions, solve_problem
from solvers import SolveResult, SolveStatus
from solvers.problem import MatrixProblem

logger = logging.getLogger(__name__)

QUICK_OPTIONS = {
    "mip_heuristic_run_rins": False,
    "mip_heuristic_run_rens": False,
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_max_nodes": 1,
}
"""HiGHS options of the quick try: no root sub-MIP heuristics, the root node alone."""
QUICK_GAP_SHARE = 0.5
"""The quick try asks for this share of the gap: the rest is left for the whole-CDU and
whole-rack steps after the solve, which the status "optimal" must absorb (the root's cuts stop
as soon as the gap asked for is reached; the whole-CDU step cost 0.01% of the NPV on the
bundled portfolios, up to 0.09% on the one-site hive)."""


def solve_from_start(
    problem: MatrixProblem, opts: PlanOptions, deadline: float | None, start: np.ndarray, label: str = ""
) -> SolveResult:
    """`problem` solved from the MIP start `start` (module docstring): the quick try's result where
    it is optimal, else the cold solve's (the quick try's plan where the cold one finds none in
    the time left), its seconds including the try's."""
    if opts.solver != "highs":
        return solve_problem(problem, opts, deadline, start, label)
    quick_opts = dataclasses.replace(
        opts, rel_gap=opts.rel_gap * QUICK_GAP_SHARE, highs_options={**opts.highs_options, **QUICK_OPTIONS}
    )
    t0 = time.perf_counter()
    quick = solve_problem(problem, quick_opts, deadline, start, f"{label} (quick, from the warm start)")
    if quick.status is SolveStatus.OPTIMAL:
        return quick
    logger.info("%s: the warm start is not proven within the gap at the root node; solving cold", label)
    full = solve_problem(problem, opts, deadline, None, label)
    if not full.has_solution and quick.has_solution:
        full = dataclasses.replace(quick, status=SolveStatus.FEASIBLE)
    return dataclasses.replace(full, solve_seconds=time.perf_counter() - t0)
