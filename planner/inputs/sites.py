"""Sites: power usage effectiveness, mining fleet and its revenue, land, site charges.

Mining revenue per IT MW of site s in period t (hashprice path in planner.inputs.market):
    mine_s,t = PH/s per MW_s x hashprice_t x days_t x uptime                   [$/MW-period]
with PH/s per MW = (TH/s / W of the site's ASIC) x 1e6 / 1000. HPC PUE by the rack's cooling
is the catalog's highest hall PUE for that cooling plus the climate term
pue_per_degc_above_15 x max(0, mean temp - 15 C). Land: free area = buildable - building
area; mining density rho_s = housed mining MW / building area.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from planner.describe.loading import Portfolio
from planner.inputs.arrays import ArrayGroup, dims, labels, ref
from planner.inputs.time import Time


@dataclass(frozen=True)
class Operators(ArrayGroup):
    """The companies operating the sites (a site's `operator`), in order of first appearance."""

    DIM: ClassVar[str] = "operator"
    ids: list[str] = labels()
    cloud_max_it_mw: np.ndarray = dims("operator", doc="its GPU-cloud market, MW each period (inf: uncapped)")


def prepare_operators(portfolio: Portfolio) -> Operators:
    """Operators of the sites, with their cloud market caps (operators descriptors)."""
    ids = list(dict.fromkeys(s.operator for s in portfolio.sites))
    caps = {o.id: o.cloud_max_it_mw for o in portfolio.spec.operators}
    return Operators(ids=ids, cloud_max_it_mw=np.array([np.inf if caps.get(i) is None else caps[i] for i in ids]))


@dataclass(frozen=True)
class Sites(ArrayGroup):
    """Per-site arrays."""

    DIM: ClassVar[str] = "site"
    ids: list[str] = labels()
    operator: np.ndarray = ref("operator", doc="index of each site's operator")
    pue_mining: np.ndarray = dims("site")
    pue_hpc: np.ndarray = dims("site", "rack", doc="by the rack's cooling, climate-adjusted")
    interconnect_mw: np.ndarray = dims("site", doc="energized at the horizon start")
    air_capacity_mw: np.ndarray = dims("site", doc="heat rejection for air-cooled racks")
    fleet_mw: np.ndarray = dims("site", doc="mining IT MW of the fleet")
    housed_mining_mw: np.ndarray = dims("site", doc="mining IT MW the buildings house")
    mining_mw_per_m2: np.ndarray = dims("site", doc="density of the mining buildings")
    building_area_m2: np.ndarray = dims("site")
    free_area_m2: np.ndarray = dims("site", doc="buildable area not under the buildings")
    mining_rev_usd_per_mw: np.ndarray = dims("site", "period")
    conversion_cost_usd: np.ndarray = dims("site", doc="one-time, when the site first hosts HPC")
    cp_usd_per_mw_period: np.ndarray = dims("site", "period", doc="coincident-peak charge on firm MW")
    dr_usd_per_mw_period: np.ndarray = dims("site", "period", doc="demand-response credit on interruptible MW")
    existing_halls: np.ndarray = dims("site", "hall", doc="hall modules in service at the start")
    existing_cdus: np.ndarray = dims("site", "cdu", doc="CDUs installed at the start")
    wip_halls: np.ndarray = dims("site", "hall", "period", doc="modules under construction in service by t")
    wip_cdus: np.ndarray = dims("site", "cdu", "period", doc="CDUs under construction installed by t")
    wip_spend_usd: np.ndarray = dims("site", "period", doc="capex left on work in progress, drawn until in service")
    price: np.ndarray = dims("site", "period", doc="capacity-weighted price of the contracts in force")


def _fleet(portfolio: Portfolio) -> tuple[np.ndarray, np.ndarray]:
    """[S] fleet IT MW and PH/s per MW of each site's ASIC."""
    asics = {a.id: a for a in portfolio.catalog.asics}
    S = len(portfolio.sites)
    fleet_mw, ph_per_mw = np.zeros(S), np.zeros(S)
    for i, s in enumerate(portfolio.sites):
        if s.mining is None:
            continue
        a = asics[s.mining.asic]
        ph_per_mw[i] = a.th_per_s / a.watts * 1e6 / 1000.0  # (TH/s per W) x 1e6 W/MW / 1000 TH/PH
        fleet_mw[i] = (
            s.mining.units * a.watts / 1e6 if s.mining.units is not None else s.mining.hashrate_ph_per_s / ph_per_mw[i]
        )
    return fleet_mw, ph_per_mw


def _pue(portfolio: Portfolio, rack_liquid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """([S] mining PUE, [S, R] HPC PUE)."""
    cat, sites = portfolio.catalog, portfolio.sites
    op = cat.operating
    liquid = max(h.pue_liquid for h in cat.hall_modules)
    air = max(h.pue_air for h in cat.hall_modules)
    climate = np.array([op.pue_per_degc_above_15 * max(0.0, s.cooling.mean_temp_c - 15.0) for s in sites])
    pue_hpc = np.where(rack_liquid[None, :], liquid, air) + climate[:, None]
    pue_mining = np.array(
        [op.pue_mining_immersion if s.cooling.existing in ("immersion", "hydro") else op.pue_mining_air for s in sites]
    )
    return pue_mining, pue_hpc


def _existing(portfolio: Portfolio, key: str, ids: list[str]) -> np.ndarray:
    """[S, n] units of each catalog id already in place (existing_halls / existing_cdus)."""
    index = {x: j for j, x in enumerate(ids)}
    out = np.zeros((len(portfolio.sites), len(ids)), dtype=int)
    for i, s in enumerate(portfolio.sites):
        for item, n in getattr(s, key).items():
            out[i, index[item]] = n
    return out


def _work_in_progress(
    portfolio: Portfolio, time: Time, hall_ids: list[str], cdu_ids: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """([S, H, T] halls, [S, C, T] CDUs in service by t, [S, T] capex left): what is under
    construction at the horizon start enters service on its date; its capex is drawn evenly by
    month until then."""
    S, T = len(portfolio.sites), time.T
    halls, cdus, spend = np.zeros((S, len(hall_ids), T)), np.zeros((S, len(cdu_ids), T)), np.zeros((S, T))
    for i, s in enumerate(portfolio.sites):
        for w in s.work_in_progress:
            t = max(0, time.period_of(w.in_service))
            if w.kind == "hall":
                halls[i, hall_ids.index(w.id), t:] += w.units
            elif w.kind == "cdu":
                cdus[i, cdu_ids.index(w.id), t:] += w.units
            months = max(1.0, float(time.first_month[min(t, T - 1)]))
            share = time.activity(np.array(0.0), np.array(months)) * time.months / months
            spend[i] += w.remaining_capex_usd * portfolio.spec.scenario.capex_multiplier * share
    return halls, cdus, spend


def prepare_sites(
    portfolio: Portfolio,
    time: Time,
    hashprice: np.ndarray,
    rack_liquid: np.ndarray,
    hall_ids: list[str],
    cdu_ids: list[str],
    price: np.ndarray,
) -> Sites:
    """Site arrays; `hashprice` [T] in $/PH/day, `price` [S, T] the site price of energy."""
    sites, op = portfolio.sites, portfolio.catalog.operating
    capex_multiplier = portfolio.spec.scenario.capex_multiplier
    fleet_mw, ph_per_mw = _fleet(portfolio)
    pue_mining, pue_hpc = _pue(portfolio, rack_liquid)
    days = time.hours / 24.0
    land = [portfolio.land[s.id] for s in sites]
    building = np.array([g.building_area_m2 for g in land])
    housed = np.array([sum(b.mining_mw for b in s.land.buildings) for s in sites])
    year = time.year_fraction[None, :]
    wip_halls, wip_cdus, wip_spend = _work_in_progress(portfolio, time, hall_ids, cdu_ids)
    operators = list(dict.fromkeys(s.operator for s in sites))
    return Sites(
        ids=[s.id for s in sites],
        operator=np.array([operators.index(s.operator) for s in sites], dtype=int),
        pue_mining=pue_mining,
        pue_hpc=pue_hpc,
        interconnect_mw=np.array([s.interconnect.mw for s in sites], dtype=float),
        air_capacity_mw=np.array([s.cooling.air_capacity_mw for s in sites], dtype=float),
        fleet_mw=fleet_mw,
        housed_mining_mw=housed,
        mining_mw_per_m2=np.divide(housed, building, out=np.zeros(len(sites)), where=building > 0),
        building_area_m2=building,
        free_area_m2=np.maximum(0.0, np.array([g.buildable_area_m2 for g in land]) - building),
        mining_rev_usd_per_mw=ph_per_mw[:, None] * hashprice[None, :] * days[None, :] * op.mining_uptime,
        conversion_cost_usd=np.array([s.conversion_cost_usd for s in sites]) * capex_multiplier,
        cp_usd_per_mw_period=np.array([s.coincident_peak_usd_per_kw_year * 1000.0 for s in sites])[:, None] * year,
        dr_usd_per_mw_period=np.array([s.demand_response_usd_per_mw_year for s in sites])[:, None] * year,
        existing_halls=_existing(portfolio, "existing_halls", hall_ids),
        existing_cdus=_existing(portfolio, "existing_cdus", cdu_ids),
        wip_halls=wip_halls,
        wip_cdus=wip_cdus,
        wip_spend_usd=wip_spend,
        price=price,
    )
