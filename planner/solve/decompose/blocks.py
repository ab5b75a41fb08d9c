"""The block structure of a MILP for Lagrangian relaxation: column blocks, their own rows, the coupling rows.

Every column carries a block label (:func:`site_labels`: its site, or -1 for a column of no
site, e.g. a tenant's start). Columns of label -1 form one global block; each other label is a
block. A row whose columns all lie in one block belongs to that block; any other row couples
blocks and is relaxed (planner.solve.decompose.lagrange). A block's problem is its columns, its
own rows and its columns' bounds; the bounds are first tightened by activity-bound propagation
over every row (:func:`implied_bounds`), so that a column bounded only through a coupling row
(a tenant's block at a site, bounded by the tenant's MW) stays bounded in its block. The
tightened bounds are implied by the rows, so every feasible point of the MILP satisfies them:
adding them to a block keeps each block problem a relaxation of the MILP's restriction to it.

Propagation of row l <= sum_j a_j x_j <= u: with m = sum_j min(a_j lo_j, a_j up_j) (the least
activity) and m_-j the same without column j (finite only when no other term is -inf),
a_j x_j <= u - m_-j; likewise from l with the greatest activity. Each new bound is loosened by
BOUND_SLACK (relative) so that rounding never cuts off a feasible point; integer bounds are
then rounded inwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.model import Model
from solvers.problem import MatrixProblem, csr

BOUND_SLACK = 1e-6
"""Relative (and absolute, below 1) slack on every propagated bound (estimate: well above
double rounding on sums of ~1e4 terms, well below the MW and USD resolutions of a plan)."""
PASSES = 3
"""Rounds of bound propagation (a tenant's MW reaches its blocks, then its leases, in two)."""


@dataclass(frozen=True)
class Partition:
    """Blocks of a MILP: each block's columns and problem, and the coupling rows (CSR over all columns)."""

    columns: list[np.ndarray]
    problems: list[MatrixProblem]
    rows: np.ndarray
    starts: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray

    @property
    def num_coupling(self) -> int:
        """Number of coupling rows."""
        return len(self.rows)

    def transpose_times(self, lam: np.ndarray, num_cols: int) -> np.ndarray:
        """A_C' lam: each column's weight in the relaxed rows."""
        rows = np.repeat(np.arange(self.num_coupling), np.diff(self.starts))
        return np.bincount(self.index, weights=self.value * lam[rows], minlength=num_cols)

    def activity(self, x: np.ndarray) -> np.ndarray:
        """A_C x, coupling row by coupling row."""
        rows = np.repeat(np.arange(self.num_coupling), np.diff(self.starts))
        return np.bincount(rows, weights=self.value * x[self.index], minlength=self.num_coupling)


def site_labels(model: Model) -> np.ndarray:
    """[columns] the site of each column (through its site, contract or upgrade dimension), -1 for none."""
    ins = model.inputs
    label = np.full(model.problem.num_cols, -1, dtype=np.int64)
    owner = {"site": None, "contract": ins.contract.site, "upgrade": ins.upgrade.site}
    for var in model.builder.vars:
        dim = next((d for d in owner if d in var.dims), None)
        if dim is None or var.index.size == 0:
            continue
        at = np.indices(var.index.shape)[var.dims.index(dim)]
        to_site = owner[dim]
        sites = at if to_site is None else np.asarray(to_site)[at]
        exists = var.index >= 0
        label[var.index[exists]] = sites[exists]
    return label


def implied_bounds(p: MatrixProblem, passes: int = PASSES) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds tightened by `passes` rounds of activity-bound propagation (module docstring)."""
    lo, up = p.col_lower.astype(float).copy(), p.col_upper.astype(float).copy()
    rows = np.repeat(np.arange(p.num_rows), np.diff(p.starts))
    for _ in range(passes):
        for sign, side in ((1.0, p.row_upper), (-1.0, -p.row_lower)):
            a = sign * p.value
            new_up, new_lo = _propagate(a, rows, p.index, side, lo, up, p.num_rows, p.num_cols)
            up = np.minimum(up, new_up)
            lo = np.maximum(lo, new_lo)
    up = np.where(p.integer & np.isfinite(up), np.floor(up + 1e-9), up)
    lo = np.where(p.integer & np.isfinite(lo), np.ceil(lo - 1e-9), lo)
    return np.minimum(lo, up), up


def _propagate(a, rows, cols, side, lo, up, num_rows: int, num_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds implied by rows sum_j a_j x_j <= side: (upper, lower) per column (+-inf where none)."""
    with np.errstate(invalid="ignore"):
        least = np.where(a > 0, a * lo[cols], a * up[cols])
    least = np.where(np.isnan(least), 0.0, least)
    infinite = ~np.isfinite(least)
    count = np.bincount(rows, weights=infinite, minlength=num_rows)
    total = np.bincount(rows, weights=np.where(infinite, 0.0, least), minlength=num_rows)
    others_inf = count[rows] - infinite
    rest = side[rows] - (total[rows] - np.where(infinite, 0.0, least))
    ok = (others_inf == 0) & np.isfinite(side[rows]) & (a != 0)
    with np.errstate(over="ignore"):  # a tiny coefficient: no bound from that row (inf)
        limit = np.where(ok, rest, np.inf) / np.where(a == 0, 1.0, np.abs(a))
    limit = limit + BOUND_SLACK * np.maximum(1.0, np.abs(limit))
    new_up, new_lo = np.full(num_cols, np.inf), np.full(num_cols, -np.inf)
    pos, neg = ok & (a > 0), ok & (a < 0)
    np.minimum.at(new_up, cols[pos], limit[pos])
    np.maximum.at(new_lo, cols[neg], -limit[neg])
    return new_up, new_lo


def partition(p: MatrixProblem, labels: np.ndarray) -> Partition:
    """The blocks of `p` by column `labels` (-1: the global block) and its coupling rows."""
    names, block = np.unique(labels, return_inverse=True)
    n = len(names)
    lo, up = implied_bounds(p)
    rows = np.repeat(np.arange(p.num_rows), np.diff(p.starts))
    first = np.full(p.num_rows, n)
    np.minimum.at(first, rows, block[p.index])
    last = np.full(p.num_rows, -1)
    np.maximum.at(last, rows, block[p.index])
    own = np.where(first == last, first, -1)  # a row's block; -1: it couples blocks, or is empty
    coupling = np.flatnonzero((first != last) & (last >= 0))
    columns = _members(block, n)
    own_rows = _members(np.where(own >= 0, own, n), n + 1)[:n]
    col_at, row_at = _ranks(columns, p.num_cols), _ranks(own_rows, p.num_rows)
    local = np.flatnonzero(own[rows] >= 0)
    local = local[np.argsort(own[rows[local]], kind="stable")]
    cut = np.searchsorted(own[rows[local]], np.arange(n + 1))
    problems = []
    for b in range(n):
        nz = local[cut[b] : cut[b + 1]]
        mine = own_rows[b]
        starts, index, value = csr(row_at[rows[nz]], col_at[p.index[nz]], p.value[nz], len(mine))
        cols = columns[b]
        problems.append(
            MatrixProblem(
                name=f"{p.name}_block{names[b]}",
                maximize=p.maximize,
                cost=p.cost[cols],
                col_lower=lo[cols],
                col_upper=up[cols],
                integer=p.integer[cols],
                row_lower=p.row_lower[mine],
                row_upper=p.row_upper[mine],
                starts=starts,
                index=index,
                value=value,
            )
        )
    return _coupled(p, rows, coupling, columns, problems)


def _members(label: np.ndarray, n: int) -> list[np.ndarray]:
    """The positions of each label 0..n-1, in increasing order."""
    order = np.argsort(label, kind="stable")
    cut = np.searchsorted(label[order], np.arange(n + 1))
    return [order[cut[b] : cut[b + 1]] for b in range(n)]


def _ranks(groups: list[np.ndarray], size: int) -> np.ndarray:
    """Each position's rank within its group (-1: in none)."""
    rank = np.full(size, -1, dtype=np.int64)
    for g in groups:
        rank[g] = np.arange(len(g))
    return rank


def _coupled(
    p: MatrixProblem, rows: np.ndarray, coupling: np.ndarray, columns: list[np.ndarray], problems: list[MatrixProblem]
) -> Partition:
    """The partition with the coupling rows' CSR over all columns."""
    at = np.full(p.num_rows, -1)
    at[coupling] = np.arange(len(coupling))
    nz = at[rows] >= 0
    starts, index, value = csr(at[rows[nz]], p.index[nz].astype(np.int64), p.value[nz], len(coupling))
    return Partition(columns, problems, coupling, starts, index, value, p.row_lower[coupling], p.row_upper[coupling])
