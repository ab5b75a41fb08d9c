"""Funding of a plan recomputed from its decisions and inputs (never from the model): the plan's
cash per operator, the debt ledger, a cash waterfall and the funding KPIs.

The plan's cash (from planner.results.cashflows, undiscounted) summed over each operator o's sites:
operating cash OCF[o,t] (every stream but capex and the values after the horizon), capex
CAPEX[o,t] (paid, positive) and the values after the horizon VALUE_AFTER[o]. Contracted rent
R[k,s,t] = rent per MW x (MW leased, a renewal's at its rate factor). Ledger of a facility f
(a, c, phi, i from planner.inputs.financing):
  O_t = D_t-1 (O_0 the principal outstanding)    I_t = i_t O_t       K_t = c_t I_t (capitalised)
  paid_t = (1 - c_t) I_t     fee_t = phi draw_t     DS_t = paid_t + repay_t (debt service)
Waterfall per operator and period, each row balancing (planner.model.funding, funding_balance):
  OCF + sum_f (draw - fee - paid - repay) + equity + cash_t-1 = CAPEX + distribution + cash_t
Equity cash flow E[o,t] = distribution - equity, plus at the last period the equity's value at
the horizon end, VALUE_AFTER + cash_T-1 - sum_f D_T-1. Equity NPV = sum d^e_t E_t (d^e at the
cost of equity); equity IRR: the rate at which sum_{o} E has value 0 (mid-period years; None
where the value keeps one sign from -99% to 1,000%/yr, e.g. equity that takes distributions from
the mining cash before it puts anything in and is worth more than it puts in at every rate);
equity multiple: what equity gets back over what it puts in, undiscounted,
sum_{o,t} (distribution + the value at the horizon end) / sum_{o,t} equity (None when equity
puts nothing in); equity payback: the first period from which the cumulative sum_o E, discounted at the cost of
equity, is back at >= 0 after being negative. Peak funding need: the most the cumulative
OCF - CAPEX of the portfolio (summed over operators) falls below 0. Minimum DSCR: the least
CFADS_f,t / DS*_f,t over the periods after a facility's draw window and before its maturity
with debt service, of the facilities with a DSCR covenant (CFADS and DS* as the covenant,
:func:`coverage`; a convertible without one is left out).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.inputs import Inputs
from planner.inputs.financing import FinancingInputs, prepare_financing
from planner.model.finance import AFTER_HORIZON
from planner.results.cashflows import Flows, flows_by_class, irr, npv_of
from planner.results.decisions import Decisions
from planner.results.funding_decisions import FundingDecisions


@dataclass(frozen=True)
class PlanCash:
    """The plan's cash the funding must match, undiscounted, USD (module docstring)."""

    operating: np.ndarray  # [O, T]
    capex: np.ndarray  # [O, T] paid, positive
    capex_site: np.ndarray  # [S, T]
    after: np.ndarray  # [O] values after the horizon
    rent: np.ndarray  # [K, S, T] contracted rent


def by_operator(ins: Inputs, per_site: np.ndarray) -> np.ndarray:
    """[O, ...] a [S, ...] array summed over each operator's sites."""
    out = np.zeros((len(ins.operator.ids), *per_site.shape[1:]))
    np.add.at(out, ins.site.operator, per_site)
    return out


def contracted_rent(ins: Inputs, d: Decisions) -> np.ndarray:
    """[K, S, T] rent of every tenant offer: rent per MW x MW leased, a renewal's at its rate factor."""
    ten, paths = ins.tenant, ins.paths
    out = np.zeros((ten.K, ins.S, ins.T))
    for k in range(ten.K):
        path = d.path(ins, k)
        if path is None:
            continue
        base, ren = paths.base_mw[k, path[0], path[1]], paths.renewal_mw[k, path[0], path[1]]
        share = np.divide(ren, base + ren, out=np.zeros_like(ren), where=(base + ren) > 0)
        sites = ten.sites(k)
        out[k, sites] = ten.lease_rev_usd_per_mw[k, sites] * d.lease_mw[k] * (1 - share + ten.renewal_factor[k] * share)
    return out


def plan_cash(ins: Inputs, d: Decisions, flows: Flows | None = None) -> PlanCash:
    """The plan's cash per operator (module docstring)."""
    flows = flows_by_class(ins, d) if flows is None else flows
    zeros = np.zeros((ins.S, ins.T))
    operating, capex, after = zeros.copy(), zeros.copy(), zeros.copy()
    for (stream, _), value in flows.items():
        if stream == "capex":
            capex -= value
        elif stream in AFTER_HORIZON:
            after += value
        else:
            operating += value
    return PlanCash(
        by_operator(ins, operating),
        by_operator(ins, capex),
        capex,
        by_operator(ins, after).sum(axis=1),
        contracted_rent(ins, d),
    )


@dataclass(frozen=True)
class Ledger:
    """A financed plan's funding, recomputed (module docstring); arrays over (facility, period)."""

    fin: FinancingInputs
    cash: PlanCash
    values: FundingDecisions
    opening: np.ndarray
    interest: np.ndarray
    capitalised: np.ndarray
    paid: np.ndarray
    fee: np.ndarray
    debt_service: np.ndarray

    def per_operator(self, ins: Inputs, x: np.ndarray) -> np.ndarray:
        """[O, T] a [F, T] array summed over each operator's facilities."""
        out = np.zeros((len(ins.operator.ids), ins.T))
        np.add.at(out, self.fin.facility.operator, x)
        return out


def ledger(ins: Inputs, d: Decisions, flows: Flows | None = None) -> Ledger | None:
    """The ledger of a financed plan (None when the plan has no funding decisions)."""
    fin = prepare_financing(ins)
    if fin is None or d.funding is None:
        return None
    v, fac = d.funding, fin.facility
    opening = np.concatenate([fac.outstanding_usd[:, None], v.debt_usd[:, :-1]], axis=1)
    interest = fac.rate * opening
    capitalised = np.where(fac.capitalise, interest, 0.0)
    paid = interest - capitalised
    return Ledger(
        fin,
        plan_cash(ins, d, flows),
        v,
        opening,
        interest,
        capitalised,
        paid,
        fac.fee_share[:, None] * v.draw_usd,
        paid + v.repay_usd,
    )


def coverage(ins: Inputs, book: Ledger) -> tuple[np.ndarray, np.ndarray]:
    """([F, T] CFADS, [F, T] debt service tested): a facility with backing tenants against their rent
    and its own debt service; one without, pari passu with its operator's other such facilities,
    against the rent of the operator's tenants that back no facility."""
    fac, rent = book.fin.facility, book.cash.rent.sum(axis=1)  # [K, T]
    backed_rent = fac.backing.astype(float) @ rent
    free = by_operator(ins, (book.cash.rent * ~book.fin.pledged[:, None, None]).sum(axis=0))  # [O, T]
    unbacked_ds = book.per_operator(ins, np.where(fac.backed[:, None], 0.0, book.debt_service))
    cfads = np.where(fac.backed[:, None], backed_rent, free[fac.operator])
    tested = np.where(fac.backed[:, None], book.debt_service, unbacked_ds[fac.operator])
    return cfads, tested


def debt_life(fin: FinancingInputs) -> np.ndarray:
    """[F, T] the periods after a facility's draw window and before its maturity."""
    draws = fin.facility.draws
    started = np.cumsum(draws, axis=1) > 0
    drawn_before = ~draws.any(axis=1, keepdims=True)  # draw window before the horizon
    return (started | drawn_before) & ~draws & ~fin.facility.matured


def waterfall(ins: Inputs, book: Ledger) -> pd.DataFrame:
    """One row per operator and period: the funding_balance row of the module docstring."""
    v, per = book.values, book.per_operator
    columns = {
        "capex_usd": book.cash.capex,
        "operating_cash_usd": book.cash.operating,
        "draws_usd": per(ins, v.draw_usd),
        "fees_usd": per(ins, book.fee),
        "interest_paid_usd": per(ins, book.paid),
        "interest_capitalised_usd": per(ins, book.capitalised),
        "repayment_usd": per(ins, v.repay_usd),
        "equity_in_usd": v.equity_usd,
        "distributions_usd": v.distribution_usd,
        "cash_kept_usd": v.cash_usd,
        "debt_outstanding_usd": per(ins, v.debt_usd),
    }
    n_op = len(ins.operator.ids)
    frame = pd.DataFrame(
        {
            "operator": np.repeat(ins.operator.ids, ins.T),
            "period": np.tile(ins.time.labels, n_op),
            **{k: x.ravel() for k, x in columns.items()},
        }
    )
    frame["free_cash_flow_usd"] = frame["operating_cash_usd"] - frame["capex_usd"]
    return frame


def equity_flows(ins: Inputs, book: Ledger) -> np.ndarray:
    """[O, T] E: distributions less equity put in, the equity's value at the horizon end in the last period."""
    v = book.values
    out = v.distribution_usd - v.equity_usd
    out[:, -1] += book.cash.after + v.cash_usd[:, -1] - book.per_operator(ins, v.debt_usd)[:, -1]
    return out


def equity_npv(ins: Inputs, book: Ledger) -> float:
    """sum_{o,t} d^e_t E[o,t] (module docstring)."""
    return float((equity_flows(ins, book) * book.fin.equity_discount[None, :]).sum())


def objective_usd(ins: Inputs, d: Decisions, flows: Flows | None = None) -> float:
    """What the plan maximised, recomputed: the equity NPV under ``objective: equity_npv``, else the NPV."""
    flows = flows_by_class(ins, d) if flows is None else flows
    book = ledger(ins, d, flows)
    if book is not None and book.fin.objective == "equity_npv":
        return equity_npv(ins, book)
    return npv_of(ins, flows)


def peak_funding_usd(ins: Inputs, d: Decisions, flows: Flows | None = None) -> float:
    """The most the portfolio's cumulative OCF - CAPEX falls below 0 (0 when it never does)."""
    cash = plan_cash(ins, d, flows)
    return float(max(0.0, -np.cumsum((cash.operating - cash.capex).sum(axis=0)).min(initial=0.0)))


def min_dscr(ins: Inputs, book: Ledger) -> float | None:
    """The least CFADS / DS* over the periods with debt service of the lives of the facilities with a
    DSCR covenant (None: none)."""
    cfads, tested = coverage(ins, book)
    live = debt_life(book.fin) & (tested > 1.0) & (book.fin.facility.dscr > 0)[:, None]
    return float((cfads[live] / tested[live]).min()) if live.any() else None


def _payback(ins: Inputs, flows: np.ndarray, discount: np.ndarray) -> str | None:
    cum = np.cumsum(flows * discount)
    first = next((i for i, v in enumerate(cum) if v >= 0 and (cum[:i] < 0).any()), None)
    return None if first is None else ins.time.labels[first]


def funding_kpis(ins: Inputs, d: Decisions, flows: Flows | None = None) -> dict[str, Any]:
    """equity_irr_per_year, equity_multiple, equity_payback_period, equity_npv_usd, peak_funding_usd,
    debt_peak_usd, min_dscr (module docstring); the equity and debt figures None without financing."""
    flows = flows_by_class(ins, d) if flows is None else flows
    out: dict[str, Any] = {"peak_funding_usd": peak_funding_usd(ins, d, flows)}
    book = ledger(ins, d, flows)
    if book is None:
        keys = (
            "equity_irr_per_year",
            "equity_multiple",
            "equity_payback_period",
            "equity_npv_usd",
            "debt_peak_usd",
            "min_dscr",
        )
        return {**out, **dict.fromkeys(keys)}
    total = equity_flows(ins, book).sum(axis=0)
    put_in = float(book.values.equity_usd.sum())
    debt = book.values.debt_usd.sum(axis=0)
    return {
        **out,
        "equity_irr_per_year": irr(total, ins.time.years),
        "equity_multiple": (float(total.sum()) + put_in) / put_in if put_in > 1.0 else None,
        "equity_payback_period": _payback(ins, total, book.fin.equity_discount),
        "equity_npv_usd": equity_npv(ins, book),
        "debt_peak_usd": float(debt.max(initial=0.0)) if book.fin.facility.F else 0.0,
        "min_dscr": min_dscr(ins, book) if book.fin.facility.F else None,
    }
