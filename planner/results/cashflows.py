"""Cash flows recomputed from the decisions and the inputs alone (never from the model).

They are an independent check of the objective the solver maximised. Every stream is
computed per site and period [S, T], undiscounted, revenues positive and costs negative.

Energy of site s in period t: E = h_t (uptime PUE_m mining + lf sum_r PUE_h,r occupied_r)
MWh, bought from the contracts in force: each contract's take-or-pay volume is paid anyway
and used first, the rest from the cheapest headroom (optimal for this cost).
Capex: hall modules and upgrades when ordered (t - lead), CDUs and GPU racks when installed,
the site conversion when its first new hall serves. Residual value (finance.residual_value):
the straight-line share of each asset's cost left at the horizon end, in the last period.
"""

from __future__ import annotations

import numpy as np

from planner.inputs import Inputs
from planner.model.finance import STREAMS
from planner.results.decisions import Decisions


def increments(x: np.ndarray, base: np.ndarray | float = 0.0) -> np.ndarray:
    """x[..., t] - x[..., t-1] with x[..., -1] = base."""
    prev = np.concatenate([np.broadcast_to(np.asarray(base, dtype=float), x.shape[:-1])[..., None], x[..., :-1]],
                          axis=-1)
    return x - prev


def _pay_at(amount: np.ndarray, ordered: np.ndarray) -> np.ndarray:
    """[..., T] amount[..., t] moved to period ordered[..., t] along the last axis."""
    out = np.zeros(amount.shape)
    index = np.indices(amount.shape)[:-1]
    np.add.at(out, (*index, np.broadcast_to(ordered, amount.shape)), amount)
    return out


def _hosts(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S, T] 1 from the period a site with no HPC at the start has its first new hall."""
    existing = ins.site.existing_halls.sum(axis=1)
    hosts = ((d.halls.sum(axis=1) - existing[:, None]) > 0.5) & (existing == 0)[:, None]
    return np.maximum.accumulate(hosts.astype(float), axis=1)


def _by_site(values: np.ndarray, site: np.ndarray, S: int) -> np.ndarray:
    """[S, T] sums of rows [n, T] by their site."""
    out = np.zeros((S, values.shape[-1]))
    np.add.at(out, site, values)
    return out


def capex_items(ins: Inputs, d: Decisions) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Asset -> ([S, T] cost added in service in t, [S, T] its residual share at the horizon end)."""
    S, T = ins.S, ins.T
    halls = increments(d.halls, ins.site.existing_halls) * ins.hall.capex_usd[None, :, None]
    cdus = increments(d.cdus, ins.site.existing_cdus) * ins.cdu.capex_usd[None, :, None]
    racks = d.gpu_racks * ins.rack.capex_usd[None, :, None]
    upgrades = increments(d.upgrades.astype(float)) * ins.upgrade.capex_usd[:, None]
    grid_share = ins.book(ins.op.grid_residual_share)
    return {
        "halls": (halls, ins.book(ins.hall.residual_share)[None]),
        "cdus": (cdus, ins.book(ins.cdu.residual_share)[None]),
        "gpu_racks": (racks, ins.book(ins.rack.residual_share)[None]),
        "upgrades": (upgrades, np.broadcast_to(grid_share, (len(ins.upgrade.ids), T))),
        "conversion": (increments(_hosts(ins, d)) * ins.site.conversion_cost_usd[:, None],
                       np.broadcast_to(grid_share, (S, T))),
    }


def capex_by_site(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S, T] capex in the period it is paid (see the module docstring)."""
    items = capex_items(ins, d)
    out = _pay_at(items["halls"][0], ins.hall.ordered[None]).sum(axis=1)
    out += _by_site(_pay_at(items["upgrades"][0], ins.upgrade.ordered), ins.upgrade.site, ins.S)
    out += items["cdus"][0].sum(axis=1) + items["gpu_racks"][0].sum(axis=1) + items["conversion"][0]
    return out


def capex_by_period(ins: Inputs, d: Decisions) -> np.ndarray:
    """[T] capex in the period it is paid, the whole portfolio."""
    return capex_by_site(ins, d).sum(axis=0)


def residual_by_site(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S] straight-line residual value at the horizon end of what the plan built or bought."""
    value = {name: (cost * share).sum(axis=-1) for name, (cost, share) in capex_items(ins, d).items()}
    out = value["halls"].sum(axis=1) + value["cdus"].sum(axis=1) + value["gpu_racks"].sum(axis=1) + value["conversion"]
    np.add.at(out, ins.upgrade.site, value["upgrades"])
    return out


def energy_cost_by_site(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S, T] cost of energy bought: take-or-pay volumes first, then cheapest headroom."""
    site, con = ins.site, ins.contract
    occ = d.occupied_mw(ins)
    avg_mw = ins.op.mining_uptime * site.pue_mining[:, None] * d.mining_mw + ins.op.hpc_load_factor * (
        site.pue_hpc[:, :, None] * occ).sum(axis=1)
    cost = np.zeros((ins.S, ins.T))
    for s in range(ins.S):
        mine = np.flatnonzero(con.site == s)
        for t in range(ins.T):
            mw, price = con.mw[mine, t], con.price[mine, t]
            floor = con.take_or_pay[mine] * mw
            rest = max(0.0, avg_mw[s, t] - floor.sum())
            paid = floor.copy()
            for i in np.argsort(price, kind="stable"):
                take = min(rest, mw[i] - floor[i])
                paid[i] += take
                rest -= take
            paid[np.argmax(mw) if len(mw) else 0] += rest  # overdraw (infeasible plan) still costed
            cost[s, t] = float((paid * price).sum() * ins.time.hours[t])
    return cost


def _lease_streams(ins: Inputs, d: Decisions) -> tuple[np.ndarray, np.ndarray]:
    """([S, T] lease revenue, [S, T] pass-through energy paid by tenants)."""
    ten, site = ins.tenant, ins.site
    revenue, through = np.zeros((ins.S, ins.T)), np.zeros((ins.S, ins.T))
    for k, lease in enumerate(d.lease_mw):
        sites = ten.sites(k)
        revenue[sites] += ten.lease_rev_usd_per_mw[k, sites] * lease
        if ten.pass_through[k]:
            energy = ins.time.hours[None, :] * ins.op.hpc_load_factor * site.pue_hpc[sites, ten.rack[k]][:, None] * lease
            through[sites] += site.price[sites] * energy
    return revenue, through


def cash_flows_by_site(ins: Inputs, d: Decisions) -> dict[str, np.ndarray]:
    """Stream -> [S, T] undiscounted cash flow (revenues positive, costs negative)."""
    site, op = ins.site, ins.op
    occ = d.occupied_mw(ins)
    cloud = d.cloud_mw(ins)
    lease, through = _lease_streams(ins, d)
    firm_mw = op.hpc_load_factor * (site.pue_hpc[:, :, None] * occ).sum(axis=1)
    hall_it = (d.halls * ins.hall.it_mw[None, :, None]).sum(axis=1)
    opex = (op.mining_opex_usd_per_mw_period * d.mining_mw + op.hpc_opex_usd_per_mw_period * hall_it
            + op.cloud_opex_usd_per_mw_period * cloud.sum(axis=1))
    residual = np.zeros((ins.S, ins.T))
    residual[:, -1] = residual_by_site(ins, d)
    flows = {
        "mining_revenue": site.mining_rev_usd_per_mw * d.mining_mw,
        "demand_response_credit": site.dr_usd_per_mw_period * d.mining_mw,
        "lease_revenue": lease,
        "power_pass_through": through,
        "cloud_revenue": (ins.rack.cloud_rev_usd_per_mw[None, :, :] * cloud).sum(axis=1),
        "energy_cost": -energy_cost_by_site(ins, d),
        "coincident_peak_cost": -site.cp_usd_per_mw_period * firm_mw,
        "opex": -opex,
        "capex": -capex_by_site(ins, d),
        "residual_value": residual,
    }
    return flows


def cash_flows(ins: Inputs, d: Decisions) -> dict[str, np.ndarray]:
    """Stream -> [T] undiscounted cash flow of the whole portfolio."""
    return {name: flow.sum(axis=0) for name, flow in cash_flows_by_site(ins, d).items()}


def npv(ins: Inputs, flows: dict[str, np.ndarray]) -> float:
    """sum over streams and periods of d_t flow_t."""
    return float(sum((flows[s] * ins.time.discount).sum() for s in STREAMS))


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
