"""A solved plan: the solver's facts, the decisions, and everything recomputed from them.

Nothing here reads the model: cash flows, KPIs and tables come from the decisions and the
inputs, so they are an independent check of what the solver maximised. A plan round-trips
through JSON (:meth:`Plan.to_json`, :meth:`Plan.from_json`) given the inputs it was made from.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from planner.inputs import Inputs
from planner.model.finance import STREAMS
from planner.results.cashflows import Flows, flows_by_class, npv_of
from planner.results.decisions import Decisions
from planner.results.funding import funding_kpis, ledger, objective_usd, waterfall
from planner.results.kpis import kpis
from planner.results.tables import cash_flow_table, procurement, site_period, tenants


@dataclass
class Plan:
    """A solved plan."""

    inputs: Inputs
    decisions: Decisions
    solve: dict[str, Any]  # status, solver, objective, bound, gap, seconds, message
    bau_npv_usd: float | None = None
    violations: list[Any] = field(default_factory=list)
    build_seconds: float = 0.0

    @cached_property
    def flows_by_class(self) -> Flows:
        """(stream, risk class) -> [S, T] undiscounted cash flow."""
        return flows_by_class(self.inputs, self.decisions)

    @cached_property
    def cash_flows(self) -> dict[str, np.ndarray]:
        """Stream -> [T] undiscounted cash flow."""
        out = {s: np.zeros(self.inputs.T) for s in STREAMS}
        for (stream, _), value in self.flows_by_class.items():
            out[stream] += value.sum(axis=0)
        return out

    @property
    def npv_usd(self) -> float:
        """NPV of the plan, recomputed from its cash flows (discounted by risk class)."""
        return npv_of(self.inputs, self.flows_by_class)

    @property
    def objective_usd(self) -> float:
        """What the plan maximised, recomputed: its NPV, or its equity NPV under ``objective: equity_npv``."""
        return objective_usd(self.inputs, self.decisions, self.flows_by_class)

    @property
    def status(self) -> str:
        """Solve status (optimal, feasible, ...), for the plan written."""
        return str(self.solve["status"])

    @property
    def gap(self) -> float | None:
        """(bound - NPV of this plan) / |NPV|: the solver's bound against the plan written."""
        bound = self.solve.get("bound")
        if bound is None:
            return None
        value = self.objective_usd
        return max(0.0, bound - value) / max(1e-9, abs(value))

    def kpis(self) -> dict[str, Any]:
        """NPV, IRR, payback, HPC shares, concentration, end state, capex (planner.results.kpis), and
        the funding figures (planner.results.funding)."""
        return {
            **kpis(self.inputs, self.decisions, self.flows_by_class, self.bau_npv_usd),
            **funding_kpis(self.inputs, self.decisions, self.flows_by_class),
        }

    def frames(self) -> dict[str, pd.DataFrame]:
        """site_period, tenants, cash_flows, procurement, and funding (the cash waterfall per operator
        and period) for a financed plan."""
        ins, d = self.inputs, self.decisions
        out = {
            "site_period": site_period(ins, d),
            "tenants": tenants(ins, d),
            "cash_flows": cash_flow_table(ins, self.cash_flows, self.flows_by_class),
            "procurement": self.procurement(),
        }
        book = ledger(ins, d, self.flows_by_class)
        if book is not None:
            out["funding"] = waterfall(ins, book)
        return out

    def procurement(self) -> pd.DataFrame:
        """What to order in which period."""
        return procurement(self.inputs, self.decisions)

    def to_dict(self) -> dict[str, Any]:
        """plan.json: solver facts, KPIs, end state per site, tenants, cash flows, decisions."""
        frames = self.frames()
        sp = frames["site_period"]
        end = sp[sp["period"] == self.inputs.time.labels[-1]]
        return _clean(
            {
                "portfolio": self.inputs.portfolio.name,
                "portfolio_file": None if self.inputs.portfolio.path is None else str(self.inputs.portfolio.path),
                "status": self.status,
                "objective_usd": self.objective_usd,
                "bound_usd": self.solve.get("bound"),
                "gap": self.gap,
                "first_solve_objective_usd": self.solve.get("first_solve_objective"),
                "solver": self.solve.get("solver"),
                "solver_version": self.solve.get("solver_version"),
                "solver_message": self.solve.get("message"),
                "solve_seconds": self.solve.get("solve_seconds"),
                "build_seconds": self.build_seconds,
                "violations": [str(v) for v in self.violations],
                "kpis": self.kpis(),
                "periods": self.inputs.time.labels,
                "sites": end.drop(columns=["period"]).to_dict(orient="records"),
                "tenants": frames["tenants"].to_dict(orient="records"),
                "cash_flows": frames["cash_flows"].to_dict(orient="list"),
                **({"funding": frames["funding"].to_dict(orient="records")} if "funding" in frames else {}),
                "decisions": self.decisions.to_dict(),
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        """plan.json as text."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str, inputs: Inputs) -> Plan:
        """Rebuild a plan from its JSON and the inputs it was made from."""
        data = json.loads(text)
        solve = {k: data.get(k) for k in ("status", "solver", "solver_version", "solve_seconds")}
        solve.update(
            objective=data.get("objective_usd"),
            bound=data.get("bound_usd"),
            first_solve_objective=data.get("first_solve_objective_usd"),
            message=data.get("solver_message"),
        )
        return cls(
            inputs,
            Decisions.from_dict(data["decisions"]),
            solve,
            data["kpis"].get("bau_npv_usd"),
            list(data.get("violations", [])),
            data.get("build_seconds", 0.0),
        )


def _clean(x: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to None."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, (np.floating, float)):
        v = float(x)
        return v if math.isfinite(v) else None
    if isinstance(x, np.bool_):
        return bool(x)
    return x
