"""HiGHS through highspy, driven directly rather than through ``pulp.HiGHS``.

PuLP's own adapter differs between PuLP 3 and 4 (PuLP 3 builds the model one element
at a time, ignores the objective constant and reports a time-limited solve as
optimal), so this module builds the HiGHS model in bulk from the ``LpProblem``, reads
HiGHS's own model status and info, and writes the solution back onto the PuLP
variables (``varValue``/``dj``) and constraints (``pi``/``slack``) itself.
"""

from __future__ import annotations

import logging
import operator
import time

import numpy as np
import pulp

from solvers.base import SolveOptions, SolveResult, SolveStatus, error_result, is_max, make_result, problem_columns

log = logging.getLogger(__name__)

try:
    import highspy
except ImportError:  # pragma: no cover - exercised only where highspy is missing
    highspy = None


LP_COST_SCALE = 100.0
"""LPs get HiGHS's power-of-two objective scaling down to about this largest cost."""


def _new_highs():
    """A silent Highs instance.

    ``highspy.Highs()`` prints the HiGHS banner to stdout while it is constructed,
    before output can be switched off; the bare binding class does not.
    """
    raw = getattr(getattr(highspy, "_core", None), "_Highs", None)
    h = raw() if raw is not None else highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


_scheduler_threads: int | None = None  # size this module last gave HiGHS's process-wide thread pool


def _use_threads(threads: int) -> None:
    """HiGHS refuses a ``threads`` option that differs from its running pool: rebuild the pool."""
    global _scheduler_threads
    if threads != _scheduler_threads:
        cls = getattr(getattr(highspy, "_core", None), "_Highs", None) or highspy.Highs
        reset = getattr(cls, "resetThreadScheduler", None) or cls.resetGlobalScheduler
        reset(True)
        _scheduler_threads = threads


def _status_map() -> dict:
    M = highspy.HighsModelStatus
    limits = (
        "kTimeLimit kIterationLimit kSolutionLimit kInterrupt kHighsInterrupt kMemoryLimit kObjectiveBound kObjectiveTarget"
    )
    table = {M.kOptimal: "optimal", M.kInfeasible: "infeasible", M.kUnbounded: "unbounded"}
    table.update({getattr(M, n): "limit" for n in limits.split() if hasattr(M, n)})
    table[M.kUnboundedOrInfeasible] = "infeasible_or_unbounded"
    table[M.kModelEmpty] = "empty"
    return table  # anything else (load/presolve/solve errors, kUnknown, kNotset): "error"


class HighsSolver:
    """MILP/LP solves with HiGHS (highspy)."""

    name = "highs"
    install_hint = "install highspy (`pip install highspy`)"

    @staticmethod
    def available() -> bool:
        return highspy is not None

    def solve(self, problem: pulp.LpProblem, options: SolveOptions) -> SolveResult:
        t0 = time.perf_counter()
        version = "unknown"
        try:
            h = _new_highs()
            version = h.version()
            self._configure(h, options)
            cols, rows, is_mip = _build(h, problem)
            if options.warm_start:
                _set_start(h, cols, options.warm_start)
            t_run = time.perf_counter()
            run_status = h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
                # HiGHS 1.16's presolve has called feasible MIPs infeasible (found by the property
                # tests): confirm without it before telling a user there is no plan
                log.info("highs: infeasible; confirming with presolve off")
                h.setOptionValue("presolve", "off")
                h.clearSolver()
                run_status = h.run()
            log.debug("highs: built in %.3fs, ran in %.3fs", t_run - t0, time.perf_counter() - t_run)
            return self._result(h, problem, cols, rows, is_mip, options, version, t0, run_status)
        except Exception as exc:  # noqa: BLE001 - any solver failure is reported, not raised
            log.exception("highs: solve failed")
            return error_result(self.name, version, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")

    @staticmethod
    def _configure(h, o: SolveOptions) -> None:
        if o.msg or o.log_path:
            h.setOptionValue("output_flag", True)
            h.setOptionValue("log_to_console", bool(o.msg))
        if o.log_path:
            open(o.log_path, "w").close()  # HiGHS appends; keep one solve per log, as for CBC
            h.setOptionValue("log_file", str(o.log_path))
        if o.time_limit_s is not None:
            h.setOptionValue("time_limit", float(o.time_limit_s))
        h.setOptionValue("mip_rel_gap", float(o.rel_gap))
        if o.lp_method is not None:
            h.setOptionValue("solver", o.lp_method)
        if o.threads is not None:
            h.setOptionValue("threads", int(o.threads))
            _use_threads(int(o.threads))

    def _result(self, h, problem, cols, rows, is_mip, options, version, t0, run_status) -> SolveResult:
        model_status = h.getModelStatus()
        message = h.modelStatusToString(model_status)
        if run_status == highspy.HighsStatus.kError:
            message += " (HiGHS run returned an error; see its log)"
        kind = _status_map().get(model_status, "error")
        if kind == "infeasible_or_unbounded" or (kind == "unbounded" and is_mip):
            kind, message = _infeasible_or_unbounded(h, len(cols), message)
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        objective = bound = None
        values: dict[str, float] = {}
        status = {
            "infeasible": SolveStatus.INFEASIBLE,
            "unbounded": SolveStatus.UNBOUNDED,
            "error": SolveStatus.ERROR,
        }.get(kind)
        if kind == "empty":  # no columns: only the objective constant, rows must hold at 0
            feasible = all(lb <= 0 <= ub for lb, ub in map(_row_bounds, rows))
            status = SolveStatus.OPTIMAL if feasible else SolveStatus.INFEASIBLE
            objective = bound = _objective_constant(problem)
        elif kind in ("optimal", "limit") or (kind == "error" and has_solution):
            if has_solution:
                status = SolveStatus.OPTIMAL if kind == "optimal" else SolveStatus.FEASIBLE
                objective = info.objective_function_value
                values = _write_back(h, cols, rows)
            else:
                status = SolveStatus.NO_SOLUTION if kind == "limit" else SolveStatus.ERROR
            if is_mip:
                bound = info.mip_dual_bound
            elif kind == "optimal":
                bound = objective  # an optimal LP proves its own objective
        return make_result(
            status=status,
            solver=self.name,
            solver_version=version,
            maximize=is_max(problem),
            objective=objective,
            bound=bound,
            rel_gap=options.rel_gap,
            solve_seconds=time.perf_counter() - t0,
            message=message,
            values=values,
        )


def _objective_constant(problem) -> float:
    return float(problem.objective.constant) if problem.objective is not None else 0.0


def _row_bounds(c) -> tuple[float, float]:
    """(lower, upper) of a constraint row; PuLP keeps the right-hand side as ``-constant``."""
    sense, rhs = c.sense, -c.constant
    return (-np.inf if sense == pulp.LpConstraintLE else rhs), (np.inf if sense == pulp.LpConstraintGE else rhs)


def _var_key(cols):
    """Cheapest identity of a variable: PuLP 4 wraps its Rust variables afresh on every
    access (stable ``.id``); PuLP 3 hands out the same Python objects (``id()``)."""
    return operator.attrgetter("id") if cols and hasattr(type(cols[0]), "id") else id


def _build(h, problem) -> tuple[list, list, bool]:
    """Pass the problem to HiGHS with one addCols and one addRows call."""
    problem.checkDuplicateVars()  # values are keyed by name
    cols = problem_columns(problem)
    rows = list(problem.constraints())
    key = _var_key(cols)
    col_of = {key(v): j for j, v in enumerate(cols)}
    n = len(cols)

    objective = problem.objective
    cost = np.zeros(n)
    if objective is not None:
        for v, a in objective.items():
            cost[col_of[key(v)]] += a
    inf = np.inf
    lower = np.array([-inf if v.lowBound is None else v.lowBound for v in cols], dtype=np.float64)
    upper = np.array([inf if v.upBound is None else v.upBound for v in cols], dtype=np.float64)
    integer = np.array([j for j, v in enumerate(cols) if v.cat == pulp.LpInteger], dtype=np.int32)
    no_int = np.zeros(0, dtype=np.int32)
    h.addCols(n, cost, lower, upper, 0, no_int, no_int, np.zeros(0))
    if len(integer):
        h.changeColsIntegrality(len(integer), integer, np.full(len(integer), highspy.HighsVarType.kInteger))
    if is_max(problem):
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.changeObjectiveOffset(float(objective.constant) if objective is not None else 0.0)
    top = float(np.abs(cost).max(initial=0.0))
    if not len(integer) and top > LP_COST_SCALE:
        # an LP with USD costs (up to ~1e7 per MW): HiGHS warns of excessive costs and its
        # simplex ran twice as fast (36 -> 19 s on the 100-site rung) with costs scaled to ~1e2
        h.setOptionValue("user_objective_scale", -int(np.floor(np.log2(top / LP_COST_SCALE))))

    starts: list[int] = []
    index: list[int] = []
    coef: list[float] = []
    for c in rows:
        starts.append(len(index))
        for v, a in c.items():
            if a != 0:
                index.append(col_of[key(v)])
                coef.append(a)
    lower_row, upper_row = zip(*map(_row_bounds, rows)) if rows else ((), ())
    h.addRows(
        len(rows),
        np.array(lower_row, dtype=np.float64),
        np.array(upper_row, dtype=np.float64),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(coef, dtype=np.float64),
    )
    return cols, rows, bool(len(integer))


def _set_start(h, cols, warm_start: dict[str, float]) -> None:
    """Hand HiGHS a (possibly partial) MIP start keyed by variable name."""
    col_of = {v.name: j for j, v in enumerate(cols)}
    unknown = sorted(set(warm_start) - set(col_of))
    if unknown:
        log.warning("highs: warm start ignores %d unknown variable(s), e.g. %s", len(unknown), unknown[:3])
    known = [(col_of[k], float(x)) for k, x in warm_start.items() if k in col_of]
    if not known:
        return
    idx = np.array([j for j, _ in known], dtype=np.int32)
    val = np.array([x for _, x in known], dtype=np.float64)
    try:
        status = h.setSolution(len(idx), idx, val)
    except TypeError:  # highspy before the sparse overload
        log.warning("highs: this highspy cannot take a partial start; warm start skipped")
        return
    if status == highspy.HighsStatus.kError:
        log.warning("highs: warm start rejected")


def _infeasible_or_unbounded(h, n_cols: int, message: str) -> tuple[str, str]:
    """Settle HiGHS's "infeasible or unbounded" by solving for feasibility alone."""
    h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), np.zeros(n_cols))
    h.run()
    settled = h.getModelStatus()
    M = highspy.HighsModelStatus
    if settled == M.kOptimal:
        return "unbounded", f"{message}: feasible, so unbounded"
    if settled == M.kInfeasible:
        return "infeasible", f"{message}: infeasible"
    return "error", f"{message}: feasibility check ended {h.modelStatusToString(settled)}"


def _write_back(h, cols, rows) -> dict[str, float]:
    """Put HiGHS's solution on the PuLP objects; return variable name -> value."""
    sol = h.getSolution()
    col_value, col_dual = list(sol.col_value), list(sol.col_dual)
    row_value, row_dual = list(sol.row_value), list(sol.row_dual)
    for v, x, d in zip(cols, col_value, col_dual):
        v.varValue = x
        v.dj = d
    for c, activity, pi in zip(rows, row_value, row_dual):
        slack = c.constant + activity  # PuLP keeps the constant on the left-hand side
        c.slack = -slack if c.sense == pulp.LpConstraintLE else slack
        c.pi = pi
    return {v.name: v.varValue for v in cols}
