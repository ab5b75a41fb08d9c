"""Land for generated sites: shapes in local metres, and their GeoJSON both ways.

A site's land is drawn in local metres about its location (:func:`lands`): a star-shaped
parcel polygon (:func:`star_polygons`: its vertices sorted by angle, every angular gap below
180 degrees, so the location lies inside and scaling the parcel about it only grows it),
exclusion discs that may spill over the parcel edge, a setback, and the mining buildings:
rectangles inside the parcel's inscribed disc. :func:`land_dict` places it at a location as
the `land` section of a site, inline GeoJSON either in lon/lat (RFC 7946, no ``crs`` member)
or in the UTM zone of the location with a legacy ``crs`` member naming it;
:func:`land_shapes` reads a site's land back into local metres.

Metric land is a dict: ``parcel`` (a polygon), ``exclusions`` (polygons), ``buildings``
((id, polygon, housed mining MW) triples) and ``setback_m``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyproj
import shapely
from hypothesis import strategies as st

from planner.describe.geometry import WGS84, utm_crs
from planner.testing import FINITE, Descriptor


@st.composite
def star_polygons(draw: st.DrawFn, r_min: float = 40.0, r_max: float = 400.0) -> shapely.Polygon:
    """A simple polygon, star-shaped about (0, 0) in metres: 3-10 vertices at increasing
    angles, every angular gap below 180 degrees (so (0, 0) is inside)."""
    n = draw(st.integers(3, 10))
    weights = np.array(draw(st.lists(st.floats(0.6, 1.0, **FINITE), min_size=n, max_size=n)))
    gaps = 2 * math.pi * weights / weights.sum()  # each gap <= 2 pi / 2.2 < pi
    theta = draw(st.floats(0.0, 2 * math.pi, **FINITE)) + np.concatenate([[0.0], np.cumsum(gaps[:-1])])
    r_in = draw(st.floats(r_min, r_max, **FINITE))
    stretch = draw(st.floats(1.0, 2.5, **FINITE))
    radii = np.array(draw(st.lists(st.floats(r_in, r_in * stretch, **FINITE), min_size=n, max_size=n)))
    poly = shapely.Polygon(np.column_stack([radii * np.cos(theta), radii * np.sin(theta)]))
    if not poly.is_valid:  # pragma: no cover - a star polygon is simple; guard against float collapse
        poly = shapely.make_valid(poly).convex_hull
    return poly


@st.composite
def lands(draw: st.DrawFn, mining: bool = True) -> dict[str, Any]:
    """Land in local metres about the site location: parcel, exclusions, setback and
    buildings (id, geometry, housed mining MW). See :func:`land_dict` for the descriptor."""
    parcel = draw(star_polygons())
    rho = parcel.exterior.distance(shapely.Point(0.0, 0.0))  # inscribed radius about the centre
    buildings: list[tuple[str, shapely.Polygon, float]] = []
    if mining and draw(st.integers(0, 4)) > 0:
        half = rho / math.sqrt(2.0) * draw(st.floats(0.2, 0.95, **FINITE))
        nb = draw(st.integers(1, 3))
        if 2 * half / nb < 4.0:
            nb = 1
        width = 2 * half / nb
        density_kw_m2 = draw(st.sampled_from([0.0, 2.0, 3.5, 5.0]) | st.floats(1.0, 6.0, **FINITE))
        for i in range(nb):
            x0 = -half + i * width + (0.5 if nb > 1 else 0.0)
            x1 = -half + (i + 1) * width - (0.5 if nb > 1 else 0.0)
            geom = shapely.box(x0, -half, x1, half)
            buildings.append((f"b{i}", geom, geom.area * density_kw_m2 / 1000.0))
    exclusions = []
    extent = float(np.max(np.abs(np.asarray(parcel.exterior.coords))))
    for _ in range(draw(st.integers(0, 3))):
        x = draw(st.floats(-1.2 * extent, 1.2 * extent, **FINITE))
        y = draw(st.floats(-1.2 * extent, 1.2 * extent, **FINITE))
        r = draw(st.floats(5.0, max(5.0, extent / 2), **FINITE))
        exclusions.append(shapely.Point(x, y).buffer(r, quad_segs=4))
    setback = draw(
        st.sampled_from([0.0, 10.0]) | st.floats(0.0, 0.3 * rho, **FINITE) | st.floats(0.0, 2.0 * rho, **FINITE)
    )
    return {"parcel": parcel, "exclusions": exclusions, "buildings": buildings, "setback_m": setback}


def _transformers(lon: float, lat: float) -> tuple[pyproj.CRS, pyproj.Transformer, pyproj.Transformer, float, float]:
    """(UTM zone of (lon, lat), lon/lat -> UTM, UTM -> lon/lat, the location's UTM x and y)."""
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
    """Whether a GeoJSON coordinate array is one position (2 or 3 numbers)."""
    return len(x) in (2, 3) and all(isinstance(c, (int, float)) for c in x)


def land_dict(
    lon: float, lat: float, land: dict[str, Any], crs: str = "wgs84", crs_name: str | None = None
) -> Descriptor:
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
    feats += [
        {"type": "Feature", "properties": {"role": "exclusion"}, "geometry": _coords(g, fn)} for g in land["exclusions"]
    ]
    feats += [
        {"type": "Feature", "properties": {"role": "building", "id": bid}, "geometry": _coords(g, fn)}
        for bid, g, _ in land["buildings"]
    ]
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
        "buildings": [
            (str(i), shift(g), housed[str(i)]) for g, r, i in zip(frame.geometry, roles, ids) if r == "building"
        ],
        "setback_m": site["land"].get("setback_m", 0.0),
        "crs": kind,
        "crs_name": name,
    }
