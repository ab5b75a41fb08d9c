"""The descriptor schema (planner.describe.descriptors): what a planning engineer may write.

Each test builds plain data (as YAML would give it), validates it with the pydantic models
and checks what is accepted, what is rejected, and where the error points (its `loc`).
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from importlib import resources
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from planner.describe import contracts, finance
from planner.describe import descriptors as D
from planner.testing import synthetic as syn

# --------------------------------------------------------------------------- helpers


def catalog_data() -> dict[str, Any]:
    """The bundled catalog as plain data (a fresh copy each call)."""
    return yaml.safe_load(resources.files("planner").joinpath("data/catalog.yaml").read_text())


def site_data(**kw: Any) -> dict[str, Any]:
    return syn.site_dict("alpha", **kw)


def tenant_data(**kw: Any) -> dict[str, Any]:
    return syn.tenant_dict("acme", ["alpha"], **kw)


def contract_data(**kw: Any) -> dict[str, Any]:
    return {"id": "ppa", "mw": 50, "price_usd_per_mwh": 40, **kw}


def errors(model: type[BaseModel], data: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return info.value.errors()


def locs(model: type[BaseModel], data: Any) -> set[tuple[Any, ...]]:
    return {e["loc"] for e in errors(model, data)}


# one valid example of every model, as data (built from the synthetic builders and the catalog)
def examples() -> dict[type[BaseModel], dict[str, Any]]:
    cat = catalog_data()
    site = site_data(upgrades=[{"id": "u1", "mw": 20, "capex_usd": 1e6, "lead_time_months": 12}])
    return {
        D.RackType: cat["racks"][0],
        D.CoolingUnit: cat["cooling_units"][0],
        D.AsicModel: cat["asics"][0],
        D.HallModule: cat["hall_modules"][0],
        D.OperatingCosts: cat["operating"],
        D.Catalog: cat,
        D.PowerContract: site["power_contracts"][0],
        D.Upgrade: site["interconnect"]["upgrades"][0],
        D.Interconnect: site["interconnect"],
        D.Cooling: site["cooling"],
        D.Building: site["land"]["buildings"][0],
        D.Land: site["land"],
        D.MiningFleet: site["mining"],
        D.Location: site["location"],
        D.Site: site,
        D.TenantOffer: tenant_data(),
        D.Horizon: {"start": "2026-01-01", "periods": 8, "period": "quarter"},
        D.Finance: {"discount_rate_per_year": 0.08},
        D.Hashprice: {"usd_per_ph_day": 45.0},
        D.Scenario: {"name": "low"},
        D.PortfolioSpec: syn.portfolio_dict("p", [site], [tenant_data()]),
        D.Segment: {"period": "year", "periods": 15},
        D.WorkInProgress: {
            "kind": "hall",
            "id": "conversion-20mw",
            "units": 2,
            "in_service": "2026-07-01",
            "remaining_capex_usd": 5e7,
        },
        D.Counterparty: {"id": "hyperscaler", "credit": "investment_grade"},
        D.Market: {
            "id": "colo",
            "grids": ["ERCOT"],
            "rate_usd_per_kw_month": 135,
            "max_it_mw": 300,
            "rack_type": "gb300-nvl72",
        },
        D.Operator: {"id": "IREN", "cloud_max_it_mw": 280},
        D.Financing: {
            "facilities": [
                {
                    "id": "loan",
                    "kind": "project",
                    "operator": "o",
                    "size_usd": 1e8,
                    "draw_end": "2027-01-01",
                    "maturity": "2031-01-01",
                    "backing_tenants": ["acme"],
                }
            ],
            "equity": [{"operator": "o", "usd_per_year": 1e8}],
            "credit_support": {"spread_reduction_bp": 250},
        },  # fmt: skip
    }


EXAMPLES = examples()
MODELS = sorted(EXAMPLES, key=lambda m: m.__name__)


def test_every_descriptor_model_has_an_example() -> None:
    """Guards the parametrised tests below: a new model must be added to EXAMPLES."""
    defined = {m for m in vars(D).values() if isinstance(m, type) and issubclass(m, D.Strict) and m is not D.Strict}
    assert defined == set(EXAMPLES)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_example_is_valid(model: type[BaseModel]) -> None:
    model.model_validate(copy.deepcopy(EXAMPLES[model]))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_unknown_key_is_rejected_at_every_level(model: type[BaseModel]) -> None:
    data = copy.deepcopy(EXAMPLES[model])
    data["capex_usd_typo"] = 0
    errs = errors(model, data)
    assert [(e["type"], e["loc"]) for e in errs] == [("extra_forbidden", ("capex_usd_typo",))]


def test_misindented_cost_key_is_an_error_not_a_free_upgrade() -> None:
    """The Calliope lesson: a cost key one level too far out must not make the upgrade free."""
    site = site_data()
    site["interconnect"]["upgrades"] = [{"id": "u1", "mw": 20, "lead_time_months": 12}]
    site["interconnect"]["capex_usd"] = 5e6  # belongs to the upgrade
    assert locs(D.Site, site) == {
        ("interconnect", "capex_usd"),  # unknown key
        ("interconnect", "upgrades", 0, "capex_usd"),  # and the upgrade lacks its cost
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_json_schema_forbids_unknown_keys(model: type[BaseModel]) -> None:
    """Editors using `dcplan schema` flag unknown keys too: additionalProperties is false everywhere."""
    schema = model.model_json_schema()
    objects = [schema, *schema.get("$defs", {}).values()]
    assert objects and all(o.get("additionalProperties") is False for o in objects if "properties" in o)


# --------------------------------------------------------------------------- missing and wrong values


@pytest.mark.parametrize(
    ("model", "key"),
    [
        (D.Site, "grid"),
        (D.Site, "power_contracts"),
        (D.Site, "land"),
        (D.TenantOffer, "rack_type"),
        (D.TenantOffer, "start_latest"),
        (D.RackType, "source"),
        (D.AsicModel, "watts"),
        (D.PortfolioSpec, "sites"),
    ],
)
def test_required_key_missing(model: type[BaseModel], key: str) -> None:
    data = copy.deepcopy(EXAMPLES[model])
    del data[key]
    errs = errors(model, data)
    assert [(e["type"], e["loc"]) for e in errs] == [("missing", (key,))]


@pytest.mark.parametrize(
    ("model", "key", "value"),
    [
        (D.PowerContract, "mw", "fifty"),
        (D.PowerContract, "start", "next year"),
        (D.TenantOffer, "term_months", 12.5),
        (D.TenantOffer, "eligible_sites", "alpha"),
        (D.TenantOffer, "committed", "maybe"),
        (D.Horizon, "periods", [4]),
        (D.Cooling, "existing", "water"),
        (D.RackType, "cooling", "immersion"),
    ],
)
def test_wrong_type_names_the_field(model: type[BaseModel], key: str, value: Any) -> None:
    data = copy.deepcopy(EXAMPLES[model])
    data[key] = value
    errs = errors(model, data)
    assert {e["loc"][0] for e in errs} == {key}
    assert all(e["input"] == value for e in errs)


@pytest.mark.parametrize(
    ("model", "key"),
    [
        (D.PowerContract, "mw"),
        (D.Upgrade, "mw"),
        (D.RackType, "it_kw"),
        (D.RackType, "footprint_m2"),
        (D.CoolingUnit, "capacity_kw"),
        (D.HallModule, "it_mw"),
        (D.AsicModel, "watts"),
        (D.TenantOffer, "it_mw"),
    ],
)
@pytest.mark.parametrize("value", [0, -1.5, math.nan, math.inf])
def test_capacities_must_be_positive_and_finite(model: type[BaseModel], key: str, value: float) -> None:
    data = copy.deepcopy(EXAMPLES[model])
    data[key] = value
    assert locs(model, data) == {(key,)}


@pytest.mark.parametrize(
    ("model", "key"),
    [
        (D.Interconnect, "mw"),
        (D.Cooling, "air_capacity_mw"),
        (D.Building, "mining_mw"),
        (D.Land, "setback_m"),
        (D.PowerContract, "price_usd_per_mwh"),
        (D.Upgrade, "capex_usd"),
    ],
)
def test_non_negative_quantities_accept_zero_and_reject_negatives(model: type[BaseModel], key: str) -> None:
    data = copy.deepcopy(EXAMPLES[model])
    data[key] = 0
    model.model_validate(data)
    data[key] = -0.001
    assert locs(model, data) == {(key,)}


def test_shares_are_bounded() -> None:
    for bad in (-0.1, 1.1):
        assert locs(D.PowerContract, contract_data(take_or_pay_share=bad)) == {("take_or_pay_share",)}
    D.PowerContract.model_validate(contract_data(take_or_pay_share=1.0))


@pytest.mark.parametrize("bad", ["", "has space", "../escape", "a/b", "-leading-dash", "x" * 65])
def test_ids_are_short_plain_names(bad: str) -> None:
    assert locs(D.Site, {**site_data(), "id": bad}) == {("id",)}


def test_location_range() -> None:
    assert locs(D.Location, {"lon": 181, "lat": 0}) == {("lon",)}
    assert locs(D.Location, {"lon": 0, "lat": -91}) == {("lat",)}


# --------------------------------------------------------------------------- dates


def test_contract_end_before_start_points_at_end() -> None:
    errs = errors(D.PowerContract, contract_data(start="2027-01-01", end="2026-06-01"))
    assert [e["loc"] for e in errs] == [("end",)]
    assert errs[0]["input"] == "2026-06-01"
    assert "2027-01-01" in errs[0]["msg"]


def test_contract_end_on_start_is_rejected_and_open_ends_are_fine() -> None:
    assert locs(D.PowerContract, contract_data(start="2027-01-01", end="2027-01-01")) == {("end",)}
    D.PowerContract.model_validate(contract_data(start="2027-01-01", end="2027-01-02"))
    D.PowerContract.model_validate(contract_data(end="2020-01-01"))  # no start: the horizon start
    D.PowerContract.model_validate(contract_data(start="2027-01-01"))


def test_contract_with_bad_start_reports_only_the_start() -> None:
    assert locs(D.PowerContract, contract_data(start="soon", end="2026-06-01")) == {("start",)}


def test_tenant_window_reversed_points_at_start_latest() -> None:
    errs = errors(D.TenantOffer, tenant_data(start_earliest="2027-07-01", start_latest="2027-04-01"))
    assert [e["loc"] for e in errs] == [("start_latest",)]
    assert errs[0]["input"] == "2027-04-01"
    assert "2027-07-01" in errs[0]["msg"]


def test_tenant_window_of_one_day_is_fine() -> None:
    offer = D.TenantOffer.model_validate(tenant_data(start_earliest="2027-07-01", start_latest="2027-07-01"))
    assert offer.start_latest == offer.start_earliest == dt.date(2027, 7, 1)


def test_horizon_starts_on_the_first_of_a_month() -> None:
    assert locs(D.Horizon, {"start": "2026-01-15"}) == {("start",)}
    assert D.Horizon.model_validate({"start": "2026-04-01"}).start == dt.date(2026, 4, 1)


@pytest.mark.parametrize("periods", [0, 481])
def test_horizon_length_bounds(periods: int) -> None:
    assert locs(D.Horizon, {"periods": periods}) == {("periods",)}


# --------------------------------------------------------------------------- tenants


def test_min_block_above_tenant_size_points_at_min_block() -> None:
    errs = errors(D.TenantOffer, tenant_data(it_mw=20, min_block_mw=25))
    assert [(e["loc"], e["input"]) for e in errs] == [(("min_block_mw",), 25)]


def test_tenant_eligible_sites_listed_twice() -> None:
    errs = errors(D.TenantOffer, syn.tenant_dict("acme", ["alpha", "beta", "alpha"]))
    assert [e["loc"] for e in errs] == [("eligible_sites",)]
    assert "alpha" in errs[0]["msg"]


def test_tenant_needs_an_eligible_site() -> None:
    assert locs(D.TenantOffer, syn.tenant_dict("acme", [])) == {("eligible_sites",)}


# --------------------------------------------------------------------------- duplicates inside one file


def test_duplicate_contract_ids_point_at_the_list() -> None:
    site = site_data()
    site["power_contracts"] = [contract_data(), contract_data(mw=20)]
    errs = errors(D.Site, site)
    assert [e["loc"] for e in errs] == [("power_contracts",)]
    assert "ppa" in errs[0]["msg"]


def test_duplicate_upgrade_ids() -> None:
    up = {"id": "u1", "mw": 20, "capex_usd": 1e6, "lead_time_months": 12}
    assert locs(D.Interconnect, {"mw": 10, "upgrades": [up, up]}) == {("upgrades",)}


def test_duplicate_building_ids() -> None:
    land = site_data()["land"]
    land["buildings"] = [{"id": "b1", "mining_mw": 5}, {"id": "b1", "mining_mw": 6}]
    assert locs(D.Land, land) == {("buildings",)}


@pytest.mark.parametrize("section", ["racks", "cooling_units", "asics", "hall_modules"])
def test_duplicate_catalog_ids_point_at_their_section(section: str) -> None:
    cat = catalog_data()
    cat[section].append(copy.deepcopy(cat[section][0]))
    errs = errors(D.Catalog, cat)
    assert [e["loc"] for e in errs] == [(section,)]
    assert cat[section][0]["id"] in errs[0]["msg"]


@pytest.mark.parametrize("section", ["racks", "cooling_units", "asics", "hall_modules"])
def test_catalog_sections_may_not_be_empty(section: str) -> None:
    cat = catalog_data()
    cat[section] = []
    assert locs(D.Catalog, cat) == {(section,)}


# --------------------------------------------------------------------------- one-of choices


def test_land_needs_exactly_one_of_file_or_geojson() -> None:
    land = site_data()["land"]
    both = {**land, "file": "parcel.geojson"}
    neither = {k: v for k, v in land.items() if k != "geojson"}
    for data in (both, neither):
        assert "exactly one of file or geojson" in errors(D.Land, data)[0]["msg"]
    D.Land.model_validate({**neither, "file": "parcel.geojson"})


def test_mining_fleet_needs_exactly_one_size() -> None:
    assert "exactly one" in errors(D.MiningFleet, {"asic": "s21"})[0]["msg"]
    assert "exactly one" in errors(D.MiningFleet, {"asic": "s21", "units": 10, "hashrate_ph_per_s": 2})[0]["msg"]
    assert D.MiningFleet.model_validate({"asic": "s21", "hashrate_ph_per_s": 2}).units is None


def test_inline_geojson_is_stored_as_plain_lists() -> None:
    """shapely's mapping() gives tuples; stored as lists the descriptor equals its YAML round trip."""
    land = D.Land.model_validate(site_data()["land"])
    ring = land.geojson["features"][0]["geometry"]["coordinates"]
    assert isinstance(ring, list) and isinstance(ring[0], list) and isinstance(ring[0][0], list)
    again = D.Land.model_validate(yaml.safe_load(yaml.safe_dump(land.model_dump(mode="json"))))
    assert again == land


# --------------------------------------------------------------------------- portfolio


def test_portfolio_sites_may_be_files_or_inline() -> None:
    spec = D.PortfolioSpec.model_validate(syn.portfolio_dict("p", ["site/a.yaml", site_data()]))
    assert spec.sites[0] == "site/a.yaml"
    assert isinstance(spec.sites[1], D.Site) and spec.sites[1].id == "alpha"


def test_portfolio_needs_a_site() -> None:
    assert locs(D.PortfolioSpec, syn.portfolio_dict("p", [])) == {("sites",)}


def test_portfolio_defaults() -> None:
    spec = D.PortfolioSpec.model_validate({"name": "p", "sites": ["a.yaml"]})
    assert spec.catalog == "bundled"
    assert spec.horizon == D.Horizon(start=dt.date(2026, 1, 1), periods=40, period="quarter")
    assert spec.tenants == []
    assert spec.scenario.hashprice.halvings == [dt.date(2028, 4, 15)]


def test_assignment_is_validated() -> None:
    contract = D.PowerContract.model_validate(contract_data())
    with pytest.raises(ValidationError):
        contract.mw = -1


UNIT_TOKENS = {
    # units
    "mw",
    "kw",
    "mwh",
    "usd",
    "m",
    "m2",
    "c",
    "degc",
    "s",
    "watts",
    "day",
    "month",
    "months",
    "year",
    "years",
    "period",
    "periods",
    # dimensionless quantities that say so
    "share",
    "multiplier",
    "factor",
    "utilisation",
    "uptime",
    "pue",
    "cap",
    "lat",
    "lon",
    # counts of things
    "gpus",
    "units",
    "sites",
    "halls",
    "cdus",
    "options",
}


def test_every_number_says_its_unit() -> None:
    """DESIGN: every quantity carries its unit in its name (`_mw`, `_usd`, `_m2`, ...)."""
    nameless = []
    models = {**vars(D), **vars(contracts), **vars(finance)}
    for name, model in models.items():
        if not (isinstance(model, type) and issubclass(model, D.Strict)):
            continue
        for field, info in model.model_fields.items():
            annotation = str(info.annotation)
            if ("float" in annotation or "int" in annotation) and not UNIT_TOKENS & set(field.split("_")):
                nameless.append(f"{name}.{field}")
    assert nameless == []
