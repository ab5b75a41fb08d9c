"""Load descriptors from files into a validated :class:`Portfolio`.

Reads YAML (portfolio, site files, catalog) with :mod:`planner.describe.yaml_reader` and geo
files, validates them with the pydantic models of :mod:`planner.describe.descriptors`, checks
cross-references and dates against the horizon with :mod:`planner.describe.checks`, and resolves
each site's land with :mod:`planner.describe.geometry` (its parcel must lie within
:data:`~planner.describe.geometry.MAX_LOCATION_OFFSET_KM` of the site's location). Every problem
found is collected and raised together as one :class:`~planner.describe.errors.InputError`, each
naming file, field, value and reason.
"""

from __future__ import annotations

import logging
import math
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import yaml
from pydantic import BaseModel, ValidationError

from planner.describe.checks import check_dates, check_portfolio_parts, check_references
from planner.describe.descriptors import Catalog, PortfolioSpec, Site
from planner.describe.errors import InputError, Problem, short
from planner.describe.financing_checks import check_financing
from planner.describe.geometry import (
    MAX_LOCATION_OFFSET_KM,
    GeometryError,
    LandGeometry,
    distance_to_parcel_km,
    features_frame,
    read_features,
    resolve_land,
    sites_frame,
)
from planner.describe.yaml_reader import read_yaml

logger = logging.getLogger(__name__)

BUNDLED_CATALOG = "bundled"
ROLES = ("parcel", "exclusion", "building")


@dataclass(frozen=True)
class Portfolio:
    """A validated portfolio: descriptors, catalog and each site's resolved land.

    `path` is the portfolio file (None when built from data), `base_dir` the folder its
    relative paths are resolved against, `site_files` each site's file (the portfolio's
    label for inline sites)."""

    spec: PortfolioSpec
    catalog: Catalog
    sites: tuple[Site, ...]
    land: dict[str, LandGeometry]
    path: Path | None = None
    site_files: dict[str, str] = field(default_factory=dict)
    base_dir: Path | None = None

    @property
    def name(self) -> str:
        """The portfolio's name."""
        return self.spec.name

    def site(self, site_id: str) -> Site:
        """The site with id `site_id`."""
        return next(s for s in self.sites if s.id == site_id)

    def sites_frame(self) -> gpd.GeoDataFrame:
        """One row per site (EPSG:4326 parcel outline) with its headline figures."""
        rows = []
        for s in self.sites:
            land = self.land[s.id]
            rows.append(
                {
                    "site_id": s.id,
                    "name": s.name,
                    "operator": s.operator,
                    "grid": s.grid,
                    "contracted_mw": sum(c.mw for c in s.power_contracts),
                    "interconnect_mw": s.interconnect.mw,
                    "mining_mw": sum(b.mining_mw for b in s.land.buildings),
                    "parcel_area_m2": land.parcel_area_m2,
                    "buildable_area_m2": land.buildable_area_m2,
                    "building_area_m2": land.building_area_m2,
                }
            )
        parcels = [self.land[s.id].to_wgs84().geometry.iloc[0] for s in self.sites]
        return sites_frame(rows, parcels)

    def dump(self, directory: str | Path) -> Path:
        """Write the portfolio to `directory` as descriptors (YAML) with its land and catalog
        files, at the same relative paths, so that load -> dump -> load gives equal objects."""
        directory = Path(directory)
        base = self.base_dir or (self.path.resolve().parent if self.path is not None else Path.cwd())
        directory.mkdir(parents=True, exist_ok=True)
        spec = self.spec.model_dump(mode="json", exclude_defaults=False)
        inline = {e.id for e in self.spec.sites if isinstance(e, Site)}
        for s in self.sites:
            if s.id in inline:
                folder = base  # inline site: already in the portfolio's data
            else:
                site_file = Path(self.site_files[s.id]).resolve()
                _write_yaml(directory / site_file.relative_to(base), s.model_dump(mode="json"))
                folder = site_file.parent
            if s.land.file is not None:
                land = (folder / s.land.file).resolve()
                target = directory / land.relative_to(base)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(land, target)
        if isinstance(self.spec.catalog, str) and self.spec.catalog != BUNDLED_CATALOG:
            _write_yaml(directory / self.spec.catalog, self.catalog.model_dump(mode="json"))
        out = directory / (self.path.name if self.path is not None else f"{self.name}.yaml")
        _write_yaml(out, spec)
        return out


def _write_yaml(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def load_portfolio(path: str | Path) -> Portfolio:
    """Read and validate a portfolio file; raise InputError listing every problem."""
    path = Path(path)
    problems: list[Problem] = []
    data = _read_yaml(path, problems)
    if data is None:
        raise InputError(problems)
    return _build(data, str(path), path, path.resolve().parent, problems)


def portfolio_from_dict(data: dict[str, Any], base_dir: Path, label: str = "<inline>") -> Portfolio:
    """Validate a portfolio given as plain data (paths resolved against `base_dir`;
    `label` names it in error messages)."""
    return _build(data, label, None, Path(base_dir).resolve(), [])


def bundled_catalog() -> Catalog:
    """The catalog shipped with the package (planner/data/catalog.yaml), read like any other."""
    problems: list[Problem] = []
    with resources.as_file(resources.files("planner").joinpath("data/catalog.yaml")) as path:
        raw = _read_yaml(path, problems)
        catalog = _validate(Catalog, raw, str(path), problems) if raw is not None else None
    if catalog is None:
        raise InputError(problems)
    return catalog


# --------------------------------------------------------------------------- internals


def _build(data: Any, label: str, path: Path | None, base: Path, problems: list[Problem]) -> Portfolio:
    spec = _validate(PortfolioSpec, data, label, problems)
    if spec is None:
        raise InputError(problems)
    catalog = _load_catalog(spec, label, base, problems)
    sites: list[Site] = []
    site_files: dict[str, str] = {}
    folders: dict[str, Path] = {}  # what each site's land file is relative to
    failed: set[str] | None = set()  # ids of site files that did not validate; None: not all known
    site: Site | None
    for i, entry in enumerate(spec.sites):
        if isinstance(entry, Site):
            site, site_file, folder = entry, label, base
        else:
            site_path = _inside(base, base / entry, label, f"sites[{i}]", entry, problems)
            raw = _read_yaml(site_path, problems) if site_path is not None else None
            site = _validate(Site, raw, str(site_path), problems) if raw is not None else None
            if site is None or site_path is None:
                sid = raw.get("id") if isinstance(raw, dict) else None
                if failed is not None and isinstance(sid, str):
                    failed.add(sid)
                else:
                    failed = None
                continue
            site_file, folder = str(site_path), site_path.parent
        if site.id in site_files:
            problems.append(
                Problem(label, f"sites[{i}].id", site.id, f"duplicate site id (also in {site_files[site.id]})")
            )
            continue
        sites.append(site)
        site_files[site.id] = site_file
        folders[site.id] = folder
    if catalog is not None:
        check_references(spec, catalog, sites, site_files, label, problems, failed)
        check_portfolio_parts(spec, catalog, sites, site_files, label, problems)
    check_dates(spec, sites, site_files, label, problems)
    check_financing(spec, sites, label, problems)
    land: dict[str, LandGeometry] = {}
    for site in sites:
        geom = _load_land(site, site_files[site.id], folders[site.id], base, problems)
        if geom is not None:
            land[site.id] = geom
    if problems or catalog is None:
        raise InputError(problems)
    logger.info("loaded portfolio %s: %d sites, %d tenant offers", spec.name, len(sites), len(spec.tenants))
    return Portfolio(spec, catalog, tuple(sites), land, path, site_files, base)


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    """A YAML file's top-level mapping, or None with the reasons appended to `problems`."""
    before = len(problems)
    data = read_yaml(path, problems)
    if len(problems) > before:
        return None
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "<root>", short(data), "expected a mapping of keys"))
        return None
    return data


def _validate(model: type[BaseModel], data: Any, file: str, problems: list[Problem]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            if err["type"] == "string_type" and "str" in err["loc"] and isinstance(err.get("input"), dict):
                continue  # a mapping given for `str | Model` (inline site, catalog): the model's errors say why
            loc = _loc(err["loc"])
            value = "<missing>" if err["type"] == "missing" else short(err.get("input"))
            problems.append(Problem(file, loc or "<root>", value, err["msg"]))
        return None


def _loc(parts: tuple[Any, ...]) -> str:
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p in ("str", "Site", "Catalog", "function-after[_dates(), PowerContract]") or "function-" in str(p):
            continue  # union / validator branch labels carry no meaning for the user
        else:
            out += f".{p}" if out else str(p)
    return out


def _inside(base: Path, target: Path, file: str, fld: str, value: str, problems: list[Problem]) -> Path | None:
    resolved = target.resolve()
    if not resolved.is_relative_to(base):
        problems.append(Problem(file, fld, value, f"path is outside the portfolio's folder {base}"))
        return None
    if not resolved.exists():
        problems.append(Problem(file, fld, value, "file not found"))
        return None
    return resolved


def _load_catalog(spec: PortfolioSpec, label: str, base: Path, problems: list[Problem]) -> Catalog | None:
    if isinstance(spec.catalog, Catalog):
        return spec.catalog
    if spec.catalog == BUNDLED_CATALOG:
        return bundled_catalog()
    cat_path = _inside(base, base / spec.catalog, label, "catalog", spec.catalog, problems)
    if cat_path is None:
        return None
    raw = _read_yaml(cat_path, problems)
    return _validate(Catalog, raw, str(cat_path), problems) if raw is not None else None


def _load_land(site: Site, sf: str, folder: Path, base: Path, problems: list[Problem]) -> LandGeometry | None:
    """A site's land, resolved, with its parcel near the site's location; None when wrong."""
    read = _land_frame(site, sf, folder, base, problems)
    if read is None:
        return None
    frame, source = read
    found = _land_layers(site, frame, sf, source, problems)
    if found is None:
        return None
    parcels, buildings = found
    try:
        land = resolve_land(
            parcels, frame[frame["role"] == "exclusion"].geometry, buildings, site.land.setback_m, source
        )
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


def _land_frame(
    site: Site, sf: str, folder: Path, base: Path, problems: list[Problem]
) -> tuple[gpd.GeoDataFrame, str] | None:
    """The features of a site's land (inline or its file) and what to call them in problems."""
    if site.land.geojson is not None:
        try:
            return features_frame(site.land.geojson), f"{sf} (land.geojson)"
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(
                Problem(sf, "land.geojson", short(site.land.geojson), f"not a GeoJSON FeatureCollection: {exc}")
            )
            return None
    land_path = _inside(base, folder / str(site.land.file), sf, "land.file", str(site.land.file), problems)
    if land_path is None:
        return None
    try:
        return read_features(land_path, "land.file"), str(land_path)
    except GeometryError as exc:
        problems.append(Problem(exc.source, exc.field, exc.value, exc.reason))
        return None


def _land_layers(
    site: Site, frame: gpd.GeoDataFrame, sf: str, source: str, problems: list[Problem]
) -> tuple[gpd.GeoSeries, gpd.GeoSeries] | None:
    """The parcel and the buildings (in `site.land.buildings` order) of a land frame, by role."""
    if "role" not in frame.columns:
        problems.append(Problem(source, "features.role", "<missing>", f"each feature needs a role: one of {ROLES}"))
        return None
    missing = [i for i, r in enumerate(frame["role"]) if _missing(r)]
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
    bad = sorted({str(r) for r in frame["role"]} - set(ROLES))
    if bad:
        problems.append(Problem(source, "features.role", ", ".join(bad), f"unknown role (use {ROLES})"))
        return None
    parcels = frame[frame["role"] == "parcel"]
    if len(parcels) != 1:
        problems.append(
            Problem(source, "features.role", f"{len(parcels)} parcels", "exactly one feature must have role 'parcel'")
        )
        return None
    by_id = _buildings_by_id(site, frame[frame["role"] == "building"], sf, source, problems)
    if by_id is None:
        return None
    return parcels.geometry, gpd.GeoSeries([by_id[b.id] for b in site.land.buildings], crs=frame.crs)


def _buildings_by_id(
    site: Site, buildings: gpd.GeoDataFrame, sf: str, source: str, problems: list[Problem]
) -> dict[str, Any] | None:
    """Building footprints by id when they match `site.land.buildings` one to one, else None."""
    ids: list[str | None] = (
        [None if _missing(i) else str(i) for i in buildings["id"]]
        if "id" in buildings.columns
        else [None] * len(buildings)
    )
    if None in ids:
        problems.append(
            Problem(
                source, "features.id", "<missing>", "each building feature needs an id (an entry of land.buildings)"
            )
        )
    for b in sorted({i for i in ids if i is not None and ids.count(i) > 1}):
        problems.append(Problem(source, "features.id", b, "more than one building feature with this id"))
    by_id = {i: g for i, g in zip(ids, buildings.geometry) if i is not None}
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
