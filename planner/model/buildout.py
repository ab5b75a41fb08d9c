"""Cumulative build-outs: irreversibility rows, capex when paid, residual value at the end.

For a cumulative quantity x[..., t] (units in service) with x[..., -1] = base (what exists at
the horizon start, not paid for), the units added in t are dx_t = x_t - x_{t-1}, and
    capex_p = sum_{t : ordered(t) = p} c dx_t                (ordered a lead time ahead)
    residual = sum_t c dx_t share_t                          (book value left at the horizon end)
with ordered(t) the period in which units in service at t were ordered and share_t the straight-line
share of cost left at the end (planner.inputs.time).
"""

from __future__ import annotations

import numpy as np

from planner.model.algebra import LinExpr, P, Param, Var
from planner.model.builder import ModelBuilder


def monotone(m: ModelBuilder, family: str, x: Var) -> None:
    """x[..., t] >= x[..., t-1] for t >= 1 (irreversible build-out)."""
    later = P(np.arange(m.sizes["period"]) >= 1, "period")
    m.constrain(family, x - x.shift("period", 1), ">=", 0.0, where=later)


def increments(x: Var, base: Param | None) -> tuple[LinExpr, Param | None]:
    """(dx as variables, the constant -base in the first period) of the build-out x."""
    dx = x - x.shift("period", 1)
    if base is None:
        return dx, None
    T = x.shape[x.dims.index("period")]
    first = np.zeros(T)
    first[0] = 1.0
    return dx, P(-np.asarray(base.values)[..., None] * first, " ".join((*base.dims, "period")))


def capex_paid(x: Var, unit_cost: Param, ordered: Param | None = None, base: Param | None = None) -> LinExpr:
    """Capex of the build-out x by payment period, over x's dimensions (see the module docstring);
    `ordered` None: paid when in service."""
    dx, first = increments(x, base)
    paid = dx * unit_cost if ordered is None else (dx * unit_cost).move("period", ordered)
    if first is None:
        return paid
    return paid + LinExpr.constant(first) * unit_cost  # what exists is netted out of dx_0, paid in period 0


def residual(x: Var, unit_cost: Param, share: Param, base: Param | None = None) -> LinExpr:
    """Book value at the horizon end of what the build-out x added, over x's dimensions but period."""
    dx, first = increments(x, base)
    value = (dx * unit_cost * share).sum("period")
    if first is None:
        return value
    constant = (LinExpr.constant(first) * unit_cost * share).sum("period")
    return value + constant


def at_last_period(value: LinExpr, T: int) -> LinExpr:
    """A value without a period dimension, as a flow in the last period."""
    last = np.zeros(T)
    last[-1] = 1.0
    return value * P(last, "period")
