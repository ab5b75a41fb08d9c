"""Power: contracted MW, interconnect with upgrades, energy bought with take-or-pay, passed through at cost.

With gross[s,t] = PUE_m,s mining[s,t] + sum_r PUE_h,sr it[s,r,t] (HPC power is provisioned for the
IT MW leased or self-operated: firm):
  power_contract  gross[s,t] <= sum_{c at s} MW_c,t                 (contracts in force)
  interconnect    gross[s,t] <= IC_s + sum_{u at s} MW_u upgrade[u,t]
  upgrade[u,t] in {0,1}, non-decreasing (upgrade_build), 0 before its lead time (1 from its date when
  under construction at the start); capex drawn over its construction.
Energy (average MW), drawn over the site's contracts; draw_pt is the energy of tenants who pay it
at cost (pass_through and modified_gross leases), draw the rest:
  energy             sum_c draw[c,t] = uptime PUE_m mining + lf sum_r PUE_h,sr (it - it_pt)[s,r,t]
  energy_pass_through  sum_c draw_pt[c,t] = lf sum_r PUE_h,sr it_pt[s,r,t]
  contract_draw      draw[c,t] + draw_pt[c,t] <= MW_c,t
  take_or_pay        paid[c,t] >= draw[c,t] + draw_pt[c,t],  top_c MW_c,t <= paid[c,t] <= MW_c,t (bounds)
  resale             resold[c,t] + draw[c,t] + draw_pt[c,t] <= paid[c,t],  resold[c,t] <= top_c MW_c,t (bound):
                     energy paid and not drawn is resold, up to the take-or-pay block, where the contract
                     allows it (with draw above the block, nothing is left to resell)
Each MWh a tenant uses is billed to it at the price of the contract it is drawn from, so a higher
contract price (resale prices held) never raises the plan's value; a scenario multiplier scales
resale prices too, and where resale pays more than the contract, resold take-or-pay energy earns more.
Cash flows [s,t]: energy -h_t sum_c price_c,t paid; pass-
through +h_t sum_c price_c,t draw_pt; resale of paid, undrawn take-or-pay energy +h_t resale_c,t resold;
coincident peak -CP_s,t lf sum_r PUE (it - it_pt)
(tenants who pay their energy pay their share of the peak charge too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs
from planner.inputs.power import contracted_mw
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder
from planner.model.buildout import at_last_period, capex_paid, monotone, residual


@dataclass(frozen=True)
class Power:
    """Upgrades and energy decisions."""

    upgrade: Var  # [upgrade, period]
    draw: Var  # [contract, period]
    draw_pt: Var  # [contract, period]
    paid: Var  # [contract, period]
    resold: Var  # [contract, period]
    spend: LinExpr  # [site, period] upgrade capex when paid
    gross: LinExpr  # [site, period] gross MW drawn
    added: LinExpr  # [site, period] interconnect MW added by upgrades
    flows: dict[tuple[str, str], LinExpr]


def define_power(m: ModelBuilder, ins: Inputs, mining: Var, it: LinExpr, it_pt: LinExpr) -> Power:
    """upgrade, draw, draw_pt and paid with the families of the module docstring."""
    site, up, con, S = ins.site, ins.upgrade, ins.contract, ins.S
    upgrade = m.var(
        "upgrade",
        "upgrade period",
        lower=P(up.committed, "upgrade period"),
        upper=P(up.ready, "upgrade period"),
        integer=True,
    )
    monotone(m, "upgrade_build", upgrade)
    gross = mining * P(site.pue_mining, "site") + (it * P(site.pue_hpc, "site rack")).sum("rack")
    m.constrain("power_contract", gross, "<=", P(contracted_mw(con, S), "site period"))
    added = (upgrade * P(up.mw, "upgrade")).group("upgrade", "site", up.site, S)
    m.constrain("interconnect", gross - added, "<=", P(site.interconnect_mw, "site"))
    draw, draw_pt, paid, resold = _energy(m, ins, mining, it, it_pt)
    hours = P(ins.time.hours, "period")
    to_site = lambda e: e.group("contract", "site", con.site, S)  # noqa: E731
    landlord_it = (it - it_pt) * P(ins.op.hpc_load_factor * site.pue_hpc, "site rack")
    resale = resold * P(con.resale, "contract period") * hours
    spend = capex_paid(upgrade, P(up.capex_usd, "upgrade"), up.draws, owner="upgrade").group(
        "upgrade", "site", up.site, S
    )
    book = residual(upgrade, P(up.capex_usd, "upgrade"), P(ins.book(ins.op.grid_residual_share), "period"))
    flows = {
        ("energy_cost", "base"): to_site(paid * P(-con.price, "contract period") * hours),
        ("power_pass_through", "base"): to_site(draw_pt * P(con.price, "contract period") * hours),
        ("energy_resale", "base"): to_site(resale),
        ("coincident_peak_cost", "base"): landlord_it.sum("rack") * P(-site.cp_usd_per_mw_period, "site period"),
        ("capex", "base"): -spend,
        ("residual_value", "base"): at_last_period(book.group("upgrade", "site", up.site, S), ins.T),
    }
    return Power(upgrade, draw, draw_pt, paid, resold, spend, gross, added, flows)


def _energy(m: ModelBuilder, ins: Inputs, mining: Var, it: LinExpr, it_pt: LinExpr) -> tuple[Var, Var, Var, Var]:
    """draw, draw_pt, paid and resold with energy, energy_pass_through, contract_draw, take_or_pay and resale."""
    site, con, S = ins.site, ins.contract, ins.S
    pt_sites = _pass_through_sites(ins)
    draw = m.var("draw_mw", "contract period", upper=P(con.mw, "contract period"))
    draw_pt = m.var(
        "draw_pt_mw", "contract period", upper=P(con.mw, "contract period"), where=P(pt_sites[con.site], "contract")
    )
    floor = con.take_or_pay[:, None] * con.mw
    paid = m.var("paid_mw", "contract period", lower=P(floor, "contract period"), upper=P(con.mw, "contract period"))
    resold = m.var(
        "resold_mw",
        "contract period",
        upper=P(floor, "contract period"),
        where=P((con.resale > 0) & (floor > 0), "contract period"),
    )
    load = ins.op.hpc_load_factor * site.pue_hpc
    own = ((it - it_pt) * P(load, "site rack")).sum("rack")
    m.constrain(
        "energy",
        draw.expr().group("contract", "site", con.site, S)
        - mining * P(ins.op.mining_uptime * site.pue_mining, "site")
        - own,
        "==",
        0.0,
    )
    passed = (it_pt * P(load, "site rack")).sum("rack")
    m.constrain("energy_pass_through", draw_pt.expr().group("contract", "site", con.site, S) - passed, "==", 0.0)
    m.constrain(
        "contract_draw", draw + draw_pt, "<=", P(con.mw, "contract period"), where=P(pt_sites[con.site], "contract")
    )
    m.constrain("take_or_pay", paid - draw - draw_pt, ">=", 0.0)
    m.constrain("resale", resold + draw + draw_pt - paid, "<=", 0.0, where=resold.exists)
    return draw, draw_pt, paid, resold


def _pass_through_sites(ins: Inputs) -> np.ndarray:
    """[S] sites where a tenant who pays its energy may be served."""
    ten, mk = ins.tenant, ins.market
    tenants = (ten.eligible & ten.pass_through[:, None]).any(axis=0) if ten.K else np.zeros(ins.S, dtype=bool)
    markets = (mk.eligible & mk.pass_through[:, None]).any(axis=0) if mk.M else np.zeros(ins.S, dtype=bool)
    return tenants | markets
