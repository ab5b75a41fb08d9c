"""What one sweep task does on a worker: apply a scenario, plan, and reduce the plan to a record.

A record is plain JSON-able data (it is cached as a file and shipped back from the worker):
the scenario id, hash and factor values, the plan's status and, when the planner found no
plan or failed, the reason; the KPIs a sweep compares (NPV, NPV without the value after the
horizon when the planner reports it, IRR, HPC share of power), the HPC IT MW of each site in
the last period, the offers signed, and the wall and CPU time of the task (CPU well below wall: the
worker shared its core).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Any

import planner
from planner.describe.errors import InputError
from planner.describe.loading import Portfolio
from planner.sweep.expand import Scenario
from planner.sweep.factors import apply_factors


@dataclass(frozen=True)
class PlanSettings:
    """Planning options of every scenario. One solver thread each: a worker is one core."""

    solver: str = "highs"
    time_limit: float | None = None
    gap: float = 1e-3
    threads: int | None = 1

    def identity(self) -> dict[str, Any]:
        """The options that change a plan (threads do not): part of a scenario's hash."""
        d = asdict(self)
        d.pop("threads")
        return d


def run_scenario(
    portfolio: Portfolio, scenario: Scenario, scenario_hash: str, settings: PlanSettings
) -> dict[str, Any]:
    """Plan `portfolio` under `scenario`; never raises for a scenario's own failure.

    Status: the plan's (optimal, feasible), the planner's when it finds no plan (infeasible,
    no_solution, ...), ``invalid`` when the factors make the portfolio invalid, ``error`` for
    any other exception (its type and message are the reason)."""
    start, cpu = time.perf_counter(), time.process_time()
    record: dict[str, Any] = {
        "scenario_id": scenario.id,
        "hash": scenario_hash,
        "values": dict(scenario.values),
        "varied": scenario.varied,
        "status": "error",
        "reason": "",
    }
    try:
        pf = apply_factors(portfolio, scenario.values, scenario.id)
        result = planner.plan(
            pf,
            solver=settings.solver,
            time_limit=settings.time_limit,
            gap=settings.gap,
            threads=settings.threads,
            bau=False,
        )
        record.update(plan_record(result))
    except InputError as exc:
        record.update(status="invalid", reason=str(exc))
    except planner.PlanningError as exc:
        record.update(status=str(getattr(exc, "status", "error")), reason=str(exc))
    except Exception as exc:  # a scenario's failure must never stop the sweep: recorded, with its cause
        record.update(status="error", reason=f"{type(exc).__name__}: {exc}")
    record["solve_seconds"] = time.perf_counter() - start
    record["cpu_seconds"] = time.process_time() - cpu
    return record


def plan_record(result: Any) -> dict[str, Any]:
    """The figures a sweep keeps of one plan (see the module docstring)."""
    k = result.kpis()
    sp = result.frames()["site_period"]
    last = sp.groupby("site_id", sort=False)["hpc_it_mw"].last()
    violations = list(getattr(result, "violations", []) or [])
    return {
        "status": str(result.status),
        "reason": f"the validator found {len(violations)} violation(s): {violations[0]}" if violations else "",
        "npv_usd": _number(k.get("npv_usd")),
        "npv_without_terminal_usd": _number(k.get("npv_without_terminal_usd")),
        "irr_per_year": _number(k.get("irr_per_year")),
        "hpc_share_of_power": _number(k.get("hpc_share_of_power")),
        "hpc_it_mw_end": {str(s): float(v) for s, v in last.items()},
        "signed": [str(t) for t in k.get("tenants_signed", [])],
    }


def _number(x: Any) -> float | None:
    """A KPI as a float; None when absent or not a finite number (JSON has no NaN)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None
