"""The objective of the stochastic plan: expected NPV, optionally minus lambda x CVaR.

Maximisation convention. NPV_s is scenario s's NPV (USD), p_s its probability. The loss is
L = -NPV; its CVaR at level alpha in (0, 1) is the mean loss over the worst 1 - alpha share
of outcomes (Rockafellar and Uryasev 2000):

    CVaR_alpha(L) = min_eta  eta + 1/(1 - alpha) sum_s p_s (L_s - eta)+ .

Writing eta = -v (v a threshold on NPV), -CVaR_alpha(L) is the lower-tail mean of NPV,

    T_alpha(NPV) = max_v  v - 1/(1 - alpha) sum_s p_s (v - NPV_s)+ ,

the mean NPV of the worst 1 - alpha share of scenarios (its optimal v is the NPV's
(1 - alpha)-quantile). The objective, for a weight lambda >= 0, is

    max  sum_s p_s NPV_s - lambda CVaR_alpha(-NPV)  =  sum_s p_s NPV_s + lambda T_alpha(NPV)
       = max_{v, u}  sum_s p_s NPV_s + lambda (v - 1/(1 - alpha) sum_s p_s u_s),
         u_s >= v - NPV_s,  u_s >= 0,

linear in (x, v, u): v is one more first-stage column (the same in every scenario) and u_s a
recourse column of scenario s. Per scenario the objective is
f_s = NPV_s + lambda (v - u_s / (1 - alpha)), and the whole one is sum_s p_s f_s.
For lambda >= 0 it is non-decreasing in every NPV_s, so a plan better in each scenario is
better overall (which makes the wait-and-see value an upper bound: EVPI >= 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Risk:
    """CVaR level alpha and weight lambda; lambda 0 is the risk-neutral expected NPV."""

    alpha: float = 0.9
    weight: float = 0.0

    @property
    def active(self) -> bool:
        """Whether the CVaR term is in the objective."""
        return self.weight > 0.0


def tail_mean(npv: np.ndarray, p: np.ndarray, alpha: float) -> float:
    """T_alpha(NPV): max_v v - 1/(1 - alpha) sum_s p_s (v - NPV_s)+ (the module docstring).
    The maximum is at one of the NPV_s (the function is concave and piecewise linear in v)."""
    v = np.asarray(npv, dtype=float)
    gaps = np.maximum(v[:, None] - v[None, :], 0.0)  # [candidate threshold, s]: (v_c - NPV_s)+
    values = v - gaps @ np.asarray(p, dtype=float) / (1.0 - alpha)
    return float(values.max())


def objective(npv: np.ndarray, p: np.ndarray, risk: Risk) -> float:
    """sum_s p_s NPV_s + lambda T_alpha(NPV); -inf when a scenario has no plan (NaN or -inf)."""
    v = np.asarray(npv, dtype=float)
    if not np.all(np.isfinite(v)):
        return -np.inf
    mean = float(np.asarray(p) @ v)
    return mean + (risk.weight * tail_mean(v, p, risk.alpha) if risk.active else 0.0)
