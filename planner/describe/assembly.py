"""Descriptors validated into a :class:`~planner.describe.portfolio.Portfolio`: the portfolio's
pydantic model, its catalog and site files, cross-references and dates against the horizon
(:mod:`planner.describe.checks`), financing (:mod:`planner.describe.financing_checks`), and each
site's land (:mod:`planner.describe.land_loading`, imported only here, once the YAML is valid).
Every problem is collected; one :class:`~planner.describe.errors.InputError` carries them all."""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from planner.describe.checks import check_dates, check_portfolio_parts, check_references
from planner.describe.descriptors import Catalog, PortfolioSpec, Site
from planner.describe.errors import InputError, Problem, short
from planner.describe.files import inside
from planner.describe.financing_checks import check_financing
from planner.describe.portfolio import BUNDLED_CATALOG, Portfolio
from planner.describe.yaml_reader import read_mapping

if TYPE_CHECKING:
    from planner.describe.geometry import LandGeometry

logger = logging.getLogger(__name__)


def assemble(data: Any, label: str, path: Path | None, base: Path, problems: list[Problem]) -> Portfolio:
    """The portfolio of the validated `data` (named `label` in problems; relative paths from
    `base`), its sites' files and land read and checked; raise InputError listing every problem
    (`problems` may hold some already)."""
    spec = validate_model(PortfolioSpec, data, label, problems)
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
            site_path = inside(base, base / entry, label, f"sites[{i}]", entry, problems)
            raw = read_mapping(site_path, problems) if site_path is not None else None
            site = validate_model(Site, raw, str(site_path), problems) if raw is not None else None
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
    from planner.describe.land_loading import load_land  # geopandas: only once the YAML is valid

    land: dict[str, LandGeometry] = {}
    for site in sites:
        geom = load_land(site, site_files[site.id], folders[site.id], base, problems)
        if geom is not None:
            land[site.id] = geom
    if problems or catalog is None:
        raise InputError(problems)
    logger.info("loaded portfolio %s: %d sites, %d tenant offers", spec.name, len(sites), len(spec.tenants))
    return Portfolio(spec, catalog, tuple(sites), land, path, site_files, base)


def bundled_catalog() -> Catalog:
    """The catalog shipped with the package (planner/data/catalog.yaml), read like any other."""
    problems: list[Problem] = []
    with resources.as_file(resources.files("planner").joinpath("data/catalog.yaml")) as path:
        raw = read_mapping(path, problems)
        catalog = validate_model(Catalog, raw, str(path), problems) if raw is not None else None
    if catalog is None:
        raise InputError(problems)
    return catalog


def validate_model(model: type[BaseModel], data: Any, file: str, problems: list[Problem]) -> Any:
    """`model` validated from `data`, or None with pydantic's errors appended as problems of `file`."""
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


def _load_catalog(spec: PortfolioSpec, label: str, base: Path, problems: list[Problem]) -> Catalog | None:
    if isinstance(spec.catalog, Catalog):
        return spec.catalog
    if spec.catalog == BUNDLED_CATALOG:
        return bundled_catalog()
    cat_path = inside(base, base / spec.catalog, label, "catalog", spec.catalog, problems)
    if cat_path is None:
        return None
    raw = read_mapping(cat_path, problems)
    return validate_model(Catalog, raw, str(cat_path), problems) if raw is not None else None
