"""Finance settings of a portfolio: discounting by risk class, the value after the horizon,
capex timing and limits, and the operators the sites belong to.

Discounting: every cash flow is discounted at the base rate, except revenue of a risk class
given its own rate: contracted leases of investment-grade (or IG-backstopped) counterparties,
other contracted leases, the self-operated cloud and mining (planner.inputs.finance has the maths).
Value after the horizon (``terminal_value``): ``contracted`` counts the remaining NOI of every
signed contract past the horizon, discounted (no credit for idle halls); ``market`` adds, for
every MW of hall capacity, a market re-lease value from the end of its contract (or from the
horizon end when idle) after the market's downtime, capitalised at ``exit_cap_rate``; ``book``
the straight-line book value of what the plan built (an option, not the default); ``none``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from planner.describe.bounds import CEILINGS as C
from planner.describe.fields import NON_NEGATIVE, POSITIVE, Id, Source, Strict

Rate = Annotated[float, Field(ge=0, lt=1)]


class DiscountRates(Strict):
    """Annual discount rates of revenue by risk class; a class left out takes the base rate."""

    investment_grade_per_year: Rate | None = Field(
        default=None, description="leases of investment-grade counterparties, or backed by one"
    )
    contracted_per_year: Rate | None = Field(default=None, description="other signed leases and GPU-service contracts")
    market_per_year: Rate | None = Field(
        default=None, description="leases to generic market demand (planner.inputs.markets), not signed today"
    )
    cloud_per_year: Rate | None = Field(default=None, description="self-operated GPU cloud")
    mining_per_year: Rate | None = Field(default=None, description="bitcoin mining")
    source: Source = "estimate"


class Finance(Strict):
    """Discounting, capex timing and limits, concentration cap and the value after the horizon."""

    discount_rate_per_year: Rate = Field(default=0.10, description="base rate: costs, capex and other revenue")
    discount_rates: DiscountRates = DiscountRates()
    terminal_value: Literal["contracted", "market", "book", "none"] = "contracted"
    exit_cap_rate: Annotated[float, Field(gt=0, lt=0.5)] = Field(
        default=0.075, description="market mode: NOI / value of re-leased capacity"
    )
    exit_market: Id | None = Field(
        default=None,
        description="market mode: the market whose rate values re-leased capacity (default: the "
        "first market of each site's grid)",
    )
    capex_draw: Literal["at_order", "over_construction"] = Field(
        default="over_construction", description="capex paid when ordered, or drawn over the lead time (S-curve)"
    )
    capex_budget_usd_per_period: Annotated[float, POSITIVE, C["budget_usd_per_period"]] | None = None
    concentration_cap: Annotated[float, Field(gt=0, le=1)] | None = Field(
        default=None, description="max share of HPC revenue from any one counterparty"
    )
    source: Source = "estimate"


class Operator(Strict):
    """A company operating some of the sites (a site's `operator`), and what only it can sell."""

    id: str = Field(min_length=1, description="as the sites' `operator` field")
    cloud_max_it_mw: Annotated[float, NON_NEGATIVE, C["market_it_mw"]] | None = Field(
        default=None, description="its GPU-cloud market: most self-operated IT MW it can sell each period"
    )
    source: Source = "estimate"
