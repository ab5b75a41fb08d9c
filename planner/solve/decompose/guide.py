"""What guides the sites of the decomposition: the LP relaxation, cloud shares, merit order.

The LP spreads the cloud market thinly (a few MW at many sites, each of which would then pay
a conversion and a whole hall for it; 0.75 G USD of capex more than the MILP's plan on the
100-site rung), so its shares are consolidated: in decreasing order of sum_t q_st, site s gets
a_st = min(ceil(q_st / m) m, what is left of the cap in t), m the largest hall's IT MW.
Without an LP, the market goes to the sites in merit order (their HPC energy cost).
"""

from __future__ import annotations

import numpy as np

from planner.inputs import Inputs
from planner.model import Model
from planner.model.halls import peak_it_mw
from solvers import SolveOptions, SolveResult


def relaxation(model: Model, run, options: SolveOptions) -> SolveResult:
    """The LP relaxation of the model (integrality dropped)."""
    return run.solve(model.problem.relaxed(), options)


def consolidate(shares: np.ndarray, cap: np.ndarray, module_mw: float) -> np.ndarray:
    """[S,T] cloud MW per site: in decreasing order of sum_t q_st, each site's share q_st
    [S,T] rounded up to whole modules of `module_mw` while the cap [T] lasts."""
    q = np.maximum(shares, 0.0)
    out = np.zeros_like(q)
    left = np.asarray(cap, dtype=float).copy()
    for s in np.argsort(-q.sum(axis=1), kind="stable"):
        want = np.ceil(q[s] / module_mw - 1e-9) * module_mw
        out[s] = np.minimum(want, left)
        left -= out[s]
    return out


def hpc_cost(ins: Inputs) -> np.ndarray:
    """[S] merit order key: a site's mean contract price x its best liquid PUE (USD per IT MWh)."""
    return ins.site.price.mean(axis=1) * ins.site.pue_hpc.min(axis=1)


def merit_order(model: Model, cap: np.ndarray, module_mw: float) -> np.ndarray:
    """[S,T] cloud MW per site without an LP: sites in increasing order of their HPC energy
    cost get their hall capacity in whole modules of `module_mw` while the cap [T] lasts."""
    ins = model.inputs
    out = np.zeros((ins.S, ins.T))
    left = np.asarray(cap, dtype=float).copy()
    for s in np.argsort(hpc_cost(ins), kind="stable"):
        out[s] = np.minimum(np.floor(model.halls.site_it_ub[s] / module_mw + 1e-9) * module_mw, left)
        left -= out[s]
    return out


def it_capacity(model: Model, sites: np.ndarray, t: int) -> np.ndarray:
    """Most IT MW each of `sites` could hold in period t (a start before the horizon: its first
    period): its hall modules and its power, whichever is less."""
    return np.minimum(model.halls.site_it_ub[sites, max(int(t), 0)], peak_it_mw(model.inputs)[sites])


def site_rank(model: Model, k: int, lp: np.ndarray | None) -> np.ndarray:
    """Tenant k's eligible sites (positions in its eligible list), best first: by LP block, or
    without an LP those that can hold its whole MW by its latest start first, each group in
    merit order."""
    ins = model.inputs
    sites = ins.tenant.sites(k)
    if lp is not None and len(sites) > 1:
        return np.argsort(-model.leases.block_mw(lp)[k, sites], kind="stable")
    periods = ins.tenant.starts(k, ins.T)
    fits = (
        it_capacity(model, sites, periods[-1]) >= ins.tenant.mw[k] - 1e-9 if len(periods) else np.ones(len(sites), bool)
    )
    return np.lexsort((hpc_cost(ins)[sites], ~fits))
