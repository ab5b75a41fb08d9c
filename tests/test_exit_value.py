"""Terminal value "market": a MW of capacity re-leased to its site's market once free.

By hand (planner.inputs.terminal.Relet.value, per MW free from month E):
    start = E + downtime,  rent_t = rent (1 + g)^((start + 0.5) / 12),  NOI = 12 (rent_t - opex - energy)
    x(E) = max(0, NOI / cap (1 + r_market)^-(start / 12) - refit (1 + r_base)^-(E / 12)).
With rent 135,000 USD/MW-month, g = 0, opex 10,000, energy 0, downtime 6, refit 1.5 M USD/MW,
cap 7.5%, r_market 12%, r_base 10% and E = 120:
    NOI = 1.5 M USD/MW-year, NOI / cap = 20 M USD/MW, 1.12^-10.5 = 0.304236 -> 6.084722 M,
    refit 1.5 M x 1.1^-10 = 0.578315 M,   x(120) = 5.506407 M USD per MW.
The model values idle hall IT at the end up to its market's demand: with 20 MW of idle halls and
a market of 5 MW, the plan in market mode is worth 5 x(E_end) more than in contracted mode, and
the results' own recomputation (planner.results.exit_value) agrees. With a market of 50 MW the
plan also builds halls late to value them at the exit (x > the discounted build cost per MW):
market mode credits speculative development within the market's demand, which is why the bundled
portfolios use contracted mode.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from planner import plan, portfolio_from_dict
from planner.inputs.terminal import Relet
from planner.results.exit_value import exit_value_usd, idle_room_mw
from planner.testing.synthetic import portfolio_dict, site_dict


def relet(**kw) -> Relet:
    """A one-site Relet with the module docstring's terms (each overridable)."""
    terms = dict(
        market=np.array([0]),
        rent_usd_per_mw_month=np.array([135_000.0]),
        escalation_per_year=np.array([0.0]),
        opex_usd_per_mw_month=np.array([10_000.0]),
        energy_usd_per_mw_month=np.array([0.0]),
        downtime_months=np.array([6.0]),
        refit_usd_per_mw=np.array([1.5e6]),
        cap_rate=0.075,
        market_rate=0.12,
        base_rate=0.10,
        end_month=120,
    )
    terms.update(kw)
    return Relet(**terms)


def test_relet_value_by_hand():
    by_hand = 20e6 * 1.12**-10.5 - 1.5e6 * 1.1**-10
    assert math.isclose(by_hand, 5_506_407, rel_tol=1e-6)
    assert math.isclose(float(relet().value(120.0)[0]), by_hand, rel_tol=1e-12)


def test_relet_value_escalates_and_is_never_negative():
    grown = float(relet(escalation_per_year=np.array([0.02])).value(120.0)[0])
    noi = 12 * (135_000 * 1.02 ** (126.5 / 12) - 10_000)
    assert math.isclose(grown, noi / 0.075 * 1.12**-10.5 - 1.5e6 * 1.1**-10, rel_tol=1e-12)
    assert relet(refit_usd_per_mw=np.array([1e9])).value(120.0)[0] == 0.0  # a re-fit dearer than the rent
    assert relet(market=np.array([-1])).value(120.0)[0] == 0.0  # no exit market


def idle_halls(mode: str, market_mw: float) -> dict:
    """One site, no mining, one idle 20 MW new-build hall, yearly periods, a market of market_mw."""
    site = site_dict("s", contract_mw=100, mining_mw=0)
    site["existing_halls"] = {"new-build-20mw": 1}
    market = {
        "id": "m",
        "grids": ["synthetic"],
        "rate_usd_per_kw_month": 135,
        "escalation_per_year": 0.0,
        "max_it_mw": market_mw,
        "term_months": 60,
        "downtime_months": 6,
        "refit_capex_usd_per_mw": 1_500_000,
        "rack_type": "gb300-nvl72",
        "power": "pass_through",
        "first_available": "2045-01-01",
        "source": "test",
    }
    return portfolio_dict(
        "idle",
        [site],
        periods=10,
        period="year",
        markets=[market],
        finance={"discount_rate_per_year": 0.1, "terminal_value": mode, "exit_cap_rate": 0.075},
    )


def test_idle_halls_are_valued_up_to_the_market():
    contracted = plan(portfolio_from_dict(idle_halls("contracted", 5.0), Path(".")), bau=False)
    market = plan(portfolio_from_dict(idle_halls("market", 5.0), Path(".")), bau=False)
    per_mw = float(market.inputs.terminal.relet.value(float(market.inputs.time.end_month))[0])
    assert per_mw > 0 and market.violations == [] and contracted.violations == []
    assert idle_room_mw(market.inputs, market.decisions)[0] == pytest.approx(20.0)
    assert math.isclose(market.npv_usd - contracted.npv_usd, 5.0 * per_mw, rel_tol=1e-6)
    assert math.isclose(float(exit_value_usd(market.inputs, market.decisions).sum()), 5.0 * per_mw, rel_tol=1e-9)


def test_a_large_market_values_every_idle_mw_the_power_allows():
    market = plan(portfolio_from_dict(idle_halls("market", 50.0), Path(".")), bau=False)
    per_mw = float(market.inputs.terminal.relet.value(float(market.inputs.time.end_month))[0])
    room = float(idle_room_mw(market.inputs, market.decisions)[0])
    assert room >= 20.0 - 1e-6  # the idle hall, and any hall built late to be valued
    assert math.isclose(
        float(exit_value_usd(market.inputs, market.decisions).sum()), min(room, 50.0) * per_mw, rel_tol=1e-9
    )
