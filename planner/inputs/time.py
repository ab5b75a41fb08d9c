"""Time: periods, their hours and discount factors, and dates mapped to periods.

Periods t = 0..T-1 of L months from the horizon start; h_t = 8760 L / 12 hours; cash flows
sit mid-period, at y_t = (t + 1/2) L / 12 years, discounted by d_t = (1 + r)^-y_t. A date
maps to the period holding it (negative before the horizon), a lead time of m months to
ceil(m / L) periods, a life of n years to max(1, ceil(12 n / L)) periods.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from planner.inputs.arrays import ArrayGroup, dims, labels

HOURS_PER_YEAR = 8760.0
MONTHS = {"month": 1, "quarter": 3, "year": 12}


def month_index(date: dt.date) -> int:
    """Months since year 0 of a date (its day ignored)."""
    return date.year * 12 + date.month - 1


def period_label(start: dt.date, months: int, t: int) -> str:
    """Label of period t: 2026Q1, 2026-04 or 2026."""
    m = month_index(start) + t * months
    year, month = divmod(m, 12)
    if months == 12:
        return f"{year}"
    if months == 3:
        return f"{year}Q{month // 3 + 1}"
    return f"{year}-{month + 1:02d}"


@dataclass(frozen=True)
class Time(ArrayGroup):
    """The horizon's periods."""

    DIM: ClassVar[str] = "period"
    start: dt.date
    months: int
    labels: list[str] = labels("period labels")
    hours: np.ndarray = dims("period", doc="hours in the period")
    years: np.ndarray = dims("period", doc="mid-period years from the horizon start")
    discount: np.ndarray = dims("period", doc="discount factor at mid-period")

    @property
    def T(self) -> int:
        """Number of periods."""
        return len(self.labels)

    def period_of(self, date: dt.date) -> int:
        """Index of the period holding `date` (floor; negative before the horizon)."""
        return (month_index(date) - month_index(self.start)) // self.months

    def lead(self, months: float) -> int:
        """Periods of a lead time: ceil(months / L)."""
        return int(math.ceil(months / self.months))

    def life(self, years: float) -> int:
        """Periods of a service life: at least 1."""
        return max(1, math.ceil(years * 12 / self.months - 1e-9))

    def label(self, t: int) -> str:
        """Label of period t, also before or after the horizon."""
        return period_label(self.start, self.months, int(t))


def prepare_time(start: dt.date, period: str, periods: int, discount_rate_per_year: float) -> Time:
    """The horizon's periods, hours and mid-period discount factors."""
    L = MONTHS[period]
    t = np.arange(periods)
    years = (t + 0.5) * L / 12.0
    return Time(start=start, months=L, labels=[period_label(start, L, i) for i in range(periods)],
                hours=np.full(periods, HOURS_PER_YEAR * L / 12.0), years=years,
                discount=(1.0 + discount_rate_per_year) ** -years)
