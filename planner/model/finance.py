"""Finance: the NPV objective by risk class, the capex budget and the counterparty concentration cap.

Every concern hands over its cash flows keyed by (stream, risk class) over (site, period),
undiscounted, with capex in the period it is paid and values after the horizon in the last period:
  NPV = sum_{stream, class} sum_{s,t} d_class,t flow[s,t]          (planner.inputs.finance)
  budget          sum_s capex[s,t] <= B                                        (each period)
  concentration   sum_{k of c} sum_{s,t} rev[k,s,t] <= cap (all contract revenue + cloud revenue)
                  (each counterparty c)
with rev the undiscounted rent of a lease, a GPU-service contract or a market lease.
"""

from __future__ import annotations

from planner.inputs import Inputs
from planner.inputs.finance import CLASSES
from planner.model.algebra import LinExpr, P
from planner.model.builder import ModelBuilder

STREAMS = (
    "mining_revenue",
    "demand_response_credit",
    "lease_revenue",
    "gpu_service_revenue",
    "prepayment",
    "opex_recovery",
    "power_pass_through",
    "energy_resale",
    "cloud_revenue",
    "energy_cost",
    "coincident_peak_cost",
    "opex",
    "delay_penalty",
    "capex",
    "gpu_resale",
    "residual_value",
    "terminal_value",
)
"""Cash-flow streams, revenues positive and costs negative, as the results report them."""
AFTER_HORIZON = ("residual_value", "terminal_value")
"""Streams that are values at the horizon end, not cash of a period."""

Flows = dict[tuple[str, str], LinExpr]


ROW_USD = 1e6
"""Budget and concentration rows are written in M USD: rows of USD-sized coefficients (1e7-1e9)
next to rows of MW left HiGHS with a 'feasible' point breaking the cap by more than its tolerance
and a bound below the NPV of a valid plan (IREN at a 50% cap)."""


def collect_flows(*parts: Flows) -> Flows:
    """(stream, class) -> [site, period] cash flow, summed over the concerns that contribute to it."""
    flows: Flows = {}
    for part in parts:
        for key, expr in part.items():
            stream, risk = key
            if stream not in STREAMS or risk not in CLASSES:
                raise KeyError(f"unknown cash-flow stream or risk class {key!r}")
            flows[key] = flows[key] + expr if key in flows else expr
    return flows


def cash_by_site(flows: Flows) -> tuple[LinExpr, LinExpr]:
    """(operating cash flow, capex spent) over (site, period), undiscounted: the cash the funding of
    each operator has to match (values after the horizon left out)."""
    operating = [f for (stream, _), f in flows.items() if stream not in ("capex", *AFTER_HORIZON)]
    capex = [f for (stream, _), f in flows.items() if stream == "capex"]
    return sum(operating[1:], operating[0]), -sum(capex[1:], capex[0])


def npv(ins: Inputs, flows: Flows) -> LinExpr:
    """sum over streams, classes, sites and periods of d_class,t flow[s,t]."""
    total = [(flow * P(ins.fin.factor(risk), "period")).sum() for (_, risk), flow in flows.items()]
    return sum(total[1:], total[0]) if total else LinExpr.constant(0.0)


def define_budget(m: ModelBuilder, ins: Inputs, spend: LinExpr) -> None:
    """budget: capex paid in each period <= the budget per period (when one is given)."""
    if ins.op.budget_usd_per_period is not None:
        m.constrain("budget", spend.sum("site") * (1.0 / ROW_USD), "<=", ins.op.budget_usd_per_period / ROW_USD)


def define_concentration(
    m: ModelBuilder, ins: Inputs, tenant_revenue: LinExpr, market_revenue: LinExpr, cloud_revenue: LinExpr, mode: str
) -> None:
    """concentration: each counterparty's contract revenue <= cap x all HPC revenue (when a cap is given)."""
    cap = ins.op.concentration_cap
    if cap is None or mode == "bau" or not ins.tenant.ids:
        return
    per_tenant = tenant_revenue.sum("site", "period")
    per_party = per_tenant.group("tenant", "counterparty", ins.tenant.counterparty, len(ins.counterparty.ids))
    everything = per_tenant.sum() + market_revenue.sum() + cloud_revenue.sum()
    m.constrain("concentration", (per_party - everything * cap) * (1.0 / ROW_USD), "<=", 0.0)
