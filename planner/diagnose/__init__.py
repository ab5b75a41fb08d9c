"""Why a portfolio has no feasible plan, in the engineer's terms.

Elastic re-solve: the constraint families the registry gives a penalty (power, interconnect,
hall capacity, cooling, land, tenant delivery, budget, concentration) get a slack variable per
row, land and power become constraints instead of bounds on halls, and the model minimises
sum_i w_i slack_i. Capacity slack (per MW, per 300 m2, per 10 M USD) is cheaper than an
undelivered tenant MW (x10), so the diagnosis names the site resource to add where one would
do, and the tenant shortfall only where no site can help. The non-zero slacks, grouped by
family, site and tenant over runs of periods, are the shortfalls (planner.diagnose.hints adds
what the descriptors say about each). Money slacks are carried in M USD (the family's slack
scale): a penalty of 1e-7 per USD next to capex coefficients of 1e7 is badly scaled enough for
HiGHS's presolve to return a plan that is not the cheapest repair.
"""

from __future__ import annotations

import logging

import numpy as np

from planner.describe.loading import Portfolio
from planner.diagnose.hints import SLACK_TOL, hints, tenants_needing
from planner.diagnose.shortfalls import Diagnosis, Shortfall
from planner.inputs import Inputs, prepare
from planner.model import Model, build_model
from planner.model.registry import FAMILIES, penalties, slack_scales
from solvers import SolveOptions, get_solver

logger = logging.getLogger(__name__)


def elastic_model(ins: Inputs) -> Model:
    """The plan model with every family that has a penalty relaxed by penalised slack."""
    return build_model(ins, "plan", elastic=penalties(), slack_scale=slack_scales())


def diagnose(portfolio: Portfolio, solver: str = "highs", time_limit: float | None = 120.0) -> Diagnosis:
    """Elastic re-solve of the portfolio; the shortfalls that the cheapest repair needs."""
    ins = prepare(portfolio)
    model = elastic_model(ins)
    result = get_solver(solver).solve(model.problem, SolveOptions(time_limit_s=time_limit, rel_gap=1e-6))
    if not result.has_solution or result.x is None:
        logger.error("elastic model did not solve: %s", result.message)
        return Diagnosis(
            portfolio.name,
            [Shortfall("unknown", f"elastic model: {result.message}", None, None, [], 0.0, "")],
            result.status.value,
        )
    groups = _slack_groups(model, result.x)
    leases = model.leases.lease.value(result.x) + model.leases.renewal.value(result.x)
    shortfalls = []
    for (family, site, tenant, operator), items in groups.items():
        items.sort()
        t_short = sorted({t for t, _ in items if t >= 0})
        info = FAMILIES[family]
        sf = Shortfall(
            family,
            info.bounds,
            site,
            tenant,
            [ins.time.labels[t] for t in t_short],
            max(v for _, v in items),
            info.unit,
            operator=operator,
        )
        sf.tenants = tenants_needing(ins, sf, t_short, leases)
        sf.hints = hints(ins, sf, t_short)
        shortfalls.append(sf)
    shortfalls.sort(
        key=lambda s: (
            -(FAMILIES[s.family].penalty or 0.0) * s.max_amount,
            s.family,
            s.site or "",
            s.tenant or "",
            s.operator or "",
        )
    )
    return Diagnosis(portfolio.name, shortfalls, result.status.value)


def _slack_groups(model: Model, x: np.ndarray) -> dict[tuple, list[tuple[int, float]]]:
    """(family, site, tenant, operator) -> [(period index or -1, slack in the row's units)] of the
    non-zero, penalised slacks."""
    ins = model.inputs
    b = model.builder
    groups: dict[tuple, list[tuple[int, float]]] = {}
    for cols, rows, penalty, scale in zip(b.slacks.column, b.slacks.row, b.slacks.penalty, b.slacks.scale):
        amounts = x[cols] * scale
        for row, amount, w in zip(rows, amounts, penalty):
            if w == 0.0 or amount <= SLACK_TOL:
                continue
            block, i = b.block_of(int(row))
            where = block.coords(i)
            site = ins.site.ids[where["site"]] if "site" in where else None
            tenant = (
                ins.tenant.ids[where["tenant"]]
                if "tenant" in where
                else (ins.counterparty.ids[where["counterparty"]] if "counterparty" in where else None)
            )
            operator = ins.operator.ids[where["operator"]] if "operator" in where else None
            groups.setdefault((block.family, site, tenant, operator), []).append(
                (where.get("period", -1), float(amount))
            )
    return groups


__all__ = ["Diagnosis", "Shortfall", "diagnose", "elastic_model"]
