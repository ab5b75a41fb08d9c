"""Key figures of a plan, from its decisions and cash flows.

  NPV = sum_t d_t net_t; IRR: the annual rate at which it is 0; payback: the first period from
  which the discounted cumulative net cash flow, once negative, is back at >= 0.
  HPC share of power = HPC gross MWh / all gross MWh; of revenue = (lease + cloud) / (mining +
  lease + cloud). Tenant shares are of HPC revenue (lease + cloud), HHI = sum of squared shares.
  Facility capex is capex without GPU racks, per MW of hall IT added.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from planner.inputs import Inputs
from planner.model.finance import STREAMS
from planner.results.cashflows import capex_by_period, irr, npv
from planner.results.decisions import Decisions


def _payback(ins: Inputs, net: np.ndarray) -> str | None:
    disc_cum = np.cumsum(net * ins.time.discount)
    first = next((i for i, v in enumerate(disc_cum) if v >= 0 and (disc_cum[:i] < 0).any()), None)
    return None if first is None else ins.time.labels[first]


def _shares(ins: Inputs, d: Decisions, flows: dict[str, np.ndarray]) -> np.ndarray:
    """[K] each tenant's share of HPC revenue."""
    total = float((flows["lease_revenue"] + flows["cloud_revenue"]).sum())
    revenue = (ins.tenant.lease_rev_usd_per_mw * d.leased_mw(ins)).sum(axis=(1, 2))
    return revenue / total if total > 0 else np.zeros_like(revenue)


def _power(ins: Inputs, d: Decisions) -> dict[str, Any]:
    occ = d.occupied_mw(ins)
    rack_it = occ.sum(axis=1)
    gross_hpc = (ins.site.pue_hpc[:, :, None] * occ).sum(axis=1)
    total = gross_hpc.sum() + (ins.site.pue_mining[:, None] * d.mining_mw).sum()
    end_it = float(rack_it[:, -1].sum())
    return {
        "hpc_share_of_power": float(gross_hpc.sum() / total) if total > 0 else 0.0,
        "hpc_it_mw_end": end_it,
        "mining_mw_end": float(d.mining_mw[:, -1].sum()),
        "racks_end": int(d.racks(ins)[:, :, -1].sum()),
        "gross_to_it_ratio": float(gross_hpc.sum() / rack_it.sum()) if rack_it.sum() > 0 else None,
        "racks_per_mw_it_end": float(d.racks_in_use(ins)[:, :, -1].sum() / end_it) if end_it > 0 else None,
    }


def kpis(ins: Inputs, d: Decisions, flows: dict[str, np.ndarray], bau_npv_usd: float | None) -> dict[str, Any]:
    """The plan's KPIs (see the module docstring)."""
    net = sum(flows[s] for s in STREAMS)
    value = npv(ins, flows)
    shares = _shares(ins, d, flows)
    revenue = sum(flows[s] for s in ("mining_revenue", "lease_revenue", "cloud_revenue"))
    hpc_rev = flows["lease_revenue"] + flows["cloud_revenue"]
    facility = capex_by_period(ins, Decisions(d.mining_mw, d.halls, np.zeros_like(d.gpu_racks), d.cdus, d.upgrades,
                                              d.tenant_start, d.lease_mw)).sum()
    hall_it = float(((d.halls[:, :, -1] - ins.site.existing_halls) * ins.hall.it_mw[None, :]).sum())
    power = _power(ins, d)
    return {
        "npv_usd": value,
        "bau_npv_usd": bau_npv_usd,
        "npv_uplift_usd": None if bau_npv_usd is None else value - bau_npv_usd,
        "irr_per_year": irr(net, ins.time.years),
        "payback_period": _payback(ins, net),
        "hpc_share_of_power": power.pop("hpc_share_of_power"),
        "hpc_share_of_revenue": float(hpc_rev.sum() / revenue.sum()) if revenue.sum() > 0 else 0.0,
        "tenant_max_share": float(shares.max()) if len(shares) else 0.0,
        "tenant_hhi": float((shares**2).sum()),
        **power,
        "capex_usd": float(-flows["capex"].sum()),
        "facility_capex_usd": float(facility),
        "facility_capex_usd_per_mw_it": float(facility / hall_it) if hall_it > 0 else None,
        "tenants_signed": [ins.tenant.ids[k] for k, s in enumerate(d.tenant_start) if s is not None],
    }
