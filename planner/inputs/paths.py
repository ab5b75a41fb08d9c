"""Contract paths: when a tenant may start, and how many renewal options it takes.

A path (j, r) of tenant k starts at period tau_j of its window and takes r of its renewal
options (r = 0..R_k; a renewal is only decided inside the horizon: its start precedes the
horizon end). Along it the tenant is served, in period t (MW averaged over the period):
    base_k,j,r,t    = sum_q dMW_k,q x share of t in [m_j + a_k,q, m_j + term_k)
    renewal_k,j,r,t = MW_k x share of t in [m_j + term_k, m_j + term_k + r x ren_k)
with tranche q adding dMW_k,q from a_k,q months after the start (planner.inputs.time.Time.activity).
The path ends E_k,j,r = m_j + term_k + r ren_k months after the horizon start. Starting later
than start_earliest costs delay_k x the months late, paid at the start.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs.tenants import Tenants
from planner.inputs.time import Time


@dataclass(frozen=True)
class ContractPaths:
    """Every tenant's paths on one grid of start periods and renewal options."""

    periods: np.ndarray  # [J] start periods (negative: before the horizon)
    start_month: np.ndarray  # [J] months from the horizon start
    ok: np.ndarray  # [K, J, R] the path exists
    base_mw: np.ndarray  # [K, J, R, T] MW in the base term
    renewal_mw: np.ndarray  # [K, J, R, T] MW in renewals
    end_month: np.ndarray  # [K, J, R] months from the horizon start to the path's end
    delay_usd: np.ndarray  # [K, J] penalty paid at the start

    @property
    def mw(self) -> np.ndarray:
        """[K, J, R, T] MW served along each path."""
        return self.base_mw + self.renewal_mw

    @property
    def start_ok(self) -> np.ndarray:
        """[K, J] the tenant may start at period j."""
        return np.asarray(self.ok.any(axis=2))


def contract_paths(ten: Tenants, time: Time) -> ContractPaths:
    """The paths of every tenant (module docstring)."""
    K, T = ten.K, time.T
    if K == 0:
        z = np.zeros
        return ContractPaths(
            z(0, dtype=int), z(0), z((0, 0, 1), bool), z((0, 0, 1, T)), z((0, 0, 1, T)), z((0, 0, 1)), z((0, 0))
        )
    lo, hi = int(ten.first.min()), int(np.minimum(ten.last, T - 1).max())
    periods = np.arange(lo, max(lo, hi) + 1)
    months = np.array([time.month_of(int(p)) for p in periods], dtype=float)
    R = int(ten.renewal_options.max(initial=0)) + 1
    in_window = (periods[None, :] >= ten.first[:, None]) & (periods[None, :] <= np.minimum(ten.last, T - 1)[:, None])
    r = np.arange(R)
    renewal_start = (
        months[None, :, None]
        + ten.term_months[:, None, None]
        + (r[None, None, :] - 1) * ten.renewal_months[:, None, None]
    )
    decided = (r[None, None, :] == 0) | (renewal_start < time.end_month)
    ok = in_window[:, :, None] & (r[None, None, :] <= ten.renewal_options[:, None, None]) & decided
    begin = months[None, :, None] + ten.tranche_months[:, None, :]  # [K, J, Q]
    base = (
        ten.tranche_mw[:, None, :, None]
        * time.activity(begin, ten.term_months[:, None, None] - ten.tranche_months[:, None, :])
    ).sum(axis=2)  # [K, J, T]
    term_end = months[None, :] + ten.term_months[:, None]  # [K, J]
    renewal = ten.mw[:, None, None, None] * time.activity(
        term_end[:, :, None], r[None, None, :] * ten.renewal_months[:, None, None]
    )  # [K, J, R, T]
    mask = ok[:, :, :, None]
    late = np.maximum(0.0, months[None, :] - ten.earliest_month[:, None])
    return ContractPaths(
        periods=periods,
        start_month=months,
        ok=ok,
        base_mw=np.where(mask, base[:, :, None, :], 0.0),
        renewal_mw=np.where(mask, renewal, 0.0),
        end_month=term_end[:, :, None] + r[None, None, :] * ten.renewal_months[:, None, None],
        delay_usd=ten.delay_usd_per_month[:, None] * late,
    )
