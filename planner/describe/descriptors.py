"""Descriptor format: what a planning engineer writes, as pydantic v2 models.

Every model forbids unknown keys (a mis-indented cost key must not silently make a
technology free) and every quantity carries its unit in its name. Cross-references
(tenant -> site, tenant -> rack type, fleet -> ASIC model) are checked in
:mod:`planner.inputs`, where the catalog and all sites are known together.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")]
PositiveFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Source = Annotated[str, Field(min_length=1, description="where the figure comes from, or 'estimate'")]


class Strict(BaseModel):
    """Base: unknown keys rejected, assignments validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


# --------------------------------------------------------------------------- catalog


class RackType(Strict):
    """A GPU rack (position) type."""

    id: Id
    it_kw: PositiveFloat
    gpus: Annotated[int, Field(ge=1)]
    cooling: Literal["liquid", "air"]
    footprint_m2: PositiveFloat = Field(description="floor area per rack including its aisle share")
    capex_usd: NonNegFloat = Field(description="purchase price when self-operated (cloud)")
    gpu_hour_usd: NonNegFloat = Field(description="rental rate per GPU-hour at the horizon start, self-operated")
    gpu_hour_change_per_year: Annotated[float, Field(gt=-1, lt=1)] = Field(
        description="annual relative change of the GPU-hour rate (negative: prices fall)"
    )
    life_years: PositiveFloat = Field(description="economic life of self-operated GPUs: they retire after it")
    source: Source


class CoolingUnit(Strict):
    """A coolant distribution unit (CDU) for direct-to-chip liquid cooling."""

    id: Id
    capacity_kw: PositiveFloat
    footprint_m2: PositiveFloat
    capex_usd: NonNegFloat
    redundancy: Literal["N", "N+1"] = "N+1"
    life_years: PositiveFloat = Field(description="service life, for the residual value at the horizon end")
    source: Source


class AsicModel(Strict):
    """A bitcoin-mining ASIC."""

    id: Id
    th_per_s: PositiveFloat
    watts: PositiveFloat
    price_usd: NonNegFloat
    source: Source


class HallModule(Strict):
    """An HPC hall module, either converted inside an existing mining building or newly built."""

    id: Id
    kind: Literal["conversion", "new_build"]
    it_mw: PositiveFloat
    footprint_m2: PositiveFloat
    capex_usd_per_mw_it: NonNegFloat
    lead_time_months: Annotated[int, Field(ge=0, le=120)]
    pue_liquid: Annotated[float, Field(ge=1.0, le=3.0)]
    pue_air: Annotated[float, Field(ge=1.0, le=3.0)]
    life_years: PositiveFloat = Field(description="service life, for the residual value at the horizon end")
    source: Source


class OperatingCosts(Strict):
    """Fixed operating costs and operating factors, per MW of IT."""

    mining_opex_usd_per_mw_year: NonNegFloat
    hpc_opex_usd_per_mw_year: NonNegFloat
    cloud_opex_usd_per_mw_year: NonNegFloat = Field(description="extra opex of self-operating GPUs (staff, network, software)")
    hpc_load_factor: Annotated[float, Field(gt=0, le=1)] = Field(description="average IT draw / provisioned IT")
    cloud_utilisation: Annotated[float, Field(gt=0, le=1)] = Field(description="sold GPU-hours / available GPU-hours")
    mining_uptime: Annotated[float, Field(gt=0, le=1)] = Field(description="share of hours mining runs (curtailment)")
    pue_mining_air: Annotated[float, Field(ge=1.0, le=3.0)]
    pue_mining_immersion: Annotated[float, Field(ge=1.0, le=3.0)]
    pue_per_degc_above_15: Annotated[float, Field(ge=0, le=0.05)] = Field(
        description="added HPC PUE per degree C of annual mean temperature above 15 C"
    )
    grid_asset_life_years: PositiveFloat = Field(
        description="service life of interconnect upgrades and site conversion works (residual value)"
    )
    source: Source


class Catalog(Strict):
    """Technology catalog: rack types, cooling units, ASICs, hall modules, operating costs."""

    racks: list[RackType] = Field(min_length=1)
    cooling_units: list[CoolingUnit] = Field(min_length=1)
    asics: list[AsicModel] = Field(min_length=1)
    hall_modules: list[HallModule] = Field(min_length=1)
    operating: OperatingCosts

    @field_validator("racks", "cooling_units", "asics", "hall_modules")
    @classmethod
    def _unique_ids(cls, v: list[Any], info: ValidationInfo) -> list[Any]:
        _check_unique([x.id for x in v], info.field_name or "")
        return v


# --------------------------------------------------------------------------- site


class PowerContract(Strict):
    """A power supply contract: firm MW at a price, with a take-or-pay share of its energy."""

    id: Id
    mw: PositiveFloat
    price_usd_per_mwh: NonNegFloat
    start: dt.date | None = Field(None, description="first day in force (default: the horizon start)")
    end: dt.date | None = Field(None, description="first day no longer in force (default: beyond the horizon)")
    take_or_pay_share: Share = 0.0
    escalation_per_year: Annotated[float, Field(gt=-0.5, lt=0.5)] | None = Field(
        default=None, description="annual price escalation; the scenario's when omitted"
    )
    source: Source = "estimate"

    @field_validator("end")
    @classmethod
    def _after_start(cls, v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start")
        if start and v and v <= start:
            raise ValueError(f"end {v} is not after start {start}")
        return v


class Upgrade(Strict):
    """An interconnect upgrade option: more MW after a lead time, for a capex."""

    id: Id
    mw: PositiveFloat
    capex_usd: NonNegFloat
    lead_time_months: Annotated[int, Field(ge=0, le=120)]
    source: Source = "estimate"


class Interconnect(Strict):
    mw: NonNegFloat = Field(description="energized interconnect capacity now")
    upgrades: list[Upgrade] = []
    source: Source = "estimate"

    @field_validator("upgrades")
    @classmethod
    def _unique(cls, v: list[Upgrade]) -> list[Upgrade]:
        _check_unique([u.id for u in v], "upgrades")
        return v


class Cooling(Strict):
    existing: Literal["air", "immersion", "hydro", "none"] = Field(description="how the mining fleet is cooled")
    air_capacity_mw: NonNegFloat = Field(0.0, description="heat rejection available to air-cooled GPU racks")
    mean_temp_c: Annotated[float, Field(ge=-40, le=45)] = Field(description="annual mean dry-bulb temperature")
    source: Source = "estimate"


class Building(Strict):
    """An existing mining building; its footprint is the land file's feature with this id."""

    id: Id
    mining_mw: NonNegFloat = Field(description="mining IT MW the building houses now")


class Land(Strict):
    """Land: a geo file (GeoJSON or any format geopandas reads), or inline GeoJSON, whose
    features carry a `role` property: one `parcel`, any number of `exclusion`, and
    `building` features whose `id` matches an entry of `buildings`. A GeoJSON without a
    `crs` member is in lon/lat (EPSG:4326, RFC 7946)."""

    file: str | None = Field(None, description="geo file relative to the site descriptor")
    geojson: dict[str, Any] | None = Field(None, description="inline GeoJSON FeatureCollection, instead of a file")
    setback_m: NonNegFloat = 0.0
    buildings: list[Building] = []
    source: Source = "estimate"

    @field_validator("geojson")
    @classmethod
    def _plain(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return _json_lists(v)  # tuples (e.g. shapely's mapping) as lists: as read back from YAML or JSON

    @field_validator("buildings")
    @classmethod
    def _unique(cls, v: list[Building]) -> list[Building]:
        _check_unique([b.id for b in v], "buildings")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> Land:
        if (self.file is None) == (self.geojson is None):
            raise ValueError("give exactly one of file or geojson")
        return self


class MiningFleet(Strict):
    asic: Id
    units: Annotated[int, Field(ge=0)] | None = None
    hashrate_ph_per_s: NonNegFloat | None = None
    source: Source = "estimate"

    @model_validator(mode="after")
    def _one_size(self) -> MiningFleet:
        if (self.units is None) == (self.hashrate_ph_per_s is None):
            raise ValueError("give exactly one of units or hashrate_ph_per_s")
        return self


class Location(Strict):
    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]


class Site(Strict):
    """A mining site that may be converted, in part or whole, to HPC."""

    id: Id
    name: str
    operator: str
    location: Location
    grid: str = Field(description="grid region / ISO, e.g. ERCOT")
    power_contracts: list[PowerContract] = Field(min_length=1)
    interconnect: Interconnect
    cooling: Cooling
    land: Land
    mining: MiningFleet | None = None
    existing_halls: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default={}, description="HPC hall modules (catalog id -> count) already in service at the horizon start"
    )
    existing_cdus: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default={}, description="CDUs (catalog id -> count) already installed at the horizon start"
    )
    conversion_cost_usd: NonNegFloat = Field(0.0, description="one-time cost when the site first hosts HPC")
    coincident_peak_usd_per_kw_year: NonNegFloat = Field(0.0, description="transmission charge on firm load")
    demand_response_usd_per_mw_year: NonNegFloat = Field(0.0, description="credit for interruptible load")
    notes: str = ""
    source: Source = "estimate"

    @field_validator("power_contracts")
    @classmethod
    def _unique(cls, v: list[PowerContract]) -> list[PowerContract]:
        _check_unique([c.id for c in v], "power_contracts")
        return v


# --------------------------------------------------------------------------- tenants


class TenantOffer(Strict):
    """An HPC tenant's offer (or a signed contract, when committed)."""

    id: Id
    name: str = ""
    it_mw: PositiveFloat
    rate_usd_per_kw_month: NonNegFloat
    escalator_per_year: Annotated[float, Field(ge=-0.2, le=0.2)] = 0.0
    site_rates_usd_per_kw_month: dict[str, NonNegFloat] = Field(
        default={}, description="per-site rate overriding rate_usd_per_kw_month"
    )
    term_months: Annotated[int, Field(ge=1, le=600)]
    start_earliest: dt.date
    start_latest: dt.date
    rack_type: Id
    eligible_sites: list[Id] = Field(min_length=1)
    min_block_mw: NonNegFloat = 0.0
    max_sites: Annotated[int, Field(ge=1)] = 1
    power: Literal["pass_through", "included"] = Field(
        "pass_through", description="pass_through: tenant pays energy at cost (triple net)"
    )
    committed: bool = False
    source: Source = "estimate"

    # field validators (not one model validator) so that errors name the field and its value
    @field_validator("start_latest")
    @classmethod
    def _window(cls, v: dt.date, info: ValidationInfo) -> dt.date:
        earliest = info.data.get("start_earliest")
        if earliest is not None and v < earliest:
            raise ValueError(f"start_latest {v} is before start_earliest {earliest}")
        return v

    @field_validator("eligible_sites")
    @classmethod
    def _unique_sites(cls, v: list[str]) -> list[str]:
        _check_unique(v, "eligible_sites")
        return v

    @field_validator("min_block_mw")
    @classmethod
    def _block(cls, v: float, info: ValidationInfo) -> float:
        it_mw = info.data.get("it_mw")
        if it_mw is not None and v > it_mw:
            raise ValueError(f"min_block_mw {v} exceeds it_mw {it_mw}")
        return v


# --------------------------------------------------------------------------- portfolio


class Horizon(Strict):
    start: dt.date = dt.date(2026, 1, 1)
    periods: Annotated[int, Field(ge=1, le=480)] = 40
    period: Literal["month", "quarter", "year"] = "quarter"

    @field_validator("start")
    @classmethod
    def _first_of_month(cls, v: dt.date) -> dt.date:
        if v.day != 1:
            raise ValueError(f"start {v} must be the first day of a month")
        return v


class Finance(Strict):
    discount_rate_per_year: Annotated[float, Field(ge=0, lt=1)] = 0.10
    capex_budget_usd_per_period: PositiveFloat | None = None
    concentration_cap: Annotated[float, Field(gt=0, le=1)] | None = Field(
        None, description="max share of HPC revenue from any one tenant"
    )
    residual_value: bool = Field(
        True, description="count assets' straight-line residual value at the horizon end as a final cash flow"
    )


class Hashprice(Strict):
    """Hashprice path: start value, annual drift, halvings (subsidy halves, fees stay)."""

    usd_per_ph_day: PositiveFloat = Field(40.0)
    change_per_year: Annotated[float, Field(gt=-1, lt=1)] = Field(
        -0.10, description="drift from network growth net of BTC price, per year"
    )
    halvings: list[dt.date] = [dt.date(2028, 4, 15)]
    fee_share: Share = Field(0.03, description="share of miner revenue from fees, unaffected by halvings")
    source: Source = "estimate"


class Scenario(Strict):
    """Market scenario and sensitivity multipliers (1.0 = as described)."""

    name: str = "base"
    hashprice: Hashprice = Hashprice()
    power_price_escalation_per_year: Annotated[float, Field(gt=-0.5, lt=0.5)] = 0.02
    lease_rate_multiplier: PositiveFloat = 1.0
    gpu_hour_multiplier: PositiveFloat = 1.0
    power_price_multiplier: NonNegFloat = 1.0
    capex_multiplier: PositiveFloat = 1.0
    cloud_max_it_mw: NonNegFloat | None = Field(
        None, description="GPU-cloud market: most self-operated IT MW the portfolio can sell, each period"
    )


class PortfolioSpec(Strict):
    """The descriptor a planner is run on."""

    name: Id
    horizon: Horizon = Horizon()
    finance: Finance = Finance()
    scenario: Scenario = Scenario()
    catalog: str | Catalog = Field("bundled", description="'bundled', a catalog file, or an inline catalog")
    sites: list[str | Site] = Field(min_length=1, description="site files (relative to this file) or inline sites")
    tenants: list[TenantOffer] = []


def _json_lists(v: Any) -> Any:
    """`v` with every tuple (at any depth) turned into a list."""
    if isinstance(v, dict):
        return {k: _json_lists(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_lists(x) for x in v]
    return v


def _check_unique(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    dups = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dups:
        raise ValueError(f"duplicate ids in {what}: {', '.join(dups)}")
