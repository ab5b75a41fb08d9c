"""Financing as arrays over (operator, facility, period), from the ``financing`` descriptors.

Periods of a facility f (t_ds, t_de, t_a, t_m: the periods holding its draw start, draw end,
amortisation start and maturity; any of them may lie outside the horizon):
  draws        t_ds <= t < t_de                  (interest capitalised there when it capitalises)
  repayments   t_a <= t <= t_m                   (none before: interest only)
  covenant     t_de <= t < t_m                   (the DSCR is tested, when the facility has one; the
                                                 maturity period, with the balloon, is not)
  matured      t >= t_m                          (nothing outstanding)
Interest per period: i_f,t = r_f L_t (L_t the period's length in years; simple interest on the
opening balance). The rate of a facility with backing tenants is lowered by their backstop:
  r_f = r - s_f (r - r_backed)     or, without backed_rate_per_year,   r_f = r - s_f bp / 1e4
with s_f = sum_k share_k mw_k / sum_k mw_k over its backing tenants k (share_k their
credit_support share, 0 without one).
Repayment schedule of the principal B* outstanding at the end of t_a - 1 (level: level debt
service A; straight_line: equal principal), over the N periods n = 1..N from t_a to t_m, leaving
the balloon b for t_m:
  level           p_n = A - i_n B_{n-1},  B_n = B_{n-1} - p_n,  A = (prod (1 + i) - b) / sum_n prod_{m>n} (1 + i_m)
  straight_line   p_n = (1 - b) / N
and p_N += b, as shares of B* (periods past the horizon have the last period's length).
Equity available to operator o in t: the amounts of its dated entries falling in t plus
usd_per_year L_t (an operator without an entry: unlimited). Equity flows are discounted at
the cost of equity k_e, mid-period: d^e_t = (1 + k_e)^-y_t.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from planner.describe.financing import Facility, Financing
from planner.inputs import Inputs
from planner.inputs.arrays import ArrayGroup, dims, labels, ref


@dataclass(frozen=True)
class Facilities(ArrayGroup):
    """Debt facilities (module docstring)."""

    DIM: ClassVar[str] = "facility"
    ids: list[str] = labels()
    operator: np.ndarray = ref("operator", doc="index of each facility's operator")
    rate_per_year: np.ndarray = dims("facility", doc="after the backstop effect")
    rate: np.ndarray = dims("facility", "period", doc="interest per period, share of the opening balance")
    fee_share: np.ndarray = dims("facility", doc="paid on each draw")
    size_usd: np.ndarray = dims("facility", doc="commitment (inf: none)")
    ltc: np.ndarray = dims("facility", doc="loan-to-cost share (0: none)")
    ltcv: np.ndarray = dims("facility", doc="loan-to-contracted-value share (0: none)")
    outstanding_usd: np.ndarray = dims("facility", doc="principal at the horizon start")
    draws: np.ndarray = dims("facility", "period", doc="draws allowed")
    capitalise: np.ndarray = dims("facility", "period", doc="interest added to the balance")
    repays: np.ndarray = dims("facility", "period", doc="principal may be repaid")
    matured: np.ndarray = dims("facility", "period", doc="at or after the maturity period")
    covenant: np.ndarray = dims("facility", "period", doc="DSCR tested")
    scheduled: np.ndarray = dims("facility", doc="level or straight-line schedule (else sculpted)")
    schedule: np.ndarray = dims("facility", "period", doc="principal repaid, share of B*")
    base_period: np.ndarray = dims("facility", doc="t_a - 1: the period whose closing balance is B* (-1: opening)")
    balloon: np.ndarray = dims("facility", doc="share of B* left for the maturity")
    maturity_period: np.ndarray = dims("facility", doc="t_m (>= T: after the horizon)")
    dscr: np.ndarray = dims("facility", doc="minimum DSCR (0: no covenant)")
    backing: np.ndarray = dims("facility", "tenant", doc="tenant offers whose rent secures it")
    cost_sites: np.ndarray = dims("facility", "site", doc="sites whose capex it finances")

    @property
    def F(self) -> int:
        """Number of facilities."""
        return len(self.ids)

    @property
    def backed(self) -> np.ndarray:
        """[F] whether a facility has backing tenants."""
        return np.asarray(self.backing.any(axis=1))


@dataclass(frozen=True)
class Equity(ArrayGroup):
    """New equity available per operator and period."""

    DIM: ClassVar[str] = "operator"
    limited: np.ndarray = dims("operator", doc="has an equity entry (else unlimited)")
    available_usd: np.ndarray = dims("operator", "period", doc="new equity available from t on")


@dataclass(frozen=True)
class FinancingInputs:
    """Everything the funding model and its results read."""

    facility: Facilities
    equity: Equity
    pledged: np.ndarray  # [K] the tenant backs some facility
    objective: str
    cost_of_equity_per_year: float
    equity_discount: np.ndarray  # [T] d^e_t

    @property
    def sizes(self) -> dict[str, int]:
        """The facility dimension's size."""
        return {"facility": self.facility.F}


def repayment_shares(rates: np.ndarray, kind: str, balloon: float) -> np.ndarray:
    """[N] principal repaid in each period of the schedule, as shares of B* (module docstring)."""
    n = len(rates)
    if kind == "straight_line":
        shares = np.full(n, (1.0 - balloon) / n)
    else:
        growth = np.cumprod((1.0 + rates)[::-1])[::-1]  # prod_{m>=n} (1 + i_m)
        later = np.append(growth[1:], 1.0)  # prod_{m>n}
        payment = (growth[0] - balloon) / later.sum()
        shares, balance = np.zeros(n), 1.0
        for k in range(n):
            shares[k] = payment - rates[k] * balance
            balance -= shares[k]
    shares[-1] += balloon
    return shares


def _period_rates(ins: Inputs, rate: float, first: int, last: int) -> np.ndarray:
    """i_t = r L_t for periods first..last (past the horizon: the last period's length)."""
    years = np.array([ins.time.months[t] if t < ins.T else ins.time.months[-1] for t in range(first, last + 1)]) / 12
    return rate * years


def _backed_share(ins: Inputs, f: Facility) -> float:
    """s_f: backed share of the backing tenants' IT MW (module docstring)."""
    offers = {t.id: t for t in ins.portfolio.spec.tenants}
    mw = np.array([offers[k].it_mw for k in f.backing_tenants])
    support = [offers[k].credit_support for k in f.backing_tenants]
    share = np.array([0.0 if c is None else c.share for c in support])
    return float((share * mw).sum() / mw.sum()) if len(mw) else 0.0


def _rate(ins: Inputs, fin: Financing, f: Facility) -> float:
    """r_f after the backstop effect."""
    cut = (
        f.rate_per_year - f.backed_rate_per_year
        if f.backed_rate_per_year is not None
        else (fin.credit_support.spread_reduction_bp / 1e4)
    )
    return f.rate_per_year - _backed_share(ins, f) * cut


def _windows(ins: Inputs, f: Facility) -> dict[str, np.ndarray | int]:
    """The periods of a facility (module docstring)."""
    time = ins.time
    t_ds = max(0, time.period_of(f.draw_start or time.start))
    t_de = time.period_of(f.draw_end)
    t_a = time.period_of(f.amortisation_start or f.draw_end)
    t_m = time.period_of(f.maturity)
    t = np.arange(ins.T)
    return {
        "draws": (t >= t_ds) & (t < t_de),
        "repays": (t >= t_a) & (t <= t_m),
        "matured": t >= t_m,
        "covenant": (t >= t_de) & (t < t_m),
        "t_a": max(t_a, 0),
        "t_m": t_m,
    }


def _facility_row(ins: Inputs, fin: Financing, f: Facility) -> dict[str, object]:
    """The arrays of one facility."""
    rate = _rate(ins, fin, f)
    w = _windows(ins, f)
    t_a, t_m = int(w["t_a"]), int(w["t_m"])
    schedule = np.zeros(ins.T)
    if f.amortisation != "sculpted" and t_m >= t_a:
        shares = repayment_shares(_period_rates(ins, rate, t_a, t_m), f.amortisation, f.balloon_share)
        inside = min(t_m, ins.T - 1) - t_a + 1
        schedule[t_a : t_a + max(0, inside)] = shares[: max(0, inside)]
    sites = set(f.sites) or {s.id for s in ins.portfolio.sites if s.operator == f.operator}
    return {
        "operator": ins.operator.ids.index(f.operator),
        "rate_per_year": rate,
        "rate": rate * ins.time.year_fraction,
        "fee_share": f.upfront_fee_share,
        "size_usd": np.inf if f.size_usd is None else f.size_usd,
        "ltc": f.loan_to_cost or 0.0,
        "ltcv": f.loan_to_contracted_value or 0.0,
        "outstanding_usd": f.outstanding_usd,
        "draws": w["draws"],
        "capitalise": w["draws"] & f.capitalise_interest,
        "repays": w["repays"],
        "matured": w["matured"],
        "covenant": w["covenant"] & (f.min_dscr is not None),
        "scheduled": f.amortisation != "sculpted",
        "schedule": schedule,
        "base_period": t_a - 1,
        "balloon": f.balloon_share,
        "maturity_period": t_m,
        "dscr": f.min_dscr or 0.0,
        "backing": np.isin(ins.tenant.ids, f.backing_tenants),
        "cost_sites": np.isin(ins.site.ids, sorted(sites)),
    }


def _facilities(ins: Inputs, fin: Financing) -> Facilities:
    rows = [_facility_row(ins, fin, f) for f in fin.facilities]
    shapes = {
        "rate": (ins.T,),
        "draws": (ins.T,),
        "capitalise": (ins.T,),
        "repays": (ins.T,),
        "matured": (ins.T,),
        "covenant": (ins.T,),
        "schedule": (ins.T,),
        "backing": (len(ins.tenant.ids),),
        "cost_sites": (ins.S,),
    }
    cols = {}
    for name in (
        "operator",
        "rate_per_year",
        "rate",
        "fee_share",
        "size_usd",
        "ltc",
        "ltcv",
        "outstanding_usd",
        "draws",
        "capitalise",
        "repays",
        "matured",
        "covenant",
        "scheduled",
        "schedule",
        "base_period",
        "balloon",
        "maturity_period",
        "dscr",
        "backing",
        "cost_sites",
    ):
        values = [r[name] for r in rows]
        cols[name] = np.array(values) if values else np.zeros((0, *shapes.get(name, ())))
    for name in ("draws", "capitalise", "repays", "matured", "covenant", "scheduled", "backing", "cost_sites"):
        cols[name] = cols[name].astype(bool)
    for name in ("operator", "base_period", "maturity_period"):
        cols[name] = cols[name].astype(int)
    return Facilities(ids=[f.id for f in fin.facilities], **cols)


def _equity(ins: Inputs, fin: Financing) -> Equity:
    n_op = len(ins.operator.ids)
    limited, available = np.zeros(n_op, dtype=bool), np.zeros((n_op, ins.T))
    for e in fin.equity:
        o = ins.operator.ids.index(e.operator)
        limited[o] = True
        for day, usd in e.from_dates_usd.items():
            available[o, ins.time.period_of(day)] += usd
        if e.usd_per_year is not None:
            available[o] += e.usd_per_year * ins.time.year_fraction
    return Equity(limited=limited, available_usd=available)


def prepare_financing(ins: Inputs) -> FinancingInputs | None:
    """The financing arrays of a portfolio (None without a ``financing`` section)."""
    fin = ins.portfolio.spec.financing
    if fin is None:
        return None
    facility, equity = _facilities(ins, fin), _equity(ins, fin)
    sizes = {**ins.sizes, "facility": facility.F}
    facility.check(sizes)
    equity.check(sizes)
    return FinancingInputs(
        facility=facility,
        equity=equity,
        pledged=np.asarray(facility.backing.any(axis=0)),
        objective=fin.objective,
        cost_of_equity_per_year=fin.cost_of_equity_per_year,
        equity_discount=(1.0 + fin.cost_of_equity_per_year) ** -ins.time.years,
    )
