"""Validator checks of a financed plan's funding, recomputed with numpy from the funding decisions,
the plan's cash (planner.results.funding) and the financing inputs, never from the model.

Each re-tests a funding family of planner.model.registry (the maths in planner.model.funding):
  domain            draws, debt, repayments, equity, distributions and cash >= 0; draws only in
                    the draw window, repayments only from the amortisation start to the maturity
  debt_balance      D_t = O_t + K_t + draw_t - repay_t
  funding_balance   OCF + sum_f (draw - fee - paid - repay) + equity + cash_t-1 = CAPEX + distribution + cash_t
  debt_size         outstanding + sum_t (draw + K) <= size
  debt_ltc          sum_{tau<=t} (draw + K) <= ltc sum_{tau<=t} (CAPEX of its sites + K), to its last draw period
  debt_ltcv         D_t <= ltcv V_t in the draw window, V_t = (V_t+1 + R_t+1) / (1 + i_t+1), V_T-1 = 0
  amortisation      scheduled: repay_t = a_t B*; sculpted: D_{t_m - 1} <= b B*
  debt_maturity     D_t = 0 from the maturity period on
  dscr              CFADS >= DSCR x DS* in the covenant periods
  equity_available  sum_{tau<=t} equity <= sum_{tau<=t} available (operators with an equity entry)
Tolerance: 1 USD plus 1e-6 of the largest amount in the row.
"""

from __future__ import annotations

import numpy as np

from planner.inputs import Inputs
from planner.results.decisions import Decisions
from planner.results.funding import Ledger, coverage, ledger
from planner.results.validator import Violation, check

TOL_USD = 1.0
TOL_REL = 1e-6


def _tol(*scale: np.ndarray) -> np.ndarray:
    return TOL_USD + TOL_REL * np.max([np.abs(s) for s in np.broadcast_arrays(*scale)], axis=0)


def _facility(ins: Inputs, book: Ledger, name: str, excess: np.ndarray, what: str) -> list[Violation]:
    """A violation per (facility, period) where `excess` [F, T] (USD) is positive."""
    return [
        Violation(
            name,
            f"facility {book.fin.facility.ids[f]}: {what} by {excess[f, t]:,.0f} USD",
            period=ins.time.labels[t],
            excess=float(excess[f, t]),
        )
        for f, t in zip(*np.nonzero(excess > 0))
    ]


@check("domain", "debt_balance")
def funding_domain(ins: Inputs, d: Decisions) -> list[Violation]:
    """Funding values non-negative and in their windows; the debt rolled forward."""
    book = ledger(ins, d)
    if book is None:
        return []
    v, fac, out = book.values, book.fin.facility, []
    for name in ("draw_usd", "debt_usd", "repay_usd", "equity_usd", "distribution_usd", "cash_usd"):
        x = getattr(v, name)
        if x.size and x.min() < -TOL_USD:
            out.append(Violation("domain", f"funding {name} has a negative value {x.min():,.2f}"))
    for name, x, allowed in (("draw_usd", v.draw_usd, fac.draws), ("repay_usd", v.repay_usd, fac.repays)):
        for f, t in zip(*np.nonzero((np.abs(x) > TOL_USD) & ~allowed)):
            out.append(
                Violation(
                    "domain",
                    f"facility {fac.ids[f]}: {name} {x[f, t]:,.0f} USD outside its window",
                    period=ins.time.labels[t],
                )
            )
    off = np.abs(v.debt_usd - (book.opening + book.capitalised + v.draw_usd - v.repay_usd))
    out += _facility(ins, book, "debt_balance", off - _tol(v.debt_usd, book.opening), "debt not rolled forward")
    return out


@check("funding_balance")
def funding_balance(ins: Inputs, d: Decisions) -> list[Violation]:
    """Sources = uses per operator and period (module docstring); the message says the shortfall."""
    book = ledger(ins, d)
    if book is None:
        return []
    v, per, cash = book.values, book.per_operator, book.cash
    before = np.concatenate([np.zeros((len(ins.operator.ids), 1)), v.cash_usd[:, :-1]], axis=1)
    debt = per(ins, v.draw_usd - book.fee - book.paid - v.repay_usd)
    sources = cash.operating + debt + v.equity_usd + before
    uses = cash.capex + v.distribution_usd + v.cash_usd
    gap = uses - sources
    out = []
    for o, t in zip(*np.nonzero(np.abs(gap) > _tol(sources, uses))):
        what = "short" if gap[o, t] > 0 else "over"
        out.append(
            Violation(
                "funding_balance",
                f"operator {ins.operator.ids[o]}: sources {sources[o, t]:,.0f} USD, uses {uses[o, t]:,.0f} USD "
                f"({what} by {abs(gap[o, t]):,.0f} USD)",
                period=ins.time.labels[t],
                excess=float(gap[o, t]),
            )
        )
    return out


@check("debt_size", "debt_ltc", "debt_ltcv")
def debt_limits(ins: Inputs, d: Decisions) -> list[Violation]:
    """Commitment, loan-to-cost and loan-to-contracted-value limits."""
    book = ledger(ins, d)
    if book is None:
        return []
    v, fac, T = book.values, book.fin.facility, ins.T
    lent = np.cumsum(v.draw_usd + book.capitalised, axis=1)
    finite = np.isfinite(fac.size_usd)
    size = np.zeros((fac.F, T))
    size[finite, -1] = lent[finite, -1] + fac.outstanding_usd[finite] - fac.size_usd[finite]
    out = _facility(ins, book, "debt_size", size - _tol(lent), "commitment exceeded")
    cost = np.cumsum(book.cash.capex_site.T @ fac.cost_sites.T.astype(float), axis=0).T + np.cumsum(
        book.capitalised, axis=1
    )
    last = np.where(fac.draws.any(axis=1), T - 1 - np.argmax(fac.draws[:, ::-1], axis=1), -1)
    open_ = (fac.ltc > 0)[:, None] & (np.arange(T)[None, :] <= last[:, None])
    ltc = np.where(open_, lent - fac.ltc[:, None] * cost, 0.0)
    out += _facility(ins, book, "debt_ltc", ltc - _tol(lent), "principal drawn above the loan-to-cost share")
    value = contracted_value(book)
    ltcv = np.where((fac.ltcv > 0)[:, None] & fac.draws, v.debt_usd - fac.ltcv[:, None] * value, 0.0)
    out += _facility(ins, book, "debt_ltcv", ltcv - _tol(v.debt_usd), "debt above the loan-to-contracted-value")
    return out


def contracted_value(book: Ledger) -> np.ndarray:
    """[F, T] V_t = (V_t+1 + R_t+1) / (1 + i_t+1), V_T-1 = 0: the backing rent after t at the debt rate."""
    fac = book.fin.facility
    rent = fac.backing.astype(float) @ book.cash.rent.sum(axis=1)
    value = np.zeros(rent.shape)
    for t in range(rent.shape[1] - 2, -1, -1):
        value[:, t] = (value[:, t + 1] + rent[:, t + 1]) / (1.0 + fac.rate[:, t + 1])
    return value


@check("amortisation", "debt_maturity")
def repayment(ins: Inputs, d: Decisions) -> list[Violation]:
    """Repayments on schedule (or the sculpted balloon), nothing outstanding from the maturity on."""
    book = ledger(ins, d)
    if book is None:
        return []
    v, fac, T = book.values, book.fin.facility, ins.T
    base = np.array(
        [
            fac.outstanding_usd[f] if b < 0 else (v.debt_usd[f, b] if b < T else 0.0)
            for f, b in enumerate(fac.base_period)
        ]
    )
    due = fac.repays & fac.scheduled[:, None]
    off = np.where(due, np.abs(v.repay_usd - fac.schedule * base[:, None]), 0.0)
    out = _facility(ins, book, "amortisation", off - _tol(v.repay_usd), "repayment off its schedule")
    t = fac.maturity_period - 1
    balloon = np.zeros((fac.F, T))
    for f in np.flatnonzero(~fac.scheduled & (t >= np.maximum(fac.base_period + 1, 0)) & (t < T)):
        balloon[f, t[f]] = v.debt_usd[f, t[f]] - fac.balloon[f] * base[f]
    out += _facility(ins, book, "amortisation", balloon - _tol(base[:, None]), "more than the balloon left")
    late = np.where(fac.matured, v.debt_usd, 0.0)
    return out + _facility(ins, book, "debt_maturity", late - TOL_USD, "debt outstanding at or after maturity")


@check("dscr", "equity_available")
def covenants(ins: Inputs, d: Decisions) -> list[Violation]:
    """The DSCR covenant and the equity each operator has."""
    book = ledger(ins, d)
    if book is None:
        return []
    fac = book.fin.facility
    cfads, tested = coverage(ins, book)
    short = np.where(fac.covenant, fac.dscr[:, None] * tested - cfads, 0.0)
    out = _facility(ins, book, "dscr", short - _tol(cfads), "contracted rent below the DSCR x debt service")
    eq = book.fin.equity
    put = np.cumsum(book.values.equity_usd, axis=1)
    over = np.where(eq.limited[:, None], put - np.cumsum(eq.available_usd, axis=1), 0.0)
    for o, t in zip(*np.nonzero(over > _tol(put))):
        out.append(
            Violation(
                "equity_available",
                f"operator {ins.operator.ids[o]}: equity put in to date exceeds what is available by "
                f"{over[o, t]:,.0f} USD",
                period=ins.time.labels[t],
                excess=float(over[o, t]),
            )
        )
    return out
