"""Hypothesis strategies that generate *valid* dcplan portfolio descriptors.

Every strategy draws plain data (dicts, lists, strings, floats): exactly what a planning
engineer writes in YAML, so a generated case is dumped with ``yaml.safe_dump`` and rerun
with ``dcplan plan case.yaml``. Land is inline GeoJSON, in lon/lat or in the location's UTM
zone (see :mod:`planner.testing.land`).

Portfolios stay small (1-6 sites, 0-5 tenant offers, 1-8 quarters or years) so that a
solve takes well under a second. Tenant offers are optional unless a committed one is
*feasible by construction*: it is committed only if an eligible site can host it on its
own (undated contracted MW and interconnect for its gross load, land for whole hall
modules delivered within its start window, air capacity for air-cooled racks), after the
committed offers placed before it (see :mod:`planner.testing.capacity`); a portfolio with a
committed offer has no capex budget and no concentration cap (either could make it infeasible).

This module also re-exports the catalogs (:mod:`planner.testing.catalogs`), the land helpers
(:mod:`planner.testing.land`) and the descriptor transformations the property-based tests
use (:mod:`planner.testing.transforms`), so ``from planner.testing import strategies as S``
reaches every name in ``__all__``.

    from hypothesis import given
    from planner.testing.strategies import portfolios

    @given(portfolios(max_sites=3))
    def test_my_property(descriptor): ...
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from planner.testing import FINITE, Descriptor
from planner.testing.capacity import reserve, site_capacities
from planner.testing.catalogs import SMALL_CATALOG, bundled_catalog_dict
from planner.testing.land import land_dict, land_shapes, lands, star_polygons
from planner.testing.transforms import (
    add_tenant,
    drop_exclusions,
    map_land,
    permute_sites,
    permute_tenants,
    rename_ids,
    reproject_land,
    scale_contracts,
    scale_lease_rate,
    scale_parcel,
    scale_power_price,
    with_setback,
)

__all__ = [
    "SMALL_CATALOG",
    "add_tenant",
    "bundled_catalog_dict",
    "catalog_dicts",
    "drop_exclusions",
    "finances",
    "horizons",
    "land_dict",
    "land_shapes",
    "lands",
    "map_land",
    "permute_sites",
    "permute_tenants",
    "portfolios",
    "rename_ids",
    "reproject_land",
    "scale_contracts",
    "scale_lease_rate",
    "scale_parcel",
    "scale_power_price",
    "scenarios",
    "sites",
    "star_polygons",
    "tenant_offers",
    "with_setback",
]

MONTHS = {"month": 1, "quarter": 3, "year": 12}
"""Months in each period length."""


def catalog_dicts(names: Sequence[str] = ("small", "bundled")) -> st.SearchStrategy[tuple[Any, Descriptor]]:
    """(the descriptor's `catalog` value, the catalog as data): "bundled", or the small
    catalog written inline."""

    def pick(name: str) -> tuple[Any, Descriptor]:
        if name == "small":
            return copy.deepcopy(SMALL_CATALOG), copy.deepcopy(SMALL_CATALOG)
        return "bundled", bundled_catalog_dict()

    return st.sampled_from(list(names)).map(pick)


# --------------------------------------------------------------------------- dates


def _add_months(date: dt.date, months: int) -> dt.date:
    """`date` moved by a whole number of months (its day kept)."""
    y, m = divmod(date.year * 12 + date.month - 1 + months, 12)
    return date.replace(year=y, month=m + 1)


def _month_index(date: dt.date) -> int:
    """Months since January of year 0."""
    return date.year * 12 + date.month - 1


@st.composite
def horizons(draw: st.DrawFn, max_periods: int = 8, periods: Sequence[str] = ("quarter", "year")) -> Descriptor:
    """A short horizon: 1-`max_periods` quarters or years from the first of a month in 2025-2027."""
    start = dt.date(draw(st.integers(2025, 2027)), draw(st.integers(1, 12)), 1)
    return {
        "start": start.isoformat(),
        "periods": draw(st.integers(1, max_periods)),
        "period": draw(st.sampled_from(list(periods))),
    }


def _horizon_months(h: Descriptor) -> int:
    """The horizon's length in months."""
    return MONTHS[h["period"]] * h["periods"]


# --------------------------------------------------------------------------- sites


def _contracts(draw: st.DrawFn, horizon: Descriptor) -> list[Descriptor]:
    """1-3 power contracts; each after the first is sometimes dated, around the horizon."""
    start = dt.date.fromisoformat(horizon["start"])
    months = _horizon_months(horizon)
    n_contracts = draw(st.integers(1, 3))
    contracts = []
    for i in range(n_contracts):
        c: Descriptor = {
            "id": f"c{i}",
            "mw": draw(st.floats(1.0, 120.0, **FINITE)),
            "price_usd_per_mwh": draw(st.sampled_from([0.0, 40.0]) | st.floats(0.0, 120.0, **FINITE)),
            "take_or_pay_share": draw(st.just(0.0) | st.floats(0.0, 1.0, **FINITE)),
        }
        if draw(st.integers(0, 4)) == 0:
            c["escalation_per_year"] = draw(st.floats(-0.05, 0.1, **FINITE))
        if i > 0 and draw(st.integers(0, 3)) == 0:  # a dated contract (the first one is always in force)
            a = draw(st.integers(-6, months))
            b = draw(st.integers(max(a + 1, 1), months + 12))  # one that ended before the horizon is refused
            c["start"] = _add_months(start, a).isoformat()
            c["end"] = _add_months(start, b).isoformat()
        contracts.append(c)
    return contracts


def _interconnect(draw: st.DrawFn, contracts: list[Descriptor]) -> Descriptor:
    """An interconnect of 0-1.5x the contracted MW (often exactly it, or 0), with 0-2 upgrades."""
    total_mw = sum(c["mw"] for c in contracts)
    interconnect_mw = draw(st.sampled_from([total_mw, 0.0]) | st.floats(0.0, 1.5 * total_mw, **FINITE))
    upgrades = [
        {
            "id": f"u{i}",
            "mw": draw(st.floats(1.0, 80.0, **FINITE)),
            "capex_usd": draw(st.floats(0.0, 50e6, **FINITE)),
            "lead_time_months": draw(st.integers(0, 36)),
        }
        for i in range(draw(st.integers(0, 2)))
    ]
    return {"mw": interconnect_mw, "upgrades": upgrades}


def _cooling(draw: st.DrawFn) -> Descriptor:
    """Existing cooling, air-cooling capacity (often none) and mean temperature."""
    existing = draw(st.sampled_from(["air", "air", "immersion", "hydro", "none"]))
    return {
        "existing": existing,
        "air_capacity_mw": draw(st.just(0.0) | st.floats(0.0, 60.0, **FINITE)),
        "mean_temp_c": draw(st.floats(-10.0, 40.0, **FINITE)),
    }


def _mining(draw: st.DrawFn, catalog: Descriptor, housed_mw: float) -> Descriptor | None:
    """Usually a mining fleet of one catalog ASIC, 0.3-1.3x the MW its buildings house (0-20 MW
    if they house none), given in units or (one time in five) as hashrate; else None."""
    if draw(st.integers(0, 5)) == 0:
        return None
    asic = draw(st.sampled_from(catalog["asics"]))
    fleet_mw = (
        housed_mw * draw(st.floats(0.3, 1.3, **FINITE)) if housed_mw > 0 else draw(st.floats(0.0, 20.0, **FINITE))
    )
    if draw(st.integers(0, 4)) == 0:
        ph_per_mw = asic["th_per_s"] / asic["watts"] * 1e3
        return {"asic": asic["id"], "hashrate_ph_per_s": fleet_mw * ph_per_mw}
    return {"asic": asic["id"], "units": int(round(fleet_mw * 1e6 / asic["watts"]))}


def _add_existing_halls(draw: st.DrawFn, catalog: Descriptor, site: Descriptor) -> None:
    """Sometimes 1-2 halls of one type already built at `site`, and then sometimes CDUs in them."""
    if draw(st.integers(0, 9)) == 0:
        site["existing_halls"] = {draw(st.sampled_from(catalog["hall_modules"]))["id"]: draw(st.integers(1, 2))}
    if "existing_halls" in site and draw(st.integers(0, 2)) == 0:  # CDUs stand on hall floor
        site["existing_cdus"] = {draw(st.sampled_from(catalog["cooling_units"]))["id"]: draw(st.integers(1, 3))}


@st.composite
def sites(
    draw: st.DrawFn,
    site_id: str,
    horizon: Descriptor,
    catalog: Descriptor,
    crs: Sequence[str] = ("wgs84", "utm"),
    with_caps: bool = False,
) -> Any:
    """A site descriptor (with land as inline GeoJSON in one of the `crs`). With `with_caps`,
    also the capacities the committed-tenant construction uses (see
    :func:`planner.testing.capacity.site_capacities`): (site, caps)."""
    lon = draw(st.floats(-170.0, 170.0, **FINITE))
    lat = draw(st.floats(-60.0, 65.0, **FINITE))
    contracts = _contracts(draw, horizon)
    interconnect = _interconnect(draw, contracts)
    cooling = _cooling(draw)
    land = draw(lands())
    kind = draw(st.sampled_from(list(crs)))
    site: Descriptor = {
        "id": site_id,
        "name": f"site {site_id}",
        "operator": "generated",
        "location": {"lon": lon, "lat": lat},
        "grid": "generated",
        "power_contracts": contracts,
        "interconnect": interconnect,
        "cooling": cooling,
        "land": land_dict(lon, lat, land, kind),
        "conversion_cost_usd": draw(st.just(0.0) | st.floats(0.0, 50e6, **FINITE)),
        "coincident_peak_usd_per_kw_year": draw(st.just(0.0) | st.floats(0.0, 100.0, **FINITE)),
        "demand_response_usd_per_mw_year": draw(st.just(0.0) | st.floats(0.0, 50_000.0, **FINITE)),
    }
    mining = _mining(draw, catalog, sum(mw for _, _, mw in land["buildings"]))
    if mining is not None:
        site["mining"] = mining
    _add_existing_halls(draw, catalog, site)
    if not with_caps:
        return site
    return site, site_capacities(catalog, site, land)


# --------------------------------------------------------------------------- tenants


@st.composite
def tenant_offers(
    draw: st.DrawFn, tenant_id: str, site_ids: Sequence[str], horizon: Descriptor, catalog: Descriptor
) -> Descriptor:
    """An optional tenant offer on a random non-empty subset of `site_ids`, with a start
    window around the horizon (valid: it overlaps the horizon)."""
    start = dt.date.fromisoformat(horizon["start"])
    months = _horizon_months(horizon)
    term = draw(st.sampled_from([12, 60, 120]) | st.integers(1, 120))
    a = draw(st.integers(-12, months - 1))
    w = draw(st.integers(0, 24))
    w = max(w, -term - a)  # the lease must not end before the horizon starts
    day = draw(st.sampled_from([1, 1, 1, 15]))
    earliest = _add_months(start, a).replace(day=day)
    latest = max(earliest, _add_months(start, a + w).replace(day=day))
    eligible = draw(st.permutations(list(site_ids)).flatmap(lambda p: st.integers(1, len(p)).map(lambda n: p[:n])))
    it_mw = draw(st.sampled_from([5.0, 10.0, 20.0]) | st.floats(0.5, 60.0, **FINITE))
    t: Descriptor = {
        "id": tenant_id,
        "it_mw": it_mw,
        "rate_usd_per_kw_month": draw(st.sampled_from([0.0, 150.0]) | st.floats(0.0, 300.0, **FINITE)),
        "term_months": term,
        "start_earliest": earliest.isoformat(),
        "start_latest": latest.isoformat(),
        "rack_type": draw(st.sampled_from([r["id"] for r in catalog["racks"]])),
        "eligible_sites": list(eligible),
        "max_sites": draw(st.integers(1, len(eligible))),
        "min_block_mw": draw(st.just(0.0) | st.floats(0.0, it_mw, **FINITE)),
        "power": draw(st.sampled_from(["pass_through", "pass_through", "included"])),
        "committed": False,
    }
    if draw(st.integers(0, 4)) == 0:
        t["escalator_per_year"] = draw(st.floats(-0.05, 0.05, **FINITE))
    if draw(st.integers(0, 4)) == 0:
        sid = draw(st.sampled_from(list(eligible)))
        t["site_rates_usd_per_kw_month"] = {sid: draw(st.floats(0.0, 300.0, **FINITE))}
    return t


def _start_periods(tenant: Descriptor, horizon: Descriptor) -> range:
    """The horizon periods in which `tenant`'s start window allows its lease to start."""
    L = MONTHS[horizon["period"]]
    base = _month_index(dt.date.fromisoformat(horizon["start"]))
    first = (_month_index(dt.date.fromisoformat(tenant["start_earliest"])) - base) // L
    last = (_month_index(dt.date.fromisoformat(tenant["start_latest"])) - base) // L
    return range(max(0, first), min(horizon["periods"] - 1, last) + 1)


# --------------------------------------------------------------------------- portfolio


@st.composite
def finances(draw: st.DrawFn, constrained: bool = True) -> Descriptor:
    """Discount rate, and (when `constrained`) sometimes a capex budget or a concentration cap."""
    f: Descriptor = {"discount_rate_per_year": draw(st.sampled_from([0.0, 0.1]) | st.floats(0.0, 0.25, **FINITE))}
    if constrained and draw(st.integers(0, 5)) == 0:
        f["capex_budget_usd_per_period"] = draw(st.floats(1e6, 2e9, **FINITE))
    if constrained and draw(st.integers(0, 5)) == 0:
        f["concentration_cap"] = draw(st.floats(0.2, 1.0, **FINITE))
    return f


@st.composite
def scenarios(draw: st.DrawFn) -> Descriptor:
    """A market scenario: hashprice path, price escalation, sensitivity multipliers, cloud market."""
    sc: Descriptor = {
        "hashprice": {
            "usd_per_ph_day": draw(st.floats(20.0, 80.0, **FINITE)),
            "change_per_year": draw(st.floats(-0.3, 0.2, **FINITE)),
            "fee_share": draw(st.floats(0.0, 0.1, **FINITE)),
        },
        "power_price_escalation_per_year": draw(st.floats(-0.05, 0.1, **FINITE)),
    }
    if draw(st.booleans()):
        sc["lease_rate_multiplier"] = draw(st.floats(0.5, 2.0, **FINITE))
        sc["gpu_hour_multiplier"] = draw(st.floats(0.2, 2.0, **FINITE))
        sc["power_price_multiplier"] = draw(st.floats(0.0, 2.0, **FINITE))
        sc["capex_multiplier"] = draw(st.floats(0.5, 2.0, **FINITE))
    if draw(st.booleans()):
        sc["cloud_max_it_mw"] = draw(st.just(0.0) | st.floats(0.0, 100.0, **FINITE))
    return sc


@st.composite
def portfolios(
    draw: st.DrawFn,
    min_sites: int = 1,
    max_sites: int = 6,
    max_tenants: int = 5,
    catalogs: Sequence[str] = ("small", "bundled"),
    committed: bool = True,
    max_periods: int = 8,
    periods: Sequence[str] = ("quarter", "year"),
    crs: Sequence[str] = ("wgs84", "utm"),
    constrained: bool = True,
) -> Descriptor:
    """A valid portfolio descriptor (plain data): `min_sites`-`max_sites` sites, 0-`max_tenants`
    offers (committed only when feasible by construction, and only if `committed`), on the
    small inline catalog or the bundled one. `constrained=False` leaves out capex budgets
    and concentration caps."""
    horizon = draw(horizons(max_periods, periods))
    cat_value, cat = draw(catalog_dicts(catalogs))
    n_sites = draw(st.integers(min_sites, max_sites))
    ids = [f"s{i}" for i in range(n_sites)]
    drawn = [draw(sites(sid, horizon, cat, crs, with_caps=True)) for sid in ids]
    site_list = [s for s, _ in drawn]
    caps = {s["id"]: dict(c) for s, c in drawn}
    tenants = []
    any_committed = False
    for k in range(draw(st.integers(0, max_tenants))):
        t = draw(tenant_offers(f"t{k}", ids, horizon, cat))
        if (
            committed
            and draw(st.integers(0, 3)) == 0
            and reserve(cat, caps, t, _start_periods(t, horizon), MONTHS[horizon["period"]])
        ):
            t["committed"] = True
            any_committed = True
        tenants.append(t)
    d: Descriptor = {
        "name": draw(st.sampled_from(["generated", "prop-case", "p.1"])),
        "horizon": horizon,
        "finance": draw(finances(constrained and not any_committed)),
        "scenario": draw(scenarios()),
        "catalog": cat_value,
        "sites": site_list,
        "tenants": tenants,
    }
    return d
