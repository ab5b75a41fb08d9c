"""The validator's vocabulary: a violation, the registry of checks, and the comparison most
checks make (planner.results.validator holds the checks themselves)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from planner.inputs import Inputs
from planner.results.decisions import Decisions

TOL_MW = 1e-5
TOL_REL = 1e-6


@dataclass(frozen=True)
class Violation:
    """One limit a plan breaks."""

    check: str
    message: str
    site: str | None = None
    period: str | None = None
    tenant: str | None = None
    excess: float = 0.0

    def __str__(self) -> str:
        where = ", ".join(x for x in (self.tenant, self.site, self.period) if x)
        return f"{self.check} [{where}]: {self.message}"


Check = Callable[[Inputs, Decisions], list[Violation]]
CHECKS: dict[str, Check] = {}
"""check function name -> function; NAMES: the violation names each may report."""
NAMES: dict[str, tuple[str, ...]] = {}


def check(*names: str) -> Callable[[Check], Check]:
    """Register a check reporting violations named `names`."""

    def register(fn: Check) -> Check:
        CHECKS[fn.__name__] = fn
        NAMES[fn.__name__] = names
        return fn

    return register


def check_names() -> set[str]:
    """Every violation name the validator can report."""
    return {n for names in NAMES.values() for n in names}


def over(
    ins: Inputs, name: str, lhs: np.ndarray, rhs: np.ndarray, what: str, unit: str, tol: float = TOL_MW
) -> list[Violation]:
    """Violations where lhs > rhs (+ tol) on [S, T] arrays."""
    lhs, rhs = np.broadcast_to(lhs, (ins.S, ins.T)), np.broadcast_to(rhs, (ins.S, ins.T))
    return [
        Violation(
            name,
            f"{what} {lhs[s, t]:.4f} {unit} exceeds {rhs[s, t]:.4f} {unit}",
            ins.site.ids[s],
            ins.time.labels[t],
            excess=float(lhs[s, t] - rhs[s, t]),
        )
        for s, t in zip(*np.nonzero(lhs > rhs + tol + TOL_REL * np.abs(rhs)))
    ]
