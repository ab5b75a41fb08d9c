"""Cash of a contract that depends on its path (start, renewals) rather than on its MW by site.

For tenant k along path (j, r), in USD by period t (0 outside the horizon):
  delay       delay_k x months late, in the start period
  gpu capex   sum_q gpu_capex_k x dMW_k,q in the period of tranche q's start (GPU-service contracts)
  prepayment  pre_k x the base term's gross contract value (rent / (1 - pre_k) x MW x months), at the
              start (none for a contract started before the horizon: already received)
  gpu resale  residual_k x its GPU capex, at the end of the base term (after the horizon: in the
              value after the horizon)
Each lands at the contract's first eligible site (the site of a GPU-service contract).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.inputs.paths import ContractPaths
from planner.inputs.tenants import Tenants, rent_usd_per_mw
from planner.inputs.time import Time


@dataclass(frozen=True)
class PathCash:
    """[K, J, R, T] path-dependent cash of every tenant."""

    delay: np.ndarray
    gpu_capex: np.ndarray
    prepayment: np.ndarray
    gpu_resale: np.ndarray
    site: np.ndarray  # [K] the site these land at


def _in_period(time: Time, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(period index, inside the horizon) of absolute months from the horizon start."""
    flat = np.asarray(months).ravel()
    index = np.array([time.period_of_month(int(np.floor(x))) for x in flat], dtype=int).reshape(np.shape(months))
    return index, (index >= 0) & (index < time.T)


def _place(values: np.ndarray, months: np.ndarray, time: Time) -> np.ndarray:
    """[..., T] values [...] put in the period holding months [...] (dropped outside the horizon)."""
    index, inside = _in_period(time, months)
    out = np.zeros(values.shape + (time.T,))
    flat = out.reshape(-1, time.T)
    rows = np.flatnonzero(inside.ravel())
    flat[rows, index.ravel()[rows]] = values.ravel()[rows]
    return out


def _contract_value(ten: Tenants, paths: ContractPaths, k: int) -> np.ndarray:
    """[J] gross rent of tenant k's base term, by start, summed month by month."""
    s = int(np.argmax(ten.eligible[k]))
    months = np.arange(int(np.ceil(ten.term_months[k])))
    out = np.zeros(len(paths.periods))
    for j, m0 in enumerate(paths.start_month):
        m = m0 + months
        mw = (ten.tranche_mw[k][:, None] * (months[None, :] >= ten.tranche_months[k][:, None])).sum(axis=0)
        rent = rent_usd_per_mw(
            ten.rate_usd_per_kw_month[k : k + 1],
            ten.escalator_per_year[k : k + 1],
            ten.first_year[k : k + 1],
            (m + 0.5) / 12.0,
            np.ones(len(m)),
        )[0, s]
        out[j] = (rent * mw).sum() / max(1e-12, 1.0 - ten.prepayment_share[k])
    return out


def path_cash(ten: Tenants, paths: ContractPaths, time: Time) -> PathCash:
    """The path-dependent cash of every tenant (module docstring)."""
    K, J, R = paths.ok.shape
    T = time.T
    delay = np.broadcast_to(
        _place(paths.delay_usd, np.broadcast_to(paths.start_month, (K, J)), time)[:, :, None, :], (K, J, R, T)
    ).copy()
    capex, prepay, resale = np.zeros((K, J, R, T)), np.zeros((K, J, R, T)), np.zeros((K, J, R, T))
    for k in np.flatnonzero(ten.gpu_service):
        begin = paths.start_month[:, None] + ten.tranche_months[k][None, :]  # [J, Q]
        capex[k] = _place(
            ten.gpu_capex_usd_per_mw[k] * ten.tranche_mw[k][None, :] * np.ones_like(begin), begin, time
        ).sum(axis=1)[:, None, :]
        started = paths.start_month >= 0
        value = ten.prepayment_share[k] * _contract_value(ten, paths, int(k)) * started
        prepay[k] = _place(value, paths.start_month, time)[:, None, :]
        total = ten.gpu_capex_usd_per_mw[k] * ten.mw[k] * ten.gpu_residual_share[k]
        resale[k] = _place(np.full(J, total), paths.start_month + ten.term_months[k], time)[:, None, :]
    ok = paths.ok[:, :, :, None]
    return PathCash(
        delay * ok,
        capex * ok,
        prepay * ok,
        resale * ok,
        site=np.array([int(np.argmax(ten.eligible[k])) for k in range(K)], dtype=int),
    )
