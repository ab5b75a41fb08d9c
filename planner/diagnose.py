"""Why a portfolio has no feasible plan, in the engineer's terms.

Elastic re-solve: the constraint families that can conflict get a slack variable each
(power, interconnect, hall capacity, cooling, land, tenant delivery, budget,
concentration), land and power become constraints instead of variable bounds, and the
model minimises sum_i w_i slack_i. Capacity slack (per MW, per 300 m2, per 10 M USD) is
cheaper than an undelivered tenant MW (x10), so the diagnosis names the site resource to
add where one would do, and the tenant shortfall only where no site can help. The non-zero
slacks, grouped by resource, site and tenant over runs of periods, are the shortfalls;
hints add what the descriptors say about them (upgrade lead times, hall lead times, the
committed tenants that need the capacity).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

import numpy as np

from planner.inputs import Inputs, prepare
from planner.loading import Portfolio
from planner.model import build_model
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
}
UNITS = {"land_buildings": "m2", "land_buildable": "m2", "hall_floor": "m2", "budget": "USD", "concentration": "USD"}
SLACK_TOL = 1e-5


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

    def text(self) -> str:
        where = " ".join(x for x in (f"tenant {self.tenant}" if self.tenant else None,
                                     f"at {self.site}" if self.site else None) if x)
        span = _span(self.periods)
        line = f"- {self.resource} {where}{', ' if span else ''}{span}: short by up to {self.max_amount:,.1f} {self.unit}"
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


def diagnose(portfolio: Portfolio, solver: str = "highs", time_limit: float | None = 120.0) -> Diagnosis:
    """Elastic re-solve of the portfolio; the shortfalls that the cheapest repair needs."""
    ins = prepare(portfolio)
    m = build_model(ins, "plan", elastic=PENALTY)
    result = get_solver(solver).solve(m.prob, SolveOptions(time_limit_s=time_limit, rel_gap=1e-6))
    if not result.has_solution:
        logger.error("elastic model did not solve: %s", result.message)
        return Diagnosis(portfolio.name, [Shortfall("unknown", f"elastic model: {result.message}", None, None, [], 0.0, "")],
                         result.status.value)
    groups: dict[tuple, list[tuple[int, float]]] = {}
    for var, name, weight in m.slacks:
        value = result.values.get(var.name, 0.0)
        if weight == 0.0 or value <= SLACK_TOL:
            continue
        info = m.meta[name]
        key = (info.family, info.resource, info.site, info.tenant)
        groups.setdefault(key, []).append((-1 if info.period_index is None else info.period_index, value))
    shortfalls = []
    for (family, resource, site, tenant), items in groups.items():
        items.sort()
        periods = [ins.labels[t] for t, _ in items if t >= 0]
        amount = max(v for _, v in items)
        sf = Shortfall(family, resource, site, tenant, periods, amount, UNITS.get(family, "MW"))
        sf.hints = _hints(ins, sf, [t for t, _ in items if t >= 0])
        shortfalls.append(sf)
    shortfalls.sort(key=lambda s: (-PENALTY[s.family] * s.max_amount, s.family, s.site or "", s.tenant or ""))
    return Diagnosis(portfolio.name, shortfalls, result.status.value)


def _span(periods: list[str]) -> str:
    if not periods:
        return ""
    return periods[0] if len(periods) == 1 else f"{periods[0]}-{periods[-1]} ({len(periods)} periods)"


def _hints(ins: Inputs, sf: Shortfall, periods: list[int]) -> list[str]:
    hints: list[str] = []
    L = ins.period_months
    if sf.site is not None:
        s = ins.site_ids.index(sf.site)
        first = min(periods) if periods else 0
        needing = [
            f"{ins.tenant_ids[k]} ({ins.tenant_mw[k]:g} MW, window {ins.labels[max(0, int(ins.tenant_starts[k][0]))]}"
            f"..{ins.labels[min(ins.T - 1, max(0, int(ins.tenant_starts[k][-1])))]})"
            for k in range(len(ins.tenant_ids))
            if ins.tenant_committed[k] and s in set(ins.tenant_sites[k].tolist())
        ]
        if needing:
            hints.append("committed tenants eligible here: " + ", ".join(needing))
        if sf.family == "interconnect":
            hints.append(f"interconnect now {ins.interconnect_mw[s]:g} MW")
            for u in np.nonzero(ins.upgrade_site == s)[0]:
                lead = int(ins.upgrade_lead[u])
                when = ins.labels[lead] if lead < ins.T else "after the horizon"
                hints.append(f"upgrade {ins.upgrade_ids[u].split('/', 1)[1]} (+{ins.upgrade_mw[u]:g} MW, lead "
                             f"{lead * L} months) can be in service from {when} at the earliest")
        if sf.family == "power_contract":
            mw = ins.contract_mw[ins.contract_site == s, first].sum()
            hints.append(f"contracts in force in {ins.labels[first]}: {mw:g} MW")
        if sf.family in ("hall_it", "positions", "hall_floor"):
            for h, hid in enumerate(ins.hall_ids):
                lead = int(ins.hall_lead[h])
                when = ins.labels[lead] if lead < ins.T else "after the horizon"
                hints.append(f"hall module {hid} ({ins.hall_it_mw[h]:g} MW IT, lead {lead * L} months): a new one can "
                             f"be in service from {when}; {int(ins.existing_halls[s, h])} in service at the start")
        if sf.family in ("land_buildings", "land_buildable"):
            hints.append(f"buildable land {ins.free_area_m2[s] + ins.building_area_m2[s]:,.0f} m2, of which mining "
                         f"buildings {ins.building_area_m2[s]:,.0f} m2")
        if sf.family == "air_cooling":
            hints.append(f"air cooling capacity {ins.air_capacity_mw[s]:g} MW")
    if sf.tenant is not None and sf.family == "delivery":
        k = ins.tenant_ids.index(sf.tenant)
        hints.append(f"eligible sites: {', '.join(ins.site_ids[s] for s in ins.tenant_sites[k])}; "
                     f"at most {ins.tenant_max_sites[k]} site(s), blocks >= {ins.tenant_min_block_mw[k]:g} MW")
    return hints
