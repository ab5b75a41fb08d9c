"""dcplan: capacity planning for converting bitcoin-mining sites into AI/HPC datacenters.

The pipeline, one stage per subpackage, data flowing one way:

    describe (descriptors, YAML + geometry) -> inputs (arrays) -> model (MILP) -> results <- solve -> report

:func:`load_portfolio` reads descriptors, :func:`plan` builds, solves and validates, and returns
a :class:`Plan`.
"""

from planner.describe.errors import InputError, Problem
from planner.describe.loading import Portfolio, load_portfolio, portfolio_from_dict
from planner.results.outcome import Plan
from planner.solve.planning import plan
from planner.solve.run import PlanningError

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
