"""CBC through PuLP's command-line adapter, with the status and bound read from CBC's log.

PuLP's own status is not enough: PuLP 3 reports a solve stopped by the time limit as
optimal, and neither version returns CBC's best bound in a version-independent way.
CBC always writes a log here (to ``log_path`` or a temporary file); these lines of it
are read (CBC 2.10 and the ``cbcbox`` "Devel" build print them alike):

* ``Version: 2.10.3`` - the solver version;
* ``Result - Optimal solution found`` / ``... (within gap tolerance)`` /
  ``Result - Stopped on time limit`` ... - why a MIP search ended;
* ``Optimal objective 11 - 1 iterations ...`` - a pure LP solved to optimality (no
  ``Result`` line is printed then);
* ``Cbc0011I Exiting as integer gap of 19.949316 less than 1e-10 or 5%`` - absolute
  gap when CBC stopped within its gap tolerance;
* ``Cbc0005I Partial search - best objective A (best possible B), ...`` - incumbent and
  bound when a limit stopped the search, in CBC's internal *minimisation* sense (a
  maximisation reaches CBC negated, with PuLP 3's ``-max`` and PuLP 4's negated MPS
  alike) and without the objective constant (``A`` is ``1e+50`` without incumbent).
  ``B > A`` happens when the limit interrupts the root cut loop: the bound is then
  unknown, whatever the summary lines below say;
* ``Objective value:`` with ``Lower bound:`` (min) or ``Upper bound:`` (PuLP 3's
  ``-max``) - fallback when ``Cbc0005I`` is missing (the "Devel" build prints the
  bound with 6 significant digits only);
* ``Problem is infeasible|unbounded``, ``Pre-processing says infeasible or unbounded``,
  ``LP relaxation stopped on time limit`` - the message when there is no ``Result``.
  CBC's "unbounded" (and pre-processing's "infeasible or unbounded") only speak of
  the relaxation, so a feasibility solve (zero objective) settles which it is.

The bound is then rebuilt around the exact objective of the returned solution
(objective -/+ the logged absolute gap), so signs and the objective constant never
depend on how PuLP handed the problem to CBC.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
import pulp

from solvers.base import SolveOptions, SolveResult, SolveStatus, error_result, is_max, make_result
from solvers.problem import MatrixProblem, to_pulp

log = logging.getLogger(__name__)

_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
_RE = {
    "version": re.compile(r"^Version:\s*(.+?)\s*$"),
    "build": re.compile(r"^Build Date:\s*(.+?)\s*$"),
    "result": re.compile(r"^Result - (.+?)\s*$"),
    "lp_optimal": re.compile(r"^Optimal objective\s+" + _NUM),
    "int_gap": re.compile(r"Exiting as integer gap of\s+" + _NUM),
    "partial": re.compile(r"Partial search - best objective\s+" + _NUM + r"\s+\(best possible\s+" + _NUM + r"\)"),
    "obj_value": re.compile(r"^Objective value:\s+" + _NUM),
    "obj_bound": re.compile(r"^(?:Lower|Upper) bound:\s+" + _NUM),
    "other": re.compile(
        r"^(Problem is (?:infeasible|unbounded).*|LP relaxation stopped.*|Pre-processing says.*|Stopped.*)$"
    ),
}
_NO_INCUMBENT = 1e49  # CBC prints 1e+50 for "no solution yet"


@dataclass
class CbcLog:
    """What the CBC log says about one solve."""

    version: str = "unknown"
    result: str | None = None  # text after "Result - "
    other: str | None = None  # last status-like line outside a MIP search
    lp_optimal: bool = False
    int_gap: float | None = None  # absolute, from Cbc0011I
    partial: tuple[float, float] | None = None  # (incumbent, bound), internal min sense
    obj_value: float | None = None
    obj_bound: float | None = None

    @classmethod
    def parse(cls, text: str) -> CbcLog:
        """Read the lines of a CBC log listed in the module docstring."""
        out, build = cls(), None
        for raw in text.splitlines():
            line = raw.strip()
            for key, rx in _RE.items():
                m = rx.search(line)
                if not m:
                    continue
                if key == "version":
                    out.version = m.group(1)
                elif key == "build":
                    build = m.group(1)
                elif key == "result":
                    out.result = m.group(1)
                elif key == "other":
                    out.other = m.group(1)
                elif key == "lp_optimal":
                    out.lp_optimal = True
                elif key == "partial":
                    out.partial = (float(m.group(1)), float(m.group(2)))
                else:
                    setattr(out, key, float(m.group(1)))
                break
        if build:
            out.version = f"{out.version} ({build})"
        return out

    @property
    def says_optimal(self) -> bool:
        """Whether CBC says it proved optimality."""
        if self.result is not None:
            return self.result.startswith("Optimal")
        return self.lp_optimal

    @property
    def message(self) -> str:
        """CBC's own words for why the solve ended."""
        return self.result or ("Optimal" if self.lp_optimal else None) or self.other or "no status in CBC log"

    def abs_gap(self) -> float | None:
        """Absolute incumbent-bound distance the log proves, when a solution was found."""
        if self.partial and self.partial[0] < _NO_INCUMBENT:
            incumbent, best_possible = self.partial
            gap = incumbent - best_possible
            if gap < -1e-6 * max(1.0, abs(incumbent)):
                # seen when the time limit interrupts the root cut loop: "best possible
                # 1.697111e+08" for an incumbent of -2426.9, summed up as "Gap: 0"
                log.info("cbc: best possible %r beyond incumbent %r: bound unknown", best_possible, incumbent)
                return None
            return max(0.0, gap)
        if self.int_gap is not None:
            return abs(self.int_gap)
        if self.obj_value is not None and self.obj_bound is not None:
            return abs(self.obj_value - self.obj_bound)
        return None


def _command_class():
    """PuLP's CBC adapter: COIN_CMD (PuLP 4 with ``pulp[cbc]``, or cbc on PATH), else PuLP 3's bundled binary."""
    for name in ("COIN_CMD", "PULP_CBC_CMD"):
        cls = getattr(pulp, name, None)
        if cls is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3 deprecates PULP_CBC_CMD
            if cls(msg=False).available():
                return cls
    return None


def _pulp_outcome(ret, problem) -> tuple[str, bool]:
    """PuLP's verdict as (kind, has_solution); kind: optimal|limit|infeasible|unbounded|error."""
    if hasattr(ret, "has_solution"):  # PuLP 4: LpSolveStats
        S = pulp.LpSolveStatus
        kind = {
            S.Optimal: "optimal",
            S.GapLimit: "optimal",  # CBC stopped within its gap tolerance
            S.Infeasible: "infeasible",
            S.Unbounded: "unbounded",
            S.Undefined: "error",
            S.NotSolved: "error",
            S.NumericalError: "error",
        }.get(ret.status, "limit")
        return kind, bool(ret.has_solution)
    # PuLP 3: a stopped solve with an incumbent is LpStatusOptimal + LpSolutionIntegerFeasible
    has_solution = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    kind = {
        pulp.LpStatusOptimal: "optimal" if problem.sol_status == pulp.LpSolutionOptimal else "limit",
        pulp.LpStatusNotSolved: "limit",
        pulp.LpStatusInfeasible: "infeasible",
        pulp.LpStatusUnbounded: "unbounded",
    }.get(problem.status, "error")
    return kind, has_solution


class CbcSolver:
    """MILP/LP solves with COIN-OR CBC, through PuLP."""

    name = "cbc"
    install_hint = "install CBC with `pip install 'pulp[cbc]'` (PuLP 4), or use PuLP 3's bundled CBC"

    @staticmethod
    def available() -> bool:
        """Whether a CBC binary can run here."""
        return _command_class() is not None

    def solve(self, problem: MatrixProblem | pulp.LpProblem, options: SolveOptions) -> SolveResult:
        """Solve `problem` (a MatrixProblem through the PuLP problem built from its arrays)."""
        t0 = time.perf_counter()
        from_matrix = isinstance(problem, MatrixProblem)
        try:
            if isinstance(problem, MatrixProblem):
                problem, cols = to_pulp(problem)
            else:
                problem.checkDuplicateVars()  # values are keyed by name
                exported = getattr(problem, "exported_variables", None)  # PuLP 4 lists unused variables too
                cols = list(exported() if exported is not None else problem.variables())
            if options.warm_start is not None and len(options.warm_start):
                _set_start(cols, options.warm_start)
            kind, has_solution, cbc_log = self._run(problem, options)
            if kind == "unbounded" or (kind == "infeasible" and "infeasible or unbounded" in cbc_log.message):
                kind, note = self._settle_unbounded(problem, options)
                cbc_log.other, cbc_log.result = f"{cbc_log.message}: {note}", None
        except Exception as exc:  # noqa: BLE001 - any solver failure is reported, not raised
            log.exception("cbc: solve failed")
            return error_result(self.name, "unknown", time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")
        result = self._result(problem, cols, kind, has_solution, cbc_log, options, time.perf_counter() - t0)
        if from_matrix:
            result = replace(result, values={})
        return result

    def _run(self, problem, options: SolveOptions) -> tuple[str, bool, CbcLog]:
        """One CBC solve through PuLP; returns PuLP's (kind, has_solution) and the parsed log."""
        with contextlib.ExitStack() as stack:
            log_path = options.log_path
            if not log_path:
                fd, log_path = tempfile.mkstemp(prefix="dcplan-cbc-", suffix=".log")
                os.close(fd)
                stack.callback(os.remove, log_path)
            cmd = self._command(options, log_path)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    ret = problem.solve(cmd)
            finally:
                cbc_log = _read_log(log_path, options.msg)
        return (*_pulp_outcome(ret, problem), cbc_log)

    def _settle_unbounded(self, problem, options: SolveOptions) -> tuple[str, str]:
        """CBC's "unbounded" only covers the relaxation: solve for feasibility alone to decide."""
        probe = problem.copy()
        probe.objective = None
        probe_options = replace(options, warm_start=None, log_path=None)
        kind, has_solution, _ = self._run(probe, probe_options)
        if has_solution:
            return "unbounded", "feasible, so unbounded"
        if kind == "infeasible":
            return "infeasible", "feasibility check: infeasible"
        return "error", f"infeasible or unbounded (feasibility check ended: {kind})"

    @staticmethod
    def _command(o: SolveOptions, log_path: str):
        cls = _command_class()
        if cls is None:
            raise RuntimeError("CBC is not available")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return cls(
                msg=False,  # the log goes to log_path; with msg it is replayed to logging
                timeLimit=o.time_limit_s,
                gapRel=o.rel_gap,
                threads=o.threads,
                warmStart=o.warm_start is not None and len(o.warm_start) > 0,
                logPath=log_path,
            )

    def _result(self, problem, cols, kind, has_solution, cbc_log: CbcLog, options, seconds) -> SolveResult:
        maximize = is_max(problem)
        objective = bound = None
        values: dict[str, float] = {}
        x = None
        if kind == "infeasible":
            status = SolveStatus.INFEASIBLE
        elif kind == "unbounded":
            status = SolveStatus.UNBOUNDED
        elif has_solution:
            # OPTIMAL needs PuLP and CBC's own log to agree: PuLP 3 calls a time-limited solve optimal
            status = SolveStatus.OPTIMAL if kind == "optimal" and cbc_log.says_optimal else SolveStatus.FEASIBLE
            objective = _objective_value(problem)
            values = {v.name: v.varValue for v in cols}
            x = np.array([0.0 if v.varValue is None else v.varValue for v in cols], dtype=float)
            gap = 0.0 if status is SolveStatus.OPTIMAL and cbc_log.int_gap is None else cbc_log.abs_gap()
            if gap is not None and objective is not None:
                bound = objective + gap if maximize else objective - gap
        elif kind == "limit":
            # CBC's "best possible" is not reported here: without an incumbent nothing
            # checks it, and it can be garbage when a limit interrupts the root cut loop
            status = SolveStatus.NO_SOLUTION
        else:
            status = SolveStatus.ERROR
        return make_result(
            status=status,
            solver=self.name,
            solver_version=cbc_log.version,
            maximize=maximize,
            objective=objective,
            bound=bound,
            rel_gap=options.rel_gap,
            solve_seconds=seconds,
            message=cbc_log.message,
            values=values,
            x=x,
        )


def _objective_value(problem) -> float | None:
    """Objective at the variables' values; zero terms ignored (PuLP 3 leaves a valueless
    ``__dummy`` in a constant objective, which makes ``pulp.value`` return None)."""
    expr = problem.objective
    if expr is None:
        return 0.0
    total = float(expr.constant)
    for v, a in expr.items():
        if a != 0:
            if v.varValue is None:
                return None
            total += a * v.varValue
    return total


def _set_start(cols, warm_start) -> None:
    """Put a MIP start on the variables; PuLP writes it for CBC (``warmStart=True``): one
    value per column (NaN: not given) or variable name -> value.

    Variables not given keep their current ``varValue`` (0 when unset): PuLP hands
    CBC a value for every column.
    """
    if isinstance(warm_start, np.ndarray):
        for v, x in zip(cols, warm_start):
            if not np.isnan(x):
                v.varValue = float(x)
        return
    names = set()
    for v in cols:
        if v.name in warm_start:
            v.varValue = float(warm_start[v.name])
            names.add(v.name)
    unknown = sorted(set(warm_start) - names)
    if unknown:
        log.warning("cbc: warm start ignores %d unknown variable(s), e.g. %s", len(unknown), unknown[:3])


def _read_log(path: str, replay: bool) -> CbcLog:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return CbcLog()
    if replay:
        for line in text.splitlines():
            log.info("cbc: %s", line)
    return CbcLog.parse(text)
