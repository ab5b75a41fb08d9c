"""Progressive hedging (Rockafellar and Wets 1991) for the two-stage plan, with its bound.

Maximisation. With x^1_s the first-stage values of scenario s (its cells, then the CVaR
threshold v when on), f_s the scenario objective and X_s its feasible plans:

    RP = max sum_s p_s f_s(x_s)   s.t.  x_s in X_s,  x^1_s = z   (non-anticipativity)

Iteration k (w^0 = 0, z^0 = sum_s p_s x^1_s of the scenarios planned alone):

    x_s^k = argmax_{x in X_s}  f_s(x) - w_s^{k-1}'x^1 - sum_i rho^k_i |x^1_i - z^{k-1}_i|
    z^k   = sum_s p_s x^1_s^k,      w_s^k = w_s^{k-1} + rho^k (x^1_s^k - z^k)

(an L1 proximal term rather than the quadratic one keeps each subproblem a MILP; rho^k =
rho^1 g^(k-1) grows by g = `growth` an iteration, which drives integer cells to agree; with
integers, PH is a heuristic: it need not converge, and stops after `iterations`).
sum_s p_s w_s = 0 holds at every k, so the Lagrangian dual of non-anticipativity,

    D(w) = sum_s p_s max_{x in X_s} [f_s(x) - w_s'x^1]  >=  RP      (weak duality),

is an upper bound for any such w; with each maximum replaced by its solver's MIP bound it
stays one. D(0) = sum_s p_s max f_s is the wait-and-see bound (with CVaR: max f_s = (1 +
lambda) NPV*_s, at v = NPV*_s). PH reports min(D(0), D(w^K)) (Gade et al. 2016) and, as its
plan, the best of the candidate first stages (z^K rounded where integer, the cell-wise
weighted median, the scenario first stage nearest to z^K) evaluated in every scenario, whose
objective is a lower bound on RP.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from planner.solve.stochastic.blocks import Block
from planner.solve.stochastic.tasks import Outcome, Runner, TaskOptions, solve_task

logger = logging.getLogger(__name__)

RHO_FLOOR_SHARE = 1e-3
"""rho_i is at least this share of the mean |cost| of the first-stage cells (cells without cost)."""


@dataclass(frozen=True)
class HedgingSettings:
    """Iterations, rho^1 as a multiple of each cell's |cost|, its growth g per iteration, and
    the convergence tolerance (largest |x^1_s - z| of a cell, relative to max(1, |z|))."""

    iterations: int = 12
    rho: float = 0.5
    growth: float = 1.5
    tolerance: float = 1e-4


@dataclass
class Hedging:
    """What PH found: the candidate first stages (best first), its bound, iterations and residuals."""

    candidates: list[np.ndarray]
    bound: float | None
    lagrangian_bound: float | None
    iterations: int
    converged: bool
    residuals: list[float] = field(default_factory=list)


def first_values(blocks: list[Block], outcomes: list[Outcome], v: np.ndarray | None) -> np.ndarray:
    """[N, n1] first-stage values of each scenario's solution (0 where it has no such cell);
    `v` the CVaR thresholds when the blocks carry one."""
    n1 = len(blocks[0].first)
    out = np.zeros((len(blocks), n1))
    for s, (b, o) in enumerate(zip(blocks, outcomes)):
        assert o.x is not None
        has = b.model_first >= 0
        out[s, : b.cells][has] = o.x[b.model_first[has]]
        if n1 > b.cells:
            out[s, b.cells] = o.x[b.first[b.cells]] if len(o.x) > b.columns else (v[s] if v is not None else 0.0)
    return out


def rho_vector(blocks: list[Block], p: np.ndarray, factor: float) -> np.ndarray:
    """rho_i = factor x max(|mean cost of cell i|, RHO_FLOOR_SHARE x the cells' mean |cost|)."""
    n1 = len(blocks[0].first)
    c = np.zeros(n1)
    for pi, b in zip(p, blocks):
        has = b.first >= 0
        c[has] += pi * np.abs(b.problem.cost[b.first[has]])
    floor = RHO_FLOOR_SHARE * (c[c > 0].mean() if np.any(c > 0) else 1.0)
    return factor * np.maximum(c, floor)


def progressive_hedging(
    blocks: list[Block],
    handles: list,
    p: np.ndarray,
    start: np.ndarray,
    start_bound: float | None,
    runner: Runner,
    opts: TaskOptions,
    settings: HedgingSettings,
) -> Hedging:
    """PH from the first stages `start` [N, n1] of the scenarios planned alone (module docstring);
    `handles`: the blocks' problems as runner.put gave them; `start_bound`: D(0)."""
    rho = rho_vector(blocks, p, settings.rho)
    x1 = start.copy()
    z = p @ x1
    w = rho * (x1 - z)
    last: list[Outcome] = []
    residuals: list[float] = []
    converged = False
    k = 0
    for k in range(1, settings.iterations + 1):
        args = [
            (h, opts, b.first, w[s], z, rho, None if not last or last[s].x is None else last[s].x)
            for s, (h, b) in enumerate(zip(handles, blocks))
        ]
        outcomes = runner.map(solve_task, args)
        if any(o.x is None for o in outcomes):
            logger.warning("progressive hedging: a subproblem found no solution at iteration %d; stopping", k)
            break
        last = outcomes
        x1 = first_values(blocks, outcomes, None)
        z = p @ x1
        w = w + rho * (x1 - z)
        rho = rho * settings.growth
        residuals.append(float(np.max(np.abs(x1 - z) / np.maximum(1.0, np.abs(z)))))
        logger.info("progressive hedging %d: largest first-stage disagreement %.3g", k, residuals[-1])
        if residuals[-1] <= settings.tolerance:
            converged = True
            break
    w = w - p @ w  # sum_s p_s w_s = 0 exactly (it is, up to rounding)
    lagrangian = _dual_bound(blocks, handles, p, w, runner, opts)
    bounds = [b for b in (start_bound, lagrangian) if b is not None]
    return Hedging(_candidates(blocks, x1, z, p), min(bounds) if bounds else None, lagrangian, k, converged, residuals)


def _dual_bound(
    blocks: list[Block], handles: list, p: np.ndarray, w: np.ndarray, runner: Runner, opts: TaskOptions
) -> float | None:
    """D(w) = sum_s p_s (MIP bound of max f_s(x) - w_s'x^1); None when a bound is missing."""
    args = [(h, opts, b.first, w[s]) for s, (h, b) in enumerate(zip(handles, blocks))]
    outcomes = runner.map(solve_task, args)
    if any(o.bound is None for o in outcomes):
        return None
    return float(sum(pi * float(o.bound) for pi, o in zip(p, outcomes)))  # type: ignore[arg-type]


def _candidates(blocks: list[Block], x1: np.ndarray, z: np.ndarray, p: np.ndarray) -> list[np.ndarray]:
    """Candidate first stages: z rounded where a cell is integer in some scenario; the
    probability-weighted median of each cell (the choice of most of the probability where the
    scenarios split); the scenario first stage nearest to z. Duplicates dropped."""
    integer = np.zeros(len(z), dtype=bool)
    for b in blocks:
        has = b.first >= 0
        integer[has] |= b.problem.integer[b.first[has]]
    out: list[np.ndarray] = []
    nearest = x1[int(np.argmin(np.abs(x1 - z).sum(axis=1)))]
    for c in (np.where(integer, np.rint(z), z), weighted_median(x1, p), nearest):
        if not any(np.allclose(c, o, atol=1e-9) for o in out):
            out.append(c)
    return out


def weighted_median(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per column of x [N, n], the smallest value whose cumulative probability reaches 1/2."""
    order = np.argsort(x, axis=0, kind="stable")
    cum = np.cumsum(p[order], axis=0)
    pick = np.argmax(cum >= 0.5 - 1e-12, axis=0)
    cols = np.arange(x.shape[1])
    return x[order[pick, cols], cols]
