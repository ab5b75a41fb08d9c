"""solve_stochastic: the two-stage plan of a portfolio over a set of futures.

Steps: one planning model per future (planner.model; planner.sweep.plan_stochastic makes the
futures from a scenario set and opens the Dask runner, since sweep comes after solve); the
first-stage cells before the decision date (planner.solve.stochastic.stages); every scenario
planned alone (WS, and the start of PH); the recourse problem RP solved as one
deterministic-equivalent MILP (planner.solve.stochastic.blocks) or by progressive hedging
(planner.solve.stochastic.hedging) on a Dask client; the expected-value plan's first stage
evaluated in every scenario (EEV); each scenario's plan recomputed and validated.

The reported bound is the smallest proven one: the deterministic equivalent's MIP bound or
PH's Lagrangian bound, and the wait-and-see bound sum_s p_s ub_s + lambda T_alpha(ub) (ub_s
the MIP bound of scenario s alone), which holds because the objective is non-decreasing in
every NPV_s. Both are of the model with rack purchases continuous, so they also bound the
plans written, whose purchases are whole racks.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from planner.describe.errors import InputError, Problem, short
from planner.describe.loading import Portfolio
from planner.inputs import prepare
from planner.model import Model, build_model
from planner.results.outcome import Plan
from planner.solve.run import PlanningError
from planner.solve.stochastic.blocks import Block, extensive_form, scenario_block
from planner.solve.stochastic.evaluate import Realised, evaluate, model_problem, realise, wait_and_see
from planner.solve.stochastic.hedging import HedgingSettings, first_values, progressive_hedging
from planner.solve.stochastic.result import StochasticPlan, Value, first_stage_tables
from planner.solve.stochastic.risk import Risk
from planner.solve.stochastic.risk import objective as objective_of
from planner.solve.stochastic.stages import decision_period, first_stage_columns
from planner.solve.stochastic.tasks import LocalRunner, Outcome, Runner, TaskOptions, solve_task
from planner.solve.whole_cdus import exact_problem
from solvers import SolveOptions, SolveStatus, get_solver

logger = logging.getLogger(__name__)

METHODS = ("auto", "extensive", "hedging")
EXTENSIVE_MAX_COLUMNS = 60_000
"""method "auto" solves the deterministic equivalent up to this many columns (scenarios x
columns of one model), by progressive hedging above."""
FIELD = "<stochastic plan>"


@dataclass(frozen=True)
class Future:
    """One scenario: its id and the portfolio as it is in that future."""

    id: str
    portfolio: Portfolio


def solve_stochastic(
    futures: Sequence[Future],
    expected: Portfolio,
    *,
    decision_date: Any = None,
    cvar_alpha: float | None = None,
    cvar_weight: float = 0.0,
    runner: Runner | None = None,
    method: str = "auto",
    probabilities: Sequence[float] | None = None,
    solver: str = "highs",
    gap: float = 1e-4,
    time_limit: float | None = None,
    hedging: HedgingSettings | None = None,
) -> StochasticPlan:
    """The two-stage stochastic plan over `futures` (module docstring); `expected` is the
    portfolio of the expected-value scenario (for EEV and VSS). planner.sweep.plan_stochastic
    makes both from a portfolio and a scenario set, and the Dask runner.

    `decision_date`: first recourse date (default: 24 months after the horizon start);
    `cvar_alpha`, `cvar_weight`: CVaR level alpha in (0, 1) and weight lambda >= 0 (default:
    risk-neutral); `runner`: where scenario solves run (default: this process); `method`:
    "extensive" (one MILP), "hedging" (progressive hedging) or "auto" (resolve_method);
    `probabilities`: one per future (default: equal); `gap`, `time_limit`: of each MILP solve.
    Raises InputError for bad input and PlanningError when a future has no plan."""
    risk = check_arguments(len(futures), cvar_alpha, cvar_weight, method, probabilities, hedging)
    n = len(futures)
    p = np.full(n, 1.0 / n) if probabilities is None else np.asarray(probabilities, dtype=float)
    ids = [f.id for f in futures]
    started = time.perf_counter()
    models = [scenario_model(f.portfolio) for f in futures]
    ev = scenario_model(expected)
    d = decision_period(models[0].inputs, decision_date, FIELD)
    cols, _ = first_stage_columns(models + [ev], d)
    blocks = [scenario_block(exact_problem(m), cols[s], risk) for s, m in enumerate(models)]
    ev_block = scenario_block(exact_problem(ev), cols[-1], Risk(risk.alpha, 0.0))
    chosen = method if method != "auto" else _by_size(models[0].problem.num_cols, n)
    runner = runner or LocalRunner()
    opts = TaskOptions(solver, gap, time_limit, 1)
    ws = wait_and_see(models, blocks, runner, opts)
    _require_plans(ws, ids)
    eev, ev_first = _expected_value(models, blocks, ev_block, runner, opts)
    if chosen == "extensive":
        rp, bound, status, details = _extensive(models, blocks, p, risk, solver, gap, time_limit)
    else:
        rp, bound, status, details = _hedging(models, blocks, p, risk, ws, (eev, ev_first), runner, opts, hedging)
    details["gap_asked"] = gap
    return _assemble(ids, p, models, d, risk, rp, bound, status, chosen, ws, eev, details, started)


def resolve_method(method: str, first: Portfolio, n: int) -> str:
    """The method "auto" means for `n` futures like `first`: the deterministic equivalent up to
    EXTENSIVE_MAX_COLUMNS columns in all, progressive hedging above."""
    if method != "auto":
        return method
    return _by_size(scenario_model(first).problem.num_cols, n)


def _by_size(columns: int, n: int) -> str:
    return "extensive" if columns * n <= EXTENSIVE_MAX_COLUMNS else "hedging"


def check_arguments(
    n: int,
    alpha: float | None,
    weight: float,
    method: str,
    probabilities: Sequence[float] | None,
    hedging: HedgingSettings | None,
) -> Risk:
    """The risk measure of valid arguments for `n` futures; InputError listing every bad one."""
    problems = []
    if alpha is not None and not (isinstance(alpha, (int, float)) and 0.0 < alpha < 1.0):
        problems.append(Problem(FIELD, "cvar_alpha", short(alpha), "the CVaR level must lie in (0, 1)"))
    if not (isinstance(weight, (int, float)) and math.isfinite(weight) and weight >= 0):
        problems.append(Problem(FIELD, "cvar_weight", short(weight), "the CVaR weight must be a finite number >= 0"))
    elif weight > 0 and alpha is None:
        problems.append(Problem(FIELD, "cvar_weight", short(weight), "a CVaR weight needs a CVaR level (cvar_alpha)"))
    if method not in METHODS:
        problems.append(Problem(FIELD, "method", short(method), f"must be one of {', '.join(METHODS)}"))
    if n == 0:
        problems.append(Problem(FIELD, "scenarios", "[]", "no scenario"))
    if probabilities is not None:
        q = np.asarray(probabilities, dtype=float)
        if q.shape != (n,) or not np.all(np.isfinite(q)) or np.any(q < 0) or abs(q.sum() - 1.0) > 1e-9:
            problems.append(
                Problem(FIELD, "probabilities", short(list(probabilities)), f"need {n} numbers >= 0 summing to 1")
            )
    if hedging is not None and hedging.iterations < 1:
        problems.append(Problem(FIELD, "hedging.iterations", short(hedging.iterations), "must be at least 1"))
    if problems:
        raise InputError(problems)
    return Risk(0.9 if alpha is None else float(alpha), float(weight))


def scenario_model(portfolio: Portfolio) -> Model:
    """The planning model of a future's portfolio."""
    return build_model(prepare(portfolio), "plan")


def _require_plans(ws: Realised, ids: list[str]) -> None:
    failed = ws.failed(ids)
    if failed:
        status = SolveStatus(ws.outcomes[int(np.flatnonzero(np.isnan(ws.npv_usd))[0])].status)
        raise PlanningError(
            status, f"scenario(s) without a plan, so no plan holds in every future: {', '.join(failed)}"
        )


def _extensive(
    models: list[Model], blocks: list[Block], p: np.ndarray, risk: Risk, solver: str, gap: float, limit: float | None
) -> tuple[Realised, float | None, SolveStatus, dict[str, Any]]:
    """RP as one MILP: the realised plans, the MIP bound, the solver's status."""
    ext = extensive_form(blocks, p, "dcplan_stochastic")
    result = get_solver(solver).solve(ext.problem, SolveOptions(time_limit_s=limit, rel_gap=gap))
    if result.x is None:
        raise PlanningError(result.status, f"the deterministic equivalent found no plan: {result.message}", result)
    outcomes = [
        Outcome(str(result.status), None, None, ext.block_x(result.x, s)[: b.columns]) for s, b in enumerate(blocks)
    ]
    details = {"columns": ext.problem.num_cols, "rows": ext.problem.num_rows, "solve_seconds": result.solve_seconds}
    return realise(models, outcomes), result.bound, result.status, details


def _hedging(
    models: list[Model],
    blocks: list[Block],
    p: np.ndarray,
    risk: Risk,
    ws: Realised,
    ev: tuple[Realised, np.ndarray],
    runner: Runner,
    opts: TaskOptions,
    settings: HedgingSettings | None,
) -> tuple[Realised, float | None, SolveStatus, dict[str, Any]]:
    """RP by progressive hedging: the best of PH's candidate first stages and the expected-value
    plan's (so that VSS >= 0), evaluated and realised."""
    settings = settings or HedgingSettings()
    objectives = np.array([o.objective for o in ws.outcomes], dtype=float)
    start = first_values(blocks, ws.outcomes, objectives)
    ub = np.array([o.bound if o.bound is not None else np.nan for o in ws.outcomes], dtype=float)
    d0 = float(p @ ub) * (1.0 + risk.weight) if np.all(np.isfinite(ub)) else None
    handles = runner.put([b.problem for b in blocks])
    ph = progressive_hedging(blocks, handles, p, start, d0, runner, opts, settings)
    best, chosen = ev[0], "expected-value plan"
    for i, candidate in enumerate(ph.candidates):
        values = candidate[: blocks[0].cells]
        if np.allclose(values, ev[1], rtol=0.0, atol=1e-6):
            continue  # the expected-value plan's first stage, evaluated already
        found = evaluate(models, blocks, values, runner, opts)
        if found.value(p, risk) > best.value(p, risk):
            best, chosen = found, f"hedging candidate {i + 1} of {len(ph.candidates)}"
    if not np.isfinite(best.value(p, risk)):
        raise PlanningError(
            SolveStatus.NO_SOLUTION, "progressive hedging found no first stage that holds in every scenario"
        )
    details = {
        "first_stage_from": chosen,
        "iterations": ph.iterations,
        "converged": ph.converged,
        "residuals": ph.residuals,
        "lagrangian_bound_usd": ph.lagrangian_bound,
        "wait_and_see_bound_usd": d0,
    }
    return realise(models, best.outcomes), ph.bound, SolveStatus.FEASIBLE, details


def _expected_value(
    models: list[Model], blocks: list[Block], ev: Block, runner: Runner, opts: TaskOptions
) -> tuple[Realised, np.ndarray]:
    """EEV: the expected-value scenario planned alone, its first stage fixed in every scenario
    (with that first stage)."""
    outcome = solve_task(model_problem(ev), opts)
    if outcome.x is None:
        raise PlanningError(SolveStatus(outcome.status), f"the expected-value scenario has no plan: {outcome.message}")
    values = np.zeros(ev.cells)
    has = ev.model_first >= 0
    values[has] = outcome.x[ev.model_first[has]]
    return evaluate(models, blocks, values, runner, opts), values


def _assemble(
    ids: list[str],
    p: np.ndarray,
    models: list[Model],
    d: int,
    risk: Risk,
    rp: Realised,
    bound: float | None,
    status: SolveStatus,
    method: str,
    ws: Realised,
    eev: Realised,
    details: dict[str, Any],
    started: float,
) -> StochasticPlan:
    """The StochasticPlan of the realised plans: the honest status, bound and gap, VSS and EVPI."""
    objective = rp.value(p, risk)
    ub = np.array([o.bound if o.bound is not None else np.nan for o in ws.outcomes], dtype=float)
    bounds = [b for b in (bound, objective_of(ub, p, risk) if np.all(np.isfinite(ub)) else None) if b is not None]
    best = min(bounds) if bounds else None
    tol = max(1.0, 1e-9 * abs(objective))
    if best is not None and best < objective - tol:
        logger.warning("bound %s is below the objective %s of a valid plan: bound unknown", best, objective)
        best = None
    proven = best is not None and best - objective <= max(1.0, details["gap_asked"] * abs(objective)) * (1 + 1e-6)
    final = SolveStatus.OPTIMAL if status is SolveStatus.OPTIMAL and proven else SolveStatus.FEASIBLE
    plans = []
    for m, dec, violations in zip(models, rp.decisions, rp.violations):
        assert dec is not None
        solve = {"status": final.value, "objective": None, "bound": None, "solver": "highs", "message": method}
        plans.append(Plan(m.inputs, dec, solve, None, violations, m.build_seconds))
    ws_value, eev_value = ws.value(p, risk), eev.value(p, risk)
    failed = eev.failed(ids)
    vss = Value(
        "vss",
        objective - eev_value,
        ("rp_usd", objective),
        ("eev_usd", eev_value),
        f"the expected-value plan's first stage leaves {', '.join(failed)} without a plan" if failed else "",
    )
    evpi = Value("evpi", ws_value - objective, ("ws_usd", ws_value), ("rp_usd", objective))
    ins = models[0].inputs
    details = dict(details, seconds=time.perf_counter() - started, scenario_npv_ws_usd=ws.npv_usd.tolist())
    details["eev_scenario_npv_usd"] = eev.npv_usd.tolist()
    return StochasticPlan(
        status=final.value,
        method=method,
        objective_usd=objective,
        bound_usd=best,
        decision_period=ins.time.labels[d],
        scenario_ids=ids,
        probabilities=p,
        plans=plans,
        first_stage=first_stage_tables(ins, plans[0].decisions, d),
        vss=vss,
        evpi=evpi,
        cvar_alpha=risk.alpha if risk.active else None,
        cvar_weight=risk.weight,
        details=details,
    )
