"""Builders of descriptor data (plain dicts) for generated portfolios.

Used by the property-based tests, the benchmark generator and the published-optima
checks: a site is a rectangle parcel with one mining building, written inline as GeoJSON,
so a generated portfolio needs no files.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely

from planner.describe.geometry import rectangle_wgs84

MINING_KW_PER_M2 = 4.0
"""Mining building power density (estimate: 3-5 kW/m2 of building footprint)."""

RESALE_SHARE = 0.9
"""Take-or-pay energy a synthetic ERCOT-like site does not draw is sold back at this share of its
contract price (estimate: miners there curtail and sell back firm power, e.g. Riot's power credits;
without resale a take-or-pay contract of an idle fleet loses its whole price)."""


def feature(geom: shapely.Geometry, role: str, fid: str | None = None) -> dict[str, Any]:
    """A GeoJSON Feature of `geom` (lon/lat) with its ``role`` property and, if given, its ``id``."""
    props: dict[str, Any] = {"role": role}
    if fid is not None:
        props["id"] = fid
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}


def land_dict(
    lon: float, lat: float, parcel_m2: float, building_m2: float, mining_mw: float, setback_m: float = 10.0
) -> dict[str, Any]:
    """A square parcel of `parcel_m2` with one square mining building at its centre."""
    side = math.sqrt(parcel_m2)
    feats = [feature(rectangle_wgs84(lon, lat, side, side), "parcel")]
    buildings = []
    if building_m2 > 0:
        b = math.sqrt(building_m2)
        feats.append(feature(rectangle_wgs84(lon, lat, b, b), "building", "b1"))
        buildings.append({"id": "b1", "mining_mw": mining_mw})
    return {
        "geojson": {"type": "FeatureCollection", "features": feats},
        "setback_m": setback_m,
        "buildings": buildings,
    }


def site_dict(
    site_id: str,
    *,
    lon: float = -100.0,
    lat: float = 32.0,
    contract_mw: float = 100.0,
    price_usd_per_mwh: float = 40.0,
    take_or_pay_share: float = 0.0,
    resale_price_usd_per_mwh: float | None = None,
    interconnect_mw: float | None = None,
    upgrades: list[dict[str, Any]] | None = None,
    mining_mw: float = 50.0,
    asic: str = "s21-xp",
    parcel_m2: float | None = None,
    building_m2: float | None = None,
    air_capacity_mw: float = 0.0,
    mean_temp_c: float = 15.0,
    conversion_cost_usd: float = 0.0,
    coincident_peak_usd_per_kw_year: float = 0.0,
    demand_response_usd_per_mw_year: float = 0.0,
    asic_watts: float = 3645.0,
) -> dict[str, Any]:
    """A site descriptor; land sized to hold its mining and room for halls by default."""
    building = mining_mw * 1000.0 / MINING_KW_PER_M2 if building_m2 is None else building_m2
    parcel = max(4.0 * building, 40_000.0) if parcel_m2 is None else parcel_m2
    site: dict[str, Any] = {
        "id": site_id,
        "name": site_id,
        "operator": "synthetic",
        "location": {"lon": lon, "lat": lat},
        "grid": "synthetic",
        "power_contracts": [
            {
                "id": "ppa",
                "mw": contract_mw,
                "price_usd_per_mwh": price_usd_per_mwh,
                "take_or_pay_share": take_or_pay_share,
                **({} if resale_price_usd_per_mwh is None else {"resale_price_usd_per_mwh": resale_price_usd_per_mwh}),
            }
        ],
        "interconnect": {"mw": contract_mw if interconnect_mw is None else interconnect_mw, "upgrades": upgrades or []},
        "cooling": {"existing": "air", "air_capacity_mw": air_capacity_mw, "mean_temp_c": mean_temp_c},
        "land": land_dict(lon, lat, parcel, building if mining_mw > 0 else 0.0, mining_mw),
        "conversion_cost_usd": conversion_cost_usd,
        "coincident_peak_usd_per_kw_year": coincident_peak_usd_per_kw_year,
        "demand_response_usd_per_mw_year": demand_response_usd_per_mw_year,
    }
    if mining_mw > 0:
        site["mining"] = {"asic": asic, "units": int(round(mining_mw * 1e6 / asic_watts))}
    return site


def tenant_dict(
    tenant_id: str,
    sites: list[str],
    *,
    it_mw: float = 20.0,
    rate_usd_per_kw_month: float = 150.0,
    term_months: int = 120,
    start_earliest: str = "2027-01-01",
    start_latest: str = "2027-12-01",
    rack_type: str = "gb200-nvl72",
    committed: bool = False,
    max_sites: int = 1,
    min_block_mw: float = 0.0,
    **extra: Any,
) -> dict[str, Any]:
    """A tenant offer eligible at the site ids `sites` (a 20 MW GB200 lease by default); `extra`
    adds or overrides fields (``power``, ``escalator_per_year``, ``site_rates_usd_per_kw_month``...)."""
    return {
        "id": tenant_id,
        "it_mw": it_mw,
        "rate_usd_per_kw_month": rate_usd_per_kw_month,
        "term_months": term_months,
        "start_earliest": start_earliest,
        "start_latest": start_latest,
        "rack_type": rack_type,
        "eligible_sites": sites,
        "committed": committed,
        "max_sites": max_sites,
        "min_block_mw": min_block_mw,
        **extra,
    }


def portfolio_dict(
    name: str,
    sites: list[dict[str, Any]],
    tenants: list[dict[str, Any]] | None = None,
    *,
    periods: int = 40,
    period: str = "quarter",
    start: str = "2026-01-01",
    **sections: Any,
) -> dict[str, Any]:
    """A portfolio descriptor of `sites` and `tenants` over `periods` periods of `period` from
    `start` (the bundled catalog); `sections` adds top-level sections (``finance``, ``scenario``...)."""
    return {
        "name": name,
        "horizon": {"start": start, "periods": periods, "period": period},
        "sites": sites,
        "tenants": tenants or [],
        **sections,
    }


def random_portfolio(
    n_sites: int, n_tenants: int, seed: int = 0, periods: int = 40, name: str | None = None
) -> dict[str, Any]:
    """A seeded synthetic portfolio with figures drawn from the public ranges listed in sites/SOURCES.md:
    sites of 20-800 MW (lognormal, median ~150 MW) at $30-60/MWh, interconnects at 60-100%
    of contracted power with 0-2 upgrades ($50-150k/MW, 9-30 months), mining on up to 80% of
    the interconnect, 40% of sites ERCOT-like (4CP $50-150/kW-year, DR credits, a take-or-pay
    share of 0-80% whose undrawn energy is resold at RESALE_SHARE of its price; the others buy
    what they draw, as every bundled site does); optional
    tenant offers of 20-300 MW IT at $100-200/kW-month for 5-15 years, eligible at 1-5
    sites, about 10% committed and sized to fit their first site."""
    rng = np.random.default_rng(seed)
    sites = [_random_site(rng, i) for i in range(n_sites)]
    tenants = [_random_tenant(rng, k, sites) for k in range(n_tenants)]
    return portfolio_dict(
        name or f"synthetic-{n_sites}x{n_tenants}-seed{seed}",
        sites,
        tenants,
        periods=periods,
        scenario={"cloud_max_it_mw": round(0.05 * sum(s["power_contracts"][0]["mw"] for s in sites), 1)},
    )


def _random_site(rng: np.random.Generator, i: int) -> dict[str, Any]:
    """Site i of :func:`random_portfolio`, its figures drawn from `rng`."""
    mw = float(np.clip(rng.lognormal(np.log(150), 0.8), 20, 800))
    interconnect = round(mw * rng.uniform(0.6, 1.0), 1)
    upgrades = [
        {
            "id": f"u{j}",
            "mw": round(mw * rng.uniform(0.2, 0.6), 1),
            "capex_usd": round(mw * rng.uniform(0.2, 0.6) * rng.uniform(50e3, 150e3), -3),
            "lead_time_months": int(rng.integers(9, 31)),
        }
        for j in range(int(rng.integers(0, 3)))
    ]
    ercot = rng.random() < 0.4
    mining = round(interconnect / 1.3 * rng.uniform(0.3, 0.8), 1)
    lon, lat = float(rng.uniform(-104, -75)), float(rng.uniform(29, 44))
    price = round(float(rng.uniform(30, 60)), 2)
    take_or_pay = round(float(rng.uniform(0, 0.8)), 2)
    return site_dict(
        f"s{i:04d}",
        lon=lon,
        lat=lat,
        contract_mw=round(mw, 1),
        price_usd_per_mwh=price,
        take_or_pay_share=take_or_pay if ercot else 0.0,
        resale_price_usd_per_mwh=round(RESALE_SHARE * price, 2) if ercot else None,
        interconnect_mw=interconnect,
        upgrades=upgrades,
        mining_mw=mining,
        asic=str(rng.choice(["s21", "s21-pro", "s21-xp", "s21-plus"])),
        asic_watts=3600.0,
        parcel_m2=max(40_000.0, mw * 1000.0 / MINING_KW_PER_M2 * rng.uniform(1.5, 4.0)),
        air_capacity_mw=round(float(rng.uniform(0, 20)), 1),
        mean_temp_c=round(float(rng.uniform(5, 25)), 1),
        conversion_cost_usd=round(float(rng.uniform(20e6, 60e6)), -5),
        coincident_peak_usd_per_kw_year=round(float(rng.uniform(50, 150)), 1) if ercot else 0.0,
        demand_response_usd_per_mw_year=25_000.0 if ercot else 0.0,
    )


def _random_tenant(rng: np.random.Generator, k: int, sites: list[dict[str, Any]]) -> dict[str, Any]:
    """Tenant offer k of :func:`random_portfolio` on `sites`, its figures drawn from `rng`."""
    n_sites = len(sites)
    n_eligible = int(rng.integers(1, min(5, n_sites) + 1))
    eligible = sorted({f"s{int(i):04d}" for i in rng.choice(n_sites, n_eligible, replace=False)})
    committed = bool(rng.random() < 0.1)
    first = next(s for s in sites if s["id"] == eligible[0])
    it_mw = float(rng.uniform(20, 300))
    if committed:  # sized to fit its first site (power at PUE 1.3), windows after hall lead times
        it_mw = max(5.0, min(it_mw, 0.5 * first["power_contracts"][0]["mw"] / 1.3))
    start_month = int(rng.integers(18 if committed else 6, 48))
    width = int(rng.integers(3, 13))
    y0, m0 = divmod(start_month, 12)
    y1, m1 = divmod(start_month + width, 12)
    return tenant_dict(
        f"t{k:04d}",
        eligible,
        it_mw=round(it_mw, 1),
        rate_usd_per_kw_month=round(float(rng.uniform(100, 200)), 2),
        term_months=int(rng.choice([60, 120, 144, 180])),
        start_earliest=f"{2026 + y0}-{m0 + 1:02d}-01",
        start_latest=f"{2026 + y1}-{m1 + 1:02d}-01",
        rack_type=str(rng.choice(["gb200-nvl72", "gb300-nvl72"])),
        committed=committed,
        max_sites=int(rng.integers(1, min(2, n_eligible) + 1)),
        min_block_mw=min(float(rng.choice([0.0, 10.0, 20.0])), round(it_mw, 1)) if n_eligible > 1 else 0.0,
        escalator_per_year=round(float(rng.choice([0.0, 0.02, 0.03])), 2),
        power=str(rng.choice(["pass_through", "included"])),
    )
