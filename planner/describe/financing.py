"""Financing of a portfolio: debt facilities, equity available per operator, the effect of
credit support on the debt rate, and what the plan maximises.

A facility lends to one operator: drawn inside its draw window (construction), interest
capitalised there, interest only until its amortisation start, then repaid on a schedule to its
maturity (``level``: level debt service leaving ``balloon_share`` of the principal for the
maturity; ``straight_line``: equal principal instalments to the balloon; ``sculpted``: repaid as
the cash allows, at most the balloon left for the maturity). Its draws are limited by a
commitment (``size_usd``), a loan-to-cost share of the capex of its sites and, with backing
tenants, a loan-to-contracted-value share of their remaining rent; its covenant keeps the
contracted rent at least ``min_dscr`` times the debt service. ``project`` debt is secured on
backing tenant offers; a backstop on those (their ``credit_support``) lowers its rate.
``secured`` debt is the operator's, tested on the rent of its tenants not pledged to project
debt. A ``convertible`` is debt at its coupon (its conversion into shares is not modelled).

Taxes are not modelled: every cash flow, NPV and IRR is pre-tax (``tax: none`` says so).

Every default cites an entry of sites/SOURCES.md (via docs/economics-defaults.md section 7) or
says estimate: :data:`DEFAULTS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import Field, GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationInfo, field_validator, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from planner.describe.bounds import Ceiling
from planner.describe.fields import POSITIVE, Id, ProjectUSD, Share, Source, Strict, check_unique


@dataclass(frozen=True)
class Default:
    """A default value and where it comes from (a sites/SOURCES.md id, derived, or estimate)."""

    value: Any
    source: str


DEFAULTS: dict[str, Default] = {
    "rate_per_year": Default(
        0.10,
        "S-CRWV-DEBT-2025: CoreWeave's 10.1% weighted debt rate, debt without credit "
        "support (docs/economics-defaults.md 7.2)",
    ),
    "spread_reduction_bp": Default(
        300.0,
        "derived: 10.0% without credit support (S-CRWV-DEBT-2025) less 7.0% with a "
        "hyperscaler backstop (6.125% S-CIFR-BLACK-PEARL-NOTES to 7.75% S-WULF-NOTES-2030)",
    ),
    "upfront_fee_share": Default(
        0.0,
        "S-WULF-NOTES-2030, S-CIFR-NOTES-2030: notes issued at par; underwriting fees "
        "not in the copies read (estimate)",
    ),
    "amortisation": Default(
        "level", "S-WULF-NOTES-2030, S-CIFR-NOTES-2030: no principal before completion, then semiannual amortisation"
    ),
    "balloon_share": Default(
        0.5, "estimate: the notes' schedules are not in the copies read (docs/economics-defaults.md 7.2)"
    ),
    "min_dscr": Default(1.30, "estimate: no covenant level in the copies read (docs/economics-defaults.md 7.2)"),
    "cost_of_equity_per_year": Default(
        0.18,
        "derived: CAPM with the betas of S-MINER-BETAS (2.93 Cipher, 4.28 IREN), "
        "risk-free 4.3% and premium 5% (both estimate): 19-26%, docs/economics-"
        "defaults.md 7.2 proposes 0.18",
    ),
}
"""Every default of the financing descriptors, with its source."""


@dataclass(frozen=True)
class Floor:
    """The smallest value a quantity may take (inclusive), its unit and why."""

    value: float
    unit: str
    why: str

    def check(self, v: Any) -> Any:
        """`v` unchanged, or a validation error saying the floor and why."""
        if v < self.value:
            raise PydanticCustomError(
                "below_floor",
                "less than {limit} {unit}: {why}",
                {"limit": f"{self.value:g}", "unit": self.unit, "why": self.why},
            )
        return v

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["minimum"] = self.value
        return out


RATE_FLOOR = Floor(
    -0.01,
    "per year",
    "no lender pays more than 1% a year to lend (the lowest central-bank policy rates were -0.75%); a sign slip?",
)
RATE_CEILING = Ceiling(
    0.5,
    "per year",
    "50% a year is distress, not debt (the dearest miner borrowing in the sources: 12.6%, S-WULF-GROUND-LEASE-2024)",
)
DSCR_CEILING = Ceiling(10.0, "x", "covenants ask 1.1-2.0x the debt service; 10x is a typo")
EQUITY_RATE_CEILING = Ceiling(1.0, "per year", "a cost of equity of 100% a year values nothing past year two")
SPREAD_CEILING = Ceiling(2_000.0, "bp", "a backstop cutting the rate by 20 points is more than any debt costs")
TENOR_MONTHS_MAX = 480
"""Longest tenor (months from the draw start to the maturity): project debt runs 5-30 years."""

DebtRate = Annotated[float, RATE_FLOOR, RATE_CEILING]
LoanShare = Annotated[float, Field(gt=0, le=1)]


class Facility(Strict):
    """A debt facility of one operator (module docstring)."""

    id: Id
    kind: Literal["project", "secured", "convertible"] = Field(
        description="project: secured on backing tenant offers; secured: on the operator's assets; convertible: "
        "unsecured debt at its coupon (conversion not modelled)"
    )
    operator: str = Field(min_length=1, description="as the sites' `operator` field")
    size_usd: ProjectUSD | None = Field(
        default=None,
        description="commitment: principal drawn (with capitalised "
        "interest and what is outstanding at the horizon start) at most this",
    )
    loan_to_cost: LoanShare | None = Field(
        default=None,
        description="principal drawn in the horizon <= this share of the capex of its sites (with "
        "capitalised interest as cost), e.g. 0.85 (S-HUT8-RIVER-BEND-2025)",
    )
    loan_to_contracted_value: LoanShare | None = Field(
        default=None,
        description="debt outstanding while drawing <= this share of the backing tenants' remaining "
        "rent in the horizon, discounted at the facility's rate (needs backing_tenants)",
    )
    rate_per_year: DebtRate = Field(
        default=DEFAULTS["rate_per_year"].value,
        description=f"interest, per year; default: {DEFAULTS['rate_per_year'].source}",
    )
    backed_rate_per_year: DebtRate | None = Field(
        default=None,
        description="rate when every backing tenant is fully backstopped (credit_support); default: "
        "rate_per_year less financing.credit_support.spread_reduction_bp",
    )
    upfront_fee_share: Annotated[float, Field(ge=0, le=0.1)] = Field(
        default=DEFAULTS["upfront_fee_share"].value,
        description=f"share of each draw paid at the draw; default: {DEFAULTS['upfront_fee_share'].source}",
    )
    outstanding_usd: ProjectUSD = Field(default=0.0, description="principal outstanding at the horizon start")
    draw_start: dt.date | None = Field(default=None, description="first day of draws (default: the horizon start)")
    draw_end: dt.date = Field(description="first day without draws: construction complete")
    amortisation_start: dt.date | None = Field(
        default=None, description="first day of principal repayment (default: draw_end); interest only before"
    )
    maturity: dt.date = Field(description="the balance is repaid in full in the period holding this day")
    amortisation: Literal["level", "straight_line", "sculpted"] = Field(
        default=DEFAULTS["amortisation"].value, description=f"default: {DEFAULTS['amortisation'].source}"
    )
    balloon_share: Share = Field(
        default=DEFAULTS["balloon_share"].value,
        description=f"principal left for the maturity; default: {DEFAULTS['balloon_share'].source}",
    )
    min_dscr: Annotated[float, POSITIVE, DSCR_CEILING] | None = Field(
        default=DEFAULTS["min_dscr"].value,
        description=f"contracted rent / debt service, each period from draw_end to the one before maturity (null: no "
        f"covenant); "
        f"default: {DEFAULTS['min_dscr'].source}",
    )
    backing_tenants: list[Id] = Field(default=[], description="tenant offers whose rent secures it (project debt)")
    sites: list[Id] = Field(default=[], description="sites whose capex it finances (default: the operator's)")
    capitalise_interest: bool = Field(default=True, description="interest during the draw window added to the balance")
    source: Source = "estimate"

    @field_validator("draw_end")
    @classmethod
    def _after_draw_start(cls, v: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("draw_start")
        if start is not None and v <= start:
            raise ValueError(f"draw_end {v} is not after draw_start {start}")
        return v

    @field_validator("amortisation_start")
    @classmethod
    def _after_draws(cls, v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        end = info.data.get("draw_end")
        if v is not None and end is not None and v < end:
            raise ValueError(f"amortisation_start {v} is before draw_end {end}: no repayment while drawing")
        return v

    @field_validator("maturity")
    @classmethod
    def _after_amortisation(cls, v: dt.date, info: ValidationInfo) -> dt.date:
        first = info.data.get("amortisation_start") or info.data.get("draw_end")
        if first is not None and v < first:
            raise ValueError(f"maturity {v} is before the amortisation start {first}")
        return v

    @field_validator("backing_tenants", "sites")
    @classmethod
    def _unique(cls, v: list[str], info: ValidationInfo) -> list[str]:
        check_unique(v, info.field_name or "")
        return v

    @model_validator(mode="after")
    def _limited(self) -> Facility:
        if self.size_usd is None and self.loan_to_cost is None and self.loan_to_contracted_value is None:
            raise ValueError(
                "give size_usd, loan_to_cost or loan_to_contracted_value: a facility without a limit lends without end"
            )
        if self.loan_to_contracted_value is not None and not self.backing_tenants:
            raise ValueError("loan_to_contracted_value needs backing_tenants (whose rent is the contracted value)")
        if self.kind != "project" and self.backing_tenants:
            raise ValueError(f"a {self.kind} facility has no backing_tenants (only project debt is secured on leases)")
        return self


class EquityAvailable(Strict):
    """New equity an operator can put in: from dates on (cumulative), and/or at a yearly rate."""

    operator: str = Field(min_length=1, description="as the sites' `operator` field")
    from_dates_usd: dict[dt.date, ProjectUSD] = Field(
        default={}, description="date -> USD of new equity available from that date (inside the horizon)"
    )
    usd_per_year: ProjectUSD | None = Field(default=None, description="also this much a year, pro rata per period")
    source: Source = "estimate"


class CreditSupportEffect(Strict):
    """How a backstop on a tenant offer lowers the rate of project debt secured on it."""

    spread_reduction_bp: Annotated[float, Field(ge=0), SPREAD_CEILING] = Field(
        default=DEFAULTS["spread_reduction_bp"].value,
        description=f"rate cut at a full backstop (pro rata to the backed share); default: "
        f"{DEFAULTS['spread_reduction_bp'].source}",
    )
    source: Source = "estimate"


class Financing(Strict):
    """Debt, equity and the objective of a portfolio (module docstring). Omitted: no funding model."""

    objective: Literal["enterprise_npv", "equity_npv"] = Field(
        default="enterprise_npv",
        description="enterprise_npv: the project NPV (financing only has to be feasible); "
        "equity_npv: distributions less contributions at the cost of equity",
    )
    cost_of_equity_per_year: Annotated[float, Field(ge=0), EQUITY_RATE_CEILING] = Field(
        default=DEFAULTS["cost_of_equity_per_year"].value,
        description=f"discounts equity flows; default: {DEFAULTS['cost_of_equity_per_year'].source}",
    )
    facilities: list[Facility] = []
    equity: list[EquityAvailable] = Field(
        default=[], description="per operator; an operator not listed has unlimited equity"
    )
    credit_support: CreditSupportEffect = CreditSupportEffect()
    tax: Literal["none"] = Field(default="none", description="taxes are not modelled: cash flows are pre-tax")
    source: Source = "estimate"

    @field_validator("facilities")
    @classmethod
    def _unique_facilities(cls, v: list[Facility]) -> list[Facility]:
        check_unique([f.id for f in v], "facilities")
        return v

    @field_validator("equity")
    @classmethod
    def _one_entry_per_operator(cls, v: list[EquityAvailable]) -> list[EquityAvailable]:
        check_unique([e.operator for e in v], "equity (operators)")
        return v
