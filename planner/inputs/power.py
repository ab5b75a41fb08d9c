"""Power: supply contracts and interconnect upgrades, as arrays over their own dimensions.

Energy price of contract c in period t: p_c (1 + e_c)^y_t x the scenario's power multiplier
[$/MWh], e_c the contract's escalation (the scenario's when it has none); MW_c,t is 0
outside [start, end). The site price of pass-through energy is the capacity-weighted price
of the contracts in force, sum_c MW_c,t p_c,t / sum_c MW_c,t (when none is in force: the
highest mean price of the site's contracts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from planner.describe.descriptors import Scenario, Site
from planner.inputs.arrays import ArrayGroup, dims, labels, ref
from planner.inputs.time import Time


@dataclass(frozen=True)
class Contracts(ArrayGroup):
    """Power supply contracts of every site (ids are site/contract)."""

    DIM: ClassVar[str] = "contract"
    ids: list[str] = labels()
    site: np.ndarray = ref("site", doc="site of each contract")
    mw: np.ndarray = dims("contract", "period", doc="MW in force (0 outside the contract's dates)")
    price: np.ndarray = dims("contract", "period", doc="USD/MWh")
    take_or_pay: np.ndarray = dims("contract", doc="share of the contract's energy paid regardless")


@dataclass(frozen=True)
class Upgrades(ArrayGroup):
    """Interconnect upgrade options of every site (ids are site/upgrade)."""

    DIM: ClassVar[str] = "upgrade"
    ids: list[str] = labels()
    site: np.ndarray = ref("site", doc="site of each upgrade")
    mw: np.ndarray = dims("upgrade", doc="MW added")
    capex_usd: np.ndarray = dims("upgrade")
    lead_months: np.ndarray = dims("upgrade", doc="from order to service")
    ready: np.ndarray = dims("upgrade", "period", doc="can be in service in t (bool)")
    ordered: np.ndarray = dims("upgrade", "period", doc="period in which an upgrade in service in t was ordered")


def prepare_contracts(sites: tuple[Site, ...], sc: Scenario, time: Time) -> Contracts:
    """Contract arrays; MW in force from the period holding `start` up to the one holding `end`."""
    t = np.arange(time.T)
    rows = []
    for i, s in enumerate(sites):
        for c in s.power_contracts:
            first = time.period_of(c.start) if c.start else 0
            last = time.period_of(c.end) if c.end else time.T
            esc = sc.power_price_escalation_per_year if c.escalation_per_year is None else c.escalation_per_year
            rows.append((i, f"{s.id}/{c.id}", np.where((t >= first) & (t < last), c.mw, 0.0),
                         c.price_usd_per_mwh * sc.power_price_multiplier * (1 + esc) ** time.years,
                         c.take_or_pay_share))
    return Contracts(ids=[r[1] for r in rows], site=np.array([r[0] for r in rows], dtype=int),
                     mw=np.array([r[2] for r in rows]).reshape(len(rows), time.T),
                     price=np.array([r[3] for r in rows]).reshape(len(rows), time.T),
                     take_or_pay=np.array([r[4] for r in rows], dtype=float))


def prepare_upgrades(sites: tuple[Site, ...], sc: Scenario, time: Time) -> Upgrades:
    """Upgrade arrays; capex scaled by the scenario's capex multiplier."""
    rows = [(i, f"{s.id}/{u.id}", u.mw, u.capex_usd * sc.capex_multiplier, u.lead_time_months)
            for i, s in enumerate(sites) for u in s.interconnect.upgrades]
    lead = np.array([r[4] for r in rows], dtype=float)
    return Upgrades(ids=[r[1] for r in rows], site=np.array([r[0] for r in rows], dtype=int),
                    mw=np.array([r[2] for r in rows], dtype=float), capex_usd=np.array([r[3] for r in rows], dtype=float),
                    lead_months=lead, ready=time.in_service(lead).reshape(len(rows), time.T),
                    ordered=time.order_period(lead).reshape(len(rows), time.T))


def contracted_mw(contracts: Contracts, S: int) -> np.ndarray:
    """[S, T] MW of the contracts in force at each site."""
    out = np.zeros((S, contracts.mw.shape[1]))
    np.add.at(out, contracts.site, contracts.mw)
    return out


def site_price(contracts: Contracts, S: int) -> np.ndarray:
    """[S, T] capacity-weighted price of the contracts in force (see the module docstring)."""
    T = contracts.mw.shape[1]
    site_mw = contracted_mw(contracts, S)
    site_cost = np.zeros((S, T))
    np.add.at(site_cost, contracts.site, contracts.mw * contracts.price)
    mean_price = np.array([np.mean(p) for p in contracts.price]) if len(contracts.ids) else np.zeros(0)
    fallback = np.zeros(S)
    np.maximum.at(fallback, contracts.site, mean_price)
    return np.where(site_mw > 0, site_cost / np.maximum(site_mw, 1e-12), fallback[:, None])
