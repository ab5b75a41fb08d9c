"""Self-operated GPUs (the operator's own AI cloud): racks bought in cohorts, kept, refreshed or retired.

Variables (s site, r rack type, t period), where site s can hold HPC and rack r can be cooled
there (liquid, or air with air capacity), never in business as usual:
  gpu_racks[s,r,t] >= 0   racks bought in t (integer in the whole-rack step), only once the type is
                          available (its generation delivered), at most what the site's halls could hold
  cloud_mw[s,r,t] >= 0    self-operated IT MW owned and not yet at the end of its life
  cloud_in_use[s,r,t]     racks of it in service (integer in the whole-rack step); the rest is retired
                          early: idle, drawing no power and
                          no cooling, earning nothing, its racks in their hall positions until their life ends
Constraints:
  gpu_fleet     cloud[s,r,t] = cloud[s,r,t-1]
                  + mw_r (gpu_racks[s,r,t] - sum_{tau: retire_r(tau) = t} gpu_racks[s,r,tau])
                (the racks bought in tau serve until retire_r(tau), the period their life ends)
  cloud_in_use  mw_r in_use[s,r,t] <= cloud[s,r,t]
  cloud_market  sum_{s,r} in_use[s,r,t] <= the market's MW (scenario cap, all operators)
  operator_cloud_market  sum_{s of o, r} in_use[s,r,t] <= operator o's market (its cap)
Keep, retire or replace: a generation whose GPU-hour price has fallen below its running cost is
taken out of use, and newer racks bought in its place where they pay.
Cash flows [s,t]: cloud revenue sum_r cloud_r,t in_use (risk class cloud); opex -o_cloud in_use and
-share x cloud revenue; capex: all-in racks when bought; residual value of racks still within
their life at the horizon end (book mode).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder
from planner.model.buildout import at_last_period


@dataclass(frozen=True)
class Cloud:
    """Self-operated racks bought, owned and in use."""

    bought: Var  # [site, rack, period]
    mw: Var  # [site, rack, period] owned
    in_use: Var  # [site, rack, period] racks
    running: LinExpr  # [site, rack, period] MW in use
    allowed: np.ndarray  # [S, R] where self-operated racks may be
    spend: LinExpr  # [site, period] capex when paid
    revenue: LinExpr  # [site, period] undiscounted cloud revenue
    flows: dict[tuple[str, str], LinExpr]


def define_cloud(m: ModelBuilder, ins: Inputs, site_it_ub: np.ndarray, mode: str, integer_racks: bool) -> Cloud:
    """gpu_racks, cloud_mw and cloud_in_use with gpu_fleet, cloud_in_use and the markets (module docstring)."""
    rack = ins.rack
    allowed = (site_it_ub.max(axis=1) > 0)[:, None] & (rack.liquid[None, :] | (ins.site.air_capacity_mw[:, None] > 0))
    allowed &= mode != "bau"
    where = P(allowed, "site rack")
    buy = P(allowed[:, :, None] & rack.available[None, :, :], "site rack period")
    bought = m.var(
        "gpu_racks",
        "site rack period",
        upper=P(np.floor(site_it_ub[:, None, :] / rack.mw[None, :, None]), "site rack period"),
        integer=integer_racks,
        where=buy,
    )
    mw = m.var("cloud_mw", "site rack period", upper=P(site_it_ub, "site period"), where=where)
    in_use = m.var(
        "cloud_in_use",
        "site rack period",
        upper=P(np.floor(site_it_ub[:, None, :] / rack.mw[None, :, None]), "site rack period"),
        integer=integer_racks,
        where=where,
    )
    added = (bought - bought.expr().move("period", P(rack.retire, "rack period"))) * P(rack.mw, "rack")
    m.constrain("gpu_fleet", mw - mw.shift("period", 1) - added, "==", 0.0)
    running = in_use * P(rack.mw, "rack")
    m.constrain("cloud_in_use", running - mw, "<=", 0.0)
    _markets(m, ins, running)
    spend = (bought * P(rack.capex_usd, "rack")).sum("rack")
    book = (bought * P(rack.capex_usd[:, None] * ins.book(rack.residual_share), "rack period")).sum("rack", "period")
    revenue = (running * P(rack.cloud_rev_usd_per_mw, "rack period")).sum("rack")
    opex = running.sum("rack") * P(-ins.op.cloud_opex_usd_per_mw_period, "period") + revenue * -ins.op.cloud_opex_share
    flows = {
        ("cloud_revenue", "cloud"): revenue,
        ("opex", "base"): opex,
        ("capex", "base"): -spend,
        ("residual_value", "base"): at_last_period(book, ins.T),
    }
    return Cloud(bought, mw, in_use, running, allowed, spend, revenue, flows)


def _markets(m: ModelBuilder, ins: Inputs, in_use: LinExpr) -> None:
    """cloud_market (all operators, when the scenario caps it) and operator_cloud_market."""
    if ins.op.cloud_max_it_mw is not None:
        m.constrain("cloud_market", in_use.sum("site", "rack"), "<=", P(ins.op.cloud_max_it_mw, "period"))
    caps = ins.operator.cloud_max_it_mw
    if np.isfinite(caps).any():
        by_operator = in_use.sum("rack").group("site", "operator", ins.site.operator, len(caps))
        m.constrain(
            "operator_cloud_market",
            by_operator,
            "<=",
            P(np.where(np.isfinite(caps), caps, 0.0), "operator"),
            where=P(np.isfinite(caps), "operator"),
        )
