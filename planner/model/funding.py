"""Funding: debt facilities and equity per operator, and the cash of the plan they must match.

The plan's cash (planner.model.finance.cash_by_site, undiscounted) summed over each operator o's
sites: operating cash OCF[o,t] and capex CAPEX[o,t]. Variables (f facility of operator o(f), t
period, all >= 0; i, c, a, L... from planner.inputs.financing):
  draw[f,t]      drawn in t (draw window)            debt[f,t]     principal at the end of t
  repay[f,t]     principal repaid in t (schedule)    equity[o,t]   new equity put in
  distribution[o,t]  cash paid out to equity         cash[o,t]     cash kept at the end of t
  ltc_headroom[f,t], contracted_value[f,t]  (facilities with a loan-to-cost or -contracted-value limit)
Expressions: opening O[f,t] = debt[f,t-1] (the outstanding principal at t = 0); interest
I = i O; capitalised K = c I; fee = phi draw; debt service DS = (1 - c) I + repay.
Families (rows over (facility, period) unless said):
  debt_balance       debt = O + K + draw - repay
  debt_size          outstanding + sum_t (draw + K) <= size                            (facility)
  debt_ltc           ltc_headroom_t = ltc_headroom_t-1 + ltc (CAPEX_f,t + K_t) - draw_t - K_t, headroom >= 0:
                     principal drawn to date <= ltc x (capex of its sites + capitalised interest) to date
  contracted_value   V_t = (V_t+1 + RENT_f,t+1) / (1 + i_t+1), V = 0 in the last period
  debt_ltcv          debt_t <= ltcv V_t                                                (draw window)
  amortisation       level / straight_line: repay_t = a_t B*, B* = debt at the end of t_a - 1;
                     sculpted: debt_{t_m - 1} <= b B*
  debt_maturity      debt_t <= 0 from the maturity period on
  dscr               CFADS_f,t >= DSCR_f DS*_f,t    (covenant periods)
  equity_available   sum_{tau<=t} equity[o,tau] <= sum_{tau<=t} available[o,tau]       (operator, period)
  funding_balance    OCF + sum_f (draw - fee - (1 - c) I - repay) + equity + cash_t-1
                       = CAPEX + distribution + cash_t                               (operator, period)
CFADS of a facility with backing tenants is their rent (lease revenue), and DS* its own debt
service; a facility without is tested with every such facility of its operator, pari passu,
against the rent of the operator's tenants pledged to no facility. All linear, no integers.

Objective (planner.describe.financing): ``enterprise_npv`` keeps the NPV of the flows (funding
only has to be feasible); ``equity_npv`` maximises
  sum_{o,t} d^e_t (distribution - equity) + d^e_{T-1} sum_o (VALUE_AFTER_o + cash[o,T-1] - sum_{f of o} debt[f,T-1])
with VALUE_AFTER the flows' values after the horizon (terminal or residual value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.inputs import Inputs
from planner.inputs.financing import FinancingInputs
from planner.model.algebra import LinExpr, P, Param, Var, canonical
from planner.model.builder import ModelBuilder
from planner.model.finance import cash_by_site, npv


@dataclass(frozen=True)
class Cash:
    """The plan's cash the funding must match, undiscounted."""

    operating: LinExpr  # (operator, period)
    capex: LinExpr  # (operator, period)
    capex_site: LinExpr  # (site, period)
    after: LinExpr  # (operator,) values after the horizon
    rent: LinExpr  # (tenant, site, period) contracted rent


@dataclass(frozen=True)
class Funding:
    """The funding variables and the expressions the results and the objective read."""

    draw: Var
    debt: Var
    repay: Var
    equity: Var
    distribution: Var
    cash: Var
    interest: LinExpr  # (facility, period)
    capitalised: LinExpr  # (facility, period)
    debt_service: LinExpr  # (facility, period)
    equity_npv: LinExpr  # scalar
    objective: str
    columns: np.ndarray  # every column of the funding model (planner.solve.funding_step fixes the rest)


def regroup(expr: LinExpr, dim: str, to: str, labels: np.ndarray, size: int) -> LinExpr:
    """LinExpr.group of an expression that may carry a constant (its constant summed by label too)."""
    const = expr.dense_const()
    terms = LinExpr(expr.dims, expr.shape, expr.row, expr.var, expr.coef, np.zeros([1] * len(expr.dims)))
    out = terms.group(dim, to, labels, size)
    if not np.any(const != 0):
        return out
    rest = tuple(d for d in expr.dims if d != dim)
    moved = np.moveaxis(const, expr.dims.index(dim), 0)
    summed = np.zeros((size, *moved.shape[1:]))
    keep = np.asarray(labels) >= 0
    np.add.at(summed, np.asarray(labels)[keep], moved[keep])
    dims = canonical((to, *rest))
    values = np.moveaxis(summed, 0, dims.index(to))
    return out + LinExpr.constant(P(values, " ".join(dims)))


def cash_of(ins: Inputs, flows: dict, rent: LinExpr) -> Cash:
    """The funding's cash from the model's flows (planner.model.finance) and tenant rent
    (tenant, site, period)."""
    operating, capex = cash_by_site(flows)
    every = list(flows.values())
    after = (sum(every[1:], every[0]) - operating + capex).sum("period")
    n_op = len(ins.operator.ids)
    op = ins.site.operator
    return Cash(
        regroup(operating, "site", "operator", op, n_op),
        regroup(capex, "site", "operator", op, n_op),
        capex,
        regroup(after, "site", "operator", op, n_op),
        rent,
    )


def cumulative(expr: LinExpr) -> LinExpr:
    """sum_{tau <= t} expr[..., tau] (for expressions with few terms per period)."""
    total = expr
    for k in range(1, expr.sizes["period"]):
        total = total + expr.shift("period", k)
    return total


UNIT_USD = 1e6
"""Funding variables are carried in M USD (USD-sized columns next to capex coefficients of 1e8 made
HiGHS's presolve return a wrong 'optimal' on TeraWulf with a project facility)."""


def _constrain(m: ModelBuilder, family: str, expr: LinExpr, sense: str, rhs: Any, where: Param | None = None) -> None:
    """A funding family's rows in M USD (its USD terms divided by UNIT_USD): rows of USD-sized
    terms (cash flows of 1e9) over M USD columns made HiGHS prove a feasible MILP infeasible."""
    scaled = Param(rhs.values / UNIT_USD, rhs.dims) if isinstance(rhs, Param) else float(rhs) / UNIT_USD
    m.constrain(family, expr * (1.0 / UNIT_USD), sense, scaled, where=where)


def _usd(m: ModelBuilder, name: str, dims: str, where: Param | None = None) -> tuple[Var, LinExpr]:
    """A family of funding variables (in M USD) and its value in USD."""
    v = m.var(name, dims, where=where)
    return v, v * UNIT_USD


def _register(m: ModelBuilder, ins: Inputs, fin: FinancingInputs) -> None:
    """The facility (and operator) dimension in the builder's sizes and labels."""
    m.sizes["facility"] = fin.facility.F
    m.labels["facility"] = fin.facility.ids
    m.labels.setdefault("operator", ins.operator.ids)


def _first(values: np.ndarray, T: int) -> np.ndarray:
    """[F, T] `values` in period 0, zeros after."""
    out = np.zeros((len(values), T))
    out[:, 0] = values
    return out


def define_funding(m: ModelBuilder, ins: Inputs, fin: FinancingInputs, cash: Cash) -> Funding:
    """Funding variables and families (module docstring)."""
    _register(m, ins, fin)
    first = m.num_cols
    fac, T, n_op = fin.facility, ins.T, len(ins.operator.ids)
    fp = "facility period"
    draw_v, draw = _usd(m, "draw", fp, P(fac.draws, fp))
    debt_v, debt = _usd(m, "debt", fp)
    repay_v, repay = _usd(m, "repay", fp, P(fac.repays, fp))
    opening = debt.shift("period", 1) + P(_first(fac.outstanding_usd, T), fp)
    interest = opening * P(fac.rate, fp)
    capitalised = interest * P(fac.capitalise, fp)
    debt_service = interest * P(~fac.capitalise, fp) + repay
    _constrain(m, "debt_balance", debt - opening - capitalised - draw + repay, "==", 0.0)
    _size(m, fin, draw, capitalised)
    _loan_to_cost(m, fin, cash, draw, capitalised)
    _loan_to_value(m, ins, fin, cash, debt)
    _amortisation(m, fin, debt, repay, T)
    _constrain(m, "debt_maturity", debt, "<=", 0.0, where=P(fac.matured, fp))
    _covenant(m, ins, fin, cash, debt_service)
    equity_v, equity = _usd(m, "equity", "operator period")
    dist_v, distribution = _usd(m, "distribution", "operator period")
    cash_v, kept = _usd(m, "cash", "operator period")
    _constrain(
        m,
        "equity_available",
        cumulative(equity),
        "<=",
        P(np.cumsum(fin.equity.available_usd, axis=1), "operator period"),
        where=P(fin.equity.limited, "operator"),
    )
    net_debt = draw - draw * P(fac.fee_share, "facility") - debt_service
    sources = (
        cash.operating
        + regroup(net_debt, "facility", "operator", fac.operator, n_op)
        + equity
        + kept.shift("period", 1)
    )
    _constrain(m, "funding_balance", sources - cash.capex - distribution - kept, "==", 0.0)
    value = _equity_npv(ins, fin, cash, equity, distribution, kept, debt)
    columns = np.arange(first, m.num_cols)
    return Funding(
        draw_v,
        debt_v,
        repay_v,
        equity_v,
        dist_v,
        cash_v,
        interest,
        capitalised,
        debt_service,
        value,
        fin.objective,
        columns,
    )


def _size(m: ModelBuilder, fin: FinancingInputs, draw: LinExpr, capitalised: LinExpr) -> None:
    """debt_size: outstanding + draws + capitalised interest within the commitment (where there is one)."""
    fac = fin.facility
    finite = np.isfinite(fac.size_usd)
    _constrain(
        m,
        "debt_size",
        (draw + capitalised).sum("period"),
        "<=",
        P(np.where(finite, fac.size_usd - fac.outstanding_usd, 0.0), "facility"),
        where=P(finite, "facility"),
    )


def _loan_to_cost(m: ModelBuilder, fin: FinancingInputs, cash: Cash, draw: LinExpr, capitalised: LinExpr) -> None:
    """debt_ltc: the headroom left under the loan-to-cost limit never falls below 0."""
    fac, fp = fin.facility, "facility period"
    last = np.where(fac.draws.any(axis=1), fac.draws.shape[1] - 1 - np.argmax(fac.draws[:, ::-1], axis=1), -1)
    open_ = (fac.ltc > 0)[:, None] & (np.arange(fac.draws.shape[1])[None, :] <= last[:, None])
    if not open_.any():
        return
    _, headroom = _usd(m, "ltc_headroom", fp, P(open_, fp))
    cost = (cash.capex_site * P(fac.cost_sites, "facility site")).sum("site") + capitalised
    change = headroom - headroom.shift("period", 1) - cost * P(fac.ltc, "facility") + draw + capitalised
    _constrain(m, "debt_ltc", change, "==", 0.0, where=P(open_, fp))


def _backed_rent(fin: FinancingInputs, cash: Cash) -> LinExpr:
    """(facility, period) rent of each facility's backing tenants."""
    return (cash.rent.sum("site") * P(fin.facility.backing, "facility tenant")).sum("tenant")


def _loan_to_value(m: ModelBuilder, ins: Inputs, fin: FinancingInputs, cash: Cash, debt: LinExpr) -> None:
    """contracted_value and debt_ltcv (module docstring)."""
    fac, fp = fin.facility, "facility period"
    if not (fac.ltcv > 0).any():
        return
    has = np.broadcast_to((fac.ltcv > 0)[:, None], (fac.F, ins.T))
    _, value = _usd(m, "contracted_value", fp, P(has, fp))
    ahead = np.concatenate([fac.rate[:, 1:], np.zeros((fac.F, 1))], axis=1)
    later = (value.shift("period", -1) + _backed_rent(fin, cash).shift("period", -1)) * P(1.0 / (1.0 + ahead), fp)
    _constrain(m, "contracted_value", value - later, "==", 0.0, where=P(has, fp))
    _constrain(m, "debt_ltcv", debt - value * P(fac.ltcv, "facility"), "<=", 0.0, where=P(has & fac.draws, fp))


def _amortisation(m: ModelBuilder, fin: FinancingInputs, debt: LinExpr, repay: LinExpr, T: int) -> None:
    """amortisation: scheduled repayments of B*, or at most the balloon left before the maturity."""
    fac, fp = fin.facility, "facility period"
    base = np.zeros((fac.F, T))
    inside = (fac.base_period >= 0) & (fac.base_period < T)
    base[np.flatnonzero(inside), fac.base_period[inside]] = 1.0
    start = debt.where(P(base, fp)).sum("period") + P(fac.outstanding_usd * (fac.base_period < 0), "facility")
    due = fac.repays & fac.scheduled[:, None]
    _constrain(m, "amortisation", repay - start * P(fac.schedule, fp), "==", 0.0, where=P(due, fp))
    before = np.zeros((fac.F, T), dtype=bool)
    t = fac.maturity_period - 1
    sculpted = ~fac.scheduled & (t >= np.maximum(fac.base_period + 1, 0)) & (t < T)
    before[np.flatnonzero(sculpted), t[sculpted]] = True
    _constrain(m, "amortisation", debt - start * P(fac.balloon, "facility"), "<=", 0.0, where=P(before, fp))


def _covenant(m: ModelBuilder, ins: Inputs, fin: FinancingInputs, cash: Cash, debt_service: LinExpr) -> None:
    """dscr: CFADS >= DSCR x the debt service tested with it (module docstring)."""
    fac = fin.facility
    if not fac.covenant.any():
        return
    n_op = len(ins.operator.ids)
    pooled = np.zeros((n_op, fac.F))
    pooled[fac.operator[~fac.backed], np.flatnonzero(~fac.backed)] = 1.0  # operator -> its unbacked facilities
    free = (cash.rent * P(~fin.pledged, "tenant")).sum("tenant")
    free_rent = regroup(free, "site", "operator", ins.site.operator, n_op)
    cfads = _backed_rent(fin, cash) + (free_rent * P(pooled, "operator facility")).sum("operator")
    unbacked = regroup(debt_service * P(~fac.backed, "facility"), "facility", "operator", fac.operator, n_op)
    tested = debt_service * P(fac.backed, "facility") + (unbacked * P(pooled, "operator facility")).sum("operator")
    _constrain(m, "dscr", cfads - tested * P(fac.dscr, "facility"), ">=", 0.0, where=P(fac.covenant, "facility period"))


def _equity_npv(
    ins: Inputs, fin: FinancingInputs, cash: Cash, equity: LinExpr, distribution: LinExpr, kept: LinExpr, debt: LinExpr
) -> LinExpr:
    """The equity NPV at the cost of equity (module docstring)."""
    T = ins.T
    flows = ((distribution - equity) * P(fin.equity_discount, "period")).sum()
    last = np.zeros(T)
    last[-1] = 1.0
    end = kept.where(P(last, "period")).sum() - debt.where(P(last, "period")).sum() + cash.after.sum()
    return flows + end * float(fin.equity_discount[-1])


def objective(ins: Inputs, flows: dict, funding: Funding | None) -> LinExpr:
    """What the plan maximises: the NPV of the flows, or the equity NPV when financing asks for it."""
    if funding is not None and funding.objective == "equity_npv":
        return funding.equity_npv
    return npv(ins, flows)


def has_financing(ins: Inputs, mode: str) -> bool:
    """Whether the model funds the plan: a portfolio with financing, planned (not business as usual)."""
    return mode == "plan" and ins.portfolio.spec.financing is not None
