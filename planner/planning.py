"""Plan a portfolio: prepare inputs, build and solve the MILP, make racks whole, validate,
and compare with business as usual.

Whole racks (exact rounding step): rack positions are continuous inside the MILP (a rack
is 0.04-0.14 MW against 20 MW halls). The solution's positions are rounded up, which keeps
every tenant and GPU housed; the validator then re-checks power, cooling and floor with
whole racks. Sites where rounding broke a limit are re-solved with integer positions
there (warm-started), until the validator passes. The first solve's bound stays a valid
bound (its relaxation of rack integrality only loosens it), so the reported gap, bound
minus the whole-rack plan's NPV, is honest.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs, prepare
from planner.loading import Portfolio
from planner.model import Model, build_model, values
from planner.plan import Decisions, Plan, cash_flows, npv
from planner.validate import Violation, validate
from solvers import SolveOptions, SolveResult, SolveStatus, get_solver

logger = logging.getLogger(__name__)

MAX_ROUNDING_ROUNDS = 3
OBJECTIVE_RTOL = 1e-6


class PlanningError(RuntimeError):
    """No plan: infeasible (exit 3) or no solution within the limits (exit 4)."""

    def __init__(self, status: SolveStatus, message: str, result: SolveResult | None = None) -> None:
        self.status = status
        self.result = result
        super().__init__(message)


@dataclass(frozen=True)
class PlanOptions:
    solver: str = "highs"
    time_limit_s: float | None = None
    rel_gap: float = 1e-4
    threads: int | None = None
    msg: bool = False
    bau: bool = True


def plan(portfolio: Portfolio, solver: str = "highs", time_limit: float | None = None, gap: float = 1e-4,
         threads: int | None = None, msg: bool = False, bau: bool = True,
         warm_start: Plan | None = None) -> Plan:
    """Optimal (or best found within the time limit) plan of a portfolio."""
    opts = PlanOptions(solver, time_limit, gap, threads, msg, bau)
    ins = prepare(portfolio)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    integer_sites: frozenset[int] = frozenset()
    start_values = _warm_values(warm_start) if warm_start is not None else None
    build_seconds = 0.0
    first_bound: float | None = None
    for round_ in range(MAX_ROUNDING_ROUNDS + 1):
        m = build_model(ins, "plan", integer_sites)
        build_seconds += m.build_seconds
        result = _solve(m, opts, deadline, start_values)
        if not result.has_solution:
            raise _no_plan(result, ins)
        if first_bound is None:
            first_bound = result.bound
        decisions = extract(m, result.values)
        _check_objective(ins, decisions, result)
        whole = round_racks(decisions)
        bad = {v.site for v in validate(ins, whole) if v.site is not None}
        bad_sites = frozenset(ins.site_ids.index(s) for s in bad) - integer_sites
        if not bad_sites or round_ == MAX_ROUNDING_ROUNDS:
            break
        logger.info("whole racks break limits at %s: re-solving with integer racks there", ", ".join(sorted(bad)))
        integer_sites |= bad_sites
        start_values = dict(result.values)
    violations = validate(ins, whole)
    for v in violations:
        logger.error("plan violates a limit: %s", v)
    solve = result.to_dict()
    bound = result.bound if first_bound is None or result.bound is None else min(first_bound, result.bound)
    solve["bound"] = bound
    status = result.status
    if status is SolveStatus.OPTIMAL and bound is not None:
        plan_npv = npv(ins, cash_flows(ins, whole))
        if bound - plan_npv > max(1e-6, gap * abs(plan_npv)) * (1 + 1e-9):
            status = SolveStatus.FEASIBLE  # whole racks cost more than the gap allows
    solve["status"] = status.value
    bau_npv = business_as_usual(ins, opts) if bau else None
    return Plan(ins, whole, solve, bau_npv, violations, build_seconds, round_)


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
    lease = [np.maximum(0.0, values(x, sol)) for x in m.leases]
    starts: list[int | None] = []
    for start_vars, periods in m.starts:
        chosen = values(start_vars, sol) if len(start_vars) else np.zeros(0)
        starts.append(int(periods[int(np.argmax(chosen))]) if chosen.size and chosen.max() > 0.5 else None)
    return Decisions(
        mining_mw=np.maximum(0.0, values(v["mining_mw"], sol)),
        halls=np.rint(values(v["halls"], sol)).astype(int),
        racks=np.maximum(0.0, values(v["racks"], sol)),
        cloud_mw=np.maximum(0.0, values(v["cloud_mw"], sol)),
        cdus=np.rint(values(v["cdus"], sol)).astype(int),
        upgrades=np.rint(values(v["upgrade"], sol)).astype(int).reshape(len(ins.upgrade_ids), ins.T),
        tenant_start=starts,
        lease_mw=lease,
    )


def round_racks(d: Decisions) -> Decisions:
    """Whole rack positions: ceil of the continuous count (1e-6 tolerance for solver noise)."""
    racks = np.ceil(d.racks - 1e-6).astype(int)
    return Decisions(d.mining_mw, d.halls, np.maximum(racks, 0), d.cloud_mw, d.cdus, d.upgrades, d.tenant_start,
                     d.lease_mw)


def _solve(m: Model, opts: PlanOptions, deadline: float | None, start: dict[str, float] | None) -> SolveResult:
    remaining = None if deadline is None else max(1.0, deadline - time.perf_counter())
    options = SolveOptions(time_limit_s=remaining, rel_gap=opts.rel_gap, threads=opts.threads, msg=opts.msg,
                           warm_start=start)
    result = get_solver(opts.solver).solve(m.prob, options)
    logger.info("%s %s: status %s, objective %s, bound %s, gap %s, %.2f s", opts.solver, m.mode, result.status.value,
                result.objective, result.bound, result.gap, result.solve_seconds)
    return result


def _check_objective(ins: Inputs, d: Decisions, result: SolveResult) -> None:
    """The solver's objective must equal the NPV recomputed from the decisions."""
    recomputed = npv(ins, cash_flows(ins, d))
    if result.objective is not None and not math.isclose(recomputed, result.objective, rel_tol=OBJECTIVE_RTOL,
                                                         abs_tol=1.0):
        raise AssertionError(f"model objective {result.objective:,.2f} differs from the NPV recomputed from the "
                             f"plan {recomputed:,.2f}: the model and the cash flows disagree")


def _warm_values(previous: Plan) -> dict[str, float] | None:
    """MIP start from a previous plan of the same portfolio (matched by variable names)."""
    return previous.solve.get("values") if isinstance(previous.solve, dict) else None


def _no_plan(result: SolveResult, ins: Inputs) -> PlanningError:
    if result.status is SolveStatus.NO_SOLUTION:
        return PlanningError(result.status, f"no plan found within the time limit ({result.message})", result)
    if result.status is SolveStatus.INFEASIBLE:
        return PlanningError(result.status, f"portfolio {ins.portfolio.name} has no feasible plan", result)
    return PlanningError(result.status, f"solver {result.solver} failed: {result.message}", result)


__all__ = ["PlanningError", "Violation", "business_as_usual", "extract", "plan", "round_racks"]
