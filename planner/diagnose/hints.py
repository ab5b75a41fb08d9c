"""Hints of a shortfall: what the descriptors say about the resource that is short.

Each shortfall names the committed tenants that need it (those the elastic plan serves there
and then; for the budget, anywhere in service within a lead time of its periods) and adds what
the descriptors say about it: upgrade and hall lead times, contracts that start later, the
sites a tenant is eligible at, the land and the budget.
"""

from __future__ import annotations

import numpy as np

from planner.diagnose.funding_hints import funding_hints
from planner.diagnose.shortfalls import Shortfall, names
from planner.inputs import Inputs
from planner.inputs.power import contracted_mw

SLACK_TOL = 1e-5


def tenants_needing(ins: Inputs, sf: Shortfall, periods: list[int], leases: np.ndarray) -> list[str]:
    """Committed tenants the elastic plan serves where and when the shortfall is; leases [K,S,T]."""
    if sf.tenant is not None:
        return [sf.tenant]
    if not periods:
        return []
    window = np.zeros(ins.T, dtype=bool)
    if sf.site is None:  # budget: capex in t pays for what enters service up to a lead time later
        lead = max([0.0, *ins.hall.lead_months.tolist(), *ins.upgrade.lead_months.tolist()])
        for t in periods:
            window[t : ins.time.period_of_month(int(ins.time.first_month[t] + lead)) + 1] = True
    else:
        window[periods] = True
    at = np.ones(ins.S, dtype=bool) if sf.site is None else np.array(ins.site.ids) == sf.site
    if sf.operator is not None:  # funding: the operator's sites
        at = ins.site.operator == ins.operator.ids.index(sf.operator)
    served = np.asarray((leases[:, at][:, :, window] > SLACK_TOL).any(axis=(1, 2)))
    return [tid for k, tid in enumerate(ins.tenant.ids) if ins.tenant.committed[k] and served[k]]


def _window(ins: Inputs, k: int) -> str:
    first, last = int(ins.tenant.first[k]), int(ins.tenant.last[k])
    clip = lambda t: ins.time.labels[min(ins.T - 1, max(0, t))]  # noqa: E731
    return f"{clip(first)}..{clip(last)}"


def _in_service(ready: np.ndarray, labels: list[str]) -> str:
    """The first period in which `ready` holds."""
    return labels[int(np.argmax(ready))] if ready.any() else "after the horizon"


def _site_hints(ins: Inputs, sf: Shortfall, s: int, first: int) -> list[str]:
    """Hints about the site's interconnect, contracts, halls and land."""
    hints: list[str] = []
    if sf.family == "interconnect":
        hints.append(f"interconnect now {ins.site.interconnect_mw[s]:g} MW")
        for u in np.flatnonzero(ins.upgrade.site == s):
            hints.append(
                f"upgrade {ins.upgrade.ids[u].split('/', 1)[1]} (+{ins.upgrade.mw[u]:g} MW, lead "
                f"{ins.upgrade.lead_months[u]:g} months) can be in service from "
                f"{_in_service(ins.upgrade.ready[u], ins.time.labels)} at the earliest"
            )
    if sf.family == "power_contract":
        mine = np.flatnonzero(ins.contract.site == s)
        hints.append(
            f"contracts in force in {ins.time.labels[first]}: {contracted_mw(ins.contract, ins.S)[s, first]:g} MW"
        )
        for i in mine:
            later = np.flatnonzero(ins.contract.mw[i, first:] > 0)
            if ins.contract.mw[i, first] == 0 and len(later):
                t = first + int(later[0])
                hints.append(
                    f"contract {ins.contract.ids[i].split('/', 1)[1]} ({ins.contract.mw[i, t]:g} MW) "
                    f"is in force from {ins.time.labels[t]}"
                )
    if sf.family in ("hall_it", "hall_floor"):
        hints += _hall_hints(ins, s)
    if sf.family in ("land_buildings", "land_buildable"):
        hints.append(
            f"buildable land {ins.site.free_area_m2[s] + ins.site.building_area_m2[s]:,.0f} m2, of which "
            f"mining buildings {ins.site.building_area_m2[s]:,.0f} m2; hall modules take "
            + ", ".join(f"{hid} {ins.hall.m2[h]:,.0f} m2" for h, hid in enumerate(ins.hall.ids))
        )
    if sf.family == "air_cooling":
        hints.append(f"air cooling capacity {ins.site.air_capacity_mw[s]:g} MW")
    return hints


def _hall_hints(ins: Inputs, s: int) -> list[str]:
    out = []
    for h, hid in enumerate(ins.hall.ids):
        area, where = (
            (ins.site.building_area_m2[s], "mining buildings")
            if ins.hall.conversion[h]
            else (ins.site.free_area_m2[s], "free buildable land")
        )
        fits = int(np.floor(area / ins.hall.m2[h] + 1e-9))
        room = (
            f"room for {fits} more"
            if fits
            else f"none fits ({area:,.0f} m2 of {where}, {ins.hall.m2[h]:,.0f} m2 a module)"
        )
        out.append(
            f"hall module {hid} ({ins.hall.it_mw[h]:g} MW IT, lead {ins.hall.lead_months[h]:g} months): a new "
            f"one can be in service from {_in_service(ins.hall.ready[h], ins.time.labels)}; "
            f"{int(ins.site.existing_halls[s, h])} in service at the start, {room}"
        )
    return out


def hints(ins: Inputs, sf: Shortfall, periods: list[int]) -> list[str]:
    """Every hint of a shortfall (module docstring)."""
    out: list[str] = []
    index = {tid: k for k, tid in enumerate(ins.tenant.ids)}
    if sf.tenants and sf.family not in ("delivery", "concentration"):
        described = []
        for tid in sf.tenants:
            k = index[tid]
            eligible = [ins.site.ids[s] for s in ins.tenant.sites(k)]
            only = f", eligible only at {names(eligible)}" if len(eligible) < ins.S else ""
            described.append(f"{tid} ({ins.tenant.mw[k]:g} MW, start window {_window(ins, k)}{only})")
        out.append("needed by committed tenants: " + "; ".join(described))
    if sf.site is not None:
        out += _site_hints(ins, sf, ins.site.ids.index(sf.site), min(periods) if periods else 0)
    if sf.operator is not None:
        out += funding_hints(ins, sf, periods)
    if sf.family == "budget" and ins.op.budget_usd_per_period is not None:
        out.append(f"capex budget {ins.op.budget_usd_per_period:,.0f} USD per period")
    if sf.tenant is not None and sf.family == "delivery":
        k = index[sf.tenant]
        out.append(
            f"eligible sites: {names([ins.site.ids[s] for s in ins.tenant.sites(k)])}; "
            f"at most {ins.tenant.max_sites[k]} site(s), blocks >= {ins.tenant.min_block_mw[k]:g} MW"
        )
    return out
