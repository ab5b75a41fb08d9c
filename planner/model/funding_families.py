"""The registry entries of the funding families (planner.model.funding), built only for
portfolios with financing."""

from __future__ import annotations

from planner.model.family import MONEY, _f

FUNDING = (
    _f(
        "funding_balance",
        "funding of the operator's capex and debt service (sources = uses)",
        "M USD",
        "operator period",
        "funding",
        "funding_balance",
        MONEY * 1e6,
        1.0,
    ),
    _f(
        "debt_balance",
        "debt outstanding: opening + draws + capitalised interest - repayments",
        "USD",
        "facility period",
        "funding",
        "debt_balance",
    ),
    _f("debt_size", "facility commitment", "USD", "facility", "funding", "debt_size"),
    _f(
        "debt_ltc",
        "loan-to-cost: principal drawn to date <= share of the capex to date",
        "USD",
        "facility period",
        "funding",
        "debt_ltc",
    ),
    _f(
        "contracted_value",
        "remaining rent of the backing tenants, discounted at the debt rate",
        "USD",
        "facility period",
        "funding",
        "definition",
    ),
    _f("debt_ltcv", "loan-to-contracted-value while drawing", "USD", "facility period", "funding", "debt_ltcv"),
    _f(
        "amortisation",
        "principal repaid on the facility's schedule (or at most the balloon left)",
        "USD",
        "facility period",
        "funding",
        "amortisation",
    ),
    _f(
        "debt_maturity",
        "nothing outstanding from the maturity on",
        "USD",
        "facility period",
        "funding",
        "debt_maturity",
    ),
    _f(
        "dscr",
        "debt service coverage: contracted rent >= DSCR x debt service",
        "USD",
        "facility period",
        "funding",
        "dscr",
    ),
    _f(
        "equity_available",
        "new equity put in to date <= equity available to date",
        "USD",
        "operator period",
        "funding",
        "equity_available",
    ),
)
"""Funding families, built only for portfolios with financing (planner.model.funding); their rows are
in M USD (funding_balance's slack too: 1e-7 per USD as the other money slacks)."""
