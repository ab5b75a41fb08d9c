"""What runs on a worker, and where it runs: one scenario solve at a time.

:func:`solve_task` solves one block, optionally as a progressive-hedging subproblem

    max  f_s(x) - w_s'x^1 - sum_i rho_i |x^1_i - z_i|

(x^1 the first-stage columns; the absolute values through columns d+_i, d-_i >= 0 and the rows
x^1_i - d+_i + d-_i = z_i, which keeps it a MILP for HiGHS). It returns plain data: status,
the value f_s(x) of the solution (without the w and rho terms), the solver's bound on the
problem it solved, and the block's column values.

A :class:`Runner` maps tasks over scenarios: :class:`LocalRunner` in this process, one after
the other; :class:`DaskRunner` on a Dask client (planner.sweep.execute.dask_client), with the
blocks scattered to the workers once.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from solvers import SolveOptions, get_solver
from solvers.problem import MatrixProblem, csr


@dataclass(frozen=True)
class TaskOptions:
    """Solver, relative gap, time limit (s) and threads of each scenario solve."""

    solver: str = "highs"
    gap: float = 1e-4
    time_limit: float | None = None
    threads: int | None = 1


@dataclass(frozen=True)
class Outcome:
    """A solve's result as plain data (x: the block's columns; None without a solution)."""

    status: str
    objective: float | None
    bound: float | None
    x: np.ndarray | None
    message: str = ""


def solve_task(
    problem: MatrixProblem,
    options: TaskOptions,
    first: np.ndarray | None = None,
    w: np.ndarray | None = None,
    z: np.ndarray | None = None,
    rho: np.ndarray | None = None,
    start: np.ndarray | None = None,
) -> Outcome:
    """Solve `problem`; with `first`, `w` (and `z`, `rho`) the hedging subproblem (module
    docstring); `start`: a MIP start of the problem's own columns."""
    solved = problem if first is None else _hedging(problem, first, w, z, rho)
    if start is not None and solved.num_cols > problem.num_cols:
        has = first >= 0 if first is not None else np.zeros(0, dtype=bool)
        gap = start[first[has]] - np.asarray(z)[has] if first is not None and z is not None else np.zeros(0)
        start = np.concatenate([start, np.maximum(gap, 0.0), np.maximum(-gap, 0.0)])
    result = get_solver(options.solver).solve(
        solved,
        SolveOptions(time_limit_s=options.time_limit, rel_gap=options.gap, threads=options.threads, warm_start=start),
    )
    if result.x is None:
        return Outcome(str(result.status), None, result.bound, None, result.message)
    x = result.x[: problem.num_cols]
    return Outcome(str(result.status), problem.objective_at(x), result.bound, x, result.message)


def _hedging(
    problem: MatrixProblem, first: np.ndarray, w: np.ndarray | None, z: np.ndarray | None, rho: np.ndarray | None
) -> MatrixProblem:
    """The subproblem: the w term on the cost, and the rho-weighted L1 distance to z."""
    has = first >= 0
    cols = first[has]
    cost = problem.cost.copy()
    if w is not None:
        np.subtract.at(cost, cols, np.asarray(w)[has])
    if z is None or rho is None:
        return dataclasses.replace(problem, cost=cost)
    n, k, m = problem.num_cols, len(cols), problem.num_rows
    counts = np.diff(problem.starts)
    rows = np.concatenate([np.repeat(np.arange(m), counts), np.tile(m + np.arange(k), 3)])
    idx = np.concatenate([problem.index.astype(np.int64), cols, n + np.arange(k), n + k + np.arange(k)])
    vals = np.concatenate([problem.value, np.ones(k), -np.ones(k), np.ones(k)])
    starts, index, value = csr(rows, idx, vals, m + k)
    target = np.asarray(z, dtype=float)[has]
    penalty = np.asarray(rho, dtype=float)[has]
    return dataclasses.replace(
        problem,
        cost=np.concatenate([cost, -penalty, -penalty]),
        col_lower=np.concatenate([problem.col_lower, np.zeros(2 * k)]),
        col_upper=np.concatenate([problem.col_upper, np.full(2 * k, np.inf)]),
        integer=np.concatenate([problem.integer, np.zeros(2 * k, dtype=bool)]),
        row_lower=np.concatenate([problem.row_lower, target]),
        row_upper=np.concatenate([problem.row_upper, target]),
        starts=starts,
        index=index,
        value=value,
    )


class Runner:
    """Maps a task over argument tuples; `put` ships large objects once."""

    def put(self, items: list[Any]) -> list[Any]:
        """Handles of `items` the tasks can take as arguments."""
        return items

    def map(self, fn: Callable[..., Outcome], args: Sequence[tuple[Any, ...]]) -> list[Outcome]:
        """fn(*a) for every a in `args`, in order."""
        return [fn(*a) for a in args]


class LocalRunner(Runner):
    """Every task in this process, one after the other."""


class DaskRunner(Runner):
    """Tasks on a Dask client; `put` scatters (one copy per object, on the workers)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def put(self, items: list[Any]) -> list[Any]:
        """The items scattered to the cluster."""
        return list(self.client.scatter(items, hash=False))

    def map(self, fn: Callable[..., Outcome], args: Sequence[tuple[Any, ...]]) -> list[Outcome]:
        """Submit every task, wait for all, in order."""
        run = uuid.uuid4().hex[:8]
        futures = [
            self.client.submit(fn, *a, key=f"dcplan-stochastic-{i}-{run}", pure=False) for i, a in enumerate(args)
        ]
        return list(self.client.gather(futures))
