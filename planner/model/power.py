"""Power: contracted MW, interconnect with upgrades, energy bought with take-or-pay.

With gross[s,t] = PUE_m,s mining[s,t] + sum_r PUE_h,sr it[s,r,t] (HPC power is provisioned for
the IT MW leased or self-operated: firm):
  power_contract  gross[s,t] <= sum_{c at s} MW_c,t                 (contracts in force)
  interconnect    gross[s,t] <= IC_s + sum_{u at s} MW_u upgrade[u,t]
  upgrade[u,t] in {0,1}, non-decreasing (upgrade_build), 0 before its lead time; capex paid when ordered.
Energy (average MW), drawn over the site's contracts:
  energy       sum_{c at s} draw[c,t] = uptime PUE_m mining[s,t] + lf sum_r PUE_h,sr it[s,r,t]
  take_or_pay  pay[c,t] >= draw[c,t],  pay[c,t] >= top_c MW_c,t (a bound: the floor is paid regardless)
Cash flows [s,t]: energy -h_t sum_c price_c,t pay[c,t]; coincident peak -CP_s,t lf sum_r PUE_h,sr it
(the charge falls on firm HPC load; mining curtails at the peaks); capex of upgrades.
"""

from __future__ import annotations

from dataclasses import dataclass


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
    paid: Var  # [contract, period]
    spend: LinExpr  # [site, period] upgrade capex when paid
    flows: dict[str, LinExpr]


def define_power(m: ModelBuilder, ins: Inputs, mining: Var, it: LinExpr) -> Power:
    """upgrade, draw and paid with power_contract, interconnect, energy and take_or_pay (module docstring)."""
    site, up, con, S = ins.site, ins.upgrade, ins.contract, ins.S
    upgrade = m.var("upgrade", "upgrade period", upper=P(up.ready, "upgrade period"), integer=True)
    monotone(m, "upgrade_build", upgrade)
    gross = mining * P(site.pue_mining, "site") + (it * P(site.pue_hpc, "site rack")).sum("rack")
    m.constrain("power_contract", gross, "<=", P(contracted_mw(con, S), "site period"))
    added = (upgrade * P(up.mw, "upgrade")).group("upgrade", "site", up.site, S)
    m.constrain("interconnect", gross - added, "<=", P(site.interconnect_mw, "site"))
    draw = m.var("draw_mw", "contract period", upper=P(con.mw, "contract period"))
    paid = m.var("paid_mw", "contract period", lower=P(con.take_or_pay[:, None] * con.mw, "contract period"))
    firm = (it * P(ins.op.hpc_load_factor * site.pue_hpc, "site rack")).sum("rack")
    drawn = draw.expr().group("contract", "site", con.site, S)
    m.constrain("energy", drawn - mining * P(ins.op.mining_uptime * site.pue_mining, "site") - firm, "==", 0.0)
    m.constrain("take_or_pay", paid - draw, ">=", 0.0)
    energy = (paid * P(-con.price * ins.time.hours[None, :], "contract period")).group("contract", "site", con.site, S)
    spend = capex_paid(upgrade, P(up.capex_usd, "upgrade"), P(up.ordered, "upgrade period")).group(
        "upgrade", "site", up.site, S)
    book = residual(upgrade, P(up.capex_usd, "upgrade"), P(ins.book(ins.op.grid_residual_share), "period"))
    flows = {"energy_cost": energy, "coincident_peak_cost": firm * P(-site.cp_usd_per_mw_period, "site period"),
             "capex": -spend,
             "residual_value": at_last_period(book.group("upgrade", "site", up.site, S), ins.T)}
    return Power(upgrade, draw, paid, spend, flows)
