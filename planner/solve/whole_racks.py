"""The whole-rack step: self-operated rack purchases made whole after the first solve.

Inside the first MILP, IT is carried as MW (a rack is 0.04-0.14 MW against 20 MW halls) and
self-operated purchases are continuous. They are rounded down to whole racks (fewer racks
only free power, cooling and floor, so the plan keeps every limit), then re-optimised as
integers: everything free in small models, only the purchases in large ones (the first
solve's halls, upgrades, site conversions and tenant choices fixed). The better of the step's
plan and the rounded-down one is kept. The first solve's bound, of the continuous relaxation
of the purchases, stays the plan's bound: HiGHS 1.16 returned a wrong 'optimal' on such an
integer-purchase model (tests/test_properties.py::test_regression_highs_presolve_wrong_optimum).
"""

from __future__ import annotations

import logging

import numpy as np

from planner.model import Model, build_model
from planner.results.cashflows import npv
from planner.results.decisions import Decisions, extract, whole_racks
from planner.results.validator import validate
from planner.solve.funding_step import best_funding
from planner.solve.run import PlanOptions, solve_problem, start_vector
from planner.solve.whole_cdus import exact_problem, first_stage_columns

logger = logging.getLogger(__name__)

INTEGER_RACK_LIMIT = 1000
"""Up to this many rack-purchase variables, the step re-optimises everything with integer
purchases; above it, only the purchases (measured: integer purchases took the bundled
2,400-variable portfolio past 150 s without closing a 3% gap)."""


def whole_rack_step(
    model: Model, x: np.ndarray, floored: Decisions, opts: PlanOptions, deadline: float | None
) -> Decisions:
    """Integer re-solve of the purchases from the first solve's values x (module docstring)."""
    ins = model.inputs
    step = build_model(ins, "plan", integer_racks=True)
    problem = exact_problem(step)
    if len(model.cloud.bought.columns()) + len(model.cloud.in_use.columns()) > 2 * INTEGER_RACK_LIMIT:
        fixed = first_stage_columns(step)
        lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
        lower[fixed] = upper[fixed] = np.rint(x[fixed])
        problem = problem.with_bounds(lower, upper)
    result = solve_problem(problem, opts, deadline, start_vector(step, floored), "whole-rack step")
    if not result.has_solution or result.x is None:
        logger.warning("whole-rack step found no plan (%s): keeping purchases rounded down", result.message)
        return floored
    decisions = whole_racks(extract(step, best_funding(step, result.x, opts, deadline)), ins)
    if step.funding is not None:
        return decisions  # its funding matches its purchases (the relaxed solve's does not match floored ones)
    if validate(ins, floored) and not validate(ins, decisions):
        return decisions  # rounding down broke a limit (e.g. a concentration cap on less cloud revenue)
    better = npv(ins, decisions) > npv(ins, floored)
    return decisions if better else floored
