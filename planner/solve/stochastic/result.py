"""The stochastic plan as a user reads it: status, objective, bound, gap, the decisions to take
now, per-scenario NPVs and plans, and the value of the stochastic solution and of information.

- VSS = RP - EEV: RP the stochastic plan's objective, EEV the objective of the
  expected-value plan (the deterministic plan of the probability-weighted mean factors) with
  its first stage fixed in every scenario. VSS >= 0 up to the solves' gaps; EEV is -inf (VSS
  +inf) when that first stage leaves some scenario without a plan.
- EVPI = WS - RP: WS the wait-and-see objective (every scenario planned alone). EVPI >= 0 up
  to the gaps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner.inputs import Inputs
from planner.results.decisions import Decisions
from planner.results.outcome import Plan


@dataclass(frozen=True)
class Value:
    """A value of information or of the solution, with its inputs: value = minuend - subtrahend."""

    name: str
    value_usd: float
    minuend: tuple[str, float]
    subtrahend: tuple[str, float]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, infinities as None with the note saying why."""
        clean = lambda v: v if math.isfinite(v) else None  # noqa: E731
        return {
            "name": self.name,
            "value_usd": clean(self.value_usd),
            self.minuend[0]: clean(self.minuend[1]),
            self.subtrahend[0]: clean(self.subtrahend[1]),
            "note": self.note,
        }


def first_stage_tables(ins: Inputs, d: Decisions, decision: int) -> dict[str, pd.DataFrame]:
    """What the first stage decides, in the user's terms: ``offers`` (tenant offers signed to
    start before the decision period: start, renewals taken, IT MW) and ``sites`` (per site,
    at the last period before it: hall modules and hall IT MW in service, the IT MW converted
    since the start, CDUs, upgrades in service, self-operated racks bought so far)."""
    last = decision - 1
    offers = [
        {
            "tenant_id": ins.tenant.ids[k],
            "start": ins.time.label(int(start)) if start is not None else None,
            "renewals": d.renewals(k),
            "it_mw": float(ins.tenant.mw[k]),
            "committed": bool(ins.tenant.committed[k]),
        }
        for k, start in enumerate(d.tenant_start)
        if start is not None and start < decision
    ]
    hall_mw = d.halls * ins.hall.it_mw[None, :, None]
    upgrades = [[] for _ in ins.site.ids]  # type: list[list[str]]
    for u, uid in enumerate(ins.upgrade.ids):
        if d.upgrades[u, last] > 0:
            upgrades[int(ins.upgrade.site[u])].append(uid)
    sites = pd.DataFrame(
        {
            "site_id": ins.site.ids,
            "hall_modules": d.halls[:, :, last].sum(axis=1),
            "hall_it_mw": hall_mw[:, :, last].sum(axis=1),
            "converted_it_mw": hall_mw[:, :, last].sum(axis=1) - (ins.site.existing_halls * ins.hall.it_mw).sum(axis=1),
            "cdus": d.cdus[:, :, last].sum(axis=1),
            "upgrades": [", ".join(x) for x in upgrades],
            "gpu_racks_bought": d.gpu_racks[:, :, :decision].sum(axis=(1, 2)),
        }
    )
    columns = ["tenant_id", "start", "renewals", "it_mw", "committed"]
    return {"offers": pd.DataFrame(offers, columns=columns), "sites": sites}


@dataclass
class StochasticPlan:
    """A two-stage stochastic plan (see the module docstring and planner.solve.stochastic)."""

    status: str
    method: str
    objective_usd: float
    bound_usd: float | None
    decision_period: str
    scenario_ids: list[str]
    probabilities: np.ndarray
    plans: list[Plan]
    first_stage: dict[str, pd.DataFrame]
    vss: Value
    evpi: Value
    cvar_alpha: float | None = None
    cvar_weight: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """(bound - objective) / |objective|."""
        if self.bound_usd is None:
            return None
        return max(0.0, self.bound_usd - self.objective_usd) / max(1e-9, abs(self.objective_usd))

    @property
    def npv_usd(self) -> pd.Series:
        """NPV of each scenario's plan, by scenario id (recomputed from its cash flows)."""
        return pd.Series([p.npv_usd for p in self.plans], index=self.scenario_ids, name="npv_usd")

    @property
    def expected_npv_usd(self) -> float:
        """sum_s p_s NPV_s."""
        return float(self.probabilities @ self.npv_usd.to_numpy())

    @property
    def violations(self) -> dict[str, list[str]]:
        """The validator's findings per scenario (empty lists: every plan keeps every limit)."""
        return {i: [str(v) for v in p.violations] for i, p in zip(self.scenario_ids, self.plans)}

    def scenario_table(self) -> pd.DataFrame:
        """One row per scenario: probability, NPV, status, violations found."""
        return pd.DataFrame(
            {
                "scenario_id": self.scenario_ids,
                "probability": self.probabilities,
                "npv_usd": self.npv_usd.to_numpy(),
                "violations": [len(p.violations) for p in self.plans],
            }
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (the per-scenario plans as NPVs; each Plan has its own to_dict)."""
        return {
            "status": self.status,
            "method": self.method,
            "objective_usd": self.objective_usd,
            "bound_usd": self.bound_usd,
            "gap": self.gap,
            "expected_npv_usd": self.expected_npv_usd,
            "decision_period": self.decision_period,
            "cvar_alpha": self.cvar_alpha,
            "cvar_weight": self.cvar_weight,
            "vss": self.vss.to_dict(),
            "evpi": self.evpi.to_dict(),
            "first_stage": {k: v.to_dict(orient="records") for k, v in self.first_stage.items()},
            "scenarios": self.scenario_table().to_dict(orient="records"),
            "details": self.details,
        }
