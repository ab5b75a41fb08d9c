"""Key figures of a plan, from its decisions and cash flows.

NPV = sum_{stream, class, t} d_class,t flow_t, also given per risk class (base: costs and capex);
the value after the horizon (terminal value and book value streams) is reported apart, with the
NPV without it and its share of the NPV.
IRR: the annual rate at which the net cash flow (values after the horizon included) has value 0;
payback: the first period from which the discounted cumulative net cash flow, once negative, is
back at >= 0. HPC share of power = HPC gross MWh / all gross MWh; of revenue = (leases, GPU
services, cloud) / (those + mining). Concentration is by counterparty (the shares of contract
revenue each counterparty pays, of all HPC revenue), HHI = sum of squared shares. Idle halls:
hall IT capacity in service at the end with nothing in use, as a share of it. Cloud revenue per
GPU-year: self-operated revenue / GPU-years in use, over the first year the cloud is in use (a
run-rate, comparable with the ARR per GPU operators disclose) and over the whole horizon (lower
as GPU-hour prices fall with a generation's age).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from planner.inputs import Inputs
from planner.inputs.finance import CLASSES
from planner.model.finance import AFTER_HORIZON, STREAMS
from planner.results.capex import capex_by_site
from planner.results.cashflows import Flows, irr, npv_of
from planner.results.decisions import Decisions
from planner.results.validator import counterparty_revenue, tenant_rent

HPC_REVENUE = ("lease_revenue", "gpu_service_revenue", "prepayment", "cloud_revenue")


def _stream_totals(by_class: Flows, T: int) -> dict[str, np.ndarray]:
    out = {s: np.zeros(T) for s in STREAMS}
    for (stream, _), value in by_class.items():
        out[stream] += value.sum(axis=0)
    return out


def _by_class(ins: Inputs, by_class: Flows) -> dict[str, float]:
    """NPV of the flows of each risk class (they add up to the NPV): how much of the value rests on
    investment-grade leases, other contracts, market re-lease, own cloud, mining and costs."""
    return {cls: npv_of(ins, {k: v for k, v in by_class.items() if k[1] == cls}) for cls in CLASSES}


def _payback(ins: Inputs, net: np.ndarray) -> str | None:
    disc_cum = np.cumsum(net * ins.time.discount)
    first = next((i for i, v in enumerate(disc_cum) if v >= 0 and (disc_cum[:i] < 0).any()), None)
    return None if first is None else ins.time.labels[first]


def _power(ins: Inputs, d: Decisions) -> dict[str, Any]:
    occ = d.occupied_mw(ins)
    rack_it = occ.sum(axis=1)
    gross_hpc = (ins.site.pue_hpc[:, :, None] * occ).sum(axis=1)
    total = gross_hpc.sum() + (ins.site.pue_mining[:, None] * d.mining_mw).sum()
    end_it = float(rack_it[:, -1].sum())
    hall_end = float((d.halls[:, :, -1] * ins.hall.it_mw[None, :]).sum())
    return {
        "hpc_share_of_power": float(gross_hpc.sum() / total) if total > 0 else 0.0,
        "hpc_it_mw_end": end_it,
        "hall_it_mw_end": hall_end,
        "idle_hall_share_end": max(0.0, hall_end - end_it) / hall_end if hall_end > 0 else 0.0,
        "mining_mw_end": float(d.mining_mw[:, -1].sum()),
        "racks_end": int(d.racks(ins)[:, :, -1].sum()),
        "gross_to_it_ratio": float(gross_hpc.sum() / rack_it.sum()) if rack_it.sum() > 0 else None,
        "racks_per_mw_it_end": float(d.racks_in_use(ins)[:, :, -1].sum() / end_it) if end_it > 0 else None,
    }


def _concentration(ins: Inputs, d: Decisions) -> dict[str, Any]:
    rev, total = counterparty_revenue(ins, d)
    shares = rev / total if total > 0 else np.zeros_like(rev)
    top = int(np.argmax(shares)) if len(shares) else None
    by_offer = np.array([tenant_rent(ins, d, k) for k in range(ins.tenant.K)])
    offer_shares = by_offer / total if total > 0 else np.zeros_like(by_offer)
    return {
        "tenant_max_share": float(offer_shares.max()) if len(offer_shares) else 0.0,
        "tenant_hhi": float((offer_shares**2).sum()),
        "counterparty_max_share": float(shares.max()) if len(shares) else 0.0,
        "counterparty_max": None if top is None or shares[top] == 0 else ins.counterparty.ids[top],
        "counterparty_hhi": float((shares**2).sum()),
        "counterparty_shares": {ins.counterparty.ids[c]: float(shares[c]) for c in np.flatnonzero(shares > 0)},
    }


def _cloud(ins: Inputs, d: Decisions, streams: dict[str, np.ndarray]) -> dict[str, Any]:
    used = d.cloud_used_mw(ins)
    gpus_per_mw = np.array([r.gpus for r in ins.portfolio.catalog.racks]) / ins.rack.mw
    gpu_years = (used * gpus_per_mw[None, :, None] * ins.time.year_fraction[None, None, :]).sum(axis=(0, 1))  # [T]
    revenue = streams["cloud_revenue"]
    live = np.flatnonzero(gpu_years > 1e-9)
    if not len(live):
        return {"cloud_revenue_usd_per_gpu_year": None, "cloud_revenue_usd_per_gpu_year_mean": None}
    months = ins.time.first_month - ins.time.first_month[live[0]]
    first = live[months[live] < 12]
    return {
        "cloud_revenue_usd_per_gpu_year": float(revenue[first].sum() / gpu_years[first].sum()),
        "cloud_revenue_usd_per_gpu_year_mean": float(revenue.sum() / gpu_years.sum()),
    }


def kpis(ins: Inputs, d: Decisions, by_class: Flows, bau_npv_usd: float | None) -> dict[str, Any]:
    """The plan's KPIs (see the module docstring)."""
    streams = _stream_totals(by_class, ins.T)
    net = np.sum([streams[s] for s in STREAMS], axis=0)
    value = npv_of(ins, by_class)
    before = npv_of(ins, by_class, exclude=AFTER_HORIZON)
    hpc_rev = np.sum([streams[s] for s in HPC_REVENUE], axis=0)
    revenue = hpc_rev + streams["mining_revenue"]
    no_racks = dataclasses.replace(d, gpu_racks=np.zeros_like(d.gpu_racks), cloud_in_use=None)
    facility = capex_by_site(ins, no_racks).sum()
    new_hall_it = float(((d.halls[:, :, -1] - ins.site.existing_halls) * ins.hall.it_mw[None, :]).sum())
    return {
        "npv_usd": value,
        "npv_without_terminal_usd": before,
        "npv_by_class_usd": _by_class(ins, by_class),
        "terminal_value_usd": value - before,
        "terminal_value_share": (value - before) / value if value > 0 else None,
        "bau_npv_usd": bau_npv_usd,
        "npv_uplift_usd": None if bau_npv_usd is None else value - bau_npv_usd,
        "irr_per_year": irr(net, ins.time.years),
        "payback_period": _payback(ins, net),
        "hpc_share_of_revenue": float(hpc_rev.sum() / revenue.sum()) if revenue.sum() > 0 else 0.0,
        **_concentration(ins, d),
        **_power(ins, d),
        **_cloud(ins, d, streams),
        "capex_usd": float(-streams["capex"].sum()),
        "facility_capex_usd": float(facility),
        "facility_capex_usd_per_mw_it": float(facility / new_hall_it) if new_hall_it > 0 else None,
        "tenants_signed": [ins.tenant.ids[k] for k, s in enumerate(d.tenant_start) if s is not None],
        "market_it_mw_end": float(d.market_mw(ins)[:, :, -1].sum()),
    }
