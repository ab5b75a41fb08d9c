"""Funding step: the best funding of a plan already chosen.

Under ``objective: enterprise_npv`` the funding only has to be feasible, so a solve leaves draws,
equity and distributions wherever the search put them. This step fixes every column but the
funding model's (planner.model.funding: the plan's cash is then fixed) at the solution x and
solves the LP that maximises the equity NPV at the cost of equity over the funding columns:
cheaper debt before dearer equity, distributions as soon as the cash allows. The plan and its
NPV do not change; the funding reported is the equity's best for it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from planner.model import Model
from planner.solve.run import PlanOptions, solve_problem

logger = logging.getLogger(__name__)


def best_funding(model: Model, x: np.ndarray, opts: PlanOptions, deadline: float | None) -> np.ndarray:
    """x with its funding columns replaced by the equity's best funding of the same plan (x unchanged
    without financing, under ``objective: equity_npv``, or when the LP finds nothing)."""
    funding = model.funding
    if funding is None or funding.objective == "equity_npv" or not len(funding.columns):
        return x
    problem = model.problem
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    fixed = np.ones(problem.num_cols, dtype=bool)
    fixed[funding.columns] = False
    lower[fixed] = upper[fixed] = x[fixed]
    cost, offset = model.builder.cost_vector(funding.equity_npv)
    lp = replace(problem.with_bounds(lower, upper), cost=cost, offset=offset, integer=np.zeros_like(problem.integer))
    result = solve_problem(
        lp, PlanOptions(opts.solver, opts.rel_gap, opts.threads, opts.msg), deadline, label="funding"
    )
    if not result.has_solution or result.x is None:
        logger.warning("funding step found no funding (%s): keeping the solve's", result.message)
        return x
    out = x.copy()
    out[funding.columns] = result.x[funding.columns]
    return out
