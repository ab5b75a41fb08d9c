"""Tests for planner.describe.geometry: land validation, reprojection and area maths."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pyproj
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.describe.geometry import (
    GeometryError,
    LandGeometry,
    features_frame,
    geodesic_area_m2,
    read_features,
    read_polygons,
    rectangle_wgs84,
    resolve_land,
    sites_frame,
    utm_crs,
)

UTM33N = 32633
NONE = gpd.GeoSeries()


def series(*geoms, crs=UTM33N) -> gpd.GeoSeries:
    return gpd.GeoSeries(list(geoms), crs=crs)


def land(parcel, exclusions=NONE, buildings=NONE, setback_m=0.0) -> LandGeometry:
    return resolve_land(parcel, exclusions, buildings, setback_m, "inline")


def raises(parcel, exclusions=NONE, buildings=NONE, setback_m=0.0) -> GeometryError:
    with pytest.raises(GeometryError) as info:
        resolve_land(parcel, exclusions, buildings, setback_m, "site.geojson")
    return info.value


# ---------------------------------------------------------------- strategies
# Shapes are built as metre offsets around the origin, then placed either in
# UTM 33N or, through a local equirectangular scaling, in EPSG:4326.


def _star(gaps_radii):
    """Star-shaped polygon: vertices at increasing angles (all gaps < pi), so it is simple."""
    gaps, radii = zip(*gaps_radii)
    total = sum(gaps)
    angles = [2 * math.pi * sum(gaps[:k]) / total for k in range(len(gaps))]
    return shapely.Polygon([(r * math.cos(a), r * math.sin(a)) for a, r in zip(angles, radii)])


stars = st.lists(st.tuples(st.floats(1.0, 2.5), st.floats(20.0, 600.0)), min_size=4, max_size=12).map(_star)
rectangles = st.builds(
    lambda w, h, rot: shapely.affinity.rotate(shapely.box(-w / 2, -h / 2, w / 2, h / 2), rot, (0, 0)),
    st.floats(20.0, 1200.0),
    st.floats(20.0, 1200.0),
    st.floats(0.0, 180.0),
)
hulls = (
    st.lists(st.tuples(st.floats(-600.0, 600.0), st.floats(-600.0, 600.0)), min_size=3, max_size=15)
    .map(lambda pts: shapely.MultiPoint(pts).convex_hull)
    .filter(lambda g: g.geom_type == "Polygon" and g.area > 100)
)
shapes_m = st.one_of(stars, rectangles, hulls)


@st.composite
def placed(draw, shape_m):
    """A metre-offset shape placed in UTM 33N or in lon/lat at a random site."""
    if draw(st.booleans()):
        return series(shapely.affinity.translate(shape_m, 500_000, 5_500_000))
    lon, lat = draw(st.floats(-170.0, 170.0)), draw(st.floats(-70.0, 70.0))
    m_per_deg = 111_320.0
    geom = shapely.affinity.affine_transform(
        shape_m, [1 / (m_per_deg * math.cos(math.radians(lat))), 0, 0, 1 / m_per_deg, lon, lat]
    )
    return series(geom, crs=4326)


@st.composite
def sites(draw):
    """(parcel, exclusions) in one CRS; the exclusion is an optional disc near the centre."""
    shape = draw(shapes_m)
    disc = st.tuples(st.floats(-300, 300), st.floats(-300, 300), st.floats(5, 200))
    discs = draw(st.lists(disc, max_size=1))
    geoms = [shape] + [shapely.Point(x, y).buffer(r) for x, y, r in discs]
    layer = draw(placed(shapely.GeometryCollection(geoms)))
    parts = list(layer.iloc[0].geoms)
    return gpd.GeoSeries(parts[:1], crs=layer.crs), gpd.GeoSeries(parts[1:], crs=layer.crs)


# ---------------------------------------------------------------- properties


@settings(max_examples=150, deadline=None)
@given(site=sites(), setbacks=st.tuples(st.floats(0.0, 300.0), st.floats(0.0, 300.0)))
def test_buildable_area_bounded_and_non_increasing_in_setback(site, setbacks):
    parcel, exclusions = site
    small, large = sorted(setbacks)
    near = land(parcel, exclusions, setback_m=small)
    far = land(parcel, exclusions, setback_m=large)
    assert near.buildable_area_m2 <= near.parcel_area_m2 * (1 + 1e-9)
    assert far.buildable_area_m2 <= near.buildable_area_m2 + 1e-6 * near.parcel_area_m2
    assert far.buildable.difference(near.buildable).area <= 1e-6 * near.parcel_area_m2


@pytest.mark.parametrize(
    "lon, lat",
    [(55.2, 53.9), (-102.02, 31.0), (-106.4, 31.8), (12.5, 64.1), (151.2, -33.9), (0.3, 0.2), (-63.5, -40.0)],
)
def test_reprojected_area_within_1pct_of_geodesic(lon, lat):
    dlon, dlat = 0.03, 0.02  # about 2 km x 2 km
    parcel = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    geodesic = geodesic_area_m2(parcel)
    resolved = land(series(parcel, crs=4326))
    assert resolved.parcel_area_m2 == pytest.approx(geodesic, rel=0.01)
    assert resolved.buildable_area_m2 == pytest.approx(geodesic, rel=0.01)


@pytest.mark.parametrize("target", [3857, 32640, 3035])
def test_changing_input_crs_keeps_buildable_area(target):
    parcel = series(rectangle_wgs84(55.2, 53.9, 900, 500, 25), crs=4326)
    exclusion = series(shapely.Point(55.2, 53.9).buffer(0.001), crs=4326)  # semi-axes ~66 m E-W, ~111 m N-S
    reference = land(parcel, exclusion, setback_m=30)
    expected = (900 - 60) * (500 - 60) - geodesic_area_m2(exclusion.iloc[0])
    assert reference.buildable_area_m2 == pytest.approx(expected, rel=2e-3)
    moved = land(parcel.to_crs(target), exclusion.to_crs(target), setback_m=30)
    assert moved.crs == reference.crs
    assert moved.buildable_area_m2 == pytest.approx(reference.buildable_area_m2, rel=1e-3)


# ---------------------------------------------------------------- exact cases


def test_setback_exclusion_and_building_areas_exact():
    parcel = series(shapely.box(500_000, 5_000_000, 500_100, 5_000_100))
    exclusion = series(shapely.box(499_950, 4_999_950, 500_050, 5_000_050))  # extends outside the parcel
    buildings = series(
        shapely.box(500_000, 5_000_080, 500_020, 5_000_100),  # 10x10 within buildable
        shapely.box(500_060, 5_000_060, 500_080, 5_000_080),
    )  # wholly buildable, 400
    resolved = land(parcel, exclusion, buildings, setback_m=10)
    assert resolved.crs.to_epsg() == UTM33N
    assert resolved.parcel_area_m2 == pytest.approx(10_000)
    assert resolved.buildable_area_m2 == pytest.approx(80 * 80 - 40 * 40)
    assert resolved.building_area_m2 == pytest.approx(100 + 400)
    assert len(resolved.buildings) == 2


def test_setback_consuming_parcel_gives_zero_not_error():
    resolved = land(series(shapely.box(500_000, 5_000_000, 500_100, 5_000_100)), setback_m=50.01)
    assert resolved.buildable_area_m2 == 0
    assert resolved.parcel_area_m2 == pytest.approx(10_000)


@pytest.mark.parametrize("setback", [1e-300, 1e-9, 9e-4])
def test_sub_millimetre_setback_keeps_parcel(setback):
    """GEOS erodes this square to nothing for a 1e-9 m buffer; such setbacks count as 0."""
    resolved = land(series(shapely.box(500_000, 5_500_000, 500_020, 5_500_020)), setback_m=setback)
    assert resolved.buildable_area_m2 == pytest.approx(400)


def test_multi_feature_parcel_is_unioned():
    lots = series(
        shapely.box(500_000, 5_000_000, 500_100, 5_000_100), shapely.box(500_100, 5_000_000, 500_200, 5_000_100)
    )
    resolved = land(lots, setback_m=10)
    assert resolved.buildable_area_m2 == pytest.approx(180 * 80)


@pytest.mark.parametrize(
    "lon, lat, epsg",
    [
        (-0.1, 51.5, 32630),
        (151.2, -33.9, 32756),
        (-106.4, 31.8, 32613),
        (-180.0, 0.0, 32601),
        (179.99, -1.0, 32760),
        (55.2, 53.9, 32640),
        (-102.01, 31.0, 32613),
        (-101.99, 31.0, 32614),
    ],
)
def test_utm_zone(lon, lat, epsg):
    assert utm_crs(lon, lat).to_epsg() == epsg


def test_utm_rejects_out_of_range():
    with pytest.raises(ValueError):
        utm_crs(500_000, 4_000_000)


@pytest.mark.parametrize("lon, lat", [(55.2, 53.9), (-106.4, 31.8), (-102.02, 31.0), (151.2, -33.9), (12.5, 64.1)])
@pytest.mark.parametrize("rotation", [0.0, 30.0, 90.0])
def test_rectangle_wgs84_true_size_and_bearing(lon, lat, rotation):
    """Ground sizes hold to 1 cm and the long side bears 90° - rotation (even at a zone edge)."""
    geod = pyproj.Geod(ellps="WGS84")
    rect = rectangle_wgs84(lon, lat, 400, 100, rotation)
    assert geodesic_area_m2(rect) == pytest.approx(40_000, rel=1e-4)
    assert rect.centroid.distance(shapely.Point(lon, lat)) < 1e-6
    coords = list(rect.exterior.coords)
    edges = [geod.inv(*a, *b) for a, b in zip(coords, coords[1:])]
    assert sorted(round(length, 2) for _, _, length in edges) == [100, 100, 400, 400]
    for azimuth, _, length in edges:
        if length > 200:
            offset = (azimuth - (90 - rotation)) % 180
            assert min(offset, 180 - offset) < 0.01


def test_to_wgs84_round_trip():
    parcel = rectangle_wgs84(-106.4, 31.8, 600, 400, 15)
    building = rectangle_wgs84(-106.4, 31.8, 50, 30)
    resolved = land(series(parcel, crs=4326), buildings=series(building, crs=4326), setback_m=20)
    out = resolved.to_wgs84()
    assert out.crs.to_epsg() == 4326
    assert list(out["layer"]) == ["parcel", "buildable", "building"]
    assert geodesic_area_m2(out.geometry.iloc[0]) == pytest.approx(geodesic_area_m2(parcel), rel=1e-6)
    assert geodesic_area_m2(out.geometry.iloc[1]) == pytest.approx(resolved.buildable_area_m2, rel=0.002)
    assert out.geometry.iloc[2].equals_exact(building, tolerance=1e-9)


def test_geodesic_area_ignores_orientation():
    ccw = shapely.box(-106.41, 31.79, -106.39, 31.81)
    cw = shapely.Polygon(list(ccw.exterior.coords)[::-1])
    assert not cw.exterior.is_ccw
    assert geodesic_area_m2(cw) == geodesic_area_m2(ccw) > 0
    assert geodesic_area_m2(ccw) == pytest.approx(1890.0 * 2224.0, rel=0.01)


def test_sites_frame():
    geoms = [rectangle_wgs84(-106.4, 31.8, 100, 100), rectangle_wgs84(55.2, 53.9, 100, 100)]
    frame = sites_frame([{"site": "a", "mw": 10}, {"site": "b", "mw": 20}], geoms)
    assert frame.crs.to_epsg() == 4326
    assert list(frame["site"]) == ["a", "b"]
    assert frame.geometry.iloc[1].equals(geoms[1])
    with pytest.raises(ValueError, match="1 rows but 2 geometries"):
        sites_frame([{"site": "a"}], geoms)


# ---------------------------------------------------------------- rejections


def test_building_outside_parcel_names_index():
    parcel = series(shapely.box(500_000, 5_000_000, 500_100, 5_000_100))
    buildings = series(
        shapely.box(500_010, 5_000_010, 500_020, 5_000_020), shapely.box(500_090, 5_000_090, 500_110, 5_000_110)
    )
    err = raises(parcel, buildings=buildings)
    assert err.field == "land.buildings[1]"
    assert "not inside the parcel" in err.reason
    assert str(err) == f"site.geojson: land.buildings[1]: {err.value}: {err.reason}"


def test_building_tolerance_is_0_1_m():
    parcel = series(shapely.box(500_000, 5_000_000, 500_100, 5_000_100))
    land(parcel, buildings=series(shapely.box(500_050, 5_000_050, 500_100.05, 5_000_060)))
    err = raises(parcel, buildings=series(shapely.box(500_050, 5_000_050, 500_100.5, 5_000_060)))
    assert err.field == "land.buildings[0]"


def test_exclusion_outside_parcel_allowed():
    parcel = series(shapely.box(500_000, 5_000_000, 500_100, 5_000_100))
    far = series(shapely.box(600_000, 5_000_000, 600_100, 5_000_100))
    assert land(parcel, far).buildable_area_m2 == pytest.approx(10_000)


def test_bowtie_rejected_with_self_intersection_reason():
    bowtie = shapely.Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])
    err = raises(series(shapely.affinity.translate(bowtie, 500_000, 5_000_000)))
    assert err.field == "land.parcel[0]"
    assert "self-intersection" in err.reason.lower()


def test_invalid_exclusion_rejected():
    parcel = series(shapely.box(500_000, 5_000_000, 500_100, 5_000_100))
    bowtie = shapely.Polygon([(0, 0), (50, 50), (50, 0), (0, 50)])
    bowtie = shapely.affinity.translate(bowtie, 500_000, 5_000_000)
    assert raises(parcel, series(bowtie)).field == "land.exclusions[0]"


@pytest.mark.parametrize("parcel", [series(shapely.Polygon()), series(None), gpd.GeoSeries([], crs=UTM33N)])
def test_empty_rejected(parcel):
    assert "empty" in raises(parcel).reason


def test_non_polygon_rejected():
    err = raises(series(shapely.LineString([(500_000, 5_000_000), (500_100, 5_000_100)])))
    assert "LineString" in err.value


@pytest.mark.parametrize("setback", [-1.0, math.nan, math.inf])
def test_bad_setback_rejected(setback):
    err = raises(series(shapely.box(500_000, 5_000_000, 500_100, 5_000_100)), setback_m=setback)
    assert err.field == "land.setback_m"


def test_projected_metres_labelled_wgs84_rejected():
    err = raises(series(shapely.box(500_000, 4_000_000, 500_100, 4_000_100), crs=4326))
    assert "wrong CRS" in err.reason
    assert err.field == "land.parcel[0]"


def test_coordinates_outside_projection_rejected():
    err = raises(series(shapely.box(1e9, 1e9, 1e9 + 100, 1e9 + 100)))
    assert "wrong CRS" in err.reason


def test_layer_without_crs_rejected():
    err = raises(series(shapely.box(0, 0, 1, 1), crs=None))
    assert "no CRS" in err.reason


# ---------------------------------------------------------------- files


def _feature_collection(coords, crs_name=None) -> dict:
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [coords]}}],
    }
    if crs_name:
        doc["crs"] = {"type": "name", "properties": {"name": crs_name}}
    return doc


def test_geojson_without_crs_is_wgs84(tmp_path):
    parcel = rectangle_wgs84(-106.4, 31.8, 600, 400)
    path = tmp_path / "parcel.geojson"
    path.write_text(json.dumps(_feature_collection(list(parcel.exterior.coords))))
    read = read_polygons(path, "land.parcel")
    assert read.crs.to_epsg() == 4326
    assert land(read, setback_m=0).parcel_area_m2 == pytest.approx(240_000, rel=0.002)


def test_geojson_with_crs_member(tmp_path):
    coords = list(shapely.box(500_000, 5_000_000, 500_100, 5_000_100).exterior.coords)
    path = tmp_path / "parcel.geojson"
    path.write_text(json.dumps(_feature_collection(coords, "urn:ogc:def:crs:EPSG::32633")))
    read = read_polygons(path, "land.parcel")
    assert read.crs.to_epsg() == UTM33N
    assert land(read, setback_m=10).buildable_area_m2 == pytest.approx(6_400)


def test_geojson_in_metres_without_crs_rejected(tmp_path):
    coords = [[500_000, 4_000_000], [500_100, 4_000_000], [500_100, 4_000_100], [500_000, 4_000_000]]
    path = tmp_path / "parcel.geojson"
    path.write_text(json.dumps(_feature_collection(coords)))
    with pytest.raises(GeometryError, match="wrong CRS"):
        resolve_land(read_polygons(path, "land.parcel"), NONE, NONE, 0.0, str(path))


@pytest.mark.parametrize("name", ["parcel.shp", "parcel.gpkg"])
def test_shapefile_and_gpkg(tmp_path, name):
    parcel = rectangle_wgs84(55.2, 53.9, 300, 200, 10)
    path = tmp_path / name
    gpd.GeoDataFrame({"id": [1]}, geometry=[parcel], crs=4326).to_crs(32640).to_file(path)
    read = read_polygons(path, "land.parcel")
    assert read.crs.to_epsg() == 32640
    direct = land(series(parcel, crs=4326))
    assert land(read).parcel_area_m2 == pytest.approx(direct.parcel_area_m2, rel=1e-9)
    assert geodesic_area_m2(read.to_crs(4326).iloc[0]) == pytest.approx(60_000, rel=1e-6)


def test_shapefile_without_prj_rejected(tmp_path):
    path = tmp_path / "parcel.shp"
    gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100)], crs=UTM33N).to_file(path)
    (tmp_path / "parcel.prj").unlink()
    with pytest.raises(GeometryError, match="no CRS") as info:
        read_polygons(path, "land.parcel")
    assert info.value.source == str(path)


@pytest.mark.parametrize("content", [None, "not a geometry file"])
def test_unreadable_file_names_path(tmp_path, content):
    path = tmp_path / "parcel.geojson"
    if content is not None:
        path.write_text(content)
    with pytest.raises(GeometryError) as info:
        read_polygons(path, "land.parcel")
    assert str(info.value).startswith(f"{path}: land.parcel: ")
    assert info.value.field == "land.parcel"


def test_read_features_keeps_properties(tmp_path):
    doc = _feature_collection(list(rectangle_wgs84(-106.4, 31.8, 600, 400).exterior.coords))
    doc["features"][0]["properties"] = {"role": "parcel", "id": "p1"}
    path = tmp_path / "land.geojson"
    path.write_text(json.dumps(doc))
    frame = read_features(path, "land.file")
    assert frame.crs.to_epsg() == 4326
    assert list(frame["role"]) == ["parcel"] and list(frame["id"]) == ["p1"]


def test_features_frame_crs_and_properties():
    coords = list(shapely.box(500_000, 5_000_000, 500_100, 5_000_100).exterior.coords)
    doc = _feature_collection(coords)
    doc["features"][0]["properties"] = {"role": "parcel"}
    frame = features_frame(doc)
    assert frame.crs.to_epsg() == 4326 and list(frame["role"]) == ["parcel"]
    with pytest.raises(GeometryError, match="wrong CRS"):
        resolve_land(frame.geometry, NONE, NONE, 0.0, "inline")
    legacy = features_frame(_feature_collection(coords, "urn:ogc:def:crs:EPSG::32633"))
    assert legacy.crs.to_epsg() == UTM33N
    assert land(legacy.geometry, setback_m=10).buildable_area_m2 == pytest.approx(6_400)


@pytest.mark.parametrize(
    "doc, error, match",
    [
        ({"type": "Feature", "properties": {}, "geometry": None}, ValueError, "expected a FeatureCollection"),
        ([], ValueError, "expected a FeatureCollection"),
        (
            {
                "type": "FeatureCollection",
                "features": [],
                "crs": {"type": "name", "properties": {"name": "EPSG:99999"}},
            },
            ValueError,
            "unknown crs",
        ),
        ({"type": "FeatureCollection"}, KeyError, "features"),
        ({"type": "FeatureCollection", "features": [{}]}, KeyError, "geometry"),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]},
                    }
                ],
            },
            ValueError,
            "4 coordinates",
        ),
    ],
)
def test_features_frame_rejects_malformed(doc, error, match):
    """Each is one of the exceptions the loader turns into an input problem."""
    with pytest.raises(error, match=match):
        features_frame(doc)
