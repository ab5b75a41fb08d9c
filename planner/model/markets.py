"""Market re-lease: built capacity leased to generic tenants at the market rate (planner.inputs.markets).

Variables (m market, s eligible site, t period), none in business as usual:
  market_new[m,s,t] >= 0    IT MW of leases signed in t
  market_mw[m,s,t] >= 0     IT MW under market leases (occupying halls, re-fit and vacancy included)
  market_rent[m,s,t] >= 0   IT MW paying rent (after the downtime)
Constraints:
  market_fleet  mw[t] = mw[t-1] + new[t] - sum_{tau: ends_m(tau) = t} new[tau]
  market_rent   rent[t] = rent[t-1] + sum_{tau: rent_from_m(tau) = t} new[tau] - sum_{tau: ends_m(tau) = t} new[tau]
  market_cap    sum_s mw[m,s,t] <= the market's MW
Cash flows [s,t] (rent in risk class market: demand not signed today): rent rent_m,t rent;
opex recovered per occupied MW;
re-fit capex -refit_m new; the contracted value after the horizon of the leases still running.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder


@dataclass(frozen=True)
class MarketLeases:
    """Market re-lease decisions."""

    new: Var  # [market, site, period]
    mw: Var  # [market, site, period]
    rent: Var  # [market, site, period]
    revenue: LinExpr  # [site, period]
    flows: dict[tuple[str, str], LinExpr]


def define_markets(m: ModelBuilder, ins: Inputs, site_it_ub: np.ndarray, mode: str) -> MarketLeases:
    """market_new, market_mw and market_rent with market_fleet, market_rent and market_cap."""
    mk = ins.market
    allowed = mk.eligible[:, :, None] & (site_it_ub.max(axis=1) > 0)[None, :, None] & (mode != "bau")
    upper = P(np.broadcast_to(site_it_ub[None], (mk.M, ins.S, ins.T)), "market site period")
    new = m.var(
        "market_new", "market site period", upper=upper, where=P(allowed & mk.open[:, None, :], "market site period")
    )
    where = P(np.broadcast_to(allowed, (mk.M, ins.S, ins.T)), "market site period")
    mw = m.var("market_mw", "market site period", upper=upper, where=where)
    rent = m.var("market_rent", "market site period", upper=upper, where=where)
    ended = new.expr().move("period", P(mk.ends, "market period"))
    m.constrain("market_fleet", mw - mw.shift("period", 1) - new + ended, "==", 0.0)
    started = new.expr().move("period", P(mk.rent_from, "market period"))
    m.constrain("market_rent", rent - rent.shift("period", 1) - started + ended, "==", 0.0)
    m.constrain("market_cap", mw.sum("site"), "<=", P(mk.max_it_mw, "market"))
    revenue = (rent * P(mk.rent_usd_per_mw, "market period")).sum("market")
    recovery = (mw * P(mk.opex_recovery_usd_per_mw_period, "market period")).sum("market")
    refit = (new * P(mk.refit_usd_per_mw, "market")).sum("market")
    scale = np.zeros(ins.T)
    scale[-1] = 1.0 / ins.fin.factor("base")[-1]
    value = (new * P(ins.terminal.market, "market site period")).sum("market", "period") * P(scale, "period")
    flows = {
        ("lease_revenue", "market"): revenue,
        ("opex_recovery", "base"): recovery,
        ("capex", "base"): -refit,
        ("terminal_value", "base"): value,
    }
    return MarketLeases(new, mw, rent, revenue, flows)
