"""The plan as tables (pandas): per site and period, tenants, cash flows, procurement.

Units are in the column names (``_mw``, ``_m2``, ``_usd``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.inputs import Inputs
from planner.inputs.power import contracted_mw
from planner.model.finance import STREAMS
from planner.results.capex import increments
from planner.results.cashflows import Flows
from planner.results.decisions import Decisions


def site_period(ins: Inputs, d: Decisions) -> pd.DataFrame:
    """One row per site and period: loads, capacities, halls, floor, CDUs, racks by type."""
    site, S, T = ins.site, ins.S, ins.T
    occ = d.occupied_mw(ins)
    grid = np.repeat(site.interconnect_mw[:, None], T, axis=1).astype(float)
    np.add.at(grid, ins.upgrade.site, ins.upgrade.mw[:, None] * d.upgrades)
    installed = d.installed_mw(ins)
    floor = (ins.rack.m2_per_mw[None, :, None] * installed).sum(axis=1) + (ins.cdu.m2[None, :, None] * d.cdus).sum(
        axis=1
    )
    columns = {
        "site_id": np.repeat(site.ids, T),
        "period": np.tile(ins.time.labels, S),
        "mining_mw": d.mining_mw,
        "hpc_it_mw": occ.sum(axis=1),
        "leased_mw": d.leased_mw(ins).sum(axis=0),
        "cloud_mw": d.cloud_used_mw(ins).sum(axis=1),
        "cloud_idle_mw": (d.cloud_mw(ins) - d.cloud_used_mw(ins)).sum(axis=1),
        "market_mw": d.market_mw(ins).sum(axis=0),
        "occupied_mw": occ.sum(axis=1),
        "gross_mw": site.pue_mining[:, None] * d.mining_mw + (site.pue_hpc[:, :, None] * occ).sum(axis=1),
        "contracted_mw": contracted_mw(ins.contract, S),
        "grid_mw": grid,
        "halls": d.halls.sum(axis=1).astype(int),
        "hall_floor_used_m2": floor,
        "hall_floor_m2": (ins.hall.m2[None, :, None] * d.halls).sum(axis=1),
        "cdus": d.cdus.sum(axis=1).astype(int),
    }
    racks = d.racks(ins)
    columns.update({f"racks_{rid}": racks[:, r, :].astype(int) for r, rid in enumerate(ins.rack.ids)})
    return pd.DataFrame(
        {k: (v.ravel() if isinstance(v, np.ndarray) and v.ndim == 2 else v) for k, v in columns.items()}
    )


def tenants(ins: Inputs, d: Decisions) -> pd.DataFrame:
    """One row per tenant and site it is served at (one row for an unsigned offer)."""
    ten = ins.tenant
    rows = []
    for k, tid in enumerate(ten.ids):
        start = d.tenant_start[k]
        for j, s in enumerate(ten.sites(k)):
            mw = float(d.lease_mw[k][j].max()) if d.lease_mw[k].size else 0.0
            if (start is None and j > 0) or (start is not None and mw <= 1e-6):
                continue
            rows.append(
                {
                    "tenant_id": tid,
                    "committed": bool(ten.committed[k]),
                    "signed": start is not None,
                    "site_id": ins.site.ids[s] if start is not None else None,
                    "it_mw": mw,
                    "start": None if start is None else ins.time.label(start),
                    "term_months": int(ten.term_months[k]),
                    "revenue_usd": float((ten.lease_rev_usd_per_mw[k, s] * d.lease_mw[k][j]).sum()),
                }
            )
    return pd.DataFrame(
        rows, columns=["tenant_id", "committed", "signed", "site_id", "it_mw", "start", "term_months", "revenue_usd"]
    )


def cash_flow_table(ins: Inputs, flows: dict[str, np.ndarray], by_class: Flows) -> pd.DataFrame:
    """One row per period: every stream, the net, the base discount factor, and the present value
    of the period's flows, each discounted at its risk class's rate (they add up to the NPV:
    net x discount_factor does not, as revenue classes are discounted at their own rates)."""
    cf = pd.DataFrame({"period": ins.time.labels, **{k: flows[k] for k in STREAMS}})
    cf["net"] = cf[list(STREAMS)].sum(axis=1)
    cf["discount_factor"] = ins.time.discount
    cf["present_value_usd"] = sum(
        (value.sum(axis=0) * ins.fin.factor(risk) for (_, risk), value in by_class.items()), np.zeros(ins.T)
    )
    return cf


def procurement(ins: Inputs, d: Decisions) -> pd.DataFrame:
    """What to order in which period: lead times set order dates back from service dates."""
    rows = []

    def add(kind: str, item: str, site: str, qty: np.ndarray, lead_months: float) -> None:
        for t in np.flatnonzero(qty > 1e-9):
            ordered = ins.time.period_of_month(int(ins.time.first_month[t] - lead_months))
            rows.append(
                {
                    "order_period": ins.time.label(ordered),
                    "in_service": ins.time.labels[t],
                    "site_id": site,
                    "kind": kind,
                    "item": item,
                    "quantity": float(qty[t]),
                }
            )

    racks = d.racks(ins)
    existing_halls, existing_cdus = ins.site.existing_halls, ins.site.existing_cdus
    for s, sid in enumerate(ins.site.ids):
        for h, hid in enumerate(ins.hall.ids):
            add("hall", hid, sid, increments(d.halls[s, h], existing_halls[s, h]), ins.hall.lead_months[h])
        for r, rid in enumerate(ins.rack.ids):
            add("rack_position", rid, sid, increments(racks[s, r]), 0)
            add("gpu_rack", rid, sid, d.gpu_racks[s, r].astype(float), 0)
        for c, cid in enumerate(ins.cdu.ids):
            add("cdu", cid, sid, increments(d.cdus[s, c], existing_cdus[s, c]), 0)
    for u, uid in enumerate(ins.upgrade.ids):
        add(
            "upgrade",
            uid,
            ins.site.ids[ins.upgrade.site[u]],
            increments(d.upgrades[u].astype(float)),
            ins.upgrade.lead_months[u],
        )
    return pd.DataFrame(rows, columns=["order_period", "in_service", "site_id", "kind", "item", "quantity"])
