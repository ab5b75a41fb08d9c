"""The two-stage stochastic plan (planner.solve.stochastic, run through planner.sweep.plan_stochastic).

The hand case: one site (60 MW contract at $30/MWh, 40 MW of S21 XP mining, hashprice $50/PH/day
flat, no halving, no GPU cloud), ten yearly periods from 2026, the decision date at the
default two years (2028), and one conversion choice: a 20 MW GB200 lease at $235/kW-month for
96 months starting in 2027 (its whole start window before the decision date, so signing is a
first-stage decision; not signing leaves the site mining). Two equally likely hashprice
futures, 0.1x and 1.9x (mean 1.0x). The deterministic NPVs (USD million) with the decision
fixed, from planner.plan with the offer committed (S) or removed (M):

    hashprice        0.1x     1.0x     1.9x
    S (sign)        124.13   234.38   379.92
    M (mine)          0.00   224.48   522.43

Mining is shut at 0.1x (revenue below the $30/MWh energy), so M is convex in hashprice and the
mean future undervalues it:

- expected-value plan (1.0x): S 234.38 > M 224.48, sign;
- stochastic plan: E[S] = (124.13 + 379.92) / 2 = 252.02 < E[M] = (0.00 + 522.43) / 2 = 261.22,
  keep mining: RP = 261.22;
- EEV = E[S] = 252.02 (the expected-value plan's first stage, signing, in both futures), so
  VSS = RP - EEV = 261.22 - 252.02 = 9.19;
- WS = (max(124.13, 0.00) + max(379.92, 522.43)) / 2 = (124.13 + 522.43) / 2 = 323.28, so
  EVPI = WS - RP = 62.07.

With CVaR at alpha = 0.5 and weight lambda = 0.5 (two equally likely futures: the lower-tail
mean T_0.5 is the worse NPV), signing scores 252.02 + 0.5 x 124.13 = 314.09 against mining's
261.22 + 0.5 x 0.00 = 261.22: the risk-averse plan signs.

The test recomputes the table with the planner and checks the stochastic plan against this
arithmetic (and the table against the figures above, to 0.01 M).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner
from planner.describe.errors import InputError
from planner.solve.stochastic import HedgingSettings, LocalRunner
from planner.solve.stochastic import api as stochastic_api
from planner.solve.stochastic.risk import tail_mean
from planner.sweep import apply_factors, dask_client, evaluate_first_stage, plan_stochastic
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

TABLE_USD = {("sign", 0.1): 124.13e6, ("sign", 1.0): 234.38e6, ("sign", 1.9): 379.92e6}
TABLE_USD |= {("mine", 0.1): 0.0, ("mine", 1.0): 224.48e6, ("mine", 1.9): 522.43e6}
FUTURES = [{"hashprice": 0.1}, {"hashprice": 1.9}]
EXACT = 1e-9  # MIP gap of every solve here: the comparisons are of optima


def hand_portfolio(rate: float = 235.0, offer: str = "open") -> planner.Portfolio:
    """The hand case; `offer`: "open" (a choice), "committed" (signed) or "none" (removed)."""
    site = site_dict("a", contract_mw=60, price_usd_per_mwh=30, mining_mw=40)
    tenant = tenant_dict(
        "t",
        ["a"],
        it_mw=20,
        rate_usd_per_kw_month=rate,
        term_months=96,
        start_earliest="2027-01-01",
        start_latest="2027-12-01",
        committed=offer == "committed",
    )
    scenario = {"cloud_max_it_mw": 0, "hashprice": {"usd_per_ph_day": 50, "change_per_year": 0.0, "halvings": []}}
    data = portfolio_dict(
        "hand", [site], [] if offer == "none" else [tenant], periods=10, period="year", scenario=scenario
    )
    return planner.portfolio_from_dict(data, Path("."))


def deterministic_npv(portfolio: planner.Portfolio, values: dict[str, float]) -> float:
    return planner.plan(apply_factors(portfolio, values), bau=False, gap=EXACT).npv_usd


def first_stage_equal(sp, periods: int) -> bool:
    """Whether every scenario's plan takes the same decisions before the decision period."""
    d0 = sp.plans[0].decisions
    return all(
        p.decisions.tenant_start == d0.tenant_start
        and np.array_equal(p.decisions.halls[..., :periods], d0.halls[..., :periods])
        and np.array_equal(p.decisions.cdus[..., :periods], d0.cdus[..., :periods])
        for p in sp.plans
    )


@pytest.fixture(scope="module")
def table() -> dict[tuple[str, float], float]:
    return {
        (kind, h): deterministic_npv(hand_portfolio(offer="committed" if kind == "sign" else "none"), {"hashprice": h})
        for kind in ("sign", "mine")
        for h in (0.1, 1.0, 1.9)
    }


def test_table_is_the_docstrings(table) -> None:
    for key, value in TABLE_USD.items():
        assert table[key] == pytest.approx(value, abs=0.01e6), key


def test_hand_case_matches_the_paper_computation(table) -> None:
    sp = plan_stochastic(hand_portfolio(), FUTURES, gap=EXACT)
    mean = {k: (table[(k, 0.1)] + table[(k, 1.9)]) / 2 for k in ("sign", "mine")}
    assert table[("sign", 1.0)] > table[("mine", 1.0)]  # the expected-value plan signs
    assert sp.status == "optimal"
    assert sp.first_stage["offers"].empty  # ... the stochastic plan does not
    assert sp.first_stage["sites"]["converted_it_mw"].tolist() == [0.0]
    assert sp.objective_usd == pytest.approx(mean["mine"], rel=1e-6)
    assert sp.vss.subtrahend[1] == pytest.approx(mean["sign"], rel=1e-6)
    assert sp.vss.value_usd == pytest.approx(mean["mine"] - mean["sign"], rel=1e-5)
    ws = (max(table[("sign", 0.1)], table[("mine", 0.1)]) + max(table[("sign", 1.9)], table[("mine", 1.9)])) / 2
    assert sp.evpi.value_usd == pytest.approx(ws - mean["mine"], rel=1e-5)
    assert sp.npv_usd.tolist() == pytest.approx([table[("mine", 0.1)], table[("mine", 1.9)]], abs=1.0)
    assert sp.violations == {"s0": [], "s1": []}
    assert first_stage_equal(sp, 2)


def test_cvar_turns_the_hand_case_to_signing(table) -> None:
    sp = plan_stochastic(hand_portfolio(), FUTURES, cvar_alpha=0.5, cvar_weight=0.5, gap=EXACT)
    assert sp.first_stage["offers"]["tenant_id"].tolist() == ["t"]
    sign = (table[("sign", 0.1)] + table[("sign", 1.9)]) / 2 + 0.5 * table[("sign", 0.1)]
    assert sp.objective_usd == pytest.approx(sign, rel=1e-6)
    assert json.loads(json.dumps(sp.to_dict()))["cvar_alpha"] == 0.5


def test_a_plans_first_stage_in_other_futures(table) -> None:
    """The expected-value plan (sign) judged in both futures gives the S row; the stochastic plan its own NPVs."""
    pf = hand_portfolio()
    ev = planner.plan(apply_factors(pf, {"hashprice": 1.0}), bau=False, gap=EXACT)
    frame = evaluate_first_stage(pf, ev, FUTURES, gap=EXACT)
    assert frame["npv_usd"].tolist() == pytest.approx([table[("sign", 0.1)], table[("sign", 1.9)]], rel=1e-6)
    sp = plan_stochastic(pf, FUTURES, gap=EXACT)
    again = evaluate_first_stage(pf, sp, FUTURES, gap=EXACT)
    assert again["npv_usd"].tolist() == pytest.approx(sp.npv_usd.tolist(), rel=1e-6)
    assert list(again["hashprice"]) == [0.1, 1.9]


def test_without_non_anticipativity_the_plans_split(monkeypatch) -> None:
    """Mutation: with no first-stage cell, each future plans alone (signing in one, not the
    other), which the shared-first-stage check catches."""
    real = stochastic_api.first_stage_columns

    def none_shared(models, d):
        cols, names = real(models, d)
        return cols[:, :0], []

    monkeypatch.setattr(stochastic_api, "first_stage_columns", none_shared)
    sp = plan_stochastic(hand_portfolio(), FUTURES, gap=EXACT)
    assert not first_stage_equal(sp, 2)


def test_one_scenario_is_the_deterministic_plan() -> None:
    pf = hand_portfolio(rate=240.0)
    sp = plan_stochastic(pf, [{"hashprice": 1.0}], gap=EXACT)
    assert sp.objective_usd == pytest.approx(deterministic_npv(pf, {"hashprice": 1.0}), rel=1e-6)
    assert sp.vss.value_usd == pytest.approx(0.0, abs=1e-6 * abs(sp.objective_usd))
    assert sp.evpi.value_usd == pytest.approx(0.0, abs=1e-6 * abs(sp.objective_usd))


futures = st.lists(st.floats(0.1, 2.0), min_size=1, max_size=3)


@settings(max_examples=10)
@given(rate=st.floats(150.0, 320.0), hashprices=futures, weight=st.sampled_from([0.0, 0.5]))
def test_evpi_and_vss_are_not_negative(rate: float, hashprices: list[float], weight: float) -> None:
    sp = plan_stochastic(
        hand_portfolio(rate),
        [{"hashprice": h} for h in hashprices],
        cvar_alpha=0.5 if weight else None,
        cvar_weight=weight,
        gap=EXACT,
    )
    assert sp.status == "optimal"  # the MILP's bound meets the objective recomputed from the plans
    tol = 1e-6 * abs(sp.objective_usd) + 1.0
    assert sp.evpi.value_usd >= -tol
    assert sp.vss.value_usd >= -tol
    tail = tail_mean(sp.npv_usd.to_numpy(), sp.probabilities, 0.5) if weight else 0.0
    assert sp.objective_usd == pytest.approx(sp.expected_npv_usd + weight * tail, rel=1e-9)


@settings(max_examples=5)
@given(rate=st.floats(150.0, 320.0), hashprices=st.lists(st.floats(0.1, 2.0), min_size=2, max_size=3))
def test_hedging_bound_holds_the_extensive_optimum(rate: float, hashprices: list[float]) -> None:
    pf, scenarios = hand_portfolio(rate), [{"hashprice": h} for h in hashprices]
    exact = plan_stochastic(pf, scenarios, method="extensive", gap=EXACT)
    ph = plan_stochastic(
        pf, scenarios, method="hedging", client=LocalRunner(), gap=EXACT, hedging=HedgingSettings(iterations=3)
    )
    assert ph.bound_usd is not None
    assert ph.bound_usd >= exact.objective_usd - 1e-9 * abs(exact.objective_usd) - 1.0
    assert ph.objective_usd <= exact.objective_usd + 1e-9 * abs(exact.objective_usd) + 1.0


def test_hedging_on_dask_matches_in_process() -> None:
    pf = hand_portfolio()
    settings = HedgingSettings(iterations=2)
    local = plan_stochastic(pf, FUTURES, method="hedging", client=LocalRunner(), gap=EXACT, hedging=settings)
    with dask_client(workers=1) as client:
        remote = plan_stochastic(pf, FUTURES, method="hedging", client=client, gap=EXACT, hedging=settings)
    assert remote.objective_usd == pytest.approx(local.objective_usd, rel=1e-9)
    assert remote.bound_usd == pytest.approx(local.bound_usd, rel=1e-9)


def test_tail_mean_is_the_mean_of_the_worst_share() -> None:
    p = np.full(4, 0.25)
    assert tail_mean(np.array([4.0, 1.0, 3.0, 2.0]), p, 0.5) == pytest.approx(1.5)
    assert tail_mean(np.array([4.0, 1.0, 3.0, 2.0]), p, 0.75) == pytest.approx(1.0)
    assert tail_mean(np.array([4.0, 1.0, 3.0, 2.0]), p, 0.1) == pytest.approx((1 + 2 + 3 + 4 * 0.6) / 3.6)


@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.5, -0.2, math.nan])
def test_cvar_level_outside_zero_one(alpha: float) -> None:
    with pytest.raises(InputError) as err:
        plan_stochastic(hand_portfolio(), FUTURES, cvar_alpha=alpha, cvar_weight=1.0)
    assert "cvar_alpha" in str(err.value) and "(0, 1)" in str(err.value)


@pytest.mark.parametrize("date", ["2025-06-01", "2026-01-01", "2036-01-01", "2040-01-01"])
def test_decision_date_outside_the_horizon(date: str) -> None:
    with pytest.raises(InputError) as err:
        plan_stochastic(hand_portfolio(), FUTURES, decision_date=date)
    assert "decision_date" in str(err.value) and "outside the horizon" in str(err.value)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"decision_date": "next year"}, "decision_date"),
        ({"method": "benders"}, "method"),
        ({"probabilities": [0.5, 0.6]}, "probabilities"),
        ({"cvar_weight": -1.0, "cvar_alpha": 0.9}, "cvar_weight"),
    ],
)
def test_other_bad_arguments(kwargs: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        plan_stochastic(hand_portfolio(), FUTURES, **kwargs)
    assert field in str(err.value)


def test_unknown_factor_is_refused_before_solving() -> None:
    with pytest.raises(InputError, match="unknown factor"):
        plan_stochastic(hand_portfolio(), [{"hash_price": 1.0}])
