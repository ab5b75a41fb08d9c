"""Funding decisions: what a financed plan draws, owes, repays, puts in and pays out.

Read from a model's solution by :func:`extract_funding` (the model carries them in M USD,
planner.model.funding.UNIT_USD; here they are USD, solver noise below 1e-3 USD clipped). Each is
an array over (facility, period) or (operator, period), in the inputs' facility and operator order.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from planner.model import Model
from planner.model.funding import UNIT_USD


@dataclass
class FundingDecisions:
    """Funding values of a plan, USD (module docstring)."""

    draw_usd: np.ndarray  # [F, T] drawn in the period
    debt_usd: np.ndarray  # [F, T] principal outstanding at the end of the period
    repay_usd: np.ndarray  # [F, T] principal repaid in the period
    equity_usd: np.ndarray  # [O, T] new equity put in
    distribution_usd: np.ndarray  # [O, T] cash paid out to equity
    cash_usd: np.ndarray  # [O, T] cash kept at the end of the period

    def to_dict(self) -> dict[str, Any]:
        """JSON-able values."""
        return {f.name: getattr(self, f.name).tolist() for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FundingDecisions:
        """The inverse of to_dict (an empty facility list keeps its period length)."""
        T = len(d["equity_usd"][0]) if d["equity_usd"] else 0
        return cls(**{f.name: np.array(d[f.name], dtype=float).reshape(-1, T) for f in fields(cls)})


def extract_funding(model: Model, x: np.ndarray) -> FundingDecisions | None:
    """The funding values of the solution x (None for a model without financing)."""
    f = model.funding
    if f is None:
        return None

    def usd(v: Any) -> np.ndarray:
        values = v.value(x) * UNIT_USD
        return np.where(np.abs(values) < 1e-3, 0.0, values)

    return FundingDecisions(
        draw_usd=usd(f.draw),
        debt_usd=usd(f.debt),
        repay_usd=usd(f.repay),
        equity_usd=usd(f.equity),
        distribution_usd=usd(f.distribution),
        cash_usd=usd(f.cash),
    )
