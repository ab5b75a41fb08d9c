"""Plan a portfolio: prepare inputs, build and solve the MILP (whole, or by site through
planner.solve.decompose past DECOMPOSE_SITES sites), make rack purchases whole, validate the
plan independently and compare it with business as usual.

The reported gap, (bound - NPV of the plan written) / |NPV|, compares the solver's bound with
the plan actually written (whole racks), and "optimal" is kept only when that gap is within
the one asked for.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import replace

import numpy as np

from planner.describe.loading import Portfolio
from planner.inputs import Inputs, prepare
from planner.model import Model, build_model
from planner.model.algebra import P
from planner.results.cashflows import flows_by_class, npv, npv_of
from planner.results.decisions import Decisions, extract, whole_racks
from planner.results.funding import objective_usd
from planner.results.outcome import Plan
from planner.results.validator import validate
from planner.solve.decompose import DECOMPOSE_SITES, DecompositionError, decomposable, solve_decomposed
from planner.solve.funding_step import best_funding
from planner.solve.run import PlanningError, PlanOptions, no_plan, solve_problem, start_vector
from planner.solve.warm_start import solve_from_start
from planner.solve.whole_cdus import close_gap, misses_gap, whole_cdu_step
from planner.solve.whole_racks import whole_rack_step
from solvers import SolveResult, SolveStatus

logger = logging.getLogger(__name__)

OBJECTIVE_RTOL = 1e-6
FEASIBILITY_TOL = 1e-7
"""Primal feasibility tolerance of HiGHS and CBC (their default): each value of a solution may
be off by it, so its objective by up to FEASIBILITY_TOL sum_j |c_j| USD (a 5-year, 4-site
portfolio of NPV -456,641 USD came out 3.5 USD off its cash flows)."""
METHODS = ("auto", "milp", "decompose")


def plan(
    portfolio: Portfolio,
    solver: str = "highs",
    time_limit: float | None = None,
    gap: float = 1e-3,
    threads: int | None = None,
    msg: bool = False,
    bau: bool = True,
    warm_start: Plan | None = None,
    method: str = "auto",
    progress=None,
) -> Plan:
    """Optimal (or best found within the time limit) plan of a portfolio. `method`: "milp" solves
    the portfolio as one MILP, "decompose" by sites (planner.solve.decompose), "auto" decomposes
    past DECOMPOSE_SITES sites where the portfolio allows it. `progress(event)` hears the phases
    and the MIP search ({"phase", "elapsed_s", "objective", "bound", "gap"})."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    opts = PlanOptions(solver, gap, threads, msg, bau, progress=_phase(progress, "solve"))
    ins = prepare(portfolio)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    if warm_start is not None and warm_start.inputs.site.ids != ins.site.ids:
        raise ValueError("warm start plan is of another portfolio (its sites differ)")
    _say(progress, "build")
    model = build_model(ins, "plan")
    _say(progress, "solve")
    result, decomposed = _first_solve(model, opts, deadline, method, warm_start)
    if not result.has_solution or result.x is None:
        raise no_plan(result, ins.portfolio.name)
    relaxed = replace(extract(model, result.x), cdus=model.cooling.cdus.value(result.x))
    tol_usd = max(1.0, FEASIBILITY_TOL * float(np.abs(model.problem.cost).sum()))
    check_objective(model, result, relaxed, tol_usd)
    _say(progress, "whole CDUs")
    x = whole_cdu_step(model, result.x, opts, deadline)
    if not decomposed and result.status is SolveStatus.OPTIMAL and misses_gap(model, x, result.bound, gap):
        _say(progress, "exact CDUs")
        result = close_gap(model, result, x, opts, deadline)
        x = result.x if result.x is not None else x
    x = best_funding(model, x, opts, deadline)
    relaxed = extract(model, x)
    decisions = whole_racks(relaxed, ins)
    fractional = max(
        np.abs(relaxed.gpu_racks - decisions.gpu_racks).max(initial=0.0),
        np.abs(relaxed.cloud_used_mw(ins) - decisions.cloud_used_mw(ins)).max(initial=0.0),
    )
    if not decomposed and fractional > 1e-6:
        _say(progress, "whole racks")
        decisions = whole_rack_step(model, x, decisions, opts, deadline)
    _say(progress, "validate")
    violations = validate(ins, decisions)
    for v in violations:
        logger.error("plan violates a limit: %s", v)
    solve = _solve_facts(ins, decisions, result, gap, tol_usd)
    bau_npv = None
    if bau:
        _say(progress, "business as usual")
        bau_npv = business_as_usual(ins, opts)
    return Plan(ins, decisions, solve, bau_npv, violations, model.build_seconds)


def _first_solve(
    model: Model, opts: PlanOptions, deadline: float | None, method: str, warm_start: Plan | None
) -> tuple[SolveResult, bool]:
    """The plan's solve: decomposed by site where chosen and possible, else the whole MILP."""
    if _decompose(model.inputs, method, warm_start):
        try:
            result = solve_decomposed(model, opts.solver, opts.rel_gap, deadline, opts.threads)
            if result.has_solution:
                return result, True
            logger.warning("site decomposition found no plan (%s); solving the portfolio as one MILP", result.message)
        except DecompositionError as exc:
            logger.warning("%s; solving the portfolio as one MILP", exc)
    if warm_start is None:
        return solve_problem(model.problem, opts, deadline, None, "plan"), False
    return solve_from_start(model.problem, opts, deadline, start_vector(model, warm_start.decisions), "plan"), False


def _solve_facts(ins: Inputs, d: Decisions, result: SolveResult, gap: float, tol_usd: float) -> dict:
    """Status, objective (of the plan written), bound and gap, honest about the whole-rack step."""
    plan_npv = objective_usd(ins, d)
    bound, status = result.bound, result.status
    if bound is not None and bound < plan_npv - tol_usd:
        logger.warning("solver bound %s is below the NPV %s of a valid plan: bound unknown", bound, plan_npv)
        bound = None
    if status is SolveStatus.OPTIMAL and (
        bound is None or bound - plan_npv > max(1.0, gap * abs(plan_npv)) * (1 + 1e-6)
    ):
        status = SolveStatus.FEASIBLE  # no bound, or rounding integers cost more than the gap allows
    facts = result.to_dict()
    facts.update(
        status=status.value,
        objective=plan_npv,
        bound=bound,
        first_solve_objective=result.objective,
        gap=None if bound is None else max(0.0, bound - plan_npv) / max(1e-9, abs(plan_npv)),
    )
    return facts


def _decompose(ins: Inputs, method: str, warm_start: Plan | None) -> bool:
    """Whether to plan by site decomposition."""
    if method == "milp" or (method == "auto" and (ins.S <= DECOMPOSE_SITES or warm_start is not None)):
        return False
    why_not = decomposable(ins)
    if why_not is not None:
        logger.warning("not decomposed by site: %s", why_not)
        return False
    if warm_start is not None:
        logger.info("the site decomposition does not use the warm start")
    return True


def business_as_usual(ins: Inputs, opts: PlanOptions) -> float:
    """NPV of keeping every site mining, with no new HPC (an LP-sized MILP)."""
    model = build_model(ins, "bau")
    result = solve_problem(
        model.problem, PlanOptions(opts.solver, opts.rel_gap, opts.threads, opts.msg), None, label="bau"
    )
    if not result.has_solution or result.x is None:
        raise PlanningError(result.status, f"business-as-usual case did not solve: {result.message}", result)
    return npv(ins, extract(model, result.x))


def check_objective(model: Model, result: SolveResult, d: Decisions, tol_usd: float) -> None:
    """The solver's objective must equal the NPV (or equity NPV) recomputed from the decisions (within
    OBJECTIVE_RTOL, or `tol_usd` for the solver's feasibility tolerance); when it does not, say
    which streams disagree."""
    ins = model.inputs
    flows = flows_by_class(ins, d)
    recomputed = objective_usd(ins, d, flows)
    if result.objective is None or math.isclose(recomputed, result.objective, rel_tol=OBJECTIVE_RTOL, abs_tol=tol_usd):
        return
    if not math.isclose(recomputed, npv_of(ins, flows), rel_tol=OBJECTIVE_RTOL, abs_tol=tol_usd):
        raise AssertionError(
            f"model objective {result.objective:,.2f} differs from the equity NPV recomputed from the plan "
            f"{recomputed:,.2f}: the funding model and planner.results.funding disagree"
        )
    x = result.x if result.x is not None else np.zeros(model.problem.num_cols)
    off = []
    for key in sorted(set(flows) | set(model.flows)):
        discount = ins.fin.factor(key[1])
        mine = float((flows[key].sum(axis=0) * discount).sum()) if key in flows else 0.0
        theirs = float((model.flows[key] * P(discount, "period")).sum().evaluate(x)) if key in model.flows else 0.0
        if not math.isclose(mine, theirs, rel_tol=OBJECTIVE_RTOL, abs_tol=tol_usd):
            off.append(f"{key[0]} ({key[1]}): model {theirs:,.2f}, recomputed {mine:,.2f}")
    raise AssertionError(
        f"model objective {result.objective:,.2f} differs from the NPV recomputed from the plan "
        f"{recomputed:,.2f}: the model and the cash flows disagree ({'; '.join(off) or 'no stream'})"
    )


def _phase(progress, phase: str):
    """The solver's progress events, tagged with the phase."""
    if progress is None:
        return None
    return lambda event: progress({"phase": phase, **event})


def _say(progress, phase: str) -> None:
    if progress is not None:
        progress({"phase": phase})


__all__ = ["METHODS", "Plan", "PlanningError", "business_as_usual", "plan", "prepare"]
