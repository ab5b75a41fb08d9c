"""Market re-lease demand: generic tenants for built capacity, at a market rate, per region.

A market m signs leases of its term at eligible sites (those in its grids) from its first
available date; a lease signed in period t occupies its IT MW from t (re-fit and vacancy) and
pays rent from the first period starting at least `downtime` months later, until the first period
starting at or after the end of its term (planner.inputs.time). Rent per MW-period:
    rent_m,t = rate_m x 1000 kW x L_t months x (1 + esc_m)^y_t
Re-fit capex per MW is paid at signing; power and opex terms as for tenant offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from planner.describe.contracts import Market
from planner.inputs.arrays import ArrayGroup, dims, labels
from planner.inputs.time import Time


@dataclass(frozen=True)
class Markets(ArrayGroup):
    """Per-market arrays."""

    DIM: ClassVar[str] = "market"
    ids: list[str] = labels()
    eligible: np.ndarray = dims("market", "site", doc="the site is in one of its grids (bool)")
    max_it_mw: np.ndarray = dims("market", doc="most IT MW under its leases at any time")
    rack: np.ndarray = dims("market", doc="rack type index its tenants install")
    pass_through: np.ndarray = dims("market", doc="its tenants pay their energy at cost (bool)")
    opex_recovery_usd_per_mw_period: np.ndarray = dims("market", "period", doc="hall opex paid back per MW")
    rent_usd_per_mw: np.ndarray = dims("market", "period", doc="rent per MW-period")
    refit_usd_per_mw: np.ndarray = dims("market", doc="re-fit capex per MW leased, paid at signing")
    open: np.ndarray = dims("market", "period", doc="a lease may be signed in t (bool)")
    rent_from: np.ndarray = dims("market", "period", doc="period rent starts for a lease signed in t")
    ends: np.ndarray = dims("market", "period", doc="period a lease signed in t has ended (>= T: after)")
    term_months: np.ndarray = dims("market")
    downtime_months: np.ndarray = dims("market", doc="vacancy and re-fit before rent starts")
    escalation_per_year: np.ndarray = dims("market")
    rate_usd_per_kw_month: np.ndarray = dims("market", doc="at the horizon start, lease multiplier applied")

    @property
    def M(self) -> int:
        """Number of markets."""
        return len(self.ids)


def _recovery(power: str, hall_opex_usd_per_mw_year: float) -> float:
    return hall_opex_usd_per_mw_year if power == "pass_through" else 0.0


def prepare_markets(
    markets: list[Market],
    site_grids: list[str],
    rack_ids: list[str],
    lease_multiplier: float,
    time: Time,
    hall_opex_usd_per_mw_year: float,
) -> Markets:
    """Market arrays (module docstring)."""
    M, T = len(markets), time.T
    vec = lambda xs: np.array(xs, dtype=float).reshape(M)  # noqa: E731
    first = np.array(
        [0 if mk.first_available is None else max(0, time.period_of(mk.first_available)) for mk in markets], dtype=int
    ).reshape(M)
    rate = vec([mk.rate_usd_per_kw_month * lease_multiplier for mk in markets])
    esc = vec([mk.escalation_per_year for mk in markets])
    recovery = vec([_recovery(mk.power, hall_opex_usd_per_mw_year) for mk in markets])
    return Markets(
        ids=[mk.id for mk in markets],
        eligible=np.array([[g in mk.grids for g in site_grids] for mk in markets], dtype=bool).reshape(
            M, len(site_grids)
        ),
        max_it_mw=vec([mk.max_it_mw for mk in markets]),
        rack=np.array([rack_ids.index(mk.rack_type) for mk in markets], dtype=int).reshape(M),
        pass_through=np.array([mk.power != "included" for mk in markets], dtype=bool).reshape(M),
        opex_recovery_usd_per_mw_period=recovery[:, None] * time.year_fraction[None, :],
        rent_usd_per_mw=rate[:, None] * 1000.0 * time.months[None, :] * (1 + esc[:, None]) ** time.years[None, :],
        refit_usd_per_mw=vec([mk.refit_capex_usd_per_mw for mk in markets]),
        open=np.arange(T)[None, :] >= first[:, None],
        rent_from=time.retire_period(vec([mk.downtime_months / 12.0 for mk in markets])).reshape(M, T),
        ends=time.retire_period(vec([mk.term_months / 12.0 for mk in markets])).reshape(M, T),
        term_months=vec([mk.term_months for mk in markets]),
        downtime_months=vec([mk.downtime_months for mk in markets]),
        escalation_per_year=esc,
        rate_usd_per_kw_month=rate,
    )
