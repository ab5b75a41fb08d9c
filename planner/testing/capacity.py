"""Capacity bookkeeping that keeps generated committed tenant offers feasible by construction.

A generated offer is committed only if an eligible site can host it on its own, after the
committed offers placed before it. Each site starts with the capacities
:func:`site_capacities` measures (conservatively: undated contracts only, buildings and free
land as the loader measures them); :func:`reserve` places an offer at its first eligible site
with room (:func:`hall_fit`) and takes what it uses from that site's capacities.
"""

from __future__ import annotations

import math
from typing import Any

import shapely

from planner.describe.geometry import SETBACK_RESOLUTION_M
from planner.testing import Descriptor


def buildable_areas(land: dict[str, Any]) -> tuple[float, float]:
    """(building area in the buildable land, free buildable area) of metric land (see
    :func:`planner.testing.land.lands`), as the loader measures them (up to the UTM scale
    factor): buildable = parcel eroded by the setback, minus the exclusions."""
    parcel = land["parcel"]
    sb = land["setback_m"]
    eroded = parcel.buffer(-sb) if sb >= SETBACK_RESOLUTION_M else parcel
    buildable = eroded.difference(shapely.union_all(land["exclusions"])) if land["exclusions"] else eroded
    bldg = (
        shapely.union_all([g for _, g, _ in land["buildings"]]).intersection(buildable).area
        if land["buildings"]
        else 0.0
    )
    return bldg, max(0.0, buildable.area - bldg)


def site_capacities(catalog: Descriptor, site: Descriptor, land: dict[str, Any]) -> dict[str, float]:
    """What a generated site offers a committed tenant, with `land` its metric land:
    ``power`` = min(undated contracted MW, interconnect MW), ``conversion_m2`` (building area)
    and ``new_build_m2`` (free land) from :func:`buildable_areas`, ``air`` (air-cooling MW) and
    ``climate`` = pue_per_degc_above_15 * max(0, mean_temp_c - 15), the PUE added by a hot site."""
    undated_mw = sum(c["mw"] for c in site["power_contracts"] if "start" not in c)
    cooling = site["cooling"]
    bldg, free = buildable_areas(land)
    op = catalog["operating"]
    return {
        "power": min(undated_mw, site["interconnect"]["mw"]),
        "conversion_m2": bldg,
        "new_build_m2": free,
        "air": cooling["air_capacity_mw"],
        "climate": op["pue_per_degc_above_15"] * max(0.0, cooling["mean_temp_c"] - 15.0),
    }


def hall_fit(
    cat: Descriptor,
    site_caps: dict[str, float],
    it_mw: float,
    rack: Descriptor,
    start_periods: range,
    period_months: int,
) -> tuple[str, float, float] | None:
    """A hall type and start period that host `it_mw` of `rack` at a site with the remaining
    capacities `site_caps` (see :func:`site_capacities`): (capacity used, its area, the site's
    HPC PUE for the rack), or None.

    PUE = max over hall types of the rack's cooling PUE, plus the climate term; the site needs
    PUE * it_mw of power (and it_mw of air cooling for an air-cooled rack). The floor is
    it_mw / rack kW * rack footprint, plus ceil(it_mw / CDU capacity) + 1 CDUs (N+1) for a
    liquid rack; a hall type whose lead time leaves a start period fits with
    n = max(ceil(it_mw / hall MW), ceil(floor / hall area)) halls if n * hall area is within
    95% of the remaining building (conversion) or free (new-build) area."""
    liquid = rack["cooling"] == "liquid"
    halls = cat["hall_modules"]
    pue = max(h["pue_liquid"] if liquid else h["pue_air"] for h in halls) + site_caps["climate"]
    if pue * it_mw > site_caps["power"] * (1 - 1e-6):
        return None
    if not liquid and it_mw > site_caps["air"] * (1 - 1e-6):
        return None
    cdu = min(cat["cooling_units"], key=lambda c: c["footprint_m2"] / c["capacity_kw"])
    n_cdu = math.ceil(it_mw * 1000.0 / cdu["capacity_kw"]) + 1 if liquid else 0
    floor = it_mw * 1000.0 / rack["it_kw"] * rack["footprint_m2"] + n_cdu * cdu["footprint_m2"]
    for h in sorted(halls, key=lambda h: h["lead_time_months"]):
        lead = math.ceil(h["lead_time_months"] / period_months)
        starts = [p for p in start_periods if p >= lead]
        if not starts:
            continue
        n = max(math.ceil(it_mw / h["it_mw"] - 1e-9), math.ceil(floor / h["footprint_m2"] - 1e-9))
        key = "conversion_m2" if h["kind"] == "conversion" else "new_build_m2"
        if n * h["footprint_m2"] <= 0.95 * site_caps[key]:  # 5% margin: local metres vs the loader's UTM zone
            return key, n * h["footprint_m2"], pue
    return None


def reserve(
    cat: Descriptor,
    caps: dict[str, dict[str, float]],
    tenant: Descriptor,
    start_periods: range,
    period_months: int,
) -> bool:
    """Place `tenant` at its first eligible site that can host it alone (:func:`hall_fit`),
    taking its power, hall area and air cooling from that site's entry in `caps` (site id ->
    remaining capacities, updated in place); False, with `caps` untouched, if none can."""
    rack = {r["id"]: r for r in cat["racks"]}[tenant["rack_type"]]
    for sid in tenant["eligible_sites"]:
        fit = hall_fit(cat, caps[sid], tenant["it_mw"], rack, start_periods, period_months)
        if fit is None:
            continue
        key, area, pue = fit
        caps[sid]["power"] -= pue * tenant["it_mw"]
        caps[sid][key] -= area
        if rack["cooling"] == "air":
            caps[sid]["air"] -= tenant["it_mw"]
        return True
    return False
