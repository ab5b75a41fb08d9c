"""Financing (issue 15): golden cases by hand, properties, and the validator's funding checks.

The golden portfolio: one site without mining, one 20 MW lease at $250/kW-month (no escalator)
from 2028-01-01 for 4 years, over 6 yearly periods 2026-2031, in a new-build hall (lead 24
months: capex 117 M USD in 2026 and 2027, 9.9 M in 2028, from the bundled catalog). The lease's
rent is R = 20,000 kW x 250 x 12 = 60 M USD a year, 2028-2031.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import PlanningError, plan, portfolio_from_dict
from planner.diagnose import diagnose
from planner.inputs import prepare
from planner.inputs.financing import prepare_financing
from planner.results import validate
from planner.results.cashflows import irr
from planner.results.outcome import Plan
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict
from solvers import SolveStatus

ROOT = Path(__file__).resolve().parent.parent
R = 20_000 * 250.0 * 12  # rent per year, USD
RATE = 0.05


def loan(**fields: Any) -> dict[str, Any]:
    """A project loan on the lease: drawn 2026-2027, straight-line over 2028-2031, 5% a year."""
    return {
        "id": "loan",
        "kind": "project",
        "operator": "synthetic",
        "size_usd": 5e8,
        "loan_to_cost": 1.0,
        "rate_per_year": RATE,
        "draw_end": "2028-01-01",
        "maturity": "2031-06-01",
        "amortisation": "straight_line",
        "balloon_share": 0.0,
        "capitalise_interest": False,
        "backing_tenants": ["lease"],
        **fields,
    }


def one_lease(financing: dict[str, Any] | None, committed: bool = True, **tenant: Any) -> dict[str, Any]:
    """The golden portfolio (module docstring), with a financing section."""
    terms: dict[str, Any] = {
        "it_mw": 20.0,
        "rate_usd_per_kw_month": 250.0,
        "term_months": 48,
        "start_earliest": "2028-01-01",
        "start_latest": "2028-01-01",
        "committed": committed,
        **tenant,
    }
    t = tenant_dict("lease", ["a"], **terms)
    data = portfolio_dict("one-lease", [site_dict("a", contract_mw=60.0, mining_mw=0.0)], [t], periods=6, period="year")
    if financing is not None:
        data["financing"] = financing
    return data


def solve(data: dict[str, Any]) -> Plan:
    return plan(portfolio_from_dict(copy.deepcopy(data), ROOT), bau=False, gap=1e-9)


@pytest.fixture(scope="module")
def golden() -> Plan:
    return solve(one_lease({"facilities": [loan()]}))


def test_one_lease_one_loan_by_hand(golden: Plan) -> None:
    """On paper: the equity (cost 18%) borrows all it may at 5%. The DSCR covenant (1.30, the
    default) binds in 2028, the first repayment year: DS_2028 = B/4 + 0.05 B = 0.3 B <= R / 1.3, so
    B = 60 / (1.3 x 0.3) = 153.846 M USD; loan-to-cost 1 caps the 2026 draw at that year's capex
    (117 M), the rest (36.846 M) is drawn in 2027. Interest paid: 2027 0.05 x 117 = 5.85 M;
    2028-2031 0.05 x B x (1, 3/4, 1/2, 1/4) = 7.692, 5.769, 3.846, 1.923 M; repayments B/4 = 38.462 M.
    DSCR: 60 / (38.462 + 7.692) = 1.300 in 2028 (the minimum), 60 / 44.231 = 1.357 in 2029.
    Equity flows E_t = FCF_t + draws - interest - repayments (all cash distributed, none kept),
    and the equity IRR is the IRR of E."""
    assert golden.status == "optimal" and golden.violations == []
    f = golden.frames()["funding"].set_index("period")
    B = R / (1.3 * 0.3)
    assert f["debt_outstanding_usd"]["2027"] == pytest.approx(B, rel=1e-6)
    assert f["draws_usd"]["2026"] == pytest.approx(f["capex_usd"]["2026"], rel=1e-6)
    assert list(f["interest_paid_usd"]) == pytest.approx(
        [0.0, RATE * f["capex_usd"]["2026"], RATE * B, RATE * B * 0.75, RATE * B * 0.5, RATE * B * 0.25], rel=1e-6
    )
    assert list(f["repayment_usd"]) == pytest.approx([0, 0, B / 4, B / 4, B / 4, B / 4], rel=1e-6, abs=1e-3)
    k = golden.kpis()
    assert k["min_dscr"] == pytest.approx(1.3, rel=1e-6)
    assert k["debt_peak_usd"] == pytest.approx(B, rel=1e-6)
    debt = f["draws_usd"] - f["interest_paid_usd"] - f["repayment_usd"]
    paper = (f["free_cash_flow_usd"] + debt).to_numpy()
    assert k["equity_irr_per_year"] == pytest.approx(irr(paper, golden.inputs.time.years), abs=1e-9)
    put_in = f["equity_in_usd"].sum()
    if put_in > 1.0:  # what equity gets back (all of E but what it put in) over what it put in
        assert k["equity_multiple"] == pytest.approx((paper.sum() + put_in) / put_in, rel=1e-6)
    else:
        assert k["equity_multiple"] is None
    assert k["peak_funding_usd"] == pytest.approx(f["capex_usd"]["2026"] + f["capex_usd"]["2027"], rel=1e-9)


def test_s_curve_draw_capitalises_interest() -> None:
    """Loan-to-cost 0.5, interest capitalised while drawing, no covenant. On paper, with C_t the capex
    drawn by the hall's S-curve: D_2026 = 0.5 C_2026; K_2027 = 0.05 D_2026 is capitalised and counts
    as cost and as principal, so D_2027 = D_2026 + K_2027 + draw_2027 = 0.5 (C_2026 + C_2027 + K_2027)."""
    p = solve(one_lease({"facilities": [loan(loan_to_cost=0.5, capitalise_interest=True, min_dscr=None)]}))
    f = p.frames()["funding"].set_index("period")
    c26, c27 = f["capex_usd"]["2026"], f["capex_usd"]["2027"]
    assert c26 > 0 and c27 > 0  # capex spread over the lead time, not all at the order
    k27 = RATE * 0.5 * c26
    assert f["debt_outstanding_usd"]["2026"] == pytest.approx(0.5 * c26, rel=1e-6)
    assert f["interest_capitalised_usd"]["2027"] == pytest.approx(k27, rel=1e-6)
    assert f["interest_paid_usd"]["2027"] == pytest.approx(0.0, abs=1e-3)
    assert f["debt_outstanding_usd"]["2027"] == pytest.approx(0.5 * (c26 + c27 + k27), rel=1e-6)
    assert p.violations == []


def test_a_binding_dscr_changes_the_plan() -> None:
    """Equity 100 M USD, the lease optional at $400/kW-month (rent 96 M a year, worth its 244 M of
    capex). At DSCR 1.3 the loan may lend up to 96 / (1.3 x 0.3) = 246 M, capped by loan-to-cost at
    the capex: with the equity it covers the build, so the lease is signed. At DSCR 3.0 it lends at
    most 96 / (3 x 0.3) = 106.7 M: with 100 M of equity short of the 234 M built by 2027, so the plan
    leaves the lease unsigned."""
    equity = [{"operator": "synthetic", "from_dates_usd": {"2026-01-01": 1e8}}]
    rich = {"rate_usd_per_kw_month": 400.0}
    loose = solve(one_lease({"facilities": [loan()], "equity": equity}, committed=False, **rich))
    tight = solve(one_lease({"facilities": [loan(min_dscr=3.0)], "equity": equity}, committed=False, **rich))
    assert loose.kpis()["tenants_signed"] == ["lease"]
    assert tight.kpis()["tenants_signed"] == []
    assert tight.npv_usd < loose.npv_usd
    assert loose.violations == tight.violations == []


def test_a_backstop_lowers_the_rate() -> None:
    """r_f = r - s (r - r_backed), or r - s x spread: half the lease backstopped, 10% unsupported
    -> 10% - 0.5 x 300 bp = 8.5%; with backed_rate_per_year 6%: 10% - 0.5 x 4% = 8%. The plan pays
    less interest (2027: 0.085 x 117 M instead of 0.10 x 117 M), so the equity is worth more."""
    support = {"credit_support": {"by": "g", "share": 0.5}}
    parties = [{"id": "g", "credit": "investment_grade"}]

    def with_rate(backstop: bool, **fields: Any) -> dict[str, Any]:
        data = one_lease({"facilities": [loan(rate_per_year=0.10, **fields)]}, **(support if backstop else {}))
        data["counterparties"] = parties
        return data

    rates = [
        prepare_financing(prepare(portfolio_from_dict(with_rate(b, **f), ROOT))).facility.rate_per_year[0]
        for b, f in ((False, {}), (True, {}), (True, {"backed_rate_per_year": 0.06}))
    ]
    assert rates == pytest.approx([0.10, 0.085, 0.08])
    plain, backed = solve(with_rate(False)), solve(with_rate(True))
    paid = [p.frames()["funding"].set_index("period")["interest_paid_usd"]["2027"] for p in (plain, backed)]
    capex = plain.frames()["funding"].set_index("period")["capex_usd"]["2026"]
    assert paid == pytest.approx([0.10 * capex, 0.085 * capex], rel=1e-6)
    assert backed.kpis()["equity_npv_usd"] > plain.kpis()["equity_npv_usd"]


def test_an_unfundable_plan_is_infeasible_and_explained() -> None:
    """Equity 50 M USD, no debt, the lease committed: the hall costs C = 234 M USD over 2026-2027 and
    the lease pays from 2028, so the operator is short by C - 50 M = 184 M over 2026-2027, in at
    least one of those years by half of that, 92 M, or more (the elastic plan may put it all in 2026
    and carry the cash: the same penalty)."""
    data = one_lease({"equity": [{"operator": "synthetic", "from_dates_usd": {"2026-01-01": 5e7}}]})
    with pytest.raises(PlanningError) as err:
        solve(data)
    assert err.value.status is SolveStatus.INFEASIBLE
    d = diagnose(portfolio_from_dict(data, ROOT))
    (sf,) = [s for s in d.shortfalls if s.family == "funding_balance"]
    assert (
        sf.operator == "synthetic"
        and sf.periods[0] == "2026"
        and set(sf.periods) <= {"2026", "2027"}
        and sf.unit == "M USD"
    )
    assert 92 <= sf.max_amount <= 184 * (1 + 1e-9)
    assert "operator synthetic" in d.text() and "M USD" in d.text()
    assert "equity available to synthetic up to 2026: 50,000,000 USD" in d.text()


def test_tightening_equity_makes_the_plan_later_or_smaller() -> None:
    """Without debt, an optional lease that may start 2028-2030: with 300 M USD of equity it starts at
    its first chance; with 100 M a year the build must wait for the cash, so it starts later (or not)."""
    window = {"start_earliest": "2028-01-01", "start_latest": "2030-01-01"}

    def signed(equity: dict[str, Any]) -> tuple[float, int | None]:
        data = one_lease(
            {"equity": [{"operator": "synthetic", **equity}]}, committed=False, rate_usd_per_kw_month=400.0
        )
        data["tenants"][0].update(window)
        p = solve(data)
        assert p.violations == []
        return float(p.decisions.leased_mw(p.inputs).sum()), p.decisions.tenant_start[0]

    rich, poor = signed({"from_dates_usd": {"2026-01-01": 3e8}}), signed({"usd_per_year": 1e8})
    assert rich[1] == 2
    assert poor[0] < rich[0] or (poor[1] or 99) > rich[1]


def test_funding_round_trips_through_plan_json(golden: Plan) -> None:
    back = Plan.from_json(golden.to_json(), golden.inputs)
    assert back.decisions.funding is not None and golden.decisions.funding is not None
    for f in dataclasses.fields(back.decisions.funding):
        np.testing.assert_array_equal(
            getattr(back.decisions.funding, f.name), getattr(golden.decisions.funding, f.name)
        )
    data = golden.to_dict()
    for key in ("equity_irr_per_year", "peak_funding_usd", "min_dscr", "debt_peak_usd", "equity_npv_usd"):
        assert data["kpis"][key] == back.kpis()[key]
    assert len(data["funding"]) == golden.inputs.T


MUTATIONS = [
    ("draw_usd", (0, 0), 1e6, "funding_balance"),
    ("equity_usd", (0, 1), -1e6, "funding_balance"),
    ("repay_usd", (0, 3), 1e6, "amortisation"),
    ("debt_usd", (0, 5), 1e6, "debt_maturity"),
    ("debt_usd", (0, 2), 1e6, "debt_balance"),
    ("draw_usd", (0, 3), 1e6, "domain"),
]
LIMITS = [({"size_usd": 1e8}, "debt_size"), ({"loan_to_cost": 0.5}, "debt_ltc"),
          ({"loan_to_contracted_value": 0.3}, "debt_ltcv")]  # fmt: skip
FUNDING_PLANTED = {m[-1] for m in MUTATIONS} | {name for _, name in LIMITS} | {"dscr", "equity_available"}
"""Every validator name these tests plant a fault for (tests/test_validate.py counts them)."""


@pytest.mark.parametrize(("field", "index", "delta", "name"), MUTATIONS)
def test_the_validator_catches_broken_funding(golden: Plan, field: str, index: tuple, delta: float, name: str) -> None:
    """Mutation: one funding value moved by 1 M USD breaks the family it belongs to."""
    assert golden.decisions.funding is not None
    broken = copy.deepcopy(golden.decisions.funding)
    getattr(broken, field)[index] += delta
    found = validate(golden.inputs, dataclasses.replace(golden.decisions, funding=broken))
    assert name in {v.check for v in found}, found


@pytest.mark.parametrize(("limit", "name"), LIMITS)
def test_the_validator_catches_a_tighter_limit(golden: Plan, limit: dict[str, Any], name: str) -> None:
    """The golden plan's funding against a smaller commitment (1e8 < 153.8 M), loan-to-cost 0.5 (it
    borrowed 100% of the 2026 capex) or loan-to-contracted-value 0.3 (its 2027 debt is 63% of the rent
    still to come, 4 x 60 M discounted at 5%)."""
    data = one_lease({"facilities": [loan(**limit)]})
    assert name in {v.check for v in validate(prepare(portfolio_from_dict(data, ROOT)), golden.decisions)}


def test_the_validator_catches_a_dscr_breach_and_too_much_equity(golden: Plan) -> None:
    """Rent cut below 1.3 x the debt service, and equity above what is available."""
    ins = golden.inputs
    tight = dataclasses.replace(ins.tenant, lease_rev_usd_per_mw=ins.tenant.lease_rev_usd_per_mw * 0.9)
    found = {v.check for v in validate(dataclasses.replace(ins, tenant=tight), golden.decisions)}
    assert "dscr" in found
    data = one_lease({"facilities": [loan()], "equity": [{"operator": "synthetic", "usd_per_year": 1e6}]})
    found = {v.check for v in validate(prepare(portfolio_from_dict(data, ROOT)), golden.decisions)}
    assert "equity_available" in found


@settings(max_examples=6)
@given(st.floats(0.0, 3e8), st.floats(0.0, 3e8))
def test_more_equity_never_lowers_the_npv(a: float, b: float) -> None:
    low, high = sorted((a, b))

    def npv(usd: float) -> float:
        equity = [{"operator": "synthetic", "from_dates_usd": {"2026-01-01": usd}}]
        data = one_lease({"facilities": [loan()], "equity": equity}, committed=False, rate_usd_per_kw_month=400.0)
        return solve(data).npv_usd

    assert npv(high) >= npv(low) - 1e-6 * abs(npv(low)) - 1.0


@settings(max_examples=6)
@given(st.floats(0.0, 0.2), st.floats(0.0, 0.2))
def test_a_higher_rate_never_raises_the_equity_npv(a: float, b: float) -> None:
    low, high = sorted((a, b))

    def equity_npv(rate: float) -> float:
        fin = {"objective": "equity_npv", "facilities": [loan(rate_per_year=rate)]}
        return solve(one_lease(fin, committed=False)).kpis()["equity_npv_usd"]

    assert equity_npv(high) <= equity_npv(low) + 1e-6 * abs(equity_npv(low)) + 1.0


@settings(max_examples=4)
@given(st.floats(120.0, 300.0))
def test_financing_switched_off_is_todays_model(rate: float) -> None:
    """An empty financing section (unlimited equity, no debt) and none at all plan the same NPV."""
    today = solve(one_lease(None, committed=False, rate_usd_per_kw_month=rate))
    financed = solve(one_lease({}, committed=False, rate_usd_per_kw_month=rate))
    assert math.isclose(financed.npv_usd, today.npv_usd, rel_tol=1e-9, abs_tol=1e-6)
    assert today.kpis()["min_dscr"] is None and today.decisions.funding is None
    assert "funding" not in today.frames()
