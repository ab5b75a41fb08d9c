"""The value after the horizon of idle capacity (terminal value "market"), from the decisions.

At the end T, each site's idle hall IT MW that its power could feed,
    room_s = max(0, min(hall_s - installed_s, (contracted_s - gross_s) / PUE_s, (grid_s - gross_s) / PUE_s)),
is valued at x_s per MW (planner.inputs.terminal) within its exit market's remaining demand
cap_m - sum_s market_s,T. Each site belongs to one market, so the best allocation is greedy: in
each market the sites of the highest x_s first (a fractional knapsack). This is how the model's
exit_* families (planner.model.exit_value) value it at the optimum, recomputed without the model.
"""

from __future__ import annotations

import numpy as np

from planner.inputs import Inputs
from planner.inputs.power import contracted_mw
from planner.results.decisions import Decisions


def idle_room_mw(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S] idle hall IT MW at the end that the site's power could feed (module docstring)."""
    site, T = ins.site, ins.T
    hall = (d.halls[:, :, -1] * ins.hall.it_mw[None, :]).sum(axis=1)
    installed = d.installed_mw(ins)[:, :, -1].sum(axis=1)
    gross = site.pue_mining * d.mining_mw[:, -1] + (site.pue_hpc * d.occupied_mw(ins)[:, :, -1]).sum(axis=1)
    grid = site.interconnect_mw.astype(float).copy()
    np.add.at(grid, ins.upgrade.site, ins.upgrade.mw * d.upgrades[:, T - 1])
    pue = site.pue_hpc.min(axis=1)
    room = np.minimum.reduce(
        [hall - installed, (contracted_mw(ins.contract, ins.S)[:, -1] - gross) / pue, (grid - gross) / pue]
    )
    return np.maximum(room, 0.0)


def exit_value_usd(ins: Inputs, d: Decisions) -> np.ndarray:
    """[S] value at the horizon end (discounted to the start) of the idle capacity re-leased."""
    tv = ins.terminal
    out = np.zeros(ins.S)
    valued = (tv.relet.market >= 0) & (tv.exit > 0)
    if not valued.any():
        return out
    room = idle_room_mw(ins, d)
    left = ins.market.max_it_mw - d.market_mw(ins)[:, :, -1].sum(axis=1)
    for s in sorted(np.flatnonzero(valued), key=lambda s: -tv.exit[s]):
        m = tv.relet.market[s]
        take = max(0.0, min(room[s], left[m]))
        left[m] -= take
        out[s] = take * tv.exit[s]
    return out
