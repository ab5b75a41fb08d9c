"""Contracts a site's HPC capacity can serve: tenant offers (signed or not), the counterparties
behind them, and market re-lease demand.

A tenant offer is a lease of critical IT MW (``kind: lease``) or a GPU-service contract
(``kind: gpu_service``: the operator buys the GPUs, the customer pays for their use). It may
ramp up in tranches after its start, carry renewal options, name its counterparty and the
credit support behind it. Power terms: ``pass_through`` (triple net: the tenant pays its energy
at cost and the hall's opex), ``modified_gross`` (energy at cost, opex recovered up to a cap),
``included`` (the landlord pays both).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from planner.describe.bounds import CEILINGS as C
from planner.describe.fields import (
    NON_NEGATIVE,
    POSITIVE,
    Id,
    LeaseRate,
    OpexUSDPerMWYear,
    Share,
    Source,
    Strict,
    check_unique,
)

TermMonths = Annotated[int, Field(ge=1), C["term_months"]]
TenantMW = Annotated[float, POSITIVE, C["tenant_it_mw"]]
CapexPerMW = Annotated[float, NON_NEGATIVE, C["capex_usd_per_mw"]]


class Tranche(Strict):
    """IT MW in service from a number of months after the contract starts (cumulative)."""

    after_months: Annotated[int, NON_NEGATIVE, C["term_months"]]
    it_mw: TenantMW


class Renewals(Strict):
    """Renewal options: `options` extensions of `term_months` each, at the escalated rate x `rate_factor`."""

    options: Annotated[int, Field(ge=1, le=5)]
    term_months: TermMonths
    rate_factor: Annotated[float, Field(gt=0, le=3)] = Field(
        default=1.0, description="renewal rent / the rent the escalator would give then (1: the escalator continues)"
    )
    source: Source = "estimate"


class CreditSupport(Strict):
    """A third party backing part of a tenant's payments (e.g. a hyperscaler's backstop)."""

    by: Id = Field(description="a counterparty id")
    share: Share = Field(description="share of the contract's payments backed")
    source: Source = "estimate"


class GpuService(Strict):
    """Terms of a GPU-service contract: the operator buys the GPUs when each tranche starts."""

    capex_usd_per_mw_it: CapexPerMW = Field(description="GPUs, networking and ancillaries per MW of IT")
    prepayment_share: Share = Field(default=0.0, description="share of the contract value paid at signing")
    residual_share: Share = Field(default=0.0, description="GPU value at the end of the term, share of their cost")
    source: Source = "estimate"


class Counterparty(Strict):
    """Who pays: a tenant, or a guarantor of one."""

    id: Id
    name: str = ""
    credit: Literal["investment_grade", "other"] = Field(
        description="investment_grade: rated IG (a hyperscaler); other: a neocloud or unrated company"
    )
    source: Source = "estimate"


class TenantOffer(Strict):
    """An HPC tenant's offer (or a signed contract, when committed)."""

    id: Id
    name: str = ""
    kind: Literal["lease", "gpu_service"] = "lease"
    counterparty: Id | None = Field(default=None, description="a counterparty id (default: its own, unrated)")
    credit_support: CreditSupport | None = None
    it_mw: TenantMW = Field(description="critical IT MW once every tranche is in service")
    rate_usd_per_kw_month: LeaseRate
    escalator_per_year: Annotated[float, Field(ge=-0.2, le=0.2)] = 0.0
    site_rates_usd_per_kw_month: dict[str, LeaseRate] = Field(
        default={}, description="per-site rate overriding rate_usd_per_kw_month"
    )
    term_months: TermMonths
    start_earliest: dt.date = Field(
        description="first day the contract may start (the contract date when signed); earlier than the horizon "
        "start is fine (a lease already running), but it must start before the horizon ends"
    )
    start_latest: dt.date = Field(
        description="last day it may start, not before start_earliest; a lease starting then must still run at "
        "the horizon start"
    )
    delay_penalty_usd_per_month: Annotated[float, NON_NEGATIVE, C["project_usd"]] = Field(
        default=0.0, description="paid at the start for each month it starts after start_earliest"
    )
    tranches: list[Tranche] = Field(
        default=[], description="IT MW ramp after the start (cumulative, ending at it_mw); none: it_mw at once"
    )
    renewals: Renewals | None = None
    rack_type: Id
    eligible_sites: list[Id] = Field(min_length=1)
    min_block_mw: Annotated[float, NON_NEGATIVE, C["tenant_it_mw"]] = 0.0
    max_sites: Annotated[int, Field(ge=1), C["max_sites"]] = 1
    power: Literal["pass_through", "modified_gross", "included"] = Field(
        default="pass_through",
        description="pass_through: triple net (energy at cost and hall opex paid by the "
        "tenant); modified_gross: energy at cost, opex up to opex_recovery_usd_per_mw_year; included: neither",
    )
    opex_recovery_usd_per_mw_year: OpexUSDPerMWYear = Field(
        default=0.0, description="modified_gross: hall opex the tenant pays back, at most this per MW"
    )
    gpu_service: GpuService | None = None
    committed: bool = False
    source: Source = "estimate"

    # field validators (not one model validator) so that errors name the field and its value
    @field_validator("start_latest")
    @classmethod
    def _window(cls, v: dt.date, info: ValidationInfo) -> dt.date:
        earliest = info.data.get("start_earliest")
        if earliest is not None and v < earliest:
            raise ValueError(f"start_latest {v} is before start_earliest {earliest}")
        return v

    @field_validator("eligible_sites")
    @classmethod
    def _unique_sites(cls, v: list[str]) -> list[str]:
        check_unique(v, "eligible_sites")
        return v

    @field_validator("min_block_mw")
    @classmethod
    def _block(cls, v: float, info: ValidationInfo) -> float:
        it_mw = info.data.get("it_mw")
        if it_mw is not None and v > it_mw:
            raise ValueError(f"min_block_mw {v} exceeds it_mw {it_mw}")
        return v

    @field_validator("tranches")
    @classmethod
    def _ramp(cls, v: list[Tranche], info: ValidationInfo) -> list[Tranche]:
        it_mw, term = info.data.get("it_mw"), info.data.get("term_months")
        for a, b in zip(v, v[1:]):
            if b.after_months <= a.after_months or b.it_mw < a.it_mw:
                raise ValueError(
                    f"tranches must ramp up: {b.it_mw:g} MW after {b.after_months} months follows "
                    f"{a.it_mw:g} MW after {a.after_months} months"
                )
        if v and it_mw is not None and abs(v[-1].it_mw - it_mw) > 1e-9:
            raise ValueError(f"the last tranche ({v[-1].it_mw:g} MW) is not the offer's it_mw ({it_mw:g} MW)")
        if v and term is not None and v[-1].after_months >= term:
            raise ValueError(
                f"a tranche starts {v[-1].after_months} months after the start, at or after the end of "
                f"the {term}-month term"
            )
        return v

    @field_validator("renewals")
    @classmethod
    def _renewals(cls, v: Renewals | None, info: ValidationInfo) -> Renewals | None:
        term = info.data.get("term_months")
        if v is not None and info.data.get("kind") == "gpu_service":
            raise ValueError("a GPU-service contract has no renewal options (its GPUs age out)")
        if v is not None and term is not None and term + v.options * v.term_months > C["term_months"].value:
            raise ValueError(
                f"term and renewals add up to {term + v.options * v.term_months} months, more than "
                f"{C['term_months'].value:g} (a lease kind runs at most 50 years)"
            )
        return v

    @model_validator(mode="after")
    def _gpu_service(self) -> TenantOffer:
        if (self.kind == "gpu_service") != (self.gpu_service is not None):
            raise ValueError("kind gpu_service needs gpu_service terms, and only it has them")
        if self.kind == "gpu_service" and self.power != "included":
            raise ValueError(
                f"a GPU-service contract has power {self.power!r}: its operator pays the energy (power: included)"
            )
        if self.kind == "gpu_service" and len(self.eligible_sites) != 1:
            raise ValueError("a GPU-service contract names exactly one eligible site (its GPUs are bought there)")
        return self


class Market(Strict):
    """Market re-lease demand: generic tenants for built capacity, at a market rate, per region."""

    id: Id
    name: str = ""
    grids: list[str] = Field(min_length=1, description="grid regions (a site's `grid`) whose sites it can lease")
    rate_usd_per_kw_month: LeaseRate = Field(description="at the horizon start")
    escalation_per_year: Annotated[float, Field(ge=-0.2, le=0.2)] = 0.0
    max_it_mw: Annotated[float, POSITIVE, C["market_it_mw"]] = Field(
        description="most IT MW under market leases in these regions at any time (absorption)"
    )
    term_months: TermMonths = 60
    downtime_months: Annotated[int, NON_NEGATIVE, C["lead_time_months"]] = Field(
        default=6, description="months from signing (re-fit, vacancy) to the first rent"
    )
    refit_capex_usd_per_mw: CapexPerMW = Field(default=0.0, description="paid at signing, per MW leased")
    rack_type: Id
    power: Literal["pass_through", "modified_gross", "included"] = "pass_through"
    first_available: dt.date | None = Field(default=None, description="no market lease signed before this date")
    source: Source = "estimate"
