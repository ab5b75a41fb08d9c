"""Hall modules placed on a site's land, for the parcel map: a simple deterministic packing.

The plan counts land by area only (``land_buildings``, ``land_buildable`` in
:mod:`planner.model.land`), so a plan may hold more halls than fit as rectangles. This module
draws what fits and counts what does not; the map says so instead of drawing halls wrongly.

A hall of footprint A is a rectangle w x d = A, tried in the shapes of :func:`hall_shapes`:
the preferred d0 = min(sqrt(A / ASPECT), s) for a container of short side s, then as deep as
the container (d = s, a hall spanning a building's width), then thinner (0.8 d0, 0.65 d0),
each no longer than MAX_ASPECT times its depth; w lies along the container's long axis (the
longest edge of its minimum rotated rectangle), then across it. Packing, in the container's frame
(rotated by -theta so the rectangle is axis-aligned): candidate lower-left corners lie on a
grid of pitch (w / N, d / N) from the container's lower-left bound, so rows and columns of
abutting halls lie on the grid; every candidate fully covered by the container is taken in
row-major order (bottom row first, left to right) unless it overlaps a hall already placed.
On the grid, two halls at (i, j) and (i', j') overlap iff |i - i'| < N and |j - j'| < N, so
the overlap test is exact integer arithmetic. The first shape and orientation placing the
most halls wins.

Conversion halls go inside the site's mining buildings (each clipped to the buildable
land), buildings in file order, each filled before the next; new builds go on the
buildable land outside the buildings, oriented like the parcel.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.affinity import rotate
from shapely.geometry.base import BaseGeometry

ASPECT = 5.0 / 3.0
"""Preferred long side / short side of a hall module (estimate: 20 MW halls ~100 m x 60 m)."""
MAX_ASPECT = 6.0
"""A hall longer than this many times its depth is not drawn (it does not fit)."""
GRID_STEPS = 10
"""Grid pitches per hall side (N above): finer places more in odd shapes, costs N^2 more."""
MAX_CANDIDATES = 400_000
"""Upper bound on candidate positions per container and orientation (N is lowered to fit)."""
TOLERANCE_M = 1e-3
"""A hall may stick out of its container by this much (m): float noise of the rotation and of
halls exactly as deep as a building is wide."""


@dataclass(frozen=True)
class HallRequest:
    """Hall modules of one catalog type to place at a site."""

    hall_id: str
    kind: str  # "conversion" (inside buildings) or "new_build" (on free buildable land)
    footprint_m2: float
    count: int


@dataclass(frozen=True)
class PlacedHall:
    """One hall module drawn on the map, in the land's local metric CRS."""

    hall_id: str
    kind: str
    polygon: shapely.Polygon


@dataclass(frozen=True)
class SiteLayout:
    """What :func:`place_halls` drew, and how many of each request it could not."""

    placed: tuple[PlacedHall, ...]
    requests: tuple[HallRequest, ...]

    def placed_count(self, hall_id: str) -> int:
        """Halls of ``hall_id`` drawn."""
        return sum(1 for h in self.placed if h.hall_id == hall_id)

    def unplaced(self) -> dict[str, int]:
        """Hall id -> halls requested but not drawn (only ids with some left over)."""
        left = {r.hall_id: r.count - self.placed_count(r.hall_id) for r in self.requests}
        return {k: v for k, v in left.items() if v > 0}


def long_axis_deg(geom: BaseGeometry) -> float:
    """Angle (degrees, in [0, 180)) of the longest edge of ``geom``'s minimum rotated rectangle."""
    box = shapely.minimum_rotated_rectangle(geom)
    if box.geom_type != "Polygon":
        return 0.0
    xy = np.asarray(box.exterior.coords)
    edges = np.diff(xy, axis=0)
    dx, dy = edges[int(np.argmax(np.hypot(edges[:, 0], edges[:, 1])))]
    return float(math.degrees(math.atan2(dy, dx)) % 180.0)


def short_side_m(geom: BaseGeometry) -> float:
    """Shorter side of ``geom``'s minimum rotated rectangle (0 for a degenerate geometry)."""
    box = shapely.minimum_rotated_rectangle(geom)
    if box.geom_type != "Polygon":
        return 0.0
    xy = np.asarray(box.exterior.coords)
    sides = np.hypot(*np.diff(xy, axis=0)[:2].T)
    return float(sides.min())


DEPTH_STEPS = (0.8, 0.65)
"""Thinner hall shapes tried, as shares of the preferred depth."""


def hall_size(footprint_m2: float, short_side: float) -> tuple[float, float] | None:
    """(w, d) in m of the preferred hall of ``footprint_m2`` in a container whose short side
    is ``short_side``: d = min(sqrt(A / ASPECT), short_side), w = A / d; None when the
    longer side would exceed MAX_ASPECT times the shorter."""
    return _shape(footprint_m2, min(math.sqrt(footprint_m2 / ASPECT), short_side))


def _shape(footprint_m2: float, depth: float) -> tuple[float, float] | None:
    if depth <= 0:
        return None
    width = footprint_m2 / depth
    return (width, depth) if max(width / depth, depth / width) <= MAX_ASPECT else None


def hall_shapes(footprint_m2: float, short_side: float) -> list[tuple[float, float]]:
    """Hall shapes (w, d) to try, in order, without repeats: the preferred one
    (:func:`hall_size`), one as deep as the container, then thinner ones (DEPTH_STEPS)."""
    d0 = min(math.sqrt(footprint_m2 / ASPECT), short_side)
    out: list[tuple[float, float]] = []
    for depth in (d0, short_side, *(f * d0 for f in DEPTH_STEPS)):
        shape = _shape(footprint_m2, min(depth, short_side))
        if shape is not None and all(not math.isclose(shape[1], d, rel_tol=1e-9) for _, d in out):
            out.append(shape)
    return out


def pack_rectangles(
    container: BaseGeometry, width: float, depth: float, count: int, angle_deg: float
) -> list[shapely.Polygon]:
    """Up to ``count`` non-overlapping ``width`` x ``depth`` rectangles, long side at
    ``angle_deg``, each covered by ``container`` grown by TOLERANCE_M (grid packing; see the
    module docstring)."""
    if count <= 0 or container.is_empty or width <= 0 or depth <= 0:
        return []
    origin = container.centroid
    frame = rotate(container, -angle_deg, origin=origin)
    x0, y0, x1, y1 = frame.bounds
    n = GRID_STEPS
    while n > 1 and ((x1 - x0) * n / width + 1) * ((y1 - y0) * n / depth + 1) > MAX_CANDIDATES:
        n -= 1
    nx = int(math.floor((x1 - x0 - width) / (width / n) + 1e-9)) + 1
    ny = int(math.floor((y1 - y0 - depth) / (depth / n) + 1e-9)) + 1
    if nx <= 0 or ny <= 0:
        return []
    gx = x0 + np.arange(nx) * (width / n)
    gy = y0 + np.arange(ny) * (depth / n)
    xx, yy = np.meshgrid(gx, gy)  # [ny, nx]
    boxes = shapely.box(xx, yy, xx + width, yy + depth)
    grown = frame.buffer(TOLERANCE_M, join_style="mitre")
    shapely.prepare(grown)
    fits = shapely.covers(grown, boxes)
    chosen = _greedy(fits, n, count)
    return [rotate(boxes[j, i], angle_deg, origin=origin) for j, i in chosen]


def _greedy(fits: np.ndarray, n: int, count: int) -> list[tuple[int, int]]:
    """Row-major greedy choice of grid anchors ``fits[j, i]`` that are pairwise more than
    n - 1 steps apart in x or in y (i.e. whose rectangles do not overlap)."""
    free = fits.copy()
    chosen: list[tuple[int, int]] = []
    ny, nx = free.shape
    for j in range(ny):
        i = 0
        while len(chosen) < count:
            hits = np.flatnonzero(free[j, i:])
            if not hits.size:
                break
            i += int(hits[0])
            chosen.append((j, i))
            free[max(0, j - n + 1) : j + n, max(0, i - n + 1) : i + n] = False
            i += n
            if i >= nx:
                break
        if len(chosen) == count:
            break
    return chosen


def pack_halls(
    container: BaseGeometry, footprint_m2: float, count: int, angle_deg: float | None = None
) -> list[shapely.Polygon]:
    """Up to ``count`` halls of ``footprint_m2`` inside ``container``: each shape of
    :func:`hall_shapes` with its w along, then across, ``angle_deg`` (default: the
    container's long axis); the first placing the most wins."""
    if count <= 0 or container.is_empty or container.area < footprint_m2:
        return []
    angle = long_axis_deg(container) if angle_deg is None else angle_deg
    best: list[shapely.Polygon] = []
    for width, depth in hall_shapes(footprint_m2, short_side_m(container)):
        for turn in (0.0, 90.0):
            got = pack_rectangles(container, width, depth, count, angle + turn)
            if len(got) > len(best):
                best = got
            if len(best) == count:
                return best
    return best


def place_halls(
    parcel: BaseGeometry, buildable: BaseGeometry, buildings: Sequence[BaseGeometry], requests: Sequence[HallRequest]
) -> SiteLayout:
    """Conversion halls inside ``buildings`` ∩ ``buildable`` (buildings in order), new builds
    on ``buildable`` minus the buildings, oriented like ``parcel``; see the module docstring."""
    placed: list[PlacedHall] = []
    rooms = [b.intersection(buildable) for b in buildings]
    outside = buildable.difference(shapely.union_all(list(buildings))) if buildings else buildable
    parcel_angle = long_axis_deg(parcel) if not parcel.is_empty else 0.0
    for req in requests:
        left = req.count
        if req.kind == "conversion":
            for r, room in enumerate(rooms):
                got = pack_halls(room, req.footprint_m2, left)
                placed += [PlacedHall(req.hall_id, req.kind, g) for g in got]
                rooms[r] = room.difference(shapely.union_all(got)) if got else room
                left -= len(got)
        else:
            got = pack_halls(outside, req.footprint_m2, left, parcel_angle)
            placed += [PlacedHall(req.hall_id, req.kind, g) for g in got]
            outside = outside.difference(shapely.union_all(got)) if got else outside
    return SiteLayout(tuple(placed), tuple(requests))
