"""Descriptor transformations for metamorphic properties.

Each takes a portfolio descriptor (plain data, as :func:`planner.testing.strategies.portfolios`
draws it) and returns a transformed deep copy, leaving its input untouched: scale a site's
power, prices or parcel, reproject its land, change its setback, drop its exclusions, scale a
tenant's lease rate, add a tenant, permute sites or tenants, rename ids. Sites are addressed by
index `i` and tenants by index `k` in the descriptor's lists.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from shapely.affinity import scale as _scale

from planner.testing import Descriptor
from planner.testing.land import land_dict, land_shapes


def _site(d: Descriptor, i: int) -> Descriptor:
    """Site i of descriptor `d` (the dict itself, not a copy)."""
    return d["sites"][i]


def map_land(d: Descriptor, i: int, fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Descriptor:
    """A copy of `d` whose site i's land is fn(metric land) (see :func:`land_shapes`), written
    back in the same CRS."""
    out = copy.deepcopy(d)
    site = _site(out, i)
    shapes = land_shapes(site)
    new = fn(shapes)
    loc = site["location"]
    site["land"] = {**site["land"], **land_dict(loc["lon"], loc["lat"], new, shapes["crs"], shapes["crs_name"])}
    return out


def reproject_land(d: Descriptor, i: int, crs: str, crs_name: str | None = None) -> Descriptor:
    """Site i's land written in another CRS ("wgs84" or "utm"): the same land."""
    out = copy.deepcopy(d)
    site = _site(out, i)
    shapes = land_shapes(site)
    loc = site["location"]
    site["land"] = {**site["land"], **land_dict(loc["lon"], loc["lat"], shapes, crs, crs_name)}
    return out


def scale_parcel(d: Descriptor, i: int, factor: float) -> Descriptor:
    """Site i's parcel scaled by `factor` about the site location (factor >= 1: a superset,
    the parcel being star-shaped about it); buildings and exclusions unchanged."""
    return map_land(d, i, lambda L: {**L, "parcel": _scale(L["parcel"], factor, factor, origin=(0.0, 0.0))})


def with_setback(d: Descriptor, i: int, setback_m: float) -> Descriptor:
    """Site i with its land's setback set to `setback_m`; the GeoJSON unchanged."""
    out = copy.deepcopy(d)
    _site(out, i)["land"]["setback_m"] = float(setback_m)
    return out


def drop_exclusions(d: Descriptor, i: int) -> Descriptor:
    """Site i without exclusion zones."""
    out = copy.deepcopy(d)
    gj = _site(out, i)["land"]["geojson"]
    gj["features"] = [f for f in gj["features"] if f["properties"]["role"] != "exclusion"]
    return out


def scale_contracts(d: Descriptor, i: int, factor: float) -> Descriptor:
    """Every power contract of site i at `factor` times its MW (same prices, so the same
    capacity-weighted price)."""
    out = copy.deepcopy(d)
    for c in _site(out, i)["power_contracts"]:
        c["mw"] = c["mw"] * factor
    return out


def scale_power_price(d: Descriptor, i: int, factor: float, contract: int | None = None) -> Descriptor:
    """Site i's contract prices (one contract's, if given) at `factor` times their value."""
    out = copy.deepcopy(d)
    for j, c in enumerate(_site(out, i)["power_contracts"]):
        if contract is None or j == contract:
            c["price_usd_per_mwh"] = c["price_usd_per_mwh"] * factor
    return out


def scale_lease_rate(d: Descriptor, k: int, factor: float) -> Descriptor:
    """Tenant k's lease rates (base and per-site) at `factor` times their value."""
    out = copy.deepcopy(d)
    t = out["tenants"][k]
    t["rate_usd_per_kw_month"] = t["rate_usd_per_kw_month"] * factor
    if "site_rates_usd_per_kw_month" in t:
        t["site_rates_usd_per_kw_month"] = {s: r * factor for s, r in t["site_rates_usd_per_kw_month"].items()}
    return out


def add_tenant(d: Descriptor, tenant: Descriptor) -> Descriptor:
    """A copy of `tenant` appended to the tenant offers."""
    out = copy.deepcopy(d)
    out["tenants"] = [*out.get("tenants", []), copy.deepcopy(tenant)]
    return out


def permute_sites(d: Descriptor, order: Sequence[int]) -> Descriptor:
    """Sites reordered: the new j-th site is the old ``order[j]``-th."""
    out = copy.deepcopy(d)
    out["sites"] = [out["sites"][j] for j in order]
    return out


def permute_tenants(
    d: Descriptor, order: Sequence[int], eligible_orders: Sequence[Sequence[int]] | None = None
) -> Descriptor:
    """Tenants reordered; with `eligible_orders`, each tenant's eligible sites reordered too."""
    out = copy.deepcopy(d)
    tenants = out.get("tenants", [])
    if eligible_orders is not None:
        for t, o in zip(tenants, eligible_orders):
            t["eligible_sites"] = [t["eligible_sites"][j] for j in o]
    out["tenants"] = [tenants[j] for j in order]
    return out


def rename_ids(d: Descriptor, rename: Callable[[str, str], str]) -> Descriptor:
    """Every id renamed by rename(kind, old) -> new, kind one of "site", "tenant", "contract",
    "upgrade", "building"; references (eligible sites, per-site rates, building features)
    follow. The catalog and its references (rack types, ASICs) keep their ids."""
    out = copy.deepcopy(d)
    smap = {s["id"]: rename("site", s["id"]) for s in out["sites"]}
    for s in out["sites"]:
        s["id"] = smap[s["id"]]
        for c in s["power_contracts"]:
            c["id"] = rename("contract", c["id"])
        for u in s["interconnect"].get("upgrades", []):
            u["id"] = rename("upgrade", u["id"])
        bmap = {b["id"]: rename("building", b["id"]) for b in s["land"].get("buildings", [])}
        for b in s["land"].get("buildings", []):
            b["id"] = bmap[b["id"]]
        for f in s["land"]["geojson"]["features"]:
            if f["properties"].get("role") == "building":
                f["properties"]["id"] = bmap[f["properties"]["id"]]
    for t in out.get("tenants", []):
        t["id"] = rename("tenant", t["id"])
        t["eligible_sites"] = [smap[x] for x in t["eligible_sites"]]
        if "site_rates_usd_per_kw_month" in t:
            t["site_rates_usd_per_kw_month"] = {smap[x]: r for x, r in t["site_rates_usd_per_kw_month"].items()}
    return out
