"""The decomposition's Lagrangian bound step: site blocks, a time budget, serial or on Dask.

The model's columns are labelled by site (planner.solve.decompose.blocks.site_labels), the
rows between sites and the tenants' starts are relaxed, and the multipliers start from the
LP relaxation's row duals when step 1 solved it (then the first L(lambda) is already at or
below the LP bound, the blocks being MILPs), else at zero. Blocks are solved in this process
or on a Dask client (planner.solve.cluster.dask_client: an embedded LocalCluster on the
loopback, or the scheduler at an address).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from planner.model import Model
from planner.solve.decompose.blocks import Partition, partition, site_labels
from planner.solve.decompose.lagrange import Bound, DaskBlocks, Settings, lagrangian_bound, project, serial
from solvers import SolveResult

logger = logging.getLogger(__name__)

MAX_ITERATIONS = 10
"""Evaluations of L(lambda) without a time limit (estimate: the 10-site portfolios close to
1e-6 in under 10 from zero)."""
MIN_BUDGET_S = 10.0
"""Least time worth starting the Lagrangian step with."""


@dataclass(frozen=True)
class Parallel:
    """Where the blocks are solved: in this process (`dask` False), on an embedded LocalCluster
    of `workers` processes (default one per core), or on the Dask scheduler at `scheduler`."""

    dask: bool = True
    workers: int | None = None
    scheduler: str | None = None


def lagrange_step(
    model: Model,
    target: float,
    lp: SolveResult | None,
    budget_s: float | None,
    rel_gap: float,
    parallel: Parallel = Parallel(),
) -> Bound | None:
    """The lowest Lagrangian bound found within `budget_s` seconds (None: no limit, at most
    MAX_ITERATIONS evaluations) towards `target` (the plan's objective); None when the budget
    is below MIN_BUDGET_S."""
    if budget_s is not None and budget_s < MIN_BUDGET_S:
        return None
    t0 = time.perf_counter()
    p = model.problem
    part = partition(p, site_labels(model))
    start = _start(lp, part)
    deadline = None if budget_s is None else t0 + budget_s
    settings = Settings(deadline=deadline, iterations=None if budget_s else MAX_ITERATIONS, rel_gap=rel_gap)
    logger.info(
        "lagrange: %d blocks, %d coupling rows, largest block %d columns, partition in %.1f s",
        len(part.problems),
        part.num_coupling,
        max(b.num_cols for b in part.problems),
        time.perf_counter() - t0,
    )
    with _solver(part, parallel) as solve:
        return lagrangian_bound(p, part, target, start, settings, solve)


def _start(lp: SolveResult | None, part: Partition) -> np.ndarray:
    """The LP relaxation's duals of the coupling rows, projected onto the multipliers' signs; else zero."""
    if lp is None or lp.row_dual is None:
        return np.zeros(part.num_coupling)
    return project(lp.row_dual[part.rows], part)


@contextlib.contextmanager
def _solver(part: Partition, parallel: Parallel) -> Iterator:
    """The block solver: serial, or on a Dask client with the block problems scattered once."""
    if not parallel.dask:
        yield serial
        return
    from planner.solve.cluster import dask_client  # Dask only when asked for

    with contextlib.ExitStack() as stack:
        try:
            client = stack.enter_context(dask_client(parallel.workers, parallel.scheduler))
            solve = DaskBlocks(client, part.problems)
        except Exception as exc:  # noqa: BLE001 - no cluster (e.g. a script without a __main__ guard): serial
            logger.warning("lagrange: no Dask cluster (%s: %s): blocks solved in this process", type(exc).__name__, exc)
            yield serial
            return
        yield solve


def describe(bound: Bound | None) -> str:
    """The step's part of the solve message."""
    if bound is None:
        return "no Lagrangian bound (no time left)"
    if not np.isfinite(bound.bound):
        return f"no finite Lagrangian bound in {bound.iterations} evaluations"
    each = float(np.mean(bound.iteration_seconds)) if bound.iteration_seconds else 0.0
    return f"Lagrangian bound {bound.bound:.6g} ({bound.iterations} evaluations, {each:.1f} s each)"
