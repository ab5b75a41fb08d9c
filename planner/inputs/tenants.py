"""Tenant offers (and signed contracts) and their counterparties, as arrays.

Rent of tenant k at eligible site s in period t [$/MW-period]:
    lease_k,s,t = rate_k,s x m_lease x 1000 kW x L_t months x (1 + esc_k)^max(0, y_t - y_k) x (1 - pre_k)
with rate_k,s the site's rate (or the offer's), m_lease the scenario's lease multiplier, y_k the
year of the tenant's earliest start (escalation runs from it, whenever it starts) and pre_k the
share of a GPU-service contract's value the customer prepays at signing. In a renewal the rent is
rate_factor_k times that. Power terms: energy at cost for pass_through and modified_gross
offers; hall opex recovered per leased MW: all of it (pass_through, triple net), up to the
offer's cap (modified_gross), none (included). The share of a lease's payments an
investment-grade party stands behind (its own rating, or a backstop) is ig_share_k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from planner.describe.contracts import Counterparty, TenantOffer
from planner.describe.descriptors import Scenario
from planner.inputs.arrays import ArrayGroup, dims, labels, ref
from planner.inputs.time import Time, month_index


@dataclass(frozen=True)
class Counterparties(ArrayGroup):
    """Who pays: those described, and one per offer that names none (itself, unrated)."""

    DIM: ClassVar[str] = "counterparty"
    ids: list[str] = labels()
    investment_grade: np.ndarray = dims("counterparty", doc="rated investment grade (bool)")


@dataclass(frozen=True)
class Tenants(ArrayGroup):
    """Per-offer arrays."""

    DIM: ClassVar[str] = "tenant"
    ids: list[str] = labels()
    mw: np.ndarray = dims("tenant", doc="critical IT MW once every tranche serves")
    rack: np.ndarray = dims("tenant", doc="rack type index")
    committed: np.ndarray = dims("tenant", doc="signed: must be served (bool)")
    gpu_service: np.ndarray = dims("tenant", doc="a GPU-service contract: the operator buys the GPUs (bool)")
    counterparty: np.ndarray = ref("counterparty", doc="index of its counterparty")
    ig_share: np.ndarray = dims("tenant", doc="share of its payments backed by an investment-grade party")
    pass_through: np.ndarray = dims("tenant", doc="tenant pays its energy at cost (bool)")
    opex_recovery_usd_per_mw_period: np.ndarray = dims("tenant", "period", doc="hall opex it pays back per MW")
    max_sites: np.ndarray = dims("tenant")
    min_block_mw: np.ndarray = dims("tenant")
    eligible: np.ndarray = dims("tenant", "site", doc="may be served there (bool)")
    first: np.ndarray = dims("tenant", doc="earliest start period (negative: before the horizon)")
    last: np.ndarray = dims("tenant", doc="latest start period")
    earliest_month: np.ndarray = dims("tenant", doc="start_earliest in months from the horizon start")
    term_months: np.ndarray = dims("tenant", doc="base term in months")
    renewal_options: np.ndarray = dims("tenant", doc="renewal options it has")
    renewal_months: np.ndarray = dims("tenant", doc="months of each renewal")
    renewal_factor: np.ndarray = dims("tenant", doc="renewal rent / escalated rent")
    delay_usd_per_month: np.ndarray = dims("tenant", doc="penalty per month of start after start_earliest")
    gpu_capex_usd_per_mw: np.ndarray = dims("tenant", doc="GPU-service: GPUs bought per MW as tranches start")
    prepayment_share: np.ndarray = dims("tenant", doc="GPU-service: share of the contract value paid at signing")
    gpu_residual_share: np.ndarray = dims("tenant", doc="GPU-service: GPU value at the term's end, share of cost")
    lease_rev_usd_per_mw: np.ndarray = dims("tenant", "site", "period", doc="rent; 0 where not eligible")
    rate_usd_per_kw_month: np.ndarray = dims(
        "tenant", "site", doc="base rate with the lease multiplier and prepayment taken out (0 where not eligible)"
    )
    escalator_per_year: np.ndarray = dims("tenant")
    first_year: np.ndarray = dims("tenant", doc="years from the horizon start to the escalation's base")
    tranche_months: np.ndarray = dims("tenant", "tranche", doc="months after the start a tranche begins")
    tranche_mw: np.ndarray = dims("tenant", "tranche", doc="IT MW the tranche adds (0: padding)")

    @property
    def K(self) -> int:
        """Number of tenant offers."""
        return len(self.ids)

    def sites(self, k: int) -> np.ndarray:
        """Indices of tenant k's eligible sites (in site order)."""
        return np.flatnonzero(self.eligible[k])

    def starts(self, k: int, T: int) -> np.ndarray:
        """Candidate start periods of tenant k that lie before the horizon's end."""
        return np.arange(int(self.first[k]), min(int(self.last[k]), T - 1) + 1)

    def active(self, k: int, start: int, time: Time, option: int = 0) -> np.ndarray:
        """[T] MW of tenant k in each period (average) if it starts at period `start` and takes
        `option` renewals."""
        months = self.term_months[k] + option * self.renewal_months[k]
        begin = time.month_of(start) + self.tranche_months[k]
        return (self.tranche_mw[k][:, None] * time.activity(begin, months - self.tranche_months[k])).sum(axis=0)


def prepare_counterparties(described: list[Counterparty], offers: list[TenantOffer]) -> Counterparties:
    """The described counterparties, then one (unrated) per offer that names none."""
    ids = [c.id for c in described] + [f"{o.id}" for o in offers if o.counterparty is None]
    ig = [c.credit == "investment_grade" for c in described] + [False] * (len(ids) - len(described))
    return Counterparties(ids=ids, investment_grade=np.array(ig, dtype=bool))


def _ig_share(o: TenantOffer, cps: Counterparties) -> float:
    """Share of an offer's payments an investment-grade party stands behind."""
    own = cps.ids.index(o.counterparty if o.counterparty is not None else o.id)
    if cps.investment_grade[own]:
        return 1.0
    support = o.credit_support
    return support.share if support is not None and cps.investment_grade[cps.ids.index(support.by)] else 0.0


def _recovery(o: TenantOffer, hall_opex_usd_per_mw_year: float) -> float:
    """Hall opex per MW-year the tenant pays back (module docstring)."""
    if o.power == "pass_through" and o.kind == "lease":
        return hall_opex_usd_per_mw_year
    if o.power == "modified_gross":
        return min(o.opex_recovery_usd_per_mw_year, hall_opex_usd_per_mw_year)
    return 0.0


def _tranches(offers: list[TenantOffer]) -> tuple[np.ndarray, np.ndarray]:
    """([K, Q] months after the start, [K, Q] MW added) of every offer's ramp (padded with 0 MW)."""
    Q = max([1, *(len(o.tranches) for o in offers)])
    months, mw = np.zeros((len(offers), Q)), np.zeros((len(offers), Q))
    for k, o in enumerate(offers):
        steps = o.tranches or []
        if not steps:
            mw[k, 0] = o.it_mw
            continue
        prev = 0.0
        for q, tr in enumerate(steps):
            months[k, q], mw[k, q], prev = tr.after_months, tr.it_mw - prev, tr.it_mw
    return months, mw


def _rates(offers: list[TenantOffer], site_ids: list[str], sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """([K, S] eligible, [K, S] base rate in USD/kW-month with the lease multiplier and the
    prepayment taken out)."""
    index = {sid: i for i, sid in enumerate(site_ids)}
    eligible = np.zeros((len(offers), len(site_ids)), dtype=bool)
    rates = np.zeros((len(offers), len(site_ids)))
    for k, o in enumerate(offers):
        kept = 1.0 - (o.gpu_service.prepayment_share if o.gpu_service is not None else 0.0)
        for sid in o.eligible_sites:
            eligible[k, index[sid]] = True
            rates[k, index[sid]] = o.site_rates_usd_per_kw_month.get(sid, o.rate_usd_per_kw_month) * (
                sc.lease_rate_multiplier * kept
            )
    return eligible, rates


def rent_usd_per_mw(
    rate: np.ndarray, escalator: np.ndarray, first_year: np.ndarray, years: np.ndarray, months: np.ndarray
) -> np.ndarray:
    """[K, S, n] rent per MW of a period of `months` months at mid-period `years`:
    rate x 1000 x months x (1 + esc)^max(0, years - first_year)."""
    growth = (1 + escalator[:, None]) ** np.maximum(0.0, years[None, :] - first_year[:, None])  # [K, n]
    return rate[:, :, None] * 1000.0 * months[None, None, :] * growth[:, None, :]


def prepare_tenants(
    offers: list[TenantOffer],
    cps: Counterparties,
    site_ids: list[str],
    rack_ids: list[str],
    sc: Scenario,
    time: Time,
    hall_opex_usd_per_mw_year: float,
) -> Tenants:
    """Offer arrays (see the module docstring)."""
    first = np.array([time.period_of(o.start_earliest) for o in offers], dtype=int)
    eligible, rates = _rates(offers, site_ids, sc)
    first_year = np.array([time.month_of(int(t)) / 12.0 for t in first])
    escalator = np.array([o.escalator_per_year for o in offers], dtype=float)
    months, mw = _tranches(offers)
    gpu = [o.gpu_service for o in offers]
    ren = [o.renewals for o in offers]
    recovery = np.array([_recovery(o, hall_opex_usd_per_mw_year) for o in offers])
    f = lambda xs: np.array(xs, dtype=float)  # noqa: E731
    return Tenants(
        ids=[o.id for o in offers],
        mw=f([o.it_mw for o in offers]),
        rack=np.array([rack_ids.index(o.rack_type) for o in offers], dtype=int),
        committed=np.array([o.committed for o in offers], dtype=bool),
        gpu_service=np.array([o.kind == "gpu_service" for o in offers], dtype=bool),
        counterparty=np.array([cps.ids.index(o.counterparty or o.id) for o in offers], dtype=int),
        ig_share=f([_ig_share(o, cps) for o in offers]),
        pass_through=np.array([o.power in ("pass_through", "modified_gross") for o in offers], dtype=bool),
        opex_recovery_usd_per_mw_period=recovery[:, None] * time.year_fraction[None, :],
        max_sites=np.array([o.max_sites for o in offers], dtype=int),
        min_block_mw=f([o.min_block_mw for o in offers]),
        eligible=eligible,
        first=first,
        last=np.array([time.period_of(o.start_latest) for o in offers], dtype=int),
        earliest_month=f([month_index(o.start_earliest) - month_index(time.start) for o in offers]),
        term_months=f([o.term_months for o in offers]),
        renewal_options=np.array([r.options if r else 0 for r in ren], dtype=int),
        renewal_months=f([r.term_months if r else 0 for r in ren]),
        renewal_factor=f([r.rate_factor if r else 1.0 for r in ren]),
        delay_usd_per_month=f([o.delay_penalty_usd_per_month for o in offers]),
        gpu_capex_usd_per_mw=f([g.capex_usd_per_mw_it * sc.capex_multiplier if g else 0.0 for g in gpu]),
        prepayment_share=f([g.prepayment_share if g else 0.0 for g in gpu]),
        gpu_residual_share=f([g.residual_share if g else 0.0 for g in gpu]),
        lease_rev_usd_per_mw=rent_usd_per_mw(rates, escalator, first_year, time.years, time.months.astype(float)),
        rate_usd_per_kw_month=rates,
        escalator_per_year=escalator,
        first_year=first_year,
        tranche_months=months,
        tranche_mw=mw,
    )
