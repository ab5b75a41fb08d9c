"""Finance: the NPV objective, the capex budget and the tenant concentration cap.

Every concern hands over its cash flows by stream over (site, period), undiscounted, with capex
in the period it is paid and the residual value in the last period:
  NPV = sum_stream sum_{s,t} d_t flow_stream[s,t]
  budget          sum_s capex[s,t] <= B                                        (each period)
  concentration   sum_{s,t} rev[k,s,t] <= cap (sum_{k',s,t} rev[k',s,t] + sum_{s,t} cloud[s,t])   (each tenant)
with rev the undiscounted lease revenue (rate x MW, pass-through energy excluded).
"""

from __future__ import annotations

from planner.inputs import Inputs
from planner.model.algebra import LinExpr, P
from planner.model.builder import ModelBuilder

STREAMS = ("mining_revenue", "demand_response_credit", "lease_revenue", "power_pass_through", "cloud_revenue",
           "energy_cost", "coincident_peak_cost", "opex", "capex", "residual_value")
"""Cash-flow streams, revenues positive and costs negative, as the results report them."""


def collect_flows(*parts: dict[str, LinExpr]) -> dict[str, LinExpr]:
    """Stream -> [site, period] cash flow, summed over the concerns that contribute to it."""
    flows: dict[str, LinExpr] = {}
    for part in parts:
        for stream, expr in part.items():
            if stream not in STREAMS:
                raise KeyError(f"unknown cash-flow stream {stream!r}")
            flows[stream] = flows[stream] + expr if stream in flows else expr
    return flows


AFTER_HORIZON = ("residual_value",)
"""Streams that are values at the horizon end, not cash of a period."""


def cash_by_site(flows: dict[str, LinExpr]) -> tuple[LinExpr, LinExpr]:
    """(operating cash flow, capex spent) over (site, period), undiscounted: the cash the funding
    of each operator has to match (values after the horizon left out)."""
    operating = [f for k, f in flows.items() if k not in ("capex", *AFTER_HORIZON)]
    total = sum(operating[1:], operating[0])
    return total, -flows["capex"]


def npv(ins: Inputs, flows: dict[str, LinExpr]) -> LinExpr:
    """sum over streams, sites and periods of d_t flow[s,t]."""
    discount = P(ins.time.discount, "period")
    total = [(flow * discount).sum() for flow in flows.values()]
    return sum(total[1:], total[0]) if total else LinExpr.constant(0.0)


def define_budget(m: ModelBuilder, ins: Inputs, spend: LinExpr) -> None:
    """budget: capex paid in each period <= the budget per period (when one is given)."""
    if ins.op.budget_usd_per_period is not None:
        m.constrain("budget", spend.sum("site"), "<=", ins.op.budget_usd_per_period)


def define_concentration(m: ModelBuilder, ins: Inputs, lease_revenue: LinExpr, cloud_revenue: LinExpr,
                         mode: str) -> None:
    """concentration: each tenant's contract revenue <= cap x all HPC revenue (when a cap is given)."""
    cap = ins.op.concentration_cap
    if cap is None or mode == "bau" or not ins.tenant.ids:
        return
    per_tenant = lease_revenue.sum("site", "period")
    everything = per_tenant.sum() + cloud_revenue.sum()
    m.constrain("concentration", per_tenant - everything * cap, "<=", 0.0)
