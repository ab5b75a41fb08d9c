"""Scenario blocks and the deterministic equivalent, as MatrixProblem arrays.

A scenario *block* is scenario s's planning MILP (max c_s'x + o_s subject to its rows) with,
when the CVaR term is on (planner.solve.stochastic.risk), a threshold column v and a shortfall
column u >= 0, the row c_s'x + o_s + u - v >= 0 (u >= v - NPV_s), and the objective
f_s = c_s'x + o_s + lambda (v - u / (1 - alpha)). Its first-stage columns are the cells of
planner.solve.stochastic.stages, then v.

The deterministic equivalent stacks the N blocks block-diagonally, adds one consensus column
z_i per first-stage cell and the non-anticipativity rows x_s[i] - z_i = 0 (for every scenario
whose model has the cell; z_i <= 0 where one has not, as its value there is 0), and
maximises sum_s p_s f_s. z_i is integer when the cell is, with the scenarios' tightest bounds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from planner.solve.stochastic.risk import Risk
from solvers.problem import MatrixProblem, csr

FIX_TOL = 1e-6
"""A first-stage value this close to a scenario's bound is moved onto it when fixed (solver noise)."""


def no_names() -> list[str]:
    """No column or row names (keeps a problem small to pickle and ship to a worker)."""
    return []


def plain_problem(problem: MatrixProblem) -> MatrixProblem:
    """`problem` without its (lazy) names, which would carry the whole model builder along."""
    return dataclasses.replace(problem, col_names=no_names, row_names=no_names)


@dataclass(frozen=True)
class Block:
    """A scenario's block: its problem and its first-stage columns (-1 where it has none)."""

    problem: MatrixProblem
    first: np.ndarray  # column in `problem` of each first-stage cell (then v), -1 where absent
    columns: int  # columns of the scenario's own model (the block's first columns)
    cells: int  # first-stage cells of the model (first[:cells]; first[cells] is v when there)

    @property
    def model_first(self) -> np.ndarray:
        """The first-stage columns of the scenario's own model (without v)."""
        return self.first[: self.cells]


def scenario_block(problem: MatrixProblem, first: np.ndarray, risk: Risk) -> Block:
    """The block of one scenario's model `problem` with first-stage columns `first` (module docstring)."""
    n = problem.num_cols
    plain = plain_problem(problem)
    first = np.asarray(first, dtype=np.int64)
    if not risk.active:
        return Block(plain, first, n, len(first))
    v, u = n, n + 1
    nz = np.flatnonzero(problem.cost)
    row_cols = np.concatenate([nz, [u, v]])
    row_vals = np.concatenate([problem.cost[nz], [1.0, -1.0]])
    cost = np.concatenate([problem.cost, [risk.weight, -risk.weight / (1.0 - risk.alpha)]])
    block = dataclasses.replace(
        plain,
        cost=cost,
        col_lower=np.concatenate([problem.col_lower, [-np.inf, 0.0]]),
        col_upper=np.concatenate([problem.col_upper, [np.inf, np.inf]]),
        integer=np.concatenate([problem.integer, [False, False]]),
        row_lower=np.concatenate([problem.row_lower, [-problem.offset]]),
        row_upper=np.concatenate([problem.row_upper, [np.inf]]),
        starts=np.concatenate([problem.starts, [problem.starts[-1] + len(row_cols)]]),
        index=np.concatenate([problem.index, row_cols]).astype(np.int32),
        value=np.concatenate([problem.value, row_vals]),
    )
    return Block(block, np.concatenate([first, [v]]), n, len(first))


@dataclass(frozen=True)
class Extensive:
    """The deterministic equivalent and where each block's columns start in it."""

    problem: MatrixProblem
    offsets: np.ndarray  # [N + 1] first column of each block; offsets[N] is z's first
    blocks: list[Block]

    def block_x(self, x: np.ndarray, s: int) -> np.ndarray:
        """Block s's column values in the solution x."""
        return x[self.offsets[s] : self.offsets[s + 1]]


def extensive_form(blocks: list[Block], p: np.ndarray, name: str) -> Extensive:
    """The deterministic equivalent of `blocks` with probabilities `p` (module docstring)."""
    sizes = np.array([b.problem.num_cols for b in blocks])
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    n1 = len(blocks[0].first)
    z0 = int(offsets[-1])
    rows, cols, vals, row_lower, row_upper = [], [], [], [], []
    m = 0
    for b, off in zip(blocks, offsets):
        q = b.problem
        counts = np.diff(q.starts)
        rows.append(m + np.repeat(np.arange(q.num_rows), counts))
        cols.append(off + q.index.astype(np.int64))
        vals.append(q.value)
        row_lower.append(q.row_lower)
        row_upper.append(q.row_upper)
        m += q.num_rows
    z_lower, z_upper, z_int = _consensus_bounds(blocks, n1)
    for b, off in zip(blocks, offsets):
        cells = np.flatnonzero(b.first >= 0)
        k = len(cells)
        rows += [m + np.arange(k), m + np.arange(k)]
        cols += [off + b.first[cells], z0 + cells]
        vals += [np.ones(k), -np.ones(k)]
        row_lower.append(np.zeros(k))
        row_upper.append(np.zeros(k))
        m += k
    starts, index, value = csr(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), m)
    cat = np.concatenate
    problem = MatrixProblem(
        name=name,
        maximize=True,
        cost=cat([pi * b.problem.cost for pi, b in zip(p, blocks)] + [np.zeros(n1)]),
        col_lower=cat([b.problem.col_lower for b in blocks] + [z_lower]),
        col_upper=cat([b.problem.col_upper for b in blocks] + [z_upper]),
        integer=cat([b.problem.integer for b in blocks] + [z_int]),
        row_lower=cat(row_lower),
        row_upper=cat(row_upper),
        starts=starts,
        index=index,
        value=value,
        offset=float(sum(pi * b.problem.offset for pi, b in zip(p, blocks))),
    )
    return Extensive(problem, offsets, blocks)


def _consensus_bounds(blocks: list[Block], n1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds and integrality of the consensus columns: the tightest over the scenarios, 0
    where a scenario lacks the cell."""
    lower, upper = np.full(n1, -np.inf), np.full(n1, np.inf)
    integer = np.zeros(n1, dtype=bool)
    for b in blocks:
        has = b.first >= 0
        j = b.first[has]
        lower[has] = np.maximum(lower[has], b.problem.col_lower[j])
        upper[has] = np.minimum(upper[has], b.problem.col_upper[j])
        integer[has] |= b.problem.integer[j]
        lower[~has] = np.maximum(lower[~has], 0.0)
        upper[~has] = np.minimum(upper[~has], 0.0)
    return lower, upper, integer


def fixed(problem: MatrixProblem, first: np.ndarray, values: np.ndarray) -> MatrixProblem:
    """`problem` with its first-stage columns `first` fixed to `values` (cells at -1 or NaN left free)."""
    has = (first >= 0) & ~np.isnan(values)
    lower, upper = problem.col_lower.copy(), problem.col_upper.copy()
    j = first[has]
    v = np.asarray(values, dtype=float)[has]
    v = np.where(problem.integer[j], np.rint(v), v)
    inside = np.clip(v, problem.col_lower[j], problem.col_upper[j])
    v = np.where(np.abs(inside - v) <= FIX_TOL, inside, v)  # solver noise only: a value outside stays infeasible
    lower[j] = upper[j] = v
    return problem.with_bounds(lower, upper)
