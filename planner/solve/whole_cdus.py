"""The whole-CDU step: CDUs made whole after the planning MILP, exactly.

The planning MILP carries CDUs as continuous units and each N+1 type's spare as a continuous
share, with one binary per site for "cools by liquid" (planner.model.cooling): a relaxation of
the exact model, so its bound bounds the exact optimum. After it, the exact model (the same
rows, CDUs integer and the spares binary) is solved with every other decision held at the
first solve's values: a MILP of the CDUs alone, whose optimum is the cheapest whole CDUs, by
type, with one spare per N+1 type in use, for the plan's IT. It is solved first in the cooling
columns alone (the rows they touch, every other column held: a MILP of a few hundred columns);
where holding everything leaves no whole plan (a tight floor or budget), the step holds the
decisions only (mining, halls, racks, upgrades, tenants, market leases: energy and the other
continuous columns follow), then only the first-stage decisions (halls, upgrades, conversions,
tenant choices). The first solve's bound stays the plan's
bound; the plan's gap is measured on the plan written (planner.solve.planning).
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from planner.model import Model
from planner.solve.run import PlanOptions, solve_problem
from solvers import SolveResult, SolveStatus
from solvers.problem import MatrixProblem

logger = logging.getLogger(__name__)

WHOLE_TOL = 1e-6
"""CDU counts within this of a whole number are whole (the solver's integrality noise)."""
STEP_GAP = 1e-7
"""Relative gap of the step's MILP: about 2,000 USD on the bundled portfolio, against 0.6-1.1 M USD
a CDU (the step is small; it is solved to optimality for the decisions it holds)."""


def first_stage_columns(model: Model) -> np.ndarray:
    """Columns of the halls, upgrades, site conversions and tenant choices."""
    parts = (model.halls.modules, model.power.upgrade, model.halls.hosts, model.leases.start, model.leases.uses)
    return np.concatenate([v.columns() for v in parts])


def decision_columns(model: Model) -> np.ndarray:
    """Columns of every decision but cooling: mining, halls, conversions, racks, upgrades, tenants
    and market leases (what the step holds first)."""
    lv, mk = model.leases, model.markets
    parts = (
        model.mining.mw,
        model.halls.modules,
        model.halls.hosts,
        model.cloud.bought,
        model.cloud.mw,
        model.cloud.in_use,
        model.power.upgrade,
        lv.start,
        lv.uses,
        lv.lease,
        lv.renewal,
        mk.new,
        mk.mw,
        mk.rent,
    )
    return np.concatenate([v.columns() for v in parts])


def exact_problem(model: Model) -> MatrixProblem:
    """The model's problem with its cooling integers whole (planner.model.cooling.INTEGER_COOLING)."""
    return model.problem.with_integer(model.cooling.integer_columns())


def cdus_whole(model: Model, x: np.ndarray) -> bool:
    """Whether the cooling columns of x are whole already."""
    values = x[model.cooling.integer_columns()]
    return bool(np.all(np.abs(values - np.rint(values)) <= WHOLE_TOL))


def whole_cdu_step(model: Model, x: np.ndarray, opts: PlanOptions, deadline: float | None) -> np.ndarray:
    """Column values of `model` with whole CDUs and spares, the rest as in x where possible
    (module docstring); x itself when its CDUs are whole, x with CDUs rounded up when no step
    finds a plan (the validator then says what it breaks)."""
    if cdus_whole(model, x):
        return x
    problem = exact_problem(model)
    integer = problem.integer
    held = np.where(integer, np.rint(x), x)
    step_opts = PlanOptions(opts.solver, STEP_GAP, opts.threads, opts.msg, False, opts.highs_options)
    free = np.concatenate([model.cooling.integer_columns(), model.cooling.liquid.columns()])
    alone = solve_problem(problem.restricted(free, held), step_opts, deadline, label="whole-CDU step (all else held)")
    if alone.has_solution and alone.x is not None:
        out = held.copy()
        out[free] = alone.x
        return out
    for name, cols in (("decisions", decision_columns(model)), ("first stage", first_stage_columns(model))):
        lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
        lower[cols] = upper[cols] = np.clip(held[cols], problem.col_lower[cols], problem.col_upper[cols])
        result = solve_problem(
            problem.with_bounds(lower, upper), step_opts, deadline, label=f"whole-CDU step ({name} held)"
        )
        if result.has_solution and result.x is not None:
            return result.x
    logger.warning("whole-CDU step found no plan: CDUs rounded up")
    cool = model.cooling.integer_columns()
    out = x.copy()
    out[cool] = np.ceil(x[cool] - WHOLE_TOL)
    return out


def misses_gap(model: Model, x: np.ndarray, bound: float | None, rel_gap: float) -> bool:
    """Whether the plan x is further from `bound` than the gap asked for (as planning.py measures it)."""
    if bound is None:
        return False
    objective = model.problem.objective_at(x)
    return bound - objective > max(1.0, rel_gap * abs(objective)) * (1 + 1e-6)


def close_gap(
    model: Model, first: SolveResult, x: np.ndarray, opts: PlanOptions, deadline: float | None
) -> SolveResult:
    """The exact model (CDUs whole inside the MILP) solved from the whole-CDU plan x, when that plan
    misses the gap of the relaxation's bound (small portfolios, where a CDU is a large share of
    the NPV): its plan where better, and the lower of the two bounds (both bound the exact
    model). `first`'s objective and bound, with x, where it finds nothing."""
    result = solve_problem(exact_problem(model), opts, deadline, x, "exact CDUs")
    objective = model.problem.objective_at(x)
    better = result.has_solution and result.x is not None and (result.objective or -np.inf) > objective
    bounds = [b for b in (first.bound, result.bound) if b is not None and np.isfinite(b)]
    return dataclasses.replace(
        result if better else first,
        x=result.x if better else x,
        objective=result.objective if better else objective,
        bound=min(bounds) if bounds else None,
        solve_seconds=first.solve_seconds + result.solve_seconds,
        status=result.status if better or result.status is SolveStatus.OPTIMAL else first.status,
    )
