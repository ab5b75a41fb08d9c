"""Published optima: tenant placement reduced to capacitated facility location.

One period (a year, undiscounted), no mining, PUE 1, free energy, one committed tenant per
customer j (IT kW = demand d_j, so IT MW = d_j / 1000: the instances' capacities reach 58,268
units, and no real site has 58 GW; eligible at every site, split allowed), each site i holding
s_i / 1000 MW at a one-time conversion cost f_i. With per-site lease rates
rate_ij = (R - 1000 c_ij / d_j) / 12000 $/kW-month (R = max_ij 1000 c_ij / d_j keeps them >= 0), the
NPV dcplan maximises is R sum_j d_j / 1000 - (sum_i f_i y_i + sum_ij c_ij x_ij), so the minimum
cost is R sum_j d_j / 1000 - NPV*. Beasley's OR-Library optima (tests/data/cflp, see its README) must
come back to a relative 1e-7, through dcplan's own descriptors, loader and model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner import plan, portfolio_from_dict
from planner.testing.catalogs import neutral_operating
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

CFLP = Path(__file__).resolve().parent / "data" / "cflp"
OPTIMA = {
    n: float(v) for n, v in (line.split() for line in (CFLP / "optima.txt").read_text().splitlines() if line.strip())
}

CATALOG = {
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


def read_instance(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(capacity[m], fixed cost[m], demand[n], cost[m, n]) in OR-Library cap format."""
    tok = path.read_text().split()
    m, n = int(tok[0]), int(tok[1])
    pos = 2
    cap, fixed = np.zeros(m), np.zeros(m)
    for i in range(m):
        cap[i], fixed[i] = float(tok[pos]), float(tok[pos + 1])
        pos += 2
    demand, cost = np.zeros(n), np.zeros((m, n))
    for j in range(n):
        demand[j] = float(tok[pos])
        cost[:, j] = [float(x) for x in tok[pos + 1 : pos + 1 + m]]
        pos += 1 + m
    return cap, fixed, demand, cost


def cflp_portfolio(cap, fixed, demand, cost):
    cap, demand = cap / 1000.0, demand / 1000.0  # units of the instance -> MW (1 unit = 1 kW)
    per_unit = cost / demand[None, :]
    R = float(per_unit.max())
    site_ids = [f"w{i}" for i in range(len(cap))]
    sites = [
        site_dict(
            sid,
            contract_mw=float(cap[i]),
            price_usd_per_mwh=0.0,
            mining_mw=0.0,
            air_capacity_mw=float(cap[i]),
            conversion_cost_usd=float(fixed[i]),
            parcel_m2=40_000.0,
        )
        for i, sid in enumerate(site_ids)
    ]
    tenants = [
        tenant_dict(
            f"c{j}",
            site_ids,
            it_mw=float(demand[j]),
            rate_usd_per_kw_month=R / 12000.0,
            term_months=12,
            start_earliest="2026-01-01",
            start_latest="2026-01-01",
            rack_type="unit",
            committed=True,
            max_sites=len(site_ids),
            power="included",
            site_rates_usd_per_kw_month={sid: (R - per_unit[i, j]) / 12000.0 for i, sid in enumerate(site_ids)},
        )
        for j in range(len(demand))
    ]
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


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_cflp_published_optimum(name):
    cap, fixed, demand, cost = read_instance(CFLP / f"{name}.txt")
    portfolio, revenue_at_par = cflp_portfolio(cap, fixed, demand, cost)
    result = plan(portfolio, gap=1e-10, bau=False)
    assert result.status == "optimal"
    assert not result.violations
    assert revenue_at_par - result.npv_usd == pytest.approx(OPTIMA[name], rel=1e-7)
