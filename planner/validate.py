"""Independent validator: re-check a plan's decisions against the limits of its inputs.

It recomputes power, cooling, land, tenant delivery, build-out order, lead times and
budget from :class:`~planner.plan.Decisions` and :class:`~planner.inputs.Inputs` alone,
with plain numpy, never from the model's constraints; every solve runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs
from planner.plan import Decisions, capex_by_period

TOL_MW = 1e-5
TOL_REL = 1e-6


@dataclass(frozen=True)
class Violation:
    check: str
    message: str
    site: str | None = None
    period: str | None = None
    tenant: str | None = None
    excess: float = 0.0

    def __str__(self) -> str:
        where = ", ".join(x for x in (self.tenant, self.site, self.period) if x)
        return f"{self.check} [{where}]: {self.message}"


def validate(ins: Inputs, d: Decisions) -> list[Violation]:
    """Every violated limit of the plan (an empty list when it is feasible)."""
    out: list[Violation] = []
    S, T = ins.S, ins.T
    L = ins.labels

    def over(check: str, lhs: np.ndarray, rhs: np.ndarray, what: str, unit: str, tol: float = TOL_MW) -> None:
        """Report lhs > rhs (+ tol) on [S,T] arrays."""
        lhs, rhs = np.broadcast_to(lhs, (S, T)), np.broadcast_to(rhs, (S, T))
        for s, t in zip(*np.nonzero(lhs > rhs + tol + TOL_REL * np.abs(rhs))):
            out.append(Violation(check, f"{what} {lhs[s, t]:.4f} {unit} exceeds {rhs[s, t]:.4f} {unit}",
                                 ins.site_ids[s], L[t], excess=float(lhs[s, t] - rhs[s, t])))

    # domains: no negative quantities, whole units where the plan is physical
    for name, x in (("mining_mw", d.mining_mw), ("halls", d.halls), ("cdus", d.cdus), ("gpu_racks", d.gpu_racks),
                    *((f"lease_mw[{ins.tenant_ids[k]}]", x) for k, x in enumerate(d.lease_mw))):
        if x.size and x.min() < -TOL_MW:
            out.append(Violation("domain", f"{name} has a negative value {x.min():.6g}"))
    if d.upgrades.size and not np.isin(d.upgrades, (0, 1)).all():
        out.append(Violation("domain", "an interconnect upgrade is neither 0 nor 1"))

    # build-out order, existing assets and lead times
    for name, x, base in (("halls", d.halls, ins.existing_halls), ("cdus", d.cdus, ins.existing_cdus),
                          ):
        first = np.broadcast_to(base, x.shape[:-1])
        if (x[..., 0] < first - TOL_MW).any() or (np.diff(x, axis=-1) < -TOL_MW).any():
            out.append(Violation("irreversibility", f"{name} decrease over time or fall below what exists"))
    if (np.diff(d.upgrades, axis=-1) < 0).any():
        out.append(Violation("irreversibility", "an interconnect upgrade goes out of service"))
    t = np.arange(T)
    for u in range(len(ins.upgrade_ids)):
        early = np.nonzero((d.upgrades[u] > 0) & (t < ins.upgrade_lead[u]))[0]
        if len(early):
            out.append(Violation("lead_time", f"upgrade {ins.upgrade_ids[u]} in service before its lead time of "
                                 f"{ins.upgrade_lead[u]} periods", ins.site_ids[ins.upgrade_site[u]], L[early[0]]))
    for h in range(len(ins.hall_ids)):
        early = (d.halls[:, h, :] > ins.existing_halls[:, h, None]) & (t[None, :] < ins.hall_lead[h])
        for s, tt in zip(*np.nonzero(early)):
            out.append(Violation("lead_time", f"hall {ins.hall_ids[h]} in service before its lead time", ins.site_ids[s], L[tt]))

    # power, with the IT in use: leases and self-operated racks
    rack_it = d.occupied_mw(ins)
    for s, r, tt in zip(*np.nonzero((d.gpu_racks < 0) | (np.abs(d.gpu_racks - np.rint(d.gpu_racks)) > 1e-9))):
        out.append(Violation("gpu_racks", f"{d.gpu_racks[s, r, tt]} {ins.rack_ids[r]} racks bought", ins.site_ids[s], L[tt]))
    if ins.cloud_max_it_mw is not None:
        cloud = d.cloud_mw(ins).sum(axis=(0, 1))
        for tt in np.nonzero(cloud > ins.cloud_max_it_mw + TOL_MW)[0]:
            out.append(Violation("cloud_market", f"self-operated IT {cloud[tt]:.3f} MW exceeds the GPU-cloud market "
                                 f"{ins.cloud_max_it_mw[tt]:g} MW", period=L[tt]))
    gross = ins.pue_mining[:, None] * d.mining_mw + (ins.pue_hpc[:, :, None] * rack_it).sum(axis=1)
    contracted = np.zeros((S, T))
    np.add.at(contracted, ins.contract_site, ins.contract_mw)
    grid = np.repeat(ins.interconnect_mw[:, None], T, axis=1).astype(float)
    np.add.at(grid, ins.upgrade_site, ins.upgrade_mw[:, None] * d.upgrades)
    over("power_contract", gross, contracted, "gross load", "MW")
    over("interconnect", gross, grid, "gross load", "MW")

    # mining
    over("mining_fleet", d.mining_mw, ins.fleet_mw[:, None], "mining load", "MW")
    conv = ins.hall_conversion
    converted_m2 = (ins.hall_m2[None, conv, None] * (d.halls[:, conv, :] - ins.existing_halls[:, conv, None])).sum(axis=1)
    housed = ins.housed_mining_mw[:, None] - ins.mining_mw_per_m2[:, None] * converted_m2
    over("mining_housing", d.mining_mw, housed, "mining load", "MW")

    # halls, land
    over("hall_it", rack_it.sum(axis=1), (d.halls * ins.hall_it_mw[None, :, None]).sum(axis=1), "rack IT", "MW")
    floor = (ins.rack_m2_per_mw[None, :, None] * rack_it).sum(axis=1) + (ins.cdu_m2[None, :, None] * d.cdus).sum(axis=1)
    over("hall_floor", floor, (ins.hall_m2[None, :, None] * d.halls).sum(axis=1), "rack and CDU floor", "m2", tol=1e-3)
    built_conv = (ins.hall_m2[None, conv] * ins.existing_halls[:, conv]).sum(axis=1)
    built_new = (ins.hall_m2[None, ~conv] * ins.existing_halls[:, ~conv]).sum(axis=1)
    over("land_buildings", (ins.hall_m2[None, conv, None] * d.halls[:, conv, :]).sum(axis=1),
         (ins.building_area_m2 + built_conv)[:, None], "converted hall footprint", "m2", tol=1e-3)
    over("land_buildable", (ins.hall_m2[None, ~conv, None] * d.halls[:, ~conv, :]).sum(axis=1),
         (ins.free_area_m2 + built_new)[:, None], "new-build hall footprint", "m2", tol=1e-3)

    # cooling
    liquid = rack_it[:, ins.rack_liquid, :].sum(axis=1)
    in_use = d.cdus > 0
    cdu_cap = (ins.cdu_mw[None, :, None] * (d.cdus - ins.cdu_spare[None, :, None] * in_use)).sum(axis=1)
    over("liquid_cooling", liquid, cdu_cap, "liquid-cooled rack IT", "MW (CDU capacity less N+1 spares)")
    over("air_cooling", rack_it[:, ~ins.rack_liquid, :].sum(axis=1), ins.air_capacity_mw[:, None], "air-cooled rack IT", "MW")

    # tenants
    for k, tid in enumerate(ins.tenant_ids):
        lease = d.lease_mw[k]
        start = d.tenant_start[k]
        if start is None:
            if ins.tenant_committed[k]:
                out.append(Violation("tenant_committed", "committed tenant not served", tenant=tid))
            if lease.size and lease.max() > TOL_MW:
                out.append(Violation("tenant_unsigned", "unsigned tenant is served", tenant=tid))
            continue
        if start not in set(ins.tenant_starts[k].tolist()):
            out.append(Violation("tenant_window", f"start period {start} outside the start window", tenant=tid))
        active = ins.active(k, start)
        served = lease.sum(axis=0)
        want = ins.tenant_mw[k] * active
        for tt in np.nonzero(np.abs(served - want) > TOL_MW + TOL_REL * ins.tenant_mw[k])[0]:
            out.append(Violation("tenant_delivery", f"served {served[tt]:.4f} MW, contract says {want[tt]:.4f} MW",
                                 tenant=tid, period=L[tt], excess=float(want[tt] - served[tt])))
        blocks = lease[:, active].max(axis=1) if active.any() else np.zeros(len(lease))
        used = blocks > TOL_MW
        if used.sum() > ins.tenant_max_sites[k]:
            out.append(Violation("tenant_sites", f"served at {int(used.sum())} sites, at most {ins.tenant_max_sites[k]}", tenant=tid))
        for j in np.nonzero(used)[0]:
            site = ins.site_ids[ins.tenant_sites[k][j]]
            if blocks[j] < ins.tenant_min_block_mw[k] - TOL_MW:
                out.append(Violation("tenant_min_block", f"block {blocks[j]:.3f} MW below the minimum "
                                     f"{ins.tenant_min_block_mw[k]:g} MW", site=site, tenant=tid))
            if active.any() and np.ptp(lease[j, active]) > TOL_MW:
                out.append(Violation("tenant_block", "block size changes during the term", site=site, tenant=tid))

    # finance
    if ins.budget_usd_per_period is not None:
        capex = capex_by_period(ins, d)
        for tt in np.nonzero(capex > ins.budget_usd_per_period * (1 + TOL_REL) + 1.0)[0]:
            out.append(Violation("budget", f"capex {capex[tt]:,.0f} USD exceeds the budget "
                                 f"{ins.budget_usd_per_period:,.0f} USD", period=L[tt]))
    if ins.concentration_cap is not None:
        rev = np.array([(ins.lease_rev_usd_per_mw[k] * x).sum() for k, x in enumerate(d.lease_mw)])
        total = rev.sum() + (ins.cloud_rev_usd_per_mw[None] * d.cloud_mw(ins)).sum()
        for k in np.nonzero(rev > ins.concentration_cap * total * (1 + TOL_REL) + 1.0)[0]:
            out.append(Violation("concentration", f"{rev[k] / total:.1%} of HPC revenue, cap "
                                 f"{ins.concentration_cap:.0%}", tenant=ins.tenant_ids[k]))
    return out
