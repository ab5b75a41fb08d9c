"""Solver adapters: solve a :class:`MatrixProblem` (or a ``pulp.LpProblem``) with HiGHS or CBC and
report an honest result."""

from solvers.base import (
    SolveOptions,
    Solver,
    SolveResult,
    SolverUnavailable,
    SolveStatus,
    available_solvers,
    get_solver,
)
from solvers.problem import MatrixProblem, from_pulp, to_pulp

__all__ = [
    "MatrixProblem",
    "SolveOptions",
    "SolveResult",
    "SolveStatus",
    "Solver",
    "SolverUnavailable",
    "available_solvers",
    "from_pulp",
    "get_solver",
    "to_pulp",
]
