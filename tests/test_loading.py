"""Loading portfolios (planner.describe.loading): the bundled sites, broken inputs, round trips, land.

The broken examples live in tests/data/broken/<case>/, each a small portfolio folder whose
`expected.yaml` lists every problem `load_portfolio` must report (file, field, value, reason).
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.describe.descriptors import Catalog, Site
from planner.describe.errors import InputError, Problem
from planner.describe.geometry import geodesic_area_m2, rectangle_wgs84
from planner.describe.loading import Portfolio, bundled_catalog, load_portfolio, portfolio_from_dict
from planner.testing import synthetic as syn

ROOT = Path(__file__).resolve().parents[1]
SITES = ROOT / "sites"
BROKEN = ROOT / "tests" / "data" / "broken"
BUNDLED = sorted(SITES.glob("*.yaml"))
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())

US_MINERS_SITES = [
    "core-denton", "core-muskogee", "core-marble", "core-pecos", "core-auburn",
    "terawulf-lake-mariner", "terawulf-cayuga", "cipher-barber-lake", "cipher-odessa",
    "iren-childress", "iren-sweetwater", "iren-prince-george", "whitefiber-nc1",
    "hut8-river-bend", "hive-yguazu",
]  # fmt: skip


@functools.cache
def bundled(name: str) -> Portfolio:
    """A bundled portfolio, loaded once per test session (Portfolio is frozen)."""
    return load_portfolio(SITES / name)


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_portfolio(path)
    assert info.value.problems, "InputError without problems"
    return info.value.problems


def expected(case: str) -> list[dict[str, str]]:
    return yaml.safe_load((BROKEN / case / "expected.yaml").read_text())["problems"]


def matches(problem: Problem, want: dict[str, str], folder: Path) -> bool:
    value_ok = problem.value == want["value"] if "value" in want else problem.value.startswith(want["value_prefix"])
    return (
        Path(problem.file).resolve() == (folder / want["file"]).resolve()
        and problem.field == want["field"]
        and value_ok
        and want["reason"] in problem.reason
    )


def write_yaml(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def copy_case(case: str, tmp_path: Path) -> Path:
    target = tmp_path / case
    shutil.copytree(BROKEN / case, target)
    return target


# --------------------------------------------------------------------------- broken examples

REQUIRED_CASES = {
    "missing-key", "unknown-key", "wrong-type", "zero-capacity", "negative-capacity",
    "contract-end-before-start", "tenant-window-reversed", "tenant-after-horizon",
    "tenant-unknown-site", "tenant-unknown-rack", "duplicate-site-id", "duplicate-tenant-id",
    "yaml-syntax-error", "land-file-missing", "land-file-unreadable", "parcel-self-intersecting",
    "building-outside-parcel", "land-path-escape", "unknown-asic", "land-without-role",
    "land-two-parcels", "two-errors-one-file", "errors-in-three-files",
}  # fmt: skip


def test_broken_examples_cover_every_input_class() -> None:
    assert REQUIRED_CASES <= set(CASES)
    for case in CASES:
        assert (BROKEN / case / "portfolio.yaml").is_file()
        assert expected(case), f"{case}: expected.yaml lists no problem"


@pytest.mark.parametrize("case", CASES)
def test_broken_example_reports_exactly_its_problems(case: str) -> None:
    folder = BROKEN / case
    got = problems_of(folder / "portfolio.yaml")
    want = expected(case)
    unmatched = [w for w in want if not any(matches(p, w, folder) for p in got)]
    assert not unmatched, f"not reported: {unmatched}\ngot: {got}"
    assert len(got) == len(want), f"extra problems: {got}"


@pytest.mark.parametrize("case", CASES)
def test_input_error_message_lists_every_problem(case: str) -> None:
    with pytest.raises(InputError) as info:
        load_portfolio(BROKEN / case / "portfolio.yaml")
    lines = str(info.value).splitlines()
    assert lines == [f"{p.file}: {p.field}: {p.value}: {p.reason}" for p in info.value.problems]


def test_problems_of_one_file_are_listed_together() -> None:
    got = problems_of(BROKEN / "two-errors-one-file" / "portfolio.yaml")
    assert {Path(p.file).name for p in got} == {"site.yaml"}
    assert {(p.field, p.value) for p in got} == {("grid", "<missing>"), ("interconnect.mw", "-3")}


def test_problems_of_several_files_are_listed_together() -> None:
    got = problems_of(BROKEN / "errors-in-three-files" / "portfolio.yaml")
    assert sorted(Path(p.file).name for p in got) == ["parcel.geojson", "portfolio.yaml", "site.yaml"]


def test_yaml_error_points_at_the_line_and_where_the_construct_began() -> None:
    folder = BROKEN / "yaml-syntax-error"
    (problem,) = problems_of(folder / "portfolio.yaml")
    lines = (folder / "site.yaml").read_text().splitlines()
    assert problem.field == "line 7, column 16"
    assert lines[7 - 1][16 - 1] == ":"  # where the parser gave up
    assert "line 6, column 7" in problem.reason
    assert lines[6 - 1][7 - 1 :] == "[ERCOT"  # the unclosed bracket


def test_escape_is_the_only_defect_of_its_example(tmp_path: Path) -> None:
    """The escaping path points at a real, valid land file: only the ../ makes it an error."""
    target = BROKEN / "outside.geojson"
    assert target.is_file()
    folder = copy_case("land-path-escape", tmp_path)
    shutil.copy(target, folder / "outside.geojson")
    site = folder / "site.yaml"
    site.write_text(site.read_text().replace("file: ../outside.geojson", "file: outside.geojson"))
    assert load_portfolio(folder / "portfolio.yaml").land["alpha"].parcel_area_m2 > 0


@pytest.mark.parametrize(
    ("case", "fix"),
    [
        ("missing-key", ("site.yaml", "operator: Example Mining\n", "operator: Example Mining\ngrid: ERCOT\n")),
        ("tenant-unknown-site", ("portfolio.yaml", "[alpah]", "[alpha]")),
        ("contract-end-before-start", ("site.yaml", "end: 2025-01-01", "end: 2031-01-01")),
        (
            "duplicate-tenant-id",
            (
                "portfolio.yaml",
                "- id: acme\n    it_mw: 10\n    rate_usd_per_kw_month: 130",
                "- id: acme-2\n    it_mw: 10\n    rate_usd_per_kw_month: 130",
            ),
        ),
    ],
)
def test_fixing_the_defect_makes_the_example_load(tmp_path: Path, case: str, fix: tuple[str, str, str]) -> None:
    folder = copy_case(case, tmp_path)
    file, old, new = fix
    text = (folder / file).read_text()
    assert old in text
    (folder / file).write_text(text.replace(old, new))
    pf = load_portfolio(folder / "portfolio.yaml")
    assert [s.id for s in pf.sites] == ["alpha"]


def test_missing_portfolio_file(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "nope.yaml")
    assert problem.file == str(tmp_path / "nope.yaml")
    assert "cannot read" in problem.reason


def test_portfolio_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    (problem,) = problems_of(path)
    assert (problem.field, problem.value) == ("<root>", "['a', 'b']")


def test_site_file_path_escape_and_missing_site_file(tmp_path: Path) -> None:
    data = syn.portfolio_dict("p", ["../elsewhere.yaml", "site/missing.yaml"])
    got = problems_of(write_yaml(tmp_path / "p" / "p.yaml", data))
    assert [(p.field, p.value) for p in got] == [("sites[0]", "../elsewhere.yaml"), ("sites[1]", "site/missing.yaml")]
    assert "outside the portfolio's folder" in got[0].reason and "not found" in got[1].reason


def site_file_portfolio(tmp_path: Path, sites: dict[str, dict[str, Any]], tenants: list[dict[str, Any]]) -> Path:
    for name, site in sites.items():
        write_yaml(tmp_path / name, site)
    return write_yaml(tmp_path / "p.yaml", syn.portfolio_dict("p", list(sites), tenants))


def test_a_broken_site_file_does_not_make_its_tenants_unknown(tmp_path: Path) -> None:
    bad = syn.site_dict("alpha")
    del bad["grid"]
    path = site_file_portfolio(tmp_path, {"alpha.yaml": bad}, [syn.tenant_dict("t", ["alpha", "ghost"], max_sites=2)])
    got = problems_of(path)
    assert [(Path(p.file).name, p.field, p.value) for p in got] == [
        ("alpha.yaml", "grid", "<missing>"),
        ("p.yaml", "tenants[0].eligible_sites[1]", "ghost"),  # really unknown: still reported
    ]


def test_duplicate_site_id_names_its_position_in_the_portfolio(tmp_path: Path) -> None:
    bad = syn.site_dict("zero")
    del bad["grid"]
    sites = {
        "zero.yaml": bad,
        "a.yaml": syn.site_dict("alpha"),
        "b.yaml": syn.site_dict("beta"),
        "c.yaml": syn.site_dict("alpha"),
    }
    got = problems_of(site_file_portfolio(tmp_path, sites, []))
    assert [(p.field, p.value) for p in got] == [("grid", "<missing>"), ("sites[3].id", "alpha")]
    assert str(tmp_path / "a.yaml") in got[1].reason  # where the first one is


def test_custom_catalog_file(tmp_path: Path) -> None:
    cat = bundled_catalog().model_dump(mode="json")
    cat["racks"][0]["capex_usd"] = 1.0
    write_yaml(tmp_path / "tech" / "catalog.yaml", cat)
    site = syn.site_dict("alpha")
    path = write_yaml(tmp_path / "p.yaml", {**syn.portfolio_dict("p", [site]), "catalog": "tech/catalog.yaml"})
    assert load_portfolio(path).catalog.racks[0].capex_usd == 1.0
    cat["racks"][0]["capex_usd"] = -1.0
    write_yaml(tmp_path / "tech" / "catalog.yaml", cat)
    (problem,) = problems_of(path)
    assert (Path(problem.file), problem.field, problem.value) == (
        tmp_path / "tech" / "catalog.yaml",
        "racks[0].capex_usd",
        "-1.0",
    )


def test_catalog_path_escape(tmp_path: Path) -> None:
    path = write_yaml(
        tmp_path / "p" / "p.yaml", {**syn.portfolio_dict("p", [syn.site_dict("a")]), "catalog": "../catalog.yaml"}
    )
    (problem,) = problems_of(path)
    assert (problem.field, problem.value) == ("catalog", "../catalog.yaml")


def test_inline_catalog_errors_name_the_catalog_fields() -> None:
    cat = bundled_catalog().model_dump(mode="json")
    cat["asics"][1]["watts"] = 0
    with pytest.raises(InputError) as info:
        portfolio_from_dict({**syn.portfolio_dict("p", [syn.site_dict("a")]), "catalog": cat}, ROOT, label="gen")
    assert [(p.file, p.field, p.value) for p in info.value.problems] == [("gen", "catalog.asics[1].watts", "0")]


def test_existing_halls_and_cdus_must_be_catalog_ids() -> None:
    site = {
        **syn.site_dict("a"),
        "existing_halls": {"conversion-20mw": 1, "mega-hall": 2},
        "existing_cdus": {"cdu-9000": 1},
    }
    with pytest.raises(InputError) as info:
        portfolio_from_dict(syn.portfolio_dict("p", [site]), ROOT)
    assert {(p.field, p.value) for p in info.value.problems} == {
        ("existing_halls.mega-hall", "mega-hall"),
        ("existing_cdus.cdu-9000", "cdu-9000"),
    }


def test_tenant_cross_checks() -> None:
    sites = [syn.site_dict("a"), syn.site_dict("b", lon=-97)]
    tenants = [
        syn.tenant_dict("rates", ["a"], site_rates_usd_per_kw_month={"b": 100}),
        syn.tenant_dict("too-many", ["a", "b"], max_sites=3),
        syn.tenant_dict("long-gone", ["a"], term_months=12, start_earliest="2020-01-01", start_latest="2020-06-01"),
    ]
    with pytest.raises(InputError) as info:
        portfolio_from_dict(syn.portfolio_dict("p", sites, tenants), ROOT)
    assert [(p.field, p.value) for p in info.value.problems] == [
        ("tenants[0].site_rates_usd_per_kw_month.b", "b"),
        ("tenants[1].max_sites", "3"),
        ("tenants[2].start_latest", "2020-06-01"),
    ]


def test_tenant_starting_in_the_last_period_is_inside_the_horizon() -> None:
    sites = [syn.site_dict("a")]
    ok = syn.tenant_dict("t", ["a"], start_earliest="2027-12-01", start_latest="2028-06-01")
    portfolio_from_dict(syn.portfolio_dict("p", sites, [ok], periods=8), ROOT)  # horizon ends 2028-01-01
    late = syn.tenant_dict("t", ["a"], start_earliest="2028-01-01", start_latest="2028-06-01")
    with pytest.raises(InputError) as info:
        portfolio_from_dict(syn.portfolio_dict("p", sites, [late], periods=8), ROOT)
    assert [(p.field, p.value) for p in info.value.problems] == [("tenants[0].start_earliest", "2028-01-01")]


def test_land_building_ids_must_match_the_site() -> None:
    site = syn.site_dict("a")
    site["land"]["buildings"][0]["id"] = "b2"  # the land has b1
    with pytest.raises(InputError) as info:
        portfolio_from_dict(syn.portfolio_dict("p", [site]), ROOT, label="gen")
    assert {(p.file, p.field, p.value) for p in info.value.problems} == {
        ("gen", "land.buildings[0].id", "b2"),
        ("gen (land.geojson)", "features.id", "b1"),
    }


def test_inline_land_that_is_not_a_feature_collection() -> None:
    site = syn.site_dict("a")
    site["land"]["geojson"] = {"type": "Polygon", "coordinates": []}
    with pytest.raises(InputError) as info:
        portfolio_from_dict(syn.portfolio_dict("p", [site]), ROOT)
    assert [(p.field, p.reason[:27]) for p in info.value.problems] == [("land.geojson", "not a GeoJSON FeatureCollec")]


def test_unknown_land_role() -> None:
    site = syn.site_dict("a")
    site["land"]["geojson"]["features"][1]["properties"]["role"] = "shed"
    with pytest.raises(InputError) as info:
        portfolio_from_dict(syn.portfolio_dict("p", [site]), ROOT)
    assert [(p.field, p.value) for p in info.value.problems] == [("features.role", "shed")]


# --------------------------------------------------------------------------- the bundled portfolio


def test_us_miners_has_its_fifteen_sites() -> None:
    pf = bundled("us-miners.yaml")
    assert pf.name == "us-miners"
    assert [s.id for s in pf.sites] == US_MINERS_SITES
    assert set(pf.land) == set(US_MINERS_SITES)
    assert all(Path(pf.site_files[s]) == SITES / "site" / f"{s}.yaml" for s in US_MINERS_SITES)


def test_us_miners_has_its_tenant_offers() -> None:
    tenants = {t.id: t for t in bundled("us-miners.yaml").spec.tenants}
    assert len(tenants) == 18
    committed = {k for k, t in tenants.items() if t.committed}
    assert len(committed) == 12
    optional = set(tenants) - committed
    assert {k for k in optional if k.startswith("hypothetical-")} == {
        "hypothetical-cayuga-ai-lab", "hypothetical-coreweave-expansion", "hypothetical-hyperscaler-west-texas",
        "hypothetical-yguazu-hpc", "hypothetical-neocloud-air",
    }  # fmt: skip
    assert optional - {k for k in optional if k.startswith("hypothetical-")} == {"core42-lake-mariner-option"}
    assert not any(tenants[k].committed for k in tenants if k.startswith("hypothetical-"))
    ms = tenants["microsoft-childress"]
    assert (ms.it_mw, ms.term_months, ms.rack_type, ms.eligible_sites) == (200, 64, "gb300-nvl72", ["iren-childress"])
    assert ms.kind == "gpu_service" and ms.power == "included"
    aws = tenants["aws-cipher"]
    assert (aws.it_mw, aws.max_sites, aws.eligible_sites) == (300, 2, ["cipher-barber-lake", "cipher-odessa"])
    assert tenants["hypothetical-neocloud-air"].rack_type == "hgx-b200"  # the air-cooled offer


OPERATOR_PORTFOLIOS = [p.name for p in BUNDLED if p.name != "us-miners.yaml"]


@pytest.mark.parametrize("name", OPERATOR_PORTFOLIOS)
def test_operator_portfolio_is_a_consistent_part_of_us_miners(name: str) -> None:
    """Each operator's portfolio repeats its sites and the offers naming only those sites,
    identical to us-miners (a copy edited in one place only would drift)."""
    whole, part = bundled("us-miners.yaml"), bundled(name)
    ids = {s.id for s in part.sites}
    assert all(part.site(s) == whole.site(s) for s in ids)
    assert (part.spec.horizon, part.spec.finance, part.spec.catalog) == (
        whole.spec.horizon, whole.spec.finance, whole.spec.catalog,
    )  # fmt: skip
    # the same market, except the GPU-cloud market size (the operator's own estimate)
    assert part.spec.scenario.model_copy(update={"cloud_max_it_mw": None}) == whole.spec.scenario.model_copy(
        update={"cloud_max_it_mw": None}
    )
    mine = [t for t in whole.spec.tenants if set(t.eligible_sites) <= ids]
    assert part.spec.tenants == mine


def test_operator_portfolios_partition_the_sites() -> None:
    ids = [s.id for name in OPERATOR_PORTFOLIOS for s in bundled(name).sites]
    assert sorted(ids) == sorted(US_MINERS_SITES)


def _numbers_without_source(node: Any, path: str = "") -> list[str]:
    """Paths of mappings holding a number but no non-blank `source` (nested mappings checked alone)."""
    out = []
    if isinstance(node, dict):
        numbers = [k for k, v in node.items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        source = node.get("source")
        if numbers and not (isinstance(source, str) and source.strip() and source.strip().lower() != "todo"):
            out.append(f"{path or '<root>'} ({', '.join(numbers)})")
        for k, v in node.items():
            out += _numbers_without_source(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _numbers_without_source(v, f"{path}[{i}]")
    return out


def test_every_catalog_number_has_a_source() -> None:
    from importlib import resources

    raw = yaml.safe_load(resources.files("planner").joinpath("data/catalog.yaml").read_text())
    assert _numbers_without_source(raw) == []
    # and the loaded catalog has them all (none defaulted away)
    cat = bundled_catalog()
    items = [*cat.racks, *cat.cooling_units, *cat.asics, *cat.hall_modules, cat.operating]
    assert len(items) == sum(len(raw[k]) for k in ("racks", "cooling_units", "asics", "hall_modules")) + 1
    assert all(i.source.strip() for i in items)


def test_source_checker_finds_a_missing_source() -> None:
    assert _numbers_without_source({"racks": [{"id": "x", "it_kw": 1, "source": " "}]}) == ["racks[0] (it_kw)"]


SOURCED_SECTIONS = ("power_contracts", "interconnect", "interconnect.upgrades", "cooling", "land", "mining")


@pytest.mark.parametrize("site", US_MINERS_SITES)
def test_every_site_section_states_its_source(site: str) -> None:
    raw = yaml.safe_load((SITES / "site" / f"{site}.yaml").read_text())
    sections = [raw, *raw["power_contracts"], raw["interconnect"], *raw["interconnect"].get("upgrades", []),
                raw["cooling"], raw["land"]] + ([raw["mining"]] if raw.get("mining") else [])  # fmt: skip
    assert all(isinstance(s.get("source"), str) and s["source"].strip() for s in sections)


def test_every_tenant_offer_states_its_source() -> None:
    raw = yaml.safe_load((SITES / "us-miners.yaml").read_text())
    assert all(isinstance(t.get("source"), str) and t["source"].strip() for t in raw["tenants"])


def test_sites_frame() -> None:
    pf = bundled("us-miners.yaml")
    frame = pf.sites_frame()
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    assert list(frame["site_id"]) == US_MINERS_SITES
    assert (frame["parcel_area_m2"] >= frame["buildable_area_m2"]).all()
    assert (frame["buildable_area_m2"] >= 0).all()
    assert (frame["building_area_m2"] <= frame["buildable_area_m2"]).all()
    assert frame.geometry.is_valid.all() and set(frame.geom_type) == {"Polygon"}
    for site, row in zip(pf.sites, frame.itertuples()):
        # lon/lat order and the right CRS: each parcel is drawn around its site's coordinates
        assert row.geometry.contains(shapely.Point(site.location.lon, site.location.lat)), site.id
        assert row.contracted_mw == sum(c.mw for c in site.power_contracts)
        assert row.operator == site.operator


def test_sites_frame_values_for_one_site() -> None:
    row = bundled("us-miners.yaml").sites_frame().set_index("site_id").loc["core-pecos"]
    assert row["contracted_mw"] == 400  # 250 now + 150 from 2028
    assert row["interconnect_mw"] == 250
    assert row["mining_mw"] == 5 * 38
    assert row["grid"] == "ERCOT"


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("name", [p.name for p in BUNDLED])
def test_bundled_portfolio_round_trip(tmp_path: Path, name: str) -> None:
    first = bundled(name)
    out = first.dump(tmp_path / "out")
    assert out == tmp_path / "out" / name
    again = load_portfolio(out)
    assert again.spec == first.spec
    assert again.sites == first.sites
    assert again.catalog == first.catalog
    assert set(again.land) == set(first.land)
    for sid, land in first.land.items():
        other = again.land[sid]
        assert (other.parcel_area_m2, other.buildable_area_m2, other.building_area_m2) == pytest.approx(
            (land.parcel_area_m2, land.buildable_area_m2, land.building_area_m2), rel=1e-9
        )
    # and dumping again gives the same files
    again.dump(tmp_path / "again")
    files = sorted(p.relative_to(tmp_path / "out") for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*") if p.is_file())
    assert all((tmp_path / "out" / f).read_bytes() == (tmp_path / "again" / f).read_bytes() for f in files)


def test_round_trip_keeps_land_files_byte_for_byte(tmp_path: Path) -> None:
    pf = bundled("iren.yaml")
    pf.dump(tmp_path)
    for sid in ("iren-childress", "iren-sweetwater", "iren-prince-george"):
        src = SITES / "parcels" / f"{sid}.geojson"
        assert (tmp_path / "parcels" / f"{sid}.geojson").read_bytes() == src.read_bytes()


def test_round_trip_of_inline_site_with_land_file_and_custom_catalog(tmp_path: Path) -> None:
    src = tmp_path / "src"
    land_fc = syn.site_dict("a")["land"]["geojson"]
    (src / "land").mkdir(parents=True)
    (src / "land" / "a.geojson").write_text(json.dumps(land_fc))
    site = syn.site_dict("a")
    site["land"] = {**{k: v for k, v in site["land"].items() if k != "geojson"}, "file": "land/a.geojson"}
    write_yaml(src / "cat.yaml", bundled_catalog().model_dump(mode="json"))
    path = write_yaml(src / "p.yaml", {**syn.portfolio_dict("p", [site]), "catalog": "cat.yaml"})
    first = load_portfolio(path)
    out = first.dump(tmp_path / "out")
    assert (tmp_path / "out" / "land" / "a.geojson").is_file()
    assert (tmp_path / "out" / "cat.yaml").is_file()
    again = load_portfolio(out)
    assert (again.spec, again.sites, again.catalog) == (first.spec, first.sites, first.catalog)
    assert again.land["a"].parcel_area_m2 == pytest.approx(first.land["a"].parcel_area_m2, rel=1e-12)


def test_from_dict_resolves_inline_land_files_against_base_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    land = syn.site_dict("a")["land"]
    (tmp_path / "a.geojson").write_text(json.dumps(land["geojson"]))
    site = syn.site_dict("a")
    site["land"] = {**{k: v for k, v in land.items() if k != "geojson"}, "file": "a.geojson"}
    monkeypatch.chdir(ROOT)  # anywhere but base_dir
    pf = portfolio_from_dict(syn.portfolio_dict("p", [site]), tmp_path)
    assert pf.land["a"].parcel_area_m2 > 0
    assert pf.path is None and pf.base_dir == tmp_path.resolve()


def generated(n_sites: int, seed: int) -> dict[str, Any]:
    sites = [
        syn.site_dict(
            f"s{i}", lon=-100 + 3 * i, lat=30 + 0.5 * seed, contract_mw=40 + 10 * i + seed,
            upgrades=[{"id": "up", "mw": 10 + seed, "capex_usd": 1e6 * (1 + i), "lead_time_months": 6 * i}],
            mining_mw=0 if i == 1 else 20 + seed, take_or_pay_share=0.1 * (i % 3),
        )
        for i in range(n_sites)
    ]  # fmt: skip
    ids = [s["id"] for s in sites]
    tenants = [
        syn.tenant_dict(f"t{k}", ids[: k + 1], it_mw=5 + k, max_sites=k + 1, committed=k == 0) for k in range(n_sites)
    ]
    return syn.portfolio_dict(
        f"gen-{n_sites}-{seed}", sites, tenants, periods=12 + seed, finance={"concentration_cap": 0.6}
    )


def assert_same_portfolio(a: Portfolio, b: Portfolio) -> None:
    assert a.spec == b.spec
    assert a.sites == b.sites
    assert a.catalog == b.catalog
    for sid in a.land:
        assert b.land[sid].buildable_area_m2 == pytest.approx(a.land[sid].buildable_area_m2, rel=1e-12)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n_sites=st.integers(1, 3), seed=st.integers(0, 5))
def test_generated_descriptor_yaml_round_trip(n_sites: int, seed: int) -> None:
    """descriptor (synthetic builders) -> YAML text -> descriptor: the same portfolio."""
    data = generated(n_sites, seed)
    first = portfolio_from_dict(data, ROOT)
    text = yaml.safe_dump(first.spec.model_dump(mode="json"), sort_keys=False)
    again = portfolio_from_dict(yaml.safe_load(text), ROOT)
    assert_same_portfolio(first, again)
    # the original builder output and the validated descriptor agree on every given key
    assert [s.id for s in first.sites] == [s["id"] for s in data["sites"]]
    assert again.spec.tenants[-1].max_sites == n_sites


@pytest.mark.parametrize("n_sites", [1, 3])
def test_generated_portfolio_dump_and_load(tmp_path: Path, n_sites: int) -> None:
    first = portfolio_from_dict(generated(n_sites, 2), ROOT)
    out = first.dump(tmp_path)
    assert out == tmp_path / f"gen-{n_sites}-2.yaml"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # inline sites: one file
    assert_same_portfolio(first, load_portfolio(out))


def test_round_trip_detects_a_change(tmp_path: Path) -> None:
    """Control for the round-trip tests: an edited dump does not compare equal."""
    first = portfolio_from_dict(generated(2, 1), ROOT)
    out = first.dump(tmp_path)
    data = yaml.safe_load(out.read_text())
    data["sites"][0]["power_contracts"][0]["mw"] += 1
    again = portfolio_from_dict(data, ROOT)
    assert again.spec != first.spec and again.sites != first.sites


# --------------------------------------------------------------------------- land geometry via the loader


def stored_parcel_wgs84(site_id: str) -> shapely.Geometry:
    """The parcel as stored in the bundled land file, reprojected by geopandas alone."""
    frame = gpd.read_file(SITES / "parcels" / f"{site_id}.geojson")
    return frame[frame["role"] == "parcel"].to_crs(4326).geometry.iloc[0]


def stored_crs(site_id: str) -> str | None:
    crs = json.loads((SITES / "parcels" / f"{site_id}.geojson").read_text()).get("crs")
    return crs["properties"]["name"] if crs else None


def test_some_bundled_parcels_are_stored_in_utm() -> None:
    utm = {s for s in US_MINERS_SITES if stored_crs(s)}
    assert {"iren-childress", "hive-yguazu", "terawulf-lake-mariner"} <= utm
    assert any(stored_crs(s) == "urn:ogc:def:crs:EPSG::32721" for s in utm)  # southern hemisphere


@pytest.mark.parametrize("site", US_MINERS_SITES)
def test_parcel_area_matches_geodesic(site: str) -> None:
    land = bundled("us-miners.yaml").land[site]
    geodesic = geodesic_area_m2(stored_parcel_wgs84(site))
    assert land.parcel_area_m2 == pytest.approx(geodesic, rel=0.01)
    assert land.crs.is_projected and land.crs.axis_info[0].unit_name == "metre"


@pytest.mark.parametrize("site", US_MINERS_SITES)
def test_bundled_setbacks_shrink_buildable_area(site: str) -> None:
    pf = bundled("us-miners.yaml")
    land, setback = pf.land[site], pf.site(site).land.setback_m
    assert setback > 0
    # at least the setback strip along the boundary is lost (it may be smaller on a concave parcel)
    assert land.buildable_area_m2 < land.parcel_area_m2
    assert land.buildable.within(land.parcel.buffer(1e-6))


def pecos_with_setback(setback_m: float) -> Portfolio:
    site = yaml.safe_load((SITES / "site" / "core-pecos.yaml").read_text())
    site["land"]["file"] = "parcels/core-pecos.geojson"  # inline: relative to base_dir
    site["land"]["setback_m"] = setback_m
    return portfolio_from_dict(syn.portfolio_dict("pecos", [site]), SITES)


def test_larger_setback_means_less_buildable_land() -> None:
    areas = [pecos_with_setback(s).land["core-pecos"].buildable_area_m2 for s in (0, 30, 60)]
    assert areas[0] > areas[1] > areas[2] > 0
    assert pecos_with_setback(30).land["core-pecos"].buildable_area_m2 == pytest.approx(
        bundled("us-miners.yaml").land["core-pecos"].buildable_area_m2, rel=1e-9
    )


def test_setback_area_on_a_rectangle() -> None:
    """A W x H rectangle with setback s leaves (W - 2s)(H - 2s)."""
    width, height = 400.0, 300.0
    for setback, want in ((0.0, width * height), (10.0, 380 * 280), (50.0, 300 * 200)):
        site = syn.site_dict("r", mining_mw=0)
        site["land"] = {
            "geojson": {
                "type": "FeatureCollection",
                "features": [syn.feature(rectangle_wgs84(-100, 32, width, height), "parcel")],
            },
            "setback_m": setback,
        }
        land = portfolio_from_dict(syn.portfolio_dict("r", [site]), ROOT).land["r"]
        assert land.buildable_area_m2 == pytest.approx(want, rel=0.005)
        assert land.parcel_area_m2 == pytest.approx(width * height, rel=0.005)


def test_exclusions_shrink_buildable_area() -> None:
    site = syn.site_dict("x", mining_mw=0, parcel_m2=200 * 200)
    base = portfolio_from_dict(syn.portfolio_dict("x", [site]), ROOT).land["x"]
    zone = rectangle_wgs84(-100, 32, 50, 40)  # inside the parcel, away from the setback
    site = copy.deepcopy(site)
    site["land"]["geojson"]["features"].append(syn.feature(zone, "exclusion"))
    cut = portfolio_from_dict(syn.portfolio_dict("x", [site]), ROOT).land["x"]
    assert cut.parcel_area_m2 == pytest.approx(base.parcel_area_m2)
    assert base.buildable_area_m2 - cut.buildable_area_m2 == pytest.approx(50 * 40, rel=0.01)


def test_buildings_are_measured_inside_the_buildable_area() -> None:
    pf = bundled("us-miners.yaml")
    for site in pf.sites:
        land = pf.land[site.id]
        assert len(land.buildings) == len(site.land.buildings)
        if site.land.buildings:
            assert land.building_area_m2 > 0
        else:
            assert land.building_area_m2 == 0


def test_bundled_catalog_is_the_packaged_one() -> None:
    """`catalog: bundled` gives the packaged catalog, with its four rack types."""
    cat = bundled("us-miners.yaml").catalog
    assert isinstance(cat, Catalog) and cat == bundled_catalog()
    assert [r.id for r in cat.racks] == ["gb200-nvl72", "gb300-nvl72", "hgx-b200", "h100-hgx", "future-nvl144"]
    assert not any(isinstance(s, Site) for s in bundled("us-miners.yaml").spec.sites)  # all in site files
