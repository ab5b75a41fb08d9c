"""Builders of descriptor data (plain dicts) for generated portfolios.

Used by the property-based tests, the benchmark generator and the published-optima
checks: a site is a rectangle parcel with one mining building, written inline as GeoJSON,
so a generated portfolio needs no files.
"""

from __future__ import annotations

import math
from typing import Any

import shapely

from planner.geometry import rectangle_wgs84

MINING_KW_PER_M2 = 4.0
"""Mining building power density (estimate: 3-5 kW/m2 of building footprint)."""


def feature(geom: shapely.Geometry, role: str, fid: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"role": role}
    if fid is not None:
        props["id"] = fid
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}


def land_dict(lon: float, lat: float, parcel_m2: float, building_m2: float, mining_mw: float,
              setback_m: float = 10.0) -> dict[str, Any]:
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
            {"id": "ppa", "mw": contract_mw, "price_usd_per_mwh": price_usd_per_mwh, "take_or_pay_share": take_or_pay_share}
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


def portfolio_dict(name: str, sites: list[dict[str, Any]], tenants: list[dict[str, Any]] | None = None,
                   *, periods: int = 40, period: str = "quarter", start: str = "2026-01-01",
                   **sections: Any) -> dict[str, Any]:
    return {
        "name": name,
        "horizon": {"start": start, "periods": periods, "period": period},
        "sites": sites,
        "tenants": tenants or [],
        **sections,
    }
