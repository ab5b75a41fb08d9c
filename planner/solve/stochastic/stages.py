"""The two stages: the decision period, and which columns of a scenario's model are first stage.

The decision date D splits the horizon: a period starting before D is decided now, in the
same way in every scenario; a period starting at or after D is recourse, decided once the
scenario is known. First stage, for every period t with m_t < m_D (m_t: its first month):

- ``halls[s,h,t]`` hall modules in service and ``hosts[s,t]`` the site conversion,
- ``cdus[s,c,t]`` CDUs installed and ``upgrade[u,t]`` interconnect upgrades in service,
- ``gpu_racks[s,r,t]`` self-operated racks bought in t,
- ``market_new[m,s,t]`` market leases signed in t,
- ``start[k,j,r]`` tenant k signed to start at start period j (< D) with r renewal options.

Everything else (mining, leases served and their split over sites, GPUs in use, energy
drawn, the exit value) is recourse, as are the decisions above in periods from D on. The
convention is the model's: a family over periods is decided in the period it names (a hall
is counted in the periods it is in service; its capex, drawn before, follows it).

A first-stage *cell* is one (family, grid cell) pair; scenarios have the same grids (the
same portfolio, other coefficients), so cell i names the same decision in each, and
:func:`first_stage_columns` gives its column per scenario (-1 where a scenario's model has
no such variable: it is 0 there).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from planner.describe.errors import InputError, Problem, short
from planner.inputs import Inputs
from planner.model import Model
from planner.model.algebra import Var

DEFAULT_DECISION_MONTHS = 24
"""The default decision date: 24 months (8 quarters) after the horizon start."""
DECISION_FIELD = "decision_date"


def decision_period(ins: Inputs, decision_date: dt.date | str | None, file: str = "<stochastic plan>") -> int:
    """Index D of the first recourse period: the first period starting on or after the decision
    date (default: DEFAULT_DECISION_MONTHS after the start). InputError when the date is not a
    date, or leaves no period before it or none after it (outside the horizon)."""
    months = ins.time.first_month
    if decision_date is None:
        cut = DEFAULT_DECISION_MONTHS
        label = f"{DEFAULT_DECISION_MONTHS} months after {ins.time.start.isoformat()}"
    else:
        date = _as_date(decision_date, file)
        start = ins.time.start
        cut = (date.year - start.year) * 12 + date.month - start.month + (date.day > 1)
        label = date.isoformat()
    d = int(np.searchsorted(months, cut, side="left"))
    if d <= 0 or d >= ins.T:
        span = f"{ins.time.labels[0]} to {ins.time.labels[-1]}"
        reason = f"outside the horizon ({span}): it must leave at least one period before it and one after it"
        raise InputError([Problem(file, DECISION_FIELD, label, reason)])
    return d


def _as_date(value: dt.date | str, file: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError([Problem(file, DECISION_FIELD, short(value), "not a date (YYYY-MM-DD)")]) from None


def first_stage_families(model: Model) -> dict[str, Var]:
    """The first-stage variable families of a model, by name (see the module docstring)."""
    return {
        "halls": model.halls.modules,
        "hosts": model.halls.hosts,
        "cdus": model.cooling.cdus,
        "upgrade": model.power.upgrade,
        "gpu_racks": model.cloud.bought,
        "market_new": model.markets.new,
        "start": model.leases.start,
    }


def _early(var: Var, ins: Inputs, d: int) -> np.ndarray:
    """Cells of `var` over periods before D (for `start`: start periods before D)."""
    if "period" in var.dims:
        axis = var.dims.index("period")
        shape = [1] * len(var.dims)
        shape[axis] = var.shape[axis]
        return np.broadcast_to((np.arange(var.shape[axis]) < d).reshape(shape), var.shape)
    if "start" in var.dims:
        axis = var.dims.index("start")
        shape = [1] * len(var.dims)
        shape[axis] = var.shape[axis]
        return np.broadcast_to((ins.paths.periods < d).reshape(shape), var.shape)
    return np.zeros(var.shape, dtype=bool)


def first_stage_columns(models: list[Model], d: int) -> tuple[np.ndarray, list[str]]:
    """[N, n1] column of each first-stage cell in each scenario's model (-1: none there), and
    each cell's family. Cells without a variable in any scenario are left out; ValueError when
    the scenarios' grids differ (they are not the same portfolio)."""
    per_family = [first_stage_families(m) for m in models]
    cols: list[np.ndarray] = []
    names: list[str] = []
    for name, var in per_family[0].items():
        if any(f[name].shape != var.shape for f in per_family):
            raise ValueError(f"first-stage family {name}: scenarios have different grids")
        mask = np.zeros(var.shape, dtype=bool)
        for m, f in zip(models, per_family):
            mask |= _early(f[name], m.inputs, d) & f[name].exists
        block = np.stack([f[name].index[mask] for f in per_family])
        cols.append(block)
        names += [name] * block.shape[1]
    return (np.concatenate(cols, axis=1) if cols else np.zeros((len(models), 0), dtype=np.int64)), names
