"""The two-stage stochastic plan of a portfolio under a scenario set, on Dask.

planner.solve.stochastic plans over given futures (portfolios); this module makes them from
a scenario set as a sweep does (:func:`~planner.sweep.execute.scenario_list`, the factors
applied by :func:`~planner.sweep.factors.apply_factors`, bad values refused first by
:func:`~planner.sweep.expand.preflight`), adds the expected-value future (every factor at its
probability-weighted mean; a factor a scenario leaves out is at its base value there), and
runs the scenario solves where the sweep would: on the client given, the scheduler at an
address, or, for progressive hedging, an embedded LocalCluster (:func:`~planner.sweep.execute.dask_client`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.describe.loading import Portfolio
from planner.inputs import prepare
from planner.results.outcome import Plan
from planner.solve.stochastic import (
    FIELD,
    DaskRunner,
    Future,
    HedgingSettings,
    LocalRunner,
    Runner,
    StochasticPlan,
    check_arguments,
    evaluate_plan,
    resolve_method,
    solve_stochastic,
)
from planner.solve.stochastic.stages import decision_period
from planner.sweep.execute import Scenarios, dask_client, scenario_list
from planner.sweep.expand import Scenario, preflight
from planner.sweep.factors import FACTORS, apply_factors


def plan_stochastic(
    portfolio: Portfolio,
    scenarios: Scenarios | str | Path,
    *,
    decision_date: Any = None,
    cvar_alpha: float | None = None,
    cvar_weight: float = 0.0,
    client: Any = None,
    method: str = "auto",
    probabilities: Sequence[float] | None = None,
    solver: str = "highs",
    gap: float = 1e-4,
    time_limit: float | None = None,
    hedging: HedgingSettings | None = None,
) -> StochasticPlan:
    """The two-stage stochastic plan of `portfolio` under `scenarios` (a scenario set, its file,
    or a list of factor values), as planner.solve.stochastic.solve_stochastic describes.

    `cvar_alpha`, `cvar_weight` default to the scenario set's ``risk`` (else risk-neutral);
    `client`: a Dask client, a scheduler address, or a planner.solve.stochastic.Runner
    (LocalRunner(): this process); default: an embedded LocalCluster for progressive hedging,
    this process for the deterministic equivalent. InputError (before anything is solved) for
    bad input; PlanningError when a scenario has no plan."""
    items, spec, label = scenario_list(portfolio, scenarios)
    risk = getattr(spec, "risk", None)
    if cvar_alpha is None and risk is not None:
        cvar_alpha, cvar_weight = risk.cvar_level, cvar_weight or risk.weight
    check_arguments(len(items), cvar_alpha, cvar_weight, method, probabilities, hedging)
    decision_period(prepare(portfolio), decision_date, FIELD)
    preflight(portfolio, items, label)
    p = np.full(len(items), 1.0 / len(items)) if probabilities is None else np.asarray(probabilities, dtype=float)
    futures = _futures(portfolio, items)
    expected = apply_factors(portfolio, mean_values(portfolio, items, p), "expected-value")
    chosen = resolve_method(method, futures[0].portfolio, len(futures))
    with runner_for(client, chosen) as runner:
        return solve_stochastic(
            futures,
            expected,
            decision_date=decision_date,
            cvar_alpha=cvar_alpha,
            cvar_weight=cvar_weight,
            runner=runner,
            method=chosen,
            probabilities=probabilities,
            solver=solver,
            gap=gap,
            time_limit=time_limit,
            hedging=hedging,
        )


def evaluate_first_stage(
    portfolio: Portfolio,
    plan: Plan | StochasticPlan,
    scenarios: Scenarios | str | Path,
    *,
    decision_date: Any = None,
    client: Any = None,
    solver: str = "highs",
    gap: float = 1e-4,
    time_limit: float | None = None,
) -> pd.DataFrame:
    """`plan`'s first stage fixed in every scenario of `scenarios` (planner.solve.stochastic.compare):
    one row per scenario with its factor values, ``npv_usd`` (NaN: no plan there) and ``status``.
    `client` as in plan_stochastic (default: this process)."""
    items, _, label = scenario_list(portfolio, scenarios)
    decision_period(prepare(portfolio), decision_date, FIELD)
    preflight(portfolio, items, label)
    with runner_for(client, "extensive") as runner:
        found = evaluate_plan(
            _futures(portfolio, items),
            plan,
            decision_date=decision_date,
            runner=runner,
            solver=solver,
            gap=gap,
            time_limit=time_limit,
        )
    factors = pd.DataFrame([s.values for s in items], index=found.index)
    return pd.concat([factors, found], axis=1)


def _futures(portfolio: Portfolio, items: list[Scenario]) -> list[Future]:
    return [Future(s.id, apply_factors(portfolio, s.values, s.id)) for s in items]


def mean_values(portfolio: Portfolio, items: list[Scenario], p: np.ndarray) -> dict[str, float]:
    """The probability-weighted mean of every factor (a factor a scenario leaves out is at its base there)."""
    names = sorted({n for s in items for n in s.values})
    base = {n: FACTORS[n].base(portfolio) for n in names}
    return {n: float(sum(pi * s.values.get(n, base[n]) for pi, s in zip(p, items))) for n in names}


@contextlib.contextmanager
def runner_for(client: Any, method: str) -> Iterator[Runner]:
    """Where scenario solves run: the given Runner or client (or the scheduler at an address), an
    embedded LocalCluster for progressive hedging, this process otherwise."""
    if isinstance(client, Runner):
        yield client
    elif isinstance(client, str):
        with dask_client(scheduler=client) as c:
            yield DaskRunner(c)
    elif client is not None:
        yield DaskRunner(client)
    elif method == "hedging":
        with dask_client() as c:
            yield DaskRunner(c)
    else:
        yield LocalRunner()
