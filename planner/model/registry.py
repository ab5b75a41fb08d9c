"""The registry of constraint families: one entry per family the model can build.

Each entry says what the family bounds in the user's words, its unit, the dimensions its
rows run over (rows are named with all of them), the concern module that builds it, its
elastic penalty and slack scale for the diagnosis (None: never relaxed), and the check of
the independent validator that re-tests it (planner.results.validator), or why none does.
The model refuses a family missing here; tests/test_registry.py fails when an entry is
never built, when a family's check does not exist, or when a validator check is not claimed.
"""

from __future__ import annotations

from planner.model.family import M2, MONEY, Family, _f
from planner.model.funding_families import FUNDING

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        # hpc: hall modules, site conversion, self-operated GPUs
        _f(
            "hall_build",
            "hall modules in service never decrease",
            "modules",
            "site hall period",
            "hpc",
            "irreversibility",
        ),
        _f("hall_it", "hall IT capacity", "MW", "site period", "hpc", "hall_it", 1.0),
        _f(
            "hosts_power",
            "HPC at a new site draws power only once the site is converted",
            "MW",
            "site period",
            "hpc",
            "valid_inequality",
        ),
        _f("hosts_build", "a converted site stays converted", "-", "site period", "hpc", "definition"),
        _f("hosts", "site conversion before new halls serve", "modules", "site hall period", "hpc", "definition"),
        _f(
            "hosts_needs_hall",
            "a site counts as converted once its first new hall serves",
            "modules",
            "site period",
            "hpc",
            "definition",
        ),
        _f(
            "gpu_fleet",
            "self-operated IT MW = racks bought in the last life periods",
            "MW",
            "site rack period",
            "cloud",
            "definition",
        ),
        _f("cloud_market", "GPU-cloud market (all operators)", "MW", "period", "cloud", "cloud_market"),
        _f(
            "cloud_in_use",
            "self-operated IT in use within the racks owned",
            "MW",
            "site rack period",
            "cloud",
            "cloud_in_use",
        ),
        _f("operator_cloud_market", "an operator's GPU-cloud market", "MW", "operator period", "cloud", "cloud_market"),
        # tenants
        _f("sign", "tenant signature (committed: exactly one start)", "-", "tenant", "tenants", "tenant_committed"),
        _f(
            "delivery",
            "tenant IT MW over its term",
            "MW",
            "tenant period",
            "tenants",
            "tenant_delivery tenant_unsigned",
            10.0,
        ),
        _f(
            "renewal_delivery",
            "tenant IT MW over its renewals",
            "MW",
            "tenant period",
            "tenants",
            "tenant_delivery tenant_unsigned",
            10.0,
        ),
        _f("block_total", "tenant blocks add up to its IT MW", "MW", "tenant", "tenants", "tenant_block"),
        _f(
            "block",
            "a tenant's block at a site is constant over its term",
            "MW",
            "tenant site period",
            "tenants",
            "tenant_block",
        ),
        _f(
            "renewal_block",
            "a tenant's renewals keep its block at a site",
            "MW",
            "tenant site period",
            "tenants",
            "tenant_block",
        ),
        _f(
            "path_block",
            "a tenant's blocks along its path add up to its IT MW",
            "MW",
            "tenant start option",
            "tenants",
            "definition",
        ),
        _f(
            "path_site",
            "a tenant's block at a site is the one along its path",
            "MW",
            "tenant site",
            "tenants",
            "definition",
        ),
        _f("block_max", "no block at a site the tenant does not use", "MW", "tenant site", "tenants", "tenant_sites"),
        _f("min_block", "minimum block size", "MW", "tenant site", "tenants", "tenant_min_block"),
        _f("max_sites", "most sites per tenant", "sites", "tenant", "tenants", "tenant_sites"),
        _f(
            "tenant_at_hpc_site",
            "a tenant is only served at a converted site",
            "MW",
            "tenant site period",
            "tenants",
            "valid_inequality",
        ),
        # power
        _f(
            "upgrade_build",
            "an interconnect upgrade stays in service",
            "-",
            "upgrade period",
            "power",
            "irreversibility",
        ),
        _f("power_contract", "contracted power", "MW", "site period", "power", "power_contract", 1.0),
        _f("interconnect", "interconnect", "MW", "site period", "power", "interconnect", 1.0),
        _f("energy", "energy drawn over the site's contracts", "MW average", "site period", "power", "cash_flows", 0.0),
        _f(
            "energy_pass_through",
            "energy of tenants who pay it, drawn over the site's contracts",
            "MW average",
            "site period",
            "power",
            "cash_flows",
            0.0,
        ),
        _f(
            "contract_draw",
            "energy drawn from a contract within its MW",
            "MW average",
            "contract period",
            "power",
            "power_contract",
        ),
        _f(
            "resale",
            "only paid, undrawn take-or-pay energy is resold",
            "MW average",
            "contract period",
            "power",
            "cash_flows",
        ),
        _f("take_or_pay", "energy paid: at least the draw", "MW average", "contract period", "power", "cash_flows"),
        # cooling
        _f("cdu_build", "CDUs installed never decrease", "units", "site cdu period", "cooling", "irreversibility"),
        _f("cdu_used_build", "a CDU type in use stays in use", "-", "site cdu period", "cooling", "irreversibility"),
        _f(
            "cdu_used",
            "a CDU type keeps its spare once installed",
            "units",
            "site cdu period",
            "cooling",
            "liquid_cooling",
        ),
        _f(
            "cdu_spare_unit",
            "a CDU type's spare is a unit installed",
            "units",
            "site cdu period",
            "cooling",
            "valid_inequality",
        ),
        _f(
            "cdu_liquid_build",
            "a site cooling by liquid keeps doing so",
            "-",
            "site period",
            "cooling",
            "irreversibility",
        ),
        _f(
            "cdu_spare",
            "a site cooling by liquid keeps an N+1 spare",
            "units",
            "site period",
            "cooling",
            "liquid_cooling",
        ),
        _f(
            "cdu_liquid",
            "liquid-cooled IT only at sites cooling by liquid",
            "MW",
            "site period",
            "cooling",
            "liquid_cooling",
        ),
        _f(
            "liquid_cooling",
            "liquid cooling (CDU capacity less N+1 spares)",
            "MW",
            "site period",
            "cooling",
            "liquid_cooling",
            1.0,
        ),
        _f("air_cooling", "air cooling", "MW", "site period", "cooling", "air_cooling", 1.0),
        # land
        _f("hall_floor", "hall floor area", "m2", "site period", "land", "hall_floor", M2),
        _f(
            "land_buildings",
            "mining buildings (area for converted halls)",
            "m2",
            "site period",
            "land",
            "land_buildings",
            M2,
        ),
        _f("land_buildable", "buildable land (area for new halls)", "m2", "site period", "land", "land_buildable", M2),
        _f(
            "mining_housing",
            "mining buildings (MW of mining they still house)",
            "MW",
            "site period",
            "land",
            "mining_housing",
            0.0,
        ),
        # finance
        _f("budget", "capex budget", "M USD", "period", "finance", "budget", MONEY * 1e6, 1.0),
        _f(
            "concentration",
            "share of HPC revenue per counterparty",
            "M USD",
            "counterparty",
            "finance",
            "concentration",
            MONEY * 1e6,
            1.0,
        ),
        # market re-lease
        _f(
            "market_fleet",
            "IT MW under market leases: signed, not yet ended",
            "MW",
            "market site period",
            "markets",
            "definition",
        ),
        _f(
            "market_rent",
            "IT MW of market leases paying rent (after the downtime)",
            "MW",
            "market site period",
            "markets",
            "definition",
        ),
        _f("market_cap", "market re-lease demand of a region", "MW", "market period", "markets", "market_cap", 1.0),
        # value after the horizon of idle capacity (terminal value "market")
        _f("exit_hall", "idle capacity valued at the end: within the halls", "MW", "site", "exit_value", "cash_flows"),
        _f(
            "exit_power",
            "idle capacity valued at the end: within contracted power",
            "MW",
            "site",
            "exit_value",
            "cash_flows",
        ),
        _f(
            "exit_interconnect",
            "idle capacity valued at the end: within the interconnect",
            "MW",
            "site",
            "exit_value",
            "cash_flows",
        ),
        _f(
            "exit_market_cap",
            "idle capacity valued at the end: within its market's demand",
            "MW",
            "market",
            "exit_value",
            "cash_flows",
        ),
        # funding (planner.model.funding; checks in planner.results.funding_checks)
        *FUNDING,
    )
}

BOUND_CHECKS = {
    "domain": "decisions are non-negative, upgrades 0 or 1 (variable bounds and integrality)",
    "lead_time": "halls and upgrades enter service only after their lead time (upper bounds)",
    "mining_fleet": "mining MW within the fleet (upper bound)",
    "gpu_racks": "self-operated racks bought are whole (integrality, or the exact whole-rack step)",
    "tenant_window": "a tenant starts inside its window (its start variables)",
}
"""Validator checks that re-test variable bounds and integrality, not a constraint family."""

PSEUDO_CHECKS = ("cash_flows", "definition", "valid_inequality")


def penalties() -> dict[str, float]:
    """Family -> elastic penalty per unit, for the families the diagnosis relaxes."""
    return {name: f.penalty for name, f in FAMILIES.items() if f.penalty is not None}


def slack_scales() -> dict[str, float]:
    """Family -> units of the row per unit of slack, where not 1."""
    return {name: f.slack_scale for name, f in FAMILIES.items() if f.slack_scale != 1.0}
