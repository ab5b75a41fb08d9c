"""Load descriptors from files into a validated :class:`Portfolio`.

Reads YAML (portfolio, site files, catalog) and geo files, validates them with the
pydantic models of :mod:`planner.describe.descriptors`, checks cross-references (tenant -> site,
tenant -> rack type, fleet -> ASIC, existing halls -> hall module) and resolves each
site's land with :mod:`planner.describe.geometry`. Every problem found is collected and raised
together as one :class:`~planner.describe.errors.InputError`, each naming file, field and value.
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

from planner.describe.descriptors import Catalog, PortfolioSpec, Site
from planner.describe.errors import InputError, Problem, short
from planner.describe.geometry import GeometryError, LandGeometry, features_frame, read_features, resolve_land, sites_frame

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
        return self.spec.name

    def site(self, site_id: str) -> Site:
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
    text = resources.files("planner").joinpath("data/catalog.yaml").read_text()
    return Catalog.model_validate(yaml.safe_load(text))


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
            problems.append(Problem(label, f"sites[{i}].id", site.id, f"duplicate site id (also in {site_files[site.id]})"))
            continue
        sites.append(site)
        site_files[site.id] = site_file
        folders[site.id] = folder
    if catalog is not None:
        _check_references(spec, catalog, sites, site_files, label, problems, failed)
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
    try:
        text = path.read_text()
    except OSError as exc:
        problems.append(Problem(str(path), "<file>", str(path), f"cannot read: {exc.strerror or exc}"))
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "<yaml>"
        reason = getattr(exc, "problem", None) or str(exc)
        context, start = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and start:  # where the construct that is not closed began, e.g. an unclosed [
            reason += f" ({context} at line {start.line + 1}, column {start.column + 1})"
        problems.append(Problem(str(path), where, "<yaml>", f"YAML syntax error: {reason}"))
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


def _check_references(
    spec: PortfolioSpec,
    catalog: Catalog,
    sites: list[Site],
    site_files: dict[str, str],
    file: str,
    problems: list[Problem],
    failed: set[str] | None,
) -> None:
    """Cross-references; tenants' sites only against sites that exist (`failed`: ids of site
    files that did not validate, None when some could not be read: then not checked)."""
    seen = {s.id for s in sites}
    racks = {r.id for r in catalog.racks}
    halls = {h.id for h in catalog.hall_modules}
    cdus = {c.id for c in catalog.cooling_units}
    asics = {a.id for a in catalog.asics}
    for s in sites:
        sf = site_files[s.id]
        if s.mining is not None and s.mining.asic not in asics:
            problems.append(Problem(sf, "mining.asic", s.mining.asic, f"unknown ASIC model (catalog has {', '.join(sorted(asics))})"))
        for key in s.existing_halls:
            if key not in halls:
                problems.append(Problem(sf, f"existing_halls.{key}", key, "unknown hall module"))
        for key in s.existing_cdus:
            if key not in cdus:
                problems.append(Problem(sf, f"existing_cdus.{key}", key, "unknown cooling unit"))
    tenant_ids: set[str] = set()
    horizon_start = spec.horizon.start
    for i, t in enumerate(spec.tenants):
        where = f"tenants[{i}]"
        if t.id in tenant_ids:
            problems.append(Problem(file, f"{where}.id", t.id, "duplicate tenant id"))
        tenant_ids.add(t.id)
        if t.rack_type not in racks:
            problems.append(Problem(file, f"{where}.rack_type", t.rack_type, f"unknown rack type (catalog has {', '.join(sorted(racks))})"))
        for j, sid in enumerate(t.eligible_sites):
            if sid not in seen and failed is not None and sid not in failed:
                problems.append(Problem(file, f"{where}.eligible_sites[{j}]", sid, "unknown site"))
        for sid in t.site_rates_usd_per_kw_month:
            if sid not in t.eligible_sites:
                problems.append(Problem(file, f"{where}.site_rates_usd_per_kw_month.{sid}", sid, "not an eligible site of this tenant"))
        if t.max_sites > len(t.eligible_sites):
            problems.append(Problem(file, f"{where}.max_sites", str(t.max_sites), f"more than the {len(t.eligible_sites)} eligible sites"))
        if t.start_latest < _months_before(horizon_start, t.term_months):
            problems.append(Problem(file, f"{where}.start_latest", str(t.start_latest), "the lease ends before the horizon starts"))
        if t.start_earliest >= _horizon_end(spec):
            problems.append(Problem(file, f"{where}.start_earliest", str(t.start_earliest), "after the end of the horizon"))


def _months_before(date: Any, months: int) -> Any:
    y, m = divmod(date.year * 12 + date.month - 1 - months, 12)
    return date.replace(year=y, month=m + 1, day=1)


def _horizon_end(spec: PortfolioSpec) -> Any:
    step = {"month": 1, "quarter": 3, "year": 12}[spec.horizon.period]
    return _months_before(spec.horizon.start, -step * spec.horizon.periods)


def _load_land(site: Site, sf: str, folder: Path, base: Path, problems: list[Problem]) -> LandGeometry | None:
    if site.land.geojson is not None:
        source = f"{sf} (land.geojson)"
        try:
            frame = features_frame(site.land.geojson)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            problems.append(Problem(sf, "land.geojson", short(site.land.geojson), f"not a GeoJSON FeatureCollection: {exc}"))
            return None
    else:
        land_path = _inside(base, folder / site.land.file, sf, "land.file", site.land.file, problems)
        if land_path is None:
            return None
        source = str(land_path)
        try:
            frame = read_features(land_path, "land.file")
        except GeometryError as exc:
            problems.append(Problem(exc.source, exc.field, exc.value, exc.reason))
            return None
    if "role" not in frame.columns:
        problems.append(Problem(source, "features.role", "<missing>", f"each feature needs a role: one of {ROLES}"))
        return None
    missing = [i for i, r in enumerate(frame["role"]) if _missing(r)]
    if missing:
        problems.append(Problem(source, f"features[{missing[0]}].role", "<missing>",
                                f"each feature needs a role: one of {ROLES} ({len(missing)} feature(s) without)"))
        return None
    bad = sorted({str(r) for r in frame["role"]} - set(ROLES))
    if bad:
        problems.append(Problem(source, "features.role", ", ".join(bad), f"unknown role (use {ROLES})"))
        return None
    parcels = frame[frame["role"] == "parcel"]
    if len(parcels) != 1:
        problems.append(Problem(source, "features.role", f"{len(parcels)} parcels", "exactly one feature must have role 'parcel'"))
        return None
    buildings = frame[frame["role"] == "building"]
    ids = [None if _missing(i) else str(i) for i in buildings["id"]] if "id" in buildings.columns else [None] * len(buildings)
    if None in ids:
        problems.append(Problem(source, "features.id", "<missing>", "each building feature needs an id (an entry of land.buildings)"))
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
    try:
        return resolve_land(
            parcels.geometry,
            frame[frame["role"] == "exclusion"].geometry,
            gpd.GeoSeries([by_id[b] for b in wanted], crs=frame.crs),
            site.land.setback_m,
            source,
        )
    except GeometryError as exc:
        problems.append(Problem(exc.source, exc.field, exc.value, exc.reason))
        return None


def _missing(value: Any) -> bool:
    """A property absent from a feature (None, or NaN in a frame)."""
    return value is None or (isinstance(value, float) and math.isnan(value))
