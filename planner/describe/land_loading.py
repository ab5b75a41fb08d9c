"""A site's land from its descriptor: the GeoJSON features (inline or a file), their roles
(one parcel, exclusions, buildings matching `land.buildings` one to one), resolved by
:func:`planner.describe.geometry.resolve_land`, with the parcel within
:data:`~planner.describe.geometry.MAX_LOCATION_OFFSET_KM` of the site's stated location.

Kept apart from :mod:`planner.describe.loading` so that reading and checking the YAML does not
import shapely and pyproj: a document refused before its land is read is refused fast. Inline
land is read without geopandas (:mod:`planner.describe.layers`); a land file through geopandas
(GDAL reads any vector format), imported then.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from planner.describe.descriptors import Site
from planner.describe.errors import Problem, short
from planner.describe.files import inside
from planner.describe.geometry import (
    MAX_LOCATION_OFFSET_KM,
    GeometryError,
    LandGeometry,
    collection_crs,
    distance_to_parcel_km,
    read_features,
    resolve_land,
)
from planner.describe.layers import Features, Layer, from_collection, from_frame

ROLES = ("parcel", "exclusion", "building")


def load_land(site: Site, sf: str, folder: Path, base: Path, problems: list[Problem]) -> LandGeometry | None:
    """A site's land, resolved, with its parcel near the site's location; None when wrong."""
    read = _land_frame(site, sf, folder, base, problems)
    if read is None:
        return None
    features, source = read
    found = _land_layers(site, features, sf, source, problems)
    if found is None:
        return None
    parcels, buildings = found
    try:
        land = resolve_land(parcels, features.layer("role", "exclusion"), buildings, site.land.setback_m, source)
    except GeometryError as exc:
        problems.append(Problem(exc.source, exc.field, exc.value, exc.reason))
        return None
    km = distance_to_parcel_km(land, site.location.lon, site.location.lat)
    if km > MAX_LOCATION_OFFSET_KM:
        where = "land.geojson" if site.land.file is None else Path(source).name
        problems.append(
            Problem(
                sf,
                "location",
                f"lon {site.location.lon:g}, lat {site.location.lat:g}",
                f"{km:,.1f} km from the centre of the parcel in {where} (more than "
                f"{MAX_LOCATION_OFFSET_KM:g} km): a wrong location, or another site's land?",
            )
        )
        return None
    return land


def _land_frame(site: Site, sf: str, folder: Path, base: Path, problems: list[Problem]) -> tuple[Features, str] | None:
    """The features of a site's land (inline or its file) and what to call them in problems."""
    if site.land.geojson is not None:
        try:
            return _inline(site.land.geojson), f"{sf} (land.geojson)"
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(
                Problem(sf, "land.geojson", short(site.land.geojson), f"not a GeoJSON FeatureCollection: {exc}")
            )
            return None
    land_path = inside(base, folder / str(site.land.file), sf, "land.file", str(site.land.file), problems)
    if land_path is None:
        return None
    try:
        return from_frame(read_features(land_path, "land.file")), str(land_path)
    except GeometryError as exc:
        problems.append(Problem(exc.source, exc.field, exc.value, exc.reason))
        return None


def _inline(geojson: Any) -> Features:
    """An inline FeatureCollection's features (the exceptions of malformed input as geopandas'
    ``GeoDataFrame.from_features``, see :func:`planner.describe.layers.from_collection`)."""
    crs = collection_crs(geojson)
    return from_collection(geojson["features"], crs)


def _land_layers(
    site: Site, features: Features, sf: str, source: str, problems: list[Problem]
) -> tuple[Layer, Layer] | None:
    """The parcel and the buildings (in `site.land.buildings` order) of a site's features, by role."""
    roles = features.column("role")
    if roles is None:
        problems.append(Problem(source, "features.role", "<missing>", f"each feature needs a role: one of {ROLES}"))
        return None
    missing = [i for i, r in enumerate(roles) if _missing(r)]
    if missing:
        problems.append(
            Problem(
                source,
                f"features[{missing[0]}].role",
                "<missing>",
                f"each feature needs a role: one of {ROLES} ({len(missing)} feature(s) without)",
            )
        )
        return None
    bad = sorted({str(r) for r in roles} - set(ROLES))
    if bad:
        problems.append(Problem(source, "features.role", ", ".join(bad), f"unknown role (use {ROLES})"))
        return None
    parcels = features.layer("role", "parcel")
    if len(parcels) != 1:
        problems.append(
            Problem(source, "features.role", f"{len(parcels)} parcels", "exactly one feature must have role 'parcel'")
        )
        return None
    by_id = _buildings_by_id(site, features, sf, source, problems)
    if by_id is None:
        return None
    return parcels, Layer(tuple(by_id[b.id] for b in site.land.buildings), features.crs)


def _buildings_by_id(
    site: Site, features: Features, sf: str, source: str, problems: list[Problem]
) -> dict[str, BaseGeometry | None] | None:
    """Building footprints by id when they match `site.land.buildings` one to one, else None."""
    roles = features.column("role") or []
    rows = [i for i, r in enumerate(roles) if r == "building"]
    column = features.column("id")
    ids: list[str | None] = [None if column is None or _missing(column[i]) else str(column[i]) for i in rows]
    buildings = [features.geoms[i] for i in rows]
    if None in ids:
        problems.append(
            Problem(
                source, "features.id", "<missing>", "each building feature needs an id (an entry of land.buildings)"
            )
        )
    for b in sorted({i for i in ids if i is not None and ids.count(i) > 1}):
        problems.append(Problem(source, "features.id", b, "more than one building feature with this id"))
    by_id = {i: g for i, g in zip(ids, buildings) if i is not None}
    wanted = [b.id for b in site.land.buildings]
    for i, b in enumerate(wanted):
        if b not in by_id:
            problems.append(Problem(sf, f"land.buildings[{i}].id", b, f"no building feature with this id in {source}"))
    for b in sorted(set(by_id) - set(wanted)):
        problems.append(Problem(source, "features.id", b, f"building not listed in {Path(sf).name} land.buildings"))
    if set(by_id) != set(wanted) or len(by_id) != len(buildings):
        return None
    return by_id


def _missing(value: Any) -> bool:
    """A property absent from a feature (None, or NaN in a frame)."""
    return value is None or (isinstance(value, float) and math.isnan(value))
