"""Why a portfolio has no feasible plan, in the engineer's terms.

Elastic re-solve: the constraint families that can conflict get a slack variable each
(power, interconnect, hall capacity, cooling, land, tenant delivery, budget,
concentration), land and power become constraints instead of variable bounds, and the
model minimises sum_i w_i slack_i. Capacity slack (per MW, per 300 m2, per 10 M USD) is
cheaper than an undelivered tenant MW (x10), so the diagnosis names the site resource to
add where one would do, and the tenant shortfall only where no site can help. The non-zero
slacks, grouped by resource, site and tenant over runs of periods, are the shortfalls;
each names the committed tenants that need it (those the elastic plan serves there and
then) and hints add what the descriptors say about it (upgrade and hall lead times,
contracts that start later, the sites a tenant is eligible at).

Money slacks (budget, concentration) are carried in M USD: a penalty of 1e-7 per USD
next to capex coefficients of 1e7 is badly scaled enough for HiGHS's presolve to return
a plan that is not the cheapest repair.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

import numpy as np

from planner.inputs import Inputs, prepare
from planner.describe.loading import Portfolio
from planner.model import build_model, values
from planner.model.core import Model
from solvers import SolveOptions, get_solver

logger = logging.getLogger(__name__)

PENALTY = {
    "power_contract": 1.0,
    "interconnect": 1.0,
    "hall_it": 1.0,
    "positions": 1.0,
    "liquid_cooling": 1.0,
    "air_cooling": 1.0,
    "land_buildings": 1.0 / 300.0,
    "land_buildable": 1.0 / 300.0,
    "hall_floor": 1.0 / 300.0,
    "delivery": 10.0,
    "budget": 1e-7,
    "concentration": 1e-7,
    "energy": 0.0,  # follows power slack; not a cause in itself
    "mining_housing": 0.0,  # follows land_buildings slack (halls beyond the buildings need not evict more mining)
}
"""Penalty per unit of slack (MW, m2 or USD)."""
UNITS = {"land_buildings": "m2", "land_buildable": "m2", "hall_floor": "m2", "budget": "USD", "concentration": "USD"}
MONEY_SCALE = {"budget": 1e6, "concentration": 1e6}
"""Families whose slack variable is in M USD (see the module docstring)."""
SLACK_TOL = 1e-5
MAX_NAMES = 5


@dataclass
class Shortfall:
    family: str
    resource: str
    site: str | None
    tenant: str | None
    periods: list[str]
    max_amount: float
    unit: str
    hints: list[str] = field(default_factory=list)
    tenants: list[str] = field(default_factory=list)
    """committed tenants that need what is short (served there and then in the elastic plan)."""

    def text(self) -> str:
        where = " ".join(x for x in (f"tenant {self.tenant}" if self.tenant else None,
                                     f"at {self.site}" if self.site else None) if x)
        span = _span(self.periods)
        place = ", ".join(x for x in (where, span) if x)
        line = f"- {self.resource}{' ' + place if place else ''}: short by up to {self.max_amount:,.1f} {self.unit}"
        return "\n".join([line, *[f"    {h}" for h in self.hints]])


@dataclass
class Diagnosis:
    portfolio: str
    shortfalls: list[Shortfall]
    status: str

    def text(self) -> str:
        if not self.shortfalls:
            return f"{self.portfolio}: a feasible plan exists (no shortfall found)."
        head = (f"{self.portfolio}: no feasible plan. The smallest shortfalls that would make one "
                f"(resolve any one family of them, or add the capacity named):")
        return "\n".join([head, *[s.text() for s in self.shortfalls]])

    def to_dict(self) -> dict:
        return {"portfolio": self.portfolio, "status": self.status, "feasible": not self.shortfalls,
                "shortfalls": [asdict(s) for s in self.shortfalls], "text": self.text()}


def elastic_model(ins: Inputs) -> Model:
    """The plan model with every family of PENALTY relaxed by penalised slack; the money
    families' slacks in M USD (MONEY_SCALE), where USD-sized slack upsets HiGHS's presolve."""
    return build_model(ins, "plan", elastic=PENALTY, slack_scale=MONEY_SCALE)


def diagnose(portfolio: Portfolio, solver: str = "highs", time_limit: float | None = 120.0) -> Diagnosis:
    """Elastic re-solve of the portfolio; the shortfalls that the cheapest repair needs."""
    ins = prepare(portfolio)
    m = elastic_model(ins)
    result = get_solver(solver).solve(m.prob, SolveOptions(time_limit_s=time_limit, rel_gap=1e-6))
    if not result.has_solution:
        logger.error("elastic model did not solve: %s", result.message)
        return Diagnosis(portfolio.name, [Shortfall("unknown", f"elastic model: {result.message}", None, None, [], 0.0, "")],
                         result.status.value)
    groups: dict[tuple, list[tuple[int, float]]] = {}
    for var, name, weight in m.slacks:
        info = m.meta[name]
        value = result.values.get(var.name, 0.0) * MONEY_SCALE.get(info.family, 1.0)
        if weight == 0.0 or value <= SLACK_TOL:
            continue
        key = (info.family, info.resource, info.site, info.tenant)
        groups.setdefault(key, []).append((-1 if info.period_index is None else info.period_index, value))
    leases = [values(x, result.values) for x in m.leases]
    shortfalls = []
    for (family, resource, site, tenant), items in groups.items():
        items.sort()
        t_short = sorted({t for t, _ in items if t >= 0})
        amount = max(v for _, v in items)
        sf = Shortfall(family, resource, site, tenant, [ins.labels[t] for t in t_short], amount, UNITS.get(family, "MW"))
        sf.tenants = _tenants_needing(ins, sf, t_short, leases)
        sf.hints = _hints(ins, sf, t_short)
        shortfalls.append(sf)
    shortfalls.sort(key=lambda s: (-PENALTY[s.family] * s.max_amount, s.family, s.site or "", s.tenant or ""))
    return Diagnosis(portfolio.name, shortfalls, result.status.value)


def _span(periods: list[str]) -> str:
    if not periods:
        return ""
    return periods[0] if len(periods) == 1 else f"{periods[0]}-{periods[-1]} ({len(periods)} periods)"


def _names(items: list[str]) -> str:
    more = len(items) - MAX_NAMES
    return ", ".join(items[:MAX_NAMES]) + (f" and {more} more" if more > 0 else "")


def _tenants_needing(ins: Inputs, sf: Shortfall, periods: list[int], leases: list[np.ndarray]) -> list[str]:
    """Committed tenants the elastic plan serves where and when the shortfall is: at the site
    in its periods; for the budget, anywhere in service within a lead time of its periods."""
    if sf.tenant is not None:
        return [sf.tenant]
    if not periods:
        return []
    window = np.zeros(ins.T, dtype=bool)
    if sf.site is None:  # budget: capex in t pays for what enters service up to a lead time later
        lead = int(max([0, *ins.hall_lead.tolist(), *ins.upgrade_lead.tolist()]))
        for t in periods:
            window[t: t + lead + 1] = True
    else:
        window[periods] = True
    out = []
    for k, tid in enumerate(ins.tenant_ids):
        if not ins.tenant_committed[k]:
            continue
        sites = ins.tenant_sites[k]
        rows = np.ones(len(sites), dtype=bool) if sf.site is None else sites == ins.site_ids.index(sf.site)
        if leases[k].size and (leases[k][rows][:, window] > SLACK_TOL).any():
            out.append(tid)
    return out


def _window(ins: Inputs, k: int) -> str:
    first, last = int(ins.tenant_starts[k][0]), int(ins.tenant_starts[k][-1])
    return f"{ins.labels[min(ins.T - 1, max(0, first))]}..{ins.labels[min(ins.T - 1, max(0, last))]}"


def _hints(ins: Inputs, sf: Shortfall, periods: list[int]) -> list[str]:
    hints: list[str] = []
    L = ins.period_months
    index = {tid: k for k, tid in enumerate(ins.tenant_ids)}
    if sf.tenants and sf.family not in ("delivery", "concentration"):
        described = []
        for tid in sf.tenants:
            k = index[tid]
            eligible = [ins.site_ids[s] for s in ins.tenant_sites[k]]
            only = f", eligible only at {_names(eligible)}" if len(eligible) < ins.S else ""
            described.append(f"{tid} ({ins.tenant_mw[k]:g} MW, start window {_window(ins, k)}{only})")
        hints.append("needed by committed tenants: " + "; ".join(described))
    if sf.site is not None:
        s = ins.site_ids.index(sf.site)
        first = min(periods) if periods else 0
        if sf.family == "interconnect":
            hints.append(f"interconnect now {ins.interconnect_mw[s]:g} MW")
            for u in np.nonzero(ins.upgrade_site == s)[0]:
                lead = int(ins.upgrade_lead[u])
                when = ins.labels[lead] if lead < ins.T else "after the horizon"
                hints.append(f"upgrade {ins.upgrade_ids[u].split('/', 1)[1]} (+{ins.upgrade_mw[u]:g} MW, lead "
                             f"{lead * L} months) can be in service from {when} at the earliest")
        if sf.family == "power_contract":
            mine = np.nonzero(ins.contract_site == s)[0]
            mw = ins.contract_mw[mine, first].sum()
            hints.append(f"contracts in force in {ins.labels[first]}: {mw:g} MW")
            for i in mine:
                later = np.nonzero(ins.contract_mw[i, first:] > 0)[0]
                if ins.contract_mw[i, first] == 0 and len(later):
                    t = first + int(later[0])
                    hints.append(f"contract {ins.contract_ids[i].split('/', 1)[1]} ({ins.contract_mw[i, t]:g} MW) "
                                 f"is in force from {ins.labels[t]}")
        if sf.family in ("hall_it", "positions", "hall_floor"):
            for h, hid in enumerate(ins.hall_ids):
                lead = int(ins.hall_lead[h])
                when = ins.labels[lead] if lead < ins.T else "after the horizon"
                area, where = ((ins.building_area_m2[s], "mining buildings") if ins.hall_conversion[h]
                               else (ins.free_area_m2[s], "free buildable land"))
                fits = int(np.floor(area / ins.hall_m2[h] + 1e-9))
                room = (f"room for {fits} more" if fits else
                        f"none fits ({area:,.0f} m2 of {where}, {ins.hall_m2[h]:,.0f} m2 a module)")
                hints.append(f"hall module {hid} ({ins.hall_it_mw[h]:g} MW IT, lead {lead * L} months): a new one can "
                             f"be in service from {when}; {int(ins.existing_halls[s, h])} in service at the start, "
                             f"{room}")
        if sf.family in ("land_buildings", "land_buildable"):
            hints.append(f"buildable land {ins.free_area_m2[s] + ins.building_area_m2[s]:,.0f} m2, of which mining "
                         f"buildings {ins.building_area_m2[s]:,.0f} m2; hall modules take "
                         + ", ".join(f"{hid} {ins.hall_m2[h]:,.0f} m2" for h, hid in enumerate(ins.hall_ids)))
        if sf.family == "air_cooling":
            hints.append(f"air cooling capacity {ins.air_capacity_mw[s]:g} MW")
    if sf.family == "budget" and ins.budget_usd_per_period is not None:
        hints.append(f"capex budget {ins.budget_usd_per_period:,.0f} USD per period")
    if sf.tenant is not None and sf.family == "delivery":
        k = index[sf.tenant]
        hints.append(f"eligible sites: {_names([ins.site_ids[s] for s in ins.tenant_sites[k]])}; "
                     f"at most {ins.tenant_max_sites[k]} site(s), blocks >= {ins.tenant_min_block_mw[k]:g} MW")
    return hints
