"""Cash flows recomputed from the decisions and the inputs alone (never from the model).

They are an independent check of the objective the solver maximised. Every flow is computed per
(stream, risk class) and per site and period [S, T], undiscounted, revenues positive and costs
negative, by the rules the model's docstrings state (planner.model.*): rent by the MW leased (a
renewal's at its rate factor) split into the investment-grade-backed share and the rest, opex
recovered, energy bought and paid back (planner.results.energy), capex drawn over construction,
what depends on a contract's path (delay, GPU-service purchases, prepayment, resale), market
leases, the self-operated cloud, and the value after the horizon in the last period.
"""

from __future__ import annotations

import numpy as np

from planner.inputs import Inputs
from planner.model.finance import STREAMS
from planner.results.capex import capex_by_site, residual_by_site
from planner.results.decisions import Decisions
from planner.results.energy import dispatch
from planner.results.exit_value import exit_value_usd

Flows = dict[tuple[str, str], np.ndarray]


def _add(flows: Flows, key: tuple[str, str], value: np.ndarray) -> None:
    flows[key] = flows[key] + value if key in flows else np.array(value, dtype=float)


def _tenant_flows(ins: Inputs, d: Decisions, k: int, flows: Flows, zeros: np.ndarray) -> None:
    """Rent, recovery, GPU-service opex, path cash and value after the horizon of tenant k."""
    ten, paths, cash = ins.tenant, ins.paths, ins.cash
    path = d.path(ins, k)
    if path is None:
        return
    j, r = path
    sites, lease = ten.sites(k), d.lease_mw[k]
    base, ren = paths.base_mw[k, j, r], paths.renewal_mw[k, j, r]
    share = np.divide(ren, base + ren, out=np.zeros_like(ren), where=(base + ren) > 0)
    rent = zeros.copy()
    rent[sites] = ten.lease_rev_usd_per_mw[k, sites] * lease * (1 - share + ten.renewal_factor[k] * share)
    stream = "gpu_service_revenue" if ten.gpu_service[k] else "lease_revenue"
    _add(flows, (stream, "investment_grade"), rent * ten.ig_share[k])
    _add(flows, (stream, "contracted"), rent * (1 - ten.ig_share[k]))
    mw = zeros.copy()
    mw[sites] = lease
    _add(flows, ("opex_recovery", "base"), mw * ten.opex_recovery_usd_per_mw_period[k][None, :])
    if ten.gpu_service[k]:
        gross = rent / max(1e-12, 1.0 - ten.prepayment_share[k])
        _add(
            flows,
            ("opex", "base"),
            -(mw * ins.op.cloud_opex_usd_per_mw_period[None, :] + ins.op.cloud_opex_share * gross),
        )
    at = zeros.copy()
    for key, values, sign in (
        (("delay_penalty", "base"), cash.delay, -1.0),
        (("capex", "base"), cash.gpu_capex, -1.0),
        (("gpu_resale", "base"), cash.gpu_resale, 1.0),
    ):
        at[:] = 0.0
        at[cash.site[k]] = sign * values[k, j, r]
        _add(flows, key, at)
    for risk, part in (("investment_grade", ten.ig_share[k]), ("contracted", 1 - ten.ig_share[k])):
        at[:] = 0.0
        at[cash.site[k]] = cash.prepayment[k, j, r] * part
        _add(flows, ("prepayment", risk), at)
    value = zeros.copy()
    value[sites, -1] = lease.max(axis=1) * ins.terminal.tenant[k, sites, j, r] / ins.fin.factor("base")[-1]
    _add(flows, ("terminal_value", "base"), value)


def _market_flows(ins: Inputs, d: Decisions, flows: Flows, zeros: np.ndarray) -> None:
    """Rent, recovery, re-fit capex and value after the horizon of market leases and of idle capacity
    re-leased to the market (planner.results.exit_value)."""
    mk = ins.market
    new, occupied, paying = d.market_signed(ins), d.market_mw(ins), d.market_mw(ins, paying=True)
    _add(flows, ("lease_revenue", "market"), (paying * mk.rent_usd_per_mw[:, None, :]).sum(axis=0) + zeros)
    _add(
        flows,
        ("opex_recovery", "base"),
        (occupied * mk.opex_recovery_usd_per_mw_period[:, None, :]).sum(axis=0) + zeros,
    )
    _add(flows, ("capex", "base"), -(new * mk.refit_usd_per_mw[:, None, None]).sum(axis=0) + zeros)
    value = zeros.copy()
    value[:, -1] = ((new * ins.terminal.market).sum(axis=(0, 2)) + exit_value_usd(ins, d)) / ins.fin.factor("base")[-1]
    _add(flows, ("terminal_value", "base"), value)


def _pass_through_it(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S, R, T] IT MW whose tenants pay their energy."""
    out = np.zeros((ins.S, len(ins.rack.ids), ins.T))
    for k, lease in enumerate(d.lease_mw):
        if ins.tenant.pass_through[k]:
            out[ins.tenant.sites(k), ins.tenant.rack[k], :] += lease
    market = d.market_mw(ins)
    for m in range(ins.market.M):
        if ins.market.pass_through[m]:
            out[:, ins.market.rack[m], :] += market[m]
    return out


def _site_flows(ins: Inputs, d: Decisions, flows: Flows) -> None:
    """Mining, cloud, hall opex, energy, coincident peak, capex and book value."""
    site, op = ins.site, ins.op
    cloud = d.cloud_used_mw(ins)
    cloud_rev = (ins.rack.cloud_rev_usd_per_mw[None, :, :] * cloud).sum(axis=1)
    pt_it = _pass_through_it(ins, d)
    load = op.hpc_load_factor * site.pue_hpc[:, :, None]
    landlord_it = (load * (d.occupied_mw(ins) - pt_it)).sum(axis=1)
    energy = dispatch(
        ins, op.mining_uptime * site.pue_mining[:, None] * d.mining_mw + landlord_it, (load * pt_it).sum(axis=1)
    )
    hall_it = (d.halls * ins.hall.it_mw[None, :, None]).sum(axis=1)
    residual = np.zeros((ins.S, ins.T))
    residual[:, -1] = residual_by_site(ins, d)
    for key, value in (
        (("mining_revenue", "mining"), site.mining_rev_usd_per_mw * d.mining_mw),
        (("demand_response_credit", "mining"), site.dr_usd_per_mw_period * d.mining_mw),
        (("cloud_revenue", "cloud"), cloud_rev),
        (
            ("opex", "base"),
            -(
                op.mining_opex_usd_per_mw_period * d.mining_mw
                + op.hpc_opex_usd_per_mw_period * hall_it
                + op.cloud_opex_usd_per_mw_period * cloud.sum(axis=1)
                + op.cloud_opex_share * cloud_rev
            ),
        ),
        (("energy_cost", "base"), -energy.cost),
        (("power_pass_through", "base"), energy.pass_through),
        (("energy_resale", "base"), energy.resale),
        (("coincident_peak_cost", "base"), -site.cp_usd_per_mw_period * landlord_it),
        (("capex", "base"), -capex_by_site(ins, d)),
        (("residual_value", "base"), residual),
    ):
        _add(flows, key, value)


def flows_by_class(ins: Inputs, d: Decisions) -> Flows:
    """(stream, risk class) -> [S, T] undiscounted cash flow (module docstring)."""
    flows: Flows = {}
    zeros = np.zeros((ins.S, ins.T))
    _site_flows(ins, d, flows)
    for k in range(ins.tenant.K):
        _tenant_flows(ins, d, k, flows, zeros)
    _market_flows(ins, d, flows, zeros)
    return flows


def cash_flows_by_site(ins: Inputs, d: Decisions) -> dict[str, np.ndarray]:
    """Stream -> [S, T] undiscounted cash flow, every risk class together."""
    by_class = flows_by_class(ins, d)
    out = {s: np.zeros((ins.S, ins.T)) for s in STREAMS}
    for (stream, _), value in by_class.items():
        out[stream] += value
    return out


def cash_flows(ins: Inputs, d: Decisions) -> dict[str, np.ndarray]:
    """Stream -> [T] undiscounted cash flow of the whole portfolio."""
    return {name: flow.sum(axis=0) for name, flow in cash_flows_by_site(ins, d).items()}


def npv_of(ins: Inputs, by_class: Flows, exclude: tuple[str, ...] = ()) -> float:
    """sum over streams (but `exclude`) and risk classes of d_class,t flow[s,t]."""
    return float(
        sum(
            (value * ins.fin.factor(risk)[None, :]).sum()
            for (stream, risk), value in by_class.items()
            if stream not in exclude
        )
    )


def npv(ins: Inputs, d: Decisions, exclude: tuple[str, ...] = ()) -> float:
    """NPV of a plan's decisions (risk-class discounting)."""
    return npv_of(ins, flows_by_class(ins, d), exclude)


def irr(net: np.ndarray, years: np.ndarray) -> float | None:
    """Annual IRR of a net cash flow at mid-period `years` (bisection on the NPV sign change), or None."""
    if not (net < 0).any() or not (net > 0).any():
        return None

    def value(rate: float) -> float:
        return float((net * (1 + rate) ** (-years)).sum())

    lo, hi = -0.99, 10.0
    if value(lo) * value(hi) > 0:
        return None
    for _ in range(200):
        mid = (lo + hi) / 2
        if value(lo) * value(mid) <= 0:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2
