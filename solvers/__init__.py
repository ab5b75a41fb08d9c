"""Solver adapters: solve a ``pulp.LpProblem`` with HiGHS or CBC and report an honest result."""

from solvers.base import (
    SolveOptions,
    SolveResult,
    SolveStatus,
    Solver,
    SolverUnavailable,
    available_solvers,
    get_solver,
)

__all__ = [
    "SolveOptions",
    "SolveResult",
    "SolveStatus",
    "Solver",
    "SolverUnavailable",
    "available_solvers",
    "get_solver",
]
