"""Hints of a funding shortfall: the operator's equity and debt as the financing section states them."""

from __future__ import annotations

import numpy as np

from planner.diagnose.shortfalls import Shortfall
from planner.inputs import Inputs
from planner.inputs.financing import prepare_financing


def funding_hints(ins: Inputs, sf: Shortfall, periods: list[int]) -> list[str]:
    """Equity available to the first short period and the operator's facilities (commitment, loan-to-cost,
    draw window), for a shortfall of the funding families."""
    fin = prepare_financing(ins)
    if fin is None or sf.operator is None or not periods:
        return []
    o, t = ins.operator.ids.index(sf.operator), min(periods)
    out = []
    if fin.equity.limited[o]:
        to_date = float(np.cumsum(fin.equity.available_usd[o])[t])
        out.append(f"equity available to {sf.operator} up to {ins.time.labels[t]}: {to_date:,.0f} USD")
    else:
        out.append(f"equity of {sf.operator}: unlimited (no financing.equity entry)")
    fac = fin.facility
    own = np.flatnonzero(fac.operator == o)
    if not len(own):
        out.append(f"no debt facility lends to {sf.operator}")
    for f in own:
        size = "no commitment limit" if not np.isfinite(fac.size_usd[f]) else f"commitment {fac.size_usd[f]:,.0f} USD"
        ltc = f", loan-to-cost {fac.ltc[f]:g}" if fac.ltc[f] > 0 else ""
        window = np.flatnonzero(fac.draws[f])
        draws = (
            f"draws {ins.time.labels[window[0]]}-{ins.time.labels[window[-1]]}"
            if len(window)
            else "no draw in the horizon"
        )
        out.append(f"facility {fac.ids[f]} ({size}{ltc}, {draws}, {fac.rate_per_year[f]:.2%} a year)")
    return out
