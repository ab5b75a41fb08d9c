"""Self-operated GPUs (the operator's own AI cloud): racks bought in cohorts that earn for their life.

Variables (s site, r rack type, t period), where site s can hold HPC and rack r can be cooled
there (liquid, or air with air capacity), never in business as usual:
  gpu_racks[s,r,t] >= 0   racks bought in t (integer in the whole-rack step), at most what the
                          site's halls could hold
  cloud_mw[s,r,t] >= 0    self-operated IT MW in service
Constraints:
  gpu_fleet     cloud[s,r,t] = cloud[s,r,t-1] + mw_r (gpu_racks[s,r,t] - sum_{tau: retire_r(tau) = t} gpu_racks[s,r,tau])
                (the racks bought in tau serve until retire_r(tau), the period their life ends)
  cloud_market  sum_{s,r} cloud[s,r,t] <= the market's MW (when the scenario caps it)
Cash flows [s,t]: cloud revenue sum_r cloud_r,t cloud, opex -o_cloud cloud; capex: racks when
bought; residual value of racks still within their life at the horizon end.
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
    """Self-operated racks bought and in service."""

    bought: Var  # [site, rack, period]
    mw: Var  # [site, rack, period]
    allowed: np.ndarray  # [S, R] where self-operated racks may be
    spend: LinExpr  # [site, period] capex when paid
    revenue: LinExpr  # [site, period] undiscounted cloud revenue
    flows: dict[str, LinExpr]


def define_cloud(m: ModelBuilder, ins: Inputs, site_it_ub: np.ndarray, mode: str, integer_racks: bool) -> Cloud:
    """gpu_racks and cloud_mw with gpu_fleet and cloud_market (module docstring)."""
    rack = ins.rack
    allowed = (site_it_ub.max(axis=1) > 0)[:, None] & (rack.liquid[None, :] | (ins.site.air_capacity_mw[:, None] > 0))
    allowed &= mode != "bau"
    where = P(allowed, "site rack")
    bought = m.var("gpu_racks", "site rack period", upper=P(np.floor(site_it_ub[:, None, :] / rack.mw[None, :, None]),
                   "site rack period"), integer=integer_racks, where=where)
    mw = m.var("cloud_mw", "site rack period", upper=P(site_it_ub, "site period"), where=where)
    added = (bought - bought.expr().move("period", P(rack.retire, "rack period"))) * P(rack.mw, "rack")
    m.constrain("gpu_fleet", mw - mw.shift("period", 1) - added, "==", 0.0)
    if ins.op.cloud_max_it_mw is not None:
        m.constrain("cloud_market", mw.sum("site", "rack"), "<=", P(ins.op.cloud_max_it_mw, "period"))
    spend = (bought * P(rack.capex_usd, "rack")).sum("rack")
    book = (bought * P(rack.capex_usd[:, None] * ins.book(rack.residual_share), "rack period")).sum("rack", "period")
    revenue = (mw * P(rack.cloud_rev_usd_per_mw, "rack period")).sum("rack")
    flows = {"cloud_revenue": revenue, "opex": mw.sum("rack") * P(-ins.op.cloud_opex_usd_per_mw_period, "period"),
             "capex": -spend, "residual_value": at_last_period(book, ins.T)}
    return Cloud(bought, mw, allowed, spend, revenue, flows)
