"""A constraint family's registry entry (planner.model.registry) and the penalty scales of money
and land slack."""

from __future__ import annotations

from dataclasses import dataclass

from planner.model.algebra import Dims, canonical


@dataclass(frozen=True)
class Family:
    """One constraint family."""

    name: str
    bounds: str
    unit: str
    dims: Dims
    concern: str
    checks: tuple[str, ...]
    """validator checks that re-test it; "cash_flows" for rows that define a cash flow (re-tested
    by recomputing every stream); "definition" for rows defining a quantity the results derive
    from the decisions themselves; "valid_inequality" for rows implied by the others."""
    penalty: float | None = None
    slack_scale: float = 1.0


def _f(
    name: str,
    bounds: str,
    unit: str,
    dims: str,
    concern: str,
    checks: str,
    penalty: float | None = None,
    slack_scale: float = 1.0,
) -> Family:
    return Family(
        name, bounds, unit, canonical(tuple(dims.split())), concern, tuple(checks.split()), penalty, slack_scale
    )


M2 = 1.0 / 300.0
"""penalty per m2 of land or floor slack: 300 m2 cost as much as 1 MW of power slack (the
diagnosis then names the resource to add where one would do)."""
MONEY = 1e-7
"""penalty per USD of budget or concentration slack (carried in M USD, slack_scale 1e6: USD-sized
slack next to capex coefficients of 1e7 upset HiGHS's presolve)."""
