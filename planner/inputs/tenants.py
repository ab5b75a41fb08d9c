"""Tenant offers (and signed contracts) as arrays: eligibility is a [tenant, site] mask.

Lease revenue of tenant k at eligible site s in period t [$/MW-period]:
    lease_k,s,t = rate_k,s x m_lease x 1000 kW x L_t months x (1 + esc_k)^max(0, y_t - y_k)
with rate_k,s the site's rate (or the offer's), m_lease the scenario's lease multiplier and
y_k the year of the tenant's earliest start (escalation runs from it, whenever it starts).
A tenant may start in any period of its window [first_k, last_k] (first_k < 0: already
running at the horizon start), and is then served for its term: in period t for the share of
t its term covers (planner.inputs.time.Time.activity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from planner.describe.descriptors import Scenario, TenantOffer
from planner.inputs.arrays import ArrayGroup, dims, labels
from planner.inputs.time import Time


@dataclass(frozen=True)
class Tenants(ArrayGroup):
    """Per-offer arrays."""

    DIM: ClassVar[str] = "tenant"
    ids: list[str] = labels()
    mw: np.ndarray = dims("tenant", doc="critical IT MW")
    rack: np.ndarray = dims("tenant", doc="rack type index")
    committed: np.ndarray = dims("tenant", doc="signed: must be served (bool)")
    pass_through: np.ndarray = dims("tenant", doc="tenant pays its energy (bool)")
    max_sites: np.ndarray = dims("tenant")
    min_block_mw: np.ndarray = dims("tenant")
    eligible: np.ndarray = dims("tenant", "site", doc="may be served there (bool)")
    first: np.ndarray = dims("tenant", doc="earliest start period (negative: before the horizon)")
    last: np.ndarray = dims("tenant", doc="latest start period")
    term_months: np.ndarray = dims("tenant", doc="months served once started")
    lease_rev_usd_per_mw: np.ndarray = dims("tenant", "site", "period", doc="0 where not eligible")

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

    def active(self, k: int, start: int, time: Time) -> np.ndarray:
        """[T] share of each period in which tenant k is served if its lease starts at period `start`."""
        return time.activity(np.array(time.month_of(start)), self.term_months[k])


@dataclass(frozen=True)
class StartGrid:
    """Candidate starts of every tenant on one grid of periods `periods[j]`."""

    periods: np.ndarray  # [J] start periods (may be negative)
    ok: np.ndarray  # [K, J] bool: period j is in tenant k's window (and before the horizon's end)
    active: np.ndarray  # [K, J, T] share of t in which tenant k is served when it starts at period j


def start_grid(tenants: Tenants, time: Time) -> StartGrid:
    """The union of the tenants' start windows, with each tenant's mask and activity."""
    T = time.T
    if tenants.K == 0:
        return StartGrid(np.zeros(0, dtype=int), np.zeros((0, 0), dtype=bool), np.zeros((0, 0, T)))
    lo, hi = int(tenants.first.min()), int(np.minimum(tenants.last, T - 1).max())
    periods = np.arange(lo, max(lo, hi) + 1)
    ok = (periods[None, :] >= tenants.first[:, None]) & (periods[None, :] <= np.minimum(tenants.last, T - 1)[:, None])
    months = np.array([time.month_of(int(p)) for p in periods])
    active = time.activity(months[None, :], tenants.term_months[:, None])
    return StartGrid(periods, ok, active * ok[:, :, None])


def prepare_tenants(offers: list[TenantOffer], site_ids: list[str], rack_ids: list[str], sc: Scenario,
                    time: Time) -> Tenants:
    """Offer arrays (see the module docstring for the lease revenue)."""
    K, S = len(offers), len(site_ids)
    site_index = {sid: i for i, sid in enumerate(site_ids)}
    rack_index = {rid: j for j, rid in enumerate(rack_ids)}
    eligible = np.zeros((K, S), dtype=bool)
    revenue = np.zeros((K, S, time.T))
    first = np.array([time.period_of(k.start_earliest) for k in offers], dtype=int)
    for k, offer in enumerate(offers):
        since = np.maximum(0.0, time.years - time.month_of(int(first[k])) / 12.0)
        growth = (1 + offer.escalator_per_year) ** since
        for sid in offer.eligible_sites:
            rate = offer.site_rates_usd_per_kw_month.get(sid, offer.rate_usd_per_kw_month)
            eligible[k, site_index[sid]] = True
            revenue[k, site_index[sid]] = rate * sc.lease_rate_multiplier * 1000.0 * time.months * growth
    return Tenants(
        ids=[k.id for k in offers], mw=np.array([k.it_mw for k in offers], dtype=float),
        rack=np.array([rack_index[k.rack_type] for k in offers], dtype=int),
        committed=np.array([k.committed for k in offers], dtype=bool),
        pass_through=np.array([k.power == "pass_through" for k in offers], dtype=bool),
        max_sites=np.array([k.max_sites for k in offers], dtype=int),
        min_block_mw=np.array([k.min_block_mw for k in offers], dtype=float),
        eligible=eligible, first=first, last=np.array([time.period_of(k.start_latest) for k in offers], dtype=int),
        term_months=np.array([k.term_months for k in offers], dtype=float), lease_rev_usd_per_mw=revenue)
