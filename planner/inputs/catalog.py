"""Technology: GPU rack types, cooling units (CDUs) and hall modules, as arrays.

Self-operated (cloud) revenue of rack type r per IT MW in period t, at mid-period year y_t:
    cloud_r,t = (GPUs_r / MW_r) x rate_r (1 + g_r)^y_t x m_gpu x utilisation x h_t   [$/MW-period]
with m_gpu the scenario's GPU-hour multiplier. Capex is scaled by the scenario's capex
multiplier. Lead times and lives become, per period, the period of order, of retirement and the
residual share at the horizon end (planner.inputs.time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from planner.describe.descriptors import Catalog, Scenario
from planner.inputs.arrays import ArrayGroup, dims, labels
from planner.inputs.time import Time, draw_lags


@dataclass(frozen=True)
class Racks(ArrayGroup):
    """GPU rack types."""

    DIM: ClassVar[str] = "rack"
    ids: list[str] = labels()
    mw: np.ndarray = dims("rack", doc="IT MW per rack")
    liquid: np.ndarray = dims("rack", doc="liquid-cooled (bool)")
    m2_per_mw: np.ndarray = dims("rack", doc="floor area per IT MW, aisles included")
    cloud_rev_usd_per_mw: np.ndarray = dims("rack", "period", doc="self-operated revenue per MW-period")
    capex_usd: np.ndarray = dims("rack", doc="all-in price of one self-operated rack (cluster capex factor in)")
    available: np.ndarray = dims("rack", "period", doc="self-operated racks can be bought in t (bool)")
    retire: np.ndarray = dims("rack", "period", doc="period in which racks bought in t retire (>= T: after)")
    residual_share: np.ndarray = dims("rack", "period", doc="share of cost left at the end, bought in t")


@dataclass(frozen=True)
class Cdus(ArrayGroup):
    """Coolant distribution units."""

    DIM: ClassVar[str] = "cdu"
    ids: list[str] = labels()
    mw: np.ndarray = dims("cdu", doc="cooling capacity, MW of liquid-cooled IT")
    m2: np.ndarray = dims("cdu", doc="footprint")
    capex_usd: np.ndarray = dims("cdu")
    spare: np.ndarray = dims("cdu", doc="1 for N+1 redundancy, 0 for N")
    residual_share: np.ndarray = dims("cdu", "period", doc="share of cost left at the end, installed in t")


@dataclass(frozen=True)
class Halls(ArrayGroup):
    """Hall modules (converted inside a mining building, or newly built)."""

    DIM: ClassVar[str] = "hall"
    ids: list[str] = labels()
    conversion: np.ndarray = dims("hall", doc="converted inside a mining building (bool)")
    it_mw: np.ndarray = dims("hall")
    m2: np.ndarray = dims("hall", doc="footprint")
    capex_usd: np.ndarray = dims("hall", doc="per module")
    lead_months: np.ndarray = dims("hall", doc="from order to service")
    ready: np.ndarray = dims("hall", "period", doc="a new module can be in service in t (bool)")
    ordered: np.ndarray = dims("hall", "period", doc="period in which a module in service in t was ordered")
    draws: np.ndarray = dims("hall", "lag", "period", doc="share of its capex paid g periods before t")
    residual_share: np.ndarray = dims("hall", "period", doc="share of cost left at the end, in service from t")


def prepare_racks(cat: Catalog, sc: Scenario, time: Time) -> Racks:
    """Rack arrays, with the cloud revenue path of each type."""
    racks = cat.racks
    mw = np.array([r.it_kw / 1000.0 for r in racks])
    gpus_per_mw = np.array([r.gpus for r in racks]) / mw
    gpu_hour = np.array([[r.gpu_hour_usd * (1 + r.gpu_hour_change_per_year) ** y for y in time.years] for r in racks])
    op = cat.operating
    cloud = gpus_per_mw[:, None] * gpu_hour * sc.gpu_hour_multiplier * op.cloud_utilisation * time.hours[None, :]
    return Racks(
        ids=[r.id for r in racks],
        mw=mw,
        liquid=np.array([r.cooling == "liquid" for r in racks]),
        m2_per_mw=np.array([r.footprint_m2 for r in racks]) / mw,
        cloud_rev_usd_per_mw=cloud,
        capex_usd=np.array([r.capex_usd for r in racks]) * sc.capex_multiplier * op.cloud_capex_factor,
        available=np.array(
            [[r.available_from is None or time.period_of(r.available_from) <= t for t in range(time.T)] for r in racks],
            dtype=bool,
        ),
        retire=time.retire_period(np.array([r.life_years for r in racks])),
        residual_share=time.residual_share(np.array([r.life_years for r in racks])),
    )


def prepare_cdus(cat: Catalog, sc: Scenario, time: Time) -> Cdus:
    """CDU arrays."""
    cdus = cat.cooling_units
    return Cdus(
        ids=[c.id for c in cdus],
        mw=np.array([c.capacity_kw / 1000.0 for c in cdus]),
        m2=np.array([c.footprint_m2 for c in cdus]),
        capex_usd=np.array([c.capex_usd for c in cdus]) * sc.capex_multiplier,
        spare=np.array([1 if c.redundancy == "N+1" else 0 for c in cdus]),
        residual_share=time.residual_share(np.array([c.life_years for c in cdus])),
    )


def prepare_halls(cat: Catalog, sc: Scenario, time: Time, draw_mode: str, lags: int) -> Halls:
    """Hall module arrays; capex per module = MW x capex per MW x capex multiplier."""
    halls = cat.hall_modules
    lead = np.array([h.lead_time_months for h in halls], dtype=float)
    return Halls(
        ids=[h.id for h in halls],
        conversion=np.array([h.kind == "conversion" for h in halls]),
        it_mw=np.array([h.it_mw for h in halls]),
        m2=np.array([h.footprint_m2 for h in halls]),
        capex_usd=np.array([h.it_mw * h.capex_usd_per_mw_it for h in halls]) * sc.capex_multiplier,
        lead_months=lead,
        ready=time.in_service(lead),
        ordered=time.order_period(lead),
        draws=draw_lags(time, lead, draw_mode, lags),
        residual_share=time.residual_share(np.array([h.life_years for h in halls])),
    )
