"""Ceilings on every magnitude a descriptor gives: above them a number is not a site, a rack or a price.

One table, :data:`CEILINGS`, each entry a :class:`Ceiling` with the reason for its value. They are
far above anything real (10x to 100x the largest known case), so that no real plan is refused,
and far below what a unit slip (kW for MW, $/kWh for $/MWh) or a fuzzer gives, so that 10^300 MW
is reported as what it is rather than solved. The entries are pydantic metadata: the models of
:mod:`planner.describe.descriptors` write ``Annotated[float, Field(gt=0), CEILINGS["site_mw"]]``,
the JSON Schema gets a ``maximum``, and a value above one is refused with the reason.

Lower bounds (a capacity > 0, a share in [0, 1], a PUE >= 1) and two-sided ranges fixed by
definition (escalation rates, temperatures, lon/lat) stay with their fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema


@dataclass(frozen=True)
class Ceiling:
    """The largest value a quantity may take (inclusive), its unit and why."""

    value: float
    unit: str
    why: str

    def check(self, v: Any) -> Any:
        """`v` unchanged, or a validation error saying the ceiling and why."""
        if v > self.value:
            raise PydanticCustomError(
                "above_ceiling",
                "more than {limit} {unit}: {why}",
                {"limit": _readable(self.value), "unit": self.unit, "why": self.why},
            )
        return v

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler(schema)
        out["maximum"] = self.value
        return out


def _readable(value: float) -> str:
    """1e11 -> '100 billion', 20000 -> '20,000', 0.05 -> '0.05'."""
    for size, word in ((1e9, " billion"), (1e6, " million")):
        if value >= size:
            return f"{value / size:,g}{word}"
    return f"{value:,g}" if value < 1000 else f"{value:,.0f}"


CEILINGS: dict[str, Ceiling] = {
    # ---- power
    "site_mw": Ceiling(10_000, "MW", "no single site draws 10 GW (the largest campuses announced plan 1-5 GW)"),
    "interconnect_mw": Ceiling(20_000, "MW", "three times the largest US power plant (~7 GW), not one grid connection"),
    "tenant_it_mw": Ceiling(20_000, "MW", "the largest AI leases signed are a few GW, over several campuses"),
    "market_it_mw": Ceiling(100_000, "MW", "twice the ~50 GW of new US data-centre demand the DOE expects by 2030"),
    "hall_it_mw": Ceiling(500, "MW", "hall modules are 10-100 MW of IT; 500 MW in one module is a campus"),
    "rack_it_kw": Ceiling(1_000, "kW", "an NVL72 rack draws 120-140 kW; 1 MW per rack is beyond every roadmap"),
    "cdu_kw": Ceiling(10_000, "kW", "floor CDUs are 0.1-2.6 MW each"),
    "asic_watts": Ceiling(100_000, "W", "an S21 XP Hydro draws 5.7 kW; 100 kW is a container, not one ASIC"),
    # ---- counts
    "rack_gpus": Ceiling(1_024, "GPUs", "the densest announced rack holds 576 GPUs"),
    "fleet_units": Ceiling(
        10_000_000, "ASICs", "the whole Bitcoin network is ~4-5 million S21-class ASICs (~1.1 ZH/s)"
    ),
    "fleet_ph_per_s": Ceiling(2_000_000, "PH/s", "twice the whole Bitcoin network (~1.1 million PH/s in late 2025)"),
    "asic_th_per_s": Ceiling(10_000, "TH/s", "the fastest ASIC (S21 XP Hydro) does 473 TH/s"),
    "existing_halls": Ceiling(1_000, "hall modules", "1,000 modules of 20 MW would be 20 GW at one site"),
    "existing_cdus": Ceiling(100_000, "CDUs", "100,000 CDUs would cool 100 GW or more"),
    "max_sites": Ceiling(1_000, "sites", "no operator has 1,000 sites"),
    # ---- space
    "setback_m": Ceiling(5_000, "m", "zoning setbacks are 10-300 m; 5 km leaves no parcel"),
    "rack_footprint_m2": Ceiling(1_000, "m²", "a rack with its share of the aisle takes 2-4 m²; 1,000 m² is a hall"),
    "equipment_footprint_m2": Ceiling(1_000, "m²", "a floor CDU takes 2-10 m²"),
    "hall_footprint_m2": Ceiling(1_000_000, "m²", "a 100 MW hall takes 10,000-20,000 m²"),
    # ---- money
    "price_usd_per_mwh": Ceiling(
        10_000, "USD/MWh", "twice ERCOT's $5,000/MWh offer cap, the highest US wholesale price cap"
    ),
    "item_usd": Ceiling(100e6, "USD", "the dearest single item, an NVL72 rack, costs $2-4 million"),
    "project_usd": Ceiling(100e9, "USD", "one upgrade or conversion costing more than a whole multi-site AI programme"),
    "budget_usd_per_period": Ceiling(
        1e12, "USD", "a trillion dollars in one period is more than the industry spends in a year"
    ),
    "capex_usd_per_mw": Ceiling(100e6, "USD/MW", "greenfield AI halls cost $9-15 million per MW of IT"),
    "lease_usd_per_kw_month": Ceiling(10_000, "USD/kW-month", "colocation asks $100-200/kW-month"),
    "gpu_hour_usd": Ceiling(1_000, "USD/GPU-hour", "GPU rental is $2-6 per GPU-hour"),
    "hashprice_usd_per_ph_day": Ceiling(
        10_000, "USD/PH/day", "about 100 times the $109/PH/day before the April 2024 halving"
    ),
    "opex_usd_per_mw_year": Ceiling(20e6, "USD/MW-year", "self-operated GPU clouds spend a few $ million per MW-year"),
    "peak_usd_per_kw_year": Ceiling(1_000, "USD/kW-year", "ERCOT 4CP charges are $50-150/kW-year"),
    "demand_response_usd_per_mw_year": Ceiling(
        1e6, "USD/MW-year", "$114/MWh for every hour of the year: more than the energy itself"
    ),
    "multiplier": Ceiling(100, "times", "a sensitivity of 100x the described value is no scenario"),
    # ---- time and efficiency
    "term_months": Ceiling(600, "months", "that is 50 years; the longest data-centre leases run 15-20"),
    "lead_time_months": Ceiling(
        120, "months", "that is 10 years; switchgear takes ~1 year, signing to first IT 10-18 months"
    ),
    "life_years": Ceiling(60, "years", "GPUs last 4-6 years, halls 20-30, substations 40-60"),
    "horizon_periods": Ceiling(480, "periods", "40 years of months, beyond every plan"),
    "pue": Ceiling(3.0, "(PUE)", "the industry average is 1.56; 3 means two watts of cooling per watt of IT"),
    "pue_per_degc": Ceiling(0.05, "PUE/°C", "a hot climate adds ~0.01 PUE per °C"),
}
"""Every ceiling, by quantity (the key the descriptor models use)."""
