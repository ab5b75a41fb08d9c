"""dcplan: capacity planning for converting bitcoin-mining sites into AI/HPC datacenters.

Pipeline (one direction): descriptors -> :func:`load_portfolio` -> inputs -> model -> solver
-> :class:`Plan` (validated) -> reports.
"""

from planner.describe.errors import InputError, Problem
from planner.describe.loading import Portfolio, load_portfolio, portfolio_from_dict
from planner.plan import Plan
from planner.planning import PlanningError, plan

__all__ = ["InputError", "Plan", "PlanningError", "Portfolio", "Problem", "load_portfolio", "plan", "portfolio_from_dict"]
__version__ = "0.1.0"
