"""Scenario solves with the first stage free (wait and see) or fixed (a plan's first stage
evaluated in every scenario), and the plans they realise.

A solution x of scenario s's model becomes a plan as a deterministic plan does
(planner.results.decisions: integer families rounded, self-operated rack purchases rounded
down to whole racks); its NPV is recomputed from that plan's cash flows
(planner.results.cashflows.npv), never read from the solver, and the plan is re-checked by the
independent validator (planner.results.validator).

- WS, the wait-and-see value: every scenario planned alone, WS = sum_s p_s NPV*_s + lambda
  T_alpha(NPV*) (planner.solve.stochastic.risk); an upper bound on any plan's objective
  because the objective is non-decreasing in every NPV_s.
- E(x^1), a first stage x^1 evaluated: each scenario planned with its first-stage columns
  fixed at x^1; -inf when some scenario then has no plan.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

import numpy as np

from planner.model import Model
from planner.results.cashflows import npv
from planner.results.decisions import Decisions, extract, whole_racks
from planner.results.validator import Violation, validate
from planner.solve.stochastic.blocks import FIX_TOL, Block, fixed
from planner.solve.stochastic.risk import Risk, objective
from planner.solve.stochastic.tasks import Outcome, Runner, TaskOptions, solve_task
from solvers.problem import MatrixProblem

logger = logging.getLogger(__name__)


@dataclass
class Realised:
    """The plans of a set of scenario solves: NPV per scenario (NaN: no plan), decisions, violations."""

    outcomes: list[Outcome]
    npv_usd: np.ndarray
    decisions: list[Decisions | None]
    violations: list[list[Violation]] = field(default_factory=list)

    def value(self, p: np.ndarray, risk: Risk) -> float:
        """The objective over these NPVs (-inf when a scenario has no plan)."""
        return objective(self.npv_usd, p, risk)

    def failed(self, ids: list[str]) -> list[str]:
        """'id: status' of every scenario without a plan."""
        return [f"{i}: {o.status}" for i, o in zip(ids, self.outcomes) if o.x is None]


def realise(models: list[Model], outcomes: list[Outcome], check: bool = True) -> Realised:
    """Plans from each scenario's solution (module docstring); `check` runs the validator."""
    npvs: list[float] = []
    decisions: list[Decisions | None] = []
    violations: list[list[Violation]] = []
    for m, o in zip(models, outcomes):
        if o.x is None:
            npvs.append(np.nan)
            decisions.append(None)
            violations.append([])
            continue
        d = whole_racks(extract(m, o.x[: m.problem.num_cols]), m.inputs)
        npvs.append(npv(m.inputs, d))
        decisions.append(d)
        violations.append(validate(m.inputs, d) if check else [])
    return Realised(outcomes, np.array(npvs, dtype=float), decisions, violations)


def wait_and_see(models: list[Model], blocks: list[Block], runner: Runner, opts: TaskOptions) -> Realised:
    """Every scenario planned alone; the outcomes keep each solve's bound."""
    handles = runner.put([model_problem(b) for b in blocks])
    return realise(models, runner.map(solve_task, [(h, opts) for h in handles]), check=False)


def evaluate(
    models: list[Model], blocks: list[Block], values: np.ndarray, runner: Runner, opts: TaskOptions
) -> Realised:
    """Every scenario planned with its first-stage columns fixed at `values` (one per model
    cell; the CVaR threshold is not fixed: it follows from the NPVs). A scenario whose model
    lacks a cell that `values` sets is infeasible without a solve."""
    args, lacking = [], []
    for b in blocks:
        first = b.model_first
        lacking.append(bool(np.any((first < 0) & (np.abs(np.nan_to_num(values)) > FIX_TOL))))
        args.append((fixed(model_problem(b), first, values), opts))
    todo = [a for a, skip in zip(args, lacking) if not skip]
    solved = iter(runner.map(solve_task, todo))
    outcomes = [
        Outcome("infeasible", None, None, None, "sets a first-stage decision this scenario does not have")
        if skip
        else next(solved)
        for skip in lacking
    ]
    return realise(models, outcomes, check=False)


def model_problem(b: Block) -> MatrixProblem:
    """The scenario's own model problem inside its block (the block without v, u and their row)."""
    q = b.problem
    if q.num_cols == b.columns:
        return q
    rows = q.num_rows - 1
    end = int(q.starts[rows])
    return dataclasses.replace(
        q,
        cost=q.cost[: b.columns],
        col_lower=q.col_lower[: b.columns],
        col_upper=q.col_upper[: b.columns],
        integer=q.integer[: b.columns],
        row_lower=q.row_lower[:rows],
        row_upper=q.row_upper[:rows],
        starts=q.starts[: rows + 1],
        index=q.index[:end],
        value=q.value[:end],
    )
