"""Scenario sweeps: plan a portfolio under many futures, in parallel on Dask distributed.

- :mod:`~planner.sweep.factors`: the named factors (hashprice, lease rate, ...) and how each
  changes a portfolio; new ones are added with :func:`register_factor`.
- :mod:`~planner.sweep.scenarios`: scenario-set descriptors (one-at-a-time, grid, Monte Carlo).
- :mod:`~planner.sweep.expand`: sets expanded into scenarios; the CLI short form.
- :mod:`~planner.sweep.cache`: scenario hashes and the resumable result cache.
- :mod:`~planner.sweep.task`: what one task does on a worker.
- :mod:`~planner.sweep.execute`: the Dask client and :func:`sweep`.
- :mod:`~planner.sweep.outputs`, :mod:`~planner.sweep.stats`, :mod:`~planner.sweep.plots`: the table,
  its statistics and the files written.
- :mod:`~planner.sweep.stochastic`: :func:`plan_stochastic` (the two-stage plan of planner.solve.stochastic
  under a scenario set, on Dask) and :func:`evaluate_first_stage`.
- :mod:`~planner.sweep.cli`: :func:`run_sweep_cli`, which `dcplan sweep` wraps.
"""

from planner.sweep.cli import run_sweep_cli
from planner.sweep.execute import dask_client, sweep
from planner.sweep.expand import DEFAULT_DISTRIBUTIONS, Scenario, expand
from planner.sweep.factors import FACTORS, Factor, apply_factors, register_factor
from planner.sweep.scenarios import MAX_SAMPLES, load_scenario_set, scenario_set_from_dict
from planner.sweep.stochastic import evaluate_first_stage, plan_stochastic
from planner.sweep.task import PlanSettings

__all__ = [
    "DEFAULT_DISTRIBUTIONS",
    "FACTORS",
    "MAX_SAMPLES",
    "Factor",
    "PlanSettings",
    "Scenario",
    "apply_factors",
    "dask_client",
    "evaluate_first_stage",
    "expand",
    "load_scenario_set",
    "plan_stochastic",
    "register_factor",
    "run_sweep_cli",
    "scenario_set_from_dict",
    "sweep",
]
