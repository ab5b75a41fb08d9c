"""The value of re-leasing idle capacity after the horizon (finance.terminal_value "market").

Hall IT MW in service at the end T and under no contract may be valued at its site's exit market
(planner.inputs.terminal: x_s per MW), as far as its power allows and the market can absorb it:
  exit_mw[s] >= 0                 IT MW valued at the end (sites with an exit market and x_s > 0)
  exit_hall       exit_mw[s] + sum_r installed[s,r,T] <= sum_h it_h halls[s,h,T]
  exit_power      PUE_s exit_mw[s] + gross[s,T] <= sum_{c at s} MW_c,T
  exit_interconnect  PUE_s exit_mw[s] + gross[s,T] - added[s,T] <= IC_s
  exit_market_cap sum_{s of m} exit_mw[s] + sum_s market_mw[m,s,T] <= the market's MW
with PUE_s the site's best HPC PUE. Cash flow: x_s exit_mw[s] in the last period (a value at the
horizon end, discounted to the start inside x_s).
"""

from __future__ import annotations

import numpy as np

from planner.inputs import Inputs
from planner.inputs.power import contracted_mw
from planner.model.algebra import LinExpr, P, Var
from planner.model.builder import ModelBuilder
from planner.model.buildout import at_last_period
from planner.model.halls import Halls
from planner.model.power import Power


def last(expr: LinExpr | Var, T: int) -> LinExpr:
    """An expression over (..., period) at the last period, without the period dimension."""
    mask = np.zeros(T)
    mask[-1] = 1.0
    return (expr * P(mask, "period")).sum("period")


def define_exit_value(
    m: ModelBuilder, ins: Inputs, halls: Halls, installed: LinExpr, power: Power, market_mw: Var
) -> dict[tuple[str, str], LinExpr]:
    """exit_mw with exit_hall, exit_power, exit_interconnect and exit_market_cap; its value flow."""
    tv, T = ins.terminal, ins.T
    valued = (tv.relet.market >= 0) & (tv.exit > 0)
    exit_mw = m.var("exit_mw", "site", where=P(valued, "site"))
    if not valued.any():
        return {}
    pue = P(ins.site.pue_hpc.min(axis=1), "site")
    m.constrain(
        "exit_hall",
        exit_mw + last(installed.sum("rack"), T) - last(halls.it_capacity, T),
        "<=",
        0.0,
        where=P(valued, "site"),
    )
    gross = exit_mw * pue + last(power.gross, T)
    m.constrain(
        "exit_power", gross, "<=", P(contracted_mw(ins.contract, ins.S)[:, -1], "site"), where=P(valued, "site")
    )
    m.constrain(
        "exit_interconnect",
        gross - last(power.added, T),
        "<=",
        P(ins.site.interconnect_mw, "site"),
        where=P(valued, "site"),
    )
    capped = np.isin(np.arange(ins.market.M), tv.relet.market[valued])
    m.constrain(
        "exit_market_cap",
        exit_mw.expr().group("site", "market", np.where(valued, tv.relet.market, -1), ins.market.M)
        + last(market_mw.sum("site"), T),
        "<=",
        P(ins.market.max_it_mw, "market"),
        where=P(capped, "market"),
    )
    value = exit_mw * P(tv.exit / ins.fin.factor("base")[-1], "site")
    return {("terminal_value", "base"): at_last_period(value, T)}
