"""The value after the horizon (finance.terminal_value), per MW of what the plan signs.

Contracted (default): the remaining NOI of every signed contract past the horizon end M, by
month m in [M, E) until the contract's end E (months from the horizon start):
    V = sum_m rent_m x f_m x d_rev(m) - cost_m x d(m)
with rent_m the rent per MW-month (the escalator continuing), f_m the renewal rate factor in a
renewal (1 in the base term), d_rev the discount of the contract's revenue class (the share an
investment-grade party backs at the IG rate, the rest at the contracted rate), d the base
discount, and cost_m the landlord's costs per MW-month that the contract does not pass on: hall
opex less what the tenant pays back, and energy (PUE x load factor x 730 h x the site's price at
the horizon end, escalated) where the landlord pays it; a GPU-service contract also pays its
cloud opex and gets its GPUs' residual value at E. No value for idle capacity.
Market: the contracted value, and a MW's value re-leased to its site's market m once free: at a
contract's end E (for capacity under contract at the horizon end) or at M (hall IT idle then):
    x_s(E) = max(0, 12 NOI_m,s(E + D) / cap x d_market(E + D) - refit_m x d(E))
with D the market's downtime, NOI the market rent less the hall opex it does not recover and the
energy the landlord pays (per MW-month, as for a market lease), cap the exit cap rate, and the
site's market the finance setting exit_market where the site is in it, else the first market of
the site's grid (none: no value). Book: the straight-line value of what was built
(planner.model.buildout). None: nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs.arrays import ArrayGroup, dims
from planner.inputs.finance import FinanceArrays
from planner.inputs.markets import Markets
from planner.inputs.paths import ContractPaths
from planner.inputs.tenants import Tenants, rent_usd_per_mw
from planner.inputs.time import Time

HOURS_PER_MONTH = 8760.0 / 12.0


@dataclass(frozen=True)
class SiteCosts:
    """What a leased MW costs the landlord after the horizon, per site."""

    hall_opex_usd_per_mw_month: float
    cloud_opex_usd_per_mw_month: float
    cloud_opex_share: float
    energy_usd_per_mw_month: np.ndarray  # [S, R] at the horizon end: lf x PUE x hours x price
    energy_escalation_per_year: float


@dataclass(frozen=True)
class Relet(ArrayGroup):
    """Per site: what a MW of capacity is worth re-leased to the site's market once free (market
    mode; module docstring)."""

    market: np.ndarray = dims("site", doc="exit market index (-1: none, or not market mode)")
    rent_usd_per_mw_month: np.ndarray = dims("site", doc="market rent at the horizon start")
    escalation_per_year: np.ndarray = dims("site")
    opex_usd_per_mw_month: np.ndarray = dims("site", doc="hall opex the market tenant does not pay back")
    energy_usd_per_mw_month: np.ndarray = dims("site", doc="energy the landlord pays, at the horizon end")
    downtime_months: np.ndarray = dims("site")
    refit_usd_per_mw: np.ndarray = dims("site")
    energy_escalation_per_year: float = 0.0
    cap_rate: float = 1.0
    market_rate: float = 0.0
    base_rate: float = 0.0
    end_month: int = 0

    def value(self, months: np.ndarray | float) -> np.ndarray:
        """[S, *shape of months] x_s(E) at the horizon start per MW free from months E."""
        free = np.asarray(months, dtype=float)
        ext = (slice(None),) + (None,) * free.ndim
        start = free[None] + self.downtime_months[ext]
        rent = self.rent_usd_per_mw_month[ext] * (1 + self.escalation_per_year[ext]) ** ((start + 0.5) / 12.0)
        energy = self.energy_usd_per_mw_month[ext] * (1 + self.energy_escalation_per_year) ** (
            (start - self.end_month) / 12.0
        )
        noi = 12.0 * (rent - self.opex_usd_per_mw_month[ext] - energy)
        x = noi / self.cap_rate * (1 + self.market_rate) ** -(start / 12.0) - self.refit_usd_per_mw[ext] * (
            1 + self.base_rate
        ) ** -(free[None] / 12.0)
        return np.where(self.market[ext] >= 0, np.maximum(x, 0.0), 0.0)


def relet_terms(mk: Markets, exit_market: str | None, time: Time, fin: FinanceArrays, costs: SiteCosts) -> Relet:
    """Each site's exit market and its terms (module docstring); no market in the other modes."""
    S = costs.energy_usd_per_mw_month.shape[0]
    market = np.full(S, -1, dtype=int)
    if fin.terminal_value == "market" and mk.M:
        allowed = range(mk.M) if exit_market is None else [mk.ids.index(exit_market)]
        market = np.array([next((m for m in allowed if mk.eligible[m, s]), -1) for s in range(S)], dtype=int)
    m = np.maximum(market, 0)
    pick = lambda a: a[m] if mk.M else np.zeros(S)  # noqa: E731
    recovery = mk.opex_recovery_usd_per_mw_period[:, -1] / max(1.0, time.months[-1]) if mk.M else np.zeros(0)
    energy = costs.energy_usd_per_mw_month[np.arange(S), pick(mk.rack).astype(int)] if mk.M else np.zeros(S)
    return Relet(
        market=market,
        rent_usd_per_mw_month=pick(mk.rate_usd_per_kw_month) * 1000.0,
        escalation_per_year=pick(mk.escalation_per_year),
        opex_usd_per_mw_month=costs.hall_opex_usd_per_mw_month - pick(recovery),
        energy_usd_per_mw_month=np.where(pick(mk.pass_through.astype(float)) > 0, 0.0, energy),
        downtime_months=pick(mk.downtime_months),
        refit_usd_per_mw=pick(mk.refit_usd_per_mw),
        energy_escalation_per_year=costs.energy_escalation_per_year,
        cap_rate=fin.exit_cap_rate,
        market_rate=fin.rate("market"),
        base_rate=fin.rate("base"),
        end_month=time.end_month,
    )


def _discount(rate: float, months: np.ndarray) -> np.ndarray:
    return (1.0 + rate) ** -((months + 0.5) / 12.0)


def _cumulative(values: np.ndarray) -> np.ndarray:
    """[..., n + 1] partial sums along the last axis, starting at 0."""
    out = np.zeros(values.shape[:-1] + (values.shape[-1] + 1,))
    np.cumsum(values, axis=-1, out=out[..., 1:])
    return out


def tenant_values(
    ten: Tenants, paths: ContractPaths, time: Time, fin: FinanceArrays, costs: SiteCosts, relet: Relet
) -> np.ndarray:
    """[K, S, J, R] value after the horizon per MW of block, at each eligible site: the contracted
    NOI, then (market mode) the capacity re-leased from the contract's end."""
    K, S = ten.K, ten.eligible.shape[1]
    out = np.zeros((K, S) + paths.ok.shape[1:])
    M = time.end_month
    if fin.terminal_value not in ("contracted", "market") or K == 0:
        return out
    horizon = int(max(M, paths.end_month.max(initial=M))) - M
    months = M + np.arange(horizon)
    d_base = _discount(fin.rate("base"), months)
    for k in np.flatnonzero((paths.end_month > M).any(axis=(1, 2))):
        ig = ten.ig_share[k]
        d_rev = ig * _discount(fin.rate("investment_grade"), months) + (1 - ig) * _discount(
            fin.rate("contracted"), months
        )
        rent, cost = _tenant_streams(ten, int(k), months, time, costs)  # [S, n]
        c_rent, c_cost = _cumulative(rent * d_rev), _cumulative(cost * d_base)
        ends = np.clip(paths.end_month[k] - M, 0, horizon).astype(int)  # [J, R]
        base_end = np.clip(paths.start_month[:, None] + ten.term_months[k] - M, 0, horizon).astype(int)  # [J, 1]
        base_end = np.minimum(np.broadcast_to(base_end, ends.shape), ends)
        value = c_rent[:, base_end] + ten.renewal_factor[k] * (c_rent[:, ends] - c_rent[:, base_end]) - c_cost[:, ends]
        if ten.gpu_service[k]:
            value = value + _gpu_residual(ten, int(k), paths.end_month[k], M, fin)[None]
        value = value + np.where(paths.end_month[k] > M, relet.value(paths.end_month[k]), 0.0)
        out[k] = np.where(ten.eligible[k][:, None, None] & paths.ok[k][None], value, 0.0)
    return out


def _tenant_streams(
    ten: Tenants, k: int, months: np.ndarray, time: Time, costs: SiteCosts
) -> tuple[np.ndarray, np.ndarray]:
    """([S, n] rent, [S, n] landlord cost) per MW-month of tenant k after the horizon."""
    years = (months + 0.5) / 12.0
    rent = rent_usd_per_mw(
        ten.rate_usd_per_kw_month[k : k + 1],
        ten.escalator_per_year[k : k + 1],
        ten.first_year[k : k + 1],
        years,
        np.ones(len(months)),
    )[0]
    grow = (1 + costs.energy_escalation_per_year) ** ((months - time.end_month) / 12.0)
    energy = 0.0 if ten.pass_through[k] else costs.energy_usd_per_mw_month[:, ten.rack[k]][:, None] * grow[None, :]
    opex = costs.hall_opex_usd_per_mw_month - ten.opex_recovery_usd_per_mw_period[k, -1] / max(1.0, time.months[-1])
    if ten.gpu_service[k]:
        opex += costs.cloud_opex_usd_per_mw_month
        gross = rent / max(1e-12, 1.0 - ten.prepayment_share[k])
        return rent, opex + energy + costs.cloud_opex_share * gross
    return rent, opex + energy + np.zeros_like(rent)


def _gpu_residual(ten: Tenants, k: int, end_month: np.ndarray, M: int, fin: FinanceArrays) -> np.ndarray:
    """[J, R] GPU resale value per MW at the end of a GPU-service contract that ends after the horizon."""
    value = ten.gpu_residual_share[k] * ten.gpu_capex_usd_per_mw[k]
    return np.where(end_month > M, value * _discount(fin.rate("base"), end_month), 0.0)


def market_values(mk: Markets, time: Time, fin: FinanceArrays, costs: SiteCosts, relet: Relet) -> np.ndarray:
    """[M, S, T] value after the horizon per MW of a market lease signed in t: its remaining rent,
    then (market mode) the capacity re-leased from its end."""
    S = costs.energy_usd_per_mw_month.shape[0]
    out = np.zeros((mk.M, S, time.T))
    M = time.end_month
    if fin.terminal_value not in ("contracted", "market") or mk.M == 0:
        return out
    horizon = int(np.ceil(mk.term_months.max(initial=0.0)))
    months = M + np.arange(horizon)
    d_rev, d_base = _discount(fin.rate("market"), months), _discount(fin.rate("base"), months)
    grow = (1 + costs.energy_escalation_per_year) ** ((months - M) / 12.0)
    ends = np.clip(time.first_month[None, :] + mk.term_months[:, None] - M, 0, horizon).astype(int)  # [M, T]
    for m in range(mk.M):
        rent = mk.rate_usd_per_kw_month[m] * 1000.0 * (1 + mk.escalation_per_year[m]) ** ((months + 0.5) / 12.0)
        opex = costs.hall_opex_usd_per_mw_month - mk.opex_recovery_usd_per_mw_period[m, -1] / max(1.0, time.months[-1])
        energy = np.zeros(S) if mk.pass_through[m] else costs.energy_usd_per_mw_month[:, mk.rack[m]]
        net = (
            _cumulative(rent * d_rev)[None, :]
            - opex * _cumulative(d_base)[None, :]
            - energy[:, None] * _cumulative(grow * d_base)[None, :]
        )  # [S, n + 1]
        free = time.first_month + mk.term_months[m]  # [T]
        again = np.where(free[None, :] > M, relet.value(free), 0.0)  # [S, T]
        out[m] = np.where(mk.eligible[m][:, None], net[:, ends[m]] + again, 0.0)
    return out
