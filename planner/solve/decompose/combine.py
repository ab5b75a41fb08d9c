"""The sites' plans combined into a plan of the whole model.

With an LP guide, the whole model is solved again as an LP (interior point) with every integer
decision fixed at the sites' values, which re-optimises the tenants' split over their chosen
sites and every continuous decision; without one (too large), the sites' plans are the plan,
completed with zero leases where a tenant has no piece. Each site's plan keeps its own limits,
serves its pieces (sum_j piece_kj = D_k) and its cloud within a_st (sum_s a_st <= the cap), so
together they keep the whole model's (the validator re-checks the plan).
"""

from __future__ import annotations

import numpy as np

from planner.model import Model
from solvers import SolveOptions, SolveResult


class DecompositionError(RuntimeError):
    """The decomposition found no plan (a site could not serve its tenant pieces)."""


def fixed_integer_lp(model: Model, run, x: dict[int, float], options: SolveOptions) -> SolveResult:
    """The LP of the model with its integer variables held at their values in `x`."""
    p = model.problem
    lower, upper = p.col_lower.copy(), p.col_upper.copy()
    cols = np.array([j for j in x if p.integer[j]], dtype=int)
    values = np.array([x[j] for j in cols], dtype=float)
    lower[cols] = upper[cols] = values
    return run.solve(p.with_bounds(lower, upper).relaxed(), options)


def assembled(model: Model, x: dict[int, float]) -> tuple[float, np.ndarray]:
    """The sites' plans `x` completed with zero leases (module docstring): (objective, values)."""
    p = model.problem
    values = np.full(p.num_cols, np.nan)
    cols = np.fromiter(x.keys(), dtype=int, count=len(x))
    values[cols] = np.fromiter(x.values(), dtype=float, count=len(x))
    lease = model.leases.lease.columns()
    missing = np.flatnonzero(np.isnan(values))
    unset = np.setdiff1d(missing, lease)
    if len(unset):
        names = model.problem.col_names()
        raise DecompositionError(
            f"the sites' plans leave {len(unset)} variables unset (e.g. {[names[j] for j in unset[:3]]})"
        )
    values[missing] = 0.0
    return p.objective_at(values), values
