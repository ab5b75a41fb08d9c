"""Land features without geopandas: a site's GeoJSON features as shapely geometries with their
properties and CRS, and reprojection with one cached pyproj Transformer per pair of CRSs.

Loading a portfolio used to build a GeoDataFrame per site (and a GeoSeries per layer): 20-57 ms a
site, a third of loading a 100-site portfolio. The results here are those geopandas gives, bit
for bit: :func:`reproject` is ``GeoSeries.to_crs`` (same transformer, same arrays, no-op on the
exact same CRS) and :meth:`Features.column` types a property the way a frame's column does
(numbers with a missing value become floats).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    import geopandas as gpd


NO_GEOMETRY = (
    "Assigning CRS to a GeoDataFrame without a geometry column is not supported. Supply geometry using the "
    "'geometry=' keyword argument, or by providing a DataFrame with column name 'geometry'"
)
"""What geopandas says of features whose ``geometry`` property is not a geometry (kept verbatim)."""


@dataclass(frozen=True)
class Layer:
    """Geometries (None where a feature has none) in one CRS: what
    :func:`planner.describe.geometry.resolve_land` takes for each layer (as is a GeoSeries)."""

    geoms: tuple[BaseGeometry | None, ...]
    crs: pyproj.CRS | None

    def __len__(self) -> int:
        return len(self.geoms)

    def __iter__(self) -> Iterator[BaseGeometry | None]:
        return iter(self.geoms)


@dataclass(frozen=True)
class Features:
    """The features of a FeatureCollection (or a vector file): geometries, property columns
    (None where a feature lacks the property) and CRS."""

    geoms: tuple[BaseGeometry | None, ...]
    columns: dict[str, list[Any]]
    crs: pyproj.CRS | None

    def column(self, name: str) -> list[Any] | None:
        """The values of property `name` (None if no feature has it)."""
        return self.columns.get(name)

    def layer(self, name: str, value: str) -> Layer:
        """The geometries of the features whose property `name` equals `value`, in order."""
        values = self.columns.get(name, [None] * len(self.geoms))
        return Layer(tuple(g for g, v in zip(self.geoms, values) if v == value), self.crs)


def from_collection(features: Sequence[Any], crs: pyproj.CRS) -> Features:
    """The features of a GeoJSON ``features`` list as ``GeoDataFrame.from_features`` reads them
    (each geometry by ``shapely.geometry.shape``; a property named ``geometry`` replaces it, and
    must then be a geometry or None);
    malformed input raises what it raises (KeyError, TypeError, ValueError, AttributeError)."""
    rows = []
    for feature in features:
        row: dict[str, Any] = {"geometry": shape(feature["geometry"]) if feature["geometry"] else None}
        row.update(feature.get("properties") or {})
        rows.append(row)
    geoms = tuple(row.pop("geometry") for row in rows)
    bad = next((g for g in geoms if g is not None and not isinstance(g, BaseGeometry)), None)
    if bad is not None:
        raise ValueError(NO_GEOMETRY)
    names = list(dict.fromkeys(k for row in rows for k in row))
    return Features(geoms, {n: _typed([row.get(n) for row in rows]) for n in names}, crs)


def from_frame(frame: gpd.GeoDataFrame) -> Features:
    """The features of a GeoDataFrame (as read from a file), its columns as they are."""
    name = frame.geometry.name
    columns = {str(c): list(frame[c]) for c in frame.columns if c != name}
    return Features(tuple(frame.geometry), columns, frame.crs)


def _typed(values: list[Any]) -> list[Any]:
    """A property's values as a frame's column holds them: numbers (not bools) that are all
    ints with none missing stay ints; with a float or a missing value, all become floats."""
    present = [v for v in values if v is not None]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
    if present and numbers and (len(present) < len(values) or any(isinstance(v, float) for v in present)):
        return [math.nan if v is None else float(v) for v in values]
    return values


@lru_cache(maxsize=64)
def transformer(source: pyproj.CRS, target: pyproj.CRS) -> pyproj.Transformer:
    """The lon/lat-ordered (always_xy) transformer from `source` to `target`, built once."""
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


def reproject(geoms: Sequence[BaseGeometry | None], source: pyproj.CRS, target: pyproj.CRS) -> np.ndarray:
    """`geoms` (in `source`) in `target`, as an object array: what ``GeoSeries.to_crs`` returns
    (the geometries themselves when the CRSs are exactly the same; z kept where present)."""
    data = np.empty(len(geoms), dtype=object)
    data[:] = list(geoms)
    if source.is_exact_same(target):
        return data
    fn = transformer(source, target).transform
    has_z = shapely.has_z(data)
    result = np.empty_like(data)
    flat = shapely.get_coordinates(data[~has_z], include_z=False)
    result[~has_z] = shapely.set_coordinates(data[~has_z].copy(), np.array(fn(flat[:, 0], flat[:, 1])).T)
    deep = shapely.get_coordinates(data[has_z], include_z=True)
    result[has_z] = shapely.set_coordinates(data[has_z].copy(), np.array(fn(deep[:, 0], deep[:, 1], deep[:, 2])).T)
    return result
