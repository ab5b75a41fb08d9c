"""Site decomposition: plans for portfolios too large to solve as one MILP.

Sites are coupled only through tenant offers (a tenant's MW spread over its eligible sites),
the GPU-cloud market cap, the capex budget and the concentration cap. Without a budget or a
concentration cap, given each tenant's sites and start and each site's share of the cloud
market, the MILP separates into one small MILP per site (a resource-directive decomposition;
pricing the market with the LP duals instead lost a third of the NPV on the bundled portfolio:
the duals are degenerate and every site answered all or nothing):

1. LP relaxation of the whole model (interior point), a bound B >= the optimal NPV, each site's
   cloud MW and fractional tenant decisions (planner.solve.decompose.guide). Above
   LP_MAX_VARIABLES it is not tried, and past LP_SHARE of the time limit it is abandoned: the
   plan then has no bound and the sites follow merit order.
2. Tenant rounding onto sites (planner.solve.decompose.pieces).
3. One MILP per site, tenants re-offered (planner.solve.decompose.queue).
4. The sites' plans combined (planner.solve.decompose.combine).
5. Without the LP of step 1 (none tried, or unfinished): the Lagrangian bound
   (planner.solve.decompose.bounding): the rows between sites relaxed, one MILP per site and one
   for the tenants' starts per evaluation, multipliers from zero by subgradient towards step 4's
   NPV, in the time left. Valid whatever the stop (planner.solve.decompose.lagrange). With the
   LP it is not run: measured on the 100-site rung (benchmarks/RESULTS.md, 2026-12-02), one
   evaluation takes 70-127 s and started from the LP duals gains under 0.5% on the LP bound,
   while the warm-started whole MILP of step 6 bounds the NPV ~29% tighter in that time.
6. With the LP of step 1, a time limit and at least IMPROVE_MIN_S seconds of it left: the whole
   MILP, started from step 4's plan, until the limit; the better plan is kept. Where step 1
   did not try the LP (too large) and time is left, the LP relaxation, for the bound alone.
The reported bound is the least of those found (B, step 5's, step 6's; the message names it),
the gap (bound - NPV) / |NPV|, and the status "optimal" only when it is within the requested gap.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np

from planner.inputs import Inputs
from planner.model import Model
from planner.solve.decompose.bounding import Parallel, describe, lagrange_step
from planner.solve.decompose.combine import DecompositionError, assembled, fixed_integer_lp
from planner.solve.decompose.guide import consolidate, it_capacity, merit_order, relaxation, site_rank
from planner.solve.decompose.lagrange import Bound
from planner.solve.decompose.pieces import Piece, round_tenants
from planner.solve.decompose.queue import SiteQueue
from planner.solve.decompose.sites import site_inputs, tenant_values
from solvers import SolveOptions, SolveResult, SolveStatus, get_solver
from solvers.base import make_result

logger = logging.getLogger(__name__)

DECOMPOSE_SITES = 60
"""`method="auto"` decomposes portfolios of more sites than this (estimate from the ladder: the
bundled 15 sites solve whole in under a minute; 100 sites stay 3.8% from the bound after 300 s
as one MILP)."""
DASK_MIN_SITES = 100
"""Sites from which step 5 solves its blocks on an embedded Dask cluster by default (estimate: a
LocalCluster takes seconds to start; below 100 sites the blocks take less serially)."""
LP_SHARE = 0.5
"""Share of the time limit the LP relaxation of step 1 may take (estimate)."""
LP_MAX_VARIABLES = 400_000
"""Largest model whose LP relaxation step 1 tries (2 cores: the 300-site rung's 237k variables
take 100-141 s by interior point; the 1,000-site rung's 779k had not finished in 297 s)."""
IMPROVE_MIN_S = 30.0
"""Least time left after step 4 worth a warm-started whole-MILP solve (estimate)."""


def decomposable(ins: Inputs) -> str | None:
    """None when the decomposition applies, else why not."""
    if ins.op.budget_usd_per_period is not None:
        return "a portfolio capex budget couples the sites' investments"
    if ins.op.concentration_cap is not None:
        return "a tenant concentration cap couples the sites' revenues"
    if ins.portfolio.spec.financing is not None:
        return "financing couples the sites of an operator (funding balance, debt limits)"
    return None


def solve_decomposed(
    model: Model,
    solver: str,
    rel_gap: float,
    deadline: float | None,
    threads: int | None = None,
    parallel: Parallel | None = None,
) -> SolveResult:
    """Steps 1-6 (module docstring): the plan's values, its NPV as objective and the least bound
    found (None without one). `parallel`: where step 5 solves its blocks (default: on an
    embedded Dask cluster from DASK_MIN_SITES sites, else in this process). Raises
    DecompositionError when a site cannot serve its committed pieces or the sites' plans do not
    combine."""
    t0 = time.perf_counter()
    run = get_solver(solver)

    def options(share: float = 1.0, least: float = 1.0) -> SolveOptions:
        left = None if deadline is None else max(least, share * (deadline - time.perf_counter()))
        return SolveOptions(time_limit_s=left, rel_gap=rel_gap, threads=threads)

    tried = model.problem.num_cols <= LP_MAX_VARIABLES
    lp = relaxation(model, run, dataclasses.replace(options(LP_SHARE), lp_method="ipm")) if tried else None
    if lp is not None and lp.status is not SolveStatus.NO_SOLUTION and not lp.has_solution:
        return lp  # the relaxation is infeasible (or the solver failed): so is the MILP
    if lp is not None and not lp.has_solution:
        logger.warning("decomposition: LP relaxation unfinished in %.0f s: merit order", lp.solve_seconds)
        lp = None
    elif lp is None:
        logger.warning("decomposition: no LP relaxation above %s variables: merit order", f"{LP_MAX_VARIABLES:,}")
    guide = None if lp is None else lp.x
    sites = SiteQueue(model, round_tenants(model, guide), guide, _cloud_shares(model, guide), run, options)
    x = sites.run_all()
    x.update(tenant_values(model, sites.pieces, sites.signed))
    logger.info(
        "decomposition: %d site MILPs for %d sites in %.1f s", sites.solved, model.inputs.S, time.perf_counter() - t0
    )
    objective, values, step4 = _combine(model, run, x, lp, options)
    message = f"site decomposition: {'merit order' if lp is None else 'LP-guided'}, {sites.solved} site MILPs, {step4}"
    bounds, lag = _lagrange(model, objective, lp, deadline, rel_gap, _parallel(model, parallel))
    message += "" if lp is not None else "; " + describe(lag)
    objective, values, message = _improve(model, run, options, deadline, lp, tried, objective, values, bounds, message)
    bound = min(bounds.values()) if bounds else None
    found = ", ".join(f"{k} {v:.6g}" for k, v in bounds.items())
    message += "; no bound" if bound is None else f"; bounds: {found}; reported: {min(bounds, key=lambda k: bounds[k])}"
    proven = bound is not None and bound - objective <= rel_gap * abs(objective)
    return make_result(
        status=SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE,
        solver=solver,
        solver_version=sites.version,
        maximize=True,
        objective=objective,
        bound=bound,
        rel_gap=rel_gap,
        solve_seconds=time.perf_counter() - t0,
        message=message,
        x=values,
    )


def _lagrange(
    model: Model, objective: float, lp: SolveResult | None, deadline: float | None, rel_gap: float, parallel: Parallel
) -> tuple[dict[str, float], Bound | None]:
    """Step 5: bound name -> bound (the LP's, or without it the Lagrangian's), and the step's
    Bound (None where the LP made it unnecessary)."""
    if lp is not None and lp.objective is not None:
        return {"LP relaxation": float(lp.objective)}, None
    bounds: dict[str, float] = {}
    left = None if deadline is None else deadline - time.perf_counter()
    lag = lagrange_step(model, objective, lp, left, rel_gap, parallel)
    if lag is not None and np.isfinite(lag.bound):
        bounds["Lagrangian"] = lag.bound
    return bounds, lag


def _parallel(model: Model, parallel: Parallel | None) -> Parallel:
    """`parallel`, or by default Dask from DASK_MIN_SITES sites and this process below."""
    return parallel if parallel is not None else Parallel(dask=model.inputs.S >= DASK_MIN_SITES)


def _cloud_shares(model: Model, lp: np.ndarray | None) -> np.ndarray | None:
    """[S, T] each site's share of the cloud market (None: uncapped)."""
    ins = model.inputs
    cap = ins.op.cloud_max_it_mw
    if cap is None:
        return None
    module_mw = float(ins.hall.it_mw.max())
    if lp is None:
        return merit_order(model, cap, module_mw)
    return consolidate(model.cloud.mw.value(lp).sum(axis=1), cap, module_mw)


def _combine(model: Model, run, x: dict[int, float], lp: SolveResult | None, options) -> tuple[float, np.ndarray, str]:
    """Step 4: (objective, values, what was done)."""
    if lp is None:
        objective, values = assembled(model, x)
        return objective, values, "the sites' plans assembled"
    final = fixed_integer_lp(model, run, x, dataclasses.replace(options(), lp_method="ipm"))
    if not final.has_solution or final.x is None or final.objective is None:
        raise DecompositionError(f"the sites' plans do not combine into a plan ({final.message})")
    return final.objective, final.x, "fixed-integer LP"


def _improve(
    model: Model,
    run,
    options,
    deadline: float | None,
    lp: SolveResult | None,
    tried: bool,
    objective: float,
    values: np.ndarray,
    bounds: dict[str, float],
    message: str,
):
    """Step 6: the time left on the whole MILP (with an LP) or on the LP bound (without one);
    the bounds found are added to `bounds`."""
    if deadline is None or deadline - time.perf_counter() < IMPROVE_MIN_S:
        return objective, values, message
    if lp is not None:
        whole = run.solve(model.problem, dataclasses.replace(options(), warm_start=values))
        logger.info(
            "decomposition: whole MILP from its plan: %s, objective %s, bound %s",
            whole.status.value,
            whole.objective,
            whole.bound,
        )
        if whole.bound is not None:
            bounds["whole MILP"] = float(whole.bound)
        if whole.has_solution and whole.x is not None and whole.objective is not None and whole.objective > objective:
            objective, values, message = whole.objective, whole.x, message + "; improved by the whole MILP"
    elif not tried:
        late = relaxation(model, run, dataclasses.replace(options(), lp_method="ipm"))
        logger.info("decomposition: LP relaxation after the plan: %s in %.0f s", late.status.value, late.solve_seconds)
        if late.has_solution and late.objective is not None:
            bounds["LP relaxation"], message = late.objective, message + "; LP bound in the time left"
    return objective, values, message


__all__ = [
    "DECOMPOSE_SITES",
    "IMPROVE_MIN_S",
    "LP_MAX_VARIABLES",
    "LP_SHARE",
    "DecompositionError",
    "Parallel",
    "Piece",
    "consolidate",
    "decomposable",
    "it_capacity",
    "merit_order",
    "relaxation",
    "round_tenants",
    "site_inputs",
    "site_rank",
    "solve_decomposed",
]
