"""Cumulative build-outs: irreversibility rows, capex when paid, residual value at the end.

For a cumulative quantity x[..., t] (units in service) with b[..., t] the units that exist or
are committed anyway (in service at the start, or work in progress in service by t, not paid for
here), the units the plan adds in t are dx_t = (x_t - x_{t-1}) - (b_t - b_{t-1}) (x_{-1} = b_{-1} = 0),
and
    capex_p = sum_t sum_g w_g,t [p = t - g] c dx_t        (drawn over construction, planner.inputs.time)
    residual = sum_t c dx_t share_t                          (book value left at the horizon end)
with w_g,t the share of the cost of units in service at t paid g periods earlier and share_t the
straight-line share of cost left at the end.
"""

from __future__ import annotations

import numpy as np

from planner.model.algebra import LinExpr, P, Param, Var
from planner.model.builder import ModelBuilder


def monotone(m: ModelBuilder, family: str, x: Var) -> None:
    """x[..., t] >= x[..., t-1] for t >= 1 (irreversible build-out)."""
    later = P(np.arange(m.sizes["period"]) >= 1, "period")
    m.constrain(family, x - x.shift("period", 1), ">=", 0.0, where=later)


def increments(x: Var, base: Param | None) -> LinExpr:
    """dx of the build-out x with `base` [..., period] (or [...], constant over time) existing anyway."""
    dx = x - x.shift("period", 1)
    if base is None:
        return dx
    values = np.asarray(base.values, dtype=float)
    dims = base.dims
    if "period" not in dims:
        T = x.shape[x.dims.index("period")]
        values, dims = np.repeat(values[..., None], T, axis=-1), (*dims, "period")
    step = np.diff(values, axis=-1, prepend=0.0)
    return dx - LinExpr.constant(P(step, " ".join(dims)))


def capex_paid(
    x: Var, unit_cost: Param, draws: np.ndarray | None = None, base: Param | None = None, owner: str = ""
) -> LinExpr:
    """Capex of the build-out x by payment period, over x's dimensions (module docstring).
    `draws` [n, G, T] over the dimension `owner` (hall, upgrade) spreads it; None: paid when in service."""
    spend = increments(x, base) * unit_cost
    if draws is None:
        return spend
    T = draws.shape[-1]
    parts = [
        (spend * P(draws[:, g, :], f"{owner} period")).move("period", P(np.arange(T) - g, "period"))
        for g in range(draws.shape[1])
    ]
    return sum(parts[1:], parts[0])


def residual(x: Var, unit_cost: Param, share: Param, base: Param | None = None) -> LinExpr:
    """Book value at the horizon end of what the build-out x added, over x's dimensions but period."""
    return (increments(x, base) * unit_cost * share).sum("period")


def at_last_period(value: LinExpr, T: int) -> LinExpr:
    """A value without a period dimension, as a flow in the last period."""
    last = np.zeros(T)
    last[-1] = 1.0
    return value * P(last, "period")
