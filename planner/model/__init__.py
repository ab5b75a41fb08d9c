"""The planning MILP, assembled from one module per concern (see each module's docstring).

Order matters only for data flow: mining and hpc create the load variables that power,
cooling and land bound, and finance assembles the objective from every module's terms.
"""

from __future__ import annotations

import logging
import time

from planner.inputs import Inputs
from planner.model.cooling import define_cooling
from planner.model.core import ConstraintInfo, Model, lin, values
from planner.model.finance import define_finance
from planner.model.hpc import define_hpc
from planner.model.land import define_land
from planner.model.mining import define_mining
from planner.model.power import define_power

logger = logging.getLogger(__name__)

__all__ = ["ConstraintInfo", "Model", "build_model", "lin", "values"]


def build_model(inputs: Inputs, mode: str = "plan", elastic: dict[str, float] | None = None,
                integer_gpus: bool = False, slack_scale: dict[str, float] | None = None) -> Model:
    """Build the MILP. mode "plan": every option open; "bau": business as usual, every site
    keeps mining with no new HPC (halls fixed at what exists, no tenants, no GPUs).
    `elastic` (family -> penalty per unit) relaxes those constraint families with penalised
    slack, `slack_scale` (family -> units per slack unit) keeps that slack well scaled."""
    if mode not in ("plan", "bau"):
        raise ValueError(f"mode must be 'plan' or 'bau', not {mode!r}")
    start = time.perf_counter()
    m = Model(inputs, mode, integer_gpus, elastic, slack_scale or {})
    define_mining(m)
    define_hpc(m)
    define_power(m)
    define_cooling(m)
    define_land(m)
    define_finance(m)
    m.build_seconds = time.perf_counter() - start
    logger.info("built %s model: %d variables, %d constraints in %.2f s", mode, len(m.prob.variables()),
                m.prob.numConstraints(), m.build_seconds)
    return m
