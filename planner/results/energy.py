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

from dataclasses import dataclass

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
    lo: list[np.ndarray] = []
    up: list[np.ndarray] = []
    c: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    rlo: list[float] = []
    rup: list[float] = []
    col0 = 0
    layout = []
    for s, t, mine in cells:
        n = len(mine)
        mw, price, q = con.mw[mine, t], con.price[mine, t], con.resale[mine, t]
        floor = con.take_or_pay[mine] * mw
        # columns per contract: own, pt, paid, resold
        lo += [np.zeros(n), np.zeros(n), floor, np.zeros(n)]
        up += [mw, mw, mw, np.where(q > 0, floor, 0.0)]
        c += [np.zeros(n), -price, price, -q]
        base = len(rlo)
        own, pt, paid, res = (col0 + np.arange(n) + i * n for i in range(4))
        blocks = (
            (own, pt, None, None, -np.inf, mw),
            (own, pt, paid, None, -np.inf, np.zeros(n)),
            (own, pt, paid, res, -np.inf, np.zeros(n)),
        )
        for b, (a1, a2, a3, a4, low, high) in enumerate(blocks):
            r = base + b * n + np.arange(n)
            for cc, sign in ((a1, 1.0), (a2, 1.0), (a3, -1.0), (a4, 1.0)):
                if cc is not None:
                    rows.append(r)
                    cols.append(cc)
                    vals.append(np.full(n, sign))
            rlo += list(np.full(n, low))
            rup += list(high)
        for cc, load in ((own, own_mw[s, t]), (pt, pt_mw[s, t])):
            rows.append(np.full(n, len(rlo)))
            cols.append(cc)
            vals.append(np.ones(n))
            rlo.append(load)
            rup.append(load)
        layout.append((s, t, own, pt, paid, res, price, q))
        col0 += 4 * n
    starts, index, value = csr(np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), len(rlo))
    p = MatrixProblem(
        "dispatch",
        False,
        np.concatenate(c),
        np.concatenate(lo),
        np.concatenate(up),
        np.zeros(col0, dtype=bool),
        np.array(rlo),
        np.array(rup),
        starts,
        index,
        value,
    )
    result = get_solver("highs").solve(p, SolveOptions(rel_gap=0.0))
    if result.x is None:
        raise RuntimeError(f"energy dispatch did not solve: {result.message}")
    x = result.x
    for s, t, _own, pt, paid, res, price, q in layout:
        cost[s, t] = (x[paid] * price).sum() * hours[t]
        through[s, t] = (x[pt] * price).sum() * hours[t]
        resale[s, t] = (x[res] * q).sum() * hours[t]
