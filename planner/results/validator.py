"""Independent validator: re-check a plan's decisions against the limits of its inputs.

It recomputes power, cooling, land, tenant delivery, build-out order, lead times and
budget from :class:`~planner.results.decisions.Decisions` and
:class:`~planner.inputs.Inputs` alone, with plain numpy, never from the model's
constraints; every solve runs it. Each check is a function registered in CHECKS under the
names of the violations it reports; the registry of constraint families
(planner.model.registry) names, for every family, the check that re-tests it.
"""

from __future__ import annotations

import numpy as np

from planner.inputs import Inputs
from planner.inputs.power import contracted_mw
from planner.results.capex import capex_by_period, hall_schedule
from planner.results.cashflows import flows_by_class
from planner.results.checks import CHECKS, TOL_MW, TOL_REL, Violation, check, check_names, over
from planner.results.decisions import Decisions


def validate(ins: Inputs, d: Decisions) -> list[Violation]:
    """Every violated limit of the plan (an empty list when it is feasible)."""
    return [v for fn in CHECKS.values() for v in fn(ins, d)]


@check("domain", "gpu_racks")
def domains(ins: Inputs, d: Decisions) -> list[Violation]:
    """No negative quantity; upgrades 0 or 1; halls, CDUs and renewals whole; self-operated racks
    bought whole."""
    out = []
    arrays = (
        ("mining_mw", d.mining_mw),
        ("halls", d.halls),
        ("cdus", d.cdus),
        ("gpu_racks", d.gpu_racks),
        ("cloud_in_use", d.cloud_used_mw(ins)),
        ("market_new", d.market_signed(ins)),
        ("tenant_renewals", np.asarray(d.tenant_renewals, dtype=float)),
        *((f"lease_mw[{ins.tenant.ids[k]}]", x) for k, x in enumerate(d.lease_mw)),
    )
    for name, x in arrays:
        if x.size and x.min() < -TOL_MW:
            out.append(Violation("domain", f"{name} has a negative value {x.min():.6g}"))
    for name, x in (("halls", d.halls), ("cdus", d.cdus), ("tenant_renewals", np.asarray(d.tenant_renewals))):
        if x.size and (np.abs(x - np.rint(x)) > 1e-9).any():
            out.append(Violation("domain", f"{name} are not whole numbers"))
    if d.upgrades.size and not np.isin(d.upgrades, (0, 1)).all():
        out.append(Violation("domain", "an interconnect upgrade is neither 0 nor 1"))
    fractional = (d.gpu_racks < 0) | (np.abs(d.gpu_racks - np.rint(d.gpu_racks)) > 1e-9)
    for s, r, t in zip(*np.nonzero(fractional)):
        out.append(
            Violation(
                "gpu_racks",
                f"{d.gpu_racks[s, r, t]} {ins.rack.ids[r]} racks bought",
                ins.site.ids[s],
                ins.time.labels[t],
            )
        )
    return out


@check("irreversibility", "lead_time")
def build_order(ins: Inputs, d: Decisions) -> list[Violation]:
    """Halls, CDUs and upgrades never go out of service, never below what exists, and enter
    service only after their lead time."""
    out = []
    cdu_base = ins.site.existing_cdus[:, :, None] + ins.site.wip_cdus
    for name, x, base in (("halls", d.halls, hall_schedule(ins)), ("cdus", d.cdus, cdu_base)):
        if (x < base - TOL_MW).any() or (np.diff(x, axis=-1) < -TOL_MW).any():
            out.append(
                Violation(
                    "irreversibility", f"{name} decrease over time or fall below what exists or is under construction"
                )
            )
    if (np.diff(d.upgrades, axis=-1) < 0).any() or (d.upgrades < ins.upgrade.committed).any():
        out.append(Violation("irreversibility", "an interconnect upgrade goes out of service or misses its date"))
    labels = ins.time.labels
    for u, uid in enumerate(ins.upgrade.ids):
        early = np.flatnonzero((d.upgrades[u] > 0) & ~ins.upgrade.ready[u])
        if len(early):
            out.append(
                Violation(
                    "lead_time",
                    f"upgrade {uid} in service before its lead time of {ins.upgrade.lead_months[u]:g} months",
                    ins.site.ids[ins.upgrade.site[u]],
                    labels[early[0]],
                )
            )
    for h, hid in enumerate(ins.hall.ids):
        early = (d.halls[:, h, :] > hall_schedule(ins)[:, h, :]) & ~ins.hall.ready[h][None, :]
        for s, tt in zip(*np.nonzero(early)):
            out.append(
                Violation("lead_time", f"hall {hid} in service before its lead time", ins.site.ids[s], labels[tt])
            )
    return out


@check("cloud_market", "cloud_in_use", "market_cap")
def markets(ins: Inputs, d: Decisions) -> list[Violation]:
    """Self-operated IT within the racks owned and within the GPU-cloud markets (all operators, each
    operator's); market leases within each market's demand."""
    out = []
    used = d.cloud_used_mw(ins)
    for s, r, t in zip(*np.nonzero(used > d.cloud_mw(ins) + TOL_MW)):
        out.append(
            Violation(
                "cloud_in_use",
                f"{used[s, r, t]:.3f} MW of {ins.rack.ids[r]} in use, more than owned",
                ins.site.ids[s],
                ins.time.labels[t],
            )
        )
    cloud = used.sum(axis=1)  # [S, T]
    if ins.op.cloud_max_it_mw is not None:
        for t in np.flatnonzero(cloud.sum(axis=0) > ins.op.cloud_max_it_mw + TOL_MW):
            out.append(
                Violation(
                    "cloud_market",
                    f"self-operated IT {cloud.sum(axis=0)[t]:.3f} MW exceeds the GPU-cloud "
                    f"market {ins.op.cloud_max_it_mw[t]:g} MW",
                    period=ins.time.labels[t],
                )
            )
    by_operator = np.zeros((len(ins.operator.ids), ins.T))
    np.add.at(by_operator, ins.site.operator, cloud)
    for o, t in zip(*np.nonzero(by_operator > ins.operator.cloud_max_it_mw[:, None] + TOL_MW)):
        out.append(
            Violation(
                "cloud_market",
                f"{ins.operator.ids[o]} sells {by_operator[o, t]:.3f} MW of GPU cloud, "
                f"its market is {ins.operator.cloud_max_it_mw[o]:g} MW",
                period=ins.time.labels[t],
            )
        )
    signed = d.market_signed(ins)  # [M, S, T]
    closed = (signed > TOL_MW) & ~(ins.market.eligible[:, :, None] & ins.market.open[:, None, :])
    for m, s, t in zip(*np.nonzero(closed)):
        out.append(
            Violation(
                "market_cap",
                f"{signed[m, s, t]:.3f} MW leased to market {ins.market.ids[m]} where or when it does not lease",
                ins.site.ids[s],
                ins.time.labels[t],
            )
        )
    leased = d.market_mw(ins).sum(axis=1)  # [M, T]
    for m, t in zip(*np.nonzero(leased > ins.market.max_it_mw[:, None] + TOL_MW)):
        out.append(
            Violation(
                "market_cap",
                f"{leased[m, t]:.3f} MW leased to market {ins.market.ids[m]}, its demand is "
                f"{ins.market.max_it_mw[m]:g} MW",
                period=ins.time.labels[t],
            )
        )
    return out


@check("power_contract", "interconnect")
def power(ins: Inputs, d: Decisions) -> list[Violation]:
    """Gross load within contracted MW and interconnect (with upgrades in service)."""
    site = ins.site
    out = []
    gross = site.pue_mining[:, None] * d.mining_mw + (site.pue_hpc[:, :, None] * d.occupied_mw(ins)).sum(axis=1)
    grid = np.repeat(site.interconnect_mw[:, None], ins.T, axis=1).astype(float)
    np.add.at(grid, ins.upgrade.site, ins.upgrade.mw[:, None] * d.upgrades)
    out += over(ins, "power_contract", gross, contracted_mw(ins.contract, ins.S), "gross load", "MW")
    out += over(ins, "interconnect", gross, grid, "gross load", "MW")
    return out


@check("mining_fleet", "mining_housing")
def mining(ins: Inputs, d: Decisions) -> list[Violation]:
    """Mining within its fleet and within the mining buildings not yet converted."""
    site, hall = ins.site, ins.hall
    conv = hall.conversion
    converted = (hall.m2[None, conv, None] * (d.halls[:, conv, :] - site.existing_halls[:, conv, None])).sum(axis=1)
    # (halls under construction at the start count as converted when they enter service)
    housed = site.housed_mining_mw[:, None] - site.mining_mw_per_m2[:, None] * converted
    return over(ins, "mining_fleet", d.mining_mw, site.fleet_mw[:, None], "mining load", "MW") + over(
        ins, "mining_housing", d.mining_mw, housed, "mining load", "MW"
    )


@check("hall_it", "hall_floor", "land_buildings", "land_buildable")
def land(ins: Inputs, d: Decisions) -> list[Violation]:
    """Racks in halls (IT and floor, idle self-operated racks too), halls in the mining buildings and on
    the buildable land."""
    site, hall = ins.site, ins.hall
    it = d.installed_mw(ins)
    conv = hall.conversion
    floor = (ins.rack.m2_per_mw[None, :, None] * it).sum(axis=1) + (ins.cdu.m2[None, :, None] * d.cdus).sum(axis=1)
    built_conv = (hall.m2[None, conv] * site.existing_halls[:, conv]).sum(axis=1)
    built_new = (hall.m2[None, ~conv] * site.existing_halls[:, ~conv]).sum(axis=1)
    return (
        over(ins, "hall_it", it.sum(axis=1), (d.halls * hall.it_mw[None, :, None]).sum(axis=1), "rack IT", "MW")
        + over(
            ins,
            "hall_floor",
            floor,
            (hall.m2[None, :, None] * d.halls).sum(axis=1),
            "rack and CDU floor",
            "m2",
            tol=1e-3,
        )
        + over(
            ins,
            "land_buildings",
            (hall.m2[None, conv, None] * d.halls[:, conv, :]).sum(axis=1),
            (site.building_area_m2 + built_conv)[:, None],
            "converted hall footprint",
            "m2",
            tol=1e-3,
        )
        + over(
            ins,
            "land_buildable",
            (hall.m2[None, ~conv, None] * d.halls[:, ~conv, :]).sum(axis=1),
            (site.free_area_m2 + built_new)[:, None],
            "new-build hall footprint",
            "m2",
            tol=1e-3,
        )
    )


@check("liquid_cooling", "air_cooling")
def cooling(ins: Inputs, d: Decisions) -> list[Violation]:
    """Liquid-cooled IT within CDU capacity less one spare per N+1 type in use; air within air capacity."""
    it = d.occupied_mw(ins)
    liquid = it[:, ins.rack.liquid, :].sum(axis=1)
    in_use = d.cdus > 0
    capacity = (ins.cdu.mw[None, :, None] * (d.cdus - ins.cdu.spare[None, :, None] * in_use)).sum(axis=1)
    return over(
        ins, "liquid_cooling", liquid, capacity, "liquid-cooled rack IT", "MW (CDU capacity less N+1 spares)"
    ) + over(
        ins,
        "air_cooling",
        it[:, ~ins.rack.liquid, :].sum(axis=1),
        ins.site.air_capacity_mw[:, None],
        "air-cooled rack IT",
        "MW",
    )


@check(
    "tenant_committed",
    "tenant_unsigned",
    "tenant_window",
    "tenant_delivery",
    "tenant_sites",
    "tenant_min_block",
    "tenant_block",
)
def tenants(ins: Inputs, d: Decisions) -> list[Violation]:
    """Signed tenants get their full IT MW over their term in constant blocks at few enough sites."""
    return [v for k in range(ins.tenant.K) for v in _tenant(ins, d, k)]


def _tenant(ins: Inputs, d: Decisions, k: int) -> list[Violation]:
    ten, tid = ins.tenant, ins.tenant.ids[k]
    lease, start = d.lease_mw[k], d.tenant_start[k]
    if start is None:
        out = [Violation("tenant_committed", "committed tenant not served", tenant=tid)] if ten.committed[k] else []
        if lease.size and lease.max() > TOL_MW:
            out.append(Violation("tenant_unsigned", "unsigned tenant is served", tenant=tid))
        return out
    out = []
    if start not in set(ten.starts(k, ins.T).tolist()):
        out.append(Violation("tenant_window", f"start period {start} outside the start window", tenant=tid))
    want = ten.active(k, start, ins.time, d.renewals(k))
    active = want > 0
    served = lease.sum(axis=0)
    if d.renewals(k) > ten.renewal_options[k]:
        out.append(
            Violation("tenant_window", f"{d.renewals(k)} renewals taken, {ten.renewal_options[k]} offered", tenant=tid)
        )
    for t in np.flatnonzero(np.abs(served - want) > TOL_MW + TOL_REL * ten.mw[k]):
        out.append(
            Violation(
                "tenant_delivery",
                f"served {served[t]:.4f} MW, contract says {want[t]:.4f} MW",
                tenant=tid,
                period=ins.time.labels[t],
                excess=float(want[t] - served[t]),
            )
        )
    blocks = lease[:, active].max(axis=1) if active.any() else np.zeros(len(lease))
    used = blocks > TOL_MW
    if used.sum() > ten.max_sites[k]:
        out.append(
            Violation("tenant_sites", f"served at {int(used.sum())} sites, at most {ten.max_sites[k]}", tenant=tid)
        )
    for j in np.flatnonzero(used):
        site = ins.site.ids[ten.sites(k)[j]]
        if blocks[j] < ten.min_block_mw[k] - TOL_MW:
            out.append(
                Violation(
                    "tenant_min_block",
                    f"block {blocks[j]:.3f} MW below the minimum {ten.min_block_mw[k]:g} MW",
                    site=site,
                    tenant=tid,
                )
            )
        full = want >= ten.mw[k] * (1.0 - 1e-9)
        if full.any() and np.ptp(lease[j, full]) > TOL_MW:
            out.append(Violation("tenant_block", "block size changes during the term", site=site, tenant=tid))
    return out


@check("budget", "concentration")
def finance(ins: Inputs, d: Decisions) -> list[Violation]:
    """Capex within the budget of each period; each tenant's share of HPC revenue within the cap."""
    out = []
    budget, cap = ins.op.budget_usd_per_period, ins.op.concentration_cap
    if budget is not None:
        capex = capex_by_period(ins, d)
        for t in np.flatnonzero(capex > budget * (1 + TOL_REL) + 1.0):
            out.append(
                Violation(
                    "budget",
                    f"capex {capex[t]:,.0f} USD exceeds the budget {budget:,.0f} USD",
                    period=ins.time.labels[t],
                )
            )
    if cap is not None:
        rev, total = counterparty_revenue(ins, d)
        for c in np.flatnonzero(rev > cap * total * (1 + TOL_REL) + 1.0):
            out.append(
                Violation(
                    "concentration",
                    f"{ins.counterparty.ids[c]}: {rev[c] / total:.1%} of HPC revenue, cap {cap:.0%}",
                    tenant=ins.counterparty.ids[c],
                )
            )
    return out


def counterparty_revenue(ins: Inputs, d: Decisions) -> tuple[np.ndarray, float]:
    """([counterparty] undiscounted contract revenue, all HPC revenue: contracts, market leases, cloud)."""
    rev = np.zeros(len(ins.counterparty.ids))
    for k in range(ins.tenant.K):
        rev[ins.tenant.counterparty[k]] += tenant_rent(ins, d, k)
    flows = flows_by_class(ins, d)
    market = float((d.market_mw(ins, paying=True) * ins.market.rent_usd_per_mw[:, None, :]).sum())
    cloud = float(flows[("cloud_revenue", "cloud")].sum())
    return rev, float(rev.sum() + market + cloud)


def tenant_rent(ins: Inputs, d: Decisions, k: int) -> float:
    """Undiscounted rent of tenant k, a renewal's at its rate factor."""
    ten, paths = ins.tenant, ins.paths
    path = d.path(ins, k)
    if path is None:
        return 0.0
    base, ren = paths.base_mw[k, path[0], path[1]], paths.renewal_mw[k, path[0], path[1]]
    share = np.divide(ren, base + ren, out=np.zeros_like(ren), where=(base + ren) > 0)
    sites = ten.sites(k)
    return float(
        (ten.lease_rev_usd_per_mw[k, sites] * d.lease_mw[k] * (1 - share + ten.renewal_factor[k] * share)).sum()
    )


__all__ = ["CHECKS", "TOL_MW", "TOL_REL", "Violation", "check", "check_names", "validate"]
