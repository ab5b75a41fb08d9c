"""Site land geometry: read parcels, reproject to a local metric CRS, measure.

All areas come from a local UTM projection of the parcel (areal scale error
within ±0.2 % inside a zone), except :func:`geodesic_area_m2`, which
integrates on the WGS84 ellipsoid and serves as the reference.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pyproj
import shapely
from shapely.affinity import rotate
from shapely.geometry.base import BaseGeometry

from planner.describe.layers import reproject, transformer

if TYPE_CHECKING:
    from collections.abc import Iterator

    import geopandas as gpd

logger = logging.getLogger(__name__)

WGS84 = pyproj.CRS.from_epsg(4326)
BUILDING_TOLERANCE_M = 0.1
"""How far (m) an existing building may stick out of the parcel (survey noise)."""
SETBACK_RESOLUTION_M = 1e-3
"""Setbacks below this are taken as 0: GEOS erodes some polygons to nothing for
distances near coordinate precision (~1e-9 m at UTM magnitudes)."""
MAX_LOCATION_OFFSET_KM = 50.0
"""How far (km) a parcel's centre may lie from its site's stated location: a location given
as the nearest town is within ~20 km; farther is another site's land file or a wrong CRS."""

_POLYGONAL = ("Polygon", "MultiPolygon")
_GEOD = pyproj.Geod(ellps="WGS84")


class GeoLayer(Protocol):
    """Geometries in one CRS: a :class:`planner.describe.layers.Layer` or a GeoSeries."""

    @property
    def crs(self) -> pyproj.CRS | None:
        """The layer's CRS (None: unknown)."""

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[BaseGeometry | None]: ...


class GeometryError(ValueError):
    """Bad land geometry: ``str(e) == f"{source}: {field}: {value}: {reason}"``.

    ``source`` is a file path or ``'inline'``, ``field`` the config key
    (e.g. ``'land.buildings[2]'``), ``value`` a short repr of the offending
    value and ``reason`` what is wrong with it.
    """

    def __init__(self, source: str, field: str, value: str, reason: str) -> None:
        self.source = source
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{source}: {field}: {value}: {reason}")


def _short(geom: BaseGeometry | None, limit: int = 60) -> str:
    """WKT of ``geom`` cut to ``limit`` characters."""
    if geom is None:
        return "None"
    text = shapely.to_wkt(geom, rounding_precision=6)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_features(path: Path, field: str) -> gpd.GeoDataFrame:
    """Read a vector file GDAL reads (attributes and geometries) with its CRS.

    GDAL's GeoJSON driver already applies RFC 7946 (no ``"crs"`` member means
    EPSG:4326); any other file without a CRS is rejected.  Geometry types and
    validity are checked later, by :func:`resolve_land`.
    """
    import geopandas as gpd

    path = Path(path)
    try:
        frame = gpd.read_file(path)
    except (OSError, RuntimeError, ValueError) as exc:
        raise GeometryError(str(path), field, path.name, f"cannot read: {exc}") from exc
    if frame.crs is None:
        raise GeometryError(
            str(path),
            field,
            "crs=None",
            "no CRS (add a .prj / layer SRS, or use GeoJSON in lon/lat)",
        )
    logger.debug("read %d features from %s (%s)", len(frame), path, frame.crs.to_string())
    return frame


def read_polygons(path: Path, field: str) -> gpd.GeoSeries:
    """The geometries of :func:`read_features`, with their CRS."""
    return read_features(path, field).geometry


def features_frame(geojson: dict[str, Any]) -> gpd.GeoDataFrame:
    """An inline GeoJSON FeatureCollection as a frame of its properties and geometries.

    CRS as for files: the legacy ``"crs"`` member's name if present, else
    EPSG:4326 (RFC 7946).  Malformed input raises ValueError, TypeError,
    KeyError or AttributeError.
    """
    import geopandas as gpd

    crs = collection_crs(geojson)
    return gpd.GeoDataFrame.from_features(geojson["features"], crs=crs)


def collection_crs(geojson: dict[str, Any]) -> pyproj.CRS:
    """The CRS of a FeatureCollection (checked to be one): its legacy ``"crs"`` member's name if
    present, else EPSG:4326 (RFC 7946); ValueError if it is not a FeatureCollection or the CRS
    is unknown (a malformed member raises KeyError or TypeError)."""
    kind = geojson.get("type") if isinstance(geojson, dict) else type(geojson).__name__
    if kind != "FeatureCollection":
        raise ValueError(f"expected a FeatureCollection, got {kind!r}")
    if geojson.get("crs") is None:
        return WGS84
    try:
        return pyproj.CRS.from_user_input(geojson["crs"]["properties"]["name"])
    except pyproj.exceptions.CRSError as exc:
        raise ValueError(f"unknown crs member: {exc}") from exc


def utm_crs(lon: float, lat: float) -> pyproj.CRS:
    """UTM zone of a point: zone = floor((lon + 180) / 6) + 1, EPSG 326zz north / 327zz south.

    The Norway/Svalbard zone exceptions are ignored (the plain zone is still metric).
    """
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"lon/lat out of range: ({lon}, {lat})")
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def _check_series(series: GeoLayer, field: str, source: str) -> np.ndarray:
    """Validate a layer and return its geometries in lon/lat (EPSG:4326).

    Each feature must be a non-empty, valid Polygon/MultiPolygon whose lon/lat
    coordinates are finite and within |lon| <= 180, |lat| <= 90.
    """
    if len(series) and series.crs is None:
        raise GeometryError(source, field, "crs=None", "no CRS")
    given = list(series)
    for i, geom in enumerate(given):
        name = f"{field}[{i}]"
        if geom is None or geom.is_empty:
            raise GeometryError(source, name, _short(geom), "empty geometry")
        if geom.geom_type not in _POLYGONAL:
            raise GeometryError(source, name, geom.geom_type, "not a Polygon or MultiPolygon")
        if not geom.is_valid:
            reason = f"invalid polygon: {shapely.is_valid_reason(geom)}"
            raise GeometryError(source, name, _short(geom), reason)
    polygons = [g for g in given if g is not None]  # all of them, checked above
    if not polygons:
        return np.empty(0, dtype=object)
    assert series.crs is not None  # checked above
    lonlat = reproject(polygons, series.crs, WGS84)
    for i, geom in enumerate(lonlat):
        x0, y0, x1, y1 = geom.bounds
        finite = all(map(math.isfinite, (x0, y0, x1, y1)))
        if finite and -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90:
            continue
        crs = series.crs.to_string()
        if series.crs.is_geographic:
            reason = f"out of lon/lat range for geographic CRS {crs}: wrong CRS? (projected metres labelled as lon/lat)"
        else:
            reason = f"no lon/lat position in {crs}: wrong CRS?"
        bounds = "bounds=({:.6g}, {:.6g}, {:.6g}, {:.6g})".format(*polygons[i].bounds)
        raise GeometryError(source, f"{field}[{i}]", bounds, reason)
    return lonlat


@dataclass(frozen=True)
class LandGeometry:
    """A site's land in a local metric CRS (all lengths in m, areas in m²).

    ``buildable = parcel ⊖ disc(setback) − ∪ exclusions`` (erosion: points at
    least ``setback`` from the parcel boundary), and ``building_area_m2 =
    |(∪ buildings) ∩ buildable|``. ``exclusions`` are the exclusion zones clipped
    to the parcel (those that miss it left out), for drawing.
    """

    crs: pyproj.CRS
    parcel: BaseGeometry
    buildable: BaseGeometry
    buildings: tuple[BaseGeometry, ...]
    parcel_area_m2: float
    buildable_area_m2: float
    building_area_m2: float
    exclusions: tuple[BaseGeometry, ...] = ()

    def to_wgs84(self) -> gpd.GeoDataFrame:
        """Parcel, buildable area, buildings and exclusions in EPSG:4326, one row each, tagged by ``layer``."""
        geoms = [self.parcel, self.buildable, *self.buildings, *self.exclusions]
        layers = ["parcel", "buildable"] + ["building"] * len(self.buildings) + ["exclusion"] * len(self.exclusions)
        import geopandas as gpd

        return gpd.GeoDataFrame({"layer": layers}, geometry=reproject(geoms, self.crs, WGS84), crs=WGS84)

    def parcel_wgs84(self) -> BaseGeometry:
        """The parcel in EPSG:4326 (the first row of :meth:`to_wgs84`)."""
        return reproject([self.parcel], self.crs, WGS84)[0]


def resolve_land(
    parcel: GeoLayer,
    exclusions: GeoLayer,
    buildings: GeoLayer,
    setback_m: float,
    source: str,
) -> LandGeometry:
    """Validate the land layers and measure them in the UTM zone of the parcel centroid.

    Parcel features are unioned (no setback along shared lot lines).
    Exclusions may extend outside the parcel; each building must lie within
    the parcel grown by ``BUILDING_TOLERANCE_M``.  A setback that consumes the
    whole parcel gives a buildable area of 0, not an error; one below
    ``SETBACK_RESOLUTION_M`` is taken as 0.  Errors name the
    layer and 0-based feature position, e.g. ``land.buildings[2]``.
    """
    if not (math.isfinite(setback_m) and setback_m >= 0):
        raise GeometryError(source, "land.setback_m", repr(setback_m), "must be a finite number >= 0")
    if not len(parcel):
        raise GeometryError(source, "land.parcel", "[]", "empty geometry: no parcel features")
    layers = {"parcel": parcel, "exclusions": exclusions, "buildings": buildings}
    lonlat = {name: _check_series(series, f"land.{name}", source) for name, series in layers.items()}

    centre = shapely.union_all(lonlat["parcel"]).centroid
    crs = utm_crs(centre.x, centre.y)
    metric = {name: _to_crs(series, crs) for name, series in layers.items()}

    parcel_m = shapely.union_all(metric["parcel"])
    _check_inside(metric["buildings"], parcel_m, buildings, source)
    eroded = parcel_m.buffer(-setback_m) if setback_m >= SETBACK_RESOLUTION_M else parcel_m
    buildable = eroded.difference(shapely.union_all(metric["exclusions"]))
    clipped = [_polygonal(zone.intersection(parcel_m)) for zone in metric["exclusions"]]
    land = LandGeometry(
        crs=crs,
        parcel=parcel_m,
        buildable=buildable,
        buildings=tuple(metric["buildings"]),
        parcel_area_m2=parcel_m.area,
        buildable_area_m2=buildable.area,
        building_area_m2=shapely.union_all(metric["buildings"]).intersection(buildable).area,
        exclusions=tuple(zone for zone in clipped if not zone.is_empty),
    )
    logger.debug(
        "%s: land in %s: parcel %.0f m², buildable %.0f m² (setback %g m), buildings %.0f m²",
        source,
        crs.to_string(),
        land.parcel_area_m2,
        land.buildable_area_m2,
        setback_m,
        land.building_area_m2,
    )
    if land.buildable_area_m2 == 0:
        logger.warning("%s: setback %g m and exclusions leave no buildable land", source, setback_m)
    return land


def _to_crs(series: GeoLayer, crs: pyproj.CRS) -> list[BaseGeometry]:
    """A checked layer's geometries in `crs` (none for an empty layer)."""
    if not len(series):
        return []
    assert series.crs is not None  # checked by _check_series
    return list(reproject(list(series), series.crs, crs))


def _check_inside(metric: list[BaseGeometry], parcel_m: BaseGeometry, given: GeoLayer, source: str) -> None:
    """GeometryError for the first building (metric) outside the parcel grown by the tolerance."""
    allowed = parcel_m.buffer(BUILDING_TOLERANCE_M)
    for i, building in enumerate(metric):
        if not allowed.covers(building):
            outside = building.difference(parcel_m).area
            raise GeometryError(
                source,
                f"land.buildings[{i}]",
                _short(list(given)[i]),
                f"not inside the parcel: {outside:.1f} m² outside (tolerance {BUILDING_TOLERANCE_M} m)",
            )


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygons of `geom` (an intersection may add the lines and points where edges touch)."""
    if geom.geom_type in _POLYGONAL or geom.is_empty:
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in _POLYGONAL]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def distance_to_parcel_km(land: LandGeometry, lon: float, lat: float) -> float:
    """Geodesic distance (km, WGS84 ellipsoid) from (lon, lat) to the centroid of the parcel."""
    centre = reproject([land.parcel.centroid], land.crs, WGS84)[0]
    _, _, metres = _GEOD.inv(lon, lat, centre.x, centre.y)
    return float(metres) / 1000.0


def geodesic_area_m2(geom_wgs84: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid of a lon/lat geometry (edges as geodesics), in m²."""
    area, _ = _GEOD.geometry_area_perimeter(geom_wgs84)
    return abs(area)


def sites_frame(rows: list[dict], geometries_wgs84: list[BaseGeometry]) -> gpd.GeoDataFrame:
    """One row per site: ``rows[i]`` as attributes, ``geometries_wgs84[i]`` as geometry (EPSG:4326)."""
    if len(rows) != len(geometries_wgs84):
        raise ValueError(f"{len(rows)} rows but {len(geometries_wgs84)} geometries")
    import geopandas as gpd
    import pandas as pd

    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=list(geometries_wgs84), crs=WGS84)


def rectangle_wgs84(
    lon: float, lat: float, width_m: float, height_m: float, rotation_deg: float = 0.0
) -> shapely.Polygon:
    """Rectangle centred on (lon, lat): ``width_m`` east-west by ``height_m`` north-south,
    then rotated ``rotation_deg`` counter-clockwise; returned in lon/lat.

    Built in the point's UTM zone, with sides multiplied by the zone's scale
    factor k (grid length = k × ground length) and the rotation offset by the
    grid convergence, both taken at the centre, so sizes and bearings hold on
    the ground.
    """
    if not (width_m > 0 and height_m > 0):
        raise ValueError(f"width_m and height_m must be > 0, got {width_m}, {height_m}")
    crs = utm_crs(lon, lat)
    factors = pyproj.Proj(crs).get_factors(lon, lat)
    k = math.sqrt(factors.areal_scale)
    forward, back = transformer(WGS84, crs), transformer(crs, WGS84)
    x, y = forward.transform(lon, lat)
    half_w, half_h = width_m * k / 2, height_m * k / 2
    box = rotate(
        shapely.box(x - half_w, y - half_h, x + half_w, y + half_h),
        rotation_deg + factors.meridian_convergence,
        origin=(x, y),
    )
    return shapely.transform(box, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))
