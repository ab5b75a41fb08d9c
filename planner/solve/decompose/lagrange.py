"""A valid upper bound on a MILP's optimum by Lagrangian relaxation of the rows that couple its blocks.

The MILP  max c'x + c0  s.t.  l <= A x <= u,  x in X  (X: column bounds, integrality and the
blocks' own rows; planner.solve.decompose.blocks) has its coupling rows C relaxed. Row r of C
is the pair A_r x <= u_r (multiplier mu_r >= 0) and A_r x >= l_r (nu_r >= 0); with
lambda_r = mu_r - nu_r, for every lambda in Lambda = {lambda_r >= 0 where l_r = -inf,
lambda_r <= 0 where u_r = +inf, free for ranged and equality rows}:

    L(lambda) = c0 + sum_r lambda_r b_r(lambda_r) + sum_B max_{x_B in X_B} (c_B - A_{C,B}' lambda)' x_B,
    b_r = u_r where lambda_r > 0, l_r where lambda_r < 0  (0 where lambda_r = 0).

Weak duality: for x feasible in the MILP, mu'(u - A x) >= 0 and nu'(A x - l) >= 0, so
c'x + c0 <= c'x + c0 + mu'(u - A x) + nu'(A x - l) <= L(lambda): L(lambda) >= the optimum for
every lambda in Lambda. A block is a MILP of its own; what is summed is its solver's proven
bound, never its incumbent: the lesser of its LP relaxation's optimum and HiGHS's mip_dual_bound
(both upper bounds of the block's optimum, so their minimum is one, and L(lambda) is never
above the LP-block value), so L stays an upper bound when a block stops at its gap or time limit. A block
without a proven bound counts with its LP optimum, one not started by the deadline with the
bound of its column box (planner.solve.decompose.blocks keeps those finite).

Multipliers start where the caller says (planner.solve.decompose.bounding: the LP duals, else
zero), by default at the "neutral" prices that leave the columns of each coupling row without
reduced cost (lambda_r = the median of c_j / a_rj over its columns; on a 10-site portfolio they
were 1.5% from the optimum after 20 evaluations where zero was 2e-8 after 6), projected onto
Lambda. They follow the projected subgradient g_r = b_r - A_r x*(lambda) (at lambda_r = 0:
the violated side) with Polyak's step
theta (L(lambda) - target) / |g|^2, target the best plan's objective; theta halves after
PATIENCE steps without a lower L. The lowest L found is the bound.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from planner.solve.decompose.blocks import Partition
from solvers import SolveOptions, get_solver
from solvers.problem import MatrixProblem

logger = logging.getLogger(__name__)

PATIENCE = 3
"""Subgradient steps without a lower bound before the step factor theta halves (estimate)."""
THETA = 1.0
"""First step factor of Polyak's step (estimate; the usual range is (0, 2])."""
BLOCK_MIN_S = 2.0
"""Least time limit of one block's MILP."""
MIP_FEASIBILITY = 1e-9
"""HiGHS mip_feasibility_tolerance of a block's MILP. At HiGHS 1.16's default (1e-6) a site block
of a 10-site synthetic portfolio was reported optimal at -163.8 M USD where a point feasible to
1e-14 is worth -52.1 M USD (an invalid bound, caught by tests/test_lagrange.py); from 1e-7 down
the same block solves to -52.1 M USD."""


@dataclass
class Bound:
    """The lowest Lagrangian bound found, its multipliers and the trace of the iterations."""

    bound: float
    multipliers: np.ndarray
    iterations: int = 0
    seconds: float = 0.0
    trace: list[float] = field(default_factory=list)
    iteration_seconds: list[float] = field(default_factory=list)


BlockSolve = Callable[..., list[tuple[float, np.ndarray]]]
"""Solves blocks with the given costs: each block's proven bound (+inf: none) and a point of it."""


def solve_block(
    problem: MatrixProblem, cost: np.ndarray, options: SolveOptions, stop_at: float | None = None
) -> tuple[float, np.ndarray]:
    """The block's proven bound with `cost` (+inf: none; -inf: infeasible) and its best point
    (the LP's, or its column lower bounds, where the MILP found none). The bound is the lesser
    of its LP optimum and its MILP's dual bound, both upper bounds of its optimum; past
    `stop_at` (epoch seconds) no solve is started and the bound is that of the column box,
    sum_j max(c_j lo_j, c_j up_j)."""
    block = MatrixProblem(**{**{k: getattr(problem, k) for k in ("name", "maximize")}, **_arrays(problem, cost)})
    if stop_at is not None and time.time() > stop_at:
        return box_bound(block), np.where(np.isfinite(block.col_lower), block.col_lower, 0.0)
    run = get_solver("highs")
    lp = run.solve(block.relaxed(), dataclasses.replace(options, highs_options=None))
    if lp.status.value == "infeasible":
        return -np.inf, np.where(np.isfinite(block.col_lower), block.col_lower, 0.0)
    x = lp.x if lp.x is not None and len(lp.x) == block.num_cols else None
    bound = np.inf if lp.bound is None else float(lp.bound)
    if block.is_mip:
        result = run.solve(block, options)
        if result.status.value == "infeasible":
            return -np.inf, x if x is not None else np.where(np.isfinite(block.col_lower), block.col_lower, 0.0)
        if result.x is not None and len(result.x) == block.num_cols:
            x = result.x
        if result.bound is not None and np.isfinite(result.bound):
            bound = min(bound, float(result.bound))
    return bound, x if x is not None else np.where(np.isfinite(block.col_lower), block.col_lower, 0.0)


def box_bound(p: MatrixProblem) -> float:
    """max c'x over the column bounds alone (+inf where a column with a cost is unbounded that way)."""
    with np.errstate(invalid="ignore"):
        terms = np.maximum(p.cost * p.col_lower, p.cost * p.col_upper)
    return float(np.sum(np.where(p.cost == 0, 0.0, terms)))


def _arrays(p: MatrixProblem, cost: np.ndarray) -> dict:
    keys = ("col_lower", "col_upper", "integer", "row_lower", "row_upper", "starts", "index", "value")
    return {"cost": cost, **{k: getattr(p, k) for k in keys}}


def serial(
    blocks: Sequence[MatrixProblem], costs: Sequence[np.ndarray], options: SolveOptions, stop_at: float | None = None
):
    """Blocks solved one after the other in this process."""
    return [solve_block(b, c, options, stop_at) for b, c in zip(blocks, costs)]


def sign_box(part: Partition) -> tuple[np.ndarray, np.ndarray]:
    """(lowest, highest) multiplier of each coupling row (the set Lambda): lambda_r may be
    negative only where the row has a finite lower side, positive only where it has a finite upper one."""
    low = np.where(np.isfinite(part.row_lower), -np.inf, 0.0)
    high = np.where(np.isfinite(part.row_upper), np.inf, 0.0)
    return low, high


def project(lam: np.ndarray, part: Partition) -> np.ndarray:
    """lam clipped onto Lambda (module docstring)."""
    low, high = sign_box(part)
    return np.clip(lam, low, high)


def row_terms(lam: np.ndarray, part: Partition) -> float:
    """sum_r lambda_r b_r(lambda_r)."""
    side = np.where(lam > 0, part.row_upper, np.where(lam < 0, part.row_lower, 0.0))
    return float(np.sum(np.where(lam != 0, lam * side, 0.0)))


def evaluate(
    p: MatrixProblem,
    part: Partition,
    lam: np.ndarray,
    solve: BlockSolve,
    options: SolveOptions,
    stop_at: float | None = None,
) -> tuple[float, np.ndarray]:
    """L(lam) (module docstring) and the blocks' points as one column vector; blocks not started
    by `stop_at` (epoch seconds) count with their box bound."""
    reduced = p.cost - part.transpose_times(lam, p.num_cols)
    costs = [reduced[cols] for cols in part.columns]
    answers = solve(part.problems, costs, options, stop_at)
    x = np.zeros(p.num_cols)
    for cols, (_, xb) in zip(part.columns, answers):
        x[cols] = xb
    bounds = np.array([b for b, _ in answers])
    if (bounds == -np.inf).any():  # a block without a point: neither is there one of the MILP
        return -np.inf, x
    return float(p.offset + row_terms(lam, part) + bounds.sum()), x


def subgradient(lam: np.ndarray, part: Partition, x: np.ndarray) -> np.ndarray:
    """g_r = b_r - A_r x (at lambda_r = 0: the side A_r x violates, 0 if neither)."""
    ax = part.activity(x)
    over = np.where(np.isfinite(part.row_upper), part.row_upper - ax, 0.0)
    under = np.where(np.isfinite(part.row_lower), part.row_lower - ax, 0.0)
    at_zero = np.where(over < 0, over, np.where(under > 0, under, 0.0))
    return np.where(lam > 0, over, np.where(lam < 0, under, at_zero))


def neutral_prices(p: MatrixProblem, part: Partition) -> np.ndarray:
    """lambda_r = median over row r's columns of c_j / a_rj, projected onto Lambda."""
    rows = np.repeat(np.arange(part.num_coupling), np.diff(part.starts))
    ratio = p.cost[part.index] / part.value
    lam = np.zeros(part.num_coupling)
    order = np.lexsort((ratio, rows))
    counts = np.diff(part.starts)
    has = counts > 0
    mid = part.starts[:-1] + counts // 2
    lam[has] = ratio[order][mid[has]]
    return project(lam, part)


@dataclass(frozen=True)
class Settings:
    """What one Lagrangian run may do: until `deadline` (perf_counter seconds), at most
    `iterations` evaluations, each block to `rel_gap` within `block_s` seconds."""

    deadline: float | None = None
    iterations: int | None = None
    rel_gap: float = 1e-4
    block_s: float = 30.0
    highs_options: dict | None = None
    """Further HiGHS options of the block solves."""


def lagrangian_bound(
    p: MatrixProblem,
    part: Partition,
    target: float | None,
    start: np.ndarray | None = None,
    settings: Settings = Settings(),
    solve: BlockSolve = serial,
) -> Bound:
    """The lowest L(lambda) found by projected subgradient from `start` (default: neutral
    prices) with Polyak's step towards `target` (the best known objective; None: steps of
    theta |L| / |g|^2 / 10); stops at the deadline, the iteration cap, when L is within
    rel_gap of the target, or when the subgradient vanishes. Valid whatever the stop."""
    t0 = time.perf_counter()
    lam = project(neutral_prices(p, part) if start is None else np.asarray(start, dtype=float), part)
    best = Bound(np.inf, lam.copy())
    theta, stale, last_s = THETA, 0, 0.0
    width = int(getattr(solve, "width", 1))
    while _more(best, settings, last_s, target):
        t1 = time.perf_counter()
        stop_at = None if settings.deadline is None else time.time() + settings.deadline - time.perf_counter()
        value, x = evaluate(p, part, lam, solve, _block_options(settings, len(part.problems), width), stop_at)
        last_s = time.perf_counter() - t1
        best.iterations += 1
        best.trace.append(value)
        best.iteration_seconds.append(last_s)
        logger.info(
            "lagrange: evaluation %d: L = %.6g (best %.6g) in %.1f s",
            best.iterations,
            value,
            min(value, best.bound),
            last_s,
        )
        if value < best.bound:
            best.bound, best.multipliers, stale = value, lam.copy(), 0
        else:
            stale += 1
        if stale >= PATIENCE:
            theta, stale = theta / 2, 0
        g = subgradient(lam, part, x)
        norm = float(g @ g)
        if not np.isfinite(value) or norm == 0.0 or theta < 1e-6:
            break
        gap = value - target if target is not None else abs(value) / 10
        lam = project(lam - theta * max(gap, 1e-9 * max(1.0, abs(value))) / norm * g, part)
    best.seconds = time.perf_counter() - t0
    logger.info(
        "lagrange: bound %.6g after %d evaluations in %.1f s (%d coupling rows, %d blocks)",
        best.bound,
        best.iterations,
        best.seconds,
        part.num_coupling,
        len(part.problems),
    )
    return best


def _more(best: Bound, s: Settings, last_s: float, target: float | None) -> bool:
    """Whether another evaluation is wanted and fits in the time left."""
    if s.iterations is not None and best.iterations >= s.iterations:
        return False
    if target is not None and best.bound - target <= s.rel_gap * abs(target):
        return False
    return s.deadline is None or s.deadline - time.perf_counter() > max(last_s, BLOCK_MIN_S)


def _block_options(s: Settings, blocks: int, width: int) -> SolveOptions:
    """One block's solve: single-threaded, to the run's gap, within block_s and its share of the
    time left (`blocks` blocks on `width` workers)."""
    limit = s.block_s
    if s.deadline is not None:
        limit = max(BLOCK_MIN_S, min(limit, (s.deadline - time.perf_counter()) * width / max(1, blocks)))
    extra = {"mip_feasibility_tolerance": MIP_FEASIBILITY, **(s.highs_options or {})}
    return SolveOptions(time_limit_s=limit, rel_gap=s.rel_gap, threads=1, highs_options=extra)


def as_lp(part: Partition) -> Partition:
    """The partition with every block's integrality dropped: L(lambda) then rests on LP optima
    alone (valid to the LP tolerances), and its least value is the LP relaxation's optimum."""
    return dataclasses.replace(part, problems=[b.relaxed() for b in part.problems])


class DaskBlocks:
    """A BlockSolve on a Dask client: the block problems scattered to the workers once, then
    one task per block and evaluation (only the costs travel)."""

    def __init__(self, client, problems: Sequence[MatrixProblem]) -> None:
        self.client = client
        self.futures = client.scatter(list(problems))
        self.width = max(1, len(client.scheduler_info().get("workers", {})))

    def __call__(
        self,
        blocks: Sequence[MatrixProblem],
        costs: Sequence[np.ndarray],
        options: SolveOptions,
        stop_at: float | None = None,
    ):
        """Each block's (bound, point), in order."""
        n = len(self.futures)
        tasks = self.client.map(solve_block, self.futures, list(costs), [options] * n, [stop_at] * n, pure=False)
        return self.client.gather(tasks)
