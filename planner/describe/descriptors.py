"""Descriptor format: what a planning engineer writes, as pydantic v2 models.

The catalog models live in :mod:`planner.describe.catalog`, the base model and quantity types
in :mod:`planner.describe.fields`; all are importable from here. Every model forbids unknown
keys (a mis-indented cost key must not silently make a technology free), every quantity
carries its unit in its name, every number must be finite and every magnitude is capped by
its entry in :data:`planner.describe.bounds.CEILINGS`. Cross-references (tenant -> site,
tenant -> rack type, fleet -> ASIC model) and dates against the horizon are checked in
:mod:`planner.describe.checks`, where the catalog, the horizon and all sites are known together.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from planner.describe.bounds import CEILINGS as C
from planner.describe.catalog import AsicModel, Catalog, CoolingUnit, HallModule, OperatingCosts, RackType
from planner.describe.contracts import Counterparty, Market, TenantOffer
from planner.describe.fields import (
    NON_NEGATIVE,
    POSITIVE,
    Id,
    LeadTimeMonths,
    Multiplier,
    ProjectUSD,
    Share,
    SiteMW,
    SiteMWOrZero,
    Source,
    Strict,
    check_unique,
)
from planner.describe.finance import Finance, Operator
from planner.describe.financing import Financing

__all__ = [
    "AsicModel", "Building", "Catalog", "Cooling", "CoolingUnit", "Counterparty", "Finance", "HallModule", "Hashprice",
    "Horizon", "Market", "Operator", "Segment",
    "Interconnect", "Land", "Location", "MiningFleet", "OperatingCosts", "PortfolioSpec", "PowerContract", "RackType",
    "Scenario", "Site", "Strict", "TenantOffer", "Upgrade", "WorkInProgress",
]  # fmt: skip

# --------------------------------------------------------------------------- site


class PowerContract(Strict):
    """A power supply contract: firm MW at a price, with a take-or-pay share of its energy."""

    id: Id
    mw: SiteMW
    price_usd_per_mwh: Annotated[float, NON_NEGATIVE, C["price_usd_per_mwh"]]
    start: dt.date | None = Field(
        default=None, description="first day in force (default: the horizon start); any past date is fine"
    )
    end: dt.date | None = Field(
        default=None,
        description="first day no longer in force (default: beyond the horizon); must be after the horizon start: "
        "a contract that has ended supplies nothing and is refused",
    )
    take_or_pay_share: Share = 0.0
    resale_price_usd_per_mwh: Annotated[float, NON_NEGATIVE, C["price_usd_per_mwh"]] | None = Field(
        default=None,
        description="take-or-pay energy paid but not drawn is resold at this price (default: not "
        "resold; the contract may not allow it)",
    )
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
    mw: Annotated[float, POSITIVE, C["interconnect_mw"]]
    capex_usd: ProjectUSD
    lead_time_months: LeadTimeMonths
    source: Source = "estimate"


class Interconnect(Strict):
    """The site's grid connection: MW energized now and upgrade options."""

    mw: Annotated[float, NON_NEGATIVE, C["interconnect_mw"]] = Field(description="energized interconnect capacity now")
    upgrades: list[Upgrade] = []
    source: Source = "estimate"

    @field_validator("upgrades")
    @classmethod
    def _unique(cls, v: list[Upgrade]) -> list[Upgrade]:
        check_unique([u.id for u in v], "upgrades")
        return v


class Cooling(Strict):
    """How the site is cooled now, and the air cooling left for air-cooled GPU racks."""

    existing: Literal["air", "immersion", "hydro", "none"] = Field(description="how the mining fleet is cooled")
    air_capacity_mw: SiteMWOrZero = Field(default=0.0, description="heat rejection available to air-cooled GPU racks")
    mean_temp_c: Annotated[float, Field(ge=-40, le=45)] = Field(description="annual mean dry-bulb temperature")
    source: Source = "estimate"


class Building(Strict):
    """An existing mining building; its footprint is the land file's feature with this id."""

    id: Id
    mining_mw: SiteMWOrZero = Field(description="mining IT MW the building houses now")


class Land(Strict):
    """Land: a geo file (GeoJSON or any format geopandas reads), or inline GeoJSON, whose
    features carry a `role` property: one `parcel`, any number of `exclusion`, and
    `building` features whose `id` matches an entry of `buildings`. A GeoJSON without a
    `crs` member is in lon/lat (EPSG:4326, RFC 7946)."""

    file: str | None = Field(default=None, description="geo file relative to the site descriptor")
    geojson: dict[str, Any] | None = Field(
        default=None, description="inline GeoJSON FeatureCollection, instead of a file"
    )
    setback_m: Annotated[float, NON_NEGATIVE, C["setback_m"]] = 0.0
    buildings: list[Building] = []
    source: Source = "estimate"

    @field_validator("geojson")
    @classmethod
    def _plain(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return _json_lists(v)  # tuples (e.g. shapely's mapping) as lists: as read back from YAML or JSON

    @field_validator("buildings")
    @classmethod
    def _unique(cls, v: list[Building]) -> list[Building]:
        check_unique([b.id for b in v], "buildings")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> Land:
        if (self.file is None) == (self.geojson is None):
            raise ValueError("give exactly one of file or geojson")
        return self


class MiningFleet(Strict):
    """The site's ASIC fleet: one model, by units or by hashrate."""

    asic: Id
    units: Annotated[int, NON_NEGATIVE, C["fleet_units"]] | None = None
    hashrate_ph_per_s: Annotated[float, NON_NEGATIVE, C["fleet_ph_per_s"]] | None = None
    source: Source = "estimate"

    @model_validator(mode="after")
    def _one_size(self) -> MiningFleet:
        if (self.units is None) == (self.hashrate_ph_per_s is None):
            raise ValueError("give exactly one of units or hashrate_ph_per_s")
        return self


class Location(Strict):
    """A point (WGS84 degrees): where the site is."""

    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]


class WorkInProgress(Strict):
    """Capacity under construction at the horizon start: in service from a date, with capex left to pay."""

    kind: Literal["hall", "cdu", "upgrade"]
    id: Id = Field(description="a hall module or cooling unit of the catalog, or an upgrade of this site")
    units: Annotated[int, Field(ge=1), C["existing_halls"]] = 1
    in_service: dt.date = Field(description="first day in service (after the horizon start)")
    remaining_capex_usd: ProjectUSD = Field(default=0.0, description="still to pay, drawn until in service")
    source: Source = "estimate"


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
    existing_halls: dict[str, Annotated[int, NON_NEGATIVE, C["existing_halls"]]] = Field(
        default={}, description="HPC hall modules (catalog id -> count) already in service at the horizon start"
    )
    existing_cdus: dict[str, Annotated[int, NON_NEGATIVE, C["existing_cdus"]]] = Field(
        default={}, description="CDUs (catalog id -> count) already installed at the horizon start"
    )
    work_in_progress: list[WorkInProgress] = Field(
        default=[], description="halls, CDUs and upgrades under construction at the horizon start"
    )
    conversion_cost_usd: ProjectUSD = Field(default=0.0, description="one-time cost when the site first hosts HPC")
    coincident_peak_usd_per_kw_year: Annotated[float, NON_NEGATIVE, C["peak_usd_per_kw_year"]] = Field(
        default=0.0, description="transmission charge on firm load"
    )
    demand_response_usd_per_mw_year: Annotated[float, NON_NEGATIVE, C["demand_response_usd_per_mw_year"]] = Field(
        default=0.0, description="credit for interruptible load"
    )
    notes: str = ""
    source: Source = "estimate"

    @field_validator("power_contracts")
    @classmethod
    def _unique(cls, v: list[PowerContract]) -> list[PowerContract]:
        check_unique([c.id for c in v], "power_contracts")
        return v


# --------------------------------------------------------------------------- tenants


# --------------------------------------------------------------------------- portfolio


class Segment(Strict):
    """A run of equal periods of the horizon."""

    period: Literal["month", "quarter", "year"]
    periods: Annotated[int, Field(ge=1), C["horizon_periods"]]


class Horizon(Strict):
    """The planning horizon: its start and its periods (one length, or segments of growing length)."""

    start: dt.date = Field(
        default=dt.date(2026, 1, 1), description="first day of the first period: the first of a month"
    )
    periods: Annotated[int, Field(ge=1), C["horizon_periods"]] = 40
    period: Literal["month", "quarter", "year"] = "quarter"
    segments: list[Segment] | None = Field(
        default=None,
        description="periods of growing length, e.g. 20 quarters then 15 years (instead of "
        "periods and period); each segment starts on a boundary of its period length",
    )

    @field_validator("start")
    @classmethod
    def _first_of_month(cls, v: dt.date) -> dt.date:
        if v.day != 1:
            raise ValueError(f"start {v} must be the first day of a month")
        return v

    @field_validator("segments")
    @classmethod
    def _aligned(cls, v: list[Segment] | None, info: ValidationInfo) -> list[Segment] | None:
        start = info.data.get("start")
        if v is None or start is None:
            return v
        month = start.month - 1
        for i, seg in enumerate(v):
            length = {"month": 1, "quarter": 3, "year": 12}[seg.period]
            if month % length:
                raise ValueError(
                    f"segment {i} ({seg.period}s) starts in month {month % 12 + 1} of its year, not on "
                    f"a {seg.period} boundary"
                )
            month += length * seg.periods
        if month - (start.month - 1) > C["horizon_periods"].value * 12:
            raise ValueError("the segments add up to more than 480 years")
        return v

    def segment_list(self) -> list[tuple[str, int]]:
        """(period kind, count) of every segment."""
        return [(s.period, s.periods) for s in self.segments] if self.segments else [(self.period, self.periods)]


class Hashprice(Strict):
    """Hashprice path: start value, annual drift, halvings (subsidy halves, fees stay)."""

    usd_per_ph_day: Annotated[float, POSITIVE, C["hashprice_usd_per_ph_day"]] = Field(default=40.0)
    change_per_year: Annotated[float, Field(gt=-1, lt=1)] = Field(
        default=-0.10, description="drift from network growth net of BTC price, per year"
    )
    halvings: list[dt.date] = Field(
        default=[dt.date(2028, 4, 15)],
        description="dates of the halvings to come, each listed once, none before the horizon start "
        "(a past halving is already in usd_per_ph_day)",
    )
    fee_share: Share = Field(default=0.03, description="share of miner revenue from fees, unaffected by halvings")
    source: Source = "estimate"


class Scenario(Strict):
    """Market scenario and sensitivity multipliers (1.0 = as described)."""

    name: str = "base"
    hashprice: Hashprice = Hashprice()
    power_price_escalation_per_year: Annotated[float, Field(gt=-0.5, lt=0.5)] = 0.02
    lease_rate_multiplier: Multiplier = 1.0
    gpu_hour_multiplier: Multiplier = 1.0
    power_price_multiplier: Annotated[float, NON_NEGATIVE, C["multiplier"]] = 1.0
    capex_multiplier: Multiplier = 1.0
    cloud_max_it_mw: Annotated[float, NON_NEGATIVE, C["market_it_mw"]] | None = Field(
        default=None, description="GPU-cloud market: most self-operated IT MW the portfolio can sell, each period"
    )


class PortfolioSpec(Strict):
    """The descriptor a planner is run on."""

    name: Id
    horizon: Horizon = Horizon()
    finance: Finance = Finance()
    operators: list[Operator] = Field(default=[], description="per operator: what only it can sell")
    scenario: Scenario = Scenario()
    catalog: str | Catalog = Field(default="bundled", description="'bundled', a catalog file, or an inline catalog")
    sites: list[str | Site] = Field(min_length=1, description="site files (relative to this file) or inline sites")
    tenants: list[TenantOffer] = []
    counterparties: list[Counterparty] = []
    markets: list[Market] = Field(default=[], description="market re-lease demand for built capacity")
    financing: Financing | None = Field(default=None, description="debt and equity per operator (default: none)")

    @field_validator("operators", "counterparties", "markets")
    @classmethod
    def _unique_ids(cls, v: list[Any], info: ValidationInfo) -> list[Any]:
        check_unique([x.id for x in v], info.field_name or "")
        return v


def _json_lists(v: Any) -> Any:
    """`v` with every tuple (at any depth) turned into a list."""
    if isinstance(v, dict):
        return {k: _json_lists(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_lists(x) for x in v]
    return v
