"""Market paths of the scenario.

Hashprice at mid-period year y_t [$/PH/day]:
    hashprice_t = hp_0 (1 + g)^y_t (f + (1 - f) / 2)^n_t
with g the annual drift (network growth net of BTC price), f the fee share of miner revenue
(unaffected by halvings) and n_t the number of halvings in or before period t.
"""

from __future__ import annotations

import numpy as np

from planner.describe.descriptors import Hashprice
from planner.inputs.time import Time


def hashprice_path(hp: Hashprice, time: Time) -> np.ndarray:
    """[T] hashprice in $/PH/day (see the module docstring)."""
    t = np.arange(time.T)
    halvings = np.array([time.period_of(d) for d in hp.halvings], dtype=float)
    n = (t[:, None] >= halvings[None, :]).sum(axis=1) if len(hp.halvings) else np.zeros(time.T)
    return hp.usd_per_ph_day * (1 + hp.change_per_year) ** time.years * (hp.fee_share + (1 - hp.fee_share) / 2) ** n
