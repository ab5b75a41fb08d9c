"""Running a solver on a model: options, deadlines, and the error a user sees when no plan exists."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.model import Model
from planner.results.decisions import Decisions
from solvers import SolveOptions, SolveResult, SolveStatus, get_solver
from solvers.problem import MatrixProblem

logger = logging.getLogger(__name__)


class PlanningError(RuntimeError):
    """No plan: infeasible (exit 3) or no solution within the limits (exit 4)."""

    def __init__(self, status: SolveStatus, message: str, result: SolveResult | None = None) -> None:
        self.status = status
        self.result = result
        super().__init__(message)


@dataclass(frozen=True)
class PlanOptions:
    """How to solve: solver, relative gap, threads, solver log, BAU comparison, HiGHS options."""

    solver: str = "highs"
    rel_gap: float = 1e-3
    threads: int | None = None
    msg: bool = False
    bau: bool = True
    highs_options: dict[str, Any] = field(default_factory=dict)
    progress: Any = None  # callable(event dict) during HiGHS MIP searches


def remaining(deadline: float | None) -> float | None:
    """Seconds left before `deadline` (perf_counter time), at least 1."""
    return None if deadline is None else max(1.0, deadline - time.perf_counter())


def solve_problem(
    problem: MatrixProblem,
    opts: PlanOptions,
    deadline: float | None,
    start: np.ndarray | None = None,
    label: str = "",
    lp_method: str | None = None,
) -> SolveResult:
    """One solve of `problem` within the deadline."""
    options = SolveOptions(
        time_limit_s=remaining(deadline),
        rel_gap=opts.rel_gap,
        threads=opts.threads,
        msg=opts.msg,
        warm_start=start,
        highs_options=opts.highs_options or None,
        progress=opts.progress,
        lp_method=lp_method,
    )
    result = get_solver(opts.solver).solve(problem, options)
    logger.info(
        "%s %s: status %s, objective %s, bound %s, gap %s, %.2f s",
        opts.solver,
        label,
        result.status.value,
        result.objective,
        result.bound,
        result.gap,
        result.solve_seconds,
    )
    return result


def start_vector(model: Model, d: Decisions) -> np.ndarray:
    """A MIP start (one value per column, NaN where not given) from the decisions of a plan."""
    x = np.full(model.problem.num_cols, np.nan)
    ins = model.inputs
    paths = ins.paths
    chosen = np.zeros(model.leases.start.shape)
    total = d.leased_mw(ins)
    base, renewal = np.zeros(total.shape), np.zeros(total.shape)
    for k in range(ins.tenant.K):
        path = d.path(ins, k)
        if path is None:
            continue
        j, r = path
        chosen[k, j, r] = 1.0
        b, n = paths.base_mw[k, j, r], paths.renewal_mw[k, j, r]
        share = np.divide(n, b + n, out=np.zeros_like(n), where=(b + n) > 0)
        base[k], renewal[k] = total[k] * (1 - share), total[k] * share
    pairs = (
        (model.mining.mw, d.mining_mw),
        (model.halls.modules, d.halls),
        (model.cloud.bought, d.gpu_racks),
        (model.cloud.mw, d.cloud_mw(ins)),
        (model.cloud.in_use, d.cloud_used_mw(ins) / ins.rack.mw[None, :, None]),
        (model.cooling.cdus, d.cdus),
        (model.power.upgrade, d.upgrades),
        (model.leases.start, chosen),
        (model.leases.lease, base),
        (model.leases.renewal, renewal),
        (model.markets.new, d.market_signed(ins)),
        (model.markets.mw, d.market_mw(ins)),
        (model.markets.rent, d.market_mw(ins, paying=True)),
    )
    for var, values in pairs:
        exists = var.exists
        x[var.index[exists]] = np.asarray(values, dtype=float)[exists]
    return x


def no_plan(result: SolveResult, portfolio: str) -> PlanningError:
    """The error of a solve without a solution, in the user's terms."""
    if result.status is SolveStatus.NO_SOLUTION:
        return PlanningError(result.status, f"no plan found within the time limit ({result.message})", result)
    if result.status is SolveStatus.INFEASIBLE:
        return PlanningError(result.status, f"portfolio {portfolio} has no feasible plan", result)
    return PlanningError(result.status, f"solver {result.solver} failed: {result.message}", result)
