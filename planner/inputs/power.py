"""Power: supply contracts and interconnect upgrades, as arrays over their own dimensions.

Energy price of contract c in period t: p_c (1 + e_c)^y_t x the scenario's power multiplier
[$/MWh], e_c the contract's escalation (the scenario's when it has none); MW_c,t is 0
outside [start, end). The site price (the energy cost after the horizon, and the decomposition's guide) is the
capacity-weighted price of the contracts in force, sum_c MW_c,t p_c,t / sum_c MW_c,t (when none is in force: the
highest mean price of the site's contracts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from planner.describe.descriptors import Scenario, Site
from planner.inputs.arrays import ArrayGroup, dims, labels, ref
from planner.inputs.time import Time, draw_lags


@dataclass(frozen=True)
class Contracts(ArrayGroup):
    """Power supply contracts of every site (ids are site/contract)."""

    DIM: ClassVar[str] = "contract"
    ids: list[str] = labels()
    site: np.ndarray = ref("site", doc="site of each contract")
    mw: np.ndarray = dims("contract", "period", doc="MW in force (0 outside the contract's dates)")
    price: np.ndarray = dims("contract", "period", doc="USD/MWh")
    take_or_pay: np.ndarray = dims("contract", doc="share of the contract's energy paid regardless")
    resale: np.ndarray = dims("contract", "period", doc="USD/MWh for paid but undrawn energy (0: not resold)")


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
    draws: np.ndarray = dims("upgrade", "lag", "period", doc="share of its capex paid g periods before t")
    committed: np.ndarray = dims("upgrade", "period", doc="in service from t as work in progress (bool)")


def prepare_contracts(sites: tuple[Site, ...], sc: Scenario, time: Time) -> Contracts:
    """Contract arrays; MW in force from the period holding `start` up to the one holding `end`."""
    t = np.arange(time.T)
    rows = []
    for i, s in enumerate(sites):
        for c in s.power_contracts:
            first = time.period_of(c.start) if c.start else 0
            last = time.period_of(c.end) if c.end else time.T
            esc = sc.power_price_escalation_per_year if c.escalation_per_year is None else c.escalation_per_year
            growth = sc.power_price_multiplier * (1 + esc) ** time.years
            rows.append(
                (
                    i,
                    f"{s.id}/{c.id}",
                    np.where((t >= first) & (t < last), c.mw, 0.0),
                    c.price_usd_per_mwh * growth,
                    c.take_or_pay_share,
                    (c.resale_price_usd_per_mwh or 0.0) * growth,
                )
            )
    n = len(rows)
    return Contracts(
        ids=[r[1] for r in rows],
        site=np.array([r[0] for r in rows], dtype=int),
        mw=np.array([r[2] for r in rows]).reshape(n, time.T),
        price=np.array([r[3] for r in rows]).reshape(n, time.T),
        take_or_pay=np.array([r[4] for r in rows], dtype=float),
        resale=np.array([r[5] for r in rows]).reshape(n, time.T),
    )


def prepare_upgrades(sites: tuple[Site, ...], sc: Scenario, time: Time, draw_mode: str, lags: int) -> Upgrades:
    """Upgrade arrays; capex scaled by the scenario's capex multiplier; an upgrade under construction
    (work in progress) is in service from its date and its own capex is 0 (what is left to pay is
    the site's work-in-progress spend)."""
    wip = {
        (i, w.id): time.period_of(w.in_service)
        for i, s in enumerate(sites)
        for w in s.work_in_progress
        if w.kind == "upgrade"
    }
    rows = [
        (
            i,
            f"{s.id}/{u.id}",
            u.mw,
            0.0 if (i, u.id) in wip else u.capex_usd * sc.capex_multiplier,
            u.lead_time_months,
            wip.get((i, u.id), time.T),
        )
        for i, s in enumerate(sites)
        for u in s.interconnect.upgrades
    ]
    lead = np.array([r[4] for r in rows], dtype=float)
    committed = np.arange(time.T)[None, :] >= np.array([r[5] for r in rows], dtype=int).reshape(len(rows), 1)
    return Upgrades(
        ids=[r[1] for r in rows],
        site=np.array([r[0] for r in rows], dtype=int),
        mw=np.array([r[2] for r in rows], dtype=float),
        capex_usd=np.array([r[3] for r in rows], dtype=float),
        lead_months=lead,
        ready=time.in_service(lead).reshape(len(rows), time.T) | committed,
        ordered=time.order_period(lead).reshape(len(rows), time.T),
        draws=draw_lags(time, lead, draw_mode, lags),
        committed=committed,
    )


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
