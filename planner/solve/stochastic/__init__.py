"""Two-stage stochastic planning: decisions before a decision date shared by every scenario,
recourse per scenario after it; expected NPV, optionally minus lambda x CVaR.

- :mod:`~planner.solve.stochastic.stages`: the decision period and the first-stage columns;
- :mod:`~planner.solve.stochastic.risk`: the objective and its CVaR term (sign conventions);
- :mod:`~planner.solve.stochastic.blocks`: scenario blocks and the deterministic equivalent;
- :mod:`~planner.solve.stochastic.tasks`: one scenario solve, in this process or on Dask;
- :mod:`~planner.solve.stochastic.hedging`: progressive hedging and its Lagrangian bound;
- :mod:`~planner.solve.stochastic.evaluate`: wait and see, a first stage evaluated, plans realised;
- :mod:`~planner.solve.stochastic.result`: the StochasticPlan, VSS and EVPI;
- :mod:`~planner.solve.stochastic.api`: :func:`solve_stochastic` over given futures;
- :mod:`~planner.solve.stochastic.compare`: :func:`evaluate_plan`, a plan's first stage in other futures.

planner.sweep.stochastic wraps both for scenario sets and Dask clients
(``planner.sweep.plan_stochastic``, ``planner.sweep.evaluate_first_stage``).
"""

from planner.solve.stochastic.api import (
    EXTENSIVE_MAX_COLUMNS,
    FIELD,
    METHODS,
    Future,
    check_arguments,
    resolve_method,
    solve_stochastic,
)
from planner.solve.stochastic.compare import evaluate_plan
from planner.solve.stochastic.hedging import HedgingSettings
from planner.solve.stochastic.result import StochasticPlan, Value
from planner.solve.stochastic.tasks import DaskRunner, LocalRunner, Runner

__all__ = [
    "EXTENSIVE_MAX_COLUMNS",
    "FIELD",
    "METHODS",
    "DaskRunner",
    "Future",
    "HedgingSettings",
    "LocalRunner",
    "Runner",
    "StochasticPlan",
    "Value",
    "check_arguments",
    "evaluate_plan",
    "resolve_method",
    "solve_stochastic",
]
