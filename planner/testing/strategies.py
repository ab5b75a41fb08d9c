"""Hypothesis strategies that generate *valid* dcplan portfolio descriptors.

Every strategy draws plain data (dicts, lists, strings, floats): exactly what a planning
engineer writes in YAML, so a generated case is dumped with ``yaml.safe_dump`` and rerun
with ``dcplan plan case.yaml``. Land is inline GeoJSON: a star-shaped parcel polygon
around the site's location (its vertices sorted by angle, every angular gap below 180
degrees, so the location lies inside and scaling the parcel about it only grows it),
exclusion discs that may spill over the parcel edge, a setback, and the mining buildings:
rectangles inside the parcel's inscribed disc. The GeoJSON is either in lon/lat
(RFC 7946, no ``crs`` member) or in the UTM zone of the location with a legacy ``crs``
member naming it.

Portfolios stay small (1-6 sites, 0-5 tenant offers, 1-8 quarters or years) so that a
solve takes well under a second. Tenant offers are optional unless a committed one is
*feasible by construction*: it is committed only if an eligible site can host it on its
own (undated contracted MW and interconnect for its gross load, land for whole hall
modules delivered within its start window, air capacity for air-cooled racks), after the
committed offers placed before it; a portfolio with a committed offer has no capex budget
and no concentration cap (either could make it infeasible).

The module also holds the descriptor transformations the property-based tests use
(scale a site's power or parcel, reproject a parcel, rename ids, permute...): each takes a
descriptor and returns a new one, leaving the input untouched.

    from hypothesis import given
    from planner.testing.strategies import portfolios

    @given(portfolios(max_sites=3))
    def test_my_property(descriptor): ...
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyproj
import shapely
from hypothesis import strategies as st
from shapely.affinity import scale as _scale

from planner.describe.geometry import SETBACK_RESOLUTION_M, WGS84, utm_crs

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

Descriptor = dict[str, Any]

SMALL_CATALOG: Descriptor = {
    "racks": [
        {"id": "lq-100", "it_kw": 100.0, "gpus": 64, "cooling": "liquid", "footprint_m2": 3.0, "capex_usd": 2_000_000.0,
         "gpu_hour_usd": 4.0, "gpu_hour_change_per_year": -0.15, "life_years": 5.0, "source": "test: small catalog"},
        {"id": "air-40", "it_kw": 40.0, "gpus": 32, "cooling": "air", "footprint_m2": 3.0, "capex_usd": 1_000_000.0,
         "gpu_hour_usd": 2.5, "gpu_hour_change_per_year": -0.2, "life_years": 4.0, "source": "test: small catalog"},
    ],
    "cooling_units": [
        {"id": "cdu-1000", "capacity_kw": 1000.0, "footprint_m2": 4.0, "capex_usd": 500_000.0, "redundancy": "N+1",
         "life_years": 12.0, "source": "test: small catalog"},
    ],
    "asics": [
        {"id": "asic-200", "th_per_s": 200.0, "watts": 3500.0, "price_usd": 5000.0, "source": "test: small catalog"},
    ],
    "hall_modules": [
        {"id": "conv-10", "kind": "conversion", "it_mw": 10.0, "footprint_m2": 3000.0, "capex_usd_per_mw_it": 7_000_000.0,
         "lead_time_months": 3, "pue_liquid": 1.25, "pue_air": 1.4, "life_years": 20.0, "source": "test: small catalog"},
        {"id": "new-10", "kind": "new_build", "it_mw": 10.0, "footprint_m2": 3000.0, "capex_usd_per_mw_it": 10_000_000.0,
         "lead_time_months": 6, "pue_liquid": 1.2, "pue_air": 1.35, "life_years": 25.0, "source": "test: small catalog"},
    ],
    "operating": {
        "mining_opex_usd_per_mw_year": 60_000.0, "hpc_opex_usd_per_mw_year": 200_000.0,
        "cloud_opex_usd_per_mw_year": 400_000.0, "hpc_load_factor": 0.8, "cloud_utilisation": 0.75,
        "mining_uptime": 0.95, "pue_mining_air": 1.3, "pue_mining_immersion": 1.06, "pue_per_degc_above_15": 0.005,
        "grid_asset_life_years": 30.0, "source": "test: small catalog",
    },
}
"""A fast inline catalog: two rack types (liquid, air), one CDU, one ASIC, a 10 MW
conversion hall (3-month lead) and a 10 MW new-build hall (6-month lead)."""

MONTHS = {"month": 1, "quarter": 3, "year": 12}
_FLOAT = {"allow_nan": False, "allow_infinity": False}


def bundled_catalog_dict() -> Descriptor:
    """The bundled catalog as plain data (the generators need its figures)."""
    return copy.deepcopy(_bundled())


@functools.lru_cache(maxsize=1)
def _bundled() -> Descriptor:
    from planner.describe.loading import bundled_catalog

    return bundled_catalog().model_dump(mode="json")


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
    y, m = divmod(date.year * 12 + date.month - 1 + months, 12)
    return date.replace(year=y, month=m + 1)


def _month_index(date: dt.date) -> int:
    return date.year * 12 + date.month - 1


@st.composite
def horizons(draw, max_periods: int = 8, periods: Sequence[str] = ("quarter", "year")) -> Descriptor:
    """A short horizon: 1-`max_periods` quarters or years from the first of a month in 2025-2027."""
    start = dt.date(draw(st.integers(2025, 2027)), draw(st.integers(1, 12)), 1)
    return {"start": start.isoformat(), "periods": draw(st.integers(1, max_periods)),
            "period": draw(st.sampled_from(list(periods)))}


def _horizon_months(h: Descriptor) -> int:
    return MONTHS[h["period"]] * h["periods"]


# --------------------------------------------------------------------------- land


@st.composite
def star_polygons(draw, r_min: float = 40.0, r_max: float = 400.0) -> shapely.Polygon:
    """A simple polygon, star-shaped about (0, 0) in metres: 3-10 vertices at increasing
    angles, every angular gap below 180 degrees (so (0, 0) is inside)."""
    n = draw(st.integers(3, 10))
    weights = np.array(draw(st.lists(st.floats(0.6, 1.0, **_FLOAT), min_size=n, max_size=n)))
    gaps = 2 * math.pi * weights / weights.sum()  # each gap <= 2 pi / 2.2 < pi
    theta = draw(st.floats(0.0, 2 * math.pi, **_FLOAT)) + np.concatenate([[0.0], np.cumsum(gaps[:-1])])
    r_in = draw(st.floats(r_min, r_max, **_FLOAT))
    stretch = draw(st.floats(1.0, 2.5, **_FLOAT))
    radii = np.array(draw(st.lists(st.floats(r_in, r_in * stretch, **_FLOAT), min_size=n, max_size=n)))
    poly = shapely.Polygon(np.column_stack([radii * np.cos(theta), radii * np.sin(theta)]))
    if not poly.is_valid:  # pragma: no cover - a star polygon is simple; guard against float collapse
        poly = shapely.make_valid(poly).convex_hull
    return poly


@st.composite
def lands(draw, mining: bool = True) -> dict[str, Any]:
    """Land in local metres about the site location: parcel, exclusions, setback and
    buildings (id, geometry, housed mining MW). See :func:`land_dict` for the descriptor."""
    parcel = draw(star_polygons())
    rho = parcel.exterior.distance(shapely.Point(0.0, 0.0))  # inscribed radius about the centre
    buildings: list[tuple[str, shapely.Polygon, float]] = []
    if mining and draw(st.integers(0, 4)) > 0:
        half = rho / math.sqrt(2.0) * draw(st.floats(0.2, 0.95, **_FLOAT))
        nb = draw(st.integers(1, 3))
        if 2 * half / nb < 4.0:
            nb = 1
        width = 2 * half / nb
        density_kw_m2 = draw(st.sampled_from([0.0, 2.0, 3.5, 5.0]) | st.floats(1.0, 6.0, **_FLOAT))
        for i in range(nb):
            x0 = -half + i * width + (0.5 if nb > 1 else 0.0)
            x1 = -half + (i + 1) * width - (0.5 if nb > 1 else 0.0)
            geom = shapely.box(x0, -half, x1, half)
            buildings.append((f"b{i}", geom, geom.area * density_kw_m2 / 1000.0))
    exclusions = []
    extent = float(np.max(np.abs(np.asarray(parcel.exterior.coords))))
    for _ in range(draw(st.integers(0, 3))):
        x = draw(st.floats(-1.2 * extent, 1.2 * extent, **_FLOAT))
        y = draw(st.floats(-1.2 * extent, 1.2 * extent, **_FLOAT))
        r = draw(st.floats(5.0, max(5.0, extent / 2), **_FLOAT))
        exclusions.append(shapely.Point(x, y).buffer(r, quad_segs=4))
    setback = draw(st.sampled_from([0.0, 10.0]) | st.floats(0.0, 0.3 * rho, **_FLOAT) | st.floats(0.0, 2.0 * rho, **_FLOAT))
    return {"parcel": parcel, "exclusions": exclusions, "buildings": buildings, "setback_m": setback}


def _areas(land: dict[str, Any]) -> tuple[float, float]:
    """(building area in the buildable land, free buildable area) of metric land, as the
    loader measures them (up to the UTM scale factor)."""
    parcel = land["parcel"]
    sb = land["setback_m"]
    eroded = parcel.buffer(-sb) if sb >= SETBACK_RESOLUTION_M else parcel
    buildable = eroded.difference(shapely.union_all(land["exclusions"])) if land["exclusions"] else eroded
    bldg = shapely.union_all([g for _, g, _ in land["buildings"]]).intersection(buildable).area if land["buildings"] else 0.0
    return bldg, max(0.0, buildable.area - bldg)


def _transformers(lon: float, lat: float) -> tuple[pyproj.CRS, pyproj.Transformer, pyproj.Transformer, float, float]:
    crs = utm_crs(lon, lat)
    fwd = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    back = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
    x0, y0 = fwd.transform(lon, lat)
    return crs, fwd, back, x0, y0


def _coords(geom: shapely.Geometry, fn: Callable[[np.ndarray], np.ndarray]) -> Any:
    """GeoJSON geometry (lists, not tuples) of `geom` with its coordinates mapped by fn."""
    mapped = shapely.transform(geom, fn)
    gj = shapely.geometry.mapping(mapped)

    def lists(x: Any) -> Any:
        return [lists(v) for v in x] if isinstance(x, (list, tuple)) and not _is_point(x) else [float(c) for c in x]

    return {"type": gj["type"], "coordinates": lists(gj["coordinates"])}


def _is_point(x: Any) -> bool:
    return len(x) in (2, 3) and all(isinstance(c, (int, float)) for c in x)


def land_dict(lon: float, lat: float, land: dict[str, Any], crs: str = "wgs84", crs_name: str | None = None) -> Descriptor:
    """The `land` section of a site: metric `land` (see :func:`lands`) placed at (lon, lat)
    as inline GeoJSON in lon/lat ("wgs84") or in the location's UTM zone ("utm", with a
    ``crs`` member; `crs_name` overrides the name written, e.g. an OGC URN)."""
    utm, _, back, x0, y0 = _transformers(lon, lat)
    if crs == "utm":
        def fn(xy: np.ndarray) -> np.ndarray:
            return xy + np.array([x0, y0])
    elif crs == "wgs84":
        def fn(xy: np.ndarray) -> np.ndarray:
            return np.column_stack(back.transform(xy[:, 0] + x0, xy[:, 1] + y0))
    else:
        raise ValueError(f"crs must be 'wgs84' or 'utm', not {crs!r}")
    feats = [{"type": "Feature", "properties": {"role": "parcel"}, "geometry": _coords(land["parcel"], fn)}]
    feats += [{"type": "Feature", "properties": {"role": "exclusion"}, "geometry": _coords(g, fn)} for g in land["exclusions"]]
    feats += [{"type": "Feature", "properties": {"role": "building", "id": bid}, "geometry": _coords(g, fn)}
              for bid, g, _ in land["buildings"]]
    geojson: Descriptor = {"type": "FeatureCollection", "features": feats}
    if crs == "utm":
        geojson["crs"] = {"type": "name", "properties": {"name": crs_name or f"EPSG:{utm.to_epsg()}"}}
    elif crs_name is not None:
        geojson["crs"] = {"type": "name", "properties": {"name": crs_name}}
    return {
        "geojson": geojson,
        "setback_m": float(land["setback_m"]),
        "buildings": [{"id": bid, "mining_mw": float(mw)} for bid, _, mw in land["buildings"]],
    }


def land_shapes(site: Descriptor) -> dict[str, Any]:
    """The inverse of :func:`land_dict`: a site's land in local metres about its location,
    with ``crs`` ("wgs84" or "utm") and ``crs_name`` (the crs member's name, or None)."""
    from planner.describe.geometry import features_frame

    loc = site["location"]
    utm, _, _, x0, y0 = _transformers(loc["lon"], loc["lat"])
    gj = site["land"]["geojson"]
    raw = features_frame(gj)
    kind = "wgs84" if raw.crs.is_geographic else "utm"
    frame = raw.to_crs(utm)
    name = (gj.get("crs") or {}).get("properties", {}).get("name")

    def shift(g: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(g, lambda xy: xy - np.array([x0, y0]))

    roles = list(frame["role"])
    ids = list(frame["id"]) if "id" in frame.columns else [None] * len(roles)
    housed = {b["id"]: b["mining_mw"] for b in site["land"].get("buildings", [])}
    return {
        "parcel": shift(frame.geometry[[r == "parcel" for r in roles]].iloc[0]),
        "exclusions": [shift(g) for g, r in zip(frame.geometry, roles) if r == "exclusion"],
        "buildings": [(str(i), shift(g), housed[str(i)]) for g, r, i in zip(frame.geometry, roles, ids) if r == "building"],
        "setback_m": site["land"].get("setback_m", 0.0),
        "crs": kind,
        "crs_name": name,
    }


# --------------------------------------------------------------------------- sites


def _hall_capacity_ok(cat: Descriptor, site_caps: dict[str, float], it_mw: float, rack: Descriptor,
                      start_periods: range, period_months: int) -> tuple[str, float, float] | None:
    """A hall type and start period that host `it_mw` of `rack` at a site with the remaining
    capacities `site_caps` (power MW, conversion m2, new-build m2, air MW, climate PUE):
    (capacity used, its area, the site's HPC PUE for the rack), or None."""
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


@st.composite
def sites(draw, site_id: str, horizon: Descriptor, catalog: Descriptor, crs: Sequence[str] = ("wgs84", "utm"),
          with_caps: bool = False) -> Any:
    """A site descriptor (with land as inline GeoJSON). With `with_caps`, also the capacities
    the committed-tenant construction uses: (site, caps)."""
    lon = draw(st.floats(-170.0, 170.0, **_FLOAT))
    lat = draw(st.floats(-60.0, 65.0, **_FLOAT))
    start = dt.date.fromisoformat(horizon["start"])
    months = _horizon_months(horizon)
    n_contracts = draw(st.integers(1, 3))
    contracts = []
    for i in range(n_contracts):
        c: Descriptor = {
            "id": f"c{i}",
            "mw": draw(st.floats(1.0, 120.0, **_FLOAT)),
            "price_usd_per_mwh": draw(st.sampled_from([0.0, 40.0]) | st.floats(0.0, 120.0, **_FLOAT)),
            "take_or_pay_share": draw(st.just(0.0) | st.floats(0.0, 1.0, **_FLOAT)),
        }
        if draw(st.integers(0, 4)) == 0:
            c["escalation_per_year"] = draw(st.floats(-0.05, 0.1, **_FLOAT))
        if i > 0 and draw(st.integers(0, 3)) == 0:  # a dated contract (the first one is always in force)
            a = draw(st.integers(-6, months))
            b = draw(st.integers(a + 1, months + 12))
            c["start"] = _add_months(start, a).isoformat()
            c["end"] = _add_months(start, b).isoformat()
        contracts.append(c)
    undated_mw = sum(c["mw"] for c in contracts if "start" not in c)
    total_mw = sum(c["mw"] for c in contracts)
    interconnect_mw = draw(st.sampled_from([total_mw, 0.0]) | st.floats(0.0, 1.5 * total_mw, **_FLOAT))
    upgrades = [
        {"id": f"u{i}", "mw": draw(st.floats(1.0, 80.0, **_FLOAT)), "capex_usd": draw(st.floats(0.0, 50e6, **_FLOAT)),
         "lead_time_months": draw(st.integers(0, 36))}
        for i in range(draw(st.integers(0, 2)))
    ]
    existing = draw(st.sampled_from(["air", "air", "immersion", "hydro", "none"]))
    cooling = {
        "existing": existing,
        "air_capacity_mw": draw(st.just(0.0) | st.floats(0.0, 60.0, **_FLOAT)),
        "mean_temp_c": draw(st.floats(-10.0, 40.0, **_FLOAT)),
    }
    land = draw(lands())
    kind = draw(st.sampled_from(list(crs)))
    site: Descriptor = {
        "id": site_id,
        "name": f"site {site_id}",
        "operator": "generated",
        "location": {"lon": lon, "lat": lat},
        "grid": "generated",
        "power_contracts": contracts,
        "interconnect": {"mw": interconnect_mw, "upgrades": upgrades},
        "cooling": cooling,
        "land": land_dict(lon, lat, land, kind),
        "conversion_cost_usd": draw(st.just(0.0) | st.floats(0.0, 50e6, **_FLOAT)),
        "coincident_peak_usd_per_kw_year": draw(st.just(0.0) | st.floats(0.0, 100.0, **_FLOAT)),
        "demand_response_usd_per_mw_year": draw(st.just(0.0) | st.floats(0.0, 50_000.0, **_FLOAT)),
    }
    housed = sum(mw for _, _, mw in land["buildings"])
    if draw(st.integers(0, 5)) > 0:
        asic = draw(st.sampled_from(catalog["asics"]))
        fleet_mw = housed * draw(st.floats(0.3, 1.3, **_FLOAT)) if housed > 0 else draw(st.floats(0.0, 20.0, **_FLOAT))
        if draw(st.integers(0, 4)) == 0:
            ph_per_mw = asic["th_per_s"] / asic["watts"] * 1e3
            site["mining"] = {"asic": asic["id"], "hashrate_ph_per_s": fleet_mw * ph_per_mw}
        else:
            site["mining"] = {"asic": asic["id"], "units": int(round(fleet_mw * 1e6 / asic["watts"]))}
    if draw(st.integers(0, 9)) == 0:
        site["existing_halls"] = {draw(st.sampled_from(catalog["hall_modules"]))["id"]: draw(st.integers(1, 2))}
    if "existing_halls" in site and draw(st.integers(0, 2)) == 0:  # CDUs stand on hall floor
        site["existing_cdus"] = {draw(st.sampled_from(catalog["cooling_units"]))["id"]: draw(st.integers(1, 3))}
    if not with_caps:
        return site
    bldg, free = _areas(land)
    op = catalog["operating"]
    caps = {
        "power": min(undated_mw, interconnect_mw),
        "conversion_m2": bldg,
        "new_build_m2": free,
        "air": cooling["air_capacity_mw"],
        "climate": op["pue_per_degc_above_15"] * max(0.0, cooling["mean_temp_c"] - 15.0),
    }
    return site, caps


# --------------------------------------------------------------------------- tenants


@st.composite
def tenant_offers(draw, tenant_id: str, site_ids: Sequence[str], horizon: Descriptor, catalog: Descriptor) -> Descriptor:
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
    eligible = draw(st.permutations(list(site_ids)).flatmap(
        lambda p: st.integers(1, len(p)).map(lambda n: p[:n])))
    it_mw = draw(st.sampled_from([5.0, 10.0, 20.0]) | st.floats(0.5, 60.0, **_FLOAT))
    t: Descriptor = {
        "id": tenant_id,
        "it_mw": it_mw,
        "rate_usd_per_kw_month": draw(st.sampled_from([0.0, 150.0]) | st.floats(0.0, 300.0, **_FLOAT)),
        "term_months": term,
        "start_earliest": earliest.isoformat(),
        "start_latest": latest.isoformat(),
        "rack_type": draw(st.sampled_from([r["id"] for r in catalog["racks"]])),
        "eligible_sites": list(eligible),
        "max_sites": draw(st.integers(1, len(eligible))),
        "min_block_mw": draw(st.just(0.0) | st.floats(0.0, it_mw, **_FLOAT)),
        "power": draw(st.sampled_from(["pass_through", "pass_through", "included"])),
        "committed": False,
    }
    if draw(st.integers(0, 4)) == 0:
        t["escalator_per_year"] = draw(st.floats(-0.05, 0.05, **_FLOAT))
    if draw(st.integers(0, 4)) == 0:
        sid = draw(st.sampled_from(list(eligible)))
        t["site_rates_usd_per_kw_month"] = {sid: draw(st.floats(0.0, 300.0, **_FLOAT))}
    return t


def _start_periods(tenant: Descriptor, horizon: Descriptor) -> range:
    L = MONTHS[horizon["period"]]
    base = _month_index(dt.date.fromisoformat(horizon["start"]))
    first = (_month_index(dt.date.fromisoformat(tenant["start_earliest"])) - base) // L
    last = (_month_index(dt.date.fromisoformat(tenant["start_latest"])) - base) // L
    return range(max(0, first), min(horizon["periods"] - 1, last) + 1)


# --------------------------------------------------------------------------- portfolio


@st.composite
def finances(draw, constrained: bool = True) -> Descriptor:
    """Discount rate, and (when `constrained`) sometimes a capex budget or a concentration cap."""
    f: Descriptor = {"discount_rate_per_year": draw(st.sampled_from([0.0, 0.1]) | st.floats(0.0, 0.25, **_FLOAT))}
    if constrained and draw(st.integers(0, 5)) == 0:
        f["capex_budget_usd_per_period"] = draw(st.floats(1e6, 2e9, **_FLOAT))
    if constrained and draw(st.integers(0, 5)) == 0:
        f["concentration_cap"] = draw(st.floats(0.2, 1.0, **_FLOAT))
    return f


@st.composite
def scenarios(draw) -> Descriptor:
    """A market scenario: hashprice path, price escalation, sensitivity multipliers, cloud market."""
    sc: Descriptor = {
        "hashprice": {
            "usd_per_ph_day": draw(st.floats(20.0, 80.0, **_FLOAT)),
            "change_per_year": draw(st.floats(-0.3, 0.2, **_FLOAT)),
            "fee_share": draw(st.floats(0.0, 0.1, **_FLOAT)),
        },
        "power_price_escalation_per_year": draw(st.floats(-0.05, 0.1, **_FLOAT)),
    }
    if draw(st.booleans()):
        sc["lease_rate_multiplier"] = draw(st.floats(0.5, 2.0, **_FLOAT))
        sc["gpu_hour_multiplier"] = draw(st.floats(0.2, 2.0, **_FLOAT))
        sc["power_price_multiplier"] = draw(st.floats(0.0, 2.0, **_FLOAT))
        sc["capex_multiplier"] = draw(st.floats(0.5, 2.0, **_FLOAT))
    if draw(st.booleans()):
        sc["cloud_max_it_mw"] = draw(st.just(0.0) | st.floats(0.0, 100.0, **_FLOAT))
    return sc


@st.composite
def portfolios(
    draw,
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
    racks = {r["id"]: r for r in cat["racks"]}
    for k in range(draw(st.integers(0, max_tenants))):
        t = draw(tenant_offers(f"t{k}", ids, horizon, cat))
        if committed and draw(st.integers(0, 3)) == 0:
            starts = _start_periods(t, horizon)
            for sid in t["eligible_sites"]:
                ok = _hall_capacity_ok(cat, caps[sid], t["it_mw"], racks[t["rack_type"]], starts,
                                       MONTHS[horizon["period"]])
                if ok is not None:
                    key, area, pue = ok
                    caps[sid]["power"] -= pue * t["it_mw"]
                    caps[sid][key] -= area
                    if racks[t["rack_type"]]["cooling"] == "air":
                        caps[sid]["air"] -= t["it_mw"]
                    t["committed"] = True
                    any_committed = True
                    break
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


# --------------------------------------------------------------------------- transformations


def _site(d: Descriptor, i: int) -> Descriptor:
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
    out = copy.deepcopy(d)
    out["tenants"] = [*out.get("tenants", []), copy.deepcopy(tenant)]
    return out


def permute_sites(d: Descriptor, order: Sequence[int]) -> Descriptor:
    out = copy.deepcopy(d)
    out["sites"] = [out["sites"][j] for j in order]
    return out


def permute_tenants(d: Descriptor, order: Sequence[int], eligible_orders: Sequence[Sequence[int]] | None = None
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
