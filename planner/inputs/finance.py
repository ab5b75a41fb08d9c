"""Discounting by risk class and the settings of the value after the horizon.

Each cash flow belongs to a risk class c and is discounted at d_c,t = (1 + r_c)^-y_t (mid-period
years y_t): revenue of contracted leases with an investment-grade counterparty (or the share an
investment-grade party backs) at r_investment_grade, other contracted revenue at r_contracted,
self-operated cloud revenue at r_cloud, mining revenue at r_mining; every cost, capex and other
flow at the base rate r. A class without a rate of its own takes the base rate, so with no
discount_rates given every flow is discounted at r.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.describe.finance import Finance
from planner.inputs.time import Time

CLASSES = ("base", "investment_grade", "contracted", "market", "cloud", "mining")
"""Risk classes of cash flows, in the order of the rows of FinanceArrays.discount."""


@dataclass(frozen=True)
class FinanceArrays:
    """Discount factors by risk class and the terminal-value settings."""

    rates: np.ndarray  # [class] annual rate
    discount: np.ndarray  # [class, T] mid-period discount factors
    end_discount: np.ndarray  # [class] discount factor at the horizon end
    terminal_value: str  # contracted | market | book | none
    exit_cap_rate: float

    def factor(self, risk: str) -> np.ndarray:
        """[T] discount factors of a risk class."""
        return self.discount[CLASSES.index(risk)]

    def rate(self, risk: str) -> float:
        """Annual rate of a risk class."""
        return float(self.rates[CLASSES.index(risk)])


def prepare_finance(fin: Finance, time: Time) -> FinanceArrays:
    """Rates by class (the base rate where none is given) and their discount factors."""
    own = fin.discount_rates
    given = {
        "investment_grade": own.investment_grade_per_year,
        "contracted": own.contracted_per_year,
        "market": own.market_per_year,
        "cloud": own.cloud_per_year,
        "mining": own.mining_per_year,
    }
    rates = np.array([fin.discount_rate_per_year if given.get(c) is None else given[c] for c in CLASSES])
    end_years = time.end_month / 12.0
    return FinanceArrays(
        rates=rates,
        discount=(1.0 + rates[:, None]) ** -time.years[None, :],
        end_discount=(1.0 + rates) ** -end_years,
        terminal_value=fin.terminal_value,
        exit_cap_rate=fin.exit_cap_rate,
    )
