"""The technology catalog: GPU rack types, cooling units, ASICs, hall modules, operating costs.

Bundled as planner/data/catalog.yaml (every figure with its `source`); a portfolio may name
another catalog file or give one inline.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from planner.describe.bounds import CEILINGS as C
from planner.describe.fields import (
    NON_NEGATIVE,
    POSITIVE,
    Id,
    ItemUSD,
    LeadTimeMonths,
    LifeYears,
    OpexUSDPerMWYear,
    Pue,
    Source,
    Strict,
    check_unique,
)

FIRST_DELIVERY = {
    "H100": dt.date(2022, 10, 1),  # S-NV-DGX-H100: DGX H100 announced Mar 2022, shipping from Q4 2022
    "H200": dt.date(2024, 10, 1),  # S-IREN-H200-2024: delivered 4Q 2024
    "B200": dt.date(2025, 1, 1),  # S-NV-DGX-B200: 2025
    "GB200": dt.date(2024, 12, 1),  # S-NV-GB200-NVL72: shipping from Dec 2024
    "GB300": dt.date(2025, 7, 1),  # S-NV-GB300-NVL72: first delivery Jul 2025
}
"""First delivery of each GPU generation (sites/SOURCES.md): a rack type cannot be bought before."""


class RackType(Strict):
    """A GPU rack (position) type."""

    id: Id
    it_kw: Annotated[float, POSITIVE, C["rack_it_kw"]]
    gpus: Annotated[int, Field(ge=1), C["rack_gpus"]]
    cooling: Literal["liquid", "air"]
    footprint_m2: Annotated[float, POSITIVE, C["rack_footprint_m2"]] = Field(
        description="floor area per rack including its aisle share"
    )
    capex_usd: ItemUSD = Field(description="purchase price when self-operated (cloud)")
    gpu_hour_usd: Annotated[float, NON_NEGATIVE, C["gpu_hour_usd"]] = Field(
        description="rental rate per GPU-hour at the horizon start, self-operated"
    )
    gpu_hour_change_per_year: Annotated[float, Field(gt=-1, lt=1)] = Field(
        description="annual relative change of the GPU-hour rate (negative: prices fall)"
    )
    life_years: LifeYears = Field(description="economic life of self-operated GPUs: they retire after it")
    generation: Literal["H100", "H200", "B200", "GB200", "GB300", "future"] | None = Field(
        default=None, description="NVIDIA generation; no rack of it can be bought before its first delivery"
    )
    available_from: dt.date | None = Field(
        default=None, description="first day self-operated racks of this type can be bought (default: any time)"
    )
    source: Source

    @field_validator("available_from")
    @classmethod
    def _exists(cls, v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        generation = info.data.get("generation")
        first = FIRST_DELIVERY.get(generation or "")
        if v is not None and first is not None and v < first:
            raise ValueError(f"available from {v}, before the first {generation} delivery ({first}, SOURCES.md)")
        return v


class CoolingUnit(Strict):
    """A coolant distribution unit (CDU) for direct-to-chip liquid cooling."""

    id: Id
    capacity_kw: Annotated[float, POSITIVE, C["cdu_kw"]]
    footprint_m2: Annotated[float, POSITIVE, C["equipment_footprint_m2"]]
    capex_usd: ItemUSD
    redundancy: Literal["N", "N+1"] = "N+1"
    life_years: LifeYears = Field(description="service life, for the residual value at the horizon end")
    source: Source


class AsicModel(Strict):
    """A bitcoin-mining ASIC."""

    id: Id
    th_per_s: Annotated[float, POSITIVE, C["asic_th_per_s"]]
    watts: Annotated[float, POSITIVE, C["asic_watts"]]
    price_usd: ItemUSD
    source: Source


class HallModule(Strict):
    """An HPC hall module, either converted inside an existing mining building or newly built."""

    id: Id
    kind: Literal["conversion", "new_build"]
    it_mw: Annotated[float, POSITIVE, C["hall_it_mw"]]
    footprint_m2: Annotated[float, POSITIVE, C["hall_footprint_m2"]]
    capex_usd_per_mw_it: Annotated[float, NON_NEGATIVE, C["capex_usd_per_mw"]]
    lead_time_months: LeadTimeMonths
    pue_liquid: Pue
    pue_air: Pue
    life_years: LifeYears = Field(description="service life, for the residual value at the horizon end")
    source: Source


class OperatingCosts(Strict):
    """Fixed operating costs and operating factors, per MW of IT."""

    mining_opex_usd_per_mw_year: OpexUSDPerMWYear
    hpc_opex_usd_per_mw_year: OpexUSDPerMWYear
    cloud_opex_usd_per_mw_year: OpexUSDPerMWYear = Field(
        description="extra opex of self-operating GPUs (staff, network, software)"
    )
    hpc_load_factor: Annotated[float, Field(gt=0, le=1)] = Field(description="average IT draw / provisioned IT")
    cloud_utilisation: Annotated[float, Field(gt=0, le=1)] = Field(description="sold GPU-hours / available GPU-hours")
    mining_uptime: Annotated[float, Field(gt=0, le=1)] = Field(description="share of hours mining runs (curtailment)")
    pue_mining_air: Pue
    pue_mining_immersion: Pue
    pue_per_degc_above_15: Annotated[float, NON_NEGATIVE, C["pue_per_degc"]] = Field(
        description="added HPC PUE per degree C of annual mean temperature above 15 C"
    )
    grid_asset_life_years: LifeYears = Field(
        description="service life of interconnect upgrades and site conversion works (residual value)"
    )
    cloud_capex_factor: Annotated[float, Field(ge=1.0, le=3.0)] = Field(
        default=1.0, description="all-in self-operated cluster capex / rack capex (networking, storage, ancillaries)"
    )
    cloud_opex_share_of_revenue: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        default=0.0, description="self-operated cloud opex that scales with its revenue (sales, support, software)"
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
        check_unique([x.id for x in v], info.field_name or "")
        return v
