"""Capacitated facility location (OR-Library cap41 .. cap134) reduced to a dcplan portfolio.

One period (a year, undiscounted), no mining, PUE 1, free energy, one committed tenant per
customer j (IT kW = demand d_j, so IT MW = d_j / 1000: the instances' capacities reach 58,268
units, and no real site has 58 GW; eligible at every site, split allowed), each site i holding
s_i / 1000 MW at a one-time conversion cost f_i. With per-site lease rates

    rate_ij = (R - 1000 c_ij / d_j) / 12000  USD per kW-month,  R = max_ij 1000 c_ij / d_j

(R keeps them >= 0), the NPV dcplan maximises is R sum_j d_j / 1000 - (sum_i f_i y_i + sum_ij c_ij x_ij),
so the minimum cost of the instance is R sum_j d_j / 1000 - NPV*.

Used by tests/test_cflp.py (Beasley's published optima must come back) and by
benchmarks/cflp.py (dcplan against a bare formulation of the same instance).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pulp

from planner.describe.loading import Portfolio, portfolio_from_dict
from planner.testing.catalogs import neutral_operating
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

CATALOG: dict[str, Any] = {
    "racks": [
        {
            "id": "unit",
            "it_kw": 1,
            "gpus": 1,
            "cooling": "air",
            "footprint_m2": 1e-6,
            "capex_usd": 0,
            "gpu_hour_usd": 0,
            "gpu_hour_change_per_year": 0,
            "life_years": 5,
            "source": "test",
        }
    ],
    "cooling_units": [
        {"id": "cdu", "capacity_kw": 1000, "footprint_m2": 1, "capex_usd": 0, "life_years": 15, "source": "test"}
    ],
    "asics": [{"id": "asic", "th_per_s": 200, "watts": 3500, "price_usd": 0, "source": "test"}],
    "hall_modules": [
        {
            "id": "campus",
            "kind": "new_build",
            "it_mw": 100,
            "footprint_m2": 1,
            "capex_usd_per_mw_it": 0,
            "lead_time_months": 0,
            "pue_liquid": 1.0,
            "pue_air": 1.0,
            "life_years": 20,
            "source": "test",
        }
    ],
    "operating": neutral_operating(cloud_opex_usd_per_mw_year=0),
}
"""A neutral catalog: one 1 kW air rack at no cost, one free 100 MW hall module, PUE 1."""


@dataclass(frozen=True)
class Instance:
    """One OR-Library capacitated facility location instance (units of the file)."""

    name: str
    capacity: np.ndarray
    """[m] capacity s_i of each facility."""
    fixed: np.ndarray
    """[m] fixed cost f_i of opening each facility."""
    demand: np.ndarray
    """[n] demand d_j of each customer."""
    cost: np.ndarray
    """[m, n] cost c_ij of serving all of customer j's demand from facility i."""


def read_instance(path: Path) -> Instance:
    """The instance of an OR-Library cap file: `m n`, m pairs `capacity fixed`, then for each customer
    its demand and the m costs of serving all of it from each facility."""
    tok = path.read_text().split()
    m, n = int(tok[0]), int(tok[1])
    pairs = np.array(tok[2 : 2 + 2 * m], dtype=float).reshape(m, 2)
    rows = np.array(tok[2 + 2 * m : 2 + 2 * m + n * (1 + m)], dtype=float).reshape(n, 1 + m)
    return Instance(path.stem, pairs[:, 0], pairs[:, 1], rows[:, 0], np.ascontiguousarray(rows[:, 1:].T))


def read_optima(path: Path) -> dict[str, float]:
    """Published optimum of each instance, from lines `name value`."""
    lines = (line.split() for line in path.read_text().splitlines() if line.strip())
    return {name: float(value) for name, value in lines}


def cflp_portfolio(inst: Instance) -> tuple[Portfolio, float]:
    """The instance as a portfolio, and R sum_j d_j / 1000: the revenue at par, from which the cost of
    a plan is recovered as revenue at par - NPV (module docstring)."""
    cap, demand = inst.capacity / 1000.0, inst.demand / 1000.0  # units of the instance -> MW (1 unit = 1 kW)
    per_unit = inst.cost / demand[None, :]
    R = float(per_unit.max())
    site_ids = [f"w{i}" for i in range(len(cap))]
    sites = [
        site_dict(
            sid,
            contract_mw=float(cap[i]),
            price_usd_per_mwh=0.0,
            mining_mw=0.0,
            air_capacity_mw=float(cap[i]),
            conversion_cost_usd=float(inst.fixed[i]),
            parcel_m2=40_000.0,
        )
        for i, sid in enumerate(site_ids)
    ]
    tenants = [_tenant(j, site_ids, float(demand[j]), R, per_unit[:, j]) for j in range(len(demand))]
    data = portfolio_dict(
        "cflp",
        sites,
        tenants,
        periods=1,
        period="year",
        catalog=CATALOG,
        finance={"discount_rate_per_year": 0.0, "terminal_value": "none"},
    )
    return portfolio_from_dict(data, Path(".")), R * float(demand.sum())


def _tenant(j: int, site_ids: list[str], it_mw: float, R: float, per_unit: np.ndarray) -> dict[str, Any]:
    """Customer j as a committed one-year tenant, eligible everywhere, at rate (R - c_ij / d_j) / 12000."""
    return tenant_dict(
        f"c{j}",
        site_ids,
        it_mw=it_mw,
        rate_usd_per_kw_month=R / 12000.0,
        term_months=12,
        start_earliest="2026-01-01",
        start_latest="2026-01-01",
        rack_type="unit",
        committed=True,
        max_sites=len(site_ids),
        power="included",
        site_rates_usd_per_kw_month={sid: (R - per_unit[i]) / 12000.0 for i, sid in enumerate(site_ids)},
    )


def bare_problem(inst: Instance, strong: bool = True) -> pulp.LpProblem:
    """The instance's textbook MILP in PuLP, for comparison with dcplan's model of it:

        min  sum_i f_i y_i + sum_ij c_ij x_ij
        s.t. sum_i x_ij = 1                  for every customer j   (x_ij: share of j served by i)
             sum_j d_j x_ij <= s_i y_i       for every facility i
             x_ij <= y_i                     for every i, j          (the strong links; strong=True)
             0 <= x_ij <= 1, y_i binary.

    The strong links do not change the optimum; they make the LP relaxation far tighter
    (the "strong formulation" of the facility-location literature)."""
    m, n = inst.cost.shape
    prob = pulp.LpProblem(f"{inst.name}_bare", pulp.LpMinimize)
    y = [prob.add_variable(f"y{i}", cat=pulp.LpBinary) for i in range(m)]
    x = [[prob.add_variable(f"x{i}_{j}", 0, 1) for j in range(n)] for i in range(m)]
    prob += pulp.lpSum(float(inst.fixed[i]) * y[i] for i in range(m)) + pulp.lpSum(
        float(inst.cost[i, j]) * x[i][j] for i in range(m) for j in range(n)
    )
    for j in range(n):
        prob += pulp.lpSum(x[i][j] for i in range(m)) == 1, f"serve{j}"
    for i in range(m):
        supply = pulp.lpSum(float(inst.demand[j]) * x[i][j] for j in range(n))
        prob += supply <= float(inst.capacity[i]) * y[i], f"capacity{i}"
        for j in range(n) if strong else ():
            prob += x[i][j] <= y[i], f"link{i}_{j}"
    return prob


def solve_bare(prob: pulp.LpProblem, rel_gap: float) -> tuple[bool, float | None]:
    """Solve with PuLP's own HiGHS adapter (as a PuLP user would): (optimal, objective). PuLP 3
    returns the status code, PuLP 4 an LpSolveStats holding it; 1 is optimal in both."""
    outcome = prob.solve(pulp.HiGHS(msg=False, gapRel=rel_gap))
    return getattr(outcome, "status", outcome) == 1, pulp.value(prob.objective)
