"""dcplan: capacity planning for converting bitcoin-mining sites into AI/HPC datacenters.

The pipeline, one stage per subpackage, data flowing one way:

    describe (descriptors, YAML + geometry) -> inputs (arrays) -> model (MILP) -> results <- solve -> report

:func:`load_portfolio` reads descriptors, :func:`plan` builds, solves and validates, and returns
a :class:`Plan`.
"""

from importlib import import_module
from typing import Any

_WHERE = {
    "InputError": "planner.describe.errors",
    "Problem": "planner.describe.errors",
    "Portfolio": "planner.describe.loading",
    "load_portfolio": "planner.describe.loading",
    "portfolio_from_dict": "planner.describe.loading",
    "Plan": "planner.results.outcome",
    "plan": "planner.solve.planning",
    "PlanningError": "planner.solve.run",
}
"""Where each public name lives: imported on first use (PEP 562), so that `dcplan validate`
and the other light commands do not load the solver, pandas or the results."""


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


__all__ = [
    "InputError",
    "Plan",
    "PlanningError",
    "Portfolio",
    "Problem",
    "load_portfolio",
    "plan",
    "portfolio_from_dict",
]
__version__ = "0.1.0"
