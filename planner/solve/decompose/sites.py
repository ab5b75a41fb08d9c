"""One site of the decomposition: its inputs, its MILP, its plan in the whole model's columns.

A site's model is the whole model's inputs restricted to the site (one call,
Inputs.select_sites), with its tenant pieces as its only tenants (one eligible site each, no
minimum block) and its share of the cloud market, without budget or concentration cap.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from planner.inputs import Inputs
from planner.inputs.arrays import select
from planner.model import Model, build_model
from planner.model.algebra import Var
from planner.solve.decompose.pieces import Piece
from solvers import SolveOptions

logger = logging.getLogger(__name__)

SITE_FAMILIES = ("mining", "halls", "bought", "cloud", "in_use", "hosts", "cdus", "used", "liquid")
"""Variable families indexed by site first (named by their place in the model)."""


def _site_vars(model: Model) -> dict[str, Var]:
    return {
        "mining": model.mining.mw,
        "halls": model.halls.modules,
        "bought": model.cloud.bought,
        "cloud": model.cloud.mw,
        "in_use": model.cloud.in_use,
        "hosts": model.halls.hosts,
        "cdus": model.cooling.cdus,
        "used": model.cooling.used,
        "liquid": model.cooling.liquid,
    }


def site_inputs(ins: Inputs, s: int, pieces: list[Piece], cloud_mw: np.ndarray | None) -> Inputs:
    """Inputs of site s alone, with `pieces` as its tenants and its share `cloud_mw` [T] of the
    cloud market (None: uncapped)."""
    one = ins.select_sites(np.array([s]))
    ks = np.array([p.k for p in pieces], dtype=int)
    ten = select(one.tenant, "tenant", ks)
    firsts = np.array([int(p.starts[0]) for p in pieces], dtype=int)
    lasts = np.array([int(p.starts[-1]) for p in pieces], dtype=int)
    mw = np.array([p.mw for p in pieces], dtype=float)
    scale = np.divide(mw, ten.mw, out=np.ones_like(mw), where=ten.mw > 0)
    ten = dataclasses.replace(
        ten,
        mw=mw,
        tranche_mw=ten.tranche_mw * scale[:, None],
        committed=np.array([p.committed for p in pieces], dtype=bool),
        max_sites=np.ones(len(ks), dtype=int),
        min_block_mw=np.zeros(len(ks)),
        eligible=np.ones((len(ks), 1), dtype=bool),
        first=firsts,
        last=lasts,
    )
    op = dataclasses.replace(one.op, cloud_max_it_mw=cloud_mw, budget_usd_per_period=None, concentration_cap=None)
    operators = dataclasses.replace(one.operator, cloud_max_it_mw=np.full(len(one.operator.ids), np.inf))
    return dataclasses.replace(one, op=op, operator=operators).with_tenants(ten)


def site_integers(model: Model, s: int) -> np.ndarray:
    """Columns of the integer variables that belong to site s alone."""
    ins = model.inputs
    cols = [v.index[s][v.index[s] >= 0] for v in _site_vars(model).values()]
    ups = np.flatnonzero(ins.upgrade.site == s)
    cols.append(model.power.upgrade.index[ups].ravel())
    out = np.concatenate(cols)
    return out[model.problem.integer[out]]


def _pairs(model: Model, sub: Model, s: int, pieces: list[Piece]) -> list[tuple[np.ndarray, np.ndarray]]:
    """(whole model columns, site model columns) of the site's variables, -1 where absent."""
    ins = model.inputs
    whole, part = _site_vars(model), _site_vars(sub)
    c = np.flatnonzero(ins.contract.site == s)
    u = np.flatnonzero(ins.upgrade.site == s)
    pairs = [(whole[f].index[s], part[f].index[0]) for f in SITE_FAMILIES]
    pairs += [
        (getattr(model.power, f).index[c], getattr(sub.power, f).index) for f in ("draw", "draw_pt", "paid", "resold")
    ]
    pairs += [(model.power.upgrade.index[u], sub.power.upgrade.index)]
    pairs += [
        (model.markets.new.index[:, s], sub.markets.new.index[:, 0]),
        (model.markets.mw.index[:, s], sub.markets.mw.index[:, 0]),
        (model.markets.rent.index[:, s], sub.markets.rent.index[:, 0]),
    ]
    pairs += [
        (getattr(model.leases, f).index[p.k, s], getattr(sub.leases, f).index[i, 0])
        for i, p in enumerate(pieces)
        for f in ("lease", "renewal")
    ]
    return pairs


def solve_site(
    model: Model, s: int, pieces: list[Piece], cloud_mw: np.ndarray | None, run, options: SolveOptions
) -> tuple[dict[int, float], dict[int, tuple[int, int] | None], str] | None:
    """Site s's plan: whole-model column -> value (integers rounded), the start of each of its
    pieces (None: unsigned) and the solver's version; None when the site has no plan."""
    sub = build_model(site_inputs(model.inputs, s, pieces, cloud_mw))
    result = run.solve(sub.problem, options)
    if not result.has_solution or result.x is None:
        logger.info("decomposition: site %s: %s (%s)", model.inputs.site.ids[s], result.status.value, result.message)
        return None
    problem = model.problem
    out: dict[int, float] = {}
    for whole, part in _pairs(model, sub, s, pieces):
        for j, i in zip(whole.ravel(), part.ravel()):
            if j < 0:
                continue
            low = problem.col_lower[j]
            x = result.x[i] if i >= 0 else (low if np.isfinite(low) else 0.0)
            out[int(j)] = float(round(x) if problem.integer[j] else x)
    chosen = sub.leases.start.value(result.x)
    starts: dict[int, tuple[int, int] | None] = {}
    for i, p in enumerate(pieces):
        row = chosen[i]
        best = np.unravel_index(int(np.argmax(row)), row.shape) if row.size else (0, 0)
        starts[p.k] = (int(sub.leases.paths.periods[best[0]]), int(best[1])) if row.size and row.max() > 0.5 else None
    return out, starts, result.solver_version


def tenant_values(
    model: Model, pieces: list[list[Piece]], signed: dict[int, tuple[int, int] | None]
) -> dict[int, float]:
    """Whole-model column -> value of the tenants' paths, site uses, blocks and path blocks (a signed
    piece's MW at its site), as their sites chose them."""
    leases = model.leases
    block_mw: dict[int, dict[int, float]] = {}
    for s, site_pieces in enumerate(pieces):
        for p in site_pieces:
            if signed.get(p.k) is not None:
                block_mw.setdefault(p.k, {})[s] = p.mw
    out: dict[int, float] = {}
    for k in range(model.inputs.tenant.K):
        chosen = signed.get(k)
        for j, r in zip(*np.nonzero(leases.start.index[k] >= 0)):
            out[int(leases.start.index[k, j, r])] = float(chosen == (int(leases.paths.periods[j]), int(r)))
        at = block_mw.get(k, {})
        for s in model.inputs.tenant.sites(k):
            if leases.uses.index[k, s] >= 0:
                out[int(leases.uses.index[k, s])] = float(s in at)
            if leases.block.index[k, s] >= 0:
                out[int(leases.block.index[k, s])] = at.get(int(s), 0.0)
            for j, r in zip(*np.nonzero(leases.path_mw.index[k, s] >= 0)):
                hit = chosen == (int(leases.paths.periods[j]), int(r))
                out[int(leases.path_mw.index[k, s, j, r])] = at.get(int(s), 0.0) if hit else 0.0
    return out
