"""HiGHS through highspy, driven directly rather than through ``pulp.HiGHS``.

A :class:`~solvers.problem.MatrixProblem` goes to HiGHS in one ``passModel`` call (its
CSR arrays as they are); a ``pulp.LpProblem`` is first turned into one
(:func:`~solvers.problem.from_pulp`) and its solution written back onto the PuLP variables
(``varValue``/``dj``) and constraints (``pi``/``slack``). PuLP's own adapter is not used:
it differs between PuLP 3 and 4 (PuLP 3 builds the model one element at a time, ignores
the objective constant and reports a time-limited solve as optimal). Status, objective,
bound and gap are read from HiGHS's own model status and info.
"""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np
import pulp

from solvers.base import SolveOptions, SolveResult, SolveStatus, error_result, make_result
from solvers.problem import MatrixProblem, from_pulp

log = logging.getLogger(__name__)

try:
    import highspy
except ImportError:  # pragma: no cover - exercised only where highspy is missing
    highspy = None  # type: ignore[assignment]


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
        "kTimeLimit kIterationLimit kSolutionLimit kInterrupt kHighsInterrupt kMemoryLimit "
        "kObjectiveBound kObjectiveTarget"
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
        """Whether highspy imports."""
        return highspy is not None

    def solve(self, problem: MatrixProblem | pulp.LpProblem, options: SolveOptions) -> SolveResult:
        """Solve `problem`; a PuLP problem also gets its solution written back onto it."""
        t0 = time.perf_counter()
        version = "unknown"
        try:
            pulp_parts = None
            if isinstance(problem, pulp.LpProblem):
                matrix, cols, rows = from_pulp(problem)
                pulp_parts = (cols, rows)
            else:
                matrix = problem
            h = _new_highs()
            version = h.version()
            self._configure(h, options, matrix)
            h.passModel(_highs_lp(matrix))
            if options.warm_start is not None:
                _set_start(h, matrix, options.warm_start)
            if options.progress is not None:
                _watch(h, options.progress, matrix.maximize)
            run_status = h.run()
            if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible and matrix.is_mip:
                # HiGHS 1.16's presolve has called feasible MIPs infeasible (found by the property
                # tests): confirm without it before telling a user there is no plan
                log.info("highs: infeasible; confirming with presolve off")
                h.setOptionValue("presolve", "off")
                h.clearSolver()
                run_status = h.run()
            return self._result(h, matrix, pulp_parts, options, version, t0, run_status)
        except Exception as exc:  # noqa: BLE001 - any solver failure is reported, not raised
            log.exception("highs: solve failed")
            return error_result(self.name, version, time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")

    @staticmethod
    def _configure(h, o: SolveOptions, matrix: MatrixProblem) -> None:
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
        for key, value in (o.highs_options or {}).items():
            h.setOptionValue(key, value)
        top = float(np.abs(matrix.cost).max(initial=0.0))
        if not matrix.is_mip and top > LP_COST_SCALE:
            # an LP with USD costs (up to ~1e7 per MW): HiGHS warns of excessive costs and its
            # simplex ran twice as fast (36 -> 19 s on the 100-site rung) with costs scaled to ~1e2
            h.setOptionValue("user_objective_scale", -int(np.floor(np.log2(top / LP_COST_SCALE))))

    def _result(self, h, matrix: MatrixProblem, pulp_parts, options, version, t0, run_status) -> SolveResult:
        model_status = h.getModelStatus()
        message = h.modelStatusToString(model_status)
        if run_status == highspy.HighsStatus.kError:
            message += " (HiGHS run returned an error; see its log)"
        kind = _status_map().get(model_status, "error")
        if kind == "infeasible_or_unbounded" or (kind == "unbounded" and matrix.is_mip):
            kind, message = _infeasible_or_unbounded(h, matrix.num_cols, message)
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        objective = bound = None
        x = None
        status = {
            "infeasible": SolveStatus.INFEASIBLE,
            "unbounded": SolveStatus.UNBOUNDED,
            "error": SolveStatus.ERROR,
        }.get(kind)
        if kind == "empty":  # no columns: only the objective constant, rows must hold at 0
            feasible = bool(np.all((matrix.row_lower <= 0) & (0 <= matrix.row_upper)))
            status = SolveStatus.OPTIMAL if feasible else SolveStatus.INFEASIBLE
            objective = bound = matrix.offset
            x = np.zeros(0)
        elif kind in ("optimal", "limit") or (kind == "error" and has_solution):
            if has_solution:
                status = SolveStatus.OPTIMAL if kind == "optimal" else SolveStatus.FEASIBLE
                objective = info.objective_function_value
                x = np.asarray(h.getSolution().col_value, dtype=float)
            else:
                status = SolveStatus.NO_SOLUTION if kind == "limit" else SolveStatus.ERROR
            if matrix.is_mip:
                bound = info.mip_dual_bound
            elif kind == "optimal":
                bound = objective  # an optimal LP proves its own objective
        values = _write_back(h, *pulp_parts) if pulp_parts is not None and x is not None and len(x) else {}
        result = make_result(
            status=status or SolveStatus.ERROR,
            solver=self.name,
            solver_version=version,
            maximize=matrix.maximize,
            objective=objective,
            bound=bound,
            rel_gap=options.rel_gap,
            solve_seconds=time.perf_counter() - t0,
            message=message,
            values=values,
            x=x,
        )
        if matrix.is_mip or kind != "optimal" or info.dual_solution_status != 2:  # 2: feasible
            return result
        return dataclasses.replace(result, row_dual=np.asarray(h.getSolution().row_dual, dtype=float))


def _highs_lp(p: MatrixProblem):
    """The HighsLp of a MatrixProblem (row-wise matrix, as built)."""
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = p.num_cols, p.num_rows
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = p.cost, p.col_lower, p.col_upper
    lp.row_lower_, lp.row_upper_ = p.row_lower, p.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = p.num_cols, p.num_rows
    lp.a_matrix_.start_ = p.starts.astype(np.int32)
    lp.a_matrix_.index_ = p.index.astype(np.int32)
    lp.a_matrix_.value_ = p.value
    lp.sense_ = highspy.ObjSense.kMaximize if p.maximize else highspy.ObjSense.kMinimize
    lp.offset_ = float(p.offset)
    if p.is_mip:
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(b)] for b in p.integer]
    return lp


def _set_start(h, p: MatrixProblem, warm_start) -> None:
    """Hand HiGHS a (possibly partial) MIP start: a column array (NaN: unknown) or names -> values."""
    if isinstance(warm_start, np.ndarray):
        idx = np.flatnonzero(~np.isnan(warm_start)).astype(np.int32)
        val = warm_start[idx].astype(np.float64)
    else:
        col_of = {name: j for j, name in enumerate(p.col_names())}
        unknown = sorted(set(warm_start) - set(col_of))
        if unknown:
            log.warning("highs: warm start ignores %d unknown variable(s), e.g. %s", len(unknown), unknown[:3])
        known = [(col_of[k], float(x)) for k, x in warm_start.items() if k in col_of]
        idx = np.array([j for j, _ in known], dtype=np.int32)
        val = np.array([x for _, x in known], dtype=np.float64)
    if not len(idx):
        return
    if h.setSolution(len(idx), idx, val) == highspy.HighsStatus.kError:
        log.warning("highs: warm start rejected")


def _watch(h, progress, maximize: bool) -> None:
    """Report the MIP search to `progress(event)` from HiGHS's logging and solution callbacks:
    event = {"elapsed_s", "objective" (incumbent), "bound", "gap"} in the problem's own sense."""
    cb = highspy.cb.HighsCallbackType

    def report(callback_type, message, data_out, data_in, user_data):  # noqa: ARG001 - HiGHS's signature
        objective = data_out.objective_function_value
        bound = data_out.mip_dual_bound
        finite = np.isfinite([objective, bound])
        gap = abs(bound - objective) / max(1e-9, abs(objective)) if finite.all() else None
        progress(
            {
                "elapsed_s": data_out.running_time,
                "objective": objective if finite[0] else None,
                "bound": bound if finite[1] else None,
                "gap": gap,
            }
        )

    h.setCallback(report, None)
    for kind in (cb.kCallbackMipImprovingSolution, cb.kCallbackMipLogging):
        h.startCallback(kind)


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
