"""Model inputs: every coefficient of the MILP as a numpy array, prepared once.

Time: periods t = 0..T-1 of L months from the horizon start; h_t = 8760 L / 12 hours;
cash flows sit mid-period, discounted by d_t = (1 + r)^-(t + 1/2) L / 12.
A date maps to the period holding it (negative before the horizon), a lead time of m
months to ceil(m / L) periods.

Market paths (per period, at mid-period year y_t):
- hashprice_t = hp_0 (1 + g)^y_t prod_{halvings before t} (f + (1 - f) / 2)   [$/PH/day]
- gpu_hour_{r,t} = rate_r (1 + g_r)^y_t                                        [$/GPU-hour]
- energy price of contract c: p_c (1 + e_c)^y_t x power multiplier            [$/MWh]
- lease revenue of tenant k at site s: rate_ks x 1000 x L (1 + esc_k)^(years since the
  tenant's earliest start)                                                     [$/MW-period]
Residual value: an asset of life l periods entering service in period t is worth the
straight-line share max(0, 1 - (T - t) / l) of its cost at the horizon end, counted in the
last period (when finance.residual_value).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from planner.describe.loading import Portfolio

HOURS_PER_YEAR = 8760.0
MONTHS = {"month": 1, "quarter": 3, "year": 12}


def month_index(date: dt.date) -> int:
    return date.year * 12 + date.month - 1


def period_label(start: dt.date, months: int, t: int) -> str:
    m = month_index(start) + t * months
    year, month = divmod(m, 12)
    if months == 12:
        return f"{year}"
    if months == 3:
        return f"{year}Q{month // 3 + 1}"
    return f"{year}-{month + 1:02d}"


@dataclass(frozen=True)
class Inputs:
    """Arrays indexed by site s, period t, rack type r, CDU type c, hall module h,
    contract (flattened over sites) i, upgrade (flattened) u, tenant k."""

    portfolio: Portfolio
    # time
    T: int
    period_months: int
    labels: list[str]
    hours: np.ndarray  # [T]
    years: np.ndarray  # [T] mid-period years from the horizon start
    discount: np.ndarray  # [T]
    # sites
    site_ids: list[str]
    pue_mining: np.ndarray  # [S]
    pue_hpc: np.ndarray  # [S, R] by the rack's cooling, climate-adjusted
    interconnect_mw: np.ndarray  # [S]
    air_capacity_mw: np.ndarray  # [S]
    fleet_mw: np.ndarray  # [S] mining IT MW of the fleet
    housed_mining_mw: np.ndarray  # [S] mining IT MW the buildings house
    mining_mw_per_m2: np.ndarray  # [S] mining density of the existing buildings
    building_area_m2: np.ndarray  # [S]
    free_area_m2: np.ndarray  # [S] buildable area not under existing buildings
    mining_rev_usd_per_mw: np.ndarray  # [S, T] per period, at full uptime-adjusted output
    conversion_cost_usd: np.ndarray  # [S]
    cp_usd_per_mw_period: np.ndarray  # [S, T] coincident-peak charge on firm MW
    dr_usd_per_mw_period: np.ndarray  # [S, T] demand-response credit on interruptible MW
    existing_halls: np.ndarray  # [S, H]
    existing_cdus: np.ndarray  # [S, C]
    # contracts (flattened)
    contract_site: np.ndarray  # [I]
    contract_ids: list[str]
    contract_mw: np.ndarray  # [I, T] 0 when not in force
    contract_price: np.ndarray  # [I, T] $/MWh
    contract_top: np.ndarray  # [I] take-or-pay share
    site_price: np.ndarray  # [S, T] capacity-weighted price of contracts in force (pass-through)
    # upgrades (flattened)
    upgrade_site: np.ndarray  # [U]
    upgrade_ids: list[str]
    upgrade_mw: np.ndarray
    upgrade_capex_usd: np.ndarray
    upgrade_lead: np.ndarray  # periods
    # racks
    rack_ids: list[str]
    rack_mw: np.ndarray  # [R] IT MW per rack
    rack_liquid: np.ndarray  # [R] bool
    rack_m2_per_mw: np.ndarray  # [R]
    cloud_rev_usd_per_mw: np.ndarray  # [R, T]
    rack_capex_usd: np.ndarray  # [R] per self-operated rack
    rack_life: np.ndarray  # [R] periods a self-operated rack earns before it retires
    hall_life: np.ndarray  # [H] periods
    cdu_life: np.ndarray  # [C] periods
    grid_life: int  # periods, interconnect upgrades and site conversion works
    residual_value: bool
    cloud_max_it_mw: np.ndarray | None  # [T] most self-operated IT MW sold per period
    # cooling units
    cdu_ids: list[str]
    cdu_mw: np.ndarray  # [C]
    cdu_m2: np.ndarray
    cdu_capex_usd: np.ndarray
    cdu_spare: np.ndarray  # [C] 1 for N+1, 0 for N
    # hall modules
    hall_ids: list[str]
    hall_conversion: np.ndarray  # [H] bool
    hall_it_mw: np.ndarray
    hall_m2: np.ndarray
    hall_capex_usd: np.ndarray  # per module
    hall_lead: np.ndarray  # periods
    # tenants
    tenant_ids: list[str]
    tenant_mw: np.ndarray  # [K]
    tenant_rack: np.ndarray  # [K] rack index
    tenant_committed: np.ndarray  # [K] bool
    tenant_pass_through: np.ndarray  # [K] bool
    tenant_max_sites: np.ndarray  # [K]
    tenant_min_block_mw: np.ndarray  # [K]
    tenant_sites: list[np.ndarray]  # [K] eligible site indices
    tenant_starts: list[np.ndarray]  # [K] candidate start periods (may be < 0)
    tenant_term: np.ndarray  # [K] periods
    lease_rev_usd_per_mw: list[np.ndarray]  # [K] -> [len(sites_k), T]
    # operating
    mining_opex_usd_per_mw_period: float
    hpc_opex_usd_per_mw_period: float
    cloud_opex_usd_per_mw_period: float
    hpc_load_factor: float
    cloud_utilisation: float
    mining_uptime: float
    capex_multiplier: float
    budget_usd_per_period: float | None
    concentration_cap: float | None

    @property
    def S(self) -> int:
        return len(self.site_ids)

    @property
    def R(self) -> int:
        return len(self.rack_ids)

    def residual(self, life: np.ndarray | int) -> np.ndarray:
        """[..., T] residual share at the horizon end of an asset entering service in t."""
        if not self.residual_value:
            return np.zeros(np.shape(life) + (self.T,))
        age = self.T - np.arange(self.T)
        return np.maximum(0.0, 1.0 - age / np.asarray(life, dtype=float)[..., None])

    def active(self, k: int, start: int) -> np.ndarray:
        """Bool [T]: periods in which tenant k is served if its lease starts at `start`."""
        t = np.arange(self.T)
        return (t >= start) & (t < start + self.tenant_term[k])


def prepare(portfolio: Portfolio) -> Inputs:
    """All coefficients of the model, from a validated portfolio."""
    spec, cat = portfolio.spec, portfolio.catalog
    L = MONTHS[spec.horizon.period]
    T = spec.horizon.periods
    start = spec.horizon.start
    t = np.arange(T)
    years = (t + 0.5) * L / 12.0
    hours = np.full(T, HOURS_PER_YEAR * L / 12.0)
    discount = (1.0 + spec.finance.discount_rate_per_year) ** -years
    period_of = _period_of(start, L)
    lead = lambda months: int(math.ceil(months / L))  # noqa: E731
    periods_of = lambda years: max(1, math.ceil(years * 12 / L - 1e-9))  # noqa: E731
    sc = spec.scenario
    op = cat.operating
    sites = portfolio.sites
    S = len(sites)
    site_index = {s.id: i for i, s in enumerate(sites)}

    # hashprice [$/PH/day]
    hp = sc.hashprice
    halving_periods = np.array([period_of(d) for d in hp.halvings], dtype=float)
    n_halvings = (t[:, None] >= halving_periods[None, :]).sum(axis=1) if len(hp.halvings) else np.zeros(T)
    hashprice = hp.usd_per_ph_day * (1 + hp.change_per_year) ** years * (hp.fee_share + (1 - hp.fee_share) / 2) ** n_halvings
    days = hours / 24.0

    racks = cat.racks
    rack_mw = np.array([r.it_kw / 1000.0 for r in racks])
    rack_liquid = np.array([r.cooling == "liquid" for r in racks])
    gpus_per_mw = np.array([r.gpus for r in racks]) / rack_mw
    gpu_hour = np.array([[r.gpu_hour_usd * (1 + r.gpu_hour_change_per_year) ** y for y in years] for r in racks])
    cloud_rev = gpus_per_mw[:, None] * gpu_hour * sc.gpu_hour_multiplier * op.cloud_utilisation * hours[None, :]

    halls = cat.hall_modules
    pue_by_cooling = np.array([[max(h.pue_liquid for h in halls), max(h.pue_air for h in halls)]])
    climate = np.array([op.pue_per_degc_above_15 * max(0.0, s.cooling.mean_temp_c - 15.0) for s in sites])
    pue_hpc = np.where(rack_liquid[None, :], pue_by_cooling[0, 0], pue_by_cooling[0, 1]) + climate[:, None]
    pue_mining = np.array(
        [op.pue_mining_immersion if s.cooling.existing in ("immersion", "hydro") else op.pue_mining_air for s in sites]
    )

    asics = {a.id: a for a in cat.asics}
    fleet_mw = np.zeros(S)
    ph_per_mw = np.zeros(S)
    for i, s in enumerate(sites):
        if s.mining is None:
            continue
        a = asics[s.mining.asic]
        ph_per_mw[i] = a.th_per_s / a.watts * 1e6 / 1000.0  # (TH/s per W) x 1e6 W/MW / 1000 TH/PH
        fleet_mw[i] = (
            s.mining.units * a.watts / 1e6 if s.mining.units is not None else s.mining.hashrate_ph_per_s / ph_per_mw[i]
        )
    mining_rev = ph_per_mw[:, None] * hashprice[None, :] * days[None, :] * op.mining_uptime

    land = [portfolio.land[s.id] for s in sites]
    building_area = np.array([g.building_area_m2 for g in land])
    housed = np.array([sum(b.mining_mw for b in s.land.buildings) for s in sites])
    density = np.divide(housed, building_area, out=np.zeros(S), where=building_area > 0)
    free_area = np.maximum(0.0, np.array([g.buildable_area_m2 for g in land]) - building_area)

    years_len = L / 12.0
    cp = np.array([s.coincident_peak_usd_per_kw_year * 1000.0 * years_len for s in sites])[:, None] * np.ones(T)
    dr = np.array([s.demand_response_usd_per_mw_year * years_len for s in sites])[:, None] * np.ones(T)

    # contracts
    c_site, c_ids, c_mw, c_price, c_top = [], [], [], [], []
    for i, s in enumerate(sites):
        for c in s.power_contracts:
            first = period_of(c.start) if c.start else 0
            last = period_of(c.end) if c.end else T  # in force up to the period holding its end
            in_force = (t >= first) & (t < last)
            esc = sc.power_price_escalation_per_year if c.escalation_per_year is None else c.escalation_per_year
            c_site.append(i)
            c_ids.append(f"{s.id}/{c.id}")
            c_mw.append(np.where(in_force, c.mw, 0.0))
            c_price.append(c.price_usd_per_mwh * sc.power_price_multiplier * (1 + esc) ** years)
            c_top.append(c.take_or_pay_share)
    contract_site = np.array(c_site, dtype=int)
    contract_mw = np.array(c_mw)
    contract_price = np.array(c_price)
    site_mw = np.zeros((S, T))
    site_cost = np.zeros((S, T))
    np.add.at(site_mw, contract_site, contract_mw)
    np.add.at(site_cost, contract_site, contract_mw * contract_price)
    mean_price = np.array([np.mean(p) for p in contract_price]) if len(c_price) else np.zeros(0)
    fallback = np.zeros(S)
    np.maximum.at(fallback, contract_site, mean_price)
    site_price = np.where(site_mw > 0, site_cost / np.maximum(site_mw, 1e-12), fallback[:, None])

    # upgrades
    u_site, u_ids, u_mw, u_capex, u_lead = [], [], [], [], []
    for i, s in enumerate(sites):
        for u in s.interconnect.upgrades:
            u_site.append(i)
            u_ids.append(f"{s.id}/{u.id}")
            u_mw.append(u.mw)
            u_capex.append(u.capex_usd * sc.capex_multiplier)
            u_lead.append(lead(u.lead_time_months))

    hall_index = {h.id: j for j, h in enumerate(halls)}
    cdus = cat.cooling_units
    cdu_index = {c.id: j for j, c in enumerate(cdus)}
    existing_halls = np.zeros((S, len(halls)), dtype=int)
    existing_cdus = np.zeros((S, len(cdus)), dtype=int)
    for i, s in enumerate(sites):
        for key, n in s.existing_halls.items():
            existing_halls[i, hall_index[key]] = n
        for key, n in s.existing_cdus.items():
            existing_cdus[i, cdu_index[key]] = n

    # tenants
    rack_index = {r.id: j for j, r in enumerate(racks)}
    tenants = spec.tenants
    t_sites, t_starts, t_rev = [], [], []
    for k in tenants:
        idx = np.array([site_index[sid] for sid in k.eligible_sites], dtype=int)
        first, last = period_of(k.start_earliest), period_of(k.start_latest)
        t_sites.append(idx)
        t_starts.append(np.arange(first, last + 1))
        since = np.maximum(0.0, years - (first * L) / 12.0)
        rate = np.array([k.site_rates_usd_per_kw_month.get(sid, k.rate_usd_per_kw_month) for sid in k.eligible_sites])
        t_rev.append(rate[:, None] * sc.lease_rate_multiplier * 1000.0 * L * (1 + k.escalator_per_year) ** since[None, :])

    return Inputs(
        portfolio=portfolio,
        T=T,
        period_months=L,
        labels=[period_label(start, L, i) for i in range(T)],
        hours=hours,
        years=years,
        discount=discount,
        site_ids=[s.id for s in sites],
        pue_mining=pue_mining,
        pue_hpc=pue_hpc,
        interconnect_mw=np.array([s.interconnect.mw for s in sites]),
        air_capacity_mw=np.array([s.cooling.air_capacity_mw for s in sites]),
        fleet_mw=fleet_mw,
        housed_mining_mw=housed,
        mining_mw_per_m2=density,
        building_area_m2=building_area,
        free_area_m2=free_area,
        mining_rev_usd_per_mw=mining_rev,
        conversion_cost_usd=np.array([s.conversion_cost_usd for s in sites]) * sc.capex_multiplier,
        cp_usd_per_mw_period=cp,
        dr_usd_per_mw_period=dr,
        existing_halls=existing_halls,
        existing_cdus=existing_cdus,
        contract_site=contract_site,
        contract_ids=c_ids,
        contract_mw=contract_mw,
        contract_price=contract_price,
        contract_top=np.array(c_top),
        site_price=site_price,
        upgrade_site=np.array(u_site, dtype=int),
        upgrade_ids=u_ids,
        upgrade_mw=np.array(u_mw, dtype=float),
        upgrade_capex_usd=np.array(u_capex, dtype=float),
        upgrade_lead=np.array(u_lead, dtype=int),
        rack_ids=[r.id for r in racks],
        rack_mw=rack_mw,
        rack_liquid=rack_liquid,
        rack_m2_per_mw=np.array([r.footprint_m2 for r in racks]) / rack_mw,
        cloud_rev_usd_per_mw=cloud_rev,
        rack_capex_usd=np.array([r.capex_usd for r in racks]) * sc.capex_multiplier,
        rack_life=np.array([periods_of(r.life_years) for r in racks], dtype=int),
        cloud_max_it_mw=None if sc.cloud_max_it_mw is None else np.full(T, float(sc.cloud_max_it_mw)),
        hall_life=np.array([periods_of(h.life_years) for h in halls], dtype=int),
        cdu_life=np.array([periods_of(c.life_years) for c in cdus], dtype=int),
        grid_life=periods_of(op.grid_asset_life_years),
        residual_value=spec.finance.residual_value,
        cdu_ids=[c.id for c in cdus],
        cdu_mw=np.array([c.capacity_kw / 1000.0 for c in cdus]),
        cdu_m2=np.array([c.footprint_m2 for c in cdus]),
        cdu_capex_usd=np.array([c.capex_usd for c in cdus]) * sc.capex_multiplier,
        cdu_spare=np.array([1 if c.redundancy == "N+1" else 0 for c in cdus]),
        hall_ids=[h.id for h in halls],
        hall_conversion=np.array([h.kind == "conversion" for h in halls]),
        hall_it_mw=np.array([h.it_mw for h in halls]),
        hall_m2=np.array([h.footprint_m2 for h in halls]),
        hall_capex_usd=np.array([h.capex_usd_per_mw_it * h.it_mw for h in halls]) * sc.capex_multiplier,
        hall_lead=np.array([lead(h.lead_time_months) for h in halls], dtype=int),
        tenant_ids=[k.id for k in tenants],
        tenant_mw=np.array([k.it_mw for k in tenants], dtype=float),
        tenant_rack=np.array([rack_index[k.rack_type] for k in tenants], dtype=int),
        tenant_committed=np.array([k.committed for k in tenants], dtype=bool),
        tenant_pass_through=np.array([k.power == "pass_through" for k in tenants], dtype=bool),
        tenant_max_sites=np.array([k.max_sites for k in tenants], dtype=int),
        tenant_min_block_mw=np.array([k.min_block_mw for k in tenants], dtype=float),
        tenant_sites=t_sites,
        tenant_starts=t_starts,
        tenant_term=np.array([max(1, round(k.term_months / L)) for k in tenants], dtype=int),
        lease_rev_usd_per_mw=t_rev,
        mining_opex_usd_per_mw_period=op.mining_opex_usd_per_mw_year * years_len,
        hpc_opex_usd_per_mw_period=op.hpc_opex_usd_per_mw_year * years_len,
        cloud_opex_usd_per_mw_period=op.cloud_opex_usd_per_mw_year * years_len,
        hpc_load_factor=op.hpc_load_factor,
        cloud_utilisation=op.cloud_utilisation,
        mining_uptime=op.mining_uptime,
        capex_multiplier=sc.capex_multiplier,
        budget_usd_per_period=spec.finance.capex_budget_usd_per_period,
        concentration_cap=spec.finance.concentration_cap,
    )


def _period_of(start: dt.date, months: int):
    """date -> index of the period holding it (floor; negative before the horizon)."""
    base = month_index(start)
    return lambda d: (month_index(d) - base) // months
