"""Hall modules placed on land for the parcel map (planner.report.layout).

The packing's two promises, checked as properties on random containers: every placed hall
lies inside its container (within TOLERANCE_M) and no two overlap; plus fixed cases whose
answer is known by hand, which a packer that skipped either check would get wrong.
"""

from __future__ import annotations

import itertools
import math

import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.affinity import rotate, translate

from planner.report import layout
from planner.report.layout import HallRequest, hall_size, long_axis_deg, pack_halls, pack_rectangles, place_halls

TOL_AREA_M2 = 1e-3


def check_packing(container: shapely.Geometry, halls: list[shapely.Polygon], footprint_m2: float, count: int) -> None:
    """Each hall has the footprint, lies in the container, overlaps no other; at most count."""
    assert len(halls) <= count
    grown = container.buffer(layout.TOLERANCE_M + 1e-6, join_style="mitre")
    for h in halls:
        assert h.area == pytest.approx(footprint_m2, rel=1e-9)
        assert grown.covers(h), f"hall {h.wkt} outside the container"
    for a, b in itertools.combinations(halls, 2):
        assert a.intersection(b).area <= TOL_AREA_M2, "halls overlap"


@st.composite
def containers(draw: st.DrawFn) -> shapely.Geometry:
    """A union of one to three rectangles (tens to hundreds of m), rotated, maybe with a hole."""
    boxes = []
    for _ in range(draw(st.integers(1, 3))):
        x, y = draw(st.floats(-200, 200)), draw(st.floats(-200, 200))
        w, h = draw(st.floats(20, 400)), draw(st.floats(20, 400))
        boxes.append(shapely.box(x, y, x + w, y + h))
    shape = shapely.union_all(boxes)
    if draw(st.booleans()):
        c = shape.centroid
        shape = shape.difference(c.buffer(draw(st.floats(5, 60))))
    return rotate(shape, draw(st.floats(0, 180)), origin=(0, 0))


@given(containers(), st.floats(300, 20_000), st.integers(1, 15))
def test_packed_halls_lie_inside_and_do_not_overlap(container, footprint_m2, count):
    check_packing(container, pack_halls(container, footprint_m2, count), footprint_m2, count)


@given(containers(), st.floats(300, 20_000), st.integers(1, 15))
def test_packing_is_deterministic(container, footprint_m2, count):
    first = [h.wkt for h in pack_halls(container, footprint_m2, count)]
    assert first == [h.wkt for h in pack_halls(container, footprint_m2, count)]


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 137.0])
def test_a_strip_holds_exactly_as_many_halls_as_its_length_allows(angle):
    """A 300 m x 60 m strip holds three 100 m x 60 m halls (6,000 m2), not four: a packer that
    let halls overlap or stick out would place four."""
    strip = translate(rotate(shapely.box(0, 0, 300, 60), angle, origin=(0, 0)), 5e5, 4.8e6)
    halls = pack_halls(strip, 6000.0, 4)
    assert len(halls) == 3
    check_packing(strip, halls, 6000.0, 4)


def test_a_square_holds_a_full_grid():
    """A 300 m x 180 m block holds 3 x 3 halls of 100 m x 60 m, abutting."""
    block = shapely.box(0, 0, 300, 180)
    halls = pack_rectangles(block, 100.0, 60.0, 20, 0.0)
    assert len(halls) == 9
    check_packing(block, halls, 6000.0, 20)
    assert shapely.union_all(halls).area == pytest.approx(block.area)


def test_nothing_is_placed_where_nothing_fits():
    assert pack_halls(shapely.box(0, 0, 50, 50), 6000.0, 3) == []  # smaller than one hall
    assert pack_halls(shapely.box(0, 0, 1000, 5), 6000.0, 3) == []  # too thin (MAX_ASPECT)
    assert pack_halls(shapely.Polygon(), 6000.0, 3) == []


def test_hall_size_keeps_the_footprint_and_follows_the_container():
    w, d = hall_size(6000.0, 1000.0)
    assert (w, d) == pytest.approx((100.0, 60.0))
    w, d = hall_size(6000.0, 40.0)  # a 40 m wide building: a 150 m x 40 m hall
    assert (w, d) == pytest.approx((150.0, 40.0))
    assert hall_size(6000.0, 10.0) is None  # 600 m x 10 m: no hall


@pytest.mark.parametrize("angle", [0.0, 25.0, 90.0, 160.0])
def test_long_axis_of_a_rotated_rectangle(angle):
    box = rotate(shapely.box(0, 0, 200, 50), angle, origin=(0, 0))
    assert long_axis_deg(box) == pytest.approx(angle % 180.0, abs=1e-6)


def _site():
    parcel = shapely.box(0, 0, 600, 400)
    buildable = parcel.buffer(-20).difference(shapely.box(280, -10, 310, 410))  # an easement
    buildings = [shapely.box(40, 40, 262, 100), shapely.box(40, 140, 262, 200)]
    return parcel, buildable, buildings


def test_conversions_go_in_buildings_and_new_builds_outside():
    parcel, buildable, buildings = _site()
    req = [HallRequest("conv", "conversion", 6000.0, 5), HallRequest("new", "new_build", 6000.0, 4)]
    lay = place_halls(parcel, buildable, buildings, req)
    conv = [h.polygon for h in lay.placed if h.kind == "conversion"]
    new = [h.polygon for h in lay.placed if h.kind == "new_build"]
    assert len(conv) == 4  # two 100 m halls per 222 m building
    assert lay.unplaced() == {"conv": 1}
    assert len(new) == 4 and lay.placed_count("new") == 4
    grown = [b.buffer(layout.TOLERANCE_M + 1e-6, join_style="mitre") for b in buildings]
    assert all(any(g.covers(h) for g in grown) for h in conv)
    union = shapely.union_all(buildings)
    for h in new:
        assert h.intersection(union).area <= TOL_AREA_M2
        assert buildable.buffer(layout.TOLERANCE_M + 1e-6).covers(h)
    for a, b in itertools.combinations(conv + new, 2):
        assert a.intersection(b).area <= TOL_AREA_M2


def test_a_site_without_buildings_places_no_conversion():
    parcel, buildable, _ = _site()
    lay = place_halls(parcel, buildable, [], [HallRequest("conv", "conversion", 6000.0, 2)])
    assert lay.placed == () and lay.unplaced() == {"conv": 2}


def test_grid_anchors_are_exact_multiples_of_the_hall():
    """Abutting halls share edges exactly (the grid pitch divides the hall's sides)."""
    halls = pack_rectangles(shapely.box(0, 0, 300, 60), 100.0, 60.0, 3, 0.0)
    xs = sorted(round(h.bounds[0], 6) for h in halls)
    assert xs == [0.0, 100.0, 200.0]
    assert all(math.isclose(h.bounds[1], 0.0, abs_tol=1e-6) for h in halls)
