"""Plan a portfolio: prepare inputs, build and solve the MILP (whole, or by site through
planner.decompose past DECOMPOSE_SITES sites), validate the plan, and compare it with
business as usual.

Whole racks (exact step): inside the MILP, IT is carried as MW (a rack is 0.04-0.14 MW
against 20 MW halls). A lease is critical IT MW, which the tenant fills with
floor(MW / rack kW) racks; self-operated rack purchases are continuous in the first solve,
rounded down to whole racks, then re-optimised as integers (in large models with the first
solve's halls, upgrades and tenant choices fixed; decomposed plans are only rounded down).
Fewer racks only free power, cooling and floor, so the whole-rack plan keeps every limit
(the independent validator re-checks it), and the MILP's bound stays a valid bound: the
reported gap, (bound - NPV of the whole-rack plan) / |NPV|, is honest.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from planner.decompose import DECOMPOSE_SITES, DecompositionError, decomposable, solve_decomposed
from planner.inputs import Inputs, prepare
from planner.describe.loading import Portfolio
from planner.model import Model, build_model, values
from planner.plan import Decisions, Plan, cash_flows, npv
from planner.validate import Violation, validate
from solvers import SolveOptions, SolveResult, SolveStatus, get_solver

logger = logging.getLogger(__name__)

OBJECTIVE_RTOL = 1e-6
FEASIBILITY_TOL = 1e-7
"""Primal feasibility tolerance of HiGHS and CBC (their default): each value of a solution may
be off by it, so its objective by up to FEASIBILITY_TOL sum_j |c_j| USD (a 5-year, 4-site
portfolio of NPV -456,641 USD came out 3.5 USD off its cash flows)."""
METHODS = ("auto", "milp", "decompose")
INTEGER_GPU_LIMIT = 1000
"""Up to this many rack-purchase variables, the whole-rack step re-optimises everything with
integer purchases; above it, only the purchases, with the first solve's halls, upgrades and
tenant choices fixed (measured: integer purchases took the bundled 2,400-variable portfolio
past 150 s without closing a 3% gap)."""


class PlanningError(RuntimeError):
    """No plan: infeasible (exit 3) or no solution within the limits (exit 4)."""

    def __init__(self, status: SolveStatus, message: str, result: SolveResult | None = None) -> None:
        self.status = status
        self.result = result
        super().__init__(message)


@dataclass(frozen=True)
class PlanOptions:
    solver: str = "highs"
    rel_gap: float = 1e-3
    threads: int | None = None
    msg: bool = False
    bau: bool = True


def plan(portfolio: Portfolio, solver: str = "highs", time_limit: float | None = None, gap: float = 1e-3,
         threads: int | None = None, msg: bool = False, bau: bool = True,
         warm_start: Plan | None = None, method: str = "auto") -> Plan:
    """Optimal (or best found within the time limit) plan of a portfolio. `method`:
    "milp" solves the portfolio as one MILP, "decompose" by sites (planner.decompose),
    "auto" decomposes past DECOMPOSE_SITES sites where the portfolio allows it."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    opts = PlanOptions(solver, gap, threads, msg, bau)
    ins = prepare(portfolio)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    if warm_start is not None and warm_start.inputs.site_ids != ins.site_ids:
        raise ValueError("warm start plan is of another portfolio (its sites differ)")
    m = build_model(ins, "plan")
    decomposed = _decompose(ins, method, warm_start)
    result = None
    if decomposed:
        try:
            result = solve_decomposed(m, opts.solver, opts.rel_gap, deadline, opts.threads)
        except DecompositionError as exc:
            logger.warning("%s; solving the portfolio as one MILP", exc)
            decomposed = False
    if result is None:
        start_values = start_values_from(m, warm_start.decisions) if warm_start is not None else None
        result = _solve(m, opts, deadline, start_values)
    if not result.has_solution:
        raise _no_plan(result, ins)
    relaxed = extract(m, result.values)
    tol_usd = max(1.0, FEASIBILITY_TOL * sum(abs(c) for c in m.prob.objective.values()))
    _check_objective(ins, relaxed, result, tol_usd)
    decisions = whole_racks(relaxed)
    bound = result.bound
    if not decomposed and np.abs(relaxed.gpu_racks - decisions.gpu_racks).max(initial=0.0) > 1e-6:
        free = sum(v is not None for v in m.v["gpu_racks"].ravel()) <= INTEGER_GPU_LIMIT
        decisions = _whole_rack_step(ins, result, decisions, opts, deadline, fix_first_stage=not free)
    violations = validate(ins, decisions)
    for v in violations:
        logger.error("plan violates a limit: %s", v)
    solve = result.to_dict()
    status = result.status
    plan_npv = npv(ins, cash_flows(ins, decisions))
    if bound is not None and bound < plan_npv - tol_usd:
        logger.warning("solver bound %s is below the NPV %s of a valid plan: bound unknown", bound, plan_npv)
        bound = None
    if status is SolveStatus.OPTIMAL and bound is None:
        status = SolveStatus.FEASIBLE
    if status is SolveStatus.OPTIMAL and bound is not None:
        if bound - plan_npv > max(1.0, gap * abs(plan_npv)) * (1 + 1e-6):
            status = SolveStatus.FEASIBLE  # rounding integers cost more than the gap allows
    solve.update(status=status.value, objective=plan_npv, bound=bound, first_solve_objective=result.objective,
                 gap=None if bound is None else max(0.0, bound - plan_npv) / max(1e-9, abs(plan_npv)))
    bau_npv = business_as_usual(ins, opts) if bau else None
    return Plan(ins, decisions, solve, bau_npv, violations, m.build_seconds)


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
    m = build_model(ins, "bau")
    result = _solve(m, opts, None, None)
    if not result.has_solution:
        raise PlanningError(result.status, f"business-as-usual case did not solve: {result.message}", result)
    return npv(ins, cash_flows(ins, extract(m, result.values)))


def extract(m: Model, sol: dict[str, float]) -> Decisions:
    """Decisions from a solution; integer families rounded, tiny negatives clipped."""
    ins = m.inputs
    v = m.v
    lease = [_clip(values(x, sol)) for x in m.leases]
    starts: list[int | None] = []
    for start_vars, periods in m.starts:
        chosen = values(start_vars, sol) if len(start_vars) else np.zeros(0)
        starts.append(int(periods[int(np.argmax(chosen))]) if chosen.size and chosen.max() > 0.5 else None)
    return Decisions(
        mining_mw=_clip(values(v["mining_mw"], sol)),
        halls=np.rint(values(v["halls"], sol)).astype(int),
        gpu_racks=_clip(values(v["gpu_racks"], sol)),
        cdus=np.rint(values(v["cdus"], sol)).astype(int),
        upgrades=np.rint(values(v["upgrade"], sol)).astype(int).reshape(len(ins.upgrade_ids), ins.T),
        tenant_start=starts,
        lease_mw=lease,
    )


def _whole_rack_step(ins: Inputs, result: SolveResult, floored: Decisions, opts: PlanOptions,
                     deadline: float | None, fix_first_stage: bool) -> Decisions:
    """Re-solve with integer rack purchases, warm-started from the first solve's purchases
    rounded down; in large models with its halls, upgrades, site conversions and tenant
    choices fixed. Returns the better of the step's plan and the rounded-down one (always
    feasible). The step's bound is not used: HiGHS 1.16 returned a wrong 'optimal', with a
    bound below CBC's plan, on such an integer-purchase model
    (tests/test_properties.py::test_regression_highs_presolve_wrong_optimum); the first
    solve's bound, of the continuous relaxation of the purchases, stays the plan's bound."""
    m = build_model(ins, "plan", integer_gpus=True)
    fixed: set[str] = set()
    if fix_first_stage:
        fixed = {v.name for fam in ("halls", "upgrade", "hosts") for v in m.v[fam].ravel() if v is not None}
        fixed |= {v.name for start_vars, _ in m.starts for v in start_vars}
        fixed |= {v.name for v in m.prob.variables() if v.name.startswith("uses_")}
    for var in m.prob.variables():
        if var.name in fixed:
            var.lowBound = var.upBound = round(result.values.get(var.name, 0.0))
    step = _solve(m, opts, deadline, start_values_from(m, floored))
    if not step.has_solution:
        logger.warning("whole-rack step found no plan (%s): keeping purchases rounded down", step.message)
        return floored
    decisions = whole_racks(extract(m, step.values))
    better = npv(ins, cash_flows(ins, decisions)) >= npv(ins, cash_flows(ins, floored))
    return decisions if better else floored


def _clip(x: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Solver noise off continuous values: |x| < tol -> 0, no negatives."""
    return np.where(x < tol, 0.0, x)


def whole_racks(d: Decisions) -> Decisions:
    """Self-operated rack purchases rounded down to whole racks (1e-6 for solver noise)."""
    racks = np.floor(d.gpu_racks + 1e-6).astype(int)
    return Decisions(d.mining_mw, d.halls, racks, d.cdus, d.upgrades, d.tenant_start, d.lease_mw)


def _solve(m: Model, opts: PlanOptions, deadline: float | None, start: dict[str, float] | None) -> SolveResult:
    remaining = None if deadline is None else max(1.0, deadline - time.perf_counter())
    options = SolveOptions(time_limit_s=remaining, rel_gap=opts.rel_gap, threads=opts.threads, msg=opts.msg,
                           warm_start=start)
    result = get_solver(opts.solver).solve(m.prob, options)
    logger.info("%s %s: status %s, objective %s, bound %s, gap %s, %.2f s", opts.solver, m.mode, result.status.value,
                result.objective, result.bound, result.gap, result.solve_seconds)
    return result


def _check_objective(ins: Inputs, d: Decisions, result: SolveResult, tol_usd: float) -> None:
    """The solver's objective must equal the NPV recomputed from the decisions (within
    OBJECTIVE_RTOL, or `tol_usd` for the solver's feasibility tolerance)."""
    recomputed = npv(ins, cash_flows(ins, d))
    if result.objective is not None and not math.isclose(recomputed, result.objective, rel_tol=OBJECTIVE_RTOL,
                                                         abs_tol=tol_usd):
        raise AssertionError(f"model objective {result.objective:,.2f} differs from the NPV recomputed from the "
                             f"plan {recomputed:,.2f}: the model and the cash flows disagree")


def start_values_from(m: Model, d: Decisions) -> dict[str, float]:
    """A MIP start (variable name -> value) from the decisions of a previous plan."""
    out: dict[str, float] = {}

    def put(x: np.ndarray, v: np.ndarray) -> None:
        for var, val in zip(x.ravel(), np.asarray(v, dtype=float).ravel()):
            if var is not None:
                out[var.name] = float(val)

    put(m.v["mining_mw"], d.mining_mw)
    put(m.v["halls"], d.halls)
    put(m.v["gpu_racks"], d.gpu_racks)
    put(m.v["cloud_mw"], d.cloud_mw(m.inputs))
    put(m.v["cdus"], d.cdus)
    put(m.v["upgrade"], d.upgrades)
    for k, (start_vars, periods) in enumerate(m.starts):
        put(start_vars, periods == d.tenant_start[k])
        put(m.leases[k], d.lease_mw[k])
    return out


def _no_plan(result: SolveResult, ins: Inputs) -> PlanningError:
    if result.status is SolveStatus.NO_SOLUTION:
        return PlanningError(result.status, f"no plan found within the time limit ({result.message})", result)
    if result.status is SolveStatus.INFEASIBLE:
        return PlanningError(result.status, f"portfolio {ins.portfolio.name} has no feasible plan", result)
    return PlanningError(result.status, f"solver {result.solver} failed: {result.message}", result)


__all__ = ["PlanningError", "Violation", "business_as_usual", "extract", "plan", "whole_racks"]
