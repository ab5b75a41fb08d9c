"""A validated portfolio (descriptors, catalog, each site's resolved land) and its dump back to
descriptor files. Built by :mod:`planner.describe.assembly`; see :mod:`planner.describe.loading`."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import geopandas as gpd

    from planner.describe.descriptors import Catalog, PortfolioSpec, Site
    from planner.describe.geometry import LandGeometry

BUNDLED_CATALOG = "bundled"
"""The `catalog:` value that names the catalog shipped with the package."""


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
        from planner.describe.geometry import sites_frame

        parcels = [self.land[s.id].parcel_wgs84() for s in self.sites]
        return sites_frame(rows, parcels)

    def dump(self, directory: str | Path) -> Path:
        """Write the portfolio to `directory` as descriptors (YAML) with its land and catalog
        files, at the same relative paths, so that load -> dump -> load gives equal objects."""
        from planner.describe.descriptors import Site

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
