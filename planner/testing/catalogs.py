"""Catalogs for generated portfolios, as plain data.

:data:`SMALL_CATALOG` is a fast inline catalog (two rack types, one CDU, one ASIC, two hall
types) whose figures are test values, not market data; :func:`bundled_catalog_dict` is the
catalog shipped with dcplan, which the generators read to size fleets and halls.
"""

from __future__ import annotations

import copy
import functools

from planner.testing import Descriptor

SMALL_CATALOG: Descriptor = {
    "racks": [
        {
            "id": "lq-100",
            "it_kw": 100.0,
            "gpus": 64,
            "cooling": "liquid",
            "footprint_m2": 3.0,
            "capex_usd": 2_000_000.0,
            "gpu_hour_usd": 4.0,
            "gpu_hour_change_per_year": -0.15,
            "life_years": 5.0,
            "source": "test: small catalog",
        },
        {
            "id": "air-40",
            "it_kw": 40.0,
            "gpus": 32,
            "cooling": "air",
            "footprint_m2": 3.0,
            "capex_usd": 1_000_000.0,
            "gpu_hour_usd": 2.5,
            "gpu_hour_change_per_year": -0.2,
            "life_years": 4.0,
            "source": "test: small catalog",
        },
    ],
    "cooling_units": [
        {
            "id": "cdu-1000",
            "capacity_kw": 1000.0,
            "footprint_m2": 4.0,
            "capex_usd": 500_000.0,
            "redundancy": "N+1",
            "life_years": 12.0,
            "source": "test: small catalog",
        },
    ],
    "asics": [
        {"id": "asic-200", "th_per_s": 200.0, "watts": 3500.0, "price_usd": 5000.0, "source": "test: small catalog"},
    ],
    "hall_modules": [
        {
            "id": "conv-10",
            "kind": "conversion",
            "it_mw": 10.0,
            "footprint_m2": 3000.0,
            "capex_usd_per_mw_it": 7_000_000.0,
            "lead_time_months": 3,
            "pue_liquid": 1.25,
            "pue_air": 1.4,
            "life_years": 20.0,
            "source": "test: small catalog",
        },
        {
            "id": "new-10",
            "kind": "new_build",
            "it_mw": 10.0,
            "footprint_m2": 3000.0,
            "capex_usd_per_mw_it": 10_000_000.0,
            "lead_time_months": 6,
            "pue_liquid": 1.2,
            "pue_air": 1.35,
            "life_years": 25.0,
            "source": "test: small catalog",
        },
    ],
    "operating": {
        "mining_opex_usd_per_mw_year": 60_000.0,
        "hpc_opex_usd_per_mw_year": 200_000.0,
        "cloud_opex_usd_per_mw_year": 400_000.0,
        "hpc_load_factor": 0.8,
        "cloud_utilisation": 0.75,
        "mining_uptime": 0.95,
        "pue_mining_air": 1.3,
        "pue_mining_immersion": 1.06,
        "pue_per_degc_above_15": 0.005,
        "grid_asset_life_years": 30.0,
        "source": "test: small catalog",
    },
}
"""A fast inline catalog: two rack types (liquid, air), one CDU, one ASIC, a 10 MW
conversion hall (3-month lead) and a 10 MW new-build hall (6-month lead)."""


def neutral_operating(**over: float) -> Descriptor:
    """Operating costs that stay out of a hand computation: no mining or hall opex, PUE 1 for
    mining, no temperature derating, every MW used all the time; self-operated cloud costs 1,000
    USD per MW-year (so that a rack earning nothing is never bought); `over` changes any of them."""
    return {
        "mining_opex_usd_per_mw_year": 0,
        "hpc_opex_usd_per_mw_year": 0,
        "cloud_opex_usd_per_mw_year": 1000,
        "hpc_load_factor": 1.0,
        "cloud_utilisation": 1.0,
        "mining_uptime": 1.0,
        "pue_mining_air": 1.0,
        "pue_mining_immersion": 1.0,
        "pue_per_degc_above_15": 0.0,
        "grid_asset_life_years": 30,
        "source": "test",
        **over,
    }


def bundled_catalog_dict() -> Descriptor:
    """The bundled catalog as plain data (the generators need its figures); a fresh copy."""
    return copy.deepcopy(_bundled())


@functools.lru_cache(maxsize=1)
def _bundled() -> Descriptor:
    """The bundled catalog dumped once per process (loading it validates every entry)."""
    from planner.describe.loading import bundled_catalog

    return bundled_catalog().model_dump(mode="json")
