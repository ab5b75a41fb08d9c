"""Energy bought, passed through and resold, recomputed from the loads of a plan.

In every site and period the loads are known from the decisions: the landlord's own (mining at
its uptime, self-operated GPUs and leases whose energy is included, at the load factor and PUE)
and that of tenants who pay their energy at cost. They are drawn over the contracts in force,
the cheapest way for the landlord:
    min  sum_c p_c paid_c - p_c pt_c - q_c resold_c
    s.t. own_c + pt_c <= MW_c,  paid_c >= own_c + pt_c,  floor_c <= paid_c <= MW_c,
         resold_c + own_c + pt_c <= paid_c,  resold_c <= floor_c (resold only where the contract allows),
         sum_c own_c = own load,  sum_c pt_c = pass-through load
(p price, q resale price, floor the take-or-pay MW). Cells whose contracts are all at one price,
with no resale, have a closed form (take-or-pay first, then the cheapest headroom); the others
are solved as one LP with HiGHS (a different formulation from the planning model's: this is a
check, not a copy). A load beyond what the contracts hold is bought from the largest contract
anyway, so an infeasible plan is still costed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.inputs import Inputs
from solvers import SolveOptions, get_solver
from solvers.problem import MatrixProblem, csr


@dataclass(frozen=True)
class Energy:
    """[S, T] USD per period."""

    cost: np.ndarray  # energy bought
    pass_through: np.ndarray  # paid back by tenants who pay their energy
    resale: np.ndarray  # take-or-pay surplus resold


def _closed_form(mw: np.ndarray, price: np.ndarray, floor: np.ndarray, load: float) -> np.ndarray:
    """MW paid per contract: each floor, then the rest from the cheapest headroom (overdraw: the largest)."""
    rest = max(0.0, load - floor.sum())
    paid = floor.copy()
    for i in np.argsort(price, kind="stable"):
        take = min(rest, mw[i] - floor[i])
        paid[i] += take
        rest -= take
    paid[int(np.argmax(mw)) if len(mw) else 0] += rest
    return paid


def dispatch(ins: Inputs, own_mw: np.ndarray, pt_mw: np.ndarray) -> Energy:
    """Energy cost, pass-through and resale of the loads own_mw, pt_mw [S, T] (module docstring)."""
    con, hours = ins.contract, ins.time.hours
    cost, through, resale = np.zeros(own_mw.shape), np.zeros(own_mw.shape), np.zeros(own_mw.shape)
    cells = []
    for s in range(ins.S):
        mine = np.flatnonzero(con.site == s)
        for t in range(ins.T):
            mw, price, resell = con.mw[mine, t], con.price[mine, t], con.resale[mine, t]
            floor = con.take_or_pay[mine] * mw
            simple = (np.ptp(price) < 1e-12 if len(price) else True) and not (resell * floor > 0).any()
            if simple or pt_mw[s, t] + own_mw[s, t] > mw.sum() + 1e-9:
                paid = _closed_form(mw, price, floor, own_mw[s, t] + pt_mw[s, t])
                unit = price[0] if len(price) else 0.0
                cost[s, t], through[s, t] = (paid * price).sum() * hours[t], pt_mw[s, t] * unit * hours[t]
            else:
                cells.append((s, t, mine))
    if cells:
        _solve_cells(ins, cells, own_mw, pt_mw, cost, through, resale)
    return Energy(cost, through, resale)


@dataclass
class _Dispatch:
    """The block-diagonal dispatch LP being assembled, one block of columns per cell."""

    lo: list[np.ndarray] = field(default_factory=list)
    up: list[np.ndarray] = field(default_factory=list)
    c: list[np.ndarray] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    rlo: list[float] = field(default_factory=list)
    rup: list[float] = field(default_factory=list)
    n_cols: int = 0

    def _row(self, row: np.ndarray, col: np.ndarray, sign: float) -> None:
        self.rows.append(row)
        self.cols.append(col)
        self.vals.append(np.full(len(col), sign))

    def add_cell(self, mw: np.ndarray, price: np.ndarray, q: np.ndarray, floor: np.ndarray, loads: tuple) -> tuple:
        """Columns own, pt, paid, resold of one cell's n contracts and the rows of the module
        docstring; returns the four column index arrays."""
        n = len(mw)
        self.lo += [np.zeros(n), np.zeros(n), floor, np.zeros(n)]
        self.up += [mw, mw, mw, np.where(q > 0, floor, 0.0)]
        self.c += [np.zeros(n), -price, price, -q]
        own, pt, paid, res = (self.n_cols + np.arange(n) + i * n for i in range(4))
        blocks = (
            (((own, 1.0), (pt, 1.0)), mw),
            (((own, 1.0), (pt, 1.0), (paid, -1.0)), np.zeros(n)),
            (((own, 1.0), (pt, 1.0), (paid, -1.0), (res, 1.0)), np.zeros(n)),
        )
        for terms, high in blocks:
            r = len(self.rlo) + np.arange(n)
            for col, sign in terms:
                self._row(r, col, sign)
            self.rlo += [-np.inf] * n
            self.rup += list(high)
        for col, load in zip((own, pt), loads):
            self._row(np.full(n, len(self.rlo)), col, 1.0)
            self.rlo.append(load)
            self.rup.append(load)
        self.n_cols += 4 * n
        return own, pt, paid, res

    def problem(self) -> MatrixProblem:
        """The assembled LP (minimise the energy bill less the resale)."""
        starts, index, value = csr(
            np.concatenate(self.rows), np.concatenate(self.cols), np.concatenate(self.vals), len(self.rlo)
        )
        return MatrixProblem(
            "dispatch",
            False,
            np.concatenate(self.c),
            np.concatenate(self.lo),
            np.concatenate(self.up),
            np.zeros(self.n_cols, dtype=bool),
            np.array(self.rlo),
            np.array(self.rup),
            starts,
            index,
            value,
        )


def _solve_cells(
    ins: Inputs,
    cells: list,
    own_mw: np.ndarray,
    pt_mw: np.ndarray,
    cost: np.ndarray,
    through: np.ndarray,
    resale: np.ndarray,
) -> None:
    """The LP of the module docstring for every cell at once (block-diagonal), with HiGHS."""
    con, hours = ins.contract, ins.time.hours
    lp, layout = _Dispatch(), []
    for s, t, mine in cells:
        price, q = con.price[mine, t], con.resale[mine, t]
        mw = con.mw[mine, t]
        _, pt, paid, res = lp.add_cell(mw, price, q, con.take_or_pay[mine] * mw, (own_mw[s, t], pt_mw[s, t]))
        layout.append((s, t, pt, paid, res, price, q))
    p = lp.problem()
    result = get_solver("highs").solve(p, SolveOptions(rel_gap=0.0))
    if result.x is None:
        raise RuntimeError(f"energy dispatch did not solve: {result.message}")
    x = result.x
    for s, t, pt, paid, res, price, q in layout:
        cost[s, t] = (x[paid] * price).sum() * hours[t]
        through[s, t] = (x[pt] * price).sum() * hours[t]
        resale[s, t] = (x[res] * q).sum() * hours[t]
