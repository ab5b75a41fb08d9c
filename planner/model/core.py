"""The model container shared by the concern modules, and PuLP's fast idioms.

Variables live in numpy object arrays (one per family, indexed like the input arrays;
``None`` where a variable does not exist). Linear expressions are built from
(variable, coefficient) pairs in one pass (:func:`lin`), never with ``sum`` over
expressions. Every constraint is named ``family|site|period|tenant`` and its meaning is
kept in :attr:`Model.meta`, so a solver log, an LP file or an infeasibility diagnosis
reads back in descriptor terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pulp

from planner.inputs import Inputs

LE, GE, EQ = pulp.LpConstraintLE, pulp.LpConstraintGE, pulp.LpConstraintEQ


@dataclass(frozen=True)
class ConstraintInfo:
    """What a constraint bounds, in the user's terms."""

    family: str
    resource: str
    site: str | None = None
    period: str | None = None
    tenant: str | None = None
    period_index: int | None = None


@dataclass
class Model:
    """One PuLP problem with its variable arrays, named constraints and objective terms."""

    inputs: Inputs
    mode: str  # "plan" | "bau"
    integer_gpus: bool = False
    """self-operated rack purchases integer (the whole-rack step) instead of continuous."""
    elastic: dict[str, float] | None = None
    """family -> penalty per unit of slack: constraints of these families get slack variables
    (infeasibility diagnosis); the objective then minimises the penalised slack."""
    slack_scale: dict[str, float] = field(default_factory=dict)
    """family -> units of the constraint per unit of slack (e.g. 1e6 for USD rows), so that
    slack values stay well scaled for the solver."""
    prob: pulp.LpProblem = field(init=False)
    v: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, ConstraintInfo] = field(default_factory=dict)
    objective_terms: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    capex_terms: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    """(variables, coefficients, period of payment) triples; the finance module sums them."""
    salvage_terms: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    """(variables, residual value coefficients) counted in the last period."""
    capex_constant: np.ndarray = field(init=False)
    """[T] capex constants (negative: existing units netted out of the first increment)."""
    salvage_constant: float = field(init=False)
    occupied: np.ndarray = field(init=False)
    """[S,R,T] lists of variables whose sum is the IT MW in use (self-operated + leased)."""
    site_it_ub: np.ndarray = field(init=False)
    """[S,T] most hall IT MW each site can have in service (from bounds on halls)."""
    leases: list[np.ndarray] = field(default_factory=list)
    """per tenant k, lease variables [eligible site j, T]."""
    starts: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    """per tenant k, (start variables, their start periods)."""
    build_seconds: float = 0.0
    slacks: list[tuple[pulp.LpVariable, str, float]] = field(default_factory=list)
    """(slack variable, constraint name, penalty) in elastic models."""

    def __post_init__(self) -> None:
        ins = self.inputs
        self._names = {"site": [_safe(x) for x in ins.site_ids], "period": [_safe(x) for x in ins.labels],
                       "tenant": [_safe(x) for x in ins.tenant_ids]}
        self.capex_constant = np.zeros(self.inputs.T)
        self.salvage_constant = 0.0
        self.prob = pulp.LpProblem(f"dcplan_{_safe(self.inputs.portfolio.name)}_{self.mode}", pulp.LpMaximize)

    @property
    def bau(self) -> bool:
        return self.mode == "bau"

    def var(
        self,
        family: str,
        shape: tuple[int, ...],
        low: float | np.ndarray = 0.0,
        up: float | np.ndarray | None = None,
        cat: str | np.ndarray = pulp.LpContinuous,
        exists: np.ndarray | None = None,
    ) -> np.ndarray:
        """An array of variables named ``family_i_j...``; bounds and category broadcast."""
        low_a = np.broadcast_to(np.asarray(low, dtype=float), shape)
        up_a = np.broadcast_to(np.asarray(np.nan if up is None else up, dtype=float), shape)
        cat_a = np.broadcast_to(np.asarray(cat, dtype=object), shape)
        mask = np.ones(shape, dtype=bool) if exists is None else np.broadcast_to(exists, shape)
        out = np.full(shape, None, dtype=object)
        for idx in zip(*np.nonzero(mask)):
            lb, ub, kind = float(low_a[idx]), up_a[idx], cat_a[idx]
            if kind == pulp.LpBinary:  # PuLP resets a binary's bounds to [0, 1]: keep ours
                kind, ub = pulp.LpInteger, min(1.0, ub) if not np.isnan(ub) else 1.0
            out[idx] = self.prob.add_variable(
                f"{family}_{'_'.join(map(str, idx))}", lb, None if np.isnan(ub) else float(max(ub, lb)), cat=kind
            )
        self.v[family] = out
        return out

    def add(self, family: str, expr: pulp.LpAffineExpression, sense: int, rhs: float, resource: str,
            site: int | None = None, period: int | None = None, tenant: int | None = None) -> None:
        """Add ``expr (sense) rhs`` named after what it bounds."""
        ins = self.inputs
        info = ConstraintInfo(
            family=family,
            resource=resource,
            site=None if site is None else ins.site_ids[site],
            period=None if period is None else ins.labels[period],
            tenant=None if tenant is None else ins.tenant_ids[tenant],
            period_index=period,
        )
        parts = [family]
        if site is not None:
            parts.append(self._names["site"][site])
        if period is not None:
            parts.append(self._names["period"][period])
        if tenant is not None:
            parts.append(self._names["tenant"][tenant])
        name = "|".join(parts)
        if name in self.meta:
            name = f"{name}|{len(self.meta)}"
        self.meta[name] = info
        rhs = float(rhs)
        if self.elastic is not None and family in self.elastic:
            expr = expr + self._slack(name, sense)
        self.prob.addConstraint(expr <= rhs if sense == LE else expr >= rhs if sense == GE else expr == rhs, name)

    def _slack(self, name: str, sense: int) -> pulp.LpAffineExpression:
        """Slack that relaxes constraint `name`: -k s for <=, +k s for >=, +k (s+ - s-) for ==,
        with k the family's slack scale (units of the constraint per unit of slack) and the
        penalty per unit of slack w k (w per unit of the constraint)."""
        family = self.meta[name].family
        weight = self.elastic[family]  # type: ignore[index]
        scale = self.slack_scale.get(family, 1.0)
        signs = {LE: (-1.0,), GE: (1.0,), EQ: (1.0, -1.0)}[sense]
        terms = []
        for i, sign in enumerate(signs):
            var = self.prob.add_variable(f"slack_{len(self.slacks)}_{i}", 0.0, None)
            self.slacks.append((var, name, weight * scale))
            terms.append((var, sign * scale))
        return lin(*terms)

    def objective(self, variables: np.ndarray, coefficients: np.ndarray) -> None:
        """Add sum(coefficients * variables) to the NPV (coefficients already discounted)."""
        self.objective_terms.append((variables, coefficients))

    def capex(self, variables: np.ndarray, coefficients: np.ndarray, periods: np.ndarray,
              residual: np.ndarray | None = None) -> None:
        """Register capex: coefficients[i] * variables[i] paid in periods[i] (undiscounted),
        and its residual value coefficients[i] * residual[i] at the horizon end."""
        self.capex_terms.append((variables, coefficients, periods))
        if residual is not None:
            self.salvage_terms.append((variables, np.asarray(coefficients) * residual))

    def capex_build(self, x: np.ndarray, unit_cost: np.ndarray, lead: np.ndarray, life: np.ndarray | int,
                    base: np.ndarray | float = 0.0) -> None:
        """Capex of a cumulative build-out x[..., t]: unit_cost (x[t] - x[t-1]) paid in period
        max(0, t - lead), with x[-1] = base (what exists at the start is not paid for); units
        entering service in t keep the residual share r(t) of their cost (inputs.residual)."""
        T = x.shape[-1]
        unit_cost = np.broadcast_to(unit_cost, x.shape)
        periods = np.maximum(0, np.arange(T) - np.broadcast_to(lead, x.shape))
        residual = np.broadcast_to(self.inputs.residual(np.broadcast_to(life, x.shape[:-1])), x.shape)
        prev = np.full(x.shape, None, dtype=object)
        prev[..., 1:] = x[..., :-1]
        self.capex(x, unit_cost, periods, residual)
        self.capex(prev, -unit_cost, periods, residual)
        first = np.broadcast_to(base, x.shape[:-1]) * unit_cost[..., 0] * (x[..., 0] != None)  # noqa: E711
        np.add.at(self.capex_constant, periods[..., 0].ravel(), -first.ravel())
        self.salvage_constant -= float((first * residual[..., 0]).sum())

    def it_terms(self, s: int, t: int, coef: np.ndarray) -> list[tuple[np.ndarray, float]]:
        """(variables, coefficient) pairs of sum_r coef[r] occupied[s,r,t]."""
        return [(np.array(self.occupied[s, r, t], dtype=object), float(coef[r]))
                for r in range(len(coef)) if coef[r] != 0.0 and self.occupied[s, r, t]]

    def monotone(self, family: str, x: np.ndarray, resource: str, site_axis: int | None = 0) -> None:
        """x[..., t] >= x[..., t-1] along the last axis (irreversible build-out)."""
        for idx in np.ndindex(x.shape[:-1]):
            row = x[idx]
            for t in range(1, row.shape[0]):
                if row[t] is not None and row[t - 1] is not None:
                    self.add(family, lin((row[t], 1.0), (row[t - 1], -1.0)), GE, 0.0, resource,
                             site=None if site_axis is None else idx[site_axis], period=t)


def lin(*pairs: tuple[Any, Any]) -> pulp.LpAffineExpression:
    """sum of coefficient x variable over (variables, coefficients) pairs: a variable or an
    array of them, with a scalar or an array of coefficients. Repeated variables accumulate;
    None variables and zero coefficients are skipped."""
    acc: dict[pulp.LpVariable, float] = {}
    get = acc.get
    for variables, coefficients in pairs:
        if not isinstance(variables, np.ndarray):
            if variables is not None and coefficients != 0.0:
                acc[variables] = get(variables, 0.0) + float(coefficients)
            continue
        if np.ndim(coefficients) == 0:
            coef = float(coefficients)
            if coef == 0.0:
                continue
            for var in variables.ravel().tolist():
                if var is not None:
                    acc[var] = get(var, 0.0) + coef
            continue
        cs = np.broadcast_to(coefficients, variables.shape).ravel().tolist()
        for var, coef in zip(variables.ravel().tolist(), cs):
            if var is not None and coef != 0.0:
                acc[var] = get(var, 0.0) + coef
    return _affine(acc)


def _affine(terms: dict[pulp.LpVariable, float]) -> pulp.LpAffineExpression:
    """An expression from {variable: coefficient}: PuLP 4's batch constructor, or PuLP 3's dict one."""
    if _BATCH is not None:
        return _BATCH(list(terms.items()))
    return pulp.LpAffineExpression(terms)


_BATCH = getattr(pulp, "lpSum_vars_coefs", None)  # PuLP >= 4 (Rust core)


def values(x: np.ndarray, solution: dict[str, float]) -> np.ndarray:
    """Solved values of a variable array, read from a name -> value map (0 where no variable)."""
    flat = [0.0 if v is None else float(solution.get(v.name, 0.0)) for v in x.ravel()]
    return np.array(flat, dtype=float).reshape(x.shape)


def _safe(text: Iterable[str] | str) -> str:
    return str(text).translate(str.maketrans({c: "_" for c in "-+[] ->/:"}))
