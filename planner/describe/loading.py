"""Load descriptors from files into a validated :class:`Portfolio`.

Reads YAML (portfolio, site files, catalog) with :mod:`planner.describe.yaml_reader` first, and
only a document that reads is validated (:mod:`planner.describe.assembly`: the pydantic models of
:mod:`planner.describe.descriptors`, cross-references and dates, financing, then each site's land
with :mod:`planner.describe.land_loading`, its parcel within
:data:`~planner.describe.geometry.MAX_LOCATION_OFFSET_KM` of the site's location). The models
and geopandas are imported on that path alone, so a hostile YAML document is refused without
them. Every problem found is collected and raised together as one
:class:`~planner.describe.errors.InputError`, each naming file, field, value and reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.describe.errors import InputError, Problem
from planner.describe.portfolio import BUNDLED_CATALOG, Portfolio
from planner.describe.yaml_reader import read_mapping

if TYPE_CHECKING:
    from planner.describe.descriptors import Catalog


def load_portfolio(path: str | Path) -> Portfolio:
    """Read and validate a portfolio file; raise InputError listing every problem."""
    path = Path(path)
    problems: list[Problem] = []
    data = read_mapping(path, problems)
    if data is None:
        raise InputError(problems)
    from planner.describe.assembly import assemble

    return assemble(data, str(path), path, path.resolve().parent, problems)


def portfolio_from_dict(data: dict[str, Any], base_dir: Path, label: str = "<inline>") -> Portfolio:
    """Validate a portfolio given as plain data (paths resolved against `base_dir`;
    `label` names it in error messages)."""
    from planner.describe.assembly import assemble

    return assemble(data, label, None, Path(base_dir).resolve(), [])


def bundled_catalog() -> Catalog:
    """The catalog shipped with the package (planner/data/catalog.yaml), read like any other."""
    from planner.describe import assembly

    return assembly.bundled_catalog()


__all__ = ["BUNDLED_CATALOG", "Portfolio", "bundled_catalog", "load_portfolio", "portfolio_from_dict"]
