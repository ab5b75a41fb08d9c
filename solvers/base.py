"""Solver-neutral types, the honest-result rules and the solver registry.

Every adapter reports through :func:`make_result`, which owns the rules that keep a
result honest whatever the solver said: the bound must lie on the right side of the
objective, the gap is computed one way for every solver, and ``OPTIMAL`` is only
kept when that gap is within the requested ``rel_gap``.
"""

from __future__ import annotations

import importlib
import logging
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pulp

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from solvers.problem import MatrixProblem

log = logging.getLogger(__name__)

#: absolute objective gap always accepted as "proven" (HiGHS's default mip_abs_gap)
ABS_GAP_TOL = 1e-6


class SolveStatus(StrEnum):
    """Outcome of a solve, as users see it."""

    OPTIMAL = "optimal"  # proven within the requested gap
    FEASIBLE = "feasible"  # a solution exists but optimality is not proven
    NO_SOLUTION = "no_solution"  # stopped by a limit before finding any solution
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class SolveOptions:
    """What the caller asks of a solver."""

    time_limit_s: float | None = None
    rel_gap: float = 1e-4
    threads: int | None = None
    msg: bool = False  # solver log to stdout (HiGHS) or logging (CBC)
    warm_start: Mapping[str, float] | np.ndarray | None = None
    """MIP start: variable name -> value, or one value per column (NaN: not given)."""
    log_path: str | None = None  # where the solver log goes, if set
    lp_method: str | None = None  # HiGHS's LP algorithm: "simplex" | "ipm" (interior point, then crossover to
    # a vertex); CBC ignores it
    highs_options: Mapping[str, Any] | None = None
    """Further HiGHS options by name (e.g. {"mip_heuristic_effort": 0.1}); CBC ignores them."""
    progress: Callable[[dict[str, Any]], None] | None = None
    """Called during a HiGHS MIP search with {"elapsed_s", "objective", "bound", "gap"}."""

    def __post_init__(self) -> None:
        if self.time_limit_s is not None and not self.time_limit_s > 0:
            raise ValueError(f"time_limit_s must be > 0, got {self.time_limit_s}")
        if not 0 <= self.rel_gap < 1:
            raise ValueError(f"rel_gap must be in [0, 1), got {self.rel_gap}")
        if self.lp_method not in (None, "simplex", "ipm"):
            raise ValueError(f"lp_method must be 'simplex' or 'ipm', got {self.lp_method!r}")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")


@dataclass(frozen=True)
class SolveResult:
    """What a solve produced; objective and bound are in the problem's own sense."""

    status: SolveStatus
    solver: str  # "highs" | "cbc"
    solver_version: str
    objective: float | None
    bound: float | None  # >= objective for a max problem, <= for a min problem
    gap: float | None  # |bound - objective| / max(1e-9, |objective|); None when unknown
    solve_seconds: float
    message: str  # raw solver status text
    values: dict[str, float] = field(default_factory=dict, repr=False)
    """variable name -> value, for a PuLP problem (empty for a MatrixProblem: see `x`)."""
    x: np.ndarray | None = field(default=None, repr=False, compare=False)
    """one value per column of the problem solved (None without a solution)."""
    row_dual: np.ndarray | None = field(default=None, repr=False, compare=False)
    """an optimal LP's row duals, HiGHS's (d objective / d row activity, in the problem's sense; None otherwise)."""

    @property
    def has_solution(self) -> bool:
        """Whether the solve returned a solution (optimal or feasible)."""
        return self.status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)

    def to_dict(self) -> dict:
        """JSON-able summary, without the variable values."""
        return {
            "status": self.status.value,
            "solver": self.solver,
            "solver_version": self.solver_version,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "solve_seconds": self.solve_seconds,
            "message": self.message,
            "has_solution": self.has_solution,
        }


class SolverUnavailable(RuntimeError):
    """The requested solver is unknown or not installed."""


class Solver(Protocol):
    """What every adapter provides."""

    name: str

    def solve(self, problem: MatrixProblem | pulp.LpProblem, options: SolveOptions) -> SolveResult:
        """Solve `problem` with `options`; never raises for a solver failure."""
        ...


# ----------------------------------------------------------------------- helpers


def is_max(problem: pulp.LpProblem) -> bool:
    """Whether a PuLP problem maximises."""
    return problem.sense == pulp.LpMaximize


def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def make_result(
    *,
    status: SolveStatus,
    solver: str,
    solver_version: str,
    maximize: bool,
    objective: float | None,
    bound: float | None,
    rel_gap: float,
    solve_seconds: float,
    message: str,
    values: Mapping[str, float] | None = None,
    x: np.ndarray | None = None,
) -> SolveResult:
    """Build a result, enforcing the honesty rules.

    Without a solution there is no objective and no values. A bound on the wrong side
    of the objective beyond rounding is dropped as unknown. ``OPTIMAL`` whose gap is
    unknown or wider than ``rel_gap`` becomes ``FEASIBLE``.
    """
    has_solution = status in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)
    objective = _finite(objective) if has_solution else None
    bound = _finite(bound)
    if has_solution and objective is None:
        log.warning("%s reported %s without a finite objective: treated as an error", solver, status)
        status, has_solution, message = SolveStatus.ERROR, False, f"{message} (no objective value)"
    gap = None
    if objective is not None and bound is not None:
        slack = (bound - objective) if maximize else (objective - bound)  # >= 0 when consistent
        if slack < 0:
            if -slack <= ABS_GAP_TOL * max(1.0, abs(objective)):
                bound, slack = objective, 0.0  # rounding noise
            else:
                log.warning("%s bound %r is on the wrong side of objective %r: dropped", solver, bound, objective)
                bound = None
        if bound is not None:
            gap = slack / max(1e-9, abs(objective))
            proven = slack <= max(ABS_GAP_TOL, rel_gap * abs(objective)) * (1 + 1e-9)
            if status is SolveStatus.OPTIMAL and not proven:
                log.warning("%s said optimal but gap %.3g > rel_gap %.3g: reported as feasible", solver, gap, rel_gap)
                status, message = SolveStatus.FEASIBLE, f"{message} (gap {gap:.3g} > rel_gap {rel_gap:.3g})"
    if status is SolveStatus.OPTIMAL and bound is None:
        status, message = SolveStatus.FEASIBLE, f"{message} (bound unknown)"
    return SolveResult(
        status=status,
        solver=solver,
        solver_version=solver_version,
        objective=objective,
        bound=bound,
        gap=gap,
        solve_seconds=float(solve_seconds),
        message=message,
        values=dict(values) if has_solution and values else {},
        x=x if has_solution else None,
    )


def error_result(solver: str, solver_version: str, seconds: float, message: str) -> SolveResult:
    """A result for a solve that failed with an exception."""
    return SolveResult(SolveStatus.ERROR, solver, solver_version, None, None, None, float(seconds), message, {})


# ---------------------------------------------------------------------- registry

# name -> "module:Class"; imported lazily so a missing solver never breaks the package
_REGISTRY: dict[str, str] = {"highs": "solvers.highs:HighsSolver", "cbc": "solvers.cbc:CbcSolver"}


def _solver_class(name: str):
    module, cls = _REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), cls)


def available_solvers() -> list[str]:
    """Names of the solvers that can run here, preferred first."""
    return [name for name in _REGISTRY if _solver_class(name).available()]


def get_solver(name: str = "highs") -> Solver:
    """A solver by name: "highs", "cbc", or "auto" (HiGHS if highspy imports, else CBC)."""
    key = name.strip().lower()
    if key == "auto":
        found = available_solvers()
        if not found:
            raise SolverUnavailable("no MILP solver available: install highspy, or CBC with `pip install 'pulp[cbc]'`")
        key = found[0]
    if key not in _REGISTRY:
        raise SolverUnavailable(f"unknown solver {name!r}; choose one of: auto, {', '.join(_REGISTRY)}")
    cls = _solver_class(key)
    if not cls.available():
        raise SolverUnavailable(f"solver {key!r} is not available here: {cls.install_hint}")
    return cls()
