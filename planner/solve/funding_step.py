"""Funding step: the best funding of a plan already chosen.

Under ``objective: enterprise_npv`` the funding only has to be feasible, so a solve leaves draws,
equity and distributions wherever the search put them. This step fixes every column but the
funding model's (planner.model.funding: the plan's cash is then fixed) at the solution x and
solves the LP that maximises the equity NPV at the cost of equity over the funding columns (the
rows holding a funding column, the fixed columns' terms moved into their bounds: fixing them by
bounds in the whole model left HiGHS with USD-sized rows it could not meet to its tolerance):
cheaper debt before dearer equity, distributions as soon as the cash allows. The plan and its
NPV do not change; the funding reported is the equity's best for it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from planner.model import Model
from planner.solve.run import PlanOptions, solve_problem
from solvers.problem import MatrixProblem, csr

logger = logging.getLogger(__name__)


def best_funding(model: Model, x: np.ndarray, opts: PlanOptions, deadline: float | None) -> np.ndarray:
    """x with its funding columns replaced by the equity's best funding of the same plan (x unchanged
    without financing, under ``objective: equity_npv``, or when the LP finds nothing)."""
    funding = model.funding
    if funding is None or funding.objective == "equity_npv" or not len(funding.columns):
        return x
    lp, rows = _reduced(model.problem, funding.columns, x)
    cost, offset = model.builder.cost_vector(funding.equity_npv)
    fixed = ~_mask(len(x), funding.columns)
    lp = replace(lp, cost=cost[funding.columns], offset=offset + float(cost[fixed] @ x[fixed]))
    result = solve_problem(
        lp, PlanOptions(opts.solver, opts.rel_gap, opts.threads, opts.msg), deadline, label="funding"
    )
    if not result.has_solution or result.x is None:
        logger.warning("funding step found no funding (%s, %d rows): keeping the solve's", result.message, rows)
        return x
    out = x.copy()
    out[funding.columns] = result.x
    return out


def _mask(n: int, columns: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[columns] = True
    return out


def _reduced(problem: MatrixProblem, columns: np.ndarray, x: np.ndarray) -> tuple[MatrixProblem, int]:
    """The LP over `columns` alone: the rows that hold one of them, the other columns fixed at x and
    their terms moved into the row bounds, each row divided by its largest coefficient; (that LP, its
    number of rows)."""
    free = _mask(problem.num_cols, columns)
    row_of = np.repeat(np.arange(problem.num_rows), np.diff(problem.starts))
    mine = free[problem.index]
    fixed_part = np.bincount(
        row_of[~mine], weights=problem.value[~mine] * x[problem.index[~mine]], minlength=problem.num_rows
    )
    keep = np.flatnonzero(np.bincount(row_of[mine], minlength=problem.num_rows) > 0)
    new_row = np.full(problem.num_rows, -1)
    new_row[keep] = np.arange(len(keep))
    new_col = np.full(problem.num_cols, -1)
    new_col[columns] = np.arange(len(columns))
    rows, values = new_row[row_of[mine]], problem.value[mine]
    scale = np.zeros(len(keep))
    np.maximum.at(scale, rows, np.abs(values))  # rows in USD over columns in M USD: rescaled to ~1
    starts, index, value = csr(rows, new_col[problem.index[mine]], values / scale[rows], len(keep))
    lp = MatrixProblem(
        name=f"{problem.name}-funding",
        maximize=True,
        cost=np.zeros(len(columns)),
        col_lower=problem.col_lower[columns],
        col_upper=problem.col_upper[columns],
        integer=np.zeros(len(columns), dtype=bool),
        row_lower=(problem.row_lower[keep] - fixed_part[keep]) / scale,
        row_upper=(problem.row_upper[keep] - fixed_part[keep]) / scale,
        starts=starts,
        index=index,
        value=value,
    )
    return lp, len(keep)
