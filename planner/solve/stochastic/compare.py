"""A plan's first stage judged in other futures: fixed, and the recourse planned in each.

Out-of-sample evaluation: the decisions a plan takes before the decision date (its offers
signed, halls, CDUs, upgrades, racks bought, market leases signed:
planner.solve.stochastic.stages) are fixed in every scenario of a set, the rest is planned per
scenario, and the NPV of each scenario's plan is recomputed from its cash flows. This is how a
deterministic base-case plan and a stochastic plan are compared on futures neither was made
for. The site conversion (``hosts``) follows from the halls and is left free.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from planner.model import build_model
from planner.results.outcome import Plan
from planner.solve.run import start_vector
from planner.solve.stochastic.api import FIELD, Future, scenario_model
from planner.solve.stochastic.blocks import scenario_block
from planner.solve.stochastic.evaluate import evaluate
from planner.solve.stochastic.result import StochasticPlan
from planner.solve.stochastic.risk import Risk
from planner.solve.stochastic.stages import decision_period, first_stage_columns
from planner.solve.stochastic.tasks import LocalRunner, Runner, TaskOptions
from planner.solve.whole_cdus import exact_problem


def evaluate_plan(
    futures: Sequence[Future],
    plan: Plan | StochasticPlan,
    *,
    decision_date: Any = None,
    runner: Runner | None = None,
    solver: str = "highs",
    gap: float = 1e-4,
    time_limit: float | None = None,
) -> pd.DataFrame:
    """One row per future: ``scenario_id``, ``npv_usd`` of the plan with `plan`'s first stage
    fixed (NaN where that first stage leaves the future without a plan) and ``status``.
    planner.sweep.evaluate_first_stage makes the futures from a scenario set."""
    models = [scenario_model(f.portfolio) for f in futures]
    base = plan.plans[0] if isinstance(plan, StochasticPlan) else plan
    own = build_model(base.inputs, "plan")
    d = decision_period(models[0].inputs, decision_date, FIELD)
    cols, _ = first_stage_columns(models + [own], d)
    x = start_vector(own, base.decisions)
    values = np.where(cols[-1] >= 0, x[np.maximum(cols[-1], 0)], 0.0)
    blocks = [scenario_block(exact_problem(m), cols[s], Risk()) for s, m in enumerate(models)]
    found = evaluate(models, blocks, values, runner or LocalRunner(), TaskOptions(solver, gap, time_limit, 1))
    return pd.DataFrame(
        {
            "scenario_id": [f.id for f in futures],
            "npv_usd": found.npv_usd,
            "status": [o.status for o in found.outcomes],
        }
    )
