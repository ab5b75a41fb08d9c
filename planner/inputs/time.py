"""Time: periods of varying length, their hours and discount factors, durations mapped to periods.

The horizon is a sequence of segments of equal periods (e.g. 20 quarters, then 15 years).
Period t starts m_t months after the horizon start and lasts L_t months; h_t = 8760 L_t / 12
hours; cash flows sit mid-period, at y_t = (m_t + L_t / 2) / 12 years, discounted by
d_t = (1 + r)^-y_t. Before the horizon the first segment's length continues, after it the last.

Durations in months become period indices, never counts of periods (they differ by segment):
- an asset with a lead time of `lead` months is in service from the first period with
  m_t >= lead, and one in service at t was ordered in the period holding m_t - lead;
- an asset of life n years entering service at t retires in the first period starting at or
  after m_t + 12 n, and keeps the straight-line share max(0, 1 - (M - m_t) / (12 n)) of its cost
  at the horizon end M (in months);
- a contract of `term` months starting at period j is active in period t for the share of t
  that [m_j, m_j + term) covers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from planner.inputs.arrays import ArrayGroup, dims, labels

HOURS_PER_YEAR = 8760.0
MONTHS = {"month": 1, "quarter": 3, "year": 12}


def month_index(date: dt.date) -> int:
    """Months since year 0 of a date (its day ignored)."""
    return date.year * 12 + date.month - 1


def month_label(month: int, length: int) -> str:
    """Label of a period of `length` months starting at absolute month `month`: 2026Q1, 2026-04, 2026."""
    year, m = divmod(month, 12)
    if length == 12 and m == 0:
        return f"{year}"
    if length == 3 and m % 3 == 0:
        return f"{year}Q{m // 3 + 1}"
    return f"{year}-{m + 1:02d}"


def period_label(start: dt.date, months: int, t: int) -> str:
    """Label of period t of a uniform horizon of `months`-month periods."""
    return month_label(month_index(start) + t * months, months)


@dataclass(frozen=True)
class Time(ArrayGroup):
    """The horizon's periods."""

    DIM: ClassVar[str] = "period"
    start: dt.date
    labels: list[str] = labels("period labels")
    months: np.ndarray = dims("period", doc="length of each period in months")
    first_month: np.ndarray = dims("period", doc="months from the horizon start to the period's start")
    hours: np.ndarray = dims("period", doc="hours in the period")
    years: np.ndarray = dims("period", doc="mid-period years from the horizon start")
    discount: np.ndarray = dims("period", doc="discount factor at mid-period")

    @property
    def T(self) -> int:
        """Number of periods."""
        return len(self.labels)

    @property
    def year_fraction(self) -> np.ndarray:
        """[T] length of each period in years."""
        return self.months / 12.0

    @property
    def end_month(self) -> int:
        """Months from the horizon start to its end."""
        return int(self.first_month[-1] + self.months[-1])

    @property
    def uniform(self) -> bool:
        """Whether every period has the same length."""
        return bool(np.all(self.months == self.months[0]))

    def period_of_month(self, month: int) -> int:
        """Index of the period holding `month` (months from the horizon start; negative before it,
        >= T after it)."""
        if month < 0:
            return int(np.floor(month / self.months[0]))
        if month >= self.end_month:
            return self.T + int((month - self.end_month) // self.months[-1])
        return int(np.searchsorted(self.first_month, month, side="right") - 1)

    def period_of(self, date: dt.date) -> int:
        """Index of the period holding `date`."""
        return self.period_of_month(month_index(date) - month_index(self.start))

    def month_of(self, t: int) -> int:
        """Months from the horizon start to the start of period t (any integer t)."""
        if t < 0:
            return int(t * self.months[0])
        if t >= self.T:
            return self.end_month + int((t - self.T) * self.months[-1])
        return int(self.first_month[t])

    def label(self, t: int) -> str:
        """Label of period t, also before or after the horizon."""
        if 0 <= t < self.T:
            return self.labels[t]
        length = int(self.months[0] if t < 0 else self.months[-1])
        return month_label(month_index(self.start) + self.month_of(t), length)

    def in_service(self, lead_months: np.ndarray | float) -> np.ndarray:
        """[..., T] whether an asset with this lead time can be in service in t (m_t >= lead)."""
        return self.first_month >= np.asarray(lead_months, dtype=float)[..., None]

    def order_period(self, lead_months: np.ndarray | float) -> np.ndarray:
        """[..., T] period in which an asset in service at t was ordered (0 at the earliest)."""
        lead = np.asarray(lead_months, dtype=float)[..., None]
        ordered = self.first_month - lead
        index = np.searchsorted(self.first_month, ordered, side="right") - 1
        return np.maximum(0, index).astype(int)

    def retire_period(self, life_years: np.ndarray | float) -> np.ndarray:
        """[..., T] first period starting at or after the end of the life of an asset entering
        service at t (>= T: after the horizon)."""
        end = self.first_month + 12.0 * np.asarray(life_years, dtype=float)[..., None]
        inside = np.searchsorted(self.first_month, end - 1e-9, side="left")
        after = self.T + np.ceil((end - self.end_month) / self.months[-1] - 1e-9)
        return np.where(end > self.end_month, after, inside).astype(int)

    def residual_share(self, life_years: np.ndarray | float) -> np.ndarray:
        """[..., T] straight-line share of its cost an asset entering service in t keeps at the end."""
        life_months = 12.0 * np.asarray(life_years, dtype=float)[..., None]
        return np.maximum(0.0, 1.0 - (self.end_month - self.first_month) / life_months)

    def activity(self, start_month: np.ndarray, term_months: np.ndarray) -> np.ndarray:
        """[..., T] share of each period covered by [start, start + term) (broadcast over the inputs)."""
        start = np.asarray(start_month, dtype=float)[..., None]
        end = start + np.asarray(term_months, dtype=float)[..., None]
        lo = np.maximum(start, self.first_month)
        hi = np.minimum(end, self.first_month + self.months)
        return np.clip(hi - lo, 0.0, None) / self.months


def segments_of(period: str, periods: int, segments: list[tuple[str, int]] | None) -> list[tuple[int, int]]:
    """(months per period, count) of each segment: `segments` when given, else one uniform segment."""
    return [(MONTHS[p], n) for p, n in (segments or [(period, periods)])]


def prepare_time(start: dt.date, segments: list[tuple[int, int]], discount_rate_per_year: float) -> Time:
    """The horizon's periods, hours and mid-period discount factors from (months, count) segments."""
    months = np.concatenate([np.full(n, m, dtype=int) for m, n in segments])
    first = np.concatenate([[0], np.cumsum(months)[:-1]]).astype(int)
    base = month_index(start)
    years = (first + months / 2.0) / 12.0
    return Time(
        start=start,
        labels=[month_label(base + int(f), int(m)) for f, m in zip(first, months)],
        months=months,
        first_month=first,
        hours=HOURS_PER_YEAR * months / 12.0,
        years=years,
        discount=(1.0 + discount_rate_per_year) ** -years,
    )


def s_curve(x: np.ndarray) -> np.ndarray:
    """Share of a construction's capex drawn by progress x in [0, 1]: 3x^2 - 2x^3 (estimate: a smooth
    S-curve, slow at the start and the end, as construction spending is usually drawn)."""
    x = np.clip(x, 0.0, 1.0)
    return 3 * x**2 - 2 * x**3


def lag_count(time: Time, lead_months: np.ndarray) -> int:
    """1 + the most periods between the order and the service of any of these lead times."""
    lead = np.asarray(lead_months, dtype=float)
    return int(max(1, (np.arange(time.T)[None, :] - time.order_period(lead)).max(initial=0) + 1))


def draw_lags(time: Time, lead_months: np.ndarray, mode: str, G: int) -> np.ndarray:
    """[n, G, T] share of the capex of an asset in service at t paid g periods earlier: all in the
    period of order (mode "at_order"), or drawn along an S-curve over the lead time
    ("over_construction"); lead 0: all in t. G >= lag_count(time, lead_months)."""
    lead = np.asarray(lead_months, dtype=float)
    n, T = len(lead), time.T
    ordered = time.order_period(lead)  # [n, T]
    out = np.zeros((n, G, T))
    t = np.arange(T)
    for g in range(G):
        p = t - g
        inside = p >= 0
        if mode == "at_order":
            out[:, g, :] = (ordered == p[None, :]) & inside[None, :]
            continue
        begin = time.first_month[None, :] - lead[:, None]  # construction starts
        lo = np.where(inside, time.first_month[np.maximum(p, 0)], 0.0)[None, :]
        hi = lo + np.where(inside, time.months[np.maximum(p, 0)], 0.0)[None, :]
        span = np.maximum(lead[:, None], 1e-9)
        share = s_curve((hi - begin) / span) - s_curve((lo - begin) / span)
        out[:, g, :] = np.where(inside[None, :], share, 0.0)
    zero = lead <= 0
    out[zero] = 0.0
    out[zero, 0, :] = 1.0
    return out
